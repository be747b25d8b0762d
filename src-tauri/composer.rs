//! The composer's app-side service: the draft store in the app's data directory, the part that
//! drops go to, thumbnails, and the one publish that may run at a time.
//!
//! Contract: all composer state lives in SQLite through `composer::Store` (the draft is saved on
//! every change and survives crashes); this module only adds what is per-window: the active
//! part, a thumbnail cache (made off the UI thread), and the one publish that may run: its slot
//! is a [`PublishSlot`] guard that frees it when dropped, so even a panicking post frees it.
//! The page never sends a file path: files arrive by the native drop event or the native picker,
//! both handled in Rust.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use composer::{Draft, Store};
use x_client::CancellationToken;

use crate::error::AppError;
use crate::views::{AttachmentView, DraftView, PartView, PollView, ProblemView};

/// Largest thumbnail side, in pixels.
const THUMB_SIDE: u32 = 320;

/// Where Postbridge keeps its data: `POSTBRIDGE_DATA_DIR`, else the platform's data directory
/// + `postbridge` (`~/.local/share/postbridge` on Linux).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("POSTBRIDGE_DATA_DIR") {
        return PathBuf::from(dir);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("postbridge")
}

/// Per-window composer state.
#[derive(Default)]
pub struct Composer {
    store: Mutex<Option<Store>>,
    active_part: AtomicUsize,
    thumbs: Mutex<HashMap<PathBuf, Option<String>>>,
    cancel: Mutex<Option<CancellationToken>>,
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
        let store = Store::open(&dir.join("postbridge.sqlite3"))?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// The part drops and the picker attach to.
    pub fn active_part(&self) -> usize {
        self.active_part.load(Ordering::Relaxed)
    }

    /// Sets the part drops and the picker attach to.
    pub fn set_active_part(&self, part: usize) {
        self.active_part.store(part, Ordering::Relaxed);
    }

    /// Attaches files to a part (blocking: reads file headers, makes thumbnails). Each file is
    /// checked on its own; the first refusal is returned after the others were attached.
    pub fn attach(&self, part: usize, paths: &[PathBuf]) -> Result<DraftView, AppError> {
        let store = self.store()?;
        let mut draft = store.draft()?;
        let index = part.min(draft.parts.len().saturating_sub(1));
        let mut refusal = None;
        for path in paths {
            let Some(target) = draft.parts.get_mut(index) else {
                break;
            };
            match composer::attach(path, target) {
                Ok(att) => {
                    self.thumbnail(&att.path);
                    target.media.push(att);
                }
                Err(err) => {
                    refusal.get_or_insert(AppError::from(err));
                }
            }
        }
        store.save_draft(&draft)?;
        match refusal {
            Some(err) => Err(err),
            None => Ok(self.view(&draft)),
        }
    }

    /// A thumbnail data URL for `path`, made once (videos have none).
    fn thumbnail(&self, path: &Path) -> Option<String> {
        if let Some(hit) = lock(&self.thumbs).get(path) {
            return hit.clone();
        }
        let made = composer::thumbnail(path, THUMB_SIDE)
            .ok()
            .map(|t| t.data_url);
        lock(&self.thumbs).insert(path.to_path_buf(), made.clone());
        made
    }

    /// What must change before `draft` can be posted. Above 280 is only a warning here (the
    /// counter shows it; X decides, and Premium accounts may post up to 25,000), so the check
    /// runs with Premium limits.
    pub fn problems(draft: &Draft) -> Vec<ProblemView> {
        composer::validate(draft, true)
            .into_iter()
            .map(|p| ProblemView {
                part: p.part as u32,
                message: p.message,
            })
            .collect()
    }

    /// The page's view of a draft, with problems and thumbnails.
    pub fn view(&self, draft: &Draft) -> DraftView {
        let problems = Self::problems(draft);
        DraftView {
            id: draft.id.clone(),
            account: draft.account.clone(),
            reply_to: draft.reply_to.clone(),
            reply_settings: draft.reply_settings.clone(),
            poll: draft.poll.as_ref().map(|p| PollView {
                options: p.options.clone(),
                duration_minutes: p.duration_minutes,
            }),
            parts: draft
                .parts
                .iter()
                .map(|p| PartView {
                    text: p.text.clone(),
                    posted_id: p.posted_id.clone(),
                    media: p
                        .media
                        .iter()
                        .map(|a| AttachmentView {
                            name: a
                                .path
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default(),
                            kind: a.kind.clone(),
                            mime: a.mime.clone(),
                            size: u32::try_from(a.size).unwrap_or(u32::MAX),
                            width: a.width,
                            height: a.height,
                            alt: a.alt.clone(),
                            thumb: self.thumbnail(&a.path),
                            uploaded: a.media_id.is_some(),
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

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
