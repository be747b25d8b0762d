//! The token endpoint of a public client (docs/protocol.md §14): the authorization-code
//! exchange, refresh, X's OAuth 1.0a → 2.0 token exchange, and revocation.
//!
//! Contract:
//! - Every call is a form `POST` to `{api_base}/2/oauth2/token` (revoke: `/2/oauth2/revoke`)
//!   through the client's transport (deadlines, body cap, trusted roots of [`ClientConfig`]).
//!   The app is a public client: `client_id` goes in the body, never in a Basic header, and no
//!   `Authorization` header is sent.
//! - **Sent once.** Re-sent only when the connection was refused (DNS, connect, TLS: it never
//!   reached X) — see the retry section of [`crate::oauth2`]: a refresh that reached X rotated
//!   the refresh token, and resending the old one kills the family.
//! - A 200 is read into a [`TokenSet`] (expiry made absolute with this computer's clock).
//! - A refusal `{"error","error_description"}` is [`ClientError::OAuth2`] (status, code,
//!   description); for the exchange, 400 `unsupported_grant_type`, 404/405/501, or
//!   `invalid_request` naming the grant is [`ClientError::ExchangeUnavailable`] instead. Any
//!   other failure (HTML 503, network) keeps its usual [`ClientError`].
//! - No secret of a request (code, verifier, refresh token, 1.0a secret) appears in an error:
//!   X's words are scrubbed of them before they are kept.

use std::fmt;

use reqwest::Method;

use super::{authorize_url, Pkce, TokenSet, OAUTH1_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT};
use crate::client::{ClientConfig, XClient};
use crate::credentials::{Credentials, Endpoints};
use crate::error::{now_secs, ApiError, ClientError, NetworkFailure, OAuth2Refusal, TokenGrant};
use crate::transport::{Payload, Resp};

const TOKEN_PATH: &str = "/2/oauth2/token";
const REVOKE_PATH: &str = "/2/oauth2/revoke";

/// Which kind of token a revocation names (`token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHint {
    /// `access_token`.
    AccessToken,
    /// `refresh_token`.
    RefreshToken,
}

impl TokenHint {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenHint::AccessToken => "access_token",
            TokenHint::RefreshToken => "refresh_token",
        }
    }
}

/// The token endpoint for one app (its OAuth 2.0 Client ID; a public client has no secret).
#[derive(Clone)]
pub struct TokenClient {
    client: XClient,
    client_id: String,
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenClient")
            .field("endpoints", self.client.endpoints())
            .field("client_id", &self.client_id)
            .finish()
    }
}

/// Only a connection that never reached X is retried.
fn never_reached_x(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Network {
            failure: NetworkFailure::Connect,
            ..
        }
    )
}

/// Replaces every secret of the request in `text`.
fn scrub(text: &mut String, secrets: &[&str]) {
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if text.contains(s) {
            *text = text.replace(s, "<redacted>");
        }
    }
}

fn scrub_api(e: &mut ApiError, secrets: &[&str]) {
    for t in e
        .detail
        .iter_mut()
        .chain(e.title.iter_mut())
        .chain(e.messages.iter_mut())
        .chain(e.media_error.iter_mut())
        .chain(e.error_description.iter_mut())
    {
        scrub(t, secrets);
    }
}

/// Whether an answer to the exchange says X does not offer it (§14.3).
fn exchange_unavailable(e: &ApiError) -> bool {
    let error = e.media_error.as_deref().unwrap_or("");
    let names_the_grant = || {
        let d = e
            .error_description
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        [
            "grant_type",
            "grant type",
            "token-exchange",
            "token exchange",
            "subject_token_type",
        ]
        .iter()
        .any(|n| d.contains(n))
    };
    matches!(e.status, 404 | 405 | 501)
        || e.status == 400 && error == "unsupported_grant_type"
        || e.status == 400 && error == "invalid_request" && names_the_grant()
}

impl TokenClient {
    /// The token endpoint of `endpoints` for the app `client_id`, default settings.
    pub fn new(endpoints: Endpoints, client_id: &str) -> Result<Self, ClientError> {
        Self::with_config(endpoints, client_id, ClientConfig::default())
    }

    /// The same with explicit settings (timeouts, trusted roots; retries: see the module docs).
    pub fn with_config(
        endpoints: Endpoints,
        client_id: &str,
        config: ClientConfig,
    ) -> Result<Self, ClientError> {
        let client_id = client_id.trim();
        if client_id.is_empty() {
            return Err(ClientError::Config(
                "missing the app's OAuth 2.0 Client ID".into(),
            ));
        }
        Ok(TokenClient {
            client: XClient::build(endpoints, None, config)?,
            client_id: client_id.to_owned(),
        })
    }

    /// The app's Client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        self.client.endpoints()
    }

    /// The browser's authorize URL for this app ([`Endpoints::oauth2_authorize_url`]).
    pub fn authorize_url(&self, redirect_uri: &str, pkce: &Pkce) -> String {
        authorize_url(
            &self.client.endpoints().oauth2_authorize_url(),
            &self.client_id,
            redirect_uri,
            pkce,
        )
    }

    /// The code of the browser's redirect for a token pair (`grant_type=authorization_code`).
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
    ) -> Result<TokenSet, ClientError> {
        let form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ];
        self.token(TokenGrant::AuthorizationCode, form, &[code, code_verifier])
            .await
    }

    /// A new pair for the current refresh token. The old refresh token is dead once this
    /// reached X, whatever came back: store the new pair before using it (§14.2).
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenSet, ClientError> {
        let form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.token(TokenGrant::RefreshToken, form, &[refresh_token])
            .await
    }

    /// X's OAuth 1.0a → 2.0 token exchange of the account's access token and secret (§14.3).
    /// The scopes follow the 1.0a token's level. Not offered → [`ClientError::ExchangeUnavailable`].
    pub async fn exchange_oauth1(
        &self,
        credentials: &Credentials,
    ) -> Result<TokenSet, ClientError> {
        let token = credentials.access_token.trim();
        let secret = credentials.access_secret.trim();
        if token.is_empty() || secret.is_empty() {
            return Err(ClientError::Config(
                "missing credential values: access_token, access_secret".into(),
            ));
        }
        let form = vec![
            ("grant_type", TOKEN_EXCHANGE_GRANT),
            ("subject_token", token),
            ("subject_token_type", OAUTH1_TOKEN_TYPE),
            ("oauth_token_secret", secret),
        ];
        let secrets = [token, secret, credentials.consumer_secret.trim()];
        self.token(TokenGrant::TokenExchange, form, &secrets).await
    }

    /// `POST /2/oauth2/revoke` of an access or refresh token.
    pub async fn revoke(&self, token: &str, hint: TokenHint) -> Result<(), ClientError> {
        let form = vec![("token", token), ("token_type_hint", hint.as_str())];
        self.post(REVOKE_PATH, TokenGrant::Revoke, form, &[token])
            .await
            .map(|_| ())
    }

    async fn token(
        &self,
        grant: TokenGrant,
        form: Vec<(&str, &str)>,
        secrets: &[&str],
    ) -> Result<TokenSet, ClientError> {
        let r = self.post(TOKEN_PATH, grant, form, secrets).await?;
        let body = r.json(TOKEN_PATH)?;
        let now = i64::try_from(now_secs()).unwrap_or(i64::MAX);
        TokenSet::from_response(&body, now).map_err(|e| ClientError::Unexpected {
            path: TOKEN_PATH.into(),
            message: e.0,
        })
    }

    async fn post(
        &self,
        path: &str,
        grant: TokenGrant,
        form: Vec<(&str, &str)>,
        secrets: &[&str],
    ) -> Result<Resp, ClientError> {
        let mut pairs: Vec<(String, String)> = form
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        pairs.push(("client_id".into(), self.client_id.clone()));
        let url = self.client.api_url(path);
        let sent = self
            .client
            .send_retrying(
                Method::POST,
                &url,
                &Payload::Form(pairs),
                None,
                never_reached_x,
            )
            .await;
        match sent.result {
            Ok(r) => Ok(r),
            Err(ClientError::Api(mut e)) => {
                scrub_api(&mut e, secrets);
                if grant == TokenGrant::TokenExchange && exchange_unavailable(&e) {
                    return Err(ClientError::ExchangeUnavailable {
                        status: e.status,
                        detail: e.text(),
                    });
                }
                match (e.json, e.media_error.take()) {
                    (true, Some(error)) => Err(ClientError::OAuth2(Box::new(OAuth2Refusal {
                        grant,
                        status: e.status,
                        error,
                        description: e.error_description.take(),
                        rate_limit: e.rate_limit,
                    }))),
                    (_, error) => {
                        e.media_error = error;
                        Err(ClientError::Api(e))
                    }
                }
            }
            Err(mut other) => {
                if let ClientError::Network { message, .. } = &mut other {
                    scrub(message, secrets);
                }
                Err(other)
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn api(status: u16, body: &str) -> ApiError {
        ApiError::parse(
            "POST",
            TOKEN_PATH,
            status,
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    #[test]
    fn the_exchange_is_unavailable_on_the_answers_of_a_grant_x_lacks() {
        let unsupported = r#"{"error":"unsupported_grant_type","error_description":"x"}"#;
        assert!(exchange_unavailable(&api(400, unsupported)));
        assert!(exchange_unavailable(&api(404, "<html>not found</html>")));
        let naming =
            r#"{"error":"invalid_request","error_description":"Unsupported grant_type value"}"#;
        assert!(exchange_unavailable(&api(400, naming)));
        let other =
            r#"{"error":"invalid_request","error_description":"Missing oauth_token_secret."}"#;
        assert!(!exchange_unavailable(&api(400, other)));
        assert!(!exchange_unavailable(&api(
            400,
            r#"{"error":"invalid_grant"}"#
        )));
        assert!(!exchange_unavailable(&api(503, "")));
    }

    #[test]
    fn secrets_are_scrubbed_from_x_words() {
        let mut e = api(
            400,
            r#"{"error":"invalid_grant","error_description":"token RT-secret-1 is used"}"#,
        );
        scrub_api(&mut e, &["RT-secret-1", ""]);
        assert_eq!(
            e.error_description.as_deref(),
            Some("token <redacted> is used")
        );
    }

    #[test]
    fn a_client_id_is_required_and_shown() {
        assert!(TokenClient::new(Endpoints::default(), " ").is_err());
        let t = TokenClient::new(Endpoints::default(), "cid").unwrap();
        assert!(format!("{t:?}").contains("cid"));
        let p = Pkce {
            verifier: "v".into(),
            challenge: "c".into(),
            state: "s".into(),
        };
        assert!(t
            .authorize_url("http://127.0.0.1:8745/callback", &p)
            .starts_with("https://x.com/i/oauth2/authorize?"));
    }
}
