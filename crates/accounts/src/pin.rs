//! PIN sign-in (OAuth 1.0a out-of-band, docs/protocol.md §3).
//!
//! Contract: [`start`] gets a request token with `oauth_callback=oob` and returns the
//! `/oauth/authorize` URL to open in the system browser; [`finish`] trades the PIN the person
//! typed for the account's Access Token and Secret. The request token's secret stays inside
//! [`PinSession`] (redacted `Debug`). Failures come back as the client's [`Diagnosis`].
//! Replies are read as form-encoded first, then JSON (§3: the docs disagree).

use x_client::sign::{encode_form, parse_form, sign_with_secrets, SignInput};
use x_client::{ApiError, ClientError, Credentials, Diagnosis, Endpoints, ErrorKind};

/// A started sign-in: the request token and its secret.
#[derive(Clone)]
pub struct PinSession {
    endpoints: Endpoints,
    consumer_key: String,
    consumer_secret: String,
    token: String,
    token_secret: String,
    /// The page to open in the browser.
    pub authorize_url: String,
}

impl std::fmt::Debug for PinSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinSession")
            .field("authorize_url", &self.authorize_url)
            .finish_non_exhaustive()
    }
}

impl PinSession {
    /// The request token (public: it is in the authorize URL).
    pub fn request_token(&self) -> &str {
        &self.token
    }
}

/// A finished sign-in.
#[derive(Debug, Clone)]
pub struct PinResult {
    /// The account's keys (consumer pair of the app + the new access pair).
    pub credentials: Credentials,
    /// X user id.
    pub user_id: Option<String>,
    /// Handle without `@`.
    pub screen_name: Option<String>,
}

fn http() -> Result<reqwest::Client, Box<Diagnosis>> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Box::new(Diagnosis::new(ErrorKind::Network, None, e.to_string())))
}

async fn call(
    url: &str,
    authorization: String,
    form: &[(String, String)],
) -> Result<Vec<(String, String)>, Box<Diagnosis>> {
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        .unwrap_or_default();
    let resp = http()?
        .post(url)
        .header("Authorization", authorization)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encode_form(form))
        .send()
        .await
        .map_err(|e| {
            Diagnosis::new(ErrorKind::Network, None, format!("Cannot reach {url}: {e}"))
        })?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(|e| {
        Box::new(Diagnosis::new(
            ErrorKind::Network,
            Some(status),
            e.to_string(),
        ))
    })?;
    if !(200..300).contains(&status) {
        let err = ApiError::parse("POST", &path, status, &headers, &body);
        return Err(Box::new(ClientError::Api(Box::new(err)).diagnosis()));
    }
    let text = String::from_utf8_lossy(&body);
    let pairs = parse_form(&text);
    if pairs.iter().any(|(k, _)| k == "oauth_token") {
        return Ok(pairs);
    }
    // Some documentation shows JSON replies.
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        Box::new(Diagnosis::new(
            ErrorKind::ServerError,
            Some(status),
            "X's sign-in reply could not be read.",
        ))
    })?;
    Ok(json
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default())
}

fn field(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Step 1: a request token (`oauth_callback=oob`) and the authorize URL.
pub async fn start(
    endpoints: Endpoints,
    consumer_key: &str,
    consumer_secret: &str,
) -> Result<PinSession, Box<Diagnosis>> {
    let endpoints = endpoints.normalised();
    let url = format!("{}/oauth/request_token", endpoints.api_base);
    let mut input = SignInput::new("POST", &url);
    input.callback = Some("oob");
    let signed = sign_with_secrets(consumer_key, consumer_secret, None, &input)
        .map_err(|e| Box::new(e.diagnosis()))?;
    let reply = call(&url, signed.authorization, &[]).await?;
    let missing = || {
        Box::new(Diagnosis::new(
            ErrorKind::ServerError,
            Some(200),
            "X did not return a request token.",
        ))
    };
    if field(&reply, "oauth_callback_confirmed").as_deref() != Some("true") {
        return Err(missing());
    }
    let token = field(&reply, "oauth_token").ok_or_else(missing)?;
    let token_secret = field(&reply, "oauth_token_secret").ok_or_else(missing)?;
    let authorize_url = format!(
        "{}/oauth/authorize?oauth_token={}",
        endpoints.api_base,
        x_client::sign::percent_encode(&token)
    );
    Ok(PinSession {
        endpoints,
        consumer_key: consumer_key.to_owned(),
        consumer_secret: consumer_secret.to_owned(),
        token,
        token_secret,
        authorize_url,
    })
}

/// Step 3: trade the PIN for the account's Access Token and Secret.
pub async fn finish(session: &PinSession, pin: &str) -> Result<PinResult, Box<Diagnosis>> {
    let pin = pin.trim();
    if pin.is_empty() || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(Box::new(Diagnosis::new(
            ErrorKind::InvalidCredentials,
            None,
            "The PIN is the number X shows after you authorize the app (digits only).",
        )));
    }
    let url = format!("{}/oauth/access_token", session.endpoints.api_base);
    let mut input = SignInput::new("POST", &url);
    input.verifier = Some(pin);
    let signed = sign_with_secrets(
        &session.consumer_key,
        &session.consumer_secret,
        Some((&session.token, &session.token_secret)),
        &input,
    )
    .map_err(|e| e.diagnosis())?;
    let reply = call(&url, signed.authorization, &[]).await?;
    let missing = || {
        Box::new(Diagnosis::new(
            ErrorKind::ServerError,
            Some(200),
            "X did not return an access token.",
        ))
    };
    Ok(PinResult {
        credentials: Credentials {
            consumer_key: session.consumer_key.clone(),
            consumer_secret: session.consumer_secret.clone(),
            access_token: field(&reply, "oauth_token").ok_or_else(missing)?,
            access_secret: field(&reply, "oauth_token_secret").ok_or_else(missing)?,
        },
        user_id: field(&reply, "user_id"),
        screen_name: field(&reply, "screen_name"),
    })
}
