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
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::{AccessLevel, Faults, Modes};
use crate::http::{ConnInfo, Shared};
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
    let Some(p) = patch.as_object() else {
        return Err("body must be a JSON object".into());
    };
    let mut base = serde_json::to_value(current).map_err(|e| e.to_string())?;
    if let Some(b) = base.as_object_mut() {
        for (k, v) in p {
            if !b.contains_key(k) {
                return Err(format!("unknown mode {k:?}"));
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
    })
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
    let bytes = match axum::body::to_bytes(body, crate::limits::CONTROL_BODY_MAX).await {
        Ok(b) => b,
        Err(_) => return err(400, "body too large"),
    };
    let json_body = || -> Result<Value, Response> {
        if bytes.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&bytes).map_err(|e| err(400, &format!("invalid JSON: {e}")))
    };
    macro_rules! parse {
        ($t:ty) => {
            match json_body()
                .and_then(|v| serde_json::from_value::<$t>(v).map_err(|e| err(400, &e.to_string())))
            {
                Ok(x) => x,
                Err(r) => return r,
            }
        };
    }
    let sub = sub.trim_end_matches('/');
    match (method.as_str(), sub) {
        ("GET", "" | "state") => {
            let w = shared.world();
            ok(state_json(shared, &w))
        }
        ("GET", "posts") => ok(json!(shared.world().posts)),
        ("GET", "media") => {
            let w = shared.world();
            let now = w.now_ms();
            let mut v: Vec<_> = w.media.values().map(|m| m.info(now)).collect();
            v.sort_by(|a, b| a.id.cmp(&b.id));
            ok(json!(v))
        }
        ("GET", "requests") => {
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
        ("GET", "credits") => {
            let w = shared.world();
            ok(
                json!({"plan": w.modes.plan, "balance_usd": w.modes.credits_usd, "ledger": w.ledger, "month_posts": w.month_posts}),
            )
        }
        ("GET", "mode") => ok(json!(shared.world().modes)),
        ("GET", "faults") => ok(json!(shared.world().faults)),
        ("POST", "reset") => {
            let mut w = shared.world();
            *w = World::with_limits(shared.cfg.seed, shared.cfg.modes.clone(), shared.cfg.limits);
            drop(w);
            shared.mode_changed.send_modify(|v| *v += 1);
            ok(json!({"reset": true}))
        }
        ("POST", "mode") => {
            let patch = match json_body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let mut w = shared.world();
            match merge_modes(&w.modes, &patch) {
                Ok(m) => {
                    w.modes = m;
                    let v = json!(w.modes);
                    drop(w);
                    shared.mode_changed.send_modify(|v| *v += 1);
                    ok(v)
                }
                Err(e) => err(400, &e),
            }
        }
        ("POST", "faults") => {
            let b = parse!(FaultsBody);
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
        ("POST", "tokens") => {
            let b = parse!(TokenBody);
            let mut w = shared.world();
            let ck = b
                .consumer_key
                .unwrap_or_else(|| w.demo.consumer_key.clone());
            let Some(acc) = w
                .find_account(b.account.as_deref().unwrap_or("demo"))
                .map(|a| a.id.clone())
            else {
                return err(404, "unknown account");
            };
            match w.issue_token(&ck, &acc, b.access_level.unwrap_or_default()) {
                Some(c) => ok(json!(c)),
                None => err(404, "unknown consumer_key"),
            }
        }
        ("POST", "tokens/regenerate") => {
            let b = parse!(TokenBody);
            let mut w = shared.world();
            let ck = b
                .consumer_key
                .unwrap_or_else(|| w.demo.consumer_key.clone());
            let Some(acc) = w
                .find_account(b.account.as_deref().unwrap_or("demo"))
                .map(|a| a.id.clone())
            else {
                return err(404, "unknown account");
            };
            match w.regenerate(&ck, &acc) {
                Some(c) => ok(json!(c)),
                None => err(404, "unknown consumer_key"),
            }
        }
        ("POST", "apps/permissions" | "apps") => {
            let b = parse!(AppBody);
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
        ("POST", "oauth/approve") => {
            let b = parse!(ApproveBody);
            let mut w = shared.world();
            let Some(acc) = w
                .find_account(b.account.as_deref().unwrap_or("demo"))
                .map(|a| a.id.clone())
            else {
                return err(404, "unknown account");
            };
            match crate::routes::approve(&mut w, &b.oauth_token, &acc) {
                Some(pin) => ok(json!({"pin": pin, "oauth_verifier": pin})),
                None => err(404, "unknown or used request token"),
            }
        }
        ("POST", "clock") => {
            let v = match json_body() {
                Ok(v) => v,
                Err(r) => return r,
            };
            let Some(secs) = v.get("advance_secs").and_then(Value::as_i64) else {
                return err(400, "advance_secs (integer) is required");
            };
            let mut w = shared.world();
            w.modes.clock_offset_secs = w.modes.clock_offset_secs.saturating_add(secs);
            ok(json!({"now_ms": w.now_ms(), "clock_offset_secs": w.modes.clock_offset_secs}))
        }
        ("POST", "accounts") => {
            let b = parse!(AccountBody);
            let mut w = shared.world();
            if w.find_account(&b.username).is_some() {
                return err(409, "username taken");
            }
            let id = w.new_id();
            let acc = crate::world::Account::new(
                id,
                b.name.unwrap_or_else(|| b.username.clone()),
                b.username,
            );
            w.accounts.push(acc.clone());
            ok(json!(acc))
        }
        ("POST", "accounts/update") => {
            let b = parse!(AccountUpdate);
            let mut w = shared.world();
            let Some(id) = w
                .find_account(b.account.as_deref().unwrap_or("demo"))
                .map(|a| a.id.clone())
            else {
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
            shared.mode_changed.send_modify(|v| *v += 1);
            ok(v)
        }
        _ => err(404, "unknown control route"),
    }
}
