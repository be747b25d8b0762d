//! OAuth 2.0 user sign-in for X (docs/protocol.md §14): PKCE values, the authorize URL, the
//! redirect the browser comes back with, and the token responses of the code, refresh and
//! token-exchange grants.
//!
//! Contract: this file is pure functions and values — no I/O (the token requests are
//! [`TokenClient`]'s, in `oauth2/token.rs`, through the client's transport; the loopback
//! listener that receives the redirect is [`loopback`]).
//! - [`Pkce::new`] draws a 64-character verifier from the OS's CSPRNG and derives the `S256`
//!   challenge (RFC 7636 §4.1–4.2); `state` is drawn the same way.
//! - [`authorize_url`] builds X's authorize URL with exactly the parameters X documents,
//!   [`SCOPES`] space-separated.
//! - [`parse_redirect`] accepts the redirect URL (or just its query) and returns the code only
//!   when `state` matches; an `error=` redirect becomes [`RedirectError::Refused`].
//! - [`TokenSet`] keeps the access token, its absolute expiry and the refresh token; its
//!   `Debug` is redacted. [`TokenSet::missing_scopes`] names the scopes Postbridge needs that X
//!   did not grant (the common cause of media 403s); [`TokenSet::scope_problem`] is that as a
//!   `missing-scope` diagnosis.
//! - [`required_scopes`] is the client's table of the scopes each v2 route needs with a Bearer
//!   token (X's API reference); the diagnosis of a 403 compares it with the granted scopes.
//!
//! # Token requests are never retried
//!
//! [`TokenClient`] sends each token request once. The only exception is a connection that was
//! refused (or failed DNS / TLS) — the request provably never reached X. Anything else is not
//! re-sent, not even a timeout or a 5xx: a refresh that reached X has already rotated the
//! refresh token (single-use, §14.2), and sending the old one again gets `invalid_grant` and
//! revokes the whole token family, which means a new browser sign-in. Codes are single-use too,
//! and a second exchange invalidates the pair of the first.
//!
//! Written by hand rather than with the `oauth2` crate: the flow is three form posts, X's
//! token exchange (RFC 8693 with X's own subject token type) is outside that crate, and the
//! posts must go through the client's transport so that failures get the one diagnosis table.

use std::fmt;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::diagnosis::{Diagnosis, ErrorKind};

pub mod loopback;
mod token;

pub use token::{TokenClient, TokenHint};

/// The scopes Postbridge asks for: post and read back, `users/me`, v2 media upload, refresh.
pub const SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "users.read",
    "media.write",
    "offline.access",
];

/// The OAuth 2.0 scopes X knows (how a scope named in an answer is recognised).
pub const X_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "users.email",
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

/// The scopes a v2 route needs with an OAuth 2.0 user token (X's API reference): reading
/// users and posts `tweet.read users.read`, posting and deleting adds `tweet.write`, v2 media
/// `media.write`. Routes outside this table (v1.1, the PIN flow) need no scope: they refuse
/// OAuth 2.0 altogether.
pub fn required_scopes(method: &str, path: &str) -> &'static [&'static str] {
    const READ: &[&str] = &["tweet.read", "users.read"];
    const WRITE: &[&str] = &["tweet.read", "tweet.write", "users.read"];
    const MEDIA: &[&str] = &["media.write"];
    if path.starts_with("/2/media") {
        MEDIA
    } else if path == "/2/tweets" && method.eq_ignore_ascii_case("POST")
        || path.starts_with("/2/tweets/") && method.eq_ignore_ascii_case("DELETE")
    {
        WRITE
    } else if path.starts_with("/2/tweets") || path.starts_with("/2/users") {
        READ
    } else {
        &[]
    }
}

/// The first known scope named in `text` (e.g. X's "Missing scope: media.write.").
pub fn scope_named_in(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| X_SCOPES.contains(w))
        .map(str::to_owned)
}

/// `grant_type` of X's OAuth 1.0a → 2.0 token exchange.
pub const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// `subject_token_type` of that exchange.
pub const OAUTH1_TOKEN_TYPE: &str = "urn:x:params:oauth:token-type:oauth1_token";

/// A PKCE verifier and its `S256` challenge, plus the `state` of one sign-in.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    /// The secret verifier (sent only to the token endpoint).
    pub verifier: String,
    /// `BASE64URL(SHA256(verifier))`.
    pub challenge: String,
    /// The anti-CSRF `state`, compared on the way back.
    pub state: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The OS random generator failed (practically never; the sign-in cannot start without it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system's random number generator is unavailable")]
pub struct NoRandomness;

fn random_token(bytes: usize) -> Result<String, NoRandomness> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|_| NoRandomness)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// `BASE64URL(SHA256(verifier))` without padding.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Pkce {
    /// Fresh values: a 64-character verifier (48 random bytes) and a 22-character state.
    pub fn new() -> Result<Self, NoRandomness> {
        let verifier = random_token(48)?;
        Ok(Pkce {
            challenge: s256(&verifier),
            verifier,
            state: random_token(16)?,
        })
    }
}

/// X's authorize URL for `client_id` coming back to `redirect_uri`.
pub fn authorize_url(
    authorize_base: &str,
    client_id: &str,
    redirect_uri: &str,
    pkce: &Pkce,
) -> String {
    let scope = SCOPES.join(" ");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &scope)
        .append_pair("state", &pkce.state)
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    format!("{}?{query}", authorize_base.trim_end_matches('?'))
}

/// Why a redirect does not carry a usable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// The person (or X) refused: `error=access_denied` and its description.
    #[error("X did not grant access ({error}{}).", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The `error` parameter.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },
    /// `state` missing or not ours: not the sign-in we started (or a forged redirect).
    #[error("This sign-in link is not the one Postbridge opened (its state does not match). Start the sign-in again.")]
    StateMismatch,
    /// No `code` in it.
    #[error("The address has no authorization code. Paste the whole address the browser shows after you approve.")]
    NoCode,
}

/// Reads the code from the redirect (a full URL, or a query string), checking `state`.
pub fn parse_redirect(redirect: &str, expected_state: &str) -> Result<String, RedirectError> {
    let redirect = redirect.trim();
    let query = match redirect.split_once('?') {
        Some((_, q)) => q,
        None => redirect,
    };
    let query = query.split('#').next().unwrap_or("");
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            "error" => error = Some(v.into_owned()),
            "error_description" => description = Some(v.into_owned()),
            _ => {}
        }
    }
    if state.as_deref() != Some(expected_state) {
        return Err(RedirectError::StateMismatch);
    }
    if let Some(error) = error {
        return Err(RedirectError::Refused { error, description });
    }
    code.filter(|c| !c.is_empty()).ok_or(RedirectError::NoCode)
}

/// An OAuth 2.0 token pair as Postbridge keeps it (in the keychain only).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenSet {
    /// The Bearer access token.
    pub access_token: String,
    /// When it expires, seconds since the Unix epoch.
    pub expires_at: i64,
    /// The current (single-use) refresh token, if `offline.access` was granted.
    pub refresh_token: Option<String>,
    /// The granted scopes.
    pub scopes: Vec<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A token endpoint body that is not a token response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("X's token response could not be read: {0}")]
pub struct BadTokenResponse(pub String);

impl TokenSet {
    /// Reads `{"token_type":"bearer","expires_in","access_token","refresh_token"?,"scope"}`
    /// received at `now` (seconds since the epoch).
    pub fn from_response(body: &serde_json::Value, now: i64) -> Result<Self, BadTokenResponse> {
        let token_type = body
            .get("token_type")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(BadTokenResponse(format!(
                "token_type {token_type:?} is not bearer"
            )));
        }
        let access_token = body
            .get("access_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| BadTokenResponse("no access_token".into()))?
            .to_owned();
        // X sends 7200; a missing or odd value is treated as "expires soon" so we refresh.
        let expires_in = body
            .get("expires_in")
            .and_then(|v| v.as_i64())
            .filter(|s| *s > 0)
            .unwrap_or(60);
        let scopes = body
            .get("scope")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let refresh_token = body
            .get("refresh_token")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(TokenSet {
            access_token,
            expires_at: now.saturating_add(expires_in),
            refresh_token,
            scopes,
        })
    }

    /// The scopes of [`SCOPES`] that were not granted.
    pub fn missing_scopes(&self) -> Vec<&'static str> {
        SCOPES
            .iter()
            .copied()
            .filter(|s| !self.scopes.iter().any(|g| g == s))
            .collect()
    }

    /// The `missing-scope` diagnosis of a grant that lacks scopes of [`SCOPES`], if it does.
    pub fn scope_problem(&self) -> Option<Diagnosis> {
        let missing = self.missing_scopes();
        let first = *missing.first()?;
        let mut d = Diagnosis::new(
            ErrorKind::MissingScope,
            None,
            format!(
                "X did not grant {}",
                missing
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        d.fix.insert(0, crate::error::missing_scope_step(first));
        Some(d)
    }

    /// Whether the access token should be refreshed now: within `margin` seconds of expiry.
    pub fn due_for_refresh(&self, now: i64, margin: i64) -> bool {
        now.saturating_add(margin) >= self.expires_at
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn s256_is_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn fresh_pkce_values_are_valid_and_differ() {
        let a = Pkce::new().unwrap();
        let b = Pkce::new().unwrap();
        assert_eq!(a.verifier.len(), 64);
        assert!(a
            .verifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(a.challenge, s256(&a.verifier));
        assert_ne!(a.verifier, b.verifier);
        assert_ne!(a.state, b.state);
        assert!(!format!("{a:?}").contains(&a.verifier));
    }

    #[test]
    fn the_authorize_url_carries_what_x_documents() {
        let p = Pkce {
            verifier: "v".into(),
            challenge: "ch".into(),
            state: "st".into(),
        };
        let u = authorize_url(
            "https://x.com/i/oauth2/authorize",
            "my id",
            "http://127.0.0.1:8745/callback",
            &p,
        );
        let parsed = url::Url::parse(&u).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(parsed.path(), "/i/oauth2/authorize");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "my id");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8745/callback");
        assert_eq!(
            q["scope"],
            "tweet.read tweet.write users.read media.write offline.access"
        );
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(
            (q["state"].as_str(), q["code_challenge"].as_str()),
            ("st", "ch")
        );
        assert!(!q.values().any(|v| v == "v"), "the verifier never leaves");
    }

    #[test]
    fn redirects_are_read_only_with_our_state() {
        let ok = "http://127.0.0.1:8745/callback?state=st&code=abc%2Bd";
        assert_eq!(parse_redirect(ok, "st").unwrap(), "abc+d");
        assert_eq!(parse_redirect("state=st&code=z", "st").unwrap(), "z");
        assert_eq!(
            parse_redirect(ok, "other"),
            Err(RedirectError::StateMismatch)
        );
        assert_eq!(
            parse_redirect("http://h/cb?code=abc", "st"),
            Err(RedirectError::StateMismatch)
        );
        assert_eq!(
            parse_redirect("http://h/cb?state=st", "st"),
            Err(RedirectError::NoCode)
        );
        let refused = parse_redirect("http://h/cb?error=access_denied&state=st", "st").unwrap_err();
        assert!(
            matches!(refused, RedirectError::Refused { ref error, .. } if error == "access_denied")
        );
    }

    #[test]
    fn routes_need_the_scopes_x_documents() {
        assert_eq!(
            required_scopes("POST", "/2/tweets"),
            ["tweet.read", "tweet.write", "users.read"]
        );
        assert_eq!(
            required_scopes("DELETE", "/2/tweets/1"),
            ["tweet.read", "tweet.write", "users.read"]
        );
        assert_eq!(
            required_scopes("GET", "/2/users/me"),
            ["tweet.read", "users.read"]
        );
        assert_eq!(
            required_scopes("GET", "/2/users/1/tweets"),
            ["tweet.read", "users.read"]
        );
        assert_eq!(
            required_scopes("POST", "/2/media/upload/initialize"),
            ["media.write"]
        );
        assert!(required_scopes("POST", "/1.1/media/upload.json").is_empty());
        assert_eq!(
            scope_named_in(
                "You are not permitted to perform this action. Missing scope: media.write."
            )
            .as_deref(),
            Some("media.write")
        );
        assert_eq!(scope_named_in("Forbidden"), None);
    }

    #[test]
    fn token_responses_are_read_with_an_absolute_expiry() {
        let body = serde_json::json!({
            "token_type": "bearer", "expires_in": 7200, "access_token": "AT",
            "refresh_token": "RT", "scope": "tweet.read users.read tweet.write offline.access"
        });
        let t = TokenSet::from_response(&body, 1_000).unwrap();
        assert_eq!(t.expires_at, 8_200);
        assert_eq!(t.refresh_token.as_deref(), Some("RT"));
        assert_eq!(t.missing_scopes(), vec!["media.write"]);
        assert!(!t.due_for_refresh(8_100, 60));
        assert!(t.due_for_refresh(8_150, 60));
        assert!(!format!("{t:?}").contains("AT"));
        let problem = t.scope_problem().unwrap();
        assert_eq!(problem.kind, ErrorKind::MissingScope);
        assert!(problem.fix[0].contains("media.write"), "{:?}", problem.fix);
        assert!(TokenSet::from_response(&serde_json::json!({"token_type":"bearer"}), 0).is_err());
        assert!(TokenSet::from_response(
            &serde_json::json!({"token_type":"mac","access_token":"a"}),
            0
        )
        .is_err());
    }
}
