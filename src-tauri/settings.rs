//! The app's own preferences — what closing the window does — and "Start at login".
//!
//! Contract:
//! - [`AppSettings`] is stored as `settings.json` in the config directory beside
//!   `profiles.json`, written whole to a temporary file that is renamed over the old one, so
//!   a crash leaves the old file or the new one, never half of one.
//! - A missing file means the defaults: closing the window quits the app. A file that cannot
//!   be read or parsed is reported on stderr and the defaults are used until the next change
//!   replaces it (a broken file never stops the app from opening).
//! - "Start at login" is not stored here: the OS's autostart entry (written by
//!   tauri-plugin-autostart, which starts `postbridge --background`) is the only record, so
//!   what the page shows is what the OS will do.
//! - With `keep_running_when_closed`, closing the window hides it and the app keeps sending
//!   scheduled posts; launching Postbridge again shows the window, and Quit ends the app.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::AppError;

/// The file's name in the config directory.
pub const FILE: &str = "settings.json";

/// What the person chose.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct AppSettings {
    /// Closing the window keeps the app running (hidden) to send scheduled posts.
    pub keep_running_when_closed: bool,
}

/// The settings as the page shows them.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// See [`AppSettings::keep_running_when_closed`].
    pub keep_running_when_closed: bool,
    /// Whether the OS starts Postbridge in the background at login.
    pub start_at_login: bool,
    /// Why "Start at login" cannot be read or changed here, when it cannot.
    pub start_at_login_problem: Option<String>,
}

/// The settings file and its current value.
pub struct Settings {
    path: PathBuf,
    current: Mutex<AppSettings>,
}

impl Settings {
    /// The settings of the config directory `dir`, read now (module docs for a bad file).
    pub fn open(dir: &Path) -> Settings {
        let path = dir.join(FILE);
        let current = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                eprintln!(
                    "postbridge: {} is not valid ({e}); using the default settings",
                    path.display()
                );
                AppSettings::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AppSettings::default(),
            Err(e) => {
                eprintln!(
                    "postbridge: cannot read {} ({e}); using the default settings",
                    path.display()
                );
                AppSettings::default()
            }
        };
        Settings {
            path,
            current: Mutex::new(current),
        }
    }

    /// The settings now.
    pub fn get(&self) -> AppSettings {
        *self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `change` and stores the result; on a write failure nothing changes.
    pub fn update(&self, change: impl FnOnce(&mut AppSettings)) -> Result<AppSettings, AppError> {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = *current;
        change(&mut next);
        write_atomically(&self.path, &next)?;
        *current = next;
        Ok(next)
    }
}

/// Writes `settings` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, settings: &AppSettings) -> Result<(), AppError> {
    let fail = |e: std::io::Error| {
        AppError::invalid(format!(
            "cannot save the settings to {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let json = serde_json::to_vec_pretty(settings)
        .map_err(|e| AppError::invalid(format!("cannot encode the settings: {e}")))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn dir(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("postbridge-settings-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_change_is_kept_across_opens_and_written_whole() {
        let d = dir("kept");
        let s = Settings::open(&d);
        assert!(
            !s.get().keep_running_when_closed,
            "the default quits on close"
        );
        s.update(|v| v.keep_running_when_closed = true).unwrap();
        assert!(Settings::open(&d).get().keep_running_when_closed);
        assert!(
            !d.join("settings.json.tmp").exists(),
            "the temporary file is renamed away"
        );
        let on_disk: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join(FILE)).unwrap()).unwrap();
        assert_eq!(on_disk["keepRunningWhenClosed"], true);
    }

    #[test]
    fn a_broken_file_means_the_defaults_until_the_next_change() {
        let d = dir("broken");
        std::fs::write(d.join(FILE), b"{ not json").unwrap();
        let s = Settings::open(&d);
        assert_eq!(s.get(), AppSettings::default());
        assert_eq!(
            std::fs::read(d.join(FILE)).unwrap(),
            b"{ not json",
            "not replaced yet"
        );
        s.update(|v| v.keep_running_when_closed = true).unwrap();
        assert!(Settings::open(&d).get().keep_running_when_closed);
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let d = dir("unwritable");
        // The settings file's place is taken by a directory: the rename cannot succeed.
        std::fs::create_dir_all(d.join(FILE).join("x")).unwrap();
        let s = Settings::open(&d);
        assert!(s.update(|v| v.keep_running_when_closed = true).is_err());
        assert!(!s.get().keep_running_when_closed);
    }
}
