//! The simulator's OAuth 2.0 authorization server (docs/protocol.md §14): Authorization Code
//! with PKCE for public clients, refresh-token rotation, X's OAuth 1.0a → 2.0 token exchange,
//! revocation, and the Bearer user tokens those grants mint.
//!
//! Contract: [`AuthServer`] is a pure state machine — no clock, no RNG, no I/O. The caller
//! passes the virtual time (`now_ms`) and a `mint` function for new secrets (the world's seeded
//! RNG), so a seed replays the same tokens. Rules, as X documents them:
//! - authorize: `response_type=code`, a registered client, a redirect URI registered for it
//!   **exactly**, known scopes, a `state`, and a PKCE challenge (`S256`, or `plain`; the
//!   method name in any case, as X takes twitter-api-v2's `s256`). A bad
//!   client or redirect URI is shown as a page and never redirected to (RFC 6749 §4.1.2.1);
//!   other faults redirect with `error=…&state=…`.
//! - codes live [`CODE_LIFETIME_MS`] and are single-use; a replayed code fails with
//!   `invalid_grant` and revokes what it minted (RFC 6749 §4.1.2).
//! - a public client names itself with `client_id` in the body (or a Basic header); neither →
//!   401 `unauthorized_client` "Missing valid authorization header".
//! - refresh tokens are single-use: each refresh returns a new pair, and a reused refresh token
//!   fails with `invalid_grant` and revokes its family (OAuth 2.0 Security BCP §4.14).
//! - access tokens expire [`ACCESS_LIFETIME_SECS`] after minting, on the virtual clock.
//! - token exchange needs `subject_token_type=urn:x:params:oauth:token-type:oauth1_token` and
//!   the 1.0a token's secret; its scopes follow the 1.0a access level (read → read scopes) and
//!   always include `offline.access`; a new exchange invalidates the previous pair it made.
//!   When [`AuthServer::exchange_available`] is off it answers 400 `unsupported_grant_type`.
//!
//! This is an independent re-implementation (the simulator is the client's oracle and shares
//! none of its code).

use std::collections::HashMap;

use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::AccessLevel;

pub mod routes;

/// The demo app's OAuth 2.0 Client ID (a public client; not a secret).
pub const DEMO_CLIENT_ID: &str = "c2ltRGVtb09BdXRoMkNsaWVudElk";
/// The demo app's registered callback URLs: Postbridge's loopback redirect on its default port.
pub const DEMO_REDIRECT_URIS: &[&str] = &[
    "http://127.0.0.1:8745/callback",
    "http://[::1]:8745/callback",
    "http://localhost:8745/callback",
];

/// How long an authorization code can be exchanged (X documents 30 s).
pub const CODE_LIFETIME_MS: i64 = 30_000;
/// Lifetime of an access token (`expires_in`).
pub const ACCESS_LIFETIME_SECS: i64 = 7_200;
/// `subject_token_type` of X's OAuth 1.0a → 2.0 exchange.
pub const OAUTH1_TOKEN_TYPE: &str = "urn:x:params:oauth:token-type:oauth1_token";
/// `grant_type` of the token exchange (RFC 8693).
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Prefix of the access tokens this server mints (so a revoked user token can be told from an
/// app-only Bearer token, which X refuses differently).
pub const ACCESS_PREFIX: &str = "simO2AT-";
const REFRESH_PREFIX: &str = "simO2RT-";
const CODE_PREFIX: &str = "simO2C-";

/// Scopes X knows (a request naming another is `invalid_scope`).
pub const KNOWN_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "follows.read",
    "follows.write",
    "offline.access",
    "space.read",
    "mute.read",
    "mute.write",
    "like.read",
    "like.write",
    "list.read",
    "list.write",
    "block.read",
    "block.write",
    "bookmark.read",
    "bookmark.write",
    "media.write",
    "dm.read",
    "dm.write",
];

/// An OAuth 2.0 error as X sends it: status and `{"error", "error_description"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Error {
    /// HTTP status.
    pub status: u16,
    /// RFC 6749 error code (`invalid_grant`, `invalid_request`, …).
    pub error: &'static str,
    /// Human-readable description.
    pub description: String,
}

impl OAuth2Error {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuth2Error {
            status,
            error,
            description: description.into(),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", description)
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.error, "error_description": self.description })
    }
}

/// A registered app (public client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredClient {
    /// The Client ID.
    pub client_id: String,
    /// Callback URLs registered in the developer console (compared exactly).
    pub redirect_uris: Vec<String>,
}

/// PKCE challenge method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    S256,
    Plain,
}

/// What the authorize endpoint does with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// Redirect the browser here (`code` and `state`, or `error` and `state`).
    Redirect(String),
    /// Show an error page; never redirect (unknown client or unregistered redirect URI).
    Page(OAuth2Error),
}

/// A successful token response (`{"token_type":"bearer",…}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// The access token.
    pub access_token: String,
    /// The refresh token (only with `offline.access`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Granted scopes, space-separated.
    pub scope: String,
}

/// Why a Bearer token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerRefusal {
    /// Not a token this server minted (or revoked).
    Unknown,
    /// Minted, but past its expiry.
    Expired,
}

/// Whose token a valid Bearer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerGrant {
    /// The app it was minted for.
    pub client_id: String,
    /// The account.
    pub user_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
}

impl BearerGrant {
    /// The first of `required` that was not granted.
    pub fn missing<'a>(&self, required: &[&'a str]) -> Option<&'a str> {
        required
            .iter()
            .copied()
            .find(|s| !self.scopes.iter().any(|g| g == s))
    }
}

/// Who owns an OAuth 1.0a token, for the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oauth1Owner {
    /// The account.
    pub user_id: String,
    /// The 1.0a token's access level.
    pub access_level: AccessLevel,
}

#[derive(Debug, Clone)]
struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    challenge: String,
    method: Method,
    user_id: String,
    expires_ms: i64,
    used: bool,
    family: Option<u64>,
}

#[derive(Debug, Clone)]
struct AccessToken {
    client_id: String,
    user_id: String,
    scopes: Vec<String>,
    expires_ms: i64,
    family: u64,
}

#[derive(Debug, Clone)]
struct RefreshToken {
    client_id: String,
    user_id: String,
    scopes: Vec<String>,
    family: u64,
    used: bool,
}

/// The authorization server's state.
#[derive(Debug, Clone, Default)]
pub struct AuthServer {
    /// Registered apps.
    pub clients: Vec<RegisteredClient>,
    /// Whether the token exchange grant is offered (X's shipping status is unconfirmed).
    pub exchange_available: bool,
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    /// Families minted by an exchange, per (client, user): a new exchange revokes the old.
    exchanged: HashMap<(String, String), u64>,
    next_family: u64,
}

/// `BASE64URL(SHA256(verifier))` without padding (RFC 7636 §4.2).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1: 43–128 characters of `A-Z a-z 0-9 - . _ ~`.
fn valid_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn split_scopes(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// Scopes an exchanged 1.0a token of this level receives.
fn exchange_scopes(level: AccessLevel) -> Vec<String> {
    let mut s = vec![
        "tweet.read",
        "users.read",
        "follows.read",
        "like.read",
        "offline.access",
    ];
    if level != AccessLevel::Read {
        s.extend(["tweet.write", "follows.write", "like.write", "media.write"]);
    }
    if level == AccessLevel::ReadWriteDirectMessages {
        s.extend(["dm.read", "dm.write"]);
    }
    s.into_iter().map(str::to_owned).collect()
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded_pairs(pairs);
    if ser.is_empty() {
        return base.to_owned();
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    ser.insert(0, sep);
    format!("{base}{ser}")
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::oauth::percent_encode(k),
                crate::oauth::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl AuthServer {
    /// A server with these apps, the exchange offered.
    pub fn new(clients: Vec<RegisteredClient>) -> Self {
        AuthServer {
            clients,
            exchange_available: true,
            ..Default::default()
        }
    }

    fn client(&self, id: &str) -> Option<&RegisteredClient> {
        self.clients.iter().find(|c| c.client_id == id)
    }

    /// The registered redirect URI of an authorize query, or the error page to show instead.
    fn checked_redirect<'q>(
        &self,
        query: &'q [(String, String)],
    ) -> Result<&'q str, AuthorizeOutcome> {
        let page = |d: &str| AuthorizeOutcome::Page(OAuth2Error::invalid_request(d));
        let client_id = get(query, "client_id").ok_or_else(|| page("Missing client_id."))?;
        let client = self
            .client(client_id)
            .ok_or_else(|| page("Unknown client_id: this app does not exist."))?;
        let redirect_uri =
            get(query, "redirect_uri").ok_or_else(|| page("Missing redirect_uri."))?;
        if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
            return Err(page(
                "Something went wrong: the redirect_uri is not registered for this app \
                 (it must match a Callback URI exactly, port included).",
            ));
        }
        Ok(redirect_uri)
    }

    /// The person pressed "Cancel": `error=access_denied` back to a valid redirect URI.
    pub fn deny(&self, query: &[(String, String)]) -> AuthorizeOutcome {
        match self.checked_redirect(query) {
            Ok(redirect_uri) => AuthorizeOutcome::Redirect(with_query(
                redirect_uri,
                &[
                    ("error", "access_denied"),
                    ("state", get(query, "state").unwrap_or("")),
                ],
            )),
            Err(page) => page,
        }
    }

    /// `GET /i/oauth2/authorize` approved by `user_id`: the redirect with a fresh code, an
    /// error redirect, or an error page.
    pub fn authorize(
        &mut self,
        query: &[(String, String)],
        user_id: &str,
        now_ms: i64,
        mint: &mut dyn FnMut() -> String,
    ) -> AuthorizeOutcome {
        let redirect_uri = match self.checked_redirect(query) {
            Ok(r) => r,
            Err(page) => return page,
        };
        let client_id = get(query, "client_id").unwrap_or("");
        let state = get(query, "state").unwrap_or("");
        let fail = |error: &str, description: &str| {
            AuthorizeOutcome::Redirect(with_query(
                redirect_uri,
                &[
                    ("error", error),
                    ("error_description", description),
                    ("state", state),
                ],
            ))
        };
        if get(query, "response_type") != Some("code") {
            return fail("unsupported_response_type", "response_type must be code.");
        }
        if state.is_empty() {
            return fail("invalid_request", "Missing state.");
        }
        let scopes = split_scopes(get(query, "scope").unwrap_or(""));
        if scopes.is_empty() {
            return fail("invalid_scope", "Missing scope.");
        }
        if let Some(bad) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
            return fail("invalid_scope", &format!("Unknown scope: {bad}."));
        }
        // Any case: twitter-api-v2 has always sent `s256`, and X accepts it.
        let method = match get(query, "code_challenge_method") {
            Some(m) if m.eq_ignore_ascii_case("S256") => Method::S256,
            Some(m) if m.eq_ignore_ascii_case("plain") => Method::Plain,
            _ => {
                return fail(
                    "invalid_request",
                    "code_challenge_method must be S256 or plain.",
                )
            }
        };
        let challenge = match get(query, "code_challenge") {
            Some(c) if !c.is_empty() && c.len() <= 128 => c.to_owned(),
            _ => return fail("invalid_request", "Missing code_challenge."),
        };
        let code = format!("{CODE_PREFIX}{}", mint());
        let redirect = with_query(redirect_uri, &[("state", state), ("code", &code)]);
        self.codes.insert(
            code,
            CodeGrant {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                scopes,
                challenge,
                method,
                user_id: user_id.to_owned(),
                expires_ms: now_ms.saturating_add(CODE_LIFETIME_MS),
                used: false,
                family: None,
            },
        );
        AuthorizeOutcome::Redirect(redirect)
    }

    /// `POST /2/oauth2/token` with its form body and the Basic header's client id, if any.
    /// `oauth1` answers who owns a 1.0a token and secret (for the exchange).
    pub fn token(
        &mut self,
        form: &[(String, String)],
        basic_client_id: Option<&str>,
        now_ms: i64,
        oauth1: &dyn Fn(&str, &str) -> Option<Oauth1Owner>,
        mint: &mut dyn FnMut() -> String,
    ) -> Result<TokenResponse, OAuth2Error> {
        let client_id = match (get(form, "client_id"), basic_client_id) {
            (Some(id), _) | (None, Some(id)) => id.to_owned(),
            (None, None) => {
                return Err(OAuth2Error::new(
                    401,
                    "unauthorized_client",
                    "Missing valid authorization header",
                ))
            }
        };
        if self.client(&client_id).is_none() {
            return Err(OAuth2Error::new(
                401,
                "invalid_client",
                "Client authentication failed.",
            ));
        }
        match get(form, "grant_type") {
            Some("authorization_code") => self.code_grant(form, &client_id, now_ms, mint),
            Some("refresh_token") => self.refresh_grant(form, &client_id, now_ms, mint),
            Some(TOKEN_EXCHANGE_GRANT) if self.exchange_available => {
                self.exchange_grant(form, &client_id, now_ms, oauth1, mint)
            }
            Some(TOKEN_EXCHANGE_GRANT) => Err(OAuth2Error::new(
                400,
                "unsupported_grant_type",
                "The token exchange grant is not available.",
            )),
            Some(_) => Err(OAuth2Error::new(
                400,
                "unsupported_grant_type",
                "Unknown grant_type.",
            )),
            None => Err(OAuth2Error::invalid_request("Missing grant_type.")),
        }
    }

    fn code_grant(
        &mut self,
        form: &[(String, String)],
        client_id: &str,
        now_ms: i64,
        mint: &mut dyn FnMut() -> String,
    ) -> Result<TokenResponse, OAuth2Error> {
        let invalid =
            || OAuth2Error::invalid_request("Value passed for the authorization code was invalid.");
        let code =
            get(form, "code").ok_or_else(|| OAuth2Error::invalid_request("Missing code."))?;
        let grant = self.codes.get(code).cloned().ok_or_else(invalid)?;
        if grant.used {
            if let Some(f) = grant.family {
                self.revoke_family(f);
            }
            return Err(OAuth2Error::invalid_grant(
                "Authorization code was already used.",
            ));
        }
        if now_ms > grant.expires_ms {
            self.codes.remove(code);
            return Err(OAuth2Error::invalid_grant("Authorization code expired."));
        }
        if grant.client_id != client_id
            || get(form, "redirect_uri") != Some(grant.redirect_uri.as_str())
        {
            return Err(invalid());
        }
        let verifier = get(form, "code_verifier").unwrap_or("");
        let ok = valid_pkce_string(verifier)
            && match grant.method {
                Method::S256 => s256(verifier) == grant.challenge,
                Method::Plain => verifier == grant.challenge,
            };
        if !ok {
            return Err(OAuth2Error::invalid_grant(
                "code_verifier does not match the code_challenge.",
            ));
        }
        let family = self.new_family();
        if let Some(g) = self.codes.get_mut(code) {
            g.used = true;
            g.family = Some(family);
        }
        Ok(self.mint_pair(
            client_id,
            &grant.user_id,
            grant.scopes,
            family,
            now_ms,
            mint,
        ))
    }

    fn refresh_grant(
        &mut self,
        form: &[(String, String)],
        client_id: &str,
        now_ms: i64,
        mint: &mut dyn FnMut() -> String,
    ) -> Result<TokenResponse, OAuth2Error> {
        let token = get(form, "refresh_token")
            .ok_or_else(|| OAuth2Error::invalid_request("Missing refresh_token."))?;
        let old = self
            .refresh
            .get(token)
            .cloned()
            .ok_or_else(|| OAuth2Error::invalid_grant("Invalid refresh token."))?;
        if old.used {
            self.revoke_family(old.family);
            return Err(OAuth2Error::invalid_grant(
                "Refresh token was already used.",
            ));
        }
        if old.client_id != client_id {
            return Err(OAuth2Error::invalid_grant("Invalid refresh token."));
        }
        let scopes = match get(form, "scope") {
            Some(s) => {
                let asked = split_scopes(s);
                if asked.iter().any(|a| !old.scopes.contains(a)) {
                    return Err(OAuth2Error::new(
                        400,
                        "invalid_scope",
                        "Scope exceeds the grant.",
                    ));
                }
                asked
            }
            None => old.scopes.clone(),
        };
        if let Some(r) = self.refresh.get_mut(token) {
            r.used = true;
        }
        Ok(self.mint_pair(client_id, &old.user_id, scopes, old.family, now_ms, mint))
    }

    fn exchange_grant(
        &mut self,
        form: &[(String, String)],
        client_id: &str,
        now_ms: i64,
        oauth1: &dyn Fn(&str, &str) -> Option<Oauth1Owner>,
        mint: &mut dyn FnMut() -> String,
    ) -> Result<TokenResponse, OAuth2Error> {
        if get(form, "subject_token_type") != Some(OAUTH1_TOKEN_TYPE) {
            return Err(OAuth2Error::invalid_request(
                "Unsupported subject_token_type.",
            ));
        }
        let (Some(token), Some(secret)) =
            (get(form, "subject_token"), get(form, "oauth_token_secret"))
        else {
            return Err(OAuth2Error::invalid_request(
                "Missing subject_token or oauth_token_secret.",
            ));
        };
        let owner = oauth1(token, secret)
            .ok_or_else(|| OAuth2Error::invalid_grant("Invalid subject token."))?;
        let allowed = exchange_scopes(owner.access_level);
        let scopes = match get(form, "scope") {
            Some(s) => {
                let mut asked = split_scopes(s);
                if asked.iter().any(|a| !allowed.contains(a)) {
                    return Err(OAuth2Error::new(
                        400,
                        "invalid_scope",
                        "Scope exceeds the token's access level.",
                    ));
                }
                if !asked.iter().any(|a| a == "offline.access") {
                    asked.push("offline.access".to_owned());
                }
                asked
            }
            None => allowed,
        };
        let key = (client_id.to_owned(), owner.user_id.clone());
        if let Some(previous) = self.exchanged.get(&key).copied() {
            self.revoke_family(previous);
        }
        let family = self.new_family();
        self.exchanged.insert(key, family);
        Ok(self.mint_pair(client_id, &owner.user_id, scopes, family, now_ms, mint))
    }

    /// `POST /2/oauth2/revoke`: forgets an access or refresh token (unknown tokens are fine).
    pub fn revoke(&mut self, token: &str) {
        self.access.remove(token);
        self.refresh.remove(token);
    }

    /// Checks `Authorization: Bearer <token>`.
    pub fn bearer(&self, token: &str, now_ms: i64) -> Result<BearerGrant, BearerRefusal> {
        let t = self.access.get(token).ok_or(BearerRefusal::Unknown)?;
        if now_ms >= t.expires_ms {
            return Err(BearerRefusal::Expired);
        }
        Ok(BearerGrant {
            client_id: t.client_id.clone(),
            user_id: t.user_id.clone(),
            scopes: t.scopes.clone(),
        })
    }

    fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    fn revoke_family(&mut self, family: u64) {
        self.access.retain(|_, t| t.family != family);
        self.refresh.retain(|_, t| t.family != family);
    }

    fn mint_pair(
        &mut self,
        client_id: &str,
        user_id: &str,
        scopes: Vec<String>,
        family: u64,
        now_ms: i64,
        mint: &mut dyn FnMut() -> String,
    ) -> TokenResponse {
        let access_token = format!("{ACCESS_PREFIX}{}", mint());
        self.access.insert(
            access_token.clone(),
            AccessToken {
                client_id: client_id.to_owned(),
                user_id: user_id.to_owned(),
                scopes: scopes.clone(),
                expires_ms: now_ms.saturating_add(ACCESS_LIFETIME_SECS * 1000),
                family,
            },
        );
        let refresh_token = scopes.iter().any(|s| s == "offline.access").then(|| {
            let r = format!("{REFRESH_PREFIX}{}", mint());
            self.refresh.insert(
                r.clone(),
                RefreshToken {
                    client_id: client_id.to_owned(),
                    user_id: user_id.to_owned(),
                    scopes: scopes.clone(),
                    family,
                    used: false,
                },
            );
            r
        });
        TokenResponse {
            token_type: "bearer",
            expires_in: ACCESS_LIFETIME_SECS,
            access_token,
            refresh_token,
            scope: scopes.join(" "),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const REDIRECT: &str = "http://127.0.0.1:8745/callback";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn server() -> AuthServer {
        AuthServer::new(vec![RegisteredClient {
            client_id: "cid".into(),
            redirect_uris: vec![REDIRECT.into()],
        }])
    }

    fn minter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("secret-{n}")
        }
    }

    fn authorize_query(scope: &str) -> Vec<(String, String)> {
        pairs(&[
            ("response_type", "code"),
            ("client_id", "cid"),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st8"),
            ("code_challenge", &s256(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
    }

    fn code_of(outcome: AuthorizeOutcome) -> String {
        let AuthorizeOutcome::Redirect(url) = outcome else {
            panic!("page: {outcome:?}")
        };
        assert!(url.starts_with(REDIRECT), "{url}");
        assert!(url.contains("state=st8"), "{url}");
        url.split("code=").nth(1).unwrap().to_owned()
    }

    fn no_oauth1(_: &str, _: &str) -> Option<Oauth1Owner> {
        None
    }

    fn exchange_code(
        s: &mut AuthServer,
        code: &str,
        verifier: &str,
        now: i64,
        mint: &mut dyn FnMut() -> String,
    ) -> Result<TokenResponse, OAuth2Error> {
        s.token(
            &pairs(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
                ("client_id", "cid"),
            ]),
            None,
            now,
            &no_oauth1,
            mint,
        )
    }

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256(VERIFIER),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_code_exchanges_once_with_its_verifier() {
        let mut s = server();
        let mut mint = minter();
        let code = code_of(s.authorize(
            &authorize_query("tweet.read users.read offline.access"),
            "u1",
            0,
            &mut mint,
        ));
        let wrong = "x".repeat(43);
        assert_eq!(
            exchange_code(&mut s, &code, &wrong, 1, &mut mint)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
        let t = exchange_code(&mut s, &code, VERIFIER, 1, &mut mint).unwrap();
        assert_eq!(t.scope, "tweet.read users.read offline.access");
        assert!(t.refresh_token.is_some());
        assert_eq!(s.bearer(&t.access_token, 2).unwrap().user_id, "u1");
        // Replaying the code fails and revokes what it minted.
        assert_eq!(
            exchange_code(&mut s, &code, VERIFIER, 2, &mut mint)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
        assert_eq!(s.bearer(&t.access_token, 3), Err(BearerRefusal::Unknown));
    }

    #[test]
    fn codes_expire_and_redirects_must_match_exactly() {
        let mut s = server();
        let mut mint = minter();
        let code = code_of(s.authorize(&authorize_query("tweet.read"), "u1", 0, &mut mint));
        assert_eq!(
            exchange_code(&mut s, &code, VERIFIER, CODE_LIFETIME_MS + 1, &mut mint)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
        let mut q = authorize_query("tweet.read");
        q[2].1 = "http://localhost:8745/callback".into();
        assert!(matches!(
            s.authorize(&q, "u1", 0, &mut mint),
            AuthorizeOutcome::Page(_)
        ));
        let mut q = authorize_query("tweet.read");
        q.retain(|(k, _)| k != "code_challenge_method");
        let AuthorizeOutcome::Redirect(url) = s.authorize(&q, "u1", 0, &mut mint) else {
            panic!()
        };
        assert!(
            url.contains("error=invalid_request") && url.contains("state=st8"),
            "{url}"
        );
        let AuthorizeOutcome::Redirect(url) =
            s.authorize(&authorize_query("tweet.read nope"), "u1", 0, &mut mint)
        else {
            panic!()
        };
        assert!(url.contains("error=invalid_scope"), "{url}");
    }

    #[test]
    fn refresh_tokens_rotate_and_a_reused_one_kills_the_family() {
        let mut s = server();
        let mut mint = minter();
        let code = code_of(s.authorize(
            &authorize_query("tweet.read offline.access"),
            "u1",
            0,
            &mut mint,
        ));
        let first = exchange_code(&mut s, &code, VERIFIER, 0, &mut mint).unwrap();
        let refresh = |s: &mut AuthServer, r: &str, mint: &mut dyn FnMut() -> String| {
            s.token(
                &pairs(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", r),
                    ("client_id", "cid"),
                ]),
                None,
                10,
                &no_oauth1,
                mint,
            )
        };
        let second = refresh(&mut s, first.refresh_token.as_deref().unwrap(), &mut mint).unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        assert!(s.bearer(&second.access_token, 11).is_ok());
        let reuse =
            refresh(&mut s, first.refresh_token.as_deref().unwrap(), &mut mint).unwrap_err();
        assert_eq!((reuse.status, reuse.error), (400, "invalid_grant"));
        assert_eq!(
            s.bearer(&second.access_token, 12),
            Err(BearerRefusal::Unknown)
        );
        assert_eq!(
            refresh(&mut s, second.refresh_token.as_deref().unwrap(), &mut mint)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
    }

    #[test]
    fn access_tokens_expire_on_the_given_clock() {
        let mut s = server();
        let mut mint = minter();
        let code = code_of(s.authorize(&authorize_query("tweet.read"), "u1", 0, &mut mint));
        let t = exchange_code(&mut s, &code, VERIFIER, 0, &mut mint).unwrap();
        assert_eq!(t.refresh_token, None, "no offline.access, no refresh token");
        assert!(s
            .bearer(&t.access_token, ACCESS_LIFETIME_SECS * 1000 - 1)
            .is_ok());
        assert_eq!(
            s.bearer(&t.access_token, ACCESS_LIFETIME_SECS * 1000),
            Err(BearerRefusal::Expired)
        );
    }

    #[test]
    fn a_public_client_must_name_itself() {
        let mut s = server();
        let mut mint = minter();
        let e = s
            .token(
                &pairs(&[("grant_type", "refresh_token"), ("refresh_token", "r")]),
                None,
                0,
                &no_oauth1,
                &mut mint,
            )
            .unwrap_err();
        assert_eq!((e.status, e.error), (401, "unauthorized_client"));
        let e = s
            .token(
                &pairs(&[("grant_type", "refresh_token"), ("client_id", "other")]),
                None,
                0,
                &no_oauth1,
                &mut mint,
            )
            .unwrap_err();
        assert_eq!((e.status, e.error), (401, "invalid_client"));
    }

    #[test]
    fn the_exchange_follows_the_access_level_and_replaces_its_previous_pair() {
        let mut s = server();
        let mut mint = minter();
        let owner = |t: &str, sec: &str| {
            (t == "tok-rw" && sec == "sec")
                .then(|| Oauth1Owner {
                    user_id: "u1".into(),
                    access_level: AccessLevel::ReadWrite,
                })
                .or_else(|| {
                    (t == "tok-r" && sec == "sec").then(|| Oauth1Owner {
                        user_id: "u2".into(),
                        access_level: AccessLevel::Read,
                    })
                })
        };
        let form = |t: &str, sec: &str| {
            pairs(&[
                ("grant_type", TOKEN_EXCHANGE_GRANT),
                ("subject_token", t),
                ("subject_token_type", OAUTH1_TOKEN_TYPE),
                ("oauth_token_secret", sec),
                ("client_id", "cid"),
            ])
        };
        let rw = s
            .token(&form("tok-rw", "sec"), None, 0, &owner, &mut mint)
            .unwrap();
        let g = s.bearer(&rw.access_token, 1).unwrap();
        assert_eq!(
            g.missing(&["tweet.write", "media.write", "offline.access"]),
            None
        );
        let r = s
            .token(&form("tok-r", "sec"), None, 0, &owner, &mut mint)
            .unwrap();
        assert_eq!(
            s.bearer(&r.access_token, 1)
                .unwrap()
                .missing(&["tweet.read", "tweet.write"]),
            Some("tweet.write")
        );
        assert_eq!(
            s.token(&form("tok-rw", "bad"), None, 0, &owner, &mut mint)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
        let again = s
            .token(&form("tok-rw", "sec"), None, 0, &owner, &mut mint)
            .unwrap();
        assert_eq!(
            s.bearer(&rw.access_token, 1),
            Err(BearerRefusal::Unknown),
            "re-exchange kills the old pair"
        );
        assert!(s.bearer(&again.access_token, 1).is_ok());
        s.exchange_available = false;
        let e = s
            .token(&form("tok-rw", "sec"), None, 0, &owner, &mut mint)
            .unwrap_err();
        assert_eq!((e.status, e.error), (400, "unsupported_grant_type"));
    }

    #[test]
    fn a_denied_consent_redirects_with_access_denied() {
        let s = server();
        let AuthorizeOutcome::Redirect(url) = s.deny(&authorize_query("tweet.read")) else {
            panic!()
        };
        assert_eq!(url, format!("{REDIRECT}?error=access_denied&state=st8"));
        let mut q = authorize_query("tweet.read");
        q[1].1 = "nobody".into();
        assert!(matches!(s.deny(&q), AuthorizeOutcome::Page(_)));
    }

    #[test]
    fn revoke_forgets_a_token() {
        let mut s = server();
        let mut mint = minter();
        let code = code_of(s.authorize(&authorize_query("tweet.read"), "u1", 0, &mut mint));
        let t = exchange_code(&mut s, &code, VERIFIER, 0, &mut mint).unwrap();
        s.revoke(&t.access_token);
        assert_eq!(s.bearer(&t.access_token, 1), Err(BearerRefusal::Unknown));
    }
}
