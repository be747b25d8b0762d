//! The account in use: its profile and a ready X client (the sandbox's simulator when it is
//! the sandbox account), and the upload route it remembers.
//!
//! Contract: [`active`] reads the default profile and its keychain entry once per call and
//! builds one `XClient` for it: signed with its OAuth 1.0a keys, or for an OAuth 2.0 account
//! [`accounts::Accounts::oauth2_client`] (refreshed when due, renewed after a 401, so a token
//! that expires mid-session never reaches the person); nothing secret is kept beyond the client.
//! [`signed_in`] does the same for any saved profile (the queue's runner uses it per item).

use accounts::Profile;
use x_client::{RouteDecision, XClient};

use crate::commands::blocking;
use crate::error::AppError;
use crate::state::AppState;

/// The account in use.
pub struct ActiveAccount {
    /// Its profile.
    pub profile: Profile,
    /// A client signed with its keys.
    pub client: XClient,
}

/// The account in use, or an error that sends the person to the setup wizard.
pub async fn active(state: &AppState) -> Result<ActiveAccount, AppError> {
    let accounts = state.accounts.clone();
    let profile = blocking(move || {
        accounts
            .default_profile()?
            .ok_or_else(|| AppError::Account {
                message: "Set up an account first.".into(),
            })
    })
    .await?;
    signed_in(state, profile).await
}

/// A ready client for `profile` (any saved account, not only the default one: the queue
/// posts each item from the account it was scheduled on), built as [`active`] builds it.
pub async fn signed_in(state: &AppState, profile: Profile) -> Result<ActiveAccount, AppError> {
    let endpoints = endpoints_for(state, profile.sandbox, profile.endpoints()).await?;
    if profile.sign_in.oauth2_client_id().is_some() {
        // OAuth 2.0: refreshed when due, renewed after a 401 for as long as the client lives.
        let client = state
            .accounts
            .oauth2_client(&profile.name, endpoints)
            .await?;
        return Ok(ActiveAccount { profile, client });
    }
    let accounts = state.accounts.clone();
    let name = profile.name.clone();
    let credentials = blocking(move || Ok(accounts.credentials(&name)?)).await?;
    let client = XClient::new(endpoints, credentials).map_err(|e| AppError::Internal {
        message: e.to_string(),
    })?;
    Ok(ActiveAccount { profile, client })
}

/// Where an account's requests go: the in-process simulator (started if needed) for the
/// sandbox account, else `endpoints` (the profile's own). The one place that choice is made.
pub async fn endpoints_for(
    state: &AppState,
    sandbox: bool,
    endpoints: x_client::Endpoints,
) -> Result<x_client::Endpoints, AppError> {
    if sandbox {
        sandbox_endpoints(state).await
    } else {
        Ok(endpoints)
    }
}

/// The in-process simulator's endpoints, started if needed.
pub async fn sandbox_endpoints(state: &AppState) -> Result<x_client::Endpoints, AppError> {
    let sim = state
        .sandbox
        .ensure()
        .await
        .map_err(|message| AppError::Sandbox { message })?;
    Ok(crate::sandbox::endpoints(&sim))
}

impl ActiveAccount {
    /// The remembered upload route, for the client's Auto route.
    pub fn remembered_route(&self) -> Option<RouteDecision> {
        self.profile.upload_route.as_ref().map(RouteDecision::from)
    }

    /// A publisher of this account's posts over `store` (its handle names the profile link of
    /// a part that may have posted).
    pub fn publisher(&self, store: composer::Store) -> composer::Publisher {
        composer::Publisher::new(self.client.clone(), store, self.profile.name.clone())
            .with_username(self.profile.username.clone())
    }

    /// Remembers the longest video X lets this account post (its 403's minutes, §15).
    pub async fn remember_video_limit(
        &self,
        state: &AppState,
        minutes: u32,
    ) -> Result<(), AppError> {
        let accounts = state.accounts.clone();
        let name = self.profile.name.clone();
        blocking(move || {
            accounts.update(&name, |p| p.video_limit_minutes = Some(minutes))?;
            Ok(())
        })
        .await
    }

    /// Remembers the route the last upload decided on, with its reason and time.
    pub async fn remember_route(
        &self,
        state: &AppState,
        decision: RouteDecision,
    ) -> Result<(), AppError> {
        let accounts = state.accounts.clone();
        let name = self.profile.name.clone();
        blocking(move || {
            accounts.update(&name, |p| p.upload_route = Some(decision.into()))?;
            Ok(())
        })
        .await
    }
}
