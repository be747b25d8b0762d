//! Postbridge's secret store.
//!
//! Contract:
//! - Secrets are stored only through a [`SecretStore`]: [`OsKeychain`] in the app and the CLI
//!   (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows, through the
//!   `keyring` crate), [`MemoryStore`] in unit tests. There is no plaintext fallback.
//! - Every failure is a [`KeychainError`] whose message says, in words a person can act on,
//!   which service is missing and how to start or install it. Messages never contain a secret.
//! - [`probe`] tells whether a store can be written right now, without leaving anything behind.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Errors of the secret store. Displayed text is meant for people and never contains a secret.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeychainError {
    /// No keychain service can be reached (not installed, not running, or locked).
    #[error("{reason} {fix}")]
    Unavailable {
        /// The service that is missing, e.g. "Secret Service (org.freedesktop.secrets)".
        service: String,
        /// What is wrong, in one sentence.
        reason: String,
        /// How to fix it, in one or two sentences.
        fix: String,
    },
    /// The keychain answered but refused or failed the operation.
    #[error("The keychain could not complete the operation: {0}")]
    Failed(String),
}

/// A place to keep secrets, addressed by a key (e.g. `"work/access_secret"`).
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) the secret under `key`.
    fn set(&self, key: &str, secret: &str) -> Result<(), KeychainError>;
    /// Reads the secret under `key`; `Ok(None)` when there is none.
    fn get(&self, key: &str) -> Result<Option<String>, KeychainError>;
    /// Deletes the secret under `key`; `Ok(false)` when there was none.
    fn delete(&self, key: &str) -> Result<bool, KeychainError>;
    /// A short name of the backing service, for status screens.
    fn service_name(&self) -> String;
}

/// The operating system's keychain, one `keyring` entry per key under one service name.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

/// The keychain service name Postbridge uses for its entries.
pub const DEFAULT_SERVICE: &str = "postbridge";

impl OsKeychain {
    /// A store whose entries are filed under `service` (use [`DEFAULT_SERVICE`] in the app).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, key).map_err(translate)
    }
}

impl Default for OsKeychain {
    fn default() -> Self {
        Self::new(DEFAULT_SERVICE)
    }
}

impl SecretStore for OsKeychain {
    fn set(&self, key: &str, secret: &str) -> Result<(), KeychainError> {
        self.entry(key)?.set_password(secret).map_err(translate)
    }

    fn get(&self, key: &str) -> Result<Option<String>, KeychainError> {
        match self.entry(key)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(translate(err)),
        }
    }

    fn delete(&self, key: &str) -> Result<bool, KeychainError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(translate(err)),
        }
    }

    fn service_name(&self) -> String {
        platform_service().to_owned()
    }
}

/// An in-memory store for unit tests. Never used by the app or the CLI.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<BTreeMap<String, String>>,
    unavailable: Option<KeychainError>,
}

impl MemoryStore {
    /// An empty, working store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that fails every call with `error`, to test how callers report it.
    pub fn failing(error: KeychainError) -> Self {
        Self {
            entries: Mutex::default(),
            unavailable: Some(error),
        }
    }

    fn check(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, String>>, KeychainError> {
        if let Some(err) = &self.unavailable {
            return Err(err.clone());
        }
        self.entries
            .lock()
            .map_err(|_| KeychainError::Failed("the in-memory store was poisoned".into()))
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, key: &str, secret: &str) -> Result<(), KeychainError> {
        self.check()?.insert(key.to_owned(), secret.to_owned());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<String>, KeychainError> {
        Ok(self.check()?.get(key).cloned())
    }

    fn delete(&self, key: &str) -> Result<bool, KeychainError> {
        Ok(self.check()?.remove(key).is_some())
    }

    fn service_name(&self) -> String {
        "in-memory store".into()
    }
}

/// Whether a store can be used right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Writing, reading and deleting an entry worked.
    Available {
        /// The backing service, e.g. "Secret Service".
        service: String,
    },
    /// It did not; the error says why and how to fix it.
    Unavailable(KeychainError),
}

/// The key [`probe`] writes and removes again.
const PROBE_KEY: &str = "postbridge-probe";

/// Checks that `store` can write, read back and delete an entry. Leaves nothing behind.
pub fn probe(store: &dyn SecretStore) -> Availability {
    let round_trip = || -> Result<(), KeychainError> {
        let value = "probe";
        store.set(PROBE_KEY, value)?;
        let read = store.get(PROBE_KEY);
        let deleted = store.delete(PROBE_KEY);
        match read? {
            Some(v) if v == value => {}
            _ => {
                return Err(KeychainError::Failed(
                    "an entry written a moment ago could not be read back".into(),
                ))
            }
        }
        deleted.map(|_| ())
    };
    match round_trip() {
        Ok(()) => Availability::Available {
            service: store.service_name(),
        },
        Err(err) => Availability::Unavailable(err),
    }
}

fn platform_service() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "Secret Service (org.freedesktop.secrets)"
    }
}

/// Turns a `keyring` error into words a person can act on. The keyring error text is kept
/// as the technical reason; `BadEncoding` carries secret bytes and is never formatted.
fn translate(err: keyring::Error) -> KeychainError {
    let service = platform_service().to_owned();
    match err {
        keyring::Error::PlatformFailure(inner) => classify_platform(&inner.to_string(), service),
        keyring::Error::NoStorageAccess(inner) => KeychainError::Unavailable {
            service,
            reason: format!("The keychain is locked or refused access ({inner})."),
            fix: "Unlock your login keyring (on Linux: open \"Passwords and Keys\", or log out and in again) and try again.".into(),
        },
        keyring::Error::BadEncoding(_) => {
            KeychainError::Failed("a stored entry is not valid UTF-8 text".into())
        }
        keyring::Error::TooLong(attr, limit) => {
            KeychainError::Failed(format!("the attribute {attr} is longer than {limit}"))
        }
        keyring::Error::Invalid(attr, why) => {
            KeychainError::Failed(format!("the attribute {attr} is invalid: {why}"))
        }
        keyring::Error::Ambiguous(found) => KeychainError::Failed(format!(
            "{} entries match one key; remove the duplicates in your keychain app",
            found.len()
        )),
        keyring::Error::NoEntry => KeychainError::Failed("no such entry".into()),
        other => KeychainError::Failed(other.to_string()),
    }
}

/// Classifies a platform failure by the text the D-Bus/Secret Service layer gives.
fn classify_platform(text: &str, service: String) -> KeychainError {
    if text.contains("autolaunch")
        || text.contains("DBUS_SESSION_BUS_ADDRESS")
        || text.contains("Failed to connect to socket")
    {
        KeychainError::Unavailable {
            service,
            reason: "No D-Bus session bus is reachable, so the Secret Service cannot be asked.".into(),
            fix: "Run Postbridge inside a desktop session (or start one with `dbus-run-session`), with gnome-keyring or KeePassXC providing the Secret Service.".into(),
        }
    } else if text.contains("org.freedesktop.secrets") || text.contains("ServiceUnknown") {
        KeychainError::Unavailable {
            service,
            reason: "No Secret Service provider is running (nothing owns org.freedesktop.secrets).".into(),
            fix: "Install and start gnome-keyring (`sudo apt install gnome-keyring`, then log out and in) or enable KeePassXC's Secret Service integration.".into(),
        }
    } else if text.contains("IsLocked") || text.contains("locked") {
        KeychainError::Unavailable {
            service,
            reason: "The keyring is locked.".into(),
            fix: "Unlock your login keyring (open \"Passwords and Keys\", or log out and in again) and try again.".into(),
        }
    } else {
        KeychainError::Unavailable {
            service,
            reason: format!("The keychain could not be reached ({text})."),
            fix: "Make sure your system keychain is installed, running and unlocked.".into(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let store = MemoryStore::new();
        assert_eq!(store.get("a").unwrap(), None);
        store.set("a", "s3cret").unwrap();
        assert_eq!(store.get("a").unwrap().as_deref(), Some("s3cret"));
        store.set("a", "other").unwrap();
        assert_eq!(store.get("a").unwrap().as_deref(), Some("other"));
        assert!(store.delete("a").unwrap());
        assert!(!store.delete("a").unwrap());
        assert_eq!(store.get("a").unwrap(), None);
    }

    #[test]
    fn probe_leaves_nothing_behind() {
        let store = MemoryStore::new();
        assert!(matches!(probe(&store), Availability::Available { .. }));
        assert_eq!(store.get(PROBE_KEY).unwrap(), None);
    }

    #[test]
    fn probe_reports_the_failure() {
        let err = classify_platform(
            "D-Bus error: The name org.freedesktop.secrets was not provided by any .service files",
            "Secret Service (org.freedesktop.secrets)".into(),
        );
        let store = MemoryStore::failing(err.clone());
        assert_eq!(probe(&store), Availability::Unavailable(err));
    }

    #[test]
    fn platform_failures_say_what_is_missing_and_how_to_fix_it() {
        let cases = [
            (
                "Unable to autolaunch a dbus-daemon without a $DISPLAY for X11",
                "No D-Bus session bus",
                "dbus-run-session",
            ),
            (
                "DBus error: Failed to connect to socket /run/user/1000/bus: No such file or directory",
                "No D-Bus session bus",
                "dbus-run-session",
            ),
            (
                "The name org.freedesktop.secrets was not provided by any .service files",
                "No Secret Service provider",
                "gnome-keyring",
            ),
            (
                "org.freedesktop.Secret.Error.IsLocked: Cannot create an item in a locked collection",
                "locked",
                "Unlock",
            ),
        ];
        for (text, reason, fix) in cases {
            let KeychainError::Unavailable {
                reason: r, fix: f, ..
            } = classify_platform(text, "svc".into())
            else {
                panic!("{text} should be Unavailable");
            };
            assert!(r.contains(reason), "{r:?} should mention {reason:?}");
            assert!(f.contains(fix), "{f:?} should mention {fix:?}");
        }
    }

    #[test]
    fn bad_encoding_never_shows_the_bytes() {
        let err = translate(keyring::Error::BadEncoding(b"topsecret\xff".to_vec()));
        assert!(!err.to_string().contains("topsecret"));
    }
}
