//! The composer's app-side service: the draft store in the app's data directory, the part that
//! drops go to, thumbnails, and the one publish that may run at a time.
//!
//! Contract: all composer state lives in SQLite through `composer::Store` (the draft is saved on
//! every change and survives crashes); this module only adds what is per-window: the active
//! part, a thumbnail cache (made off the UI thread), and the one publish that may run: its slot
//! is a [`PublishSlot`] guard that frees it when dropped, so even a panicking post frees it.
//! The page never sends a file path: files arrive by the native drop event or the native picker,
//! both handled in Rust. An image over X's limits is attached as a copy fitted to them
//! ([`composer::attach_fitting`], in the data directory's [`FIT_DIR`]); the view says before and
//! after ([`FitView`]) under the original's name, and the original file is never changed.
//!
//! Edits are read-modify-write of the stored draft; [`Composer::edit_lock`] serialises them in
//! this window, and [`Composer::attach`] inspects files and makes thumbnails *before* it reads
//! the draft (then re-reads, applies and saves under the lock), so text typed meanwhile is never
//! reverted (PB-10). While a post runs, [`Composer::mark_sending`] records which parts it sends:
//! views show them as `sending` (read-only) until the post settles.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use composer::{Draft, Store};
use x_client::CancellationToken;

use crate::error::AppError;
use crate::views::{
    AttachmentView, DraftView, FitView, PartStatusView, PartView, PollView, ProblemView,
    ReplyTargetView, SubtitlesView,
};

/// Largest thumbnail side, in pixels.
const THUMB_SIDE: u32 = 320;

/// The folder of the data directory that holds copies of images fitted to X's limits.
pub const FIT_DIR: &str = "fitted";

/// Where Postbridge keeps its data: `POSTBRIDGE_DATA_DIR`, else the platform's data directory
/// + `postbridge` (`~/.local/share/postbridge` on Linux).
pub fn data_dir() -> PathBuf {
    composer::data_dir(accounts::Env::from_process().data_dir())
}

/// Per-window composer state.
#[derive(Default)]
pub struct Composer {
    store: Mutex<Option<Store>>,
    active_part: AtomicUsize,
    thumbs: Mutex<HashMap<PathBuf, Option<String>>>,
    cancel: Mutex<Option<CancellationToken>>,
    /// The draft being posted and how many of its parts the post sends.
    sending: Mutex<Option<(String, usize)>>,
    /// Held for every read-modify-write of the draft.
    edits: Mutex<()>,
    /// The account in use's video length limit from X, when X told it (its profile's
    /// `video_limit_minutes`): what the video length warning says.
    video_limit: Mutex<Option<u32>>,
}

/// The parts a running post sends, marked until it settles (see [`Composer::mark_sending`]).
pub struct SendingMark<'a> {
    composer: &'a Composer,
}

impl Drop for SendingMark<'_> {
    fn drop(&mut self) {
        *lock(&self.composer.sending) = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Composer {
    /// The draft store, opened on first use.
    pub fn store(&self) -> Result<Store, AppError> {
        let mut slot = lock(&self.store);
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let dir = data_dir();
        std::fs::create_dir_all(&dir).map_err(|e| AppError::Composer {
            message: format!("Cannot create {}: {e}", dir.display()),
        })?;
        let store = Store::open(&dir.join(composer::store::DB_FILE))?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Uses `store` instead of the app's database (tests).
    #[cfg(test)]
    pub(crate) fn use_store(&self, store: Store) {
        *lock(&self.store) = Some(store);
    }

    /// The part drops and the picker attach to.
    pub fn active_part(&self) -> usize {
        self.active_part.load(Ordering::Relaxed)
    }

    /// Sets the part drops and the picker attach to.
    pub fn set_active_part(&self, part: usize) {
        self.active_part.store(part, Ordering::Relaxed);
    }

    /// Serialises read-modify-write edits of the draft in this window: hold it from reading
    /// the draft to saving it, and never across slow work.
    pub fn edit_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        lock(&self.edits)
    }

    /// Marks the first `parts` parts of draft `draft_id` as sent by the running post, until the
    /// returned mark is dropped.
    pub fn mark_sending(&self, draft_id: &str, parts: usize) -> SendingMark<'_> {
        *lock(&self.sending) = Some((draft_id.to_owned(), parts));
        SendingMark { composer: self }
    }

    /// Attaches files to a part (blocking: reads file headers, fits images over X's limits,
    /// makes thumbnails). Each file is
    /// checked on its own; the first refusal is returned after the others were attached.
    ///
    /// The slow part (inspecting, thumbnails) runs before the draft is read for the write, so
    /// keystrokes saved meanwhile are kept: the draft is read again under the edit lock and
    /// only the part's media change. If that part's media changed meanwhile, the files are
    /// checked again against what it holds now. Parts that are not drafts refuse files.
    pub fn attach(&self, part: usize, paths: &[PathBuf]) -> Result<DraftView, AppError> {
        self.attach_then(part, paths, || {})
    }

    /// [`Composer::attach`], running `meanwhile` after the files were checked and before the
    /// draft is read again (tests use it to type in between).
    fn attach_then(
        &self,
        part: usize,
        paths: &[PathBuf],
        meanwhile: impl FnOnce(),
    ) -> Result<DraftView, AppError> {
        let store = self.store()?;
        let before = store.draft()?;
        let index = part.min(before.parts.len().saturating_sub(1));
        let original = before.parts.get(index).cloned().unwrap_or_default();
        let checked = self.check_files(&original, paths);
        meanwhile();
        let _edit = self.edit_lock();
        let mut draft = store.draft()?;
        if draft.id != before.id {
            return Err(AppError::Composer {
                message: "The draft changed (it was posted or discarded) while the files were read; drop them again.".into(),
            });
        }
        let sending = self.sending_parts(&draft.id);
        let Some(target) = draft.parts.get_mut(index) else {
            return Err(AppError::invalid(format!(
                "There is no part {}.",
                index + 1
            )));
        };
        if target.status != composer::PartStatus::Draft || index < sending {
            return Err(AppError::Composer {
                message: format!(
                    "Part {} is being sent or was sent; files can only be added to parts not sent yet.",
                    index + 1
                ),
            });
        }
        let (accepted, mut refusal) = if target.media == original.media {
            checked
        } else {
            self.check_files(target, paths)
        };
        target.media.extend(accepted);
        // Subtitle files go onto the part's video (dropped with it or after it).
        for path in paths.iter().filter(|p| composer::is_subtitle_file(p)) {
            if let Err(err) = composer::attach_subtitles(path, target, &default_subtitle_language())
            {
                refusal.get_or_insert(AppError::from(err));
            }
        }
        store.save_draft(&draft)?;
        match refusal {
            Some(err) => Err(err),
            None => Ok(self.view(&draft)),
        }
    }

    /// Checks `paths` one by one for attaching to `part` (each accepted file counts for the
    /// next; an image over X's limits is replaced by a copy fitted to them, in [`FIT_DIR`]) and
    /// makes their thumbnails: the accepted attachments and the first refusal.
    fn check_files(
        &self,
        part: &composer::Part,
        paths: &[PathBuf],
    ) -> (Vec<composer::Attachment>, Option<AppError>) {
        let mut scratch = part.clone();
        let mut accepted = Vec::new();
        let mut refusal = None;
        let fit_dir = data_dir().join(FIT_DIR);
        // Subtitle files are not media: `attach_then` puts them on the video.
        for path in paths.iter().filter(|p| !composer::is_subtitle_file(p)) {
            match composer::attach_fitting(path, &scratch, &fit_dir) {
                Ok(att) => {
                    self.thumbnail(&att.path);
                    scratch.media.push(att.clone());
                    accepted.push(att);
                }
                Err(err) => {
                    refusal.get_or_insert(AppError::from(err));
                }
            }
        }
        (accepted, refusal)
    }

    /// Puts the subtitle file `path` on the video of `part` (replacing earlier subtitles), in
    /// the system's language; refused for a part without a video or a file that is not SRT or
    /// WebVTT (the message names the file and the fix).
    pub fn attach_subtitles(&self, part: usize, path: &Path) -> Result<DraftView, AppError> {
        self.attach(part, &[path.to_path_buf()])
    }

    /// How many leading parts of `draft_id` the running post sends (0 when none runs).
    fn sending_parts(&self, draft_id: &str) -> usize {
        match lock(&self.sending).as_ref() {
            Some((id, n)) if id == draft_id => *n,
            _ => 0,
        }
    }

    /// A thumbnail data URL for `path`, made once (a video's is its first frame; a GIF up to
    /// [`composer::ANIMATED_PREVIEW_MAX`] is the file itself, animated).
    fn thumbnail(&self, path: &Path) -> Option<String> {
        if let Some(hit) = lock(&self.thumbs).get(path) {
            return hit.clone();
        }
        // A GIF up to 5 MB is shown as itself, so that it moves as on X.
        let made = composer::animated_preview(path).ok().flatten().or_else(|| {
            composer::thumbnail(path, THUMB_SIDE)
                .ok()
                .map(|t| t.data_url)
        });
        lock(&self.thumbs).insert(path.to_path_buf(), made.clone());
        made
    }

    /// Sets the account in use's video length limit from X (`None`: X's documented one).
    pub fn set_video_limit(&self, minutes: Option<u32>) {
        *lock(&self.video_limit) = minutes;
    }

    /// What must change before `draft` can be posted (`blocking`), and warnings. Above 280 is
    /// not even a warning here (the counter shows it; X decides, and Premium accounts may post
    /// up to 25,000), so the check runs with Premium text limits; a video longer than the
    /// account may post warns with the limit X told it, else X's documented one (Premium is
    /// not known here).
    pub fn problems(&self, draft: &Draft) -> Vec<ProblemView> {
        let video = match *lock(&self.video_limit) {
            Some(n) => composer::VideoLimit::ToldByX(n),
            None => composer::VideoLimit::Documented { premium: false },
        };
        composer::validate_with(draft, true, video)
            .into_iter()
            .map(|p| ProblemView {
                part: p.part as u32,
                message: p.message,
                blocking: p.blocking,
            })
            .collect()
    }

    /// Whose post the draft replies to: [`ReplyTargetView::Own`] when the store recorded it as
    /// posted by the draft's account (any of this computer's, before the draft is bound); when the store cannot be read, [`ReplyTargetView::NotKnownOwn`] (a warning too
    /// many rather than one too few).
    fn reply_target(&self, draft: &Draft) -> ReplyTargetView {
        let Some(id) = draft.reply_to.as_deref().and_then(composer::parse_post_ref) else {
            return ReplyTargetView::None;
        };
        // The draft's account once it is bound (its first part was sent), else any account here.
        match self
            .store()
            .map(|s| s.posted_here(&id, draft.account.as_deref()))
        {
            Ok(Ok(true)) => ReplyTargetView::Own,
            _ => ReplyTargetView::NotKnownOwn,
        }
    }

    /// The page's view of a draft, with problems and thumbnails.
    pub fn view(&self, draft: &Draft) -> DraftView {
        let problems = self.problems(draft);
        let sending = self.sending_parts(&draft.id);
        DraftView {
            id: draft.id.clone(),
            account: draft.account.clone(),
            reply_to: draft.reply_to.clone(),
            reply_settings: draft.reply_settings,
            reply_target: self.reply_target(draft),
            poll: draft.poll.as_ref().map(|p| PollView {
                options: p.options.clone(),
                duration_minutes: p.duration_minutes,
            }),
            parts: draft
                .parts
                .iter()
                .enumerate()
                .map(|(i, p)| PartView {
                    text: p.text.clone(),
                    status: match p.status {
                        composer::PartStatus::Draft if i < sending => PartStatusView::Sending,
                        composer::PartStatus::Draft => PartStatusView::Draft,
                        composer::PartStatus::Armed => PartStatusView::Sending,
                        composer::PartStatus::MayHavePosted => PartStatusView::MayHavePosted,
                        composer::PartStatus::Posted => PartStatusView::Posted,
                    },
                    posted_id: p.posted_id.clone(),
                    media: p
                        .media
                        .iter()
                        .map(|a| AttachmentView {
                            // A fitted copy is shown by its original's name.
                            name: a
                                .fitted
                                .as_ref()
                                .map_or(&a.path, |f| &f.original)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            kind: a.media_kind(),
                            duration_ms: a
                                .duration_ms
                                .filter(|_| a.kind == "video")
                                .map(|ms| u32::try_from(ms).unwrap_or(u32::MAX)),
                            mime: a.mime.clone(),
                            size: a.size,
                            width: a.width,
                            height: a.height,
                            alt: a.alt.clone(),
                            thumb: self.thumbnail(&a.path),
                            uploaded: a.media_id.is_some(),
                            fitted: a.fitted.as_ref().map(|f| FitView {
                                before_bytes: f.before.bytes,
                                before_width: f.before.width,
                                before_height: f.before.height,
                                after_width: f.after.width,
                                after_height: f.after.height,
                                quality: f.quality,
                            }),
                            refusal: a
                                .kept_original
                                .then(|| x_client::inspect(&a.path).err().map(|e| e.to_string()))
                                .flatten(),
                            subtitles: a.subtitles.as_ref().map(|s| SubtitlesView {
                                name: x_client::media::shown_name(&s.path),
                                language: s.language.clone(),
                                display_name: s.display_name.clone(),
                            }),
                        })
                        .collect(),
                })
                .collect(),
            problems,
        }
    }

    /// Takes the one publish slot; refuses while another post is being sent. The slot is
    /// released when the returned guard is dropped: when the post ends, fails, or panics.
    pub fn begin_publish(&self) -> Result<PublishSlot<'_>, AppError> {
        let mut slot = lock(&self.cancel);
        if slot.is_some() {
            return Err(AppError::invalid("A post is already being sent."));
        }
        let token = CancellationToken::new();
        *slot = Some(token.clone());
        Ok(PublishSlot {
            composer: self,
            token,
        })
    }

    /// Cancels the running publish, if any.
    pub fn cancel(&self) -> bool {
        match lock(&self.cancel).as_ref() {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

/// The "a post is being sent" slot, held for as long as one post runs. Dropping it frees the
/// slot, so a post that panics (the async task unwinds) cannot block the posts after it.
pub struct PublishSlot<'a> {
    composer: &'a Composer,
    token: CancellationToken,
}

impl PublishSlot<'_> {
    /// The running post's cancellation, which [`Composer::cancel`] triggers.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for PublishSlot<'_> {
    fn drop(&mut self) {
        *lock(&self.composer.cancel) = None;
    }
}

/// The language new subtitles get: the system locale's language (`LC_ALL`, `LC_MESSAGES`,
/// `LANG`, e.g. `de_DE.UTF-8` → `de`), else `en`. The person can change it per file.
pub fn default_subtitle_language() -> String {
    language_of_locale(
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .as_deref(),
    )
}

/// The language part of a POSIX locale name, when it is a language code; else `en`.
fn language_of_locale(locale: Option<&str>) -> String {
    let lang = locale
        .unwrap_or("")
        .split(['_', '.', '@'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if x_client::subtitles::valid_language_code(&lang) {
        lang
    } else {
        "en".into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A composer on an in-memory store.
    fn in_memory() -> (Composer, Store) {
        let composer = Composer::default();
        let store = Store::open_in_memory().unwrap();
        *lock(&composer.store) = Some(store.clone());
        (composer, store)
    }

    fn image(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("postbridge-attach-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, testkit::samples::png(64, 48, 10)).unwrap();
        path
    }

    #[test]
    fn attaching_keeps_text_typed_while_the_files_were_read() {
        let (composer, store) = in_memory();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "Before".into();
        store.save_draft(&d).unwrap();
        let view = composer
            .attach_then(0, &[image("a.png")], || {
                // A keystroke saved while the file was inspected (PB-10).
                let mut d = store.draft().unwrap();
                d.parts[0].text = "Before and after".into();
                store.save_draft(&d).unwrap();
            })
            .unwrap();
        assert_eq!(view.parts[0].text, "Before and after");
        assert_eq!(view.parts[0].media.len(), 1);
        let stored = store.draft().unwrap();
        assert_eq!(stored.parts[0].text, "Before and after");
        assert_eq!(stored.parts[0].media.len(), 1);
    }

    fn file(name: &str, bytes: &[u8]) -> PathBuf {
        let path = image(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn subtitles_dropped_with_or_after_a_video_go_onto_it_and_the_view_has_no_path() {
        let (composer, store) = in_memory();
        let vtt = file("captions.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n");
        // Alone on a part without a video: refused, nothing stored.
        let e = composer.attach(0, std::slice::from_ref(&vtt)).unwrap_err();
        assert!(e.to_string().contains("add the video first"), "{e}");
        let video = file("clip.mp4", &testkit::samples::mp4(32 * 1024));
        // Dropped together, in either order.
        let view = composer.attach(0, &[vtt.clone(), video]).unwrap();
        assert_eq!(view.parts[0].media.len(), 1);
        let sub = view.parts[0].media[0].subtitles.clone().unwrap();
        assert_eq!(sub.name, "captions.vtt");
        let json = serde_json::to_string(&view).unwrap();
        assert!(
            !json.contains(&*vtt.parent().unwrap().to_string_lossy()),
            "{json}"
        );
        let stored = store.draft().unwrap();
        assert_eq!(
            stored.parts[0].media[0].subtitles.as_ref().unwrap().path,
            vtt
        );
    }

    #[test]
    fn a_long_video_warns_with_the_limit_x_gave_the_account_and_a_small_gif_moves() {
        let (composer, store) = in_memory();
        let video = file(
            "talk.mp4",
            &testkit::samples::mp4_video(8192, 150, 1280, 720, false),
        );
        let view = composer.attach(0, &[video]).unwrap();
        let m = &view.parts[0].media[0];
        assert_eq!(
            (m.duration_ms, m.width, m.height),
            (Some(150_000), Some(1280), Some(720))
        );
        assert!(view.problems.is_empty(), "2:30 is under 20 minutes");
        composer.set_video_limit(Some(2));
        let problems = composer.problems(&store.draft().unwrap());
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].blocking);
        assert!(problems[0]
            .message
            .contains("X told this account it may post videos up to 2 minutes"));
        let gif = file("loop.gif", &testkit::samples::gif(20, 20, 3, 0));
        let mut d = store.draft().unwrap();
        d.parts[0].media.clear();
        store.save_draft(&d).unwrap();
        let view = composer.attach(0, &[gif]).unwrap();
        let thumb = view.parts[0].media[0].thumb.clone().unwrap();
        assert!(
            thumb.starts_with("data:image/gif;base64,"),
            "the GIF itself, animated"
        );
    }

    #[test]
    fn the_subtitle_language_follows_the_locale() {
        assert_eq!(language_of_locale(Some("de_DE.UTF-8")), "de");
        assert_eq!(language_of_locale(Some("pt_BR")), "pt");
        assert_eq!(language_of_locale(Some("C")), "en");
        assert_eq!(language_of_locale(Some("POSIX")), "en");
        assert_eq!(language_of_locale(None), "en");
    }

    #[test]
    fn files_added_meanwhile_count_against_the_limits() {
        let (composer, store) = in_memory();
        let four: Vec<PathBuf> = (0..4).map(|i| image(&format!("{i}.png"))).collect();
        // One image is attached while the four are being checked: only three fit.
        let result = composer.attach_then(0, &four, || {
            composer.attach(0, &[image("first.png")]).unwrap();
        });
        assert!(result.is_err(), "the fifth image is refused");
        assert_eq!(store.draft().unwrap().parts[0].media.len(), 4);
    }

    #[test]
    fn parts_being_sent_show_as_sending_and_refuse_files() {
        let (composer, store) = in_memory();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "One".into();
        d.parts.push(composer::Part {
            text: "Two".into(),
            ..Default::default()
        });
        store.save_draft(&d).unwrap();
        let statuses = |c: &Composer| {
            c.view(&store.draft().unwrap())
                .parts
                .iter()
                .map(|p| p.status)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            statuses(&composer),
            [PartStatusView::Draft, PartStatusView::Draft]
        );
        let mark = composer.mark_sending(&d.id, 1);
        assert_eq!(
            statuses(&composer),
            [PartStatusView::Sending, PartStatusView::Draft]
        );
        assert!(composer.attach(0, &[image("late.png")]).is_err());
        assert!(composer.attach(1, &[image("ok.png")]).is_ok());
        drop(mark);
        assert_eq!(
            statuses(&composer),
            [PartStatusView::Draft, PartStatusView::Draft]
        );
    }

    #[test]
    fn one_publish_at_a_time_until_the_slot_is_dropped() {
        let composer = Composer::default();
        assert!(!composer.cancel(), "nothing to cancel before a post");
        let slot = composer
            .begin_publish()
            .expect("the first post gets the slot");
        assert!(
            composer.begin_publish().is_err(),
            "a second post is refused"
        );
        assert!(composer.cancel(), "the running post can be cancelled");
        assert!(slot.token().is_cancelled());
        drop(slot);
        assert!(!composer.cancel(), "nothing to cancel after the post");
        let again = composer.begin_publish().expect("the slot is free again");
        assert!(
            !again.token().is_cancelled(),
            "a new post gets a fresh token"
        );
    }

    #[test]
    fn a_panic_during_a_post_frees_the_slot() {
        let composer = Composer::default();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _slot = composer.begin_publish().expect("slot");
            panic!("publishing panicked");
        }));
        assert!(panicked.is_err());
        assert!(
            composer.begin_publish().is_ok(),
            "a later post must not be told that a post is already being sent"
        );
    }

    #[tokio::test]
    async fn a_panicking_post_task_frees_the_slot() {
        // As in `draft_post`: the slot lives in the async task, which panics mid-post.
        let composer = std::sync::Arc::new(Composer::default());
        let task = {
            let composer = std::sync::Arc::clone(&composer);
            tokio::spawn(async move {
                let _slot = composer.begin_publish().expect("slot");
                tokio::task::yield_now().await;
                panic!("publishing panicked");
            })
        };
        assert!(task.await.is_err_and(|e| e.is_panic()));
        assert!(composer.begin_publish().is_ok());
    }
}
