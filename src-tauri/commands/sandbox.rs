//! Sandbox commands: start the in-process simulator with its demo account, flip scenarios,
//! and play the developer console's "Regenerate" there.

use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::sandbox::{self, Scenario};
use crate::state::AppState;
use crate::views::{AccountStatus, SandboxView, VerifyReport};

fn sandbox_err(message: String) -> AppError {
    AppError::Sandbox { message }
}

/// Verifies `credentials` against the sandbox, saves them as the sandbox account
/// (`Accounts::save_sandbox`) and returns its status.
async fn save_sandbox_account(
    state: &AppState,
    credentials: x_client::Credentials,
) -> Result<(AccountStatus, VerifyReport), AppError> {
    let endpoints = crate::session::sandbox_endpoints(state).await?;
    let verification = accounts::verify(endpoints, credentials.clone()).await;
    let accounts = state.accounts.clone();
    let record = verification.clone();
    let status = blocking(move || {
        let profile = accounts.save_sandbox(&credentials, &record)?;
        Ok(accounts.summary(&profile.name)?.into())
    })
    .await?;
    Ok((status, verification.into()))
}

/// Starts the sandbox (if needed) and makes its verified demo account the one in use.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_start(state: State<'_, AppState>) -> Result<AccountStatus, AppError> {
    start(&state).await
}

pub(crate) async fn start(state: &AppState) -> Result<AccountStatus, AppError> {
    let sim = state.sandbox.ensure().await.map_err(sandbox_err)?;
    // A regenerated sandbox token from an earlier run is unknown to this simulator: start
    // from its demo keys, with the scenarios as they are now.
    let keys = match state.sandbox.status().await {
        Some((_, s)) if s.read_only_token => state
            .sandbox
            .set(Scenario::ReadOnlyToken, true)
            .await
            .map_err(sandbox_err)?
            .1
            .unwrap_or_else(|| sandbox::credentials(&sim.demo())),
        _ => sandbox::credentials(&sim.demo()),
    };
    Ok(save_sandbox_account(state, keys).await?.0)
}

/// Whether the sandbox runs, and its scenarios.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_status(state: State<'_, AppState>) -> Result<SandboxView, AppError> {
    Ok(match state.sandbox.status().await {
        Some((sim, scenarios)) => SandboxView {
            running: true,
            api_base: Some(sim.api_base()),
            scenarios,
        },
        None => SandboxView {
            running: false,
            api_base: None,
            scenarios: Default::default(),
        },
    })
}

/// Turns a scenario on or off. A read-only token replaces the sandbox account's keys.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_set_scenario(
    state: State<'_, AppState>,
    scenario: Scenario,
    on: bool,
) -> Result<SandboxView, AppError> {
    let (scenarios, new_keys) = state.sandbox.set(scenario, on).await.map_err(sandbox_err)?;
    if let Some(keys) = new_keys {
        save_sandbox_account(&state, keys).await?;
    }
    let api_base = state.sandbox.status().await.map(|(s, _)| s.api_base());
    Ok(SandboxView {
        running: true,
        api_base,
        scenarios,
    })
}

/// In the sandbox, does what the developer console's "Read and write" + "Regenerate" do, saves
/// the new token pair to the keychain and verifies it.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_regenerate(state: State<'_, AppState>) -> Result<VerifyReport, AppError> {
    let keys = state.sandbox.regenerate().await.map_err(sandbox_err)?;
    Ok(save_sandbox_account(&state, keys).await?.1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use accounts::Profile;
    use keychain::{MemoryStore, OsKeychain, SecretStore};

    use super::*;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "postbridge-sandbox-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn real_keys() -> x_client::Credentials {
        x_client::Credentials {
            consumer_key: "real-consumer-key".into(),
            consumer_secret: "real-consumer-secret".into(),
            access_token: "1-real-access-token".into(),
            access_secret: "real-access-secret".into(),
        }
    }

    /// A real account named "Sandbox", then "Try the sandbox" twice: the sandbox gets its own
    /// profile ("Sandbox 2", found again by its flag the second time), and the real account's
    /// profile and keychain entry are exactly as they were.
    async fn a_real_account_named_sandbox_is_never_touched(secrets: Arc<dyn SecretStore>) {
        let dir = temp_dir("named");
        let state = AppState::new(Arc::clone(&secrets), dir.clone());
        let mut real = Profile::new("Sandbox");
        real.username = Some("real_person".into());
        state.accounts.save(real.clone(), &real_keys()).unwrap();
        let entry_before = secrets.get("profile:Sandbox").unwrap();
        assert!(entry_before.is_some());

        let first = start(&state).await.unwrap();
        assert_eq!(first.name, "Sandbox 2");
        assert!(first.sandbox && first.is_default);
        let again = start(&state).await.unwrap();
        assert_eq!(again.name, "Sandbox 2", "found by its flag, not made again");

        let book = state.accounts.book().unwrap();
        assert_eq!(book.profiles.len(), 2, "{book:?}");
        assert_eq!(book.get("Sandbox"), Some(&real), "the real profile changed");
        assert_eq!(secrets.get("profile:Sandbox").unwrap(), entry_before);
        let real_now = state.accounts.credentials("Sandbox").unwrap();
        assert_eq!(real_now.access_secret, "real-access-secret");
        let sim = state.sandbox.ensure().await.unwrap();
        let demo = state.accounts.credentials("Sandbox 2").unwrap();
        assert_eq!(demo.access_token, sim.demo().access_token);

        for name in ["Sandbox", "Sandbox 2"] {
            state.accounts.remove(name).unwrap();
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_real_account_named_sandbox_keeps_its_keys() {
        a_real_account_named_sandbox_is_never_touched(Arc::new(MemoryStore::new())).await;
    }

    #[tokio::test]
    #[ignore = "needs a running Secret Service; scripts/test.sh runs it"]
    async fn a_real_account_named_sandbox_keeps_its_keys_in_the_real_keychain() {
        let service = format!("postbridge-test-sandbox-{}", std::process::id());
        a_real_account_named_sandbox_is_never_touched(Arc::new(OsKeychain::new(service))).await;
    }

    #[tokio::test]
    async fn without_a_clash_the_sandbox_is_called_sandbox() {
        let dir = temp_dir("plain");
        let state = AppState::new(Arc::new(MemoryStore::new()), dir.clone());
        let status = start(&state).await.unwrap();
        assert_eq!(status.name, "Sandbox");
        assert!(status.sandbox);
        // Renamed by the person: still found by its flag, no second sandbox profile.
        state.accounts.rename("Sandbox", "Rehearsal").unwrap();
        let status = start(&state).await.unwrap();
        assert_eq!(status.name, "Rehearsal");
        assert_eq!(state.accounts.book().unwrap().profiles.len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
