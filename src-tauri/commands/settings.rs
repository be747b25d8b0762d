//! Settings commands: read the settings, keep running when the window is closed, start at
//! login, and quit.
//!
//! Contract: thin wrappers over [`crate::settings`] (which states the rules) and
//! tauri-plugin-autostart (the OS's autostart entry, which starts `postbridge --background`).
//! Quit ends the app whatever the settings say; a post being sent at that moment is left to
//! the journal's read-back at the next start, as after any exit.

use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use crate::error::AppError;
use crate::settings::SettingsView;
use crate::state::AppState;

/// The settings as they are now, "Start at login" as the OS has it.
fn view(app: &AppHandle, state: &AppState) -> SettingsView {
    let (start_at_login, problem) = match app.autolaunch().is_enabled() {
        Ok(on) => (on, None),
        Err(e) => (false, Some(format!("cannot read the autostart entry: {e}"))),
    };
    SettingsView {
        keep_running_when_closed: state.settings.get().keep_running_when_closed,
        start_at_login,
        start_at_login_problem: problem,
    }
}

/// The settings.
#[tauri::command]
#[specta::specta]
pub async fn settings_get(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<SettingsView, AppError> {
    Ok(view(&app, &state))
}

/// Whether closing the window keeps Postbridge running to send scheduled posts.
#[tauri::command]
#[specta::specta]
pub async fn settings_set_keep_running(
    app: AppHandle,
    state: State<'_, AppState>,
    on: bool,
) -> Result<SettingsView, AppError> {
    state.settings.update(|s| s.keep_running_when_closed = on)?;
    Ok(view(&app, &state))
}

/// Adds or removes the OS's autostart entry. Starting at login only makes sense if the app
/// then keeps running, so turning it on also keeps the app running when the window closes.
#[tauri::command]
#[specta::specta]
pub async fn settings_set_start_at_login(
    app: AppHandle,
    state: State<'_, AppState>,
    on: bool,
) -> Result<SettingsView, AppError> {
    let manager = app.autolaunch();
    let done = if on {
        manager.enable()
    } else {
        manager.disable()
    };
    done.map_err(|e| AppError::invalid(format!("cannot change the autostart entry: {e}")))?;
    if on {
        state
            .settings
            .update(|s| s.keep_running_when_closed = true)?;
    }
    Ok(view(&app, &state))
}

/// Ends the app (the window and the background runner).
#[tauri::command]
#[specta::specta]
pub async fn app_quit(app: AppHandle) -> Result<(), AppError> {
    app.exit(0);
    Ok(())
}
