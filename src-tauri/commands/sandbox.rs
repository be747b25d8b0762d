//! Sandbox commands: start the in-process simulator with its demo account, flip scenarios,
//! and play the developer console's "Regenerate" there.

use accounts::Profile;
use tauri::State;

use super::accounts::{record_verification, status_of};
use crate::error::AppError;
use crate::sandbox::{self, Scenario};
use crate::state::AppState;
use crate::views::{AccountStatus, SandboxView, VerifyReport};

fn sandbox_err(message: String) -> AppError {
    AppError::Sandbox { message }
}

/// Saves `credentials` as the sandbox account, verifies them, and returns its status.
async fn save_sandbox_account(
    state: &AppState,
    credentials: x_client::Credentials,
) -> Result<(AccountStatus, VerifyReport), AppError> {
    let sim = state.sandbox.ensure().await.map_err(sandbox_err)?;
    let verification = accounts::verify(sandbox::endpoints(&sim), credentials.clone()).await;
    let accounts = state.accounts.clone();
    let record = verification.clone();
    let status = tauri::async_runtime::spawn_blocking(move || {
        let mut profile = accounts
            .book()?
            .get(sandbox::PROFILE)
            .cloned()
            .unwrap_or_else(|| Profile::new(sandbox::PROFILE));
        profile.sandbox = true;
        record_verification(&mut profile, &record);
        accounts.save(profile, &credentials)?;
        accounts.set_default(sandbox::PROFILE)?;
        let profile = accounts.profile(sandbox::PROFILE)?;
        status_of(&accounts, &profile, Some(sandbox::PROFILE))
    })
    .await??;
    Ok((status, verification.into()))
}

/// Starts the sandbox (if needed) and makes its verified demo account the one in use.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_start(state: State<'_, AppState>) -> Result<AccountStatus, AppError> {
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
    Ok(save_sandbox_account(&state, keys).await?.0)
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
