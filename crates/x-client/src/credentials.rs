//! Credentials and endpoints.
//!
//! Contract: [`Credentials`] holds the four OAuth 1.0a values and never shows them — `Debug` and
//! `Display` print only a redacted shape. [`Endpoints`] holds the base URLs (configuration, never
//! constants at call sites); trailing slashes are trimmed.

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
            api_base: "https://api.x.com".into(),
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
    }
}
