//! The transport under every call: request bodies ([`Payload`]), one signed send
//! ([`XClient::send_once`]) and the retry loop ([`XClient::send_retrying`]).
//!
//! Contract: with OAuth 1.0a every request is signed per [`crate::sign`] (form fields signed,
//! JSON and multipart bodies not); with OAuth 2.0 it carries `Authorization: Bearer` (a header
//! marked sensitive, never in a URL or an error), and a failed answer records what the client
//! knew about the token ([`crate::error::BearerCall`]) for the diagnosis; the token endpoint's
//! public-client calls carry no `Authorization` at all. Every request has the overall deadline of [`crate::client`]'s module docs; at
//! most [`MAX_BODY`] bytes of an answer are read; a non-2xx answer is [`ClientError::Api`]
//! with X's problem parsed. What is retried, and how long to wait, is the retry contract in
//! [`crate::client`]'s module docs: the caller passes the `retryable` test, [`XClient::backoff`]
//! picks the delay, and [`Sent::maybe_processed`] tells whether an earlier attempt may have
//! been processed by X. File parts of multipart bodies are streamed from disk and re-read on
//! each attempt.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::client::XClient;
use crate::credentials::Auth;
use crate::error::{now_secs, ApiError, BearerCall, ClientError, NetworkFailure};
use crate::ratelimit::RateLimit;
use crate::sign::{encode_form, sign, SignInput};

/// The most of a response body that is read (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// A successful response.
#[derive(Debug, Clone)]
pub(crate) struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub(crate) fn json(&self, path: &str) -> Result<Value, ClientError> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| ClientError::Unexpected {
            path: path.to_owned(),
            message: format!("HTTP {} body is not JSON ({e})", self.status),
        })
    }

    pub(crate) fn rate_limit(&self) -> Option<RateLimit> {
        RateLimit::from_headers(&self.headers)
    }
}

/// One multipart field.
#[derive(Debug, Clone)]
pub(crate) enum Field {
    Text(&'static str, String),
    /// `len` bytes of a file from `offset`, streamed from disk (re-read on each attempt).
    File {
        name: &'static str,
        path: std::path::PathBuf,
        offset: u64,
        len: u64,
        mime: String,
    },
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    None,
    /// JSON (unsigned).
    Json {
        /// The document.
        body: Value,
        /// Sent as `application/json; charset=UTF-8` (v1.1 metadata) rather than plain
        /// `application/json`.
        charset: bool,
    },
    /// Form (signed).
    Form(Vec<(String, String)>),
    /// Multipart (unsigned).
    Multipart(Vec<Field>),
}

/// What [`XClient::send_retrying`] ended with.
#[derive(Debug)]
pub(crate) struct Sent {
    /// The last attempt's answer.
    pub result: Result<Resp, ClientError>,
    /// An earlier attempt failed in a way X may have processed (timeout, reset, 5xx), so a
    /// later 4xx may be the echo of that success (FINALIZE then asks STATUS, `upload.rs`).
    pub maybe_processed: bool,
}

/// The path of `url` without its query: how errors and diagnoses name an endpoint.
pub(crate) fn path_of(url: &str) -> String {
    Url::parse(url).map_or_else(|_| "/".to_owned(), |u| u.path().to_owned())
}

fn network_error(e: &reqwest::Error, what: &str) -> ClientError {
    let failure = if e.is_connect() {
        NetworkFailure::Connect
    } else if e.is_timeout() {
        NetworkFailure::Timeout
    } else {
        NetworkFailure::Other
    };
    // reqwest's Display may include the URL; our URLs carry no secrets.
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    ClientError::Network {
        failure,
        what: what.to_owned(),
        message,
    }
}

impl XClient {
    /// Sends one signed request, without retries. Non-2xx → [`ClientError::Api`]. An OAuth 2.0
    /// token X answers 401 to is renewed once and the request sent again ([`crate::renew`]).
    pub(crate) async fn send_once(
        &self,
        method: Method,
        url: &str,
        payload: &Payload,
    ) -> Result<Resp, ClientError> {
        let bearer = self.current_bearer();
        let first = self
            .send_once_as(method.clone(), url, payload, bearer.as_ref())
            .await;
        match (&first, &bearer) {
            (Err(ClientError::Api(e)), Some(sent)) if e.status == 401 => {
                match self.renew_after_401(sent).await? {
                    // A 401 created nothing: the same request goes again with the new token.
                    Some(token) => self.send_once_as(method, url, payload, Some(&token)).await,
                    None => first,
                }
            }
            _ => first,
        }
    }

    /// [`Self::send_once`] with `bearer` as the OAuth 2.0 token (ignored for OAuth 1.0a).
    async fn send_once_as(
        &self,
        method: Method,
        url: &str,
        payload: &Payload,
        bearer: Option<&crate::credentials::BearerToken>,
    ) -> Result<Resp, ClientError> {
        let path = path_of(url);
        let what = format!("{method} {path}");
        let form: &[(String, String)] = match payload {
            Payload::Form(f) => f,
            _ => &[],
        };
        let mut req = self.inner.http.request(method.clone(), url);
        match &self.inner.auth {
            Some(Auth::OAuth1(credentials)) => {
                let mut input = SignInput::new(method.as_str(), url);
                input.form = form;
                let signed = sign(credentials, &input)?;
                req = req.header(AUTHORIZATION, signed.authorization);
            }
            Some(Auth::OAuth2(original)) => {
                let token = bearer.unwrap_or(original);
                let mut value =
                    reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.secret()))
                        .map_err(|_| {
                        ClientError::Config(
                            "the OAuth 2.0 access token cannot be sent in a header".into(),
                        )
                    })?;
                value.set_sensitive(true);
                req = req.header(AUTHORIZATION, value);
            }
            // The token endpoint: a public client names itself in the form body.
            None => {}
        }
        req = match payload {
            Payload::None => req,
            Payload::Json { body: v, charset } => {
                let ct = if *charset {
                    "application/json; charset=UTF-8"
                } else {
                    "application/json"
                };
                let body = serde_json::to_vec(v)
                    .map_err(|e| ClientError::Config(format!("cannot encode JSON: {e}")))?;
                req.header(CONTENT_TYPE, ct).body(body)
            }
            Payload::Form(f) => req
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(encode_form(f)),
            Payload::Multipart(fields) => {
                let mut form = reqwest::multipart::Form::new();
                for field in fields {
                    form = match field {
                        Field::Text(k, v) => form.text(*k, v.clone()),
                        Field::File {
                            name,
                            path,
                            offset,
                            len,
                            mime,
                        } => {
                            use tokio::io::{AsyncReadExt, AsyncSeekExt};
                            let io = |e: std::io::Error| ClientError::Io {
                                path: crate::media::shown_name(path),
                                message: e.to_string(),
                            };
                            let mut file = tokio::fs::File::open(path).await.map_err(io)?;
                            if *offset > 0 {
                                file.seek(std::io::SeekFrom::Start(*offset))
                                    .await
                                    .map_err(io)?;
                            }
                            let stream = tokio_util::io::ReaderStream::with_capacity(
                                file.take(*len),
                                64 * 1024,
                            );
                            let part = reqwest::multipart::Part::stream_with_length(
                                reqwest::Body::wrap_stream(stream),
                                *len,
                            )
                            .file_name("media")
                            .mime_str(mime)
                            .map_err(|e| ClientError::Config(format!("bad MIME type: {e}")))?;
                            form.part(*name, part)
                        }
                    };
                }
                req.multipart(form)
            }
        };
        let file_bytes: u64 = match payload {
            Payload::Multipart(fields) => fields
                .iter()
                .map(|f| match f {
                    Field::File { len, .. } => *len,
                    Field::Text(..) => 0,
                })
                .sum(),
            _ => 0,
        };
        let cfg = &self.inner.config;
        let deadline = cfg
            .request_timeout
            .saturating_add(Duration::from_secs(file_bytes / cfg.upload_min_rate.max(1)));
        let req = req.timeout(deadline);
        let mut resp = req.send().await.map_err(|e| network_error(&e, &what))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        // X's answers are small JSON: a body over the cap is cut there (PB-17), which at
        // worst makes it unreadable (an unknown outcome for a post, never a crash).
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| network_error(&e, &what))? {
            let room = MAX_BODY.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                break;
            }
        }
        let body = body.freeze();
        if (200..300).contains(&status) {
            Ok(Resp {
                status,
                headers,
                body,
            })
        } else {
            let mut e = ApiError::parse(method.as_str(), &path, status, &headers, &body);
            if let Some(Auth::OAuth2(original)) = &self.inner.auth {
                let token = bearer.unwrap_or(original);
                e.bearer = Some(BearerCall {
                    granted: token.scopes().map(<[String]>::to_vec),
                    required: crate::oauth2::required_scopes(method.as_str(), &path),
                });
            }
            Err(ClientError::Api(Box::new(e)))
        }
    }

    /// The delay before retry number `attempt` (0-based) after `err`, or `None` to give up.
    pub(crate) fn backoff(&self, attempt: u32, err: &ClientError) -> Option<Duration> {
        let p = &self.inner.config.retry;
        if let Some(api) = err.api() {
            if api.status == 429 {
                if let Some(reset) = api.rate_limit.and_then(|r| r.reset_at()) {
                    let wait = Duration::from_secs(reset.saturating_sub(now_secs()) + 1);
                    return (wait <= p.max_rate_limit_wait).then_some(wait);
                }
            }
        }
        let exp = p
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(p.max_delay);
        let jitter_ms = u64::try_from(p.base_delay.as_millis()).unwrap_or(0) / 2;
        Some(exp + Duration::from_millis(fastrand::u64(0..=jitter_ms)))
    }

    /// Sends with retries while `retryable(err)` holds (module docs of [`crate::client`]);
    /// cancellable.
    pub(crate) async fn send_retrying(
        &self,
        method: Method,
        url: &str,
        payload: &Payload,
        cancel: Option<&CancellationToken>,
        retryable: impl Fn(&ClientError) -> bool,
    ) -> Sent {
        let mut attempt = 0u32;
        let mut maybe_processed = false;
        let result = loop {
            let fut = self.send_once(method.clone(), url, payload);
            let result = match cancel {
                Some(c) => tokio::select! {
                    _ = c.cancelled() => break Err(ClientError::Cancelled),
                    r = fut => r,
                },
                None => fut.await,
            };
            let err = match result {
                Ok(r) => break Ok(r),
                Err(e) => e,
            };
            if attempt >= self.inner.config.retry.max_retries || !retryable(&err) {
                break Err(err);
            }
            let Some(delay) = self.backoff(attempt, &err) else {
                break Err(err);
            };
            maybe_processed |= is_unknown_outcome(&err);
            if let Err(e) = sleep_cancellable(delay, cancel).await {
                break Err(e);
            }
            attempt += 1;
        };
        Sent {
            result,
            maybe_processed,
        }
    }

    /// A signed `GET`, retried on transient failures (§6.4).
    pub(crate) async fn get(&self, url: &str) -> Result<Resp, ClientError> {
        self.send_retrying(
            Method::GET,
            url,
            &Payload::None,
            None,
            ClientError::is_transient,
        )
        .await
        .result
    }
}

/// Whether X may have processed a request that failed this way (5xx, timeout, reset, an
/// unreadable answer): the outcome of a post is then unknown (§6.5).
pub(crate) fn is_unknown_outcome(e: &ClientError) -> bool {
    match e {
        ClientError::Api(a) => a.status >= 500,
        ClientError::Network { failure, .. } => *failure != NetworkFailure::Connect,
        ClientError::Unexpected { .. } => true,
        _ => false,
    }
}

/// Sleeps, or returns [`ClientError::Cancelled`] when cancelled first.
pub(crate) async fn sleep_cancellable(
    d: Duration,
    cancel: Option<&CancellationToken>,
) -> Result<(), ClientError> {
    match cancel {
        Some(c) => tokio::select! {
            _ = c.cancelled() => Err(ClientError::Cancelled),
            _ = tokio::time::sleep(d) => Ok(()),
        },
        None => {
            tokio::time::sleep(d).await;
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            path_of("http://127.0.0.1:5/2/media/upload?command=STATUS"),
            "/2/media/upload"
        );
        assert_eq!(path_of("https://api.x.com"), "/");
    }
}
