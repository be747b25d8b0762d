//! Build script: with the `gui` feature, runs tauri-build with the app's command manifest
//! (every app command must be listed here and granted in `src-tauri/capabilities/`).

fn main() {
    #[cfg(feature = "gui")]
    gui();
}

/// The app commands the page may call; `build.rs` turns each into an `allow-…` permission.
#[cfg(feature = "gui")]
const COMMANDS: &[&str] = &[
    "app_info",
    "probe_interactive",
    "list_accounts",
    "set_default_account",
    "rename_account",
    "remove_account",
    "recheck_account",
    "wizard_paste",
    "wizard_verify",
    "wizard_save",
    "wizard_cancel",
    "pin_start",
    "pin_finish",
    "oauth2_redirect_uri",
    "oauth2_start",
    "oauth2_finish",
    "account_upgrade",
    "sandbox_start",
    "sandbox_status",
    "sandbox_set_scenario",
    "sandbox_regenerate",
    "draft_get",
    "draft_set_text",
    "draft_focus_part",
    "draft_add_part",
    "draft_remove_part",
    "draft_pick_files",
    "draft_remove_media",
    "draft_move_media",
    "draft_keep_original",
    "draft_set_alt",
    "draft_pick_subtitles",
    "draft_set_subtitle_language",
    "draft_remove_subtitles",
    "draft_set_options",
    "draft_resolve_part",
    "draft_discard",
    "draft_post",
    "draft_cancel",
    "history_list",
    "open_link",
    "queue_list",
    "queue_schedule",
    "queue_cancel",
    "queue_edit",
    "queue_reschedule",
    "queue_post_now",
    "queue_resolve",
    "post_cost",
    "settings_get",
    "settings_set_keep_running",
    "settings_set_start_at_login",
    "app_quit",
];

#[cfg(feature = "gui")]
fn gui() {
    // tauri-build does not emit this for a custom capabilities path: without it a capability
    // edit is silently ignored until something else triggers a rebuild.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(err) = tauri_build::try_build(attributes) {
        // A build script reports failure by panicking; this is the only way to stop cargo.
        #[allow(clippy::panic)]
        {
            panic!("tauri-build failed: {err:#}");
        }
    }
}
