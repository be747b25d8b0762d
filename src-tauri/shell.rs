//! Builds and runs the Tauri application: managed state, the command handler, the window.
//!
//! Contract: no logic lives here; it wires [`crate::state::AppState`] and the command list from
//! [`crate::ipc::builder`] into Tauri, and returns the exit code when the last window closes.

use std::process::ExitCode;

use crate::{ipc, state::AppState};

/// Opens the main window and runs the event loop until the app exits.
pub(crate) fn run() -> ExitCode {
    let builder = ipc::builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .manage(AppState::from_env())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => {
            app.run(|_, _| {});
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("postbridge: the window could not be opened: {err}");
            ExitCode::FAILURE
        }
    }
}
