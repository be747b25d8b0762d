//! Account commands: list, switch, rename, remove, re-check.

use accounts::{Accounts, Profile};
use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{AccountStatus, AccountsView, UploadRouteView, VerifyReport};

/// The page's view of one profile (no secret: only whether the keychain has them).
pub(crate) fn status_of(
    accounts: &Accounts,
    profile: &Profile,
    default: Option<&str>,
) -> Result<AccountStatus, AppError> {
    Ok(AccountStatus {
        name: profile.name.clone(),
        configured: accounts.has_credentials(&profile.name)?,
        username: profile.username.clone(),
        access_level: profile.access_level.clone(),
        plan: profile
            .plan
            .and_then(|p| serde_json::to_value(p).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        sandbox: profile.sandbox,
        is_default: default == Some(profile.name.as_str()),
        upload_route: profile.upload_route.as_ref().map(|r| UploadRouteView {
            route: r.route.clone(),
            reason: r.reason.clone(),
        }),
    })
}

/// All accounts, blocking (keychain and file).
pub(crate) fn view(accounts: &Accounts) -> Result<AccountsView, AppError> {
    let book = accounts.book()?;
    let default = book.default_profile().map(|p| p.name.clone());
    let accounts = book
        .profiles
        .iter()
        .map(|p| status_of(accounts, p, default.as_deref()))
        .collect::<Result<_, _>>()?;
    Ok(AccountsView { accounts })
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
    let (profile, credentials) =
        blocking(move || Ok((accounts.profile(&lookup)?, accounts.credentials(&lookup)?))).await?;
    let endpoints =
        crate::session::endpoints_for(&state, profile.sandbox, profile.endpoints()).await?;
    let verification = accounts::verify(endpoints, credentials).await;
    let accounts = state.accounts.clone();
    let record = verification.clone();
    blocking(move || {
        accounts.update(&name, |p| accounts::verify::record(p, &record))?;
        Ok(())
    })
    .await?;
    Ok(verification.into())
}
