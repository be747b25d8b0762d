//! The X client: [`XClient`], its settings ([`ClientConfig`], [`RetryPolicy`]) and the retry
//! contract every call follows.
//!
//! Contract: [`XClient`] is cheap to share (`Arc` inside); it authenticates with an
//! [`Auth`]: OAuth 1.0a (every request signed per [`crate::sign`]) or an OAuth 2.0 user token
//! (`Authorization: Bearer`, v2 routes only — see [`crate::upload`] for the route rules);
//! rate-limit headers are read from every response and returned with results
//! and errors. The calls live by concern: `transport.rs` (one signed send, the retry loop),
//! `tweets.rs` ([`XClient::post`], [`XClient::delete`]), `users.rs` ([`XClient::me`],
//! [`XClient::check`], [`XClient::invalidate_token`]), `upload.rs` and `readback.rs`; their
//! types are re-exported here.
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
use std::time::Duration;

use crate::credentials::{Auth, BearerToken, Credentials, Endpoints};
use crate::error::ClientError;

pub use crate::transport::MAX_BODY;
pub use crate::tweets::{Confirmation, Poll, PostRequest, Posted, ReplySettings};
pub use crate::users::{AccessLevel, Health, Me};

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

/// The X API client.
#[derive(Clone)]
pub struct XClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub http: reqwest::Client,
    pub endpoints: Endpoints,
    /// `None` only for the token endpoint's public-client calls ([`crate::oauth2::TokenClient`]).
    pub auth: Option<Auth>,
    pub config: ClientConfig,
    /// The account's user id, once `GET /2/users/me` told it (read-back needs it).
    pub user_id: Mutex<Option<String>>,
    /// OAuth 2.0: who gives another token after a 401 ([`crate::renew`]).
    pub renewer: Option<Arc<dyn crate::renew::TokenRenewer>>,
    /// OAuth 2.0: the token a renewal gave, used instead of the one in `auth`.
    pub renewed: Mutex<Option<BearerToken>>,
}

impl Inner {
    /// A copy sharing the HTTP client and settings (the user id and renewed token carried over).
    pub(crate) fn clone_parts(&self) -> Inner {
        Inner {
            http: self.http.clone(),
            endpoints: self.endpoints.clone(),
            auth: self.auth.clone(),
            config: self.config.clone(),
            user_id: Mutex::new(
                self.user_id
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            ),
            renewer: self.renewer.clone(),
            renewed: Mutex::new(
                self.renewed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            ),
        }
    }
}

impl std::fmt::Debug for XClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XClient")
            .field("endpoints", &self.inner.endpoints)
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl XClient {
    /// An OAuth 1.0a client with default settings.
    pub fn new(endpoints: Endpoints, credentials: Credentials) -> Result<Self, ClientError> {
        Self::with_config(endpoints, credentials, ClientConfig::default())
    }

    /// An OAuth 1.0a client with explicit settings.
    pub fn with_config(
        endpoints: Endpoints,
        credentials: Credentials,
        config: ClientConfig,
    ) -> Result<Self, ClientError> {
        Self::with_auth(endpoints, Auth::OAuth1(credentials), config)
    }

    /// An OAuth 2.0 client (a user access token) with default settings.
    pub fn new_oauth2(endpoints: Endpoints, token: BearerToken) -> Result<Self, ClientError> {
        Self::with_auth(endpoints, Auth::OAuth2(token), ClientConfig::default())
    }

    /// A client of either kind with explicit settings.
    pub fn with_auth(
        endpoints: Endpoints,
        auth: Auth,
        config: ClientConfig,
    ) -> Result<Self, ClientError> {
        let auth = match auth {
            Auth::OAuth1(credentials) => {
                let credentials = credentials.trimmed();
                let missing = credentials.missing();
                if !missing.is_empty() {
                    return Err(ClientError::Config(format!(
                        "missing credential values: {}",
                        missing.join(", ")
                    )));
                }
                Auth::OAuth1(credentials)
            }
            Auth::OAuth2(token) => {
                if token.secret().is_empty() {
                    return Err(ClientError::Config(
                        "missing credential values: access_token".into(),
                    ));
                }
                if reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.secret()))
                    .is_err()
                {
                    return Err(ClientError::Config(
                        "the OAuth 2.0 access token contains characters X never sends; sign in again"
                            .into(),
                    ));
                }
                Auth::OAuth2(token)
            }
        };
        Self::build(endpoints, Some(auth), config)
    }

    /// The client under every constructor; `auth: None` is the token endpoint's public client.
    pub(crate) fn build(
        endpoints: Endpoints,
        auth: Option<Auth>,
        config: ClientConfig,
    ) -> Result<Self, ClientError> {
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
                auth,
                config,
                user_id: Mutex::new(None),
                renewer: None,
                renewed: Mutex::new(None),
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

    /// Whether this client sends an OAuth 2.0 user token (v2 routes only).
    pub fn uses_oauth2(&self) -> bool {
        self.inner.auth.as_ref().is_some_and(Auth::is_oauth2)
    }

    /// The scopes granted to the OAuth 2.0 token, when known (`None` for OAuth 1.0a).
    pub fn granted_scopes(&self) -> Option<&[String]> {
        match &self.inner.auth {
            Some(Auth::OAuth2(t)) => t.scopes(),
            _ => None,
        }
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        format!("{}{}", self.inner.endpoints.api_base, path)
    }

    pub(crate) fn upload_url(&self, path: &str) -> String {
        format!("{}{}", self.inner.endpoints.upload_base, path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

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

    #[test]
    fn oauth2_tokens_are_checked_without_being_repeated() {
        let e = XClient::new_oauth2(Endpoints::default(), BearerToken::new("  "))
            .unwrap_err()
            .to_string();
        assert!(e.contains("access_token"), "{e}");
        let e = XClient::new_oauth2(Endpoints::default(), BearerToken::new("sekret\nline"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("sekret"), "{e}");
        let c = XClient::new_oauth2(
            Endpoints::default(),
            BearerToken::with_scopes("sekret", vec!["tweet.read".into()]),
        )
        .unwrap();
        assert!(c.uses_oauth2());
        assert_eq!(c.granted_scopes(), Some(&["tweet.read".to_owned()][..]));
        assert!(!format!("{c:?}").contains("sekret"));
    }
}
