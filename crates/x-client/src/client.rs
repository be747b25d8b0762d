//! The X client: one shared HTTP client, signed requests, retries, and the v2 account/post calls.
//!
//! Contract: [`XClient`] is cheap to share (`Arc` inside); every request is signed per
//! [`crate::sign`]; rate-limit headers are read from every response and returned with results
//! and errors.
//!
//! # Retries (docs/protocol.md §6.4, §6.5)
//!
//! - **Retried** with capped exponential backoff plus jitter ([`RetryPolicy`]): `GET /2/users/me`,
//!   `DELETE /2/tweets/:id`, every upload call (v1.1 simple/INIT/APPEND/FINALIZE/STATUS, v2
//!   one-shot/initialize/append/finalize/STATUS, alt-text metadata) on 5xx (incl. 503), 429,
//!   timeouts, resets and connection failures. A 429 waits for `x-rate-limit-reset` when that is
//!   within [`RetryPolicy::max_rate_limit_wait`], otherwise it fails at once. A failed APPEND
//!   segment is re-sent alone with the same `segment_index` (X and the simulator overwrite).
//! - **`POST /2/tweets` is sent once and never re-sent** (docs/protocol.md §6.5): a timeout, reset,
//!   5xx or a 2xx without a readable id may follow a post that was created. It is re-sent only
//!   when the request provably never left (connection refused, DNS). On an unknown outcome the
//!   account's own recent posts are read back ([`crate::readback`]): found → the post is
//!   confirmed with its id ([`Confirmation::ReadBack`]); not found, or the read refused →
//!   [`ClientError::UnknownOutcome`] ("may have posted"), for the person to decide. So this
//!   client never creates a post twice. 4xx answers and 429 are returned as they are.
//!
//! # Deadlines
//!
//! Every request has an overall deadline besides the connect and read timeouts:
//! [`ClientConfig::request_timeout`] for calls without a file, plus one second per
//! [`ClientConfig::upload_min_rate`] bytes for a call that carries part of a file.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::credentials::{Credentials, Endpoints};
use crate::diagnosis::{Diagnosis, ErrorKind};
use crate::error::{now_secs, ApiError, ClientError, NetworkFailure};
use crate::ratelimit::RateLimit;
use crate::sign::{encode_form, sign, SignInput};
use crate::text;

/// The most of a response body that is read (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;

/// Retry settings (see the module docs for what is retried).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay; doubles each retry.
    pub base_delay: Duration,
    /// Backoff cap.
    pub max_delay: Duration,
    /// Longest wait for a rate-limit reset before giving up.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Per-read timeout (no byte for this long = timeout).
    pub read_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// APPEND segment size (clamped to 64 KiB–4 MiB). Default 4 MiB: the size X's own xurl
    /// uses (5 MiB got 431, §8); a 413/431 answer restarts the upload with half the size.
    pub chunk_size: usize,
    /// APPEND segments in flight at once. Default 6, chosen by measurement
    /// (`examples/upload_bench.rs`, release build, simulator in its own process, 200 MB video):
    /// with 50 ms latency 4 MiB × 6 takes 0.59 s against 2.79 s sequential and 2.97 s for
    /// 1 MiB × 4 (close to peers' 1 MiB × 3); with no latency every setting ≥ 2 MiB reaches
    /// about 2 GB/s. Segments are streamed from disk, so memory does not grow with it.
    pub append_concurrency: usize,
    /// Overall deadline of STATUS polling.
    pub processing_deadline: Duration,
    /// Age after which a remembered "v2" route decision is re-probed (7 days).
    pub route_ttl: Duration,
    /// Reads of the account's posts when a post's outcome is unknown (§6.5; default 3).
    pub read_back_attempts: u32,
    /// Pause between those reads (timelines lag; default 5 s, so about 10 s in all).
    pub read_back_delay: Duration,
    /// Overall deadline of one request without a file (default 30 s).
    pub request_timeout: Duration,
    /// Slowest acceptable upload, bytes per second: a request carrying `n` bytes of a file
    /// gets `request_timeout + n / upload_min_rate` seconds (default 32 KiB/s).
    pub upload_min_rate: u64,
    /// Trusted root certificates (PEM) replacing the system's, e.g. a TLS simulator's or a
    /// company proxy's CA. Empty = the platform's roots.
    pub root_certs_pem: Vec<Vec<u8>>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            chunk_size: 4 * 1024 * 1024,
            append_concurrency: 6,
            processing_deadline: Duration::from_secs(600),
            route_ttl: Duration::from_secs(7 * 24 * 3600),
            read_back_attempts: 3,
            read_back_delay: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            upload_min_rate: 32 * 1024,
            root_certs_pem: Vec::new(),
        }
    }
}

/// Permission level of the token (`x-access-level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    /// `read`: cannot post (stale token, §11).
    Read,
    /// `read-write`.
    ReadWrite,
    /// `read-write-directmessages`.
    #[serde(rename = "read-write-directmessages")]
    ReadWriteDirectMessages,
    /// Header missing or unknown.
    Unknown,
}

impl AccessLevel {
    /// Parses the header value.
    pub fn parse(s: Option<&str>) -> AccessLevel {
        match s.map(str::trim) {
            Some("read") => AccessLevel::Read,
            Some("read-write") => AccessLevel::ReadWrite,
            Some("read-write-directmessages") => AccessLevel::ReadWriteDirectMessages,
            _ => AccessLevel::Unknown,
        }
    }

    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Read => "read",
            AccessLevel::ReadWrite => "read-write",
            AccessLevel::ReadWriteDirectMessages => "read-write-directmessages",
            AccessLevel::Unknown => "unknown",
        }
    }

    /// Whether the token can post.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            AccessLevel::ReadWrite | AccessLevel::ReadWriteDirectMessages
        )
    }
}

/// The authenticated user (`GET /2/users/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// User id.
    pub id: String,
    /// `@` handle without the `@`.
    pub username: String,
    /// Display name.
    pub name: String,
    /// From `x-access-level`.
    pub access_level: AccessLevel,
    /// Rate-limit headers.
    pub rate_limit: Option<RateLimit>,
    /// Server `Date` minus local time, in seconds, when X sent a `Date` header.
    pub clock_skew_secs: Option<i64>,
}

/// The result of [`XClient::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The account, when the credentials work.
    pub me: Option<Me>,
    /// Problems found (empty = healthy).
    pub problems: Vec<Diagnosis>,
    /// Rate-limit headers of the check.
    pub rate_limit: Option<RateLimit>,
}

impl Health {
    /// No problems.
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Who may reply (`reply_settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ReplySettings {
    /// `following`
    #[serde(rename = "following")]
    Following,
    /// `mentionedUsers`
    #[serde(rename = "mentionedUsers")]
    MentionedUsers,
    /// `subscribers`
    #[serde(rename = "subscribers")]
    Subscribers,
    /// `verified`
    #[serde(rename = "verified")]
    Verified,
}

/// A poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    /// 2–4 options of 1–25 characters.
    pub options: Vec<String>,
    /// 5–10080 minutes.
    pub duration_minutes: u32,
}

/// What to post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRequest {
    /// The text (NFC-normalised before sending).
    pub text: String,
    /// Uploaded media ids (1–4).
    pub media_ids: Vec<String>,
    /// Post being replied to.
    pub reply_to: Option<String>,
    /// Who may reply.
    pub reply_settings: Option<ReplySettings>,
    /// A poll (not with media).
    pub poll: Option<Poll>,
}

impl PostRequest {
    /// A text-only post.
    pub fn text(text: impl Into<String>) -> Self {
        PostRequest {
            text: text.into(),
            ..PostRequest::default()
        }
    }

    /// The JSON body of `POST /2/tweets`.
    pub fn to_json(&self) -> Value {
        let mut body = serde_json::Map::new();
        let text = text::normalize(&self.text);
        if !text.is_empty() || self.media_ids.is_empty() {
            body.insert("text".into(), json!(text));
        }
        if !self.media_ids.is_empty() {
            body.insert("media".into(), json!({ "media_ids": self.media_ids }));
        }
        if let Some(r) = &self.reply_to {
            body.insert("reply".into(), json!({ "in_reply_to_tweet_id": r }));
        }
        if let Some(s) = self.reply_settings {
            body.insert("reply_settings".into(), json!(s));
        }
        if let Some(p) = &self.poll {
            body.insert(
                "poll".into(),
                json!({ "options": p.options, "duration_minutes": p.duration_minutes }),
            );
        }
        Value::Object(body)
    }
}

/// How a post was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confirmation {
    /// X answered 201 with the id.
    Created,
    /// The answer was lost or unreadable; the post was found among the account's own posts
    /// (§6.5 read-back).
    ReadBack,
}

impl Confirmation {
    /// The wire name (`created`, `read-back`).
    pub fn as_str(self) -> &'static str {
        match self {
            Confirmation::Created => "created",
            Confirmation::ReadBack => "read-back",
        }
    }
}

/// A created post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// Post id.
    pub id: String,
    /// The text X echoed (may differ: t.co links).
    pub text: String,
    /// How the outcome was established.
    pub confirmation: Confirmation,
    /// Rate-limit headers.
    pub rate_limit: Option<RateLimit>,
}

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
    /// JSON (unsigned); the flag sets `charset=UTF-8` (v1.1 metadata).
    Json(Value, bool),
    /// Form (signed).
    Form(Vec<(String, String)>),
    /// Multipart (unsigned).
    Multipart(Vec<Field>),
}

/// The X API client.
#[derive(Clone)]
pub struct XClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub endpoints: Endpoints,
    pub credentials: Credentials,
    pub config: ClientConfig,
    /// The account's user id, once `GET /2/users/me` told it (read-back needs it).
    pub user_id: Mutex<Option<String>>,
}

impl std::fmt::Debug for XClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XClient")
            .field("endpoints", &self.inner.endpoints)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

pub(crate) fn path_of(url: &str) -> String {
    let after = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = after.find('/').map(|i| &after[i..]).unwrap_or("/");
    path.split('?').next().unwrap_or(path).to_owned()
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
    /// A client with default settings.
    pub fn new(endpoints: Endpoints, credentials: Credentials) -> Result<Self, ClientError> {
        Self::with_config(endpoints, credentials, ClientConfig::default())
    }

    /// A client with explicit settings.
    pub fn with_config(
        endpoints: Endpoints,
        credentials: Credentials,
        config: ClientConfig,
    ) -> Result<Self, ClientError> {
        let credentials = credentials.trimmed();
        let missing = credentials.missing();
        if !missing.is_empty() {
            return Err(ClientError::Config(format!(
                "missing credential values: {}",
                missing.join(", ")
            )));
        }
        let endpoints = endpoints.normalised();
        for base in [&endpoints.api_base, &endpoints.upload_base] {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(ClientError::Config(format!(
                    "base URL must start with http:// or https://: {base}"
                )));
            }
            // A password in a base URL would be copied into messages and files (PB-19).
            let authority = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
            let authority = authority.split(['/', '?', '#']).next().unwrap_or(authority);
            if authority.contains('@') {
                return Err(ClientError::Config(
                    "a base URL must not contain a user name or password (user:pass@…); configure the proxy's credentials outside Postbridge".into(),
                ));
            }
        }
        let mut roots = Vec::new();
        for pem in &config.root_certs_pem {
            roots.push(
                reqwest::Certificate::from_pem(pem)
                    .map_err(|e| ClientError::Config(format!("not a PEM certificate: {e}")))?,
            );
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .user_agent(concat!("postbridge/", env!("CARGO_PKG_VERSION")));
        if !roots.is_empty() {
            builder = builder.tls_certs_only(roots);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(XClient {
            inner: Arc::new(Inner {
                http,
                endpoints,
                credentials,
                config,
                user_id: Mutex::new(None),
            }),
        })
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The settings in use.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        format!("{}{}", self.inner.endpoints.api_base, path)
    }

    pub(crate) fn upload_url(&self, path: &str) -> String {
        format!("{}{}", self.inner.endpoints.upload_base, path)
    }

    /// Sends one signed request, without retries. Non-2xx → [`ClientError::Api`].
    pub(crate) async fn send_once(
        &self,
        method: Method,
        url: &str,
        payload: &Payload,
    ) -> Result<Resp, ClientError> {
        let path = path_of(url);
        let what = format!("{method} {path}");
        let form: &[(String, String)] = match payload {
            Payload::Form(f) => f,
            _ => &[],
        };
        let mut input = SignInput::new(method.as_str(), url);
        input.form = form;
        let signed = sign(&self.inner.credentials, &input)?;
        let mut req = self
            .inner
            .http
            .request(method.clone(), url)
            .header(AUTHORIZATION, signed.authorization);
        req = match payload {
            Payload::None => req,
            Payload::Json(v, charset) => {
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
            Err(ClientError::Api(Box::new(ApiError::parse(
                method.as_str(),
                &path,
                status,
                &headers,
                &body,
            ))))
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

    /// Sends with retries while `retryable(err)` holds; cancellable.
    pub(crate) async fn send_retrying(
        &self,
        method: Method,
        url: &str,
        payload: &Payload,
        cancel: Option<&CancellationToken>,
        retryable: fn(&ClientError) -> bool,
    ) -> Result<Resp, ClientError> {
        self.send_retrying_tracked(method, url, payload, cancel, retryable)
            .await
            .0
    }

    /// As [`Self::send_retrying`], also telling whether an earlier attempt failed in a way that
    /// may have been processed by X (so a later 4xx may be the echo of that success).
    pub(crate) async fn send_retrying_tracked(
        &self,
        method: Method,
        url: &str,
        payload: &Payload,
        cancel: Option<&CancellationToken>,
        retryable: fn(&ClientError) -> bool,
    ) -> (Result<Resp, ClientError>, bool) {
        let mut attempt = 0u32;
        let mut maybe_processed = false;
        loop {
            let fut = self.send_once(method.clone(), url, payload);
            let result = match cancel {
                Some(c) => tokio::select! {
                    _ = c.cancelled() => return (Err(ClientError::Cancelled), maybe_processed),
                    r = fut => r,
                },
                None => fut.await,
            };
            let err = match result {
                Ok(r) => return (Ok(r), maybe_processed),
                Err(e) => e,
            };
            if attempt >= self.inner.config.retry.max_retries || !retryable(&err) {
                return (Err(err), maybe_processed);
            }
            let Some(delay) = self.backoff(attempt, &err) else {
                return (Err(err), maybe_processed);
            };
            maybe_processed |= is_unknown_outcome(&err);
            if let Err(e) = sleep_cancellable(delay, cancel).await {
                return (Err(e), maybe_processed);
            }
            attempt += 1;
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
    }

    /// `GET /2/users/me`: the user and the token's access level. Retried (§6.4).
    pub async fn me(&self) -> Result<Me, ClientError> {
        let r = self.get(&self.api_url("/2/users/me")).await?;
        let v = r.json("/2/users/me")?;
        let data = &v["data"];
        let get = |k: &str| data[k].as_str().map(str::to_owned);
        let (Some(id), Some(username)) = (get("id"), get("username")) else {
            return Err(ClientError::Unexpected {
                path: "/2/users/me".into(),
                message: "no data.id / data.username".into(),
            });
        };
        Ok(Me {
            id,
            username,
            name: get("name").unwrap_or_default(),
            access_level: AccessLevel::parse(
                r.headers
                    .get("x-access-level")
                    .and_then(|v| v.to_str().ok()),
            ),
            rate_limit: r.rate_limit(),
            clock_skew_secs: server_date(&r.headers).map(|server| {
                let local = i64::try_from(now_secs()).unwrap_or(i64::MAX);
                i64::try_from(server)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(local)
            }),
        })
    }

    /// The credential check of the setup wizard and `postbridge doctor`: `GET /2/users/me`,
    /// then what its answer reveals (read-only token, clock skew). Healthy = no problems.
    pub async fn check(&self) -> Health {
        match self.me().await {
            Ok(me) => {
                let mut problems = Vec::new();
                if me.access_level == AccessLevel::Read {
                    problems.push(Diagnosis::new(
                        ErrorKind::ReadOnlyToken,
                        None,
                        "x-access-level: read — this token cannot post",
                    ));
                }
                if let Some(skew) = me
                    .clock_skew_secs
                    .filter(|s| s.unsigned_abs() > crate::error::CLOCK_SKEW_SECS)
                {
                    problems.push(Diagnosis::new(
                        ErrorKind::ClockSkew,
                        None,
                        format!(
                            "this clock differs from X's by {skew} s; signed requests may start failing"
                        ),
                    ));
                }
                let rate_limit = me.rate_limit;
                Health {
                    me: Some(me),
                    problems,
                    rate_limit,
                }
            }
            Err(e) => {
                let d = e.diagnosis();
                Health {
                    me: None,
                    rate_limit: d.rate_limit,
                    problems: vec![d],
                }
            }
        }
    }

    /// `DELETE /2/tweets/:id`. Retried (deleting twice is harmless).
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClientError::Config(format!("not a post id: {id:?}")));
        }
        let url = self.api_url(&format!("/2/tweets/{id}"));
        self.send_retrying(
            Method::DELETE,
            &url,
            &Payload::None,
            None,
            ClientError::is_transient,
        )
        .await?;
        Ok(())
    }

    /// `POST /1.1/oauth/invalidate_token`: revokes this access token (disconnecting the account).
    pub async fn invalidate_token(&self) -> Result<(), ClientError> {
        let url = self.api_url("/1.1/oauth/invalidate_token");
        self.send_retrying(
            Method::POST,
            &url,
            &Payload::Form(Vec::new()),
            None,
            ClientError::is_transient,
        )
        .await?;
        Ok(())
    }

    /// `POST /2/tweets`, never creating a post twice (module docs, §6.5).
    pub async fn post(&self, req: &PostRequest) -> Result<Posted, ClientError> {
        self.post_armed_at(req, SystemTime::now()).await
    }

    /// As [`Self::post`], for a request armed (durably recorded) at `armed_at`: the read-back
    /// of an unknown outcome starts from there.
    pub async fn post_armed_at(
        &self,
        req: &PostRequest,
        armed_at: SystemTime,
    ) -> Result<Posted, ClientError> {
        text::check_length(&text::normalize(&req.text))?;
        if let Some(problem) = text::control_problem(&req.text, "post text") {
            return Err(ClientError::TextRefused(problem));
        }
        let url = self.api_url("/2/tweets");
        let payload = Payload::Json(req.to_json(), false);
        // Only a request that provably never left is sent again.
        let first = self
            .send_retrying(Method::POST, &url, &payload, None, |e| {
                matches!(
                    e,
                    ClientError::Network {
                        failure: NetworkFailure::Connect,
                        ..
                    }
                )
            })
            .await;
        let (unknown, status) = match first {
            Ok(r) => match parse_posted(&r) {
                Ok(p) => return Ok(p),
                Err(e) => (e, Some(r.status)),
            },
            Err(e) if is_unknown_outcome(&e) => {
                let status = e.status();
                (e, status)
            }
            Err(e) => return Err(e),
        };
        self.settle_unknown(req, armed_at, &unknown, status).await
    }

    /// Reads back a post whose send had the unknown outcome `unknown` (§6.5).
    async fn settle_unknown(
        &self,
        req: &PostRequest,
        armed_at: SystemTime,
        unknown: &ClientError,
        status: Option<u16>,
    ) -> Result<Posted, ClientError> {
        match self.find_post(req, armed_at, &[]).await {
            Ok(Some(id)) => Ok(Posted {
                id,
                text: text::normalize(&req.text),
                confirmation: Confirmation::ReadBack,
                rate_limit: None,
            }),
            Ok(None) => Err(ClientError::UnknownOutcome {
                status,
                message: format!(
                    "{unknown}. The post was not found among the account's recent posts, but X may show it later; check the profile before posting it again"
                ),
            }),
            Err(read) => Err(ClientError::UnknownOutcome {
                status,
                message: format!(
                    "{unknown}. The account's posts could not be read to check ({read}); check the profile before posting it again"
                ),
            }),
        }
    }
}

/// The `Date` header as Unix seconds.
fn server_date(headers: &HeaderMap) -> Option<u64> {
    let s = headers.get("date")?.to_str().ok()?;
    let t = httpdate::parse_http_date(s).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

fn is_unknown_outcome(e: &ClientError) -> bool {
    match e {
        ClientError::Api(a) => a.status >= 500,
        ClientError::Network { failure, .. } => *failure != NetworkFailure::Connect,
        ClientError::Unexpected { .. } => true,
        _ => false,
    }
}

/// The created post of a 2xx answer; a body without a readable `data.id` is an
/// [`ClientError::Unexpected`] — an unknown outcome, since X may have created the post.
fn parse_posted(r: &Resp) -> Result<Posted, ClientError> {
    let v = r.json("/2/tweets")?;
    let id = crate::readback::id_of(&v["data"]["id"]);
    match id {
        Some(id) => Ok(Posted {
            id,
            text: v["data"]["text"].as_str().unwrap_or_default().to_owned(),
            confirmation: Confirmation::Created,
            rate_limit: r.rate_limit(),
        }),
        None => Err(ClientError::Unexpected {
            path: "/2/tweets".into(),
            message: "no data.id in the answer".into(),
        }),
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
    fn post_body() {
        let mut r = PostRequest::text("cafe\u{301}");
        r.media_ids = vec!["1".into()];
        r.reply_to = Some("9".into());
        r.reply_settings = Some(ReplySettings::MentionedUsers);
        assert_eq!(
            r.to_json(),
            json!({"text":"caf\u{e9}","media":{"media_ids":["1"]},"reply":{"in_reply_to_tweet_id":"9"},"reply_settings":"mentionedUsers"})
        );
        let m = PostRequest {
            media_ids: vec!["2".into()],
            ..PostRequest::default()
        };
        assert_eq!(m.to_json(), json!({"media":{"media_ids":["2"]}}));
    }

    #[test]
    fn paths() {
        assert_eq!(
            path_of("http://127.0.0.1:5/2/media/upload?command=STATUS"),
            "/2/media/upload"
        );
        assert_eq!(path_of("https://api.x.com"), "/");
    }

    #[test]
    fn access_levels() {
        assert_eq!(AccessLevel::parse(Some("read")), AccessLevel::Read);
        assert!(!AccessLevel::Read.can_write());
        assert!(AccessLevel::parse(Some("read-write-directmessages")).can_write());
        assert_eq!(
            serde_json::to_string(&AccessLevel::ReadWriteDirectMessages).unwrap(),
            "\"read-write-directmessages\""
        );
    }

    #[test]
    fn config_errors_name_the_problem() {
        let c = Credentials {
            consumer_key: "k".into(),
            consumer_secret: " ".into(),
            access_token: "t".into(),
            access_secret: "s".into(),
        };
        let e = XClient::new(Endpoints::default(), c)
            .unwrap_err()
            .to_string();
        assert!(e.contains("consumer_secret"), "{e}");
        let ok = Credentials {
            consumer_key: "k".into(),
            consumer_secret: "cs".into(),
            access_token: "t".into(),
            access_secret: "s".into(),
        };
        let with_password = Endpoints {
            api_base: "https://user:hunter2@proxy.example".into(),
            upload_base: "https://upload.x.com".into(),
        };
        let e = XClient::new(with_password, ok).unwrap_err().to_string();
        assert!(e.contains("user name or password"), "{e}");
        assert!(!e.contains("hunter2"), "the password is not repeated: {e}");
    }
}
