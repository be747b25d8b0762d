//! The commands the page may invoke. Each is a thin async function: parse input, call one
//! service, map the error into [`crate::error::AppError`]. Every command is listed in
//! `build.rs` and granted to the main window in `src-tauri/capabilities/main.json`.

pub mod accounts;
pub mod app_info;
pub mod composer;
pub mod sandbox;
pub mod wizard;
