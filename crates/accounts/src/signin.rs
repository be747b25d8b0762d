//! OAuth 2.0 sign-in of an account, for the app's wizard and `postbridge login` alike
//! (docs/protocol.md §14.1, §14.3): one implementation of each flow.
//!
//! Contract:
//! - [`BrowserSignIn`] is one browser sign-in of a public client (the app's Client ID, no
//!   secret): fresh PKCE (`S256`) and `state`, the exact redirect URI
//!   `http://127.0.0.1:PORT/callback` ([`x_client::oauth2::loopback`] receives it). Its
//!   [`BrowserSignIn::finish`] takes the redirect the browser came back with, checks `state`,
//!   exchanges the code once and asks X who the token belongs to (`GET /2/users/me`).
//! - [`upgrade`] is the one-click upgrade of an OAuth 1.0a account: X's token exchange
//!   (public client) of the account's access token, verified as the same user. The 1.0a keys
//!   stay in the keychain until the new pair verifies; a read-only 1.0a token is refused
//!   before anything is sent (it must be regenerated first: the exchange would carry its
//!   read-only scopes over).
//! - [`Signed::verification`] says whether the grant can post: without `tweet.write` (or the
//!   read scopes) it is a `missing-scope` failure naming the scope and its fix;
//!   [`Signed::scope_note`] names what else is missing (`media.write`: no media through v2;
//!   `offline.access`: no refresh), which is shown but does not stop the account being saved.
//! - [`Accounts::save_signed_in`] saves a verified grant as an OAuth 2.0 profile (tokens only
//!   in the keychain) and makes it the default; an OAuth 1.0a profile is replaced only by
//!   [`Accounts::save_upgraded`], the upgrade's own save.
//! - Nothing secret (code, verifier, tokens) is in any error or `Debug`.

use x_client::oauth2::{loopback, parse_redirect, RedirectError};
use x_client::{
    AccessLevel, BearerToken, Diagnosis, Endpoints, ErrorKind, Me, Pkce, TokenClient, TokenSet,
    WizardStep, XClient,
};

use crate::profile::{self, SignIn};
use crate::verify::{self, Verification};
use crate::{Accounts, AccountsError, Profile};

/// The scopes without which a grant cannot post at all.
pub const ESSENTIAL_SCOPES: &[&str] = &["tweet.read", "tweet.write", "users.read"];

/// One browser sign-in in progress (its PKCE verifier and `state` are secret; `Debug` shows
/// neither).
pub struct BrowserSignIn {
    tokens: TokenClient,
    pkce: Pkce,
    redirect_uri: String,
}

impl std::fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSignIn")
            .field("client_id", &self.tokens.client_id())
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// A token grant and the user it belongs to.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The token set (redacted in `Debug`).
    pub tokens: TokenSet,
    /// Who X says the token belongs to.
    pub me: Me,
    /// The app's Client ID.
    pub client_id: String,
    /// The endpoints it was signed in against.
    pub endpoints: Endpoints,
}

/// The Client ID as typed: trimmed; empty, or with whitespace or quotes inside, is refused.
pub fn check_client_id(client_id: &str) -> Result<String, Box<Diagnosis>> {
    let id = client_id.trim().trim_matches(['"', '\'']).trim();
    let bad = |why: &str| {
        let mut d = Diagnosis::new(ErrorKind::InvalidCredentials, None, why);
        d.wizard_step = Some(WizardStep::SignIn);
        Box::new(d)
    };
    if id.is_empty() {
        return Err(bad("Enter your app's OAuth 2.0 Client ID (developer console → your app → Keys and tokens → OAuth 2.0 Client ID and Client Secret)."));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) || id.len() > 200 {
        return Err(bad("A Client ID is one word of letters, digits, '-' and '_': copy it again from Keys and tokens (without the Client Secret)."));
    }
    Ok(id.to_owned())
}

impl BrowserSignIn {
    /// A sign-in of `client_id` against `endpoints`, redirecting to the loopback `port`.
    pub fn new(endpoints: Endpoints, client_id: &str, port: u16) -> Result<Self, Box<Diagnosis>> {
        let client_id = check_client_id(client_id)?;
        let local = |e: String| Box::new(Diagnosis::new(ErrorKind::LocalError, None, e));
        let tokens = TokenClient::new(endpoints, &client_id).map_err(|e| local(e.to_string()))?;
        let pkce = Pkce::new().map_err(|e| local(e.to_string()))?;
        Ok(BrowserSignIn {
            tokens,
            pkce,
            redirect_uri: loopback::redirect_uri(port),
        })
    }

    /// X's authorize page for this sign-in.
    pub fn authorize_url(&self) -> String {
        self.tokens.authorize_url(&self.redirect_uri, &self.pkce)
    }

    /// The redirect URI (the Callback URI the app must have registered, exactly).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The app's Client ID.
    pub fn client_id(&self) -> &str {
        self.tokens.client_id()
    }

    /// Finishes with `redirect` (the URL, or the path and query, the browser came back with):
    /// `state` checked, the code exchanged, the token verified with `GET /2/users/me`.
    pub async fn finish(&self, redirect: &str) -> Result<Signed, Box<Diagnosis>> {
        let code = parse_redirect(redirect, &self.pkce.state).map_err(|err| {
            let kind = match err {
                RedirectError::Refused { .. } => ErrorKind::SignInRequired,
                _ => ErrorKind::LocalError,
            };
            let mut d = Diagnosis::new(kind, None, err.to_string());
            d.wizard_step = Some(WizardStep::SignIn);
            Box::new(d)
        })?;
        let tokens = self
            .tokens
            .exchange_code(&code, &self.pkce.verifier, &self.redirect_uri)
            .await
            .map_err(|e| Box::new(e.diagnosis()))?;
        let endpoints = self.tokens.endpoints().clone();
        let me = who(&endpoints, &tokens).await?;
        Ok(Signed {
            tokens,
            me,
            client_id: self.tokens.client_id().to_owned(),
            endpoints,
        })
    }
}

/// `GET /2/users/me` with the grant's access token.
async fn who(endpoints: &Endpoints, tokens: &TokenSet) -> Result<Me, Box<Diagnosis>> {
    let client = XClient::new_oauth2(endpoints.clone(), BearerToken::from_token_set(tokens))
        .map_err(|e| Box::new(e.diagnosis()))?;
    client.me().await.map_err(|e| Box::new(e.diagnosis()))
}

impl Signed {
    /// Whether the grant can post (module docs): without `tweet.read`, `tweet.write` or
    /// `users.read` it cannot, a `missing-scope` failure.
    pub fn verification(&self) -> Verification {
        let missing = self.tokens.missing_scopes();
        if missing.iter().any(|s| ESSENTIAL_SCOPES.contains(s)) {
            if let Some(mut d) = self.tokens.scope_problem() {
                d.wizard_step = Some(WizardStep::SignIn);
                return Verification::Failed { diagnosis: d };
            }
        }
        Verification::Verified {
            user_id: self.me.id.clone(),
            username: self.me.username.clone(),
            name: self.me.name.clone(),
            access_level: match self.me.access_level {
                AccessLevel::ReadWriteDirectMessages => AccessLevel::ReadWriteDirectMessages,
                _ => AccessLevel::ReadWrite,
            },
        }
    }

    /// What the grant lacks without stopping posts (`media.write`: no images or video;
    /// `offline.access`: no refresh, a new sign-in every two hours), as a `missing-scope`
    /// diagnosis with its fix.
    pub fn scope_note(&self) -> Option<Diagnosis> {
        self.tokens.scope_problem().map(|mut d| {
            d.wizard_step = Some(WizardStep::SignIn);
            d
        })
    }

    /// The profile this grant becomes: `base` (an existing profile's non-secret data, or a new
    /// one), signing in with OAuth 2.0, with the user and the endpoints where they differ
    /// from X's.
    fn profile(&self, base: Profile) -> Profile {
        let mut p = base;
        p.sign_in = SignIn::OAuth2 {
            client_id: self.client_id.clone(),
        };
        let default = Endpoints::default();
        if !p.sandbox {
            p.api_base = (self.endpoints.api_base != default.api_base)
                .then(|| self.endpoints.api_base.clone());
            p.upload_base = (self.endpoints.upload_base != default.upload_base)
                .then(|| self.endpoints.upload_base.clone());
        }
        // OAuth 2.0 uploads through v2 only: a route remembered for 1.0a keys no longer applies.
        p.upload_route = None;
        verify::record(&mut p, &self.verification());
        p.username = Some(self.me.username.clone());
        p.user_id = Some(self.me.id.clone());
        p
    }
}

impl Accounts {
    /// Saves a browser sign-in: as `name` when given (a new name, or an OAuth 2.0 profile
    /// signing in again), else as the @username (an OAuth 2.0 profile of that name is signed
    /// in again; a 1.0a one keeps its name and the new one gets the next free name). Only a
    /// grant whose [`Signed::verification`] is verified is saved. Made the default. Returns
    /// the profile.
    pub fn save_signed_in(
        &self,
        signed: &Signed,
        name: Option<&str>,
    ) -> Result<Profile, AccountsError> {
        if !matches!(signed.verification(), Verification::Verified { .. }) {
            return Err(AccountsError::NotVerified);
        }
        let book = self.book()?;
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_owned(),
            None => match book.get(&signed.me.username) {
                Some(p) if p.sign_in.oauth2_client_id().is_some() && !p.sandbox => p.name.clone(),
                Some(_) => book.free_name(&signed.me.username),
                None => signed.me.username.clone(),
            },
        };
        profile::check_name(&name)?;
        if let Some(p) = book.get(&name) {
            if p.sandbox {
                return Err(AccountsError::NameTaken(name));
            }
        }
        let base = book
            .get(&name)
            .cloned()
            .unwrap_or_else(|| Profile::new(name.clone()));
        self.save_oauth2(signed.profile(base), &signed.tokens)?;
        self.set_default(&name)?;
        self.profile(&name)
    }

    /// Saves the upgrade of the OAuth 1.0a profile `name` (see [`upgrade`]): its keychain
    /// entry now holds the token set instead of the keys, and it signs in with OAuth 2.0.
    pub fn save_upgraded(&self, name: &str, signed: &Signed) -> Result<Profile, AccountsError> {
        let existing = self.profile(name)?;
        if existing.sign_in != SignIn::OAuth1 {
            return Err(AccountsError::NotOAuth1(name.to_owned()));
        }
        if !matches!(signed.verification(), Verification::Verified { .. }) {
            return Err(AccountsError::NotVerified);
        }
        // Keychain first: should writing the profile fail, the entry's token set is read by
        // nothing (a 1.0a profile reads keys) and the next upgrade writes it again.
        self.store_tokens(name, &signed.tokens)?;
        let profile = signed.profile(existing);
        let (_lock, mut book) = self.book_for_update()?;
        book.upsert(profile);
        book.save(&self.dir)?;
        drop(_lock);
        self.profile(name)
    }
}

/// What an upgrade failed on: X's answer (with the wizard step that helps), or the accounts
/// layer.
#[derive(Debug)]
pub enum UpgradeError {
    /// X refused, or the result does not verify; the diagnosis says what to do.
    Refused(Box<Diagnosis>),
    /// The account could not be read or saved.
    Accounts(AccountsError),
}

impl From<AccountsError> for UpgradeError {
    fn from(e: AccountsError) -> Self {
        UpgradeError::Accounts(e)
    }
}

/// The one-click upgrade of the OAuth 1.0a account `name` to OAuth 2.0 through `endpoints`
/// with the app's `client_id` (module docs). Saved only once the new token verifies as the
/// same user; until then the 1.0a keys are untouched.
pub async fn upgrade(
    accounts: &Accounts,
    name: &str,
    client_id: &str,
    endpoints: Endpoints,
) -> Result<Profile, UpgradeError> {
    let client_id = check_client_id(client_id).map_err(UpgradeError::Refused)?;
    let profile = accounts.profile(name)?;
    if profile.sign_in != SignIn::OAuth1 {
        return Err(AccountsError::NotOAuth1(name.to_owned()).into());
    }
    if profile.access_level == Some(AccessLevel::Read) {
        let mut d = Diagnosis::new(
            ErrorKind::ReadOnlyToken,
            Some(403),
            "This account's Access Token is read-only; the exchange would keep it read-only. Regenerate it after choosing \"Read and write\", then upgrade.",
        );
        d.wizard_step = Some(WizardStep::Regenerate);
        return Err(UpgradeError::Refused(Box::new(d)));
    }
    let credentials = accounts.credentials(name)?;
    let refused = |d: Diagnosis| UpgradeError::Refused(Box::new(d));
    let tokens =
        TokenClient::new(endpoints.clone(), &client_id).map_err(|e| refused(e.diagnosis()))?;
    let set = tokens
        .exchange_oauth1(&credentials)
        .await
        .map_err(|e| refused(e.diagnosis()))?;
    let me = who(&endpoints, &set).await.map_err(UpgradeError::Refused)?;
    if profile.user_id.as_deref().is_some_and(|id| id != me.id) {
        return Err(refused(Diagnosis::new(
            ErrorKind::UnexpectedResponse,
            None,
            format!(
                "X exchanged the token for another user (@{}); nothing was changed.",
                me.username
            ),
        )));
    }
    let signed = Signed {
        tokens: set,
        me,
        client_id,
        endpoints,
    };
    if let Verification::Failed { diagnosis } = signed.verification() {
        return Err(refused(diagnosis));
    }
    Ok(accounts.save_upgraded(name, &signed)?)
}
