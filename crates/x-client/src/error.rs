//! The crate's error type and the recognition of X's error bodies (docs/protocol.md §5).
//!
//! Contract: [`ClientError`] is the only error of this crate. An HTTP failure keeps what X said
//! ([`ApiError`]: status, v2 problem `type`/`title`/`detail`, v1.1 `code`/`message`, the media
//! envelope's `error`, rate-limit headers, the server `Date`) and [`ClientError::kind`] maps it to
//! a stable [`ErrorKind`] following the §5.3 table; [`ClientError::diagnosis`] adds the words
//! from [`crate::diagnosis::TABLE`]. No secret ever appears in an error (requests are not kept).
//!
//! OAuth 2.0 (docs/protocol.md §14): a failed call made with a Bearer token carries a
//! [`BearerCall`] (the scopes granted, when known, and the route's required scopes), so a 401 is
//! `token-expired` and a 403 for a scope the token lacks is `missing-scope` naming it (decided
//! from the granted scopes, or, when they are unknown, from a scope X's 403 names). The token
//! endpoint's refusals are [`ClientError::OAuth2`] ([`OAuth2Refusal`]: status, `error`,
//! `error_description`), an exchange X does not offer is [`ClientError::ExchangeUnavailable`].

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::diagnosis::{Diagnosis, ErrorKind};
use crate::ratelimit::RateLimit;

/// Clock difference (seconds) beyond which a 401 is diagnosed as clock skew.
pub const CLOCK_SKEW_SECS: u64 = 60;

/// What X answered when a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Request method.
    pub method: String,
    /// Request path (no host, no query) — tells which route failed.
    pub path: String,
    /// v2 problem name: the `/2/problems/<name>` suffix, or `about:blank`.
    pub problem_type: Option<String>,
    /// v2 `title`.
    pub title: Option<String>,
    /// v2 `detail`.
    pub detail: Option<String>,
    /// v2 `reason` (`client-not-enrolled`).
    pub reason: Option<String>,
    /// First v1.1 error code.
    pub code: Option<u32>,
    /// All `errors[].message` values (v1.1 envelope and v2 `errors`).
    pub messages: Vec<String>,
    /// Parameter names from v2 `errors[].parameters`.
    pub parameters: Vec<String>,
    /// The v1.1 media envelope's `error`.
    pub media_error: Option<String>,
    /// `period` / `scope` of a usage cap.
    pub cap: Option<String>,
    /// Whether the body was JSON at all.
    pub json: bool,
    /// Rate-limit headers of the response.
    pub rate_limit: Option<RateLimit>,
    /// `x-access-level` header.
    pub access_level: Option<String>,
    /// Server `Date` (Unix seconds) and local time when the response arrived.
    pub clock: Option<(u64, u64)>,
    /// OAuth 2.0 `error_description` (token endpoint bodies).
    pub error_description: Option<String>,
    /// Set when the request carried an OAuth 2.0 user token.
    pub bearer: Option<BearerCall>,
}

/// What the client knew about the OAuth 2.0 token of a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerCall {
    /// The scopes X granted the token, when known.
    pub granted: Option<Vec<String>>,
    /// The scopes the route needs ([`crate::oauth2::required_scopes`]).
    pub required: &'static [&'static str],
}

/// Which token-endpoint call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenGrant {
    /// `grant_type=authorization_code` (the browser sign-in).
    AuthorizationCode,
    /// `grant_type=refresh_token`.
    RefreshToken,
    /// X's OAuth 1.0a → 2.0 token exchange.
    TokenExchange,
    /// `POST /2/oauth2/revoke`.
    Revoke,
}

impl TokenGrant {
    /// Words for messages.
    pub fn describe(self) -> &'static str {
        match self {
            TokenGrant::AuthorizationCode => "sign-in code exchange",
            TokenGrant::RefreshToken => "token refresh",
            TokenGrant::TokenExchange => "OAuth 1.0a token exchange",
            TokenGrant::Revoke => "token revocation",
        }
    }
}

/// X's token endpoint refused a request: `{"error","error_description"}` (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("X refused the OAuth 2.0 {} (HTTP {status}, {error}{})", grant.describe(), description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
pub struct OAuth2Refusal {
    /// The call.
    pub grant: TokenGrant,
    /// HTTP status.
    pub status: u16,
    /// The `error` code (`invalid_grant`, `invalid_request`, `invalid_client`, …).
    pub error: String,
    /// `error_description`, with any secret of the request blanked out.
    pub description: Option<String>,
    /// Rate-limit headers of the answer.
    pub rate_limit: Option<RateLimit>,
}

impl OAuth2Refusal {
    /// The §5.3 kind: a refused refresh or code → `sign-in-required`; a refused 1.0a subject
    /// token → `token-revoked`; a refused client id → `client-id-rejected`.
    pub fn kind(&self) -> ErrorKind {
        let e = self.error.as_str();
        match self.grant {
            // X answers a used or unknown refresh token / code with invalid_grant, and (as
            // reported for X) invalid_request "Value passed for the token was invalid.".
            TokenGrant::RefreshToken | TokenGrant::AuthorizationCode
                if matches!(e, "invalid_grant" | "invalid_request") =>
            {
                return ErrorKind::SignInRequired
            }
            TokenGrant::TokenExchange if e == "invalid_grant" => return ErrorKind::TokenRevoked,
            _ => {}
        }
        match e {
            "invalid_client" | "unauthorized_client" => ErrorKind::ClientIdRejected,
            _ if self.status == 429 => ErrorKind::RateLimited,
            _ if self.status >= 500 => ErrorKind::ServerError,
            _ => ErrorKind::InvalidRequest,
        }
    }
}

impl ApiError {
    /// Parses an error response. `body` may be anything (JSON of any §5.1 shape, HTML, empty).
    pub fn parse(
        method: &str,
        path: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> ApiError {
        let mut e = ApiError {
            status,
            method: method.to_owned(),
            path: path.to_owned(),
            problem_type: None,
            title: None,
            detail: None,
            reason: None,
            code: None,
            messages: Vec::new(),
            parameters: Vec::new(),
            media_error: None,
            cap: None,
            json: false,
            rate_limit: RateLimit::from_headers(headers),
            access_level: headers
                .get("x-access-level")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            clock: headers
                .get("date")
                .and_then(|v| v.to_str().ok())
                .and_then(|s| httpdate::parse_http_date(s).ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| (d.as_secs(), now_secs())),
            error_description: None,
            bearer: None,
        };
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return e;
        };
        let Some(obj) = v.as_object() else {
            return e;
        };
        e.json = true;
        let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        e.problem_type = s("type").map(|t| match t.rfind("/2/problems/") {
            Some(i) => t[i + "/2/problems/".len()..].to_owned(),
            None => t,
        });
        e.title = s("title");
        e.detail = s("detail");
        e.reason = s("reason");
        e.media_error = s("error");
        e.error_description = s("error_description");
        e.cap = match (s("period"), s("scope")) {
            (None, None) => None,
            (p, sc) => Some(
                [p, sc]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" / "),
            ),
        };
        if let Some(errors) = obj.get("errors").and_then(Value::as_array) {
            for err in errors {
                if e.code.is_none() {
                    e.code = err
                        .get("code")
                        .and_then(Value::as_u64)
                        .and_then(|c| u32::try_from(c).ok());
                }
                if let Some(m) = err.get("message").and_then(Value::as_str) {
                    e.messages.push(m.to_owned());
                }
                if let Some(p) = err.get("parameters").and_then(Value::as_object) {
                    e.parameters.extend(p.keys().cloned());
                }
            }
        }
        e
    }

    /// Whether this response came from the legacy v1.1 media endpoints.
    pub fn is_v1_media(&self) -> bool {
        self.path.starts_with("/1.1/media")
    }

    /// Seconds between the server's clock and ours, when a `Date` header came back.
    pub fn clock_skew(&self) -> Option<u64> {
        self.clock.map(|(server, local)| server.abs_diff(local))
    }

    pub(crate) fn text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(d) = &self.detail {
            parts.push(d.clone());
        }
        for m in &self.messages {
            if !parts.iter().any(|p| p == m) {
                parts.push(m.clone());
            }
        }
        if let Some(m) = &self.media_error {
            parts.push(m.clone());
        }
        if let Some(d) = &self.error_description {
            parts.push(d.clone());
        }
        if parts.is_empty() {
            if let Some(t) = &self.title {
                parts.push(t.clone());
            }
        }
        if parts.is_empty() {
            parts.push(if self.json {
                format!("HTTP {}", self.status)
            } else {
                format!("HTTP {} with a non-JSON body", self.status)
            });
        }
        parts.join(" — ")
    }

    /// Whether the texts of the body contain `needle` (case-insensitive).
    fn says(&self, needle: &str) -> bool {
        let needle = needle.to_ascii_lowercase();
        self.detail
            .iter()
            .chain(self.messages.iter())
            .chain(self.title.iter())
            .chain(self.media_error.iter())
            .any(|t| t.to_ascii_lowercase().contains(&needle))
    }

    /// The scope an OAuth 2.0 call was refused for (403 on a v2 route): the first of the
    /// route's required scopes the token was not granted, else a scope X's answer names.
    pub fn missing_scope(&self) -> Option<String> {
        let b = self.bearer.as_ref()?;
        if self.status != 403 || !self.path.starts_with("/2/") {
            return None;
        }
        let known = b.granted.as_ref().and_then(|granted| {
            b.required
                .iter()
                .find(|r| !granted.iter().any(|g| g == *r))
                .map(|r| (*r).to_owned())
        });
        known.or_else(|| {
            self.detail
                .iter()
                .chain(self.messages.iter())
                .chain(self.title.iter())
                .filter(|t| t.to_ascii_lowercase().contains("scope"))
                .find_map(|t| crate::oauth2::scope_named_in(t))
        })
    }

    /// N of X's 403 "This user is not allowed to post a video longer than N minutes."
    /// (docs/protocol.md §15): the account's video length limit.
    pub fn video_limit_minutes(&self) -> Option<u32> {
        if self.status != 403 {
            return None;
        }
        [self.detail.as_deref(), self.title.as_deref()]
            .into_iter()
            .flatten()
            .chain(self.messages.iter().map(String::as_str))
            .find_map(video_limit_minutes)
    }

    /// The §5.3 classification.
    pub fn kind(&self) -> ErrorKind {
        let ptype = self.problem_type.as_deref().unwrap_or("");
        let status = self.status;
        // Exact identifiers first: v2 problem types and reasons, then v1.1 codes.
        if self.reason.as_deref() == Some("client-not-enrolled") || ptype == "client-forbidden" {
            return ErrorKind::ClientNotEnrolled;
        }
        // An OAuth 2.0 token: no signature or timestamp can be wrong, so a 401 means the
        // token expired or was revoked; a 403 for a scope it lacks names that scope (before the
        // problem types: X has answered missing scopes with unsupported-authentication too).
        if self.bearer.is_some() {
            if status == 401 {
                return ErrorKind::TokenExpired;
            }
            if self.missing_scope().is_some() {
                return ErrorKind::MissingScope;
            }
        }
        match ptype {
            "oauth1-permissions" => return ErrorKind::ReadOnlyToken,
            "unsupported-authentication" => return ErrorKind::UnsupportedAuthentication,
            "credits" => return ErrorKind::CreditsDepleted,
            "usage-capped" => return ErrorKind::UsageCapped,
            _ => {}
        }
        if self.is_v1_media() && (matches!(status, 403 | 404 | 410) || (!self.json && status < 500))
        {
            return ErrorKind::UploadRouteRetired;
        }
        match self.code {
            Some(453) => return ErrorKind::TierEndpointMismatch,
            Some(135) => return ErrorKind::ClockSkew,
            Some(89) => return ErrorKind::TokenRevoked,
            Some(32) | Some(215) => {
                return if self.clock_skew().is_some_and(|s| s > CLOCK_SKEW_SECS) {
                    ErrorKind::ClockSkew
                } else {
                    ErrorKind::InvalidCredentials
                }
            }
            Some(261) => return ErrorKind::ReadOnlyToken,
            Some(88) => return ErrorKind::RateLimited,
            Some(185) => return ErrorKind::UsageCapped,
            Some(186) => return ErrorKind::TextTooLong,
            Some(187) => return ErrorKind::DuplicateContent,
            Some(324) | Some(325) => return ErrorKind::MediaInvalid,
            Some(326) => return ErrorKind::AccountLocked,
            Some(433) => return ErrorKind::ReplyNotAllowed,
            _ => {}
        }
        match status {
            401 => {
                if self.clock_skew().is_some_and(|s| s > CLOCK_SKEW_SECS) {
                    ErrorKind::ClockSkew
                } else {
                    ErrorKind::InvalidCredentials
                }
            }
            402 => ErrorKind::CreditsDepleted,
            429 => ErrorKind::RateLimited,
            400 => {
                if self.parameters.iter().any(|p| p.starts_with("media"))
                    || self.says("media ids are invalid")
                    || self.media_error.is_some()
                {
                    ErrorKind::MediaInvalid
                } else if self.says("too long") {
                    ErrorKind::TextTooLong
                } else {
                    ErrorKind::InvalidRequest
                }
            }
            403 => {
                if self.says("duplicate content") || self.says("status is a duplicate") {
                    ErrorKind::DuplicateContent
                } else if self.says("reply to this conversation is not allowed")
                    || self.says("quoting this post is not allowed")
                    || self.says("restricted who can reply")
                    // 2026 wording (docs/protocol.md §15).
                    || self.says("you can only reply to or quote posts where you are mentioned")
                {
                    ErrorKind::ReplyNotAllowed
                } else if self.video_limit_minutes().is_some() {
                    ErrorKind::VideoTooLong
                } else if self.says("spending limit") {
                    ErrorKind::CreditsDepleted
                } else {
                    ErrorKind::Forbidden
                }
            }
            404 | 410 => ErrorKind::NotFound,
            413 | 431 => ErrorKind::MediaInvalid,
            s if s >= 500 => ErrorKind::ServerError,
            _ => ErrorKind::InvalidRequest,
        }
    }
}

/// N of X's sentence "… not allowed to post a video longer than N minutes." anywhere in
/// `text` (a diagnosis's detail quotes it).
pub fn video_limit_minutes(text: &str) -> Option<u32> {
    const KEY: &str = "not allowed to post a video longer than ";
    let lower = text.to_ascii_lowercase();
    let at = lower.find(KEY)? + KEY.len();
    let rest = &lower[at..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    rest[digits.len()..]
        .trim_start()
        .starts_with("minute")
        .then_some(n)
        .filter(|n| *n > 0)
}

/// Why a network call failed before any HTTP status came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFailure {
    /// DNS, refused, TLS: the request provably never left.
    Connect,
    /// No answer in time.
    Timeout,
    /// Reset or broken mid-way: the request may have been processed.
    Other,
}

/// Longest `detail` a diagnosis keeps (characters).
pub const MAX_DETAIL_CHARS: usize = 2000;

/// The single error type of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// X answered with an error status.
    #[error("X API error {}: {}", .0.status, .0.text())]
    Api(Box<ApiError>),
    /// The network failed.
    #[error("network error ({what}): {message}")]
    Network {
        /// Connect / timeout / other.
        failure: NetworkFailure,
        /// What was being done.
        what: String,
        /// The transport's message (no URL secrets: URLs carry none).
        message: String,
    },
    /// The outcome of `POST /2/tweets` is unknown and reading the account's posts did not
    /// settle it (§6.5): the post may exist. Never re-send without the person's word.
    #[error("the post may have been posted: {message}")]
    UnknownOutcome {
        /// The status of the answer that left the outcome open (5xx, 2xx without id), if any.
        status: Option<u16>,
        /// What happened and what was checked.
        message: String,
    },
    /// Media processing failed at X.
    #[error("media processing failed: {0}")]
    ProcessingFailed(String),
    /// Media processing did not finish before the deadline.
    #[error("media processing did not finish in {0} s")]
    ProcessingTimeout(u64),
    /// A local media check refused a file (the message names the limit).
    #[error("{0}")]
    MediaRefused(String),
    /// Text over the hard limit.
    #[error("text is {weighted} characters (weighted); the limit is {limit}")]
    TextTooLong {
        /// Weighted length.
        weighted: usize,
        /// The limit applied.
        limit: usize,
    },
    /// The text was refused locally before sending (a control character …).
    #[error("{0}")]
    TextRefused(String),
    /// A file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The path.
        path: String,
        /// The OS message.
        message: String,
    },
    /// Bad configuration (URL, missing value).
    #[error("configuration: {0}")]
    Config(String),
    /// A 2xx answer could not be understood.
    #[error("unexpected response from {path}: {message}")]
    Unexpected {
        /// Request path.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// X's token endpoint refused a grant (never retried, §14.2).
    #[error("{0}")]
    OAuth2(Box<OAuth2Refusal>),
    /// X does not offer the OAuth 1.0a → 2.0 token exchange (§14.3: 400
    /// `unsupported_grant_type`, 404, or `invalid_request` naming the grant): offer the browser
    /// sign-in instead.
    #[error("X does not offer the OAuth 1.0a → OAuth 2.0 token exchange (HTTP {status}: {detail}); sign in with X in the browser instead")]
    ExchangeUnavailable {
        /// X's status.
        status: u16,
        /// X's words.
        detail: String,
    },
    /// The v1.1 upload route was asked for with an OAuth 2.0 token (nothing was sent).
    #[error("the v1.1 upload route needs OAuth 1.0a keys, and this account signs in with OAuth 2.0: use the v2 or automatic upload route")]
    UploadRouteNeedsOAuth1,
    /// X answered 401 to the OAuth 2.0 token and no other token could be had
    /// ([`crate::renew`]); the diagnosis says why (e.g. `sign-in-required`).
    #[error("{}", .0.detail)]
    Renewal(Box<Diagnosis>),
}

impl ClientError {
    /// The stable kind (§5.3).
    pub fn kind(&self) -> ErrorKind {
        match self {
            ClientError::Api(e) => e.kind(),
            ClientError::Network { .. } => ErrorKind::Network,
            ClientError::UnknownOutcome { .. } => ErrorKind::OutcomeUnknown,
            ClientError::ProcessingFailed(_) => ErrorKind::MediaProcessingFailed,
            ClientError::ProcessingTimeout(_) => ErrorKind::MediaProcessingFailed,
            ClientError::MediaRefused(_) => ErrorKind::MediaInvalid,
            ClientError::TextTooLong { .. } => ErrorKind::TextTooLong,
            ClientError::TextRefused(_) => ErrorKind::InvalidRequest,
            ClientError::Io { .. } | ClientError::Config(_) => ErrorKind::LocalError,
            ClientError::Unexpected { .. } => ErrorKind::UnexpectedResponse,
            ClientError::Cancelled => ErrorKind::Cancelled,
            ClientError::OAuth2(r) => r.kind(),
            ClientError::ExchangeUnavailable { .. } => ErrorKind::ExchangeUnavailable,
            ClientError::UploadRouteNeedsOAuth1 => ErrorKind::UploadRouteRetired,
            ClientError::Renewal(d) => d.kind,
        }
    }

    /// The scope a call was refused for (kind `missing-scope`).
    pub fn missing_scope(&self) -> Option<String> {
        self.api().and_then(ApiError::missing_scope)
    }

    /// The HTTP status, when X answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api(e) => Some(e.status),
            ClientError::UnknownOutcome { status, .. } => *status,
            ClientError::OAuth2(r) => Some(r.status),
            ClientError::ExchangeUnavailable { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Rate-limit headers of the failing response.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        match self {
            ClientError::Api(e) => e.rate_limit,
            ClientError::OAuth2(r) => r.rate_limit,
            _ => None,
        }
    }

    /// The API error, when X answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ClientError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the failure is transient (5xx, 429, network other than connect-refused). A token
    /// endpoint's refusal never is: a token request is not re-sent ([`crate::oauth2`]).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Api(e) => e.status >= 500 || e.status == 429,
            ClientError::Network { .. } => true,
            _ => false,
        }
    }

    /// Whether an upload that failed this way can still continue from its checkpoint
    /// ([`crate::UploadCheckpoint`]): anything but X or the file refusing the media (a 4xx
    /// other than 401/403/429, a processing failure, a refused or unreadable file).
    pub fn keeps_upload_checkpoint(&self) -> bool {
        match self {
            ClientError::Api(e) => e.status >= 500 || matches!(e.status, 401 | 403 | 429),
            ClientError::ProcessingFailed(_)
            | ClientError::MediaRefused(_)
            | ClientError::Unexpected { .. }
            | ClientError::Io { .. } => false,
            _ => true,
        }
    }

    /// Cause, fix steps and wizard step for a person; pinned JSON shape for programs.
    pub fn diagnosis(&self) -> Diagnosis {
        if let ClientError::Renewal(d) = self {
            return (**d).clone();
        }
        let kind = self.kind();
        let mut detail = match self {
            ClientError::Api(e) => e.text(),
            other => other.to_string(),
        };
        // It is shown, stored in history and printed: keep it to a readable size (PB-17).
        if detail.chars().count() > MAX_DETAIL_CHARS {
            detail = detail.chars().take(MAX_DETAIL_CHARS).collect::<String>() + "…";
        }
        let mut d = Diagnosis::new(kind, self.status(), detail);
        d.rate_limit = self.rate_limit();
        if let ClientError::Api(e) = self {
            d.code = e.code;
            d.problem_type = e.problem_type.clone();
            if kind == ErrorKind::RateLimited {
                if let Some(reset) = e.rate_limit.and_then(|r| r.reset_at()) {
                    let wait = reset.saturating_sub(now_secs());
                    d.fix.insert(
                        0,
                        format!("The window resets in about {} min.", wait.div_ceil(60)),
                    );
                }
            }
            if kind == ErrorKind::UsageCapped {
                if let Some(cap) = &e.cap {
                    d.fix.insert(0, format!("Cap: {cap}."));
                }
            }
            if kind == ErrorKind::MissingScope {
                if let Some(scope) = e.missing_scope() {
                    d.fix.insert(0, missing_scope_step(&scope));
                }
            }
            if kind == ErrorKind::ClockSkew {
                if let Some(s) = e.clock_skew() {
                    d.fix
                        .insert(0, format!("This clock differs from X's by about {s} s."));
                }
            }
        }
        d
    }
}

/// The first fix step of a `missing-scope` diagnosis: which scope, and what needs it.
pub fn missing_scope_step(scope: &str) -> String {
    match scope {
        "media.write" => "X did not grant `media.write`, which uploading media through v2 needs: \
                          sign in again and allow media upload (the app asks for it; X grants it \
                          only when the app's permissions are \"Read and write\")."
            .to_owned(),
        "tweet.write" => "X did not grant `tweet.write`, which posting needs: sign in again and \
                          allow posting (the app's permissions must be \"Read and write\")."
            .to_owned(),
        other => format!("X did not grant `{other}`: sign in again and allow it."),
    }
}

/// Current Unix time in seconds.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn kind(status: u16, path: &str, body: &str) -> ErrorKind {
        ApiError::parse("POST", path, status, &HeaderMap::new(), body.as_bytes()).kind()
    }

    const B1: &str = r#"{"errors":[{"message":"You currently have access to a subset of Twitter API v2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more here: https://developer.twitter.com/en/portal/product","code":453}]}"#;
    const B1_V2: &str = r#"{"title":"Forbidden","detail":"You currently have access to a subset of Twitter API v2 endpoints","type":"about:blank","status":403,"errors":[{"message":"You currently have access to a subset","code":453}]}"#;
    const B2: &str = r#"{"client_id":"101010101","required_enrollment":"Standard Basic","registration_url":"https://developer.twitter.com/en/account","title":"Client Forbidden","detail":"This request must be made using an approved developer account that is enrolled in the requested endpoint. Learn more by visiting our documentation.","reason":"client-not-enrolled","type":"https://api.x.com/2/problems/client-forbidden"}"#;
    const B3: &str = r#"{"client_id":"*******","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}"#;
    const B4: &str = r#"{"title":"Forbidden","status":403,"detail":"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.","type":"https://api.twitter.com/2/problems/oauth1-permissions"}"#;
    const B5: &str =
        r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#;
    const B6_32: &str = r#"{"errors":[{"code":32,"message":"Could not authenticate you."}]}"#;
    const B6_135: &str = r#"{"errors":[{"code":135,"message":"Could not authenticate you."}]}"#;
    const B7: &str = r#"{"errors":[{"code":89,"message":"Invalid or expired token."}]}"#;
    const B8: &str = r#"{"title":"CreditsDepleted","detail":"Your enrolled account [2059529979700846592] does not have any credits to fulfill this request.","type":"https://api.twitter.com/2/problems/credits"}"#;
    const B9: &str = r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#;
    const B10: &str = r#"{"errors":[{"code":88,"message":"Rate limit exceeded"}]}"#;
    const B11: &str = r#"{"title":"UsageCapped","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}"#;
    const B12: &str = r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#;
    const B13_MEDIA: &str = r#"{"errors":[{"parameters":{"media.media_ids":["123"]},"message":"Your media IDs are invalid."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#;
    const B13_LONG: &str = r#"{"errors":[{"parameters":{"text":["xxx"]},"message":"Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#;
    const B14: &str = r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to."}"#;
    const B15: &str =
        r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}"#;
    const B15_SPEND: &str = r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"Your account has hit its spending limit for this billing cycle"}"#;
    const B16: &str = r#"{"request":"/1.1/media/upload.json","error":"media type unrecognized."}"#;
    const UNSUPPORTED: &str = r#"{"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}"#;

    const VIDEO_CAP: &str = r#"{"title":"Forbidden","detail":"This user is not allowed to post a video longer than 2 minutes.","type":"about:blank"}"#;

    #[test]
    fn the_video_cap_gives_its_minutes() {
        let e = ApiError::parse(
            "POST",
            "/2/tweets",
            403,
            &HeaderMap::new(),
            VIDEO_CAP.as_bytes(),
        );
        assert_eq!(e.video_limit_minutes(), Some(2));
        assert_eq!(e.kind(), ErrorKind::VideoTooLong);
        assert_eq!(
            video_limit_minutes(
                "X said: This user is not allowed to post a video longer than 125 minutes."
            ),
            Some(125)
        );
        assert_eq!(
            video_limit_minutes("not allowed to post a video longer than 0 minutes"),
            None
        );
        assert_eq!(
            video_limit_minutes("not allowed to post a video longer than two minutes"),
            None
        );
        assert_eq!(video_limit_minutes("Forbidden"), None);
        let other = ApiError::parse(
            "POST",
            "/2/tweets",
            400,
            &HeaderMap::new(),
            VIDEO_CAP.as_bytes(),
        );
        assert_eq!(other.video_limit_minutes(), None);
    }

    #[test]
    fn every_table_row_maps_to_its_kind() {
        use ErrorKind::*;
        let cases: &[(u16, &str, &str, ErrorKind)] = &[
            (403, "/1.1/statuses/update.json", B1, TierEndpointMismatch),
            (403, "/2/tweets", B1_V2, TierEndpointMismatch),
            (403, "/1.1/media/upload.json", B1, UploadRouteRetired),
            (403, "/2/tweets", B2, ClientNotEnrolled),
            (403, "/2/users/me", B3, ClientNotEnrolled),
            (403, "/2/tweets", B4, ReadOnlyToken),
            (403, "/2/tweets", UNSUPPORTED, UnsupportedAuthentication),
            (401, "/2/tweets", B5, InvalidCredentials),
            (401, "/2/tweets", B6_32, InvalidCredentials),
            (401, "/2/tweets", B6_135, ClockSkew),
            (401, "/2/tweets", B7, TokenRevoked),
            (403, "/2/tweets", B7, TokenRevoked),
            (402, "/2/tweets", B8, CreditsDepleted),
            (429, "/2/tweets", B9, RateLimited),
            (429, "/2/tweets", B10, RateLimited),
            (429, "/2/tweets", B11, UsageCapped),
            (403, "/2/tweets", B12, DuplicateContent),
            (400, "/2/tweets", B13_MEDIA, MediaInvalid),
            (400, "/2/tweets", B13_LONG, TextTooLong),
            (403, "/2/tweets", B14, ReplyNotAllowed),
            (403, "/2/tweets", VIDEO_CAP, VideoTooLong),
            (
                403,
                "/2/tweets",
                r#"{"detail":"You can only reply to or quote posts where you are mentioned or are the author.","title":"Authorization Error"}"#,
                ReplyNotAllowed,
            ),
            // v1.1 code 433 (the old table's wording), and the quote variant of B14.
            (
                403,
                "/1.1/statuses/update.json",
                r#"{"errors":[{"code":433,"message":"The original Tweet author restricted who can reply to this Tweet."}]}"#,
                ReplyNotAllowed,
            ),
            (
                403,
                "/2/tweets",
                r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"Quoting this post is not allowed"}"#,
                ReplyNotAllowed,
            ),
            (403, "/2/media/upload", B15, Forbidden),
            (403, "/2/media/upload", B15_SPEND, CreditsDepleted),
            (400, "/1.1/media/upload.json", B16, MediaInvalid),
            (503, "/2/tweets", "", ServerError),
            (503, "/2/tweets", "<html>busy</html>", ServerError),
            (404, "/1.1/media/upload.json", "", UploadRouteRetired),
            (410, "/1.1/media/upload.json", "{}", UploadRouteRetired),
            (
                403,
                "/1.1/media/upload.json",
                "<html>no</html>",
                UploadRouteRetired,
            ),
            (
                404,
                "/2/tweets/1",
                r#"{"title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found","detail":"x"}"#,
                NotFound,
            ),
        ];
        for (status, path, body, want) in cases {
            assert_eq!(kind(*status, path, body), *want, "{status} {path} {body}");
        }
    }

    #[test]
    fn details_and_extras() {
        let e = ApiError::parse(
            "POST",
            "/2/tweets",
            400,
            &HeaderMap::new(),
            B13_MEDIA.as_bytes(),
        );
        let d = ClientError::Api(Box::new(e)).diagnosis();
        assert!(
            d.detail.contains("Your media IDs are invalid."),
            "{}",
            d.detail
        );
        assert_eq!(d.problem_type.as_deref(), Some("invalid-request"));
        let e = ApiError::parse("POST", "/2/tweets", 429, &HeaderMap::new(), B11.as_bytes());
        let d = ClientError::Api(Box::new(e)).diagnosis();
        assert!(d.fix[0].contains("Monthly / Product"));
        let e = ApiError::parse(
            "POST",
            "/1.1/media/upload.json",
            400,
            &HeaderMap::new(),
            B16.as_bytes(),
        );
        assert_eq!(e.text(), "media type unrecognized.");
    }

    fn bearer(status: u16, path: &str, granted: Option<&[&str]>, body: &str) -> ApiError {
        let mut e = ApiError::parse("POST", path, status, &HeaderMap::new(), body.as_bytes());
        e.bearer = Some(BearerCall {
            granted: granted.map(|g| g.iter().map(|s| (*s).to_owned()).collect()),
            required: crate::oauth2::required_scopes("POST", path),
        });
        e
    }

    #[test]
    fn oauth2_calls_are_diagnosed_by_token_and_scope() {
        use ErrorKind::*;
        let all: &[&str] = &["tweet.read", "tweet.write", "users.read", "media.write"];
        let no_media: &[&str] = &["tweet.read", "tweet.write", "users.read"];
        let named = r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"You are not permitted to perform this action. Missing scope: tweet.write."}"#;
        assert_eq!(bearer(401, "/2/tweets", Some(all), B5).kind(), TokenExpired);
        // A 401 without a Bearer token stays what it was.
        assert_eq!(kind(401, "/2/tweets", B5), InvalidCredentials);
        let media = bearer(403, "/2/media/upload/initialize", Some(no_media), B15);
        assert_eq!(
            (media.kind(), media.missing_scope().as_deref()),
            (MissingScope, Some("media.write"))
        );
        let d = ClientError::Api(Box::new(media)).diagnosis();
        assert!(d.fix[0].contains("media.write"), "{:?}", d.fix);
        assert_eq!(d.wizard_step, Some(crate::diagnosis::WizardStep::SignIn));
        // Scopes unknown: X's words decide; without a scope named, today's diagnosis.
        let unknown = bearer(403, "/2/tweets", None, named);
        assert_eq!(
            (unknown.kind(), unknown.missing_scope().as_deref()),
            (MissingScope, Some("tweet.write"))
        );
        assert_eq!(bearer(403, "/2/tweets", None, B15).kind(), Forbidden);
        assert_eq!(
            bearer(403, "/2/tweets", Some(all), B12).kind(),
            DuplicateContent
        );
        assert_eq!(
            bearer(403, "/2/tweets", Some(all), UNSUPPORTED).kind(),
            UnsupportedAuthentication
        );
    }

    #[test]
    fn token_endpoint_refusals_have_their_kinds() {
        use ErrorKind::*;
        let r = |grant, status, error: &str| {
            OAuth2Refusal {
                grant,
                status,
                error: error.into(),
                description: None,
                rate_limit: None,
            }
            .kind()
        };
        assert_eq!(
            r(TokenGrant::RefreshToken, 400, "invalid_grant"),
            SignInRequired
        );
        assert_eq!(
            r(TokenGrant::RefreshToken, 400, "invalid_request"),
            SignInRequired
        );
        assert_eq!(
            r(TokenGrant::AuthorizationCode, 400, "invalid_grant"),
            SignInRequired
        );
        assert_eq!(
            r(TokenGrant::TokenExchange, 400, "invalid_grant"),
            TokenRevoked
        );
        assert_eq!(
            r(TokenGrant::TokenExchange, 400, "invalid_scope"),
            InvalidRequest
        );
        assert_eq!(
            r(TokenGrant::RefreshToken, 401, "unauthorized_client"),
            ClientIdRejected
        );
        assert_eq!(
            r(TokenGrant::AuthorizationCode, 401, "invalid_client"),
            ClientIdRejected
        );
        assert_eq!(
            r(TokenGrant::RefreshToken, 429, "rate_limited"),
            RateLimited
        );
        assert_eq!(
            r(TokenGrant::Revoke, 503, "temporarily_unavailable"),
            ServerError
        );
        let e = ClientError::OAuth2(Box::new(OAuth2Refusal {
            grant: TokenGrant::RefreshToken,
            status: 400,
            error: "invalid_grant".into(),
            description: Some("Refresh token was already used.".into()),
            rate_limit: None,
        }));
        assert_eq!(e.to_string(), "X refused the OAuth 2.0 token refresh (HTTP 400, invalid_grant: Refresh token was already used.)");
        assert_eq!((e.status(), e.is_transient()), (Some(400), false));
        assert_eq!(
            ClientError::UploadRouteNeedsOAuth1.kind(),
            UploadRouteRetired
        );
    }

    #[test]
    fn clock_skew_from_date_header() {
        let mut h = HeaderMap::new();
        h.insert("date", "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap());
        let e = ApiError::parse("GET", "/2/users/me", 401, &h, B5.as_bytes());
        assert_eq!(e.kind(), ErrorKind::ClockSkew);
        let d = ClientError::Api(Box::new(e)).diagnosis();
        assert_eq!(d.wizard_step, Some(crate::diagnosis::WizardStep::Clock));
    }
}
