//! OAuth 2.0 profiles: their token set in the keychain and a Bearer token that stays usable
//! (docs/protocol.md §14.2).
//!
//! Contract:
//! - An OAuth 2.0 profile ([`SignIn::OAuth2`], its Client ID in `profiles.json`) keeps its
//!   [`TokenSet`] (access token, expiry, current refresh token, scopes) only in the keychain,
//!   in the profile's one entry. Nothing of it is written to a file or shown by `Debug`.
//! - [`Accounts::bearer`] gives a usable Bearer token. When the access token is within
//!   [`REFRESH_MARGIN_SECS`] of its expiry it takes the profile's cross-process refresh lock
//!   (`.oauth2-<hex name>.lock` in the config directory; the OS drops it if the process dies),
//!   **re-reads the token set from the keychain inside the lock** (another process — the app,
//!   another CLI — may have refreshed meanwhile), refreshes only if that one is still due,
//!   stores the new pair in the keychain before returning it, and releases the lock. Refresh
//!   tokens are single-use, so every process sharing the account goes through this lock.
//! - [`Accounts::bearer_after_rejection`] is the same after X answered 401 to a token (a clock
//!   that disagrees with X's, an early revocation): inside the lock, a token set whose access
//!   token differs from the rejected one is used as it is, else it is refreshed.
//! - X refusing the refresh token (`invalid_grant`: reused, revoked, expired) is
//!   [`AccountsError::SignInRequired`], kind `sign-in-required`: only a new browser sign-in
//!   helps. Other refresh failures keep the client's diagnosis ([`AccountsError::Refresh`]).
//! - [`Accounts::oauth2_client`] is the client of an OAuth 2.0 profile for a whole session:
//!   its token refreshed first when due, and after any 401 renewed through
//!   [`Accounts::bearer_after_rejection`] and the request sent again ([`x_client::renew`]), so a
//!   token that expires mid-session never reaches the person.
//! - The lock is taken on a blocking thread, so tasks of one runtime waiting for each other's
//!   refresh never block the runtime.

use std::fs::File;
use std::path::PathBuf;

use std::sync::Arc;

use x_client::{BearerToken, Endpoints, ErrorKind, TokenClient, TokenRenewer, TokenSet, XClient};

use crate::profile::{self, SignIn};
use crate::{secret_key, Accounts, AccountsError, Profile};

/// How long before its expiry an access token is refreshed.
pub const REFRESH_MARGIN_SECS: i64 = 60;

/// Seconds since the Unix epoch on this computer's clock.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Renews an OAuth 2.0 profile's token after a 401, through the profile's lock.
struct ProfileRenewer {
    accounts: Accounts,
    name: String,
    tokens: TokenClient,
}

impl TokenRenewer for ProfileRenewer {
    fn renew<'a>(&'a self, rejected: &'a BearerToken) -> x_client::Renewal<'a> {
        Box::pin(async move {
            self.accounts
                .bearer_after_rejection(&self.name, &self.tokens, rejected)
                .await
                .map_err(|e| e.diagnosis())
        })
    }
}

/// What the refresh under the lock is for.
enum Need<'a> {
    /// Refresh if due at `now`.
    Due { now: i64 },
    /// X rejected this access token: refresh unless the keychain already holds another one.
    Rejected(&'a str),
}

impl Accounts {
    /// Saves an OAuth 2.0 profile (its [`Profile::sign_in`] must be [`SignIn::OAuth2`]) with
    /// its token set, keychain first. An existing profile of that name is replaced only when
    /// it already signs in with OAuth 2.0 (a profile's OAuth 1.0a keys are never overwritten).
    pub fn save_oauth2(&self, profile: Profile, tokens: &TokenSet) -> Result<(), AccountsError> {
        profile::check_name(&profile.name)?;
        if profile.sign_in.oauth2_client_id().is_none() {
            return Err(AccountsError::NotOAuth2(profile.name.clone()));
        }
        if let Some(existing) = self.book()?.get(&profile.name) {
            if existing.sign_in == SignIn::OAuth1 {
                return Err(AccountsError::UsesOAuth1(profile.name.clone()));
            }
        }
        self.store_tokens(&profile.name, tokens)?;
        let (_lock, mut book) = self.book_for_update()?;
        book.upsert(profile);
        book.save(&self.dir)
    }

    /// The client of the OAuth 2.0 profile `name` over `endpoints` (module docs): refreshed
    /// first when due, renewing itself after a 401.
    pub async fn oauth2_client(
        &self,
        name: &str,
        endpoints: Endpoints,
    ) -> Result<XClient, AccountsError> {
        let profile = self.profile(name)?;
        let client_id = profile
            .sign_in
            .oauth2_client_id()
            .ok_or_else(|| AccountsError::NotOAuth2(name.to_owned()))?;
        let tokens = TokenClient::new(endpoints.clone(), client_id)
            .map_err(|e| AccountsError::Refresh(Box::new(e)))?;
        let token = self.bearer(name, &tokens).await?;
        let client = XClient::new_oauth2(endpoints, token)
            .map_err(|e| AccountsError::Refresh(Box::new(e)))?;
        Ok(client.with_renewer(Arc::new(ProfileRenewer {
            accounts: self.clone(),
            name: name.to_owned(),
            tokens,
        })))
    }

    /// The token set of an OAuth 2.0 profile, as the keychain holds it now (not refreshed).
    pub fn token_set(&self, name: &str) -> Result<TokenSet, AccountsError> {
        let profile = self.profile(name)?;
        if profile.sign_in.oauth2_client_id().is_none() {
            return Err(AccountsError::NotOAuth2(name.to_owned()));
        }
        self.read_tokens(name)
    }

    /// A usable Bearer token of the OAuth 2.0 profile `name`, refreshed through `tokens` (the
    /// profile's app and endpoints) when due; see the module docs for the locking.
    pub async fn bearer(
        &self,
        name: &str,
        tokens: &TokenClient,
    ) -> Result<BearerToken, AccountsError> {
        self.bearer_at(name, tokens, now_secs()).await
    }

    /// [`Accounts::bearer`] as if the clock said `now` (seconds since the epoch).
    pub async fn bearer_at(
        &self,
        name: &str,
        tokens: &TokenClient,
        now: i64,
    ) -> Result<BearerToken, AccountsError> {
        let set = self.token_set(name)?;
        if !set.due_for_refresh(now, REFRESH_MARGIN_SECS) {
            return Ok(BearerToken::from_token_set(&set));
        }
        self.refresh_locked(name, tokens, Need::Due { now }).await
    }

    /// A Bearer token to use after X answered 401 to `rejected`: the keychain's newer one if
    /// another process refreshed meanwhile, else a refreshed one.
    pub async fn bearer_after_rejection(
        &self,
        name: &str,
        tokens: &TokenClient,
        rejected: &BearerToken,
    ) -> Result<BearerToken, AccountsError> {
        self.token_set(name)?;
        self.refresh_locked(name, tokens, Need::Rejected(rejected.secret()))
            .await
    }

    async fn refresh_locked(
        &self,
        name: &str,
        tokens: &TokenClient,
        need: Need<'_>,
    ) -> Result<BearerToken, AccountsError> {
        let _lock = self.refresh_lock(name).await?;
        // Inside the lock: what the keychain holds now, not what was read before waiting.
        let set = self.read_tokens(name)?;
        let still_needed = match need {
            Need::Due { now } => set.due_for_refresh(now, REFRESH_MARGIN_SECS),
            Need::Rejected(rejected) => set.access_token == rejected,
        };
        if !still_needed {
            return Ok(BearerToken::from_token_set(&set));
        }
        let Some(refresh_token) = set.refresh_token.as_deref() else {
            return Err(AccountsError::SignInRequired(name.to_owned()));
        };
        let fresh = match tokens.refresh(refresh_token).await {
            Ok(mut fresh) => {
                if fresh.scopes.is_empty() {
                    fresh.scopes = set.scopes.clone();
                }
                // X rotates refresh tokens; should an answer carry none, the one we hold is
                // the only way back without a browser, so it is kept rather than dropped.
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = set.refresh_token.clone();
                }
                fresh
            }
            Err(e) if e.kind() == ErrorKind::SignInRequired => {
                return Err(AccountsError::SignInRequired(name.to_owned()))
            }
            Err(e) => return Err(AccountsError::Refresh(Box::new(e))),
        };
        // The old refresh token is dead now: the new pair is kept before anything uses it.
        self.store_tokens(name, &fresh)?;
        Ok(BearerToken::from_token_set(&fresh))
    }

    /// The profile's refresh lock, taken on a blocking thread; held until the file is dropped.
    async fn refresh_lock(&self, name: &str) -> Result<File, AccountsError> {
        let path = self.refresh_lock_path(name);
        let dir = self.dir.clone();
        let shown = path.display().to_string();
        let io = move |e: std::io::Error| AccountsError::Io {
            action: "lock",
            path: shown.clone(),
            reason: e.to_string(),
        };
        let io2 = io.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            file.lock()?;
            Ok(file)
        })
        .await
        .map_err(|e| io2(std::io::Error::other(e.to_string())))?
        .map_err(io)
    }

    fn refresh_lock_path(&self, name: &str) -> PathBuf {
        let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!(".oauth2-{hex}.lock"))
    }

    fn read_tokens(&self, name: &str) -> Result<TokenSet, AccountsError> {
        let raw = self
            .secrets
            .get(&secret_key(name))?
            .ok_or_else(|| AccountsError::SignInRequired(name.to_owned()))?;
        serde_json::from_str(&raw).map_err(|_| AccountsError::SignInRequired(name.to_owned()))
    }

    pub(crate) fn store_tokens(&self, name: &str, tokens: &TokenSet) -> Result<(), AccountsError> {
        let json = serde_json::to_string(tokens).map_err(|e| AccountsError::Io {
            action: "encode",
            path: "keychain entry".into(),
            reason: e.to_string(),
        })?;
        self.secrets.set(&secret_key(name), &json)?;
        Ok(())
    }
}
