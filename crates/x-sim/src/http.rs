//! Request dispatch: routing, fault injection, body classification, strict OAuth 1.0a
//! verification, common headers and the request log.
//!
//! Contract: [`dispatch`] turns every request into an X-shaped response (or, when a fault
//! or mode asks for it, a hang or a connection reset) and never panics. A request whose
//! `Host` does not name this simulator is answered 421 first (rules in [`crate::guard`]);
//! `/_sim/` requests go to the control API, which applies its own guards. Only the query
//! string and single-part `application/x-www-form-urlencoded` bodies are signed; JSON and
//! multipart bodies are never read before authentication succeeds, and multipart bodies are
//! handed on as a stream.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request};
use axum::response::Response;
use bytes::Bytes;
use tokio::sync::Notify;

use crate::config::{AccessLevel, Faults, Modes, SimConfig, V1Retired};
use crate::oauth;
use crate::reply;
use crate::world::{RequestLogEntry, World};

pub use crate::limits::SMALL_BODY_MAX;

/// State shared by every connection.
#[derive(Debug)]
pub struct Shared {
    /// Start-up config.
    pub cfg: SimConfig,
    /// The world.
    pub world: Mutex<World>,
    /// `http://127.0.0.1:PORT` of the API listener.
    pub api_base: String,
    /// `http://127.0.0.1:PORT` of the upload listener.
    pub upload_base: String,
    /// Bumped whenever the modes change (wakes the upload accept loop).
    pub mode_changed: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    /// Locks the world (recovering from poisoning: the world stays usable).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Which listener accepted the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// The API base.
    Api,
    /// The legacy upload base.
    Upload,
}

/// Per-connection information handed to the dispatcher.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// Peer address.
    pub peer: SocketAddr,
    /// Local address.
    pub local: SocketAddr,
    /// Which listener.
    pub listener: ListenerKind,
    /// Notified to reset the connection.
    pub kill: Arc<Notify>,
    /// The connection is TLS (the signed scheme is `https`).
    pub tls: bool,
}

/// The family of a route, which decides error shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/2/…`: problem bodies.
    V2,
    /// `/1.1/…` and `/oauth/…`: `errors` envelopes.
    V1,
}

/// A classified route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/_sim/…` control API (sub-path after `/_sim/`).
    Control(String),
    /// `POST /oauth/request_token`
    RequestToken,
    /// `GET|POST /oauth/authorize` (and `/oauth/authenticate`)
    Authorize,
    /// `POST /oauth/access_token`
    AccessToken,
    /// `POST /1.1/oauth/invalidate_token`
    InvalidateToken,
    /// `GET /2/users/me`
    UsersMe,
    /// `POST /2/tweets`
    CreatePost,
    /// `DELETE /2/tweets/:id`
    DeletePost(String),
    /// `GET /2/tweets/:id`
    GetPost(String),
    /// `GET /2/users/:id/tweets` (user timeline)
    UserTweets(String),
    /// `POST /1.1/statuses/update.json`
    V1StatusesUpdate,
    /// `POST|GET /1.1/media/upload.json`
    V1Upload,
    /// `POST /1.1/media/metadata/create.json`
    V1Metadata,
    /// `POST /2/media/upload` (one-shot)
    V2OneShot,
    /// `GET /2/media/upload` (STATUS)
    V2Status,
    /// `POST /2/media/upload/initialize`
    V2Init,
    /// `POST /2/media/upload/:id/append`
    V2Append(String),
    /// `POST /2/media/upload/:id/finalize`
    V2Finalize(String),
    /// `POST /2/media/metadata[/create]`
    V2Metadata,
    /// Anything else.
    NotFound(Family),
}

impl Route {
    /// Classifies a method and path.
    pub fn classify(method: &Method, path: &str) -> Route {
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let m = method.as_str();
        match (m, segs.as_slice()) {
            (_, ["_sim", rest @ ..]) => Route::Control(rest.join("/")),
            ("POST", ["oauth", "request_token"]) => Route::RequestToken,
            ("GET" | "POST", ["oauth", "authorize" | "authenticate"]) => Route::Authorize,
            ("POST", ["oauth", "access_token"]) => Route::AccessToken,
            ("POST", ["1.1", "oauth", "invalidate_token" | "invalidate_token.json"]) => {
                Route::InvalidateToken
            }
            ("GET", ["2", "users", "me"]) => Route::UsersMe,
            ("GET", ["2", "users", id, "tweets"]) => Route::UserTweets((*id).to_string()),
            ("POST", ["2", "tweets"]) => Route::CreatePost,
            ("DELETE", ["2", "tweets", id]) => Route::DeletePost((*id).to_string()),
            ("GET", ["2", "tweets", id]) => Route::GetPost((*id).to_string()),
            ("POST", ["1.1", "statuses", "update.json"]) => Route::V1StatusesUpdate,
            ("POST" | "GET", ["1.1", "media", "upload.json"]) => Route::V1Upload,
            ("POST", ["1.1", "media", "metadata", "create.json"]) => Route::V1Metadata,
            ("POST", ["2", "media", "upload"]) => Route::V2OneShot,
            ("GET", ["2", "media", "upload"]) => Route::V2Status,
            ("POST", ["2", "media", "upload", "initialize"]) => Route::V2Init,
            ("POST", ["2", "media", "upload", id, "append"]) => Route::V2Append((*id).to_string()),
            ("POST", ["2", "media", "upload", id, "finalize"]) => {
                Route::V2Finalize((*id).to_string())
            }
            ("POST", ["2", "media", "metadata"] | ["2", "media", "metadata", "create"]) => {
                Route::V2Metadata
            }
            (_, ["2", ..]) => Route::NotFound(Family::V2),
            _ => Route::NotFound(Family::V1),
        }
    }

    /// The endpoint key used for faults, rate limits and the log.
    pub fn endpoint(&self, method: &Method) -> String {
        let s = match self {
            Route::Control(_) => "/_sim",
            Route::RequestToken => "POST /oauth/request_token",
            Route::Authorize => "GET /oauth/authorize",
            Route::AccessToken => "POST /oauth/access_token",
            Route::InvalidateToken => "POST /1.1/oauth/invalidate_token",
            Route::UsersMe => "GET /2/users/me",
            Route::CreatePost => "POST /2/tweets",
            Route::DeletePost(_) => "DELETE /2/tweets/:id",
            Route::GetPost(_) => "GET /2/tweets/:id",
            Route::UserTweets(_) => crate::timeline::ENDPOINT,
            Route::V1StatusesUpdate => "POST /1.1/statuses/update.json",
            Route::V1Upload => {
                return format!("{} /1.1/media/upload.json", method.as_str());
            }
            Route::V1Metadata => "POST /1.1/media/metadata/create.json",
            Route::V2OneShot => "POST /2/media/upload",
            Route::V2Status => "GET /2/media/upload",
            Route::V2Init => "POST /2/media/upload/initialize",
            Route::V2Append(_) => "POST /2/media/upload/:id/append",
            Route::V2Finalize(_) => "POST /2/media/upload/:id/finalize",
            Route::V2Metadata => "POST /2/media/metadata",
            Route::NotFound(_) => "unknown",
        };
        s.to_string()
    }

    /// Error family.
    pub fn family(&self) -> Family {
        match self {
            Route::UsersMe
            | Route::CreatePost
            | Route::DeletePost(_)
            | Route::GetPost(_)
            | Route::UserTweets(_)
            | Route::V2OneShot
            | Route::V2Status
            | Route::V2Init
            | Route::V2Append(_)
            | Route::V2Finalize(_)
            | Route::V2Metadata
            | Route::NotFound(Family::V2) => Family::V2,
            _ => Family::V1,
        }
    }

    /// Whether this is a legacy v1.1 media route (subject to the retirement switch).
    pub fn is_v1_media(&self) -> bool {
        matches!(self, Route::V1Upload | Route::V1Metadata)
    }

    /// Whether this is a v2 media route.
    pub fn is_v2_media(&self) -> bool {
        matches!(
            self,
            Route::V2OneShot
                | Route::V2Status
                | Route::V2Init
                | Route::V2Append(_)
                | Route::V2Finalize(_)
                | Route::V2Metadata
        )
    }
}

/// The request body after classification.
pub enum ReqBody {
    /// No body / not read.
    Empty,
    /// Decoded form fields (signed).
    Form(Vec<(String, String)>),
    /// Raw JSON bytes (unsigned).
    Json(Bytes),
    /// A multipart stream (unsigned), never buffered whole.
    Multipart(multer::Multipart<'static>),
    /// Another content type (raw, size-limited).
    Other(Bytes),
}

/// A successfully authenticated caller.
#[derive(Debug, Clone)]
pub struct Auth {
    /// App.
    pub consumer_key: String,
    /// Token (access token, or request token on access_token).
    pub token: Option<String>,
    /// Account (access tokens only).
    pub account_id: Option<String>,
    /// Level of the access token.
    pub level: AccessLevel,
    /// All signed parameters (query + form + header), deduplicated.
    pub params: Vec<(String, String)>,
}

/// Everything a route handler gets.
pub struct Ctx {
    /// Shared state.
    pub shared: Arc<Shared>,
    /// Connection.
    pub conn: ConnInfo,
    /// Method.
    pub method: Method,
    /// Path as received.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// `http://host[:port]` as received.
    pub origin: String,
    /// Authenticated caller (None on unauthenticated routes).
    pub auth: Option<Auth>,
    /// Faults of this endpoint.
    pub faults: Faults,
    /// Endpoint key.
    pub endpoint: String,
}

impl Ctx {
    /// Current modes with the caller's per-account overrides applied.
    pub fn modes(&self) -> Modes {
        self.shared.world().effective_modes(&self.account())
    }
    /// First value of a signed/query parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        if let Some(a) = &self.auth {
            if let Some((_, v)) = a.params.iter().find(|(k, _)| k == key) {
                return Some(v.clone());
            }
        }
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    /// The authenticated account id ("" if none).
    pub fn account(&self) -> String {
        self.auth
            .as_ref()
            .and_then(|a| a.account_id.clone())
            .unwrap_or_default()
    }
}

/// Result of a handler: `Ok` and `Err` are both complete responses.
pub type HResult = Result<Response, Response>;

/// Reads a small body fully (bounded).
pub async fn read_small(body: Body, limit: usize) -> Result<Bytes, ()> {
    axum::body::to_bytes(body, limit).await.map_err(|_| ())
}

/// The media type essence of the Content-Type header, lowercased.
pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Hangs until the connection is dropped.
async fn hang() -> Response {
    std::future::pending::<()>().await;
    Response::new(Body::empty())
}

/// Resets the connection: notifies the connection task and waits to be dropped.
async fn reset(conn: &ConnInfo) -> Response {
    conn.kill.notify_one();
    hang().await
}

fn rate_headers(resp: &mut Response, m: &Modes, info: &crate::world::RateInfo) {
    if !m.rate_limit_headers {
        return;
    }
    let h = resp.headers_mut();
    let mut put = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(name, v);
        }
    };
    if let Some((l, r, reset)) = info.user {
        put("x-rate-limit-limit", l.to_string());
        put("x-rate-limit-remaining", r.to_string());
        put("x-rate-limit-reset", reset.to_string());
    }
    if m.rate_limit_24h_headers {
        if let Some((l, r, reset)) = info.app24 {
            put("x-app-limit-24hour-limit", l.to_string());
            put("x-app-limit-24hour-remaining", r.to_string());
            put("x-app-limit-24hour-reset", reset.to_string());
        }
        if let Some((l, r, reset)) = info.user24 {
            put("x-user-limit-24hour-limit", l.to_string());
            put("x-user-limit-24hour-remaining", r.to_string());
            put("x-user-limit-24hour-reset", reset.to_string());
        }
    }
}

/// The scheme the client used: `http`, or the forwarded one when trusted.
fn request_scheme(cfg: &SimConfig, headers: &HeaderMap, tls: bool) -> String {
    if tls {
        return "https".to_string();
    }
    if !cfg.trust_forwarded_proto {
        return "http".to_string();
    }
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .next()
                .unwrap_or("http")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|v| v == "https" || v == "http")
        .unwrap_or_else(|| "http".to_string())
}

/// Outcome of [`verify`] for the log.
struct AuthLog {
    consumer_key: Option<String>,
    token: Option<String>,
    base_string: Option<String>,
    outcome: String,
}

fn fam_401(m: &Modes, family: Family, code: u32) -> Response {
    match family {
        Family::V2 if code != 135 => reply::b5(m),
        _ => reply::v1(401, code, "Could not authenticate you."),
    }
}

/// Strict OAuth 1.0a verification (docs/protocol.md §2, §12.2).
#[allow(clippy::too_many_arguments)]
fn verify(
    cfg: &SimConfig,
    w: &mut World,
    method: &Method,
    headers: &HeaderMap,
    host: &str,
    path: &str,
    query: &[(String, String)],
    form: &[(String, String)],
    route: &Route,
    tls: bool,
    log: &mut AuthLog,
) -> Result<Auth, Response> {
    let m = w.modes.clone();
    let family = route.family();
    let Some(raw) = headers.get(header::AUTHORIZATION) else {
        log.outcome = "missing".into();
        return Err(match family {
            Family::V2 => reply::b5(&m),
            Family::V1 => reply::v1(400, 215, "Bad authentication data."),
        });
    };
    let raw = match raw.to_str() {
        Ok(s) => s,
        Err(_) => {
            log.outcome = "malformed".into();
            return Err(fam_401(&m, family, 32));
        }
    };
    if raw
        .trim_start()
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
    {
        log.outcome = "bearer".into();
        return Err(match family {
            Family::V2 => reply::unsupported_auth(&m),
            Family::V1 => reply::v1(
                403,
                220,
                "Your credentials do not allow access to this resource.",
            ),
        });
    }
    let hdr = match oauth::parse_authorization(raw) {
        Ok(h) => h,
        Err(_) => {
            log.outcome = "malformed".into();
            return Err(fam_401(&m, family, 32));
        }
    };
    let mut all: Vec<(String, String)> = hdr
        .params
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .cloned()
        .collect();
    all.extend(query.iter().cloned());
    all.extend(form.iter().cloned());
    let get = |k: &str| all.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    log.consumer_key = get("oauth_consumer_key");
    log.token = get("oauth_token");

    // Duplicate keys: identical pairs collapse to one (node twitter-api-v2's PIN login),
    // differing values are rejected.
    let mut dedup: Vec<(String, String)> = Vec::with_capacity(all.len());
    let mut conflicting = false;
    for (k, v) in &all {
        match dedup.iter().find(|(dk, _)| dk == k) {
            Some((_, dv)) if dv == v => {}
            Some(_) => conflicting = true,
            None => dedup.push((k.clone(), v.clone())),
        }
    }
    let scheme = request_scheme(cfg, headers, tls);
    let received_url = oauth::base_url(&scheme, host, path);
    let base = oauth::base_string(method.as_str(), &received_url, &dedup);
    log.base_string = Some(base.clone());
    if conflicting {
        log.outcome = "duplicate_params".into();
        return Err(fam_401(&m, family, 32));
    }
    let sig = hdr.get("oauth_signature").map(str::to_string);
    let (Some(ck), Some(sig), Some(nonce), Some(ts), Some(sm)) = (
        get("oauth_consumer_key"),
        sig,
        get("oauth_nonce"),
        get("oauth_timestamp"),
        get("oauth_signature_method"),
    ) else {
        log.outcome = "missing_oauth_params".into();
        return Err(fam_401(&m, family, 32));
    };
    if sm != "HMAC-SHA1" || get("oauth_version").is_some_and(|v| v != "1.0") {
        log.outcome = "unsupported_method".into();
        return Err(fam_401(&m, family, 32));
    }
    let Ok(ts) = ts.parse::<i64>() else {
        log.outcome = "bad_timestamp".into();
        return Err(fam_401(&m, family, 32));
    };
    let Some(app) = w.app(&ck).cloned() else {
        log.outcome = "unknown_consumer".into();
        return Err(fam_401(&m, family, 32));
    };
    let token = get("oauth_token");
    let code89 = |m: &Modes| reply::v1(m.code89_status, 89, "Invalid or expired token.");
    let (token_secret, account_id, level) = match route {
        Route::RequestToken => (String::new(), None, app.permissions),
        Route::AccessToken => {
            let Some(t) = token.as_ref() else {
                log.outcome = "missing_token".into();
                return Err(fam_401(&m, family, 32));
            };
            match w.request_tokens.get(t) {
                Some(rt) if rt.consumer_key == ck && !rt.used => {
                    (rt.secret.clone(), None, app.permissions)
                }
                _ => {
                    log.outcome = "unknown_token".into();
                    return Err(code89(&m));
                }
            }
        }
        _ => {
            let Some(t) = token.as_ref() else {
                log.outcome = "missing_token".into();
                return Err(fam_401(&m, family, 32));
            };
            match w.tokens.get(t) {
                Some(tok) if tok.consumer_key == ck && !tok.revoked => (
                    tok.secret.clone(),
                    Some(tok.account_id.clone()),
                    tok.access_level,
                ),
                _ => {
                    log.outcome = if w.tokens.get(t).is_some_and(|x| x.revoked) {
                        "revoked_token"
                    } else {
                        "unknown_token"
                    }
                    .into();
                    return Err(code89(&m));
                }
            }
        }
    };
    let key = oauth::signing_key(&app.consumer_secret, &token_secret);
    let mut ok = oauth::signature_eq(&sig, &oauth::sign(&base, &key));
    if !ok {
        for origin in &cfg.extra_signing_origins {
            let url = format!(
                "{}{}",
                origin.trim_end_matches('/').to_ascii_lowercase(),
                path
            );
            let alt = oauth::base_string(method.as_str(), &url, &dedup);
            if oauth::signature_eq(&sig, &oauth::sign(&alt, &key)) {
                ok = true;
                break;
            }
        }
    }
    if !ok {
        log.outcome = "bad_signature".into();
        return Err(fam_401(&m, family, 32));
    }
    let now = w.auth_now_secs();
    let window = i64::try_from(cfg.timestamp_window_secs).unwrap_or(i64::MAX);
    if now.saturating_sub(ts).saturating_abs() > window {
        log.outcome = "timestamp_out_of_window".into();
        return Err(reply::v1(401, 135, "Could not authenticate you."));
    }
    if cfg.nonce_check && !w.check_nonce(&ck, &nonce, ts, window) {
        log.outcome = "nonce_replay".into();
        return Err(fam_401(&m, family, 32));
    }
    log.outcome = "ok".into();
    Ok(Auth {
        consumer_key: ck,
        token,
        account_id,
        level,
        params: dedup,
    })
}

/// Handles one request end to end.
pub async fn dispatch(shared: Arc<Shared>, conn: ConnInfo, req: Request<Body>) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let route = Route::classify(&parts.method, &path);
    if let Route::Control(sub) = &route {
        return crate::control::handle(
            &shared,
            &conn,
            &parts.method,
            sub,
            &parts.headers,
            &parts.uri,
            body,
        )
        .await;
    }
    let endpoint = route.endpoint(&parts.method);
    let family = route.family();
    if !shared.cfg.any_api_host() {
        if let Err(why) = crate::guard::check_host(
            &parts.headers,
            &parts.uri,
            conn.local.port(),
            conn.tls,
            &shared.cfg.api_hosts,
        ) {
            let modes = shared.world().modes.clone();
            return misdirected(&modes, family, &why);
        }
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| conn.local.to_string());
    let origin = format!(
        "{}://{}",
        request_scheme(&shared.cfg, &parts.headers, conn.tls),
        host.to_ascii_lowercase()
    );
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| path.clone());

    let (faults, modes, seq, roll_err, roll_hang, roll_reset, jitter, roll_no_id) = {
        let mut w = shared.world();
        let f = w.faults_for(&endpoint);
        let at_ms = w.now_ms();
        let seq = w.log_request(RequestLogEntry {
            seq: 0,
            at_ms,
            listener: match conn.listener {
                ListenerKind::Api => "api".into(),
                ListenerKind::Upload => "upload".into(),
            },
            method: parts.method.to_string(),
            target,
            endpoint: endpoint.clone(),
            consumer_key: None,
            token: None,
            base_string: None,
            auth: "none".into(),
            status: 0,
        });
        let e = f.error_rate > 0.0 && w.rand_f64() < f.error_rate;
        let h = f.hang_rate > 0.0 && w.rand_f64() < f.hang_rate;
        let r = f.reset_rate > 0.0 && w.rand_f64() < f.reset_rate;
        let j = if f.jitter_ms > 0 {
            w.rand_u64() % f.jitter_ms.saturating_add(1).max(1)
        } else {
            0
        };
        // Drawn last and only when configured, so older fault set-ups keep their sequence.
        let o = (f.ok_without_id_rate > 0.0 && w.rand_f64() < f.ok_without_id_rate)
            .then(|| w.rand_u64() % 4);
        (f, w.modes.clone(), seq, e, h, r, j, o)
    };
    if faults.latency_ms.saturating_add(jitter) > 0 {
        tokio::time::sleep(Duration::from_millis(
            faults.latency_ms.saturating_add(jitter),
        ))
        .await;
    }
    if roll_hang {
        return hang().await;
    }
    if roll_reset && !faults.reset_after_commit {
        return reset(&conn).await;
    }
    let err_status = if faults.error_status == 0 {
        503
    } else {
        faults.error_status
    };
    if roll_err && !faults.error_after_commit {
        let r = reply::server_error(&modes, err_status, family == Family::V2);
        return finish(&shared, seq, r, started, family);
    }

    // v1.1 retirement switch (global; per-account overrides apply after authentication).
    if route.is_v1_media() {
        match v1_refusal(modes.v1_retired) {
            Some(Refusal::Reply(r)) => return finish(&shared, seq, r, started, family),
            Some(Refusal::Reset) => return reset(&conn).await,
            None => {}
        }
    }

    if let Route::NotFound(f) = route {
        let r = match f {
            Family::V2 => reply::no_route_v2(&modes),
            Family::V1 => reply::no_route_v1(),
        };
        return finish(&shared, seq, r, started, family);
    }

    let query = match oauth::parse_form(parts.uri.query().unwrap_or("")) {
        Ok(q) => q,
        Err(_) => {
            let r = match family {
                Family::V2 => reply::invalid_request(&modes, "The query string is not valid."),
                Family::V1 => reply::v1(400, 44, "Invalid query string."),
            };
            return finish(&shared, seq, r, started, family);
        }
    };

    // Body classification: only form bodies are read before authentication.
    let ct = content_type(&parts.headers);
    let mut req_body = ReqBody::Empty;
    let mut form: Vec<(String, String)> = Vec::new();
    let mut pending_body = Some(body);
    if ct == "application/x-www-form-urlencoded" {
        let raw = match pending_body.take() {
            Some(b) => read_small(b, SMALL_BODY_MAX).await,
            None => Err(()),
        };
        let parsed = raw
            .ok()
            .and_then(|b| std::str::from_utf8(&b).ok().map(str::to_string))
            .map(|s| oauth::parse_form(&s));
        match parsed {
            Some(Ok(f)) => {
                form = f.clone();
                req_body = ReqBody::Form(f);
            }
            _ => {
                let r = match family {
                    Family::V2 => {
                        reply::invalid_request(&modes, "The request body is not valid form data.")
                    }
                    Family::V1 => reply::v1(400, 44, "The request body is not valid form data."),
                };
                return finish(&shared, seq, r, started, family);
            }
        }
    }

    let needs_auth = !matches!(route, Route::Authorize);
    let mut auth = None;
    if needs_auth {
        let mut alog = AuthLog {
            consumer_key: None,
            token: None,
            base_string: None,
            outcome: String::new(),
        };
        let res = {
            let mut w = shared.world();
            let res = verify(
                &shared.cfg,
                &mut w,
                &parts.method,
                &parts.headers,
                &host,
                &path,
                &query,
                &form,
                &route,
                conn.tls,
                &mut alog,
            );
            if let Some(e) = w.log.iter_mut().rev().find(|e| e.seq == seq) {
                e.consumer_key = alog.consumer_key.clone();
                e.token = alog.token.clone();
                e.base_string = alog.base_string.clone();
                e.auth = alog.outcome.clone();
            }
            res
        };
        match res {
            Ok(a) => auth = Some(a),
            Err(r) => return finish(&shared, seq, r, started, family),
        }
        if route.is_v1_media() {
            let account = auth
                .as_ref()
                .and_then(|a| a.account_id.clone())
                .unwrap_or_default();
            let mode = shared.world().effective_modes(&account).v1_retired;
            match v1_refusal(mode) {
                Some(Refusal::Reply(r)) => return finish(&shared, seq, r, started, family),
                Some(Refusal::Reset) => return reset(&conn).await,
                None => {}
            }
        }
    }

    // Now the unsigned bodies.
    if let Some(b) = pending_body.take() {
        if ct == "application/json" || ct.ends_with("+json") {
            match read_small(b, SMALL_BODY_MAX).await {
                Ok(bytes) => req_body = ReqBody::Json(bytes),
                Err(()) => {
                    let r = match family {
                        Family::V2 => reply::invalid_request(
                            &modes,
                            "The request body is too large or truncated.",
                        ),
                        Family::V1 => {
                            reply::v1_media(400, &path, "Request body is too large or truncated.")
                        }
                    };
                    return finish(&shared, seq, r, started, family);
                }
            }
        } else if ct == "multipart/form-data" {
            let boundary = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| multer::parse_boundary(v).ok());
            match boundary {
                Some(bd) => {
                    let stream = b.into_data_stream();
                    req_body = ReqBody::Multipart(multer::Multipart::new(stream, bd));
                }
                None => {
                    let r = match family {
                        Family::V2 => {
                            reply::invalid_request(&modes, "Multipart body without a boundary.")
                        }
                        Family::V1 => reply::v1_media(400, &path, "media type unrecognized."),
                    };
                    return finish(&shared, seq, r, started, family);
                }
            }
        } else if !ct.is_empty() {
            match read_small(b, SMALL_BODY_MAX).await {
                Ok(bytes) => req_body = ReqBody::Other(bytes),
                Err(()) => {
                    let r = match family {
                        Family::V2 => {
                            reply::invalid_request(&modes, "The request body is too large.")
                        }
                        Family::V1 => reply::v1(400, 44, "The request body is too large."),
                    };
                    return finish(&shared, seq, r, started, family);
                }
            }
        } else {
            // No content type: accept an empty body, read (bounded) anything else.
            match read_small(b, SMALL_BODY_MAX).await {
                Ok(bytes) if bytes.is_empty() => {}
                Ok(bytes) => req_body = ReqBody::Other(bytes),
                Err(()) => {
                    let r = match family {
                        Family::V2 => {
                            reply::invalid_request(&modes, "The request body is too large.")
                        }
                        Family::V1 => reply::v1(400, 44, "The request body is too large."),
                    };
                    return finish(&shared, seq, r, started, family);
                }
            }
        }
    }

    let ctx = Ctx {
        shared: shared.clone(),
        conn: conn.clone(),
        method: parts.method.clone(),
        path: path.clone(),
        query,
        headers: parts.headers.clone(),
        origin,
        auth,
        faults: faults.clone(),
        endpoint: endpoint.clone(),
    };

    // Rate limits, enrolment and access-level checks for v2 and media routes.
    let mut rate = None;
    if let (Some(a), true) = (&ctx.auth, a_is_user(&route)) {
        let account = a.account_id.clone().unwrap_or_default();
        let info = shared
            .world()
            .rate_limit(&endpoint, &account, &a.consumer_key);
        if family == Family::V2 && !modes.client_enrolled {
            return finish(
                &shared,
                seq,
                reply::client_not_enrolled(&modes),
                started,
                family,
            );
        }
        if info.exceeded {
            let mut r = reply::rate_limited(&modes);
            rate_headers(&mut r, &modes, &info);
            return finish(&shared, seq, r, started, family);
        }
        if let (Route::UserTweets(_), Some(status)) = (&route, modes.reads_refused) {
            let mut r = reads_refusal(&modes, status);
            if status == 429 {
                let mut spent = info.clone();
                if let Some(u) = spent.user.as_mut() {
                    u.1 = 0;
                }
                rate_headers(&mut r, &modes, &spent);
            }
            return finish(&shared, seq, r, started, family);
        }
        rate = Some(info);
    }

    let result = crate::routes::route(&ctx, &route, req_body).await;
    let mut resp = match result {
        Ok(r) | Err(r) => r,
    };
    if roll_reset && faults.reset_after_commit {
        return reset(&conn).await;
    }
    if roll_err && faults.error_after_commit {
        resp = reply::server_error(&modes, err_status, family == Family::V2);
    } else if let Some(variant) = roll_no_id {
        resp = reply::ok_without_id(variant);
    }
    if let Some(info) = &rate {
        rate_headers(&mut resp, &modes, info);
    }
    if let Some(a) = &ctx.auth {
        if a.account_id.is_some() {
            resp.headers_mut()
                .insert("x-access-level", HeaderValue::from_static(a.level.as_str()));
        }
    }
    finish(&shared, seq, resp, started, family)
}

/// 421 Misdirected Request in the family's shape (a foreign `Host`, see [`crate::guard`]).
fn misdirected(m: &Modes, family: Family, why: &str) -> Response {
    let detail = format!("Misdirected Request: {why}.");
    match family {
        Family::V2 => reply::problem(
            m,
            421,
            &serde_json::json!({"title":"Misdirected Request","detail":detail,"type":"about:blank","status":421}),
        ),
        Family::V1 => reply::json(421, &serde_json::json!({"errors":[{"message":detail}]})),
    }
}

/// The answer of `GET /2/users/:id/tweets` under `Modes::reads_refused`.
fn reads_refusal(m: &Modes, status: u16) -> Response {
    match status {
        402 => reply::b8(m),
        403 => reply::b1_453(),
        429 => reply::rate_limited(m),
        _ => reply::status_problem(m, status),
    }
}

enum Refusal {
    Reply(Response),
    Reset,
}

/// The refusal of a v1.1 media request under a retirement mode (`None` = serve it;
/// `refuse-after-init` is applied per command by the upload routes).
fn v1_refusal(mode: V1Retired) -> Option<Refusal> {
    match mode {
        V1Retired::Off | V1Retired::RefuseAfterInit => None,
        V1Retired::Forbidden453 => Some(Refusal::Reply(reply::b1_453())),
        V1Retired::NotFound => Some(Refusal::Reply(reply::no_route_v1())),
        V1Retired::Gone => Some(Refusal::Reply(reply::v1(
            410,
            251,
            "This endpoint has been retired and should not be used.",
        ))),
        V1Retired::Html403 => Some(Refusal::Reply(reply::html_403())),
        V1Retired::ConnRefused => Some(Refusal::Reset),
    }
}

/// Routes whose caller is a user (access token): rate limits apply.
fn a_is_user(route: &Route) -> bool {
    !matches!(
        route,
        Route::RequestToken | Route::AccessToken | Route::Authorize
    )
}

fn finish(
    shared: &Shared,
    seq: u64,
    mut resp: Response,
    started: Instant,
    family: Family,
) -> Response {
    let tx = {
        let mut w = shared.world();
        w.log_status(seq, resp.status().as_u16());
        format!("{:016x}", w.rand_u64())
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&tx) {
        h.insert("x-transaction-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&started.elapsed().as_millis().to_string()) {
        h.insert("x-response-time", v);
    }
    if family == Family::V2 {
        h.insert("api-version", HeaderValue::from_static("2.164"));
    }
    h.insert(
        "cache-control",
        HeaderValue::from_static("no-cache, no-store, max-age=0"),
    );
    resp
}
