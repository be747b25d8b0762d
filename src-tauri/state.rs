//! State shared by the app's commands, created once at start-up.
//!
//! Contract: holds the accounts (profiles on disk, secrets behind the `keychain::SecretStore`
//! trait), the setup wizard's session (keys being set up, never sent back to the page), and the
//! sandbox simulator when it runs, the composer, the schedule queue and the app's settings. Commands reach it
//! through `State<'_, AppState>`.

use std::sync::Arc;

use accounts::Accounts;
use keychain::{OsKeychain, SecretStore};

use crate::settings::Settings;
use crate::{composer::Composer, queue::QueueService, sandbox::Sandbox, wizard::WizardSession};

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
    /// The schedule queue (in the composer's database) and its runner's wake-up call.
    pub queue: Arc<QueueService>,
    /// The app's preferences (what closing the window does).
    pub settings: Settings,
}

impl AppState {
    /// The state the app runs with: the OS keychain under the service name `postbridge`
    /// (or `POSTBRIDGE_KEYCHAIN_SERVICE`, which tests use to keep their entries apart) and the
    /// config directory `POSTBRIDGE_CONFIG_DIR` or the platform's (see [`accounts::Env`]).
    pub fn from_env() -> Self {
        let env = accounts::Env::from_process();
        Self::new(
            Arc::new(OsKeychain::new(env.keychain_service())),
            env.config_dir(),
        )
    }

    /// State over any store and config directory (tests).
    pub fn new(secrets: Arc<dyn SecretStore>, config_dir: std::path::PathBuf) -> Self {
        Self {
            settings: Settings::open(&config_dir),
            accounts: Accounts::new(config_dir, secrets.clone()),
            secrets,
            wizard: WizardSession::default(),
            sandbox: Sandbox::default(),
            composer: Arc::new(Composer::default()),
            queue: Arc::new(QueueService::default()),
        }
    }
}

/// The X endpoints for accounts set up by hand: `POSTBRIDGE_API_BASE` and
/// `POSTBRIDGE_UPLOAD_BASE` when set (a proxy, or a simulator in tests), else X's own
/// (read by [`accounts::Env`]: trimmed, empty = unset).
pub fn configured_endpoints() -> x_client::Endpoints {
    accounts::Env::from_process().endpoints()
}
