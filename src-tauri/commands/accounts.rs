//! Account commands: list, switch, rename, remove, re-check.

use accounts::Accounts;
use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{AccountsView, VerifyReport};

/// All accounts, blocking (keychain and file).
pub(crate) fn view(accounts: &Accounts) -> Result<AccountsView, AppError> {
    Ok(accounts.summaries()?.into())
}

/// Lists the accounts.
#[tauri::command]
#[specta::specta]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<AccountsView, AppError> {
    let accounts = state.accounts.clone();
    blocking(move || view(&accounts)).await
}

/// Makes `name` the account Postbridge uses.
#[tauri::command]
#[specta::specta]
pub async fn set_default_account(
    state: State<'_, AppState>,
    name: String,
) -> Result<AccountsView, AppError> {
    let accounts = state.accounts.clone();
    blocking(move || {
        accounts.set_default(&name)?;
        view(&accounts)
    })
    .await
}

/// Renames an account (its keychain entry moves with it).
#[tauri::command]
#[specta::specta]
pub async fn rename_account(
    state: State<'_, AppState>,
    name: String,
    new_name: String,
) -> Result<AccountsView, AppError> {
    let accounts = state.accounts.clone();
    blocking(move || {
        accounts.rename(&name, new_name.trim())?;
        view(&accounts)
    })
    .await
}

/// Removes an account and deletes its keys from the keychain.
#[tauri::command]
#[specta::specta]
pub async fn remove_account(
    state: State<'_, AppState>,
    name: String,
) -> Result<AccountsView, AppError> {
    let accounts = state.accounts.clone();
    blocking(move || {
        accounts.remove(&name)?;
        view(&accounts)
    })
    .await
}

/// Checks a saved account's keys again and records what X says (username, access level).
#[tauri::command]
#[specta::specta]
pub async fn recheck_account(
    state: State<'_, AppState>,
    name: String,
) -> Result<VerifyReport, AppError> {
    let accounts = state.accounts.clone();
    let lookup = name.clone();
    let profile = blocking(move || Ok(accounts.profile(&lookup)?)).await?;
    if profile.sign_in.oauth2_client_id().is_some() {
        let verification = crate::signin::recheck(&state, &profile).await;
        let accounts = state.accounts.clone();
        let record = verification.clone();
        blocking(move || Ok(accounts.record(&name, &record)?)).await?;
        return Ok(verification.into());
    }
    let accounts = state.accounts.clone();
    let lookup = name.clone();
    let credentials = blocking(move || Ok(accounts.credentials(&lookup)?)).await?;
    let endpoints =
        crate::session::endpoints_for(&state, profile.sandbox, profile.endpoints()).await?;
    let verification = accounts::verify(endpoints, credentials).await;
    let accounts = state.accounts.clone();
    let record = verification.clone();
    blocking(move || Ok(accounts.record(&name, &record)?)).await?;
    Ok(verification.into())
}
