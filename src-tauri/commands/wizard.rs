//! Setup wizard commands: paste → verify → save, PIN sign-in, and replacing the tokens of an
//! existing account after a plan or permission change. Secrets arrive once and never go back.

use accounts::paste::{self, PastedKeys};
use accounts::{Plan, Verification, VerifiedKeys};
use serde::Deserialize;
use specta::Type;
use tauri::State;

use super::accounts::status_of;
use super::blocking;
use crate::error::AppError;
use crate::state::{configured_endpoints, AppState};
use crate::views::{AccountStatus, PasteReport, PinStart, SlipView, VerifyReport};
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

fn slips(list: Vec<paste::Slip>) -> Vec<SlipView> {
    list.into_iter()
        .map(|s| SlipView {
            field: serde_json::to_value(s.field)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            message: s.message,
        })
        .collect()
}

/// Checks pasted keys; when they pass, keeps them (in Rust) for Verify and Save. With
/// `keep_app_keys_of`, the API Key and Secret are taken from that account (only the new
/// Access Token pair is pasted, after regenerating it).
#[tauri::command]
#[specta::specta]
pub async fn wizard_paste(
    state: State<'_, AppState>,
    keys: PasteInput,
    keep_app_keys_of: Option<String>,
) -> Result<PasteReport, AppError> {
    let mut pasted = PastedKeys {
        api_key: keys.api_key,
        api_secret: keys.api_secret,
        access_token: keys.access_token,
        access_secret: keys.access_secret,
    };
    let mut endpoints = configured_endpoints();
    let mut sandbox = false;
    if let Some(name) = keep_app_keys_of {
        let accounts = state.accounts.clone();
        let (profile, existing) = tauri::async_runtime::spawn_blocking(move || {
            Ok::<_, AppError>((accounts.profile(&name)?, accounts.credentials(&name)?))
        })
        .await??;
        pasted.api_key = existing.consumer_key;
        pasted.api_secret = existing.consumer_secret;
        sandbox = profile.sandbox;
        endpoints = profile.endpoints();
    }
    let checked = paste::check(&pasted);
    let ok = checked.problems.is_empty();
    if ok {
        state
            .wizard
            .set_pending(checked.credentials, endpoints, sandbox);
    }
    Ok(PasteReport {
        ok,
        notes: slips(checked.notes),
        problems: slips(checked.problems),
    })
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
    let verification = accounts::verify(endpoints, credentials).await;
    if !state.wizard.set_verified(generation, verification.clone()) {
        return Err(AppError::invalid(
            "New keys were pasted while these were being checked: verify again.",
        ));
    }
    Ok(verification.into())
}

/// Saves the verified keys to the keychain as account `name` (new, or `replace` an existing
/// one's tokens in place), and makes it the account in use.
#[tauri::command]
#[specta::specta]
pub async fn wizard_save(
    state: State<'_, AppState>,
    name: String,
    plan: Option<String>,
    replace: bool,
) -> Result<AccountStatus, AppError> {
    let (credentials, endpoints, sandbox) = state
        .wizard
        .pending()
        .ok_or_else(|| AppError::invalid("Paste the keys first."))?;
    let verification = match state.wizard.verified() {
        Some(v @ Verification::Verified { .. }) => v,
        _ => {
            return Err(AppError::invalid(
                "Verify the keys first: only keys that can post are saved.",
            ))
        }
    };
    let plan = plan
        .map(|p| p.parse::<Plan>())
        .transpose()
        .map_err(|_| AppError::invalid("Unknown plan."))?;
    let keys = VerifiedKeys {
        credentials,
        endpoints,
        sandbox,
        verification,
    };
    let accounts = state.accounts.clone();
    let status = blocking(move || {
        let profile = accounts.save_verified(&keys, &name, plan, replace)?;
        status_of(&accounts, &profile, Some(&profile.name))
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
/// authorize page in the system browser (only X's or the configured API host).
#[tauri::command]
#[specta::specta]
pub async fn pin_start(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    api_key: String,
    api_secret: String,
) -> Result<PinStart, AppError> {
    let checked = paste::check(&PastedKeys {
        api_key,
        api_secret,
        access_token: "0-placeholder".into(),
        access_secret: "placeholder-secret".into(),
    });
    if let Some(problem) = checked.problems.first() {
        return Err(AppError::invalid(problem.message.clone()));
    }
    let endpoints = configured_endpoints();
    let session = PinSession::start(
        endpoints.clone(),
        &checked.credentials.consumer_key,
        &checked.credentials.consumer_secret,
    )
    .await
    .map_err(|d| AppError::invalid(format!("{} {}", d.cause, d.detail)))?;
    let url = session.authorize_url().to_owned();
    state.wizard.set_pin(session);
    let browser_opened = crate::browser::open_allowed(&app, &url, &endpoints).is_ok();
    Ok(PinStart {
        authorize_url: url,
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
    let verification = accounts::verify(endpoints, result.credentials).await;
    if !state.wizard.set_verified(generation, verification.clone()) {
        return Err(AppError::invalid(
            "New keys were pasted while the sign-in was being checked: verify again.",
        ));
    }
    Ok(verification.into())
}
