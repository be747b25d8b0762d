//! App events the page listens to (typed; generated into the bindings with the commands).
//!
//! Contract: events carry views only — never a path or a secret. [`DraftChanged`] follows a
//! native drop onto the window; [`AttachRefused`] says why a dropped file was refused.

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
