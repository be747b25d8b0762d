//! App events the page listens to (typed; generated into the bindings with the commands).
//!
//! Contract: events carry views only — never a path or a secret. [`DraftChanged`] follows a
//! native drop onto the window; [`AttachRefused`] says why a dropped file was refused;
//! [`QueueChanged`] follows any change of the queue (the queue view reads it again).

use serde::Serialize;
use specta::Type;

use crate::views::DraftView;

/// The draft changed outside a command (files were dropped on the window).
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct DraftChanged(pub DraftView);

/// A dropped file was refused; the message names the limit.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct AttachRefused {
    /// What was refused and why.
    pub message: String,
}

/// The queue changed: an item was scheduled, changed, or sent by the app's runner. The page
/// reads it again with `queue_list`.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct QueueChanged {
    /// What changed it.
    pub cause: QueueChangeCause,
}

/// Why the queue changed.
#[derive(Debug, Clone, Copy, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum QueueChangeCause {
    /// The person scheduled, rescheduled, cancelled, posted now or settled an item.
    Edited,
    /// The app's runner sent, held or failed items.
    Ran,
    /// Another process (a CLI runner, `postbridge schedule` or `queue cancel`) changed the
    /// store; seen by the runner within [`crate::queue::WATCH_INTERVAL`].
    Elsewhere,
}
