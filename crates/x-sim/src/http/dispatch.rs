//! The request pipeline: faults → retirement → authenticate → route → log, one function per
//! stage (the stages are listed in the [`crate::http`] module doc).
//!
//! Contract: [`dispatch`] runs the stages in that order (after the link's outage check, and
//! followed by its round-trip delay, [`crate::link`]); a stage that answers early ends the
//! pipeline with an [`Early`] — a response (still logged and given the common headers), a
//! connection reset or a hang (neither of which records a status). Fault dice are drawn once
//! per request, in a fixed order, from the world's seeded RNG, so one seed and one request
//! sequence give the same outcomes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Request};
use axum::response::Response;

use super::auth::{self, AuthLog, Signed};
use super::body;
use super::{content_type, ConnInfo, Ctx, Family, ListenerKind, Route, Shared};
use crate::config::{Faults, Modes, V1Retired};
use crate::oauth;
use crate::reply;
use crate::world::{RateInfo, RequestLogEntry};

/// How a stage ends the pipeline early.
enum Early {
    /// Answer this (then log it like any answer).
    Answer(Response),
    /// Reset the connection.
    Reset,
    /// Never answer.
    Hang,
}

impl From<Response> for Early {
    fn from(r: Response) -> Self {
        Early::Answer(r)
    }
}

/// A stage's result.
type Stage<T> = Result<T, Early>;

/// The request head as the pipeline sees it.
struct Received {
    parts: Parts,
    /// Path as received.
    path: String,
    route: Route,
    /// Endpoint key (faults, rate limits, log).
    endpoint: String,
    family: Family,
    /// `Host` as received (else the URI authority, else the local address).
    host: String,
    /// `scheme://host` as received, lowercased.
    origin: String,
}

/// This request's fault outcomes, drawn when it arrived.
struct Dice {
    /// The endpoint's faults.
    faults: Faults,
    /// The global modes when the request arrived.
    modes: Modes,
    /// Its sequence number in the request log.
    seq: u64,
    error: bool,
    hang: bool,
    reset: bool,
    jitter_ms: u64,
    /// `Some(variant)`: answer 200 without an id after the handler ran.
    no_id: Option<u64>,
}

impl Dice {
    /// The injected error status (503 unless configured).
    fn error_status(&self) -> u16 {
        if self.faults.error_status == 0 {
            503
        } else {
            self.faults.error_status
        }
    }
}

/// Handles one request end to end: control requests go to the control API; while the
/// network is down ([`crate::link`]) every other request is answered with a reset; every
/// other answer is held for the link's round-trip time just before it is sent.
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
    if shared.net.is_down() {
        shared.net.count_request_reset();
        return reset(&conn).await;
    }
    let answer = match check_host(&shared, &conn, &parts, route.family()) {
        Err(r) => r,
        Ok(()) => {
            let req = received(&shared, &conn, parts, path, route);
            let dice = log_and_roll(&shared, &conn, &req);
            let family = req.family;
            match serve(&shared, &conn, &req, &dice, body).await {
                Ok(r) | Err(Early::Answer(r)) => finish(&shared, dice.seq, r, started, family),
                Err(Early::Reset) => return reset(&conn).await,
                Err(Early::Hang) => return hang().await,
            }
        }
    };
    shared.net.answer_delay().await;
    answer
}

/// The stages after the request is logged and its dice are drawn.
async fn serve(
    shared: &Arc<Shared>,
    conn: &ConnInfo,
    req: &Received,
    dice: &Dice,
    body: Body,
) -> Stage<Response> {
    faults_before(dice, req.family).await?;
    retirement(req.route.is_v1_media(), dice.modes.v1_retired)?;
    let (ctx, body) = authenticate(shared, conn, req, dice, body).await?;
    route(shared, &ctx, req, dice, body).await
}

/// The `Host` guard (rules in [`crate::guard`]): 421 before anything is logged.
fn check_host(
    shared: &Shared,
    conn: &ConnInfo,
    parts: &Parts,
    family: Family,
) -> Result<(), Response> {
    if shared.cfg.any_api_host() {
        return Ok(());
    }
    crate::guard::check_host(
        &parts.headers,
        &parts.uri,
        conn.local.port(),
        conn.tls,
        &shared.cfg.api_hosts,
    )
    .map_err(|why| {
        let modes = shared.world().modes.clone();
        misdirected(&modes, family, &why)
    })
}

fn received(
    shared: &Shared,
    conn: &ConnInfo,
    parts: Parts,
    path: String,
    route: Route,
) -> Received {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| conn.local.to_string());
    let origin = format!(
        "{}://{}",
        auth::request_scheme(&shared.cfg, &parts.headers, conn.tls),
        host.to_ascii_lowercase()
    );
    Received {
        endpoint: route.endpoint(&parts.method),
        family: route.family(),
        parts,
        path,
        route,
        host,
        origin,
    }
}

// ---- stage 1: faults ---------------------------------------------------------------

/// Logs the request (status 0 until [`finish`]) and draws its fault dice, under one lock.
fn log_and_roll(shared: &Shared, conn: &ConnInfo, req: &Received) -> Dice {
    let target = req
        .parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_else(|| req.path.clone());
    let mut w = shared.world();
    let f = w.faults_for(&req.endpoint);
    let at_ms = w.now_ms();
    let seq = w.log_request(RequestLogEntry {
        seq: 0,
        at_ms,
        listener: match conn.listener {
            ListenerKind::Api => "api".into(),
            ListenerKind::Upload => "upload".into(),
        },
        method: req.parts.method.to_string(),
        target,
        endpoint: req.endpoint.clone(),
        consumer_key: None,
        token: None,
        base_string: None,
        auth: "none".into(),
        status: 0,
    });
    let error = f.error_rate > 0.0 && w.rand_f64() < f.error_rate;
    let hang = f.hang_rate > 0.0 && w.rand_f64() < f.hang_rate;
    let reset = f.reset_rate > 0.0 && w.rand_f64() < f.reset_rate;
    let jitter_ms = if f.jitter_ms > 0 {
        w.rand_u64() % f.jitter_ms.saturating_add(1).max(1)
    } else {
        0
    };
    // Drawn last and only when configured, so older fault set-ups keep their sequence.
    let no_id = (f.ok_without_id_rate > 0.0 && w.rand_f64() < f.ok_without_id_rate)
        .then(|| w.rand_u64() % 4);
    Dice {
        faults: f,
        modes: w.modes.clone(),
        seq,
        error,
        hang,
        reset,
        jitter_ms,
        no_id,
    }
}

/// Latency, then hang, then reset-before or error-before (nothing runs).
async fn faults_before(dice: &Dice, family: Family) -> Stage<()> {
    let delay = dice.faults.latency_ms.saturating_add(dice.jitter_ms);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if dice.hang {
        return Err(Early::Hang);
    }
    if dice.reset && !dice.faults.reset_after_commit {
        return Err(Early::Reset);
    }
    if dice.error && !dice.faults.error_after_commit {
        let r = reply::server_error(&dice.modes, dice.error_status(), family == Family::V2);
        return Err(r.into());
    }
    Ok(())
}

// ---- stage 2: retirement -----------------------------------------------------------

/// The v1.1 retirement switch for a v1.1 media route (`None` = serve it; `refuse-after-init`
/// is applied per command by the upload routes). Runs globally before authentication and
/// with the caller's per-account override after it.
fn retirement(is_v1_media: bool, mode: V1Retired) -> Stage<()> {
    if !is_v1_media {
        return Ok(());
    }
    match mode {
        V1Retired::Off | V1Retired::RefuseAfterInit => Ok(()),
        V1Retired::Forbidden453 => Err(reply::limited_access_453().into()),
        V1Retired::NotFound => Err(reply::no_route_v1().into()),
        V1Retired::Gone => Err(reply::v1(
            410,
            251,
            "This endpoint has been retired and should not be used.",
        )
        .into()),
        V1Retired::Html403 => Err(reply::html_403().into()),
        V1Retired::ConnRefused => Err(Early::Reset),
    }
}

// ---- stage 3: authenticate ---------------------------------------------------------

/// Unknown routes get 404; the query and a form body are decoded; then strict OAuth 1.0a
/// verification or a Bearer user token (not on the consent pages and OAuth 2.0 token endpoints), whose findings go into the request log, and
/// the caller's per-account retirement override. Returns the handler's context and the
/// body, the unsigned parts of which are still unread.
async fn authenticate(
    shared: &Arc<Shared>,
    conn: &ConnInfo,
    req: &Received,
    dice: &Dice,
    body: Body,
) -> Stage<(Ctx, body::Signed)> {
    let (modes, family) = (&dice.modes, req.family);
    if let Route::NotFound(f) = req.route {
        return Err(match f {
            Family::V2 => reply::no_route_v2(modes),
            Family::V1 => reply::no_route_v1(),
        }
        .into());
    }
    let query = match oauth::parse_form(req.parts.uri.query().unwrap_or("")) {
        Ok(q) => q,
        Err(_) => {
            return Err(match family {
                Family::V2 => reply::invalid_request(modes, "The query string is not valid."),
                Family::V1 => reply::v1(400, 44, "Invalid query string."),
            }
            .into())
        }
    };
    let ct = content_type(&req.parts.headers);
    let signed = body::read_signed(&ct, body, modes, family).await?;
    let mut auth = None;
    if !req.route.is_unsigned() {
        let a = verify_and_log(shared, conn, req, dice.seq, &query, &signed.form)?;
        let account = a.account_id.clone().unwrap_or_default();
        auth = Some(a);
        if req.route.is_v1_media() {
            let mode = shared.world().effective_modes(&account).v1_retired;
            retirement(true, mode)?;
        }
    }
    let ctx = Ctx {
        shared: shared.clone(),
        conn: conn.clone(),
        method: req.parts.method.clone(),
        path: req.path.clone(),
        query,
        headers: req.parts.headers.clone(),
        origin: req.origin.clone(),
        auth,
        faults: dice.faults.clone(),
        endpoint: req.endpoint.clone(),
    };
    Ok((ctx, signed))
}

/// Runs [`auth::verify`] and copies what it found into the request's log entry.
fn verify_and_log(
    shared: &Shared,
    conn: &ConnInfo,
    req: &Received,
    seq: u64,
    query: &[(String, String)],
    form: &[(String, String)],
) -> Result<super::Auth, Response> {
    let signed = Signed {
        method: &req.parts.method,
        headers: &req.parts.headers,
        host: &req.host,
        path: &req.path,
        query,
        form,
        route: &req.route,
        tls: conn.tls,
    };
    let mut log = AuthLog::default();
    let mut w = shared.world();
    let res = auth::verify(&shared.cfg, &mut w, &signed, &mut log);
    if let Some(e) = w.log.iter_mut().rev().find(|e| e.seq == seq) {
        e.consumer_key = log.consumer_key;
        e.token = log.token;
        e.base_string = log.base_string;
        e.auth = log.outcome;
    }
    res
}

// ---- stage 4: route ----------------------------------------------------------------

/// Reads the unsigned body, admits the caller (rate limit, enrolment, `reads_refused`), runs
/// the route's handler, then applies the after-commit faults and the response headers that
/// depend on the caller.
async fn route(
    shared: &Shared,
    ctx: &Ctx,
    req: &Received,
    dice: &Dice,
    signed: body::Signed,
) -> Stage<Response> {
    let (modes, family) = (&dice.modes, req.family);
    let ct = content_type(&req.parts.headers);
    let req_body =
        body::read_unsigned(&ct, signed, &req.parts.headers, &req.path, modes, family).await?;
    let rate = admit(shared, ctx, req, modes)?;
    let mut resp = match crate::routes::route(ctx, &req.route, req_body).await {
        Ok(r) | Err(r) => r,
    };
    if dice.reset && dice.faults.reset_after_commit {
        return Err(Early::Reset);
    }
    if dice.error && dice.faults.error_after_commit {
        resp = reply::server_error(modes, dice.error_status(), family == Family::V2);
    } else if let Some(variant) = dice.no_id {
        resp = reply::ok_without_id(variant);
    }
    if let Some(info) = &rate {
        rate_headers(&mut resp, modes, info);
    }
    if let Some(a) = &ctx.auth {
        if a.account_id.is_some() && a.scopes.is_none() {
            resp.headers_mut()
                .insert("x-access-level", HeaderValue::from_static(a.level.as_str()));
        }
    }
    Ok(resp)
}

/// For a user caller: counts the request against its rate limit, then refuses an unenrolled
/// client (v2), an exceeded limit, and a timeline read under `Modes::reads_refused`. Returns
/// the rate-limit state for the response headers.
fn admit(
    shared: &Shared,
    ctx: &Ctx,
    req: &Received,
    modes: &Modes,
) -> Result<Option<RateInfo>, Response> {
    let Some(a) = ctx.auth.as_ref().filter(|_| req.route.caller_is_user()) else {
        return Ok(None);
    };
    let account = a.account_id.clone().unwrap_or_default();
    let info = shared
        .world()
        .rate_limit(&req.endpoint, &account, &a.consumer_key);
    if req.family == Family::V2 && !modes.client_enrolled {
        return Err(reply::client_not_enrolled(modes));
    }
    if info.exceeded {
        let mut r = reply::rate_limited(modes);
        rate_headers(&mut r, modes, &info);
        return Err(r);
    }
    if let (Route::UserTweets(_), Some(status)) = (&req.route, modes.reads_refused) {
        let mut r = reads_refusal(modes, status);
        if status == 429 {
            let mut spent = info.clone();
            if let Some(u) = spent.user.as_mut() {
                u.1 = 0;
            }
            rate_headers(&mut r, modes, &spent);
        }
        return Err(r);
    }
    Ok(Some(info))
}

/// The answer of `GET /2/users/:id/tweets` under `Modes::reads_refused`.
fn reads_refusal(m: &Modes, status: u16) -> Response {
    match status {
        402 => reply::credits_depleted(m),
        403 => reply::limited_access_453(),
        429 => reply::rate_limited(m),
        _ => reply::status_problem(m, status),
    }
}

fn rate_headers(resp: &mut Response, m: &Modes, info: &RateInfo) {
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

// ---- stage 5: log ------------------------------------------------------------------

/// Records the status in the request log and adds the common headers (`x-transaction-id`,
/// `x-response-time`, `api-version` on v2, `cache-control`).
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

// ---- early ends --------------------------------------------------------------------

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
