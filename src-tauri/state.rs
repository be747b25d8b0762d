//! State shared by the app's commands, created once at start-up.
//!
//! Contract: holds the secret store behind the `keychain::SecretStore` trait (the OS keychain
//! in the app; tests may substitute an in-memory store). Nothing here holds a secret in memory
//! longer than a command needs it.

use std::sync::Arc;

use keychain::{OsKeychain, SecretStore};

/// The app's managed state (`State<'_, AppState>` in commands).
pub struct AppState {
    /// Where credentials live.
    pub secrets: Arc<dyn SecretStore>,
}

impl AppState {
    /// The state the app runs with: the OS keychain under the service name `postbridge`
    /// (or `POSTBRIDGE_KEYCHAIN_SERVICE`, which tests use to keep their entries apart).
    pub fn from_env() -> Self {
        let service = std::env::var("POSTBRIDGE_KEYCHAIN_SERVICE")
            .unwrap_or_else(|_| keychain::DEFAULT_SERVICE.to_owned());
        Self {
            secrets: Arc::new(OsKeychain::new(service)),
        }
    }

    /// State over any store (unit tests).
    pub fn with_store(secrets: Arc<dyn SecretStore>) -> Self {
        Self { secrets }
    }
}
