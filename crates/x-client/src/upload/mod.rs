//! Media upload by v1.1 (legacy) or v2, and the automatic route (docs/protocol.md §1.3, §7, §8).
//!
//! Contract:
//! - The file is checked first ([`crate::media::inspect`]); nothing is sent for a refused file.
//! - Still images go one-shot (v1.1 simple upload / v2 `POST /2/media/upload`); GIFs and videos
//!   go chunked (INIT/APPEND/FINALIZE/STATUS or initialize/append/finalize/STATUS). Files are
//!   streamed from disk; at most `append_concurrency` segments of `chunk_size` bytes are in
//!   memory and in flight; a failed segment is re-sent alone. Chunked uploads resume
//!   (`segments.rs`): a checkpoint after every acknowledged segment, network outages waited
//!   out, segment size and parallelism fitted to the measured link.
//! - STATUS polling sleeps `check_after_secs` (5 s when missing), stops at the
//!   `processing_deadline`, and is cancellable.
//! - **Auto** starts on a fresh remembered route, else v1.1, and restarts the whole file on v2
//!   when v1.1 refuses (403 incl. 453, 404, 410, non-JSON, connection failure — also after INIT);
//!   that decision is returned in [`Uploaded::remember`] for the caller to store per account.
//!   v1.1 401 → v2 is tried once (works → remembered; fails → the v1.1 error). 429, 5xx and
//!   timeouts on v1.1 (after retries) → v2 for this upload only. A 400 from v1.1 is a bad file:
//!   no fallback. Processing failures never fall back.
//! - **OAuth 2.0** (a Bearer token): v1.1 upload needs OAuth 1.0a, so Auto goes straight to v2
//!   (its [`Uploaded::remember`] says why) and an explicit [`UploadRoute::V1`] fails with
//!   [`ClientError::UploadRouteNeedsOAuth1`] (`upload-route-retired`) before any request or
//!   file check.
//! - Alt text goes through the uploading route's metadata endpoint before returning (v1.1
//!   refused → `POST /2/media/metadata`).
//! - Progress is reported through [`UploadOptions::progress`], never printed.
//!
//! Layout: this file has the public types, the Auto route and what both routes share (the
//! call wrapper, segment size); `segments.rs` has the parallel, resumable APPEND loop;
//! `v1.rs` and `v2.rs` have one route each; `processing.rs` has FINALIZE and STATUS polling.

use std::path::Path;
use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::client::XClient;
use crate::error::{now_secs, ClientError, NetworkFailure};
use crate::media::{self, MediaInfo};
use crate::ratelimit::RateLimit;
use crate::transport::{Payload, Resp};

mod processing;
mod segments;
mod v1;
mod v2;

pub use segments::{Segment, UploadCheckpoint, PROBE_MAX, SEGMENT_TIME};

/// Which upload route to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum UploadRoute {
    /// v1.1 first, v2 when v1.1 refuses (§1).
    #[default]
    Auto,
    /// Legacy `upload.twitter.com/1.1/media/upload.json` only.
    V1,
    /// `api.x.com/2/media/upload` only.
    V2,
}

impl UploadRoute {
    /// `auto`, `v1` or `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadRoute::Auto => "auto",
            UploadRoute::V1 => "v1",
            UploadRoute::V2 => "v2",
        }
    }
}

impl std::str::FromStr for UploadRoute {
    type Err = ClientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(UploadRoute::Auto),
            "v1" | "v1.1" | "v1_1" => Ok(UploadRoute::V1),
            "v2" => Ok(UploadRoute::V2),
            other => Err(ClientError::Config(format!(
                "unknown upload route {other:?} (auto, v1 or v2)"
            ))),
        }
    }
}

/// A route decision to remember per account (§1: `{route, decided_at, reason}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDecision {
    /// The route that works (`v1` or `v2`).
    pub route: UploadRoute,
    /// Why (e.g. "v1.1 answered 403 (code 453)").
    pub reason: String,
    /// When (Unix seconds).
    pub decided_at: u64,
}

impl RouteDecision {
    fn new(route: UploadRoute, reason: impl Into<String>) -> Self {
        RouteDecision {
            route,
            reason: reason.into(),
            decided_at: now_secs(),
        }
    }
}

/// Progress of one upload, reported to the caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", content = "data", rename_all = "kebab-case")]
pub enum Progress {
    /// The file passed the checks.
    Checked {
        /// Sniffed MIME type.
        mime: String,
        /// Bytes to send.
        total: u64,
    },
    /// Uploading on a route.
    Started {
        /// Route.
        route: UploadRoute,
    },
    /// Bytes acknowledged by X so far.
    Sent {
        /// Bytes sent.
        sent: u64,
        /// Bytes in total.
        total: u64,
    },
    /// Continuing an interrupted upload: X already has `sent` bytes under the same media id.
    Continuing {
        /// Bytes X acknowledged before.
        sent: u64,
        /// Bytes in total.
        total: u64,
    },
    /// The network is away: nothing is sent; probing until X answers again.
    Paused {
        /// What failed.
        reason: String,
    },
    /// X answers again; sending goes on.
    Unpaused,
    /// v1.1 refused; restarting on v2.
    Fallback {
        /// Why.
        reason: String,
    },
    /// X is processing the media.
    Processing {
        /// Percent, when X says.
        percent: Option<u8>,
    },
    /// Done.
    Done {
        /// Media id.
        media_id: String,
    },
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Receives a chunked upload's checkpoint after INIT and after every acknowledged segment.
pub type CheckpointFn = Arc<dyn Fn(&UploadCheckpoint) + Send + Sync>;

/// Options of one upload.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// Route (default Auto).
    pub route: UploadRoute,
    /// Alt text (images and GIFs, ≤ 1000 characters).
    pub alt_text: Option<String>,
    /// The account's remembered decision (Auto uses it while fresh).
    pub remembered: Option<RouteDecision>,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Cancellation.
    pub cancel: Option<CancellationToken>,
    /// A checkpoint of an earlier, interrupted upload of this file: continued when it still
    /// fits (same file, same route family, media id not expired), else ignored.
    pub resume: Option<UploadCheckpoint>,
    /// Where checkpoints go (keep the latest to resume after a restart).
    pub on_checkpoint: Option<CheckpointFn>,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("route", &self.route)
            .field("alt_text", &self.alt_text)
            .field("remembered", &self.remembered)
            .field("resume", &self.resume)
            .finish_non_exhaustive()
    }
}

/// A finished upload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Uploaded {
    /// Media id (for `media.media_ids`).
    pub media_id: String,
    /// `media_key`, when X sent one.
    pub media_key: Option<String>,
    /// Route that carried the bytes.
    pub route_used: UploadRoute,
    /// Set when Auto left v1.1 for this upload (with the reason).
    pub fallback: Option<RouteDecision>,
    /// A decision the caller should store for the account (v1.1 worked, or v1.1 refused).
    pub remember: Option<RouteDecision>,
    /// What the checks found.
    pub info: MediaInfo,
    /// Non-blocking remarks (alt text length …).
    pub warnings: Vec<String>,
    /// Rate-limit headers of the last upload call.
    pub rate_limit: Option<RateLimit>,
}

/// Smallest APPEND segment.
const MIN_CHUNK: u64 = 64 * 1024;
/// Largest APPEND segment (§8: 4 MiB worked, 5 MiB got 431).
const MAX_CHUNK: u64 = 4 * 1024 * 1024;
/// `segment_index` is 0–999.
const MAX_SEGMENTS: u64 = 1000;

/// How a v1.1 failure steers Auto.
#[derive(Debug)]
enum V1Verdict {
    /// Refused: restart on v2 and remember.
    Refused(String),
    /// 401: try v2 once.
    Auth,
    /// Transient: v2 for this upload only.
    ThisUploadOnly(String),
    /// No fallback.
    Final,
}

fn v1_verdict(e: &ClientError) -> V1Verdict {
    match e {
        ClientError::Api(a) => {
            let code = a.code.map(|c| format!(" (code {c})")).unwrap_or_default();
            match a.status {
                401 => V1Verdict::Auth,
                403 | 404 | 410 => V1Verdict::Refused(format!("v1.1 answered {}{code}", a.status)),
                429 => V1Verdict::ThisUploadOnly("v1.1 is rate-limited".into()),
                s if s >= 500 => V1Verdict::ThisUploadOnly(format!("v1.1 failed with {s}")),
                s if !a.json => {
                    V1Verdict::Refused(format!("v1.1 answered {s} with a non-JSON body"))
                }
                _ => V1Verdict::Final,
            }
        }
        ClientError::Network {
            failure: NetworkFailure::Connect,
            ..
        } => V1Verdict::Refused("v1.1 connection failed".into()),
        ClientError::Network { .. } => {
            V1Verdict::ThisUploadOnly("v1.1 timed out or dropped the connection".into())
        }
        ClientError::Unexpected { path, .. } if path.starts_with("/1.1/") => {
            V1Verdict::Refused("v1.1 answered with a non-JSON body".into())
        }
        _ => V1Verdict::Final,
    }
}

/// Retry rule for v1.1 calls under Auto: only what §1 says to retry before moving on.
fn v1_auto_retryable(e: &ClientError) -> bool {
    match e {
        ClientError::Api(a) => a.status >= 500,
        ClientError::Network { failure, .. } => *failure != NetworkFailure::Connect,
        _ => false,
    }
}

struct Ctx<'a> {
    info: &'a MediaInfo,
    opts: &'a UploadOptions,
    retryable: fn(&ClientError) -> bool,
    /// Rate-limit headers of the latest answer.
    rate_limit: std::sync::Mutex<Option<RateLimit>>,
}

impl Ctx<'_> {
    fn report(&self, p: Progress) {
        if let Some(cb) = &self.opts.progress {
            cb(p);
        }
    }
    fn cancel(&self) -> Option<&CancellationToken> {
        self.opts.cancel.as_ref()
    }
    fn checkpoint(&self, cp: &UploadCheckpoint) {
        if let Some(cb) = &self.opts.on_checkpoint {
            cb(cp);
        }
    }
    /// The caller's checkpoint and the plan of what X still lacks, when it can continue this
    /// file on `route`.
    fn resume_on(&self, route: UploadRoute) -> Option<(UploadCheckpoint, segments::Plan)> {
        let cp = self
            .opts
            .resume
            .clone()
            .filter(|cp| cp.fits(self.info, route))?;
        let plan = segments::Plan::resume(&cp)?;
        Some((cp, plan))
    }
    /// Continues an interrupted upload: reports how much X has, and gives a first link estimate.
    fn continue_from(
        &self,
        (cp, plan): (UploadCheckpoint, segments::Plan),
    ) -> (UploadCheckpoint, segments::Plan, segments::LinkEstimate) {
        self.report(Progress::Continuing {
            sent: cp.acked_bytes(),
            total: cp.total,
        });
        (cp, plan, segments::LinkEstimate::new(segments::GUESSED_RTT))
    }
}

struct RouteResult {
    media_id: String,
    media_key: Option<String>,
}

/// Why an OAuth 2.0 account uploads through v2 (the reason of its route decision).
pub const OAUTH2_V2_ONLY: &str =
    "OAuth 2.0 accounts upload through v2 only (the v1.1 route needs OAuth 1.0a keys)";

impl XClient {
    /// Uploads one file (see the module docs for the route rules).
    pub async fn upload(&self, path: &Path, opts: UploadOptions) -> Result<Uploaded, ClientError> {
        let oauth2 = self.uses_oauth2();
        if oauth2 && opts.route == UploadRoute::V1 {
            return Err(ClientError::UploadRouteNeedsOAuth1);
        }
        let info = {
            let p = path.to_path_buf();
            tokio::task::spawn_blocking(move || media::inspect(&p))
                .await
                .map_err(|e| ClientError::Config(format!("media check task failed: {e}")))??
        };
        let mut warnings = info.warnings.clone();
        if let Some(alt) = &opts.alt_text {
            if let Some(w) = media::check_alt_text(info.kind, alt)? {
                warnings.push(w);
            }
        }
        let mut ctx = Ctx {
            info: &info,
            opts: &opts,
            retryable: ClientError::is_transient,
            rate_limit: std::sync::Mutex::new(None),
        };
        ctx.report(Progress::Checked {
            mime: info.mime.clone(),
            total: info.size,
        });

        let ttl = self.config().route_ttl.as_secs();
        // An interrupted v2 upload of this file continues on v2 (restarting elsewhere would
        // send it all again).
        let remembered_v2 = opts.remembered.as_ref().is_some_and(|d| {
            d.route == UploadRoute::V2 && now_secs().saturating_sub(d.decided_at) < ttl
        }) || ctx.resume_on(UploadRoute::V2).is_some();

        let (result, route_used, fallback, remember) = match opts.route {
            UploadRoute::V1 => (self.upload_v1(&ctx).await?, UploadRoute::V1, None, None),
            UploadRoute::V2 => (self.upload_v2(&ctx).await?, UploadRoute::V2, None, None),
            UploadRoute::Auto if oauth2 => (
                self.upload_v2(&ctx).await?,
                UploadRoute::V2,
                None,
                Some(RouteDecision::new(UploadRoute::V2, OAUTH2_V2_ONLY)),
            ),
            UploadRoute::Auto if remembered_v2 => {
                (self.upload_v2(&ctx).await?, UploadRoute::V2, None, None)
            }
            UploadRoute::Auto => {
                ctx.retryable = v1_auto_retryable;
                let first = self.upload_v1(&ctx).await;
                ctx.retryable = ClientError::is_transient;
                match first {
                    Ok(r) => (
                        r,
                        UploadRoute::V1,
                        None,
                        Some(RouteDecision::new(UploadRoute::V1, "v1.1 upload worked")),
                    ),
                    Err(e) => match v1_verdict(&e) {
                        V1Verdict::Refused(reason) => {
                            ctx.report(Progress::Fallback {
                                reason: reason.clone(),
                            });
                            let r = self.upload_v2(&ctx).await?;
                            let d = RouteDecision::new(UploadRoute::V2, reason);
                            (r, UploadRoute::V2, Some(d.clone()), Some(d))
                        }
                        V1Verdict::Auth => {
                            let reason = format!("v1.1 refused the credentials ({e})");
                            ctx.report(Progress::Fallback {
                                reason: reason.clone(),
                            });
                            match self.upload_v2(&ctx).await {
                                Ok(r) => {
                                    let d = RouteDecision::new(UploadRoute::V2, reason);
                                    (r, UploadRoute::V2, Some(d.clone()), Some(d))
                                }
                                Err(_) => return Err(e),
                            }
                        }
                        V1Verdict::ThisUploadOnly(reason) => {
                            ctx.report(Progress::Fallback {
                                reason: reason.clone(),
                            });
                            let r = self.upload_v2(&ctx).await?;
                            (
                                r,
                                UploadRoute::V2,
                                Some(RouteDecision::new(UploadRoute::V2, reason)),
                                None,
                            )
                        }
                        V1Verdict::Final => return Err(e),
                    },
                }
            }
        };

        if let Some(alt) = opts.alt_text.as_deref().filter(|a| !a.is_empty()) {
            self.set_alt_text(route_used, &result.media_id, alt, ctx.cancel())
                .await?;
        }
        ctx.report(Progress::Done {
            media_id: result.media_id.clone(),
        });
        let rate_limit = ctx.rate_limit.lock().ok().and_then(|g| *g);
        Ok(Uploaded {
            media_id: result.media_id,
            media_key: result.media_key,
            route_used,
            fallback,
            remember,
            info,
            warnings,
            rate_limit,
        })
    }

    /// Sets alt text through the route's metadata endpoint (v1.1 refused → v2's; an OAuth 2.0
    /// client always uses v2's).
    pub async fn set_alt_text(
        &self,
        route: UploadRoute,
        media_id: &str,
        alt: &str,
        cancel: Option<&CancellationToken>,
    ) -> Result<(), ClientError> {
        if route == UploadRoute::V1 && !self.uses_oauth2() {
            let url = self.upload_url("/1.1/media/metadata/create.json");
            let body = json!({ "media_id": media_id, "alt_text": { "text": alt } });
            match self
                .send_retrying(
                    Method::POST,
                    &url,
                    &Payload::Json {
                        body,
                        charset: true,
                    },
                    cancel,
                    ClientError::is_transient,
                )
                .await
                .result
            {
                Ok(_) => return Ok(()),
                Err(e) => match v1_verdict(&e) {
                    V1Verdict::Refused(_) => {}
                    _ => return Err(e),
                },
            }
        }
        let url = self.api_url("/2/media/metadata");
        let body = json!({ "id": media_id, "metadata": { "alt_text": { "text": alt } } });
        self.send_retrying(
            Method::POST,
            &url,
            &Payload::Json {
                body,
                charset: false,
            },
            cancel,
            ClientError::is_transient,
        )
        .await
        .result?;
        Ok(())
    }

    async fn call(
        &self,
        ctx: &Ctx<'_>,
        method: Method,
        url: &str,
        payload: Payload,
    ) -> Result<Resp, ClientError> {
        let r = self
            .send_retrying(method, url, &payload, ctx.cancel(), ctx.retryable)
            .await
            .result?;
        if let Some(rl) = r.rate_limit() {
            if let Ok(mut slot) = ctx.rate_limit.lock() {
                *slot = Some(rl);
            }
        }
        Ok(r)
    }

    /// The segment size for a file: the configured size (64 KiB–4 MiB), raised when the file
    /// would need more than 1000 segments.
    fn chunk_for(&self, total: u64) -> u64 {
        let configured = u64::try_from(self.config().chunk_size)
            .unwrap_or(MAX_CHUNK)
            .clamp(MIN_CHUNK, MAX_CHUNK);
        configured.max(total.div_ceil(MAX_SEGMENTS))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    use crate::error::ApiError;
    use reqwest::header::HeaderMap;

    fn api(status: u16, body: &str) -> ClientError {
        ClientError::Api(Box::new(ApiError::parse(
            "POST",
            "/1.1/media/upload.json",
            status,
            &HeaderMap::new(),
            body.as_bytes(),
        )))
    }

    #[test]
    fn verdicts_follow_the_auto_table() {
        let b1 = r#"{"errors":[{"message":"subset","code":453}]}"#;
        assert!(matches!(v1_verdict(&api(403, b1)), V1Verdict::Refused(r) if r.contains("453")));
        assert!(matches!(v1_verdict(&api(404, "")), V1Verdict::Refused(_)));
        assert!(matches!(v1_verdict(&api(410, "{}")), V1Verdict::Refused(_)));
        assert!(matches!(
            v1_verdict(&api(403, "<html>")),
            V1Verdict::Refused(_)
        ));
        assert!(matches!(
            v1_verdict(&api(401, r#"{"errors":[{"code":32,"message":"x"}]}"#)),
            V1Verdict::Auth
        ));
        assert!(matches!(
            v1_verdict(&api(
                400,
                r#"{"request":"/1.1/media/upload.json","error":"media type unrecognized."}"#
            )),
            V1Verdict::Final
        ));
        assert!(matches!(
            v1_verdict(&api(429, "{}")),
            V1Verdict::ThisUploadOnly(_)
        ));
        assert!(matches!(
            v1_verdict(&api(503, "")),
            V1Verdict::ThisUploadOnly(_)
        ));
        let conn = ClientError::Network {
            failure: NetworkFailure::Connect,
            what: "x".into(),
            message: "refused".into(),
        };
        assert!(matches!(v1_verdict(&conn), V1Verdict::Refused(_)));
        assert!(matches!(
            v1_verdict(&ClientError::ProcessingFailed("x".into())),
            V1Verdict::Final
        ));
    }

    #[test]
    fn route_names() {
        assert_eq!("v1".parse::<UploadRoute>().unwrap(), UploadRoute::V1);
        assert_eq!("AUTO".parse::<UploadRoute>().unwrap(), UploadRoute::Auto);
        assert!("v3".parse::<UploadRoute>().is_err());
        assert_eq!(serde_json::to_string(&UploadRoute::V2).unwrap(), "\"v2\"");
    }
}
