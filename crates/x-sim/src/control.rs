//! The unsigned `/_sim/…` control API (JSON in, JSON out, loopback callers only).
//!
//! Contract: every route mirrors a [`crate::SimHandle`] method and is documented in the crate
//! docs. Before anything is read, [`crate::guard::control_refusal`] refuses non-loopback
//! peers (403), non-loopback `Host`s (421), browser (`Origin`) and proxied
//! (`X-Forwarded-For`, `Forwarded`) requests (403) and non-JSON POSTs (415), whatever the
//! configuration; a bad body gets 400 `{"error": "..."}` (bodies above
//! [`crate::limits::CONTROL_BODY_MAX`] included); unknown routes get 404. Nothing here is
//! logged in the request log.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::{AccessLevel, Faults, Modes};
use crate::http::{ConnInfo, Shared};
use crate::link::Link;
use crate::reply;
use crate::world::World;

fn err(status: u16, msg: &str) -> Response {
    reply::json(status, &json!({ "error": msg }))
}

fn ok(v: Value) -> Response {
    reply::json(200, &v)
}

/// Merges a partial JSON object into the modes; unknown keys or bad types are rejected.
pub fn merge_modes(current: &Modes, patch: &Value) -> Result<Modes, String> {
    merge(current, patch, "mode")
}

/// Merges a partial JSON object into `current` (a serde struct); unknown keys (named as a
/// `what`) or bad types are rejected.
fn merge<T: serde::Serialize + DeserializeOwned>(
    current: &T,
    patch: &Value,
    what: &str,
) -> Result<T, String> {
    let Some(p) = patch.as_object() else {
        return Err("body must be a JSON object".into());
    };
    let mut base = serde_json::to_value(current).map_err(|e| e.to_string())?;
    if let Some(b) = base.as_object_mut() {
        for (k, v) in p {
            if !b.contains_key(k) {
                return Err(format!("unknown {what} {k:?}"));
            }
            b.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(base).map_err(|e| e.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    faults: Option<Faults>,
    #[serde(default)]
    clear: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    access_level: Option<AccessLevel>,
    #[serde(default)]
    consumer_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppBody {
    #[serde(default)]
    consumer_key: Option<String>,
    #[serde(default)]
    permissions: Option<AccessLevel>,
    #[serde(default)]
    native: Option<bool>,
    #[serde(default)]
    suspended: Option<bool>,
    #[serde(default)]
    callback_urls: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuth2AuthorizeBody {
    /// The authorize URL the app opened (only its query is read).
    url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OAuth2ClientBody {
    client_id: String,
    redirect_uris: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApproveBody {
    oauth_token: String,
    #[serde(default)]
    account: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountUpdate {
    #[serde(default)]
    account: Option<String>,
    #[serde(default, with = "double_option")]
    premium: Option<Option<bool>>,
    #[serde(default, with = "double_option")]
    locked: Option<Option<bool>>,
    #[serde(default, with = "double_option")]
    v1_retired: Option<Option<crate::config::V1Retired>>,
}

/// `Some(None)` for an explicit `null` (clear the override), `None` when absent.
mod double_option {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountBody {
    username: String,
    #[serde(default)]
    name: Option<String>,
}

/// A JSON summary of the world (`GET /_sim/state`).
pub fn state_json(shared: &Shared, w: &World) -> Value {
    json!({
        "api_base": shared.api_base,
        "upload_base": shared.upload_base,
        "demo": w.demo,
        "modes": w.modes,
        "faults": w.faults,
        "apps": w.apps,
        "accounts": w.accounts,
        "tokens": w.tokens.values().collect::<Vec<_>>(),
        "now_ms": w.now_ms(),
        "credits_usd": w.modes.credits_usd,
        "link": shared.net.link(),
        "link_stats": shared.net.stats(),
    })
}

/// The body of a control request, read (bounded) before the route is known.
struct ControlBody(bytes::Bytes);

impl ControlBody {
    /// The body as JSON (`{}` when empty), or 400.
    fn json(&self) -> Result<Value, Response> {
        if self.0.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.0).map_err(|e| err(400, &format!("invalid JSON: {e}")))
    }

    /// The body as `T` (unknown fields refused), or 400.
    fn parse<T: DeserializeOwned>(&self) -> Result<T, Response> {
        self.json()
            .and_then(|v| serde_json::from_value::<T>(v).map_err(|e| err(400, &e.to_string())))
    }
}

/// Handles `/_sim/{sub}`.
pub async fn handle(
    shared: &Shared,
    conn: &ConnInfo,
    method: &Method,
    sub: &str,
    headers: &HeaderMap,
    uri: &Uri,
    body: Body,
) -> Response {
    if let Some(refusal) = crate::guard::control_refusal(conn, method, headers, uri) {
        return refusal;
    }
    let query = uri.query().unwrap_or("");
    let body = match axum::body::to_bytes(body, crate::limits::CONTROL_BODY_MAX).await {
        Ok(b) => ControlBody(b),
        Err(_) => return err(400, "body too large"),
    };
    let sub = sub.trim_end_matches('/');
    let answer = match (method.as_str(), sub) {
        ("GET", "" | "state") => {
            let w = shared.world();
            Ok(ok(state_json(shared, &w)))
        }
        ("GET", "posts") => Ok(ok(json!(shared.world().posts))),
        ("GET", "media") => Ok(get_media(shared)),
        ("GET", "requests") => Ok(get_requests(shared, query)),
        ("GET", "credits") => Ok(get_credits(shared)),
        ("GET", "mode") => Ok(ok(json!(shared.world().modes))),
        ("GET", "faults") => Ok(ok(json!(shared.world().faults))),
        ("GET", "link") => Ok(ok(json!(shared.net.link()))),
        ("GET", "link/stats") => Ok(ok(json!(shared.net.stats()))),
        ("POST", "link") => body.json().map(|patch| post_link(shared, conn, &patch)),
        ("POST", "reset") => Ok(post_reset(shared)),
        ("POST", "mode") => body.json().map(|patch| post_mode(shared, &patch)),
        ("POST", "faults") => body.parse().map(|b| post_faults(shared, b)),
        ("POST", "tokens") => body.parse().map(|b| post_tokens(shared, b)),
        ("POST", "tokens/regenerate") => body.parse().map(|b| post_regenerate(shared, b)),
        ("POST", "apps/permissions" | "apps") => body.parse().map(|b| post_app(shared, b)),
        ("POST", "oauth/approve") => body.parse().map(|b| post_approve(shared, b)),
        ("POST", "oauth2/authorize") => body.parse().map(|b| post_oauth2_authorize(shared, b)),
        ("POST", "oauth2/clients") => body.parse().map(|b| post_oauth2_client(shared, b)),
        ("POST", "clock") => body.json().map(|v| post_clock(shared, &v)),
        ("POST", "accounts") => body.parse().map(|b| post_account(shared, b)),
        ("POST", "accounts/update") => body.parse().map(|b| post_account_update(shared, b)),
        _ => Ok(err(404, "unknown control route")),
    };
    match answer {
        Ok(r) | Err(r) => r,
    }
}

/// Tells the upload listener that the modes changed.
fn modes_changed(shared: &Shared) {
    shared.mode_changed.send_modify(|v| *v += 1);
}

/// The account id of `who` (`"demo"` when absent).
fn account_id(w: &World, who: Option<&str>) -> Option<String> {
    w.find_account(who.unwrap_or("demo")).map(|a| a.id.clone())
}

/// `GET /_sim/media`: every media object, by id.
fn get_media(shared: &Shared) -> Response {
    let w = shared.world();
    let now = w.now_ms();
    let mut v: Vec<_> = w.media.values().map(|m| m.info(now)).collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    ok(json!(v))
}

/// `GET /_sim/requests[?since=SEQ]`: the request log after `since`.
fn get_requests(shared: &Shared, query: &str) -> Response {
    let since: u64 = crate::oauth::parse_form(query)
        .ok()
        .and_then(|q| {
            q.into_iter()
                .find(|(k, _)| k == "since")
                .and_then(|(_, v)| v.parse().ok())
        })
        .unwrap_or(0);
    let w = shared.world();
    ok(json!(w
        .log
        .iter()
        .filter(|e| e.seq > since)
        .collect::<Vec<_>>()))
}

/// `GET /_sim/credits`: plan, balance, ledger and this month's posts.
fn get_credits(shared: &Shared) -> Response {
    let w = shared.world();
    ok(
        json!({"plan": w.modes.plan, "balance_usd": w.modes.credits_usd, "ledger": w.ledger, "month_posts": w.month_posts}),
    )
}

/// `POST /_sim/reset`: back to the start-up state.
fn post_reset(shared: &Shared) -> Response {
    let mut w = shared.world();
    *w = World::with_limits(shared.cfg.seed, shared.cfg.modes.clone(), shared.cfg.limits);
    drop(w);
    shared.net.reset(shared.cfg.link.clone());
    modes_changed(shared);
    ok(json!({"reset": true}))
}

/// `POST /_sim/link`: merges a partial (or whole) [`Link`] into the current one and sets it
/// (the uplink schedule and the stall sequence restart). An outage turned on here resets
/// every open connection but the caller's, which gets this answer.
fn post_link(shared: &Shared, conn: &ConnInfo, patch: &Value) -> Response {
    let link: Link = match merge(&shared.net.link(), patch, "link setting") {
        Ok(l) => l,
        Err(e) => return err(400, &e),
    };
    if let Some(problem) = link.problem() {
        return err(400, &problem);
    }
    shared.net.set(link.clone(), Some(conn.id));
    ok(json!(link))
}

/// `POST /_sim/mode`: merges a partial [`Modes`].
fn post_mode(shared: &Shared, patch: &Value) -> Response {
    let mut w = shared.world();
    match merge_modes(&w.modes, patch) {
        Ok(m) => {
            w.modes = m;
            let v = json!(w.modes);
            drop(w);
            modes_changed(shared);
            ok(v)
        }
        Err(e) => err(400, &e),
    }
}

/// `POST /_sim/faults`: clears (one endpoint or all) and/or sets one endpoint's faults.
fn post_faults(shared: &Shared, b: FaultsBody) -> Response {
    let mut w = shared.world();
    if b.clear {
        match &b.endpoint {
            Some(e) => {
                w.faults.remove(e);
            }
            None => w.faults.clear(),
        }
    }
    if let Some(f) = b.faults {
        w.faults.insert(b.endpoint.unwrap_or_else(|| "*".into()), f);
    }
    ok(json!(w.faults))
}

/// `POST /_sim/tokens`: issues a token pair at a fixed access level.
fn post_tokens(shared: &Shared, b: TokenBody) -> Response {
    let mut w = shared.world();
    let ck = b
        .consumer_key
        .unwrap_or_else(|| w.demo.consumer_key.clone());
    let Some(acc) = account_id(&w, b.account.as_deref()) else {
        return err(404, "unknown account");
    };
    match w.issue_token(&ck, &acc, b.access_level.unwrap_or_default()) {
        Some(c) => ok(json!(c)),
        None => err(404, "unknown consumer_key"),
    }
}

/// `POST /_sim/tokens/regenerate`: a new pair at the app's permissions, old ones revoked.
fn post_regenerate(shared: &Shared, b: TokenBody) -> Response {
    let mut w = shared.world();
    let ck = b
        .consumer_key
        .unwrap_or_else(|| w.demo.consumer_key.clone());
    let Some(acc) = account_id(&w, b.account.as_deref()) else {
        return err(404, "unknown account");
    };
    match w.regenerate(&ck, &acc) {
        Some(c) => ok(json!(c)),
        None => err(404, "unknown consumer_key"),
    }
}

/// `POST /_sim/apps/permissions` (alias `/_sim/apps`): changes an app's settings.
fn post_app(shared: &Shared, b: AppBody) -> Response {
    let mut w = shared.world();
    let ck = b
        .consumer_key
        .unwrap_or_else(|| w.demo.consumer_key.clone());
    let Some(app) = w.apps.iter_mut().find(|a| a.consumer_key == ck) else {
        return err(404, "unknown consumer_key");
    };
    if let Some(p) = b.permissions {
        app.permissions = p;
    }
    if let Some(n) = b.native {
        app.native = n;
    }
    if let Some(s) = b.suspended {
        app.suspended = s;
    }
    if let Some(c) = b.callback_urls {
        app.callback_urls = c;
    }
    ok(json!(app))
}

/// `POST /_sim/oauth/approve`: approves a PIN-flow request token, returns the PIN.
fn post_approve(shared: &Shared, b: ApproveBody) -> Response {
    let mut w = shared.world();
    let Some(acc) = account_id(&w, b.account.as_deref()) else {
        return err(404, "unknown account");
    };
    match crate::routes::approve(&mut w, &b.oauth_token, &acc) {
        Some(pin) => ok(json!({"pin": pin, "oauth_verifier": pin})),
        None => err(404, "unknown or used request token"),
    }
}

/// `POST /_sim/oauth2/authorize`: plays the browser on the consent page of `url` and returns
/// where X would send it (`{"location"}`), or the error page's text (`400 {"error"}`).
fn post_oauth2_authorize(shared: &Shared, b: OAuth2AuthorizeBody) -> Response {
    let query = b.url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let Ok(pairs) = crate::oauth::parse_form(query.split('#').next().unwrap_or("")) else {
        return err(400, "the URL's query is not valid");
    };
    let mut w = shared.world();
    match crate::oauth2::routes::decide(&mut w, &pairs) {
        crate::oauth2::AuthorizeOutcome::Redirect(location) => ok(json!({ "location": location })),
        crate::oauth2::AuthorizeOutcome::Page(e) => err(400, &e.description),
    }
}

/// `POST /_sim/oauth2/clients`: registers an OAuth 2.0 app (or replaces its callback URLs).
fn post_oauth2_client(shared: &Shared, b: OAuth2ClientBody) -> Response {
    let mut w = shared.world();
    let client = crate::oauth2::RegisteredClient {
        client_id: b.client_id,
        redirect_uris: b.redirect_uris,
    };
    w.oauth2.clients.retain(|c| c.client_id != client.client_id);
    w.oauth2.clients.push(client.clone());
    ok(json!({ "client_id": client.client_id, "redirect_uris": client.redirect_uris }))
}

/// `POST /_sim/clock`: moves the virtual clock by `advance_secs`.
fn post_clock(shared: &Shared, v: &Value) -> Response {
    let Some(secs) = v.get("advance_secs").and_then(Value::as_i64) else {
        return err(400, "advance_secs (integer) is required");
    };
    let mut w = shared.world();
    w.modes.clock_offset_secs = w.modes.clock_offset_secs.saturating_add(secs);
    ok(json!({"now_ms": w.now_ms(), "clock_offset_secs": w.modes.clock_offset_secs}))
}

/// `POST /_sim/accounts`: a new account (409 if the username is taken).
fn post_account(shared: &Shared, b: AccountBody) -> Response {
    let mut w = shared.world();
    if w.find_account(&b.username).is_some() {
        return err(409, "username taken");
    }
    let id = w.new_id();
    let acc =
        crate::world::Account::new(id, b.name.unwrap_or_else(|| b.username.clone()), b.username);
    w.accounts.push(acc.clone());
    ok(json!(acc))
}

/// `POST /_sim/accounts/update`: per-account overrides (`null` clears one).
fn post_account_update(shared: &Shared, b: AccountUpdate) -> Response {
    let mut w = shared.world();
    let Some(id) = account_id(&w, b.account.as_deref()) else {
        return err(404, "unknown account");
    };
    let Some(acc) = w.accounts.iter_mut().find(|a| a.id == id) else {
        return err(404, "unknown account");
    };
    if let Some(p) = b.premium {
        acc.premium = p;
    }
    if let Some(l) = b.locked {
        acc.locked = l;
    }
    if let Some(v) = b.v1_retired {
        acc.v1_retired = v;
    }
    let v = json!(acc);
    drop(w);
    modes_changed(shared);
    ok(v)
}
