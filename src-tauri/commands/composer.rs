//! Composer commands: edit the draft (saved on every change), attach files by the native picker
//! (drops arrive through the window's drop event, see `shell.rs`), post with progress over a
//! channel, cancel, resume a thread, settle a part that may have posted, discard the draft,
//! read the history.
//!
//! Contract: every edit is one read-modify-write of the current draft under the window's edit
//! lock. Parts that are being sent, may have posted, or are posted are read-only (the store
//! keeps their stored form; removing one is refused by `Store::remove_part`). Text saves name
//! the draft they were typed into; one that arrives after that draft was posted or discarded is
//! ignored (the page reloads the current draft when a post settles and re-applies what it
//! holds). Nothing here sends a part whose outcome is unknown: only the person's choice in
//! [`draft_resolve_part`] settles it. A post that ends while cancelling reports `cancelled`
//! only when the failure was the cancellation itself; an unknown outcome is reported as such.

use composer::{ArmedResolution, ComposerError, Draft, PollDraft};
use tauri::ipc::Channel;
use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{
    DraftView, HistoryView, PartChoice, PollView, PostOutcome, ProblemView, ProgressView,
};

/// Loads the draft, changes it with `f`, saves it, returns the new view.
async fn edit(
    state: &AppState,
    f: impl FnOnce(&mut Draft) -> Result<(), AppError> + Send + 'static,
) -> Result<DraftView, AppError> {
    let composer = state.composer.clone();
    let store = composer.store()?;
    blocking(move || {
        let draft = {
            let _edit = composer.edit_lock();
            let mut draft = store.draft()?;
            f(&mut draft)?;
            store.save_draft(&draft)?;
            draft
        };
        // The view makes missing thumbnails (after a restart: decoding images and a video's
        // first frame), so it is blocking work too.
        Ok(composer.view(&draft))
    })
    .await
}

/// A refusal of the engine as a sentence for the page.
fn refusal(err: ComposerError) -> AppError {
    let sentence = |msg: String| {
        let mut chars = msg.chars();
        let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
        format!("{}{}.", first.unwrap_or_default(), chars.as_str())
    };
    match err {
        ComposerError::ReadOnly(msg) => AppError::invalid(sentence(msg)),
        ComposerError::Busy => AppError::invalid(
            "This draft is being posted right now (here, or by another Postbridge window or command); wait until that finishes.",
        ),
        other => other.into(),
    }
}

fn part_mut(draft: &mut Draft, part: u32) -> Result<&mut composer::Part, AppError> {
    draft
        .parts
        .get_mut(part as usize)
        .ok_or_else(|| AppError::invalid(format!("There is no part {}.", part + 1)))
}

/// Attachment `index` of part `part`.
fn media_mut(
    draft: &mut Draft,
    part: u32,
    index: u32,
) -> Result<&mut composer::Attachment, AppError> {
    part_mut(draft, part)?
        .media
        .get_mut(index as usize)
        .ok_or_else(|| AppError::invalid("No such attachment."))
}

/// The current draft (restored after a restart).
#[tauri::command]
#[specta::specta]
pub async fn draft_get(state: State<'_, AppState>) -> Result<DraftView, AppError> {
    refresh_video_limit(&state).await;
    edit(&state, |_| Ok(())).await
}

/// Reads the account in use's remembered video limit into the composer (for its warning).
/// A profile that cannot be read leaves X's documented limit: a warning, never a refusal.
pub(crate) async fn refresh_video_limit(state: &AppState) {
    let accounts = state.accounts.clone();
    let limit = blocking(move || Ok(accounts.default_profile()?))
        .await
        .ok()
        .flatten()
        .and_then(|p| p.video_limit_minutes);
    state.composer.set_video_limit(limit);
}

/// Sets the text of a part of draft `draft` (the id the page shows). Called on every
/// keystroke; returns only the current draft's problems (no thumbnails) to stay cheap. When
/// `draft` is no longer the current draft (it was just posted or discarded) nothing is saved.
#[tauri::command]
#[specta::specta]
pub async fn draft_set_text(
    state: State<'_, AppState>,
    draft: String,
    part: u32,
    text: String,
) -> Result<Vec<ProblemView>, AppError> {
    let composer = state.composer.clone();
    let store = composer.store()?;
    blocking(move || {
        let _edit = composer.edit_lock();
        let mut current = store.draft()?;
        if current.id == draft {
            part_mut(&mut current, part)?.text = text;
            store.save_draft(&current)?;
        }
        Ok(composer.problems(&current))
    })
    .await
}

/// Makes `part` the one drops and the picker attach to.
#[tauri::command]
#[specta::specta]
pub async fn draft_focus_part(state: State<'_, AppState>, part: u32) -> Result<(), AppError> {
    state.composer.set_active_part(part as usize);
    Ok(())
}

/// Adds an empty part at the end (a thread).
#[tauri::command]
#[specta::specta]
pub async fn draft_add_part(state: State<'_, AppState>) -> Result<DraftView, AppError> {
    edit(&state, |d| {
        d.parts.push(composer::Part::default());
        Ok(())
    })
    .await
}

/// Removes a part that was never sent (`Store::remove_part` refuses parts being sent, that
/// may have posted or are posted, and any part before them). A draft keeps at least one part.
#[tauri::command]
#[specta::specta]
pub async fn draft_remove_part(
    state: State<'_, AppState>,
    part: u32,
) -> Result<DraftView, AppError> {
    let composer = state.composer.clone();
    let store = composer.store()?;
    let draft = blocking(move || {
        let _edit = composer.edit_lock();
        let current = store.draft()?;
        if current.parts.len() <= 1 {
            return Err(AppError::invalid("A post needs at least one part."));
        }
        store
            .remove_part(&current.id, part as usize)
            .map_err(refusal)
    })
    .await?;
    Ok(state.composer.view(&draft))
}

/// Settles part `part` of the current draft, which may have posted (X's answer was lost):
/// [`PartChoice::OnX`] marks it posted, with the post's link or id from `link` when given;
/// [`PartChoice::PostAgain`] makes it a draft part again, which the next Post sends. Nothing is
/// sent here. When "It's on X" leaves every part posted, the draft is done: it is closed (no
/// request is made) and the new current draft is returned.
#[tauri::command]
#[specta::specta]
pub async fn draft_resolve_part(
    state: State<'_, AppState>,
    part: u32,
    choice: PartChoice,
    link: Option<String>,
) -> Result<DraftView, AppError> {
    let composer = state.composer.clone();
    let store = composer.store()?;
    let (draft_id, all_posted) = blocking(move || {
        let _edit = composer.edit_lock();
        let id = store.draft()?.id;
        let resolution = match choice {
            PartChoice::OnX => ArmedResolution::Posted {
                id: link.filter(|l| !l.trim().is_empty()),
            },
            PartChoice::PostAgain => ArmedResolution::NotPosted,
        };
        store
            .resolve_armed(&id, part as usize, resolution)
            .map_err(refusal)?;
        let draft = store.draft_by_id(&id)?;
        Ok((id, draft.first_unposted() == draft.parts.len()))
    })
    .await?;
    if all_posted {
        close_posted(&state, &draft_id).await;
    }
    draft_get(state).await
}

/// Closes a draft whose parts are all posted, as a publish does at its end: the publisher
/// finds nothing to send, marks it published and starts the next draft. Best effort: when it
/// cannot run now (a post is running, no account, the draft belongs to another account) the
/// draft stays as it is and the next Post closes it, still sending nothing.
async fn close_posted(state: &AppState, draft_id: &str) {
    let Ok(_slot) = state.composer.begin_publish() else {
        return;
    };
    let (Ok(store), Ok(active)) = (state.composer.store(), crate::session::active(state).await)
    else {
        return;
    };
    // The outcome is read back through `draft_get`; a refusal leaves the draft as it was.
    let _ = active
        .publisher(store)
        .publish(
            draft_id,
            composer::PublishOptions {
                remembered: active.remembered_route(),
                ..composer::PublishOptions::default()
            },
        )
        .await;
}

/// Gives up the current draft (kept in the database, no longer shown) and returns the new,
/// empty one. Parts already posted stay on X; refused while the draft is being posted.
#[tauri::command]
#[specta::specta]
pub async fn draft_discard(state: State<'_, AppState>) -> Result<DraftView, AppError> {
    let composer = state.composer.clone();
    let store = composer.store()?;
    let draft = blocking(move || {
        let _edit = composer.edit_lock();
        let id = store.draft()?.id;
        store.discard_draft(&id).map_err(refusal)
    })
    .await?;
    Ok(state.composer.view(&draft))
}

/// Opens the native file picker and attaches the chosen files to `part`.
#[tauri::command]
#[specta::specta]
pub async fn draft_pick_files(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    part: u32,
) -> Result<DraftView, AppError> {
    let paths = crate::picker::pick_media(&window).await?;
    if paths.is_empty() {
        return draft_get(state).await;
    }
    // Attaching reads headers and makes thumbnails: keep it off the async runtime's threads.
    let composer = state.composer.clone();
    blocking(move || composer.attach(part as usize, &paths)).await
}

/// Opens the native file picker for one `.srt`/`.vtt` file and puts it on the video of
/// `part` (in the system's language).
#[tauri::command]
#[specta::specta]
pub async fn draft_pick_subtitles(
    window: tauri::WebviewWindow,
    state: State<'_, AppState>,
    part: u32,
) -> Result<DraftView, AppError> {
    let Some(path) = crate::picker::pick_subtitles(&window).await? else {
        return draft_get(state).await;
    };
    let composer = state.composer.clone();
    blocking(move || composer.attach_subtitles(part as usize, &path)).await
}

/// Sets the language of a video's subtitles (a BCP-47 code such as `en` or `pt-BR`); the
/// track's name follows it.
#[tauri::command]
#[specta::specta]
pub async fn draft_set_subtitle_language(
    state: State<'_, AppState>,
    part: u32,
    index: u32,
    language: String,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        let language = language.trim().to_string();
        if !x_client::subtitles::valid_language_code(&language) {
            return Err(AppError::invalid(format!(
                "“{language}” is not a language code; use one such as en, es or pt-BR."
            )));
        }
        let sub = media_mut(d, part, index)?
            .subtitles
            .as_mut()
            .ok_or_else(|| AppError::invalid("This video has no subtitles."))?;
        sub.display_name = composer::language_name(&language);
        sub.language = language;
        Ok(())
    })
    .await
}

/// Removes a video's subtitles.
#[tauri::command]
#[specta::specta]
pub async fn draft_remove_subtitles(
    state: State<'_, AppState>,
    part: u32,
    index: u32,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        media_mut(d, part, index)?.subtitles = None;
        Ok(())
    })
    .await
}

/// Removes an attachment.
#[tauri::command]
#[specta::specta]
pub async fn draft_remove_media(
    state: State<'_, AppState>,
    part: u32,
    index: u32,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        let p = part_mut(d, part)?;
        if (index as usize) < p.media.len() {
            p.media.remove(index as usize);
        }
        Ok(())
    })
    .await
}

/// Puts the person's original back in place of a fitted copy (they keep it, and X's limit
/// refuses it at Post).
#[tauri::command]
#[specta::specta]
pub async fn draft_keep_original(
    state: State<'_, AppState>,
    part: u32,
    index: u32,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        let slot = media_mut(d, part, index)?;
        *slot = composer::keep_original(slot)
            .ok_or_else(|| AppError::invalid("This attachment is not a fitted copy."))?;
        Ok(())
    })
    .await
}

/// Moves an attachment within its part.
#[tauri::command]
#[specta::specta]
pub async fn draft_move_media(
    state: State<'_, AppState>,
    part: u32,
    from: u32,
    to: u32,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        let p = part_mut(d, part)?;
        let (from, to) = (from as usize, to as usize);
        if from < p.media.len() && to < p.media.len() {
            let item = p.media.remove(from);
            p.media.insert(to, item);
        }
        Ok(())
    })
    .await
}

/// Sets (or clears, with an empty text) the alt text of an image or GIF.
#[tauri::command]
#[specta::specta]
pub async fn draft_set_alt(
    state: State<'_, AppState>,
    part: u32,
    index: u32,
    alt: String,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        let a = media_mut(d, part, index)?;
        a.alt = (!alt.trim().is_empty()).then_some(alt);
        Ok(())
    })
    .await
}

/// Sets the post to reply to (an id or a post URL; empty clears), who may reply, and the poll.
#[tauri::command]
#[specta::specta]
pub async fn draft_set_options(
    state: State<'_, AppState>,
    reply_to: String,
    reply_settings: Option<x_client::ReplySettings>,
    poll: Option<PollView>,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        let reply = reply_to.trim();
        d.reply_to = if reply.is_empty() {
            None
        } else {
            Some(composer::parse_post_ref(reply).ok_or_else(|| {
                AppError::invalid(
                    "Reply to: paste a post's link (https://x.com/…/status/123…) or its numeric id.",
                )
            })?)
        };
        d.reply_settings = reply_settings;
        d.poll = poll.map(|p| PollDraft {
            options: p.options,
            duration_minutes: p.duration_minutes,
        });
        Ok(())
    })
    .await
}

/// Posts the draft (or resumes a thread from its first unposted part), streaming progress.
#[tauri::command]
#[specta::specta]
pub async fn draft_post(
    state: State<'_, AppState>,
    on_progress: Channel<ProgressView>,
) -> Result<PostOutcome, AppError> {
    // Held until this function returns or its task unwinds: a panic while posting frees it too.
    let slot = state.composer.begin_publish()?;
    post_inner(&state, on_progress, slot.token().clone()).await
}

async fn post_inner(
    state: &AppState,
    on_progress: Channel<ProgressView>,
    cancel: x_client::CancellationToken,
) -> Result<PostOutcome, AppError> {
    let store = state.composer.store()?;
    let active = match crate::session::active(state).await {
        Ok(a) => a,
        // The account's sign-in ended before anything was sent: the failure with its way
        // out (the wizard's sign-in step), the draft as it is.
        Err(AppError::SignInRequired { message, .. }) => {
            let draft = blocking(move || Ok(store.draft()?)).await?;
            let diagnosis =
                x_client::Diagnosis::new(x_client::ErrorKind::SignInRequired, None, message);
            return Ok(PostOutcome::Failed {
                part: 0,
                posted: Vec::new(),
                diagnosis: diagnosis.into(),
                profile_link: None,
                draft: state.composer.view(&draft),
            });
        }
        Err(e) => return Err(e),
    };
    let (draft_id, parts) = {
        let store = store.clone();
        blocking(move || {
            let d = store.draft()?;
            Ok((d.id, d.parts.len()))
        })
        .await?
    };
    // The parts this post sends show as `sending` (read-only) until it settles.
    let sending = state.composer.mark_sending(&draft_id, parts);
    let sink = on_progress.clone();
    let options = composer::PublishOptions {
        route: x_client::UploadRoute::Auto,
        remembered: active.remembered_route(),
        on_event: Some(std::sync::Arc::new(move |event| {
            let _ = sink.send(ProgressView::from(event));
        })),
        cancel: Some(cancel.clone()),
    };
    let result = active
        .publisher(store.clone())
        .publish(&draft_id, options)
        .await;
    drop(sending);
    if let Ok(Some(decision)) = result.as_ref().map(|p| p.route_decision.clone()) {
        active.remember_route(state, decision).await?;
    }
    // X named this account's video length limit (§15): remember it for the next warning.
    if let Err(e) = &result {
        if e.diagnosis.kind == x_client::ErrorKind::VideoTooLong {
            if let Some(n) = x_client::video_limit_minutes(&e.diagnosis.detail) {
                active.remember_video_limit(state, n).await?;
                state.composer.set_video_limit(Some(n));
            }
        }
    }
    let draft = blocking(move || Ok(store.draft()?)).await?;
    Ok(PostOutcome::of(result, state.composer.view(&draft)))
}

/// Cancels the post being sent (uploads stop; parts already posted stay posted).
#[tauri::command]
#[specta::specta]
pub async fn draft_cancel(state: State<'_, AppState>) -> Result<bool, AppError> {
    Ok(state.composer.cancel())
}

/// Posts and failures, newest first.
#[tauri::command]
#[specta::specta]
pub async fn history_list(state: State<'_, AppState>) -> Result<Vec<HistoryView>, AppError> {
    let store = state.composer.store()?;
    let entries = blocking(move || Ok(store.history(100)?)).await?;
    Ok(entries.into_iter().map(HistoryView::from).collect())
}

/// Opens a post's link in the system browser (X's hosts or the account's API host only).
#[tauri::command]
#[specta::specta]
pub async fn open_link(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    url: String,
) -> Result<(), AppError> {
    let endpoints = match crate::session::active(&state).await {
        Ok(active) => active.client.endpoints().clone(),
        Err(_) => crate::state::configured_endpoints(),
    };
    crate::browser::open_allowed(&app, &url, &endpoints).map_err(AppError::invalid)
}
