//! The commands the page may invoke. Each is a thin async function: parse input, call one
//! service, map the error into [`crate::error::AppError`]. Every command is listed in
//! `build.rs` and granted to the main window in `src-tauri/capabilities/main.json`.

pub mod accounts;
pub mod app_info;
pub mod composer;
pub mod queue;
pub mod sandbox;
pub mod settings;
pub mod signin;
pub mod wizard;

use crate::error::AppError;

/// Runs blocking work (keychain, SQLite, file headers) off the async runtime's threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(f).await?
}
