//! Sign in with X (OAuth 2.0) in the app: the wizard's browser sign-in and the one-click
//! upgrade of an OAuth 1.0a account. The flows are `accounts::signin`'s (the CLI runs the same).
//!
//! Contract:
//! - [`start`] checks the Client ID, listens on the loopback port (`POSTBRIDGE_OAUTH2_PORT`,
//!   default 8745) **before** the browser is sent to X's authorize page, and keeps the sign-in
//!   in the wizard's session. For an existing account (`account`), its Client ID and endpoints
//!   are used when none is typed.
//! - [`finish`] waits (up to [`WAIT`]) for X's redirect on that listener, checks `state`,
//!   exchanges the code once, verifies with `GET /2/users/me` and keeps the verified grant for
//!   Save; nothing reaches the page but the verdict.
//! - [`save`] saves the kept grant: a new OAuth 2.0 account, an OAuth 2.0 account signing in
//!   again (its previous refresh token is then revoked, best effort), or an OAuth 1.0a account
//!   moving to OAuth 2.0 after its upgrade could not be done (the same X user only).
//! - [`upgrade`] is `accounts::signin::upgrade` against the account's endpoints.
//! - [`recheck`] is the accounts screen's "Check again" for an OAuth 2.0 account.

use std::sync::Arc;
use std::time::Duration;

use accounts::signin::{self, BrowserSignIn, UpgradeError};
use accounts::{Profile, SignIn, Verification};
use x_client::oauth2::loopback::Loopback;
use x_client::{Diagnosis, ErrorKind, TokenClient, TokenHint, WizardStep};

use crate::commands::blocking;
use crate::error::AppError;
use crate::state::{configured_endpoints, AppState};
use crate::views::{SignInReport, SignInStart, UpgradeReport};
use crate::wizard::OAuth2Session;

/// How long [`finish`] waits for the browser to come back.
pub const WAIT: Duration = Duration::from_secs(10 * 60);

/// The Callback URI the app's sign-in uses (the one to register, exactly).
pub fn redirect_uri() -> Result<String, AppError> {
    let port = accounts::Env::from_process()
        .oauth2_port()
        .map_err(AppError::invalid)?;
    Ok(x_client::oauth2::loopback::redirect_uri(port))
}

fn failed(d: Diagnosis) -> SignInStart {
    SignInStart::Failed {
        diagnosis: d.into(),
    }
}

/// Step 1 (module docs).
pub async fn start(
    app: &tauri::AppHandle,
    state: &AppState,
    client_id: String,
    account: Option<String>,
) -> Result<SignInStart, AppError> {
    let env = accounts::Env::from_process();
    let port = env.oauth2_port().map_err(AppError::invalid)?;
    let (mut endpoints, mut client_id) = (configured_endpoints(), client_id);
    if let Some(name) = account {
        let accounts = state.accounts.clone();
        let profile = blocking(move || Ok(accounts.profile(&name)?)).await?;
        endpoints = profile.endpoints();
        if client_id.trim().is_empty() {
            client_id = profile
                .sign_in
                .oauth2_client_id()
                .unwrap_or_default()
                .to_owned();
        }
    }
    let signin = match BrowserSignIn::new(endpoints.clone(), &client_id, port) {
        Ok(s) => Arc::new(s),
        Err(d) => return Ok(failed(*d)),
    };
    let listener = match Loopback::bind(port).await {
        Ok(l) => l,
        Err(message) => {
            let mut d = Diagnosis::new(ErrorKind::LocalError, None, message);
            d.wizard_step = Some(WizardStep::SignIn);
            return Ok(failed(d));
        }
    };
    let authorize_url = signin.authorize_url();
    let redirect_uri = signin.redirect_uri().to_owned();
    state.wizard.set_oauth2(OAuth2Session {
        signin,
        redirect: Some(tokio::spawn(listener.wait())),
    });
    let browser_opened = crate::browser::open_allowed(app, &authorize_url, &endpoints).is_ok();
    Ok(SignInStart::Started {
        authorize_url,
        redirect_uri,
        browser_opened,
    })
}

/// Step 2 (module docs).
pub async fn finish(state: &AppState) -> Result<SignInReport, AppError> {
    let (signin, task) = state
        .wizard
        .take_oauth2()
        .ok_or_else(|| AppError::invalid("Start the sign-in first."))?;
    let redirect = match tokio::time::timeout(WAIT, task).await {
        Ok(Ok(Some(target))) => target,
        Ok(Err(e)) if e.is_cancelled() => {
            return Err(AppError::invalid("The sign-in was cancelled."))
        }
        _ => {
            let mut d = Diagnosis::new(
                ErrorKind::SignInRequired,
                None,
                format!(
                    "X's answer did not arrive within {} minutes; start the sign-in again.",
                    WAIT.as_secs() / 60
                ),
            );
            d.wizard_step = Some(WizardStep::SignIn);
            return Ok(report_of(Verification::Failed { diagnosis: d }, None));
        }
    };
    let signed = match signin.finish(&redirect).await {
        Ok(s) => s,
        Err(d) => return Ok(report_of(Verification::Failed { diagnosis: *d }, None)),
    };
    let verification = signed.verification();
    let note = signed.scope_note();
    if matches!(verification, Verification::Verified { .. }) {
        state.wizard.set_signed(signed);
    }
    Ok(report_of(verification, note))
}

fn report_of(v: Verification, note: Option<Diagnosis>) -> SignInReport {
    SignInReport {
        report: v.into(),
        note: note.map(Into::into),
    }
}

/// Save of a kept grant as `name` (new) or into the existing account `name` (`replace`).
/// Returns the saved profile's name, or `None` when the wizard holds no grant (pasted keys).
pub async fn save(state: &AppState, name: &str, replace: bool) -> Result<Option<String>, AppError> {
    let Some(signed) = state.wizard.signed() else {
        return Ok(None);
    };
    let accounts = state.accounts.clone();
    let name = name.trim().to_owned();
    let kept = signed.clone();
    let (profile, previous) = blocking(move || {
        let existing: Option<Profile> = accounts.book()?.get(&name).cloned();
        match existing {
            Some(p) if !replace => Err(AppError::Account {
                message: accounts::AccountsError::NameTaken(p.name).to_string(),
            }),
            Some(p) if p.sign_in == SignIn::OAuth1 => {
                if p.user_id.as_deref().is_some_and(|id| id != kept.me.id) {
                    return Err(AppError::Account {
                        message: format!(
                            "You signed in as @{}, but \"{}\" is another X account; sign in as that account, or add @{} as a new account.",
                            kept.me.username, p.name, kept.me.username
                        ),
                    });
                }
                let saved = accounts.save_upgraded(&p.name, &kept)?;
                accounts.set_default(&saved.name)?;
                Ok((saved, None))
            }
            Some(p) => {
                let previous = accounts.token_set(&p.name).ok();
                Ok((accounts.save_signed_in(&kept, Some(&p.name))?, previous))
            }
            None => Ok((accounts.save_signed_in(&kept, Some(&name))?, None)),
        }
    })
    .await?;
    // Signing in again: the previous refresh token is of no use any more; revoke it so that a
    // copy of it elsewhere cannot be used (best effort: a failure changes nothing here).
    if let Some(old) = previous.and_then(|t| t.refresh_token) {
        if let Ok(tc) = TokenClient::new(signed.endpoints.clone(), &signed.client_id) {
            let _ = tc.revoke(&old, TokenHint::RefreshToken).await;
        }
    }
    state.wizard.clear();
    Ok(Some(profile.name))
}

/// The one-click upgrade of the OAuth 1.0a account `name` (module docs).
pub async fn upgrade(
    state: &AppState,
    name: &str,
    client_id: &str,
) -> Result<UpgradeReport, AppError> {
    let accounts = state.accounts.clone();
    let lookup = name.to_owned();
    let profile = blocking(move || Ok(accounts.profile(&lookup)?)).await?;
    if profile.sandbox {
        return Err(AppError::invalid(
            "The sandbox account signs in with its demo keys; it has nothing to upgrade.",
        ));
    }
    match signin::upgrade(&state.accounts, name, client_id, profile.endpoints()).await {
        Ok(p) => {
            let accounts = state.accounts.clone();
            let summary = blocking(move || Ok(accounts.summary(&p.name)?)).await?;
            Ok(UpgradeReport::Upgraded {
                account: summary.into(),
            })
        }
        Err(UpgradeError::Refused(d)) => Ok(UpgradeReport::Failed {
            diagnosis: (*d).into(),
        }),
        Err(UpgradeError::Accounts(e)) => Err(e.into()),
    }
}

/// "Check again" for the OAuth 2.0 account `profile`: who its token belongs to (refreshed
/// when due, renewed after a 401).
pub async fn recheck(state: &AppState, profile: &Profile) -> Verification {
    let client = match state
        .accounts
        .oauth2_client(&profile.name, profile.endpoints())
        .await
    {
        Ok(c) => c,
        Err(e) => {
            return Verification::Failed {
                diagnosis: e.diagnosis(),
            }
        }
    };
    match client.me().await {
        Ok(me) => Verification::Verified {
            user_id: me.id,
            username: me.username,
            name: me.name,
            access_level: match me.access_level {
                x_client::AccessLevel::ReadWriteDirectMessages => {
                    x_client::AccessLevel::ReadWriteDirectMessages
                }
                _ => x_client::AccessLevel::ReadWrite,
            },
        },
        Err(e) => Verification::Failed {
            diagnosis: e.diagnosis(),
        },
    }
}
