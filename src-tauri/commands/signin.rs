//! Sign in with X (OAuth 2.0) commands: the wizard's browser sign-in and the one-click upgrade
//! of an OAuth 1.0a account. Tokens never reach the page: only verdicts (`crate::signin`).

use tauri::State;

use crate::error::AppError;
use crate::state::AppState;
use crate::views::{SignInReport, SignInStart, UpgradeReport};

/// The Callback URI to register for the app (shown before signing in).
#[tauri::command]
#[specta::specta]
pub async fn oauth2_redirect_uri() -> Result<String, AppError> {
    crate::signin::redirect_uri()
}

/// Starts a browser sign-in with the app's Client ID (empty: the account's own, for
/// `account`): listens for X's answer and opens X's authorize page.
#[tauri::command]
#[specta::specta]
pub async fn oauth2_start(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    client_id: String,
    account: Option<String>,
) -> Result<SignInStart, AppError> {
    crate::signin::start(&app, &state, client_id, account).await
}

/// Waits for X's answer, exchanges the code and verifies the account.
#[tauri::command]
#[specta::specta]
pub async fn oauth2_finish(state: State<'_, AppState>) -> Result<SignInReport, AppError> {
    crate::signin::finish(&state).await
}

/// Upgrades the OAuth 1.0a account `name` to OAuth 2.0 through X's token exchange.
#[tauri::command]
#[specta::specta]
pub async fn account_upgrade(
    state: State<'_, AppState>,
    name: String,
    client_id: String,
) -> Result<UpgradeReport, AppError> {
    crate::signin::upgrade(&state, &name, &client_id).await
}
