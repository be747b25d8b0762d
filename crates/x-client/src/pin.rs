//! The PIN-based three-legged OAuth 1.0a flow (docs/protocol.md §3), for the setup wizard.
//!
//! Contract: [`PinFlow::request_token`] asks for a request token with `oauth_callback="oob"`
//! (signed with `consumer_secret&`) and requires `oauth_callback_confirmed=true`; the user opens
//! [`RequestToken::authorize_url`] and reads a PIN; [`PinFlow::access_token`] exchanges it for
//! the account's [`Credentials`]. Token replies are read as form data first, then JSON. Secrets
//! are redacted in `Debug`. Nothing is retried except connection failures that never left.

use std::fmt;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};

use crate::credentials::{Credentials, Endpoints};
use crate::error::{ApiError, ClientError};
use crate::sign::{parse_form, percent_encode, sign_with_secrets, SignInput};

/// A temporary request token.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestToken {
    /// `oauth_token`.
    pub token: String,
    /// `oauth_token_secret` (redacted in `Debug`).
    pub secret: String,
    /// Where the user approves the app and reads the PIN.
    pub authorize_url: String,
}

impl fmt::Debug for RequestToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .field("authorize_url", &self.authorize_url)
            .finish()
    }
}

/// The result of a completed PIN flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    /// The four values for [`crate::XClient::new`].
    pub credentials: Credentials,
    /// The account's id.
    pub user_id: Option<String>,
    /// The account's handle.
    pub screen_name: Option<String>,
}

/// The PIN flow for one app.
#[derive(Clone)]
pub struct PinFlow {
    http: reqwest::Client,
    endpoints: Endpoints,
    consumer_key: String,
    consumer_secret: String,
}

impl fmt::Debug for PinFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinFlow")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

fn network(e: reqwest::Error, what: &str) -> ClientError {
    let failure = if e.is_connect() {
        crate::error::NetworkFailure::Connect
    } else if e.is_timeout() {
        crate::error::NetworkFailure::Timeout
    } else {
        crate::error::NetworkFailure::Other
    };
    ClientError::Network {
        failure,
        what: what.to_owned(),
        message: e.to_string(),
    }
}

fn reply_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(trimmed) {
            return map
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect();
        }
    }
    parse_form(trimmed)
}

impl PinFlow {
    /// A flow for the app with these keys.
    pub fn new(
        endpoints: Endpoints,
        consumer_key: &str,
        consumer_secret: &str,
    ) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .read_timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(PinFlow {
            http,
            endpoints: endpoints.normalised(),
            consumer_key: consumer_key.trim().to_owned(),
            consumer_secret: consumer_secret.trim().to_owned(),
        })
    }

    async fn call(
        &self,
        path: &str,
        token: Option<(&str, &str)>,
        callback: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Vec<(String, String)>, ClientError> {
        let url = format!("{}{}", self.endpoints.api_base, path);
        let mut input = SignInput::new("POST", &url);
        input.callback = callback;
        input.verifier = verifier;
        let signed = sign_with_secrets(&self.consumer_key, &self.consumer_secret, token, &input)?;
        let resp = self
            .http
            .post(&url)
            .header(AUTHORIZATION, signed.authorization)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .map_err(|e| network(e, path))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(|e| network(e, path))?;
        if !(200..300).contains(&status) {
            return Err(ClientError::Api(Box::new(ApiError::parse(
                "POST", path, status, &headers, &body,
            ))));
        }
        Ok(reply_pairs(&body))
    }

    /// Step 1: a request token for the PIN (`oob`) flow.
    pub async fn request_token(&self) -> Result<RequestToken, ClientError> {
        let path = "/oauth/request_token";
        let pairs = self.call(path, None, Some("oob"), None).await?;
        let get = |k: &str| pairs.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
        if get("oauth_callback_confirmed").as_deref() != Some("true") {
            return Err(ClientError::Unexpected {
                path: path.into(),
                message: "oauth_callback_confirmed is not true".into(),
            });
        }
        match (get("oauth_token"), get("oauth_token_secret")) {
            (Some(token), Some(secret)) => Ok(RequestToken {
                authorize_url: format!(
                    "{}/oauth/authorize?oauth_token={}",
                    self.endpoints.api_base,
                    percent_encode(&token)
                ),
                token,
                secret,
            }),
            _ => Err(ClientError::Unexpected {
                path: path.into(),
                message: "no oauth_token / oauth_token_secret in the reply".into(),
            }),
        }
    }

    /// Step 3: exchanges the PIN for the account's access token.
    pub async fn access_token(
        &self,
        request: &RequestToken,
        pin: &str,
    ) -> Result<AccessGrant, ClientError> {
        let path = "/oauth/access_token";
        let pairs = self
            .call(
                path,
                Some((&request.token, &request.secret)),
                None,
                Some(pin.trim()),
            )
            .await?;
        let get = |k: &str| pairs.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
        match (get("oauth_token"), get("oauth_token_secret")) {
            (Some(access_token), Some(access_secret)) => Ok(AccessGrant {
                credentials: Credentials {
                    consumer_key: self.consumer_key.clone(),
                    consumer_secret: self.consumer_secret.clone(),
                    access_token,
                    access_secret,
                },
                user_id: get("user_id"),
                screen_name: get("screen_name"),
            }),
            _ => Err(ClientError::Unexpected {
                path: path.into(),
                message: "no oauth_token / oauth_token_secret in the reply".into(),
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn token_replies_form_or_json() {
        let f = reply_pairs(b"oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=true");
        assert_eq!(f[2], ("oauth_callback_confirmed".into(), "true".into()));
        let j = reply_pairs(
            br#"{"oauth_token":"a","oauth_token_secret":"b","oauth_callback_confirmed":true}"#,
        );
        assert!(j.contains(&("oauth_callback_confirmed".into(), "true".into())));
        let r = RequestToken {
            token: "t".into(),
            secret: "SECRET".into(),
            authorize_url: "u".into(),
        };
        assert!(!format!("{r:?}").contains("SECRET"));
    }
}
