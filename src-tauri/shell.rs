//! Builds and runs the Tauri application: plugins, managed state, the command handler, the
//! window and its native drag-and-drop.
//!
//! Contract: no logic lives here; it wires [`crate::state::AppState`] and the command list from
//! [`crate::ipc::builder`] into Tauri, routes files dropped on the window to the composer
//! (`DraftChanged` / `AttachRefused` events), and returns the exit code when the app exits.
//! One window per user session: a second launch of the window focuses the running one and
//! exits 0 (tauri-plugin-single-instance, over D-Bus; without a session bus each launch opens
//! its own window).
//! Closing the window quits, unless the person chose to keep Postbridge running
//! ([`crate::settings`]): then the window is hidden and the queue's runner goes on. Started
//! with `--background` (what "Start at login" runs), the window stays hidden until Postbridge
//! is launched again. Notifications (the queue's) and the autostart entry are Tauri plugins.

use std::process::ExitCode;
use std::sync::Arc;

use tauri::{DragDropEvent, Manager, WindowEvent};
use tauri_specta::Event;

use crate::events::{AttachRefused, DraftChanged};
use crate::{ipc, state::AppState};

/// Opens the main window and runs the event loop until the app exits.
pub(crate) fn run(background: bool) -> ExitCode {
    let builder = ipc::builder();
    let app = tauri::Builder::default()
        // First among the plugins, so a second launch hands over before anything else starts:
        // it finds this instance on the D-Bus session bus, asks it to show its window, and
        // exits 0. Only the window is single-instance: `postbridge post|doctor|sim` run
        // headless before Tauri is started (see `crate::main`), so they are never swallowed.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app);
        }))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg("--background")
                .build(),
        )
        .manage(AppState::from_env())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            crate::queue::start_runner(app.handle().clone());
            if background {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.hide();
                }
            }
            Ok(())
        })
        .on_window_event(|window, event| match event {
            WindowEvent::DragDrop(DragDropEvent::Drop { paths, .. }) => {
                on_drop(window.app_handle().clone(), paths.clone());
            }
            WindowEvent::CloseRequested { api, .. } => {
                let state = window.app_handle().state::<AppState>();
                if state.settings.get().keep_running_when_closed {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
            _ => {}
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

/// Brings the main window to the front (a second launch asked for it).
fn show_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Files dropped on the window go to the active part of the draft.
fn on_drop(app: tauri::AppHandle, paths: Vec<std::path::PathBuf>) {
    let composer = Arc::clone(&app.state::<AppState>().composer);
    tauri::async_runtime::spawn_blocking(move || {
        let part = composer.active_part();
        let result = composer.attach(part, &paths);
        let view = composer
            .store()
            .and_then(|s| Ok(s.draft()?))
            .map(|d| composer.view(&d));
        if let Err(err) = result {
            let _ = AttachRefused {
                message: err.to_string(),
            }
            .emit(&app);
        }
        if let Ok(view) = view {
            let _ = DraftChanged(view).emit(&app);
        }
    });
}
