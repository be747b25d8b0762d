//! Simulator configuration: the start-up [`SimConfig`] and the run-time switchable [`Modes`]
//! and [`Faults`] (the network, [`Link`], has its own module, [`crate::link`]).
//!
//! Contract: every type here has a `Default` that gives a working, permissive-but-strict
//! simulator (pay-per-use plan with credits, v1.1 upload alive, no faults). `Modes` and
//! `Faults` are (de)serialised with the exact JSON names documented in the crate docs and
//! accepted by `POST /_sim/mode` and `POST /_sim/faults`; unknown JSON keys are rejected.
//!
//! Which `Host` headers the API routes accept is decided here
//! ([`SimConfig::any_api_host`], [`SimConfig::api_hosts`]); the `/_sim/` control API always
//! requires a loopback `Host` whatever the configuration (see [`crate::guard`]).

use std::net::{Ipv4Addr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::link::Link;

/// Start-up configuration of a simulator instance.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address of the API base (`/2/…`, `/oauth/…`, `/1.1/statuses/…`, `/_sim/…`).
    /// Default `127.0.0.1:0` (an ephemeral port).
    pub api_addr: SocketAddr,
    /// Address of the legacy upload base (`/1.1/media/…`); `None` = a separate ephemeral
    /// port on 127.0.0.1.
    pub upload_addr: Option<SocketAddr>,
    /// Seed of the RNG behind ids, tokens, PINs and faults.
    pub seed: u64,
    /// Accepted distance between `oauth_timestamp` and the simulator clock (default 300 s).
    pub timestamp_window_secs: u64,
    /// Reject a nonce seen before for the same consumer key within the window (default on).
    pub nonce_check: bool,
    /// Extra origins (e.g. `https://api.twitter.com`) whose base URLs also verify, for
    /// clients that sign the production URL before a proxy rewrites it. Empty by default:
    /// only the URL as received verifies.
    pub extra_signing_origins: Vec<String>,
    /// Take the signed scheme from `X-Forwarded-Proto` (for a TLS-terminating proxy in
    /// front of the simulator, as tweepy's forced `https://` needs). Off by default.
    /// Being behind a proxy, the API routes then accept any `Host` (see
    /// [`SimConfig::any_api_host`]).
    pub trust_forwarded_proto: bool,
    /// More `Host` values the API routes accept besides `127.0.0.1:PORT`, `localhost:PORT`
    /// and `[::1]:PORT` of the listener's port, for clients that keep X's host names and are
    /// routed to the simulator by their transport: `"api.x.com"` (any port or none),
    /// `"api.x.com:8443"` (that port only), `"*"` (any `Host`). [`X_HOSTS`] lists X's names.
    /// Never applies to the `/_sim/` control API. Empty by default.
    pub api_hosts: Vec<String>,
    /// Caps on kept state and connections (PB-38); defaults in [`crate::limits`].
    pub limits: Limits,
    /// Serve HTTPS instead of HTTP on both listeners (for clients that insist on
    /// `https://`, e.g. tweepy). `None` = plain HTTP.
    pub tls: Option<TlsPem>,
    /// The run-time modes the simulator starts with.
    pub modes: Modes,
    /// The network the simulator starts with (and `POST /_sim/reset` restores); default:
    /// loopback as it is ([`crate::link`]).
    pub link: Link,
}

/// A PEM certificate chain and private key for [`SimConfig::tls`].
#[derive(Clone)]
pub struct TlsPem {
    /// PEM certificate chain (leaf first).
    pub cert_pem: Vec<u8>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsPem")
            .field("cert_pem", &self.cert_pem.len())
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            api_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            upload_addr: None,
            seed: 0x5eed,
            timestamp_window_secs: 300,
            nonce_check: true,
            extra_signing_origins: Vec::new(),
            trust_forwarded_proto: false,
            api_hosts: Vec::new(),
            limits: Limits::default(),
            tls: None,
            modes: Modes::default(),
            link: Link::default(),
        }
    }
}

/// X's API and upload host names, for [`SimConfig::api_hosts`].
pub const X_HOSTS: &[&str] = &[
    "api.x.com",
    "upload.x.com",
    "api.twitter.com",
    "upload.twitter.com",
];

impl SimConfig {
    /// Whether the API routes accept any `Host` (today's behaviour before PB-12): when a
    /// listener is bound to a non-loopback address (unspecified `0.0.0.0` / `::` included),
    /// when the simulator sits behind a trusted proxy (`trust_forwarded_proto`), when it
    /// accepts signatures over rewritten origins (`extra_signing_origins`, a proxy or a
    /// transport that keeps X's host names), or when `api_hosts` contains `"*"`. Otherwise
    /// a foreign `Host` gets 421 (DNS rebinding). The control API ignores this.
    pub fn any_api_host(&self) -> bool {
        !self.api_addr.ip().is_loopback()
            || self.upload_addr.is_some_and(|a| !a.ip().is_loopback())
            || self.trust_forwarded_proto
            || !self.extra_signing_origins.is_empty()
            || self.api_hosts.iter().any(|h| h.trim() == "*")
    }
}

/// Access level of a token (`x-access-level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    /// `read`
    Read,
    /// `read-write`
    #[default]
    ReadWrite,
    /// `read-write-directmessages`
    #[serde(rename = "read-write-directmessages")]
    ReadWriteDirectMessages,
}

impl AccessLevel {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Read => "read",
            AccessLevel::ReadWrite => "read-write",
            AccessLevel::ReadWriteDirectMessages => "read-write-directmessages",
        }
    }
    /// Whether the level allows writes.
    pub fn can_write(self) -> bool {
        self != AccessLevel::Read
    }
}

/// How the v1.1 endpoints refuse (docs/protocol.md §12.4, `v1_retired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum V1Retired {
    /// v1.1 media works.
    #[default]
    #[serde(rename = "off")]
    Off,
    /// 403 with the 453 envelope (B1).
    #[serde(rename = "403-453")]
    Forbidden453,
    /// 404 with code 34.
    #[serde(rename = "404")]
    NotFound,
    /// 410 Gone.
    #[serde(rename = "410")]
    Gone,
    /// 403 with an HTML page.
    #[serde(rename = "html-403")]
    Html403,
    /// The upload listener stops accepting connections (the port is closed); requests for
    /// `/1.1/media/…` on the API listener get their connection reset.
    #[serde(rename = "conn-refused")]
    ConnRefused,
    /// Simple upload and INIT work; APPEND, FINALIZE and STATUS get 403/453.
    #[serde(rename = "refuse-after-init")]
    RefuseAfterInit,
}

/// Which of X's wordings refuses a reply (or a quote) under the 2026 rule
/// (`Modes::reply_refusal`; docs/protocol.md §5.2 B14 and §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ReplyRefusal {
    /// B14: a 403 problem, `"detail":"Reply to this conversation is not allowed because you
    /// have not been mentioned or otherwise engaged by the author of the post you are replying
    /// to."` (quotes: `"Quoting this post is not allowed"`).
    #[default]
    #[serde(rename = "b14")]
    B14,
    /// The 2026-08 wording, for replies and quotes alike: `403 {"detail":"You can only reply to
    /// or quote posts where you are mentioned or are the author.","title":"Authorization Error"}`.
    #[serde(rename = "mentioned-or-author")]
    MentionedOrAuthor,
}

/// The developer account's plan (docs/protocol.md §6.2/§6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// Legacy Free.
    Free,
    /// Legacy Basic.
    Basic,
    /// Legacy Pro.
    Pro,
    /// 2026 pay-per-use with a credit balance (§6.2 limits).
    #[default]
    PayPerUse,
    /// No rate limits, no billing (handy for load tests).
    Unlimited,
}

/// Run-time switchable behaviour (`POST /_sim/mode` merges a partial object into this).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Modes {
    /// v1.1 retirement shape.
    pub v1_retired: V1Retired,
    /// v2 media upload answers 403 B15.
    pub v2_upload_forbidden: bool,
    /// The plan whose limits and billing apply.
    pub plan: Plan,
    /// Credit balance in USD (pay-per-use).
    pub credits_usd: f64,
    /// Accounts have Premium (25,000 weighted characters instead of 280).
    pub premium: bool,
    /// Accounts are locked: writes get 403 code 326.
    pub locked: bool,
    /// 2026 rule: replies only where the author summoned the replier (B14).
    pub summoned_only_replies: bool,
    /// Under `summoned_only_replies`, replying to one's own post is allowed.
    pub self_reply_exempt: bool,
    /// Quote posts allowed (`false` → B14 quote variant, or the `reply_refusal` wording).
    pub quotes_allowed: bool,
    /// The wording of a refused reply or quote: `"b14"` (default) or `"mentioned-or-author"`.
    pub reply_refusal: ReplyRefusal,
    /// The app is enrolled in a project/product (`false` → 403 client-not-enrolled).
    pub client_enrolled: bool,
    /// Body used for client-not-enrolled: `"b2"` (2025) or `"b3"` (2021–2024).
    pub not_enrolled_body: String,
    /// The account hit its spending limit (403 B15 on billed endpoints).
    pub spending_limit_reached: bool,
    /// Monthly post cap of the project (`None` = none) → 429 B11 when exceeded.
    pub usage_cap: Option<u64>,
    /// Send `x-rate-limit-*` headers at all.
    pub rate_limit_headers: bool,
    /// Also send the 24-hour `x-app-limit-24hour-*` / `x-user-limit-24hour-*` headers.
    pub rate_limit_24h_headers: bool,
    /// 429 body: `"v2"` (B9) or `"v1"` (B10, code 88).
    pub rate_limit_body: String,
    /// Host used in v2 problem `type` URLs (B4, B13 …).
    pub problem_host: String,
    /// Send v2 errors as `application/problem+json` instead of `application/json`.
    pub problem_json_content_type: bool,
    /// Token endpoint replies: `"form"` (default) or `"json"`.
    pub token_reply_format: String,
    /// HTTP status used with code 89 (401 or 403).
    pub code89_status: u16,
    /// v2 one-shot accepts only images and subtitles (`true`) or every category.
    pub one_shot_strict: bool,
    /// First `segment_index` (0, or 1 for the May-2025 docs bug).
    pub segment_index_base: u32,
    /// Maximum alt text length (1000, or 420).
    pub alt_text_limit: usize,
    /// Name of the edit-history field in post replies: `"tweet_ids"`, `"post_ids"` or `"none"`.
    pub edit_history: String,
    /// Echo URLs in created posts as `https://t.co/…` links.
    pub tco_links: bool,
    /// Pay-per-use cost of one completed upload (FINALIZE, one-shot, simple), USD.
    pub upload_cost_usd: f64,
    /// Scheme+host used in `Location` (`None` = the API base as requested).
    pub location_origin: Option<String>,
    /// Largest accepted v2 APPEND segment in bytes (default 8 MiB, the server maximum of §15);
    /// larger → 431.
    pub v2_chunk_cap: u64,
    /// Largest accepted v1.1 APPEND segment in bytes; larger → 400.
    pub v1_chunk_cap: u64,
    /// Video/GIF processing time after FINALIZE, in milliseconds.
    pub processing_ms: u64,
    /// `check_after_secs` reported while processing.
    pub check_after_secs: u64,
    /// Window in which identical text from the same account is a duplicate (B12);
    /// `0` turns the duplicate-content filter off completely.
    pub duplicate_window_secs: u64,
    /// Override of every media expiry (seconds); `None` = X's values (86400 / 1295999).
    pub media_expiry_secs: Option<u64>,
    /// Virtual clock offset in seconds added to the real clock for media expiry,
    /// processing, duplicate and rate-limit windows (not for `oauth_timestamp`).
    pub clock_offset_secs: i64,
    /// Offset of the clock that `oauth_timestamp` is checked against (simulates a client
    /// whose clock is off by this much: beyond the window → 401 code 135).
    pub auth_clock_skew_secs: i64,
    /// `GET /2/users/:id/tweets` is refused with this status (`None` = served): `403`
    /// (B1, the 453 "subset of endpoints" body), `429` (B9/B10 per `rate_limit_body`), `402`
    /// (B8); any other status gets a generic `about:blank` problem of that status.
    pub reads_refused: Option<u16>,
    /// The OAuth 1.0a → 2.0 token exchange is offered (X's shipping status is unconfirmed,
    /// docs/protocol.md §14); off → 400 `unsupported_grant_type`.
    pub oauth2_exchange: bool,
    /// The OAuth 2.0 consent page answers "Cancel" (`error=access_denied`) instead of approving.
    pub oauth2_deny: bool,
}

impl Default for Modes {
    fn default() -> Self {
        Self {
            v1_retired: V1Retired::Off,
            v2_upload_forbidden: false,
            plan: Plan::PayPerUse,
            credits_usd: 100.0,
            premium: false,
            locked: false,
            summoned_only_replies: false,
            self_reply_exempt: true,
            quotes_allowed: true,
            reply_refusal: ReplyRefusal::B14,
            client_enrolled: true,
            not_enrolled_body: "b2".into(),
            spending_limit_reached: false,
            usage_cap: None,
            rate_limit_headers: true,
            rate_limit_24h_headers: false,
            rate_limit_body: "v2".into(),
            problem_host: "https://api.twitter.com".into(),
            problem_json_content_type: false,
            token_reply_format: "form".into(),
            code89_status: 401,
            one_shot_strict: true,
            segment_index_base: 0,
            alt_text_limit: 1000,
            edit_history: "tweet_ids".into(),
            tco_links: false,
            upload_cost_usd: 0.0,
            location_origin: None,
            v2_chunk_cap: 8 * 1024 * 1024,
            v1_chunk_cap: 5 * 1024 * 1024,
            processing_ms: 1500,
            check_after_secs: 1,
            duplicate_window_secs: 86_400,
            media_expiry_secs: None,
            clock_offset_secs: 0,
            auth_clock_skew_secs: 0,
            reads_refused: None,
            oauth2_exchange: true,
            oauth2_deny: false,
        }
    }
}

/// Faults injected into one endpoint (`"POST /2/tweets"`, `"*"` for all …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Added latency before the request is handled, in ms.
    pub latency_ms: u64,
    /// Uniform random extra latency in `0..=jitter_ms`.
    pub jitter_ms: u64,
    /// Probability (0–1) of answering `error_status` instead of the real reply.
    pub error_rate: f64,
    /// Status of injected errors (default 503 when 0).
    pub error_status: u16,
    /// Run the handler (commit its effect, e.g. create the post) before replacing the
    /// reply with the injected error (`false` = nothing is created).
    pub error_after_commit: bool,
    /// Probability (0–1) of hanging without ever answering.
    pub hang_rate: f64,
    /// Probability (0–1) of resetting the connection.
    pub reset_rate: f64,
    /// Reset after the handler committed its effect (`false` = before handling).
    pub reset_after_commit: bool,
    /// Upload bandwidth cap for request bodies, bytes per second (0 = none).
    pub bandwidth_bytes_per_sec: u64,
    /// Multiplies media processing time (e.g. 10 = ten times slower; 0 = unchanged).
    pub processing_factor: f64,
    /// Media finalized through this endpoint fails processing with `InvalidMedia`.
    pub force_invalid_media: bool,
    /// Probability (0–1) of running the handler (committing its effect, e.g. creating the
    /// post) and then answering `200` with a body that has no readable `data.id`: one of
    /// `{}`, `{"data":{}}`, `{"errors":[{"message":"Internal error"}]}` or
    /// `<html>upstream</html>` (text/html), picked by the seeded RNG. A reset or error
    /// fault rolled for the same request takes precedence.
    pub ok_without_id_rate: f64,
}
