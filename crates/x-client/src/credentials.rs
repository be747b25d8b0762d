//! Credentials, the auth choice of a client, and endpoints.
//!
//! Contract: [`Credentials`] holds the four OAuth 1.0a values and [`BearerToken`] an OAuth 2.0
//! user access token (with the scopes granted, when known); neither ever shows its secrets —
//! `Debug` and `Display` print only a redacted shape. [`Auth`] is what an [`crate::XClient`]
//! authenticates with: OAuth 1.0a signing, or `Authorization: Bearer`. [`Endpoints`] holds the
//! base URLs (configuration, never constants at call sites); trailing slashes are trimmed, and
//! [`Endpoints::oauth2_authorize_url`] derives the browser's authorize page from the API base.

use std::fmt;

/// The four OAuth 1.0a user-context values of one X account. `Debug`/`Display` are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// API key (consumer key).
    pub consumer_key: String,
    /// API key secret (consumer secret).
    pub consumer_secret: String,
    /// Access token.
    pub access_token: String,
    /// Access token secret.
    pub access_secret: String,
}

impl Credentials {
    /// Trims stray whitespace (a frequent copy-paste problem) from all four values.
    pub fn trimmed(self) -> Self {
        Credentials {
            consumer_key: self.consumer_key.trim().to_owned(),
            consumer_secret: self.consumer_secret.trim().to_owned(),
            access_token: self.access_token.trim().to_owned(),
            access_secret: self.access_secret.trim().to_owned(),
        }
    }

    /// Names of the values that are empty (for "missing X_API_KEY"-style messages).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.consumer_key.trim().is_empty() {
            out.push("consumer_key");
        }
        if self.consumer_secret.trim().is_empty() {
            out.push("consumer_secret");
        }
        if self.access_token.trim().is_empty() {
            out.push("access_token");
        }
        if self.access_secret.trim().is_empty() {
            out.push("access_secret");
        }
        out
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("consumer_key", &"<redacted>")
            .field("consumer_secret", &"<redacted>")
            .field("access_token", &"<redacted>")
            .field("access_secret", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

/// An OAuth 2.0 user access token (docs/protocol.md §14), sent as `Authorization: Bearer`.
/// `Debug`/`Display` are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken {
    access_token: String,
    scopes: Option<Vec<String>>,
}

impl BearerToken {
    /// A token whose granted scopes are unknown (diagnosis then reads X's 403 words).
    pub fn new(access_token: impl Into<String>) -> Self {
        BearerToken {
            access_token: access_token.into().trim().to_owned(),
            scopes: None,
        }
    }

    /// A token with the scopes X granted (the `scope` of its token response).
    pub fn with_scopes(access_token: impl Into<String>, scopes: Vec<String>) -> Self {
        BearerToken {
            scopes: Some(scopes),
            ..BearerToken::new(access_token)
        }
    }

    /// The access token of a token response, with its granted scopes.
    pub fn from_token_set(tokens: &crate::oauth2::TokenSet) -> Self {
        BearerToken::with_scopes(tokens.access_token.clone(), tokens.scopes.clone())
    }

    /// The secret itself (for the `Authorization` header and the keychain only).
    pub fn secret(&self) -> &str {
        &self.access_token
    }

    /// The granted scopes, when known.
    pub fn scopes(&self) -> Option<&[String]> {
        self.scopes.as_deref()
    }
}

impl From<&crate::oauth2::TokenSet> for BearerToken {
    fn from(tokens: &crate::oauth2::TokenSet) -> Self {
        BearerToken::from_token_set(tokens)
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("access_token", &"<redacted>")
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl fmt::Display for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// What a client authenticates with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// OAuth 1.0a user context: every request signed (posting, v1.1 and v2 upload, PIN keys).
    OAuth1(Credentials),
    /// OAuth 2.0 user context: `Authorization: Bearer`; v2 routes only (v1.1 needs OAuth 1.0a).
    OAuth2(BearerToken),
}

impl Auth {
    /// Whether this is an OAuth 2.0 token.
    pub fn is_oauth2(&self) -> bool {
        matches!(self, Auth::OAuth2(_))
    }
}

impl From<Credentials> for Auth {
    fn from(c: Credentials) -> Self {
        Auth::OAuth1(c)
    }
}

impl From<BearerToken> for Auth {
    fn from(t: BearerToken) -> Self {
        Auth::OAuth2(t)
    }
}

/// X's own API base (the default of [`Endpoints`]).
pub const X_API_BASE: &str = "https://api.x.com";
/// X's OAuth 2.0 authorize page (the browser's side of the sign-in, §14.1).
pub const X_AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";

/// Base URLs of the API (`/2/...`, `/oauth/...`) and of the legacy upload host (`/1.1/media/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// e.g. `https://api.x.com` or a simulator's `http://127.0.0.1:PORT`.
    pub api_base: String,
    /// e.g. `https://upload.twitter.com`.
    pub upload_base: String,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            api_base: X_API_BASE.into(),
            upload_base: "https://upload.twitter.com".into(),
        }
    }
}

impl Endpoints {
    /// Both bases without trailing slashes.
    pub fn normalised(self) -> Self {
        Endpoints {
            api_base: self.api_base.trim().trim_end_matches('/').to_owned(),
            upload_base: self.upload_base.trim().trim_end_matches('/').to_owned(),
        }
    }

    /// The OAuth 2.0 authorize page for the browser: [`X_AUTHORIZE_URL`] when the API base is
    /// X's (`api.x.com`, or the older `api.twitter.com`), otherwise `{api_base}/i/oauth2/authorize`
    /// (a simulator or a proxy that serves the consent page itself).
    pub fn oauth2_authorize_url(&self) -> String {
        let api = self.api_base.trim().trim_end_matches('/');
        if api.eq_ignore_ascii_case(X_API_BASE)
            || api.eq_ignore_ascii_case("https://api.twitter.com")
        {
            X_AUTHORIZE_URL.to_owned()
        } else {
            format!("{api}/i/oauth2/authorize")
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn redacted() {
        let c = Credentials {
            consumer_key: "KEYKEY".into(),
            consumer_secret: "SECRETSECRET".into(),
            access_token: "TOKTOK".into(),
            access_secret: "ASECASEC".into(),
        };
        let d = format!("{c:?} {c}");
        for s in ["KEYKEY", "SECRETSECRET", "TOKTOK", "ASECASEC"] {
            assert!(!d.contains(s), "{d}");
        }
        let b = BearerToken::with_scopes(" BEARERSECRET ", vec!["tweet.read".into()]);
        assert_eq!(b.secret(), "BEARERSECRET");
        let a = Auth::from(b.clone());
        let d = format!("{b:?} {b} {a:?}");
        assert!(!d.contains("BEARERSECRET"), "{d}");
        assert!(d.contains("tweet.read"), "the scopes are not secret: {d}");
    }

    #[test]
    fn the_authorize_page_follows_the_api_base() {
        assert_eq!(
            Endpoints::default().oauth2_authorize_url(),
            "https://x.com/i/oauth2/authorize"
        );
        let sim = Endpoints {
            api_base: "http://127.0.0.1:4000/".into(),
            upload_base: "http://127.0.0.1:4001".into(),
        };
        assert_eq!(
            sim.oauth2_authorize_url(),
            "http://127.0.0.1:4000/i/oauth2/authorize"
        );
    }
}
