//! # composer — the composer's engine behind Postbridge's desktop commands
//!
//! GUI-free: the Tauri commands call it; it never prints. Modules and their contracts:
//! - [`draft`]: the plain-data model ([`Draft`], [`Part`], [`Attachment`], [`PollDraft`]) and
//!   [`parse_post_ref`].
//! - [`store`]: drafts, publish state and history in one SQLite file ([`Store`]); the draft
//!   survives restarts and crashes, publish state cannot be overwritten by the UI.
//! - [`media`]: [`attach`] (docs/protocol.md §9 checks, message names the limit),
//!   [`attach_fitting`] (an image over X's limits is attached as a fitted copy; [`keep_original`]
//!   puts the person's original back, unchecked) and [`thumbnail`]
//!   (fast previews as data URLs).
//! - [`video_frame`]: [`first_frame`] — an MP4/MOV's first H.264 frame, decoded in Rust (the
//!   page never gets the file), for the video's preview.
//! - [`fit`]: [`fit_image`] — a re-encoded copy of an image over X's limits at the best
//!   quality that fits (EXIF orientation applied, downscaled only as needed, JPEG quality
//!   bisected); the original is never changed. Blocking: call it off the UI thread.
//! - [`validate`](mod@validate): [`validate`](fn@validate) before posting (blocking problems
//!   and warnings).
//! - [`journal`]: the command line's durable send journal in the same database, so an
//!   unresolved send is never repeated without `--force`.
//! - [`publish`]: [`Publisher::publish`] — uploads, reply chains, arm → confirm so nothing is
//!   ever posted twice, resume from the first unposted part.
//!
//! - [`queue`]: the schedule-and-queue engine ([`Queue`]): items due at a zoned time, claimed
//!   in SQLite so any number of runners post each once, late items held, media re-checked,
//!   interrupted sends settled by read-back.
//! - [`cost`]: pay-per-use prices of a post or thread (URL surcharge by twitter-text);
//!   [`pacing`]: when an account's seen rate-limit windows allow the next post.
//!
//! Errors: [`ComposerError`] everywhere except publishing, which returns [`PublishError`] with
//! x-client's [`x_client::Diagnosis`] (kind, cause, fix, wizard step).

pub mod cost;
pub mod draft;
pub mod error;
pub mod fit;
pub mod journal;
mod jpeg_dc;
pub mod media;
pub mod pacing;
pub mod publish;
pub mod queue;
pub mod store;
pub mod validate;
pub mod video_frame;

pub use cost::{post_cost, thread_cost, Cost, Plan};
pub use draft::{
    new_id, parse_post_ref, Attachment, Draft, FitNote, Part, PartStatus, PollDraft, Subtitles,
};
pub use error::ComposerError;
pub use fit::{fit_image, FitFormat, FitLimits, FitSize, Fitted};
pub use journal::{Claim, SendEntry, SendState};
pub use media::{
    animated_preview, attach, attach_fitting, attach_subtitles, is_subtitle_file, keep_original,
    language_name, thumbnail, Thumbnail, ANIMATED_PREVIEW_MAX,
};
pub use publish::{
    EventFn, PublishError, PublishEvent, PublishOptions, Published, Publisher, MEDIA_REUSE,
};
pub use queue::{
    Connected, Connector, Due, Item, ItemState, NewItem, NewPart, Queue, RunOptions, RunReport,
};
pub use store::{data_dir, ArmedResolution, HistoryEntry, HistoryKind, PublishGuard, Store};
pub use validate::{clock, validate, validate_with, Problem, VideoLimit};
pub use video_frame::first_frame;
