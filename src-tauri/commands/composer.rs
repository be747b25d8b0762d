//! Composer commands: edit the draft (saved on every change), attach files by the native picker
//! (drops arrive through the window's drop event, see `shell.rs`), post with progress over a
//! channel, cancel, resume a thread, read the history.

use composer::{Draft, PollDraft, Publisher};
use tauri::ipc::Channel;
use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{
    DraftView, HistoryView, PollView, PostOutcome, ProblemView, ProgressView, RateLimitView,
};

/// Loads the draft, changes it with `f`, saves it, returns the new view.
async fn edit(
    state: &AppState,
    f: impl FnOnce(&mut Draft) -> Result<(), AppError> + Send + 'static,
) -> Result<DraftView, AppError> {
    let store = state.composer.store()?;
    let draft = blocking(move || {
        let mut draft = store.draft()?;
        f(&mut draft)?;
        store.save_draft(&draft)?;
        Ok(draft)
    })
    .await?;
    Ok(state.composer.view(&draft))
}

fn part_mut(draft: &mut Draft, part: u32) -> Result<&mut composer::Part, AppError> {
    draft
        .parts
        .get_mut(part as usize)
        .ok_or_else(|| AppError::invalid(format!("There is no part {}.", part + 1)))
}

/// The current draft (restored after a restart).
#[tauri::command]
#[specta::specta]
pub async fn draft_get(state: State<'_, AppState>) -> Result<DraftView, AppError> {
    edit(&state, |_| Ok(())).await
}

/// Sets the text of a part. Called on every keystroke; returns only the draft's problems
/// (no thumbnails) to stay cheap.
#[tauri::command]
#[specta::specta]
pub async fn draft_set_text(
    state: State<'_, AppState>,
    part: u32,
    text: String,
) -> Result<Vec<ProblemView>, AppError> {
    let store = state.composer.store()?;
    blocking(move || {
        let mut draft = store.draft()?;
        part_mut(&mut draft, part)?.text = text;
        store.save_draft(&draft)?;
        Ok(crate::composer::Composer::problems(&draft))
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

/// Removes a part that is not posted yet (a draft keeps at least one part).
#[tauri::command]
#[specta::specta]
pub async fn draft_remove_part(
    state: State<'_, AppState>,
    part: u32,
) -> Result<DraftView, AppError> {
    edit(&state, move |d| {
        if d.parts.len() <= 1 {
            return Err(AppError::invalid("A post needs at least one part."));
        }
        if part_mut(d, part)?.posted_id.is_some() {
            return Err(AppError::invalid("This part is posted already."));
        }
        d.parts.remove(part as usize);
        Ok(())
    })
    .await
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
        let p = part_mut(d, part)?;
        let a = p
            .media
            .get_mut(index as usize)
            .ok_or_else(|| AppError::invalid("No such attachment."))?;
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
    reply_settings: Option<String>,
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
        d.reply_settings = reply_settings.filter(|s| !s.is_empty());
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
    let active = crate::session::active(state).await?;
    let draft_id = {
        let store = store.clone();
        blocking(move || Ok(store.draft()?.id)).await?
    };
    let publisher = Publisher::new(
        active.client.clone(),
        store.clone(),
        active.profile.name.clone(),
    );
    let remembered = active.remembered_route();
    let sink = on_progress.clone();
    let result = publisher
        .publish(
            &draft_id,
            x_client::UploadRoute::Auto,
            remembered,
            move |event| {
                let _ = sink.send(ProgressView::from(event));
            },
            cancel.clone(),
        )
        .await;
    let draft = {
        let store = store.clone();
        blocking(move || Ok(store.draft()?)).await?
    };
    let view = state.composer.view(&draft);
    match result {
        Ok(published) => {
            if let Some(decision) = published.route_decision.clone() {
                active.remember_route(state, decision).await?;
            }
            Ok(PostOutcome::Posted {
                ids: published.ids,
                links: published.links,
                rate_limit: published.rate_limit.map(RateLimitView::from),
                draft: view,
            })
        }
        Err(_) if cancel.is_cancelled() => Ok(PostOutcome::Cancelled { draft: view }),
        Err(err) => Ok(PostOutcome::Failed {
            part: err.part as u32,
            posted: err.posted,
            diagnosis: err.diagnosis.into(),
            draft: view,
        }),
    }
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
