//! Setup wizard commands: paste → verify → save, PIN sign-in, and replacing the tokens of an
//! existing account after a plan or permission change. Secrets arrive once and never go back.

use accounts::paste::{self, PastedKeys};
use accounts::Plan;
use serde::Deserialize;
use specta::Type;
use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::state::{configured_endpoints, AppState};
use crate::views::{AccountStatus, PasteReport, PinStart, VerifyReport};
use crate::wizard::PinSession;

/// The four fields of the Paste step. `Debug` is redacted.
#[derive(Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PasteInput {
    /// API Key (empty when `keep_app_keys_of` names an account).
    pub api_key: String,
    /// API Key Secret (likewise).
    pub api_secret: String,
    /// Access Token.
    pub access_token: String,
    /// Access Token Secret.
    pub access_secret: String,
}

impl std::fmt::Debug for PasteInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasteInput(<redacted>)")
    }
}

impl From<PasteInput> for PastedKeys {
    fn from(k: PasteInput) -> Self {
        Self {
            api_key: k.api_key,
            api_secret: k.api_secret,
            access_token: k.access_token,
            access_secret: k.access_secret,
        }
    }
}

/// Checks pasted keys; when they pass, keeps them (in Rust) for Verify and Save. With
/// `keep_app_keys_of`, the API Key and Secret are taken from that account (only the new
/// Access Token pair is pasted, after regenerating it), and so are its endpoints.
#[tauri::command]
#[specta::specta]
pub async fn wizard_paste(
    state: State<'_, AppState>,
    keys: PasteInput,
    keep_app_keys_of: Option<String>,
) -> Result<PasteReport, AppError> {
    let mut pasted = PastedKeys::from(keys);
    let (mut endpoints, mut sandbox) = (configured_endpoints(), false);
    if let Some(name) = keep_app_keys_of {
        let accounts = state.accounts.clone();
        let (profile, existing) =
            blocking(move || Ok((accounts.profile(&name)?, accounts.credentials(&name)?))).await?;
        (pasted.api_key, pasted.api_secret) = (existing.consumer_key, existing.consumer_secret);
        (endpoints, sandbox) = (profile.endpoints(), profile.sandbox);
    }
    let checked = paste::check(&pasted);
    let report = PasteReport::from(&checked);
    if report.ok {
        state
            .wizard
            .set_pending(checked.credentials, endpoints, sandbox);
    }
    Ok(report)
}

/// Asks X (`GET /2/users/me`) who the pasted keys belong to and whether they can post.
#[tauri::command]
#[specta::specta]
pub async fn wizard_verify(state: State<'_, AppState>) -> Result<VerifyReport, AppError> {
    let generation = state.wizard.generation();
    let (credentials, endpoints, sandbox) = state
        .wizard
        .pending()
        .ok_or_else(|| AppError::invalid("Paste the keys first."))?;
    let endpoints = crate::session::endpoints_for(&state, sandbox, endpoints).await?;
    let stale = "New keys were pasted while these were being checked: verify again.";
    verify_and_keep(&state, generation, endpoints, credentials, stale).await
}

/// Checks the keys of `generation` with X and keeps the outcome for Save; when other keys
/// arrived meanwhile (PB-21) the outcome is dropped and `stale` is the error.
async fn verify_and_keep(
    state: &AppState,
    generation: u64,
    endpoints: x_client::Endpoints,
    credentials: x_client::Credentials,
    stale: &str,
) -> Result<VerifyReport, AppError> {
    let verification = accounts::verify(endpoints, credentials).await;
    if !state.wizard.set_verified(generation, verification.clone()) {
        return Err(AppError::invalid(stale));
    }
    Ok(verification.into())
}

/// Saves the verified keys (or the browser sign-in's grant) to the keychain as account `name`
/// (new, or `replace` an existing one's tokens in place), and makes it the account in use
/// (`Accounts::save_verified`, `crate::signin::save`).
#[tauri::command]
#[specta::specta]
pub async fn wizard_save(
    state: State<'_, AppState>,
    name: String,
    plan: Option<Plan>,
    replace: bool,
) -> Result<AccountStatus, AppError> {
    // A browser sign-in's grant, when that is what the wizard verified last.
    if let Some(saved) = crate::signin::save(&state, &name, replace).await? {
        let accounts = state.accounts.clone();
        return blocking(move || Ok(accounts.summary(&saved)?.into())).await;
    }
    let keys = state.wizard.verified_keys()?;
    let accounts = state.accounts.clone();
    let status = blocking(move || {
        let profile = accounts.save_verified(&keys, &name, plan, replace)?;
        Ok(accounts.summary(&profile.name)?.into())
    })
    .await?;
    state.wizard.clear();
    Ok(status)
}

/// Forgets the keys in progress.
#[tauri::command]
#[specta::specta]
pub async fn wizard_cancel(state: State<'_, AppState>) -> Result<(), AppError> {
    state.wizard.clear();
    Ok(())
}

/// PIN sign-in, step 1: with the app's API Key and Secret, gets a request token and opens X's
/// authorize page in the system browser (only X's or the configured API host). When X refuses
/// the keys or cannot be reached, the outcome is `failed` with its diagnosis.
#[tauri::command]
#[specta::specta]
pub async fn pin_start(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    api_key: String,
    api_secret: String,
) -> Result<PinStart, AppError> {
    let checked = paste::check_app_keys(api_key, api_secret);
    if let Some(problem) = checked.problems.first() {
        return Err(AppError::invalid(problem.message.clone()));
    }
    let (endpoints, keys) = (configured_endpoints(), checked.credentials);
    let started = PinSession::start(endpoints.clone(), &keys.consumer_key, &keys.consumer_secret);
    let session = match started.await {
        Ok(session) => session,
        Err(d) => {
            return Ok(PinStart::Failed {
                diagnosis: (*d).into(),
            })
        }
    };
    let authorize_url = session.authorize_url().to_owned();
    state.wizard.set_pin(session);
    let browser_opened = crate::browser::open_allowed(&app, &authorize_url, &endpoints).is_ok();
    Ok(PinStart::Started {
        authorize_url,
        browser_opened,
    })
}

/// PIN sign-in, step 3: trades the PIN for the account's token and verifies it.
#[tauri::command]
#[specta::specta]
pub async fn pin_finish(state: State<'_, AppState>, pin: String) -> Result<VerifyReport, AppError> {
    let session = state
        .wizard
        .pin()
        .ok_or_else(|| AppError::invalid("Start the sign-in first."))?;
    let result = match session.finish(&pin).await {
        Ok(r) => r,
        Err(diagnosis) => {
            return Ok(VerifyReport::Failed {
                diagnosis: (*diagnosis).into(),
            })
        }
    };
    let endpoints = configured_endpoints();
    state
        .wizard
        .set_pending(result.credentials.clone(), endpoints.clone(), false);
    let generation = state.wizard.generation();
    let stale = "New keys were pasted while the sign-in was being checked: verify again.";
    verify_and_keep(&state, generation, endpoints, result.credentials, stale).await
}
