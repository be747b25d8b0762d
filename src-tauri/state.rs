//! State shared by the app's commands, created once at start-up.
//!
//! Contract: holds the accounts (profiles on disk, secrets behind the `keychain::SecretStore`
//! trait), the setup wizard's session (keys being set up, never sent back to the page), and the
//! sandbox simulator when it runs. Commands reach it through `State<'_, AppState>`.

use std::sync::Arc;

use accounts::Accounts;
use keychain::{OsKeychain, SecretStore};

use crate::{composer::Composer, sandbox::Sandbox, wizard::WizardSession};

/// The app's managed state (`State<'_, AppState>` in commands).
pub struct AppState {
    /// Where credentials live.
    pub secrets: Arc<dyn SecretStore>,
    /// Profiles and their keychain entries.
    pub accounts: Accounts,
    /// The setup wizard's keys in progress.
    pub wizard: WizardSession,
    /// The in-process simulator behind sandbox mode.
    pub sandbox: Sandbox,
    /// The composer: draft store, active part, thumbnails, the running post.
    pub composer: Arc<Composer>,
}

impl AppState {
    /// The state the app runs with: the OS keychain under the service name `postbridge`
    /// (or `POSTBRIDGE_KEYCHAIN_SERVICE`, which tests use to keep their entries apart) and the
    /// config directory of [`accounts::default_config_dir`].
    pub fn from_env() -> Self {
        let service = std::env::var("POSTBRIDGE_KEYCHAIN_SERVICE")
            .unwrap_or_else(|_| keychain::DEFAULT_SERVICE.to_owned());
        Self::new(
            Arc::new(OsKeychain::new(service)),
            accounts::default_config_dir(),
        )
    }

    /// State over any store and config directory (tests).
    pub fn new(secrets: Arc<dyn SecretStore>, config_dir: std::path::PathBuf) -> Self {
        Self {
            accounts: Accounts::new(config_dir, secrets.clone()),
            secrets,
            wizard: WizardSession::default(),
            sandbox: Sandbox::default(),
            composer: Arc::new(Composer::default()),
        }
    }
}

/// The X endpoints for accounts set up by hand: `POSTBRIDGE_API_BASE` and
/// `POSTBRIDGE_UPLOAD_BASE` when set (a proxy, or a simulator in tests), else X's own.
pub fn configured_endpoints() -> x_client::Endpoints {
    let default = x_client::Endpoints::default();
    x_client::Endpoints {
        api_base: std::env::var("POSTBRIDGE_API_BASE").unwrap_or(default.api_base),
        upload_base: std::env::var("POSTBRIDGE_UPLOAD_BASE").unwrap_or(default.upload_base),
    }
    .normalised()
}
