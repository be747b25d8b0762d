//! HTTP handlers of the OAuth 2.0 routes (docs/protocol.md §14): the consent page
//! `GET /i/oauth2/authorize`, `POST /2/oauth2/token` and `POST /2/oauth2/revoke`, and the
//! control hook `POST /_sim/oauth2/authorize` that plays the browser for tests.
//!
//! Contract: these routes carry no OAuth 1.0a signature and no Bearer token (the dispatcher
//! skips authentication for them). The consent page approves at once as the demo account
//! (`Modes::oauth2_deny` makes it refuse) and answers 302 to the registered redirect URI, or a
//! 400 page when the client or redirect URI is wrong. Token and revoke take a form body (or a
//! flat JSON object, which X also takes and twitter-api-v2 sends), name
//! the public client by `client_id` (or a Basic header) and answer X's JSON shapes; errors are
//! `{"error","error_description"}` with RFC 6749's statuses.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;

use super::{AuthorizeOutcome, OAuth2Error, Oauth1Owner};
use crate::http::{Ctx, HResult, ReqBody};
use crate::reply;
use crate::world::World;

fn error_reply(e: &OAuth2Error) -> Response {
    reply::json(e.status, &e.body())
}

fn redirect(location: &str) -> Response {
    let mut r = reply::raw(302, "text/html; charset=utf-8", "");
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn error_page(e: &OAuth2Error) -> Response {
    reply::raw(
        400,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html><html><head><title>Something went wrong</title></head><body>\
             <h1>Something went wrong</h1><p id=\"error\">{}</p></body></html>",
            crate::routes::html_escape(&e.description)
        ),
    )
}

/// Runs the consent decision for an authorize query on the world: the outcome X would show.
pub fn decide(w: &mut World, query: &[(String, String)]) -> AuthorizeOutcome {
    let now = w.now_ms();
    let user = w.demo.user_id.clone();
    if w.modes.oauth2_deny {
        return w.oauth2.deny(query);
    }
    let mut server = std::mem::take(&mut w.oauth2);
    let out = server.authorize(query, &user, now, &mut || w.rand_string(40));
    w.oauth2 = server;
    out
}

/// `GET /i/oauth2/authorize`.
pub fn authorize(ctx: &Ctx) -> HResult {
    let mut w = ctx.shared.world();
    Ok(match decide(&mut w, &ctx.query) {
        AuthorizeOutcome::Redirect(location) => redirect(&location),
        AuthorizeOutcome::Page(e) => error_page(&e),
    })
}

/// The client id of a `Basic` header (`client_id:secret`, each form-encoded), if any.
fn basic_client_id(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, b64) = raw.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let id = text.split(':').next()?;
    crate::oauth::percent_decode(id, true)
        .ok()
        .filter(|s| !s.is_empty())
}

/// The request's parameters: a form body, or a flat JSON object (X takes both; twitter-api-v2
/// has always sent JSON here). JSON strings are taken as they are, numbers and booleans as
/// their text, `null` as absent.
fn form_of(body: ReqBody) -> Result<Vec<(String, String)>, Response> {
    let refuse = || {
        error_reply(&OAuth2Error {
            status: 400,
            error: "invalid_request",
            description: "The body must be application/x-www-form-urlencoded or a JSON object."
                .into(),
        })
    };
    match body {
        ReqBody::Form(f) => Ok(f),
        ReqBody::Empty => Ok(Vec::new()),
        ReqBody::Json(bytes) => {
            let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes) else {
                return Err(refuse());
            };
            let mut out = Vec::with_capacity(map.len());
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) => out.push((k, s)),
                    serde_json::Value::Number(n) => out.push((k, n.to_string())),
                    serde_json::Value::Bool(b) => out.push((k, b.to_string())),
                    serde_json::Value::Null => {}
                    _ => return Err(refuse()),
                }
            }
            Ok(out)
        }
        _ => Err(refuse()),
    }
}

/// `POST /2/oauth2/token`.
pub fn token(ctx: &Ctx, body: ReqBody) -> HResult {
    let form = form_of(body)?;
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let basic = basic_client_id(&ctx.headers);
    let mut w = ctx.shared.world();
    // The 1.0a token of an exchange, looked up before the server borrows the world.
    let owner = match (get("subject_token"), get("oauth_token_secret")) {
        (Some(t), Some(s)) => w
            .tokens
            .get(&t)
            .filter(|tok| !tok.revoked && tok.secret == s)
            .map(|tok| Oauth1Owner {
                user_id: tok.account_id.clone(),
                access_level: tok.access_level,
            }),
        _ => None,
    };
    let now = w.now_ms();
    let mut server = std::mem::take(&mut w.oauth2);
    server.exchange_available = w.modes.oauth2_exchange;
    let result = server.token(
        &form,
        basic.as_deref(),
        now,
        &|_, _| owner.clone(),
        &mut || w.rand_string(40),
    );
    w.oauth2 = server;
    match result {
        Ok(t) => Ok(reply::json(200, &json!(t))),
        Err(e) => Err(error_reply(&e)),
    }
}

/// `POST /2/oauth2/revoke`.
pub fn revoke(ctx: &Ctx, body: ReqBody) -> HResult {
    let form = form_of(body)?;
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    if get("client_id")
        .or_else(|| basic_client_id(&ctx.headers))
        .is_none()
    {
        return Err(error_reply(&OAuth2Error {
            status: 401,
            error: "unauthorized_client",
            description: "Missing valid authorization header".into(),
        }));
    }
    let Some(token) = get("token") else {
        return Err(error_reply(&OAuth2Error {
            status: 400,
            error: "invalid_request",
            description: "Missing token.".into(),
        }));
    };
    ctx.shared.world().oauth2.revoke(&token);
    Ok(reply::json(200, &json!({ "revoked": true })))
}
