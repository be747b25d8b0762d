//! `app_info`: what the first-run screen shows — version, platform, keychain availability.
//! `probe_interactive`: the page says the composer accepts keystrokes; the wall-clock time goes
//! to stderr once, as `postbridge-probe: interactive at <unix ms>` (bench/app.sh measures launch →
//! interactive from it; nothing else is printed, and nothing about the person).

use keychain::Availability;
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::state::AppState;

/// The app's version and platform, and whether credentials can be kept in the keychain.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The version from Cargo.toml, e.g. "0.1.0".
    pub version: String,
    /// The operating system, e.g. "linux".
    pub platform: String,
    /// The CPU architecture, e.g. "x86_64".
    pub arch: String,
    /// Whether a keychain service is reachable, and if not why.
    pub keychain: KeychainStatus,
}

/// Whether the OS keychain can store Postbridge's credentials right now.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum KeychainStatus {
    /// Writing, reading and deleting a probe entry worked.
    Available {
        /// The backing service, e.g. "Secret Service (org.freedesktop.secrets)".
        service: String,
    },
    /// The keychain cannot be used; `reason` and `fix` are for people.
    Unavailable {
        /// The service that is missing.
        service: String,
        /// What is wrong.
        reason: String,
        /// How to fix it.
        fix: String,
    },
}

impl From<Availability> for KeychainStatus {
    fn from(value: Availability) -> Self {
        match value {
            Availability::Available { service } => Self::Available { service },
            Availability::Unavailable(keychain::KeychainError::Unavailable {
                service,
                reason,
                fix,
            }) => Self::Unavailable {
                service,
                reason,
                fix,
            },
            Availability::Unavailable(other) => Self::Unavailable {
                service: "keychain".into(),
                reason: other.to_string(),
                fix: "Make sure your system keychain is installed, running and unlocked.".into(),
            },
        }
    }
}

/// Builds the [`AppInfo`] for a store (blocking: the keychain is probed).
pub fn collect(secrets: &dyn keychain::SecretStore) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        platform: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        keychain: keychain::probe(secrets).into(),
    }
}

/// Returns the version, platform and keychain status.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, crate::error::AppError> {
    let secrets = state.secrets.clone();
    super::blocking(move || Ok(collect(secrets.as_ref()))).await
}

/// Prints when the composer became interactive (module docs); only the first call prints.
#[tauri::command]
#[specta::specta]
pub async fn probe_interactive() -> Result<(), crate::error::AppError> {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        eprintln!("postbridge-probe: interactive at {ms}");
    });
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use keychain::{KeychainError, MemoryStore};

    #[test]
    fn reports_version_and_an_available_keychain() {
        let info = collect(&MemoryStore::new());
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.platform, std::env::consts::OS);
        assert!(matches!(info.keychain, KeychainStatus::Available { .. }));
    }

    #[test]
    fn reports_why_the_keychain_is_unavailable() {
        let store = MemoryStore::failing(KeychainError::Unavailable {
            service: "Secret Service".into(),
            reason: "No Secret Service provider is running.".into(),
            fix: "Install gnome-keyring.".into(),
        });
        let json = serde_json::to_value(collect(&store).keychain).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "status": "unavailable",
                "service": "Secret Service",
                "reason": "No Secret Service provider is running.",
                "fix": "Install gnome-keyring."
            })
        );
    }
}
