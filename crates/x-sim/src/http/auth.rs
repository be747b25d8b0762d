//! Strict OAuth 1.0a verification of a request as received (docs/protocol.md §2, §12.2).
//!
//! Contract: [`verify`] signs over the base URL as received (scheme, `Host`, path), the query
//! and single-part form parameters and the `Authorization` header's `oauth_*` parameters, with
//! HMAC-SHA1; it then checks the timestamp window and nonce replay. It never panics, answers in
//! the route's [`Family`] shape (v2 B5, v1.1 B6/B7, docs/protocol.md §5.2), and records in its
//! [`AuthLog`] what the request log shows: the consumer key, the token, the base string and
//! one outcome word (`ok`, `missing`, `bad_signature`, `nonce_replay` …).
//!
//! Repeated parameters with identical values collapse to one copy (node twitter-api-v2 sends
//! `oauth_token` in the header and the form of `access_token`); differing values are refused
//! (docs/protocol.md §12.3).

use axum::http::{header, HeaderMap, Method};
use axum::response::Response;

use super::route::{Family, Route};
use crate::config::{AccessLevel, Modes, SimConfig};
use crate::oauth;
use crate::reply;
use crate::world::{App, World};

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
    /// All signed parameters (query + form + header), deduplicated (empty for Bearer).
    pub params: Vec<(String, String)>,
    /// OAuth 2.0 user token: its granted scopes (`None` for OAuth 1.0a).
    pub scopes: Option<Vec<String>>,
}

/// What [`verify`] found, for the request log.
#[derive(Debug, Default)]
pub(crate) struct AuthLog {
    pub consumer_key: Option<String>,
    pub token: Option<String>,
    pub base_string: Option<String>,
    pub outcome: String,
}

/// The parts of a request that its signature covers.
pub(crate) struct Signed<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    /// `Host` as received.
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// Decoded `application/x-www-form-urlencoded` body fields (empty otherwise).
    pub form: &'a [(String, String)],
    pub route: &'a Route,
    /// The connection is TLS (the signed scheme is `https`).
    pub tls: bool,
}

/// The scheme the client used: `http`, or the forwarded one when trusted.
pub(crate) fn request_scheme(cfg: &SimConfig, headers: &HeaderMap, tls: bool) -> String {
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

/// An authentication failure in the family's shape: B5 on v2 (except the timestamp code 135),
/// B6 with `code` on v1.1.
fn unauthorized(m: &Modes, family: Family, code: u32) -> Response {
    match family {
        Family::V2 if code != 135 => reply::unauthorized_v2(m),
        _ => reply::could_not_authenticate(code),
    }
}

/// Sets the log's outcome and answers the family's 401 with code 32.
fn refuse(log: &mut AuthLog, outcome: &str, m: &Modes, family: Family) -> Response {
    log.outcome = outcome.into();
    unauthorized(m, family, 32)
}

/// Strict OAuth 1.0a verification (docs/protocol.md §2, §12.2).
pub(crate) fn verify(
    cfg: &SimConfig,
    w: &mut World,
    req: &Signed<'_>,
    log: &mut AuthLog,
) -> Result<Auth, Response> {
    let m = w.modes.clone();
    let family = req.route.family();
    let raw = authorization_header(req.headers, &m, family, log)?;
    if let Some(token) = bearer_token(raw) {
        return bearer(w, req.route, token, &m, log);
    }
    let hdr = match oauth::parse_authorization(raw) {
        Ok(h) => h,
        Err(_) => return Err(refuse(log, "malformed", &m, family)),
    };
    let mut all: Vec<(String, String)> = hdr
        .params
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .cloned()
        .collect();
    all.extend(req.query.iter().cloned());
    all.extend(req.form.iter().cloned());
    let get = |k: &str| all.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    log.consumer_key = get("oauth_consumer_key");
    log.token = get("oauth_token");

    let (dedup, conflicting) = dedup_params(&all);
    let scheme = request_scheme(cfg, req.headers, req.tls);
    let received_url = oauth::base_url(&scheme, req.host, req.path);
    let base = oauth::base_string(req.method.as_str(), &received_url, &dedup);
    log.base_string = Some(base.clone());
    if conflicting {
        return Err(refuse(log, "duplicate_params", &m, family));
    }
    let sig = hdr.get("oauth_signature").map(str::to_string);
    let (Some(ck), Some(sig), Some(nonce), Some(ts), Some(sm)) = (
        get("oauth_consumer_key"),
        sig,
        get("oauth_nonce"),
        get("oauth_timestamp"),
        get("oauth_signature_method"),
    ) else {
        return Err(refuse(log, "missing_oauth_params", &m, family));
    };
    if sm != "HMAC-SHA1" || get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(refuse(log, "unsupported_method", &m, family));
    }
    let Ok(ts) = ts.parse::<i64>() else {
        return Err(refuse(log, "bad_timestamp", &m, family));
    };
    let Some(app) = w.app(&ck).cloned() else {
        return Err(refuse(log, "unknown_consumer", &m, family));
    };
    let token = get("oauth_token");
    let grant = token_grant(w, req.route, &app, token.as_deref(), &m, log)?;
    let key = oauth::signing_key(&app.consumer_secret, &grant.secret);
    if !signature_matches(cfg, req, &base, &dedup, &sig, &key) {
        return Err(refuse(log, "bad_signature", &m, family));
    }
    check_freshness(cfg, w, &ck, &nonce, ts, &m, family, log)?;
    log.outcome = "ok".into();
    Ok(Auth {
        consumer_key: ck,
        token,
        account_id: grant.account_id,
        level: grant.level,
        params: dedup,
        scopes: None,
    })
}

/// An OAuth 2.0 user token (docs/protocol.md §14): accepted only on v2 routes, with the
/// route's scopes, before its expiry on the virtual clock. An expired or revoked user token →
/// 401; a missing scope → 403 naming it; v1.1, the PIN flow, and any token this server did not
/// mint (an app-only Bearer) → 403 unsupported-authentication / v1.1 220.
fn bearer(
    w: &World,
    route: &Route,
    token: &str,
    m: &Modes,
    log: &mut AuthLog,
) -> Result<Auth, Response> {
    let family = route.family();
    log.token = Some(token.to_owned());
    let unsupported = |log: &mut AuthLog| {
        log.outcome = "bearer".into();
        match family {
            Family::V2 => reply::unsupported_auth(m),
            Family::V1 => reply::v1(
                403,
                220,
                "Your credentials do not allow access to this resource.",
            ),
        }
    };
    let Some(required) = route.oauth2_scopes() else {
        return Err(unsupported(log));
    };
    let grant = match w.oauth2.bearer(token, w.now_ms()) {
        Ok(g) => g,
        Err(crate::oauth2::BearerRefusal::Expired) => {
            log.outcome = "expired".into();
            return Err(reply::unauthorized_v2(m));
        }
        Err(crate::oauth2::BearerRefusal::Unknown)
            if token.starts_with(crate::oauth2::ACCESS_PREFIX) =>
        {
            log.outcome = "revoked".into();
            return Err(reply::unauthorized_v2(m));
        }
        Err(crate::oauth2::BearerRefusal::Unknown) => return Err(unsupported(log)),
    };
    log.consumer_key = Some(grant.client_id.clone());
    if let Some(scope) = grant.missing(required) {
        log.outcome = "missing_scope".into();
        return Err(reply::forbidden_v2(
            m,
            &format!("You are not permitted to perform this action. Missing scope: {scope}."),
        ));
    }
    log.outcome = "ok".into();
    let writes = grant.scopes.iter().any(|s| s == "tweet.write");
    Ok(Auth {
        consumer_key: grant.client_id,
        token: Some(token.to_owned()),
        account_id: Some(grant.user_id),
        level: if writes {
            AccessLevel::ReadWrite
        } else {
            AccessLevel::Read
        },
        params: Vec::new(),
        scopes: Some(grant.scopes),
    })
}

/// The token of `Authorization: Bearer <token>`.
fn bearer_token(raw: &str) -> Option<&str> {
    let raw = raw.trim();
    let (scheme, token) = raw.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The `Authorization` header as text: missing → B5 / v1.1 215, non-ASCII → 401.
fn authorization_header<'h>(
    headers: &'h HeaderMap,
    m: &Modes,
    family: Family,
    log: &mut AuthLog,
) -> Result<&'h str, Response> {
    let Some(raw) = headers.get(header::AUTHORIZATION) else {
        log.outcome = "missing".into();
        return Err(match family {
            Family::V2 => reply::unauthorized_v2(m),
            Family::V1 => reply::v1(400, 215, "Bad authentication data."),
        });
    };
    let raw = match raw.to_str() {
        Ok(s) => s,
        Err(_) => return Err(refuse(log, "malformed", m, family)),
    };
    Ok(raw)
}

/// Duplicate keys: identical pairs collapse to one (node twitter-api-v2's PIN login); the
/// flag says whether some key had differing values.
fn dedup_params(all: &[(String, String)]) -> (Vec<(String, String)>, bool) {
    let mut dedup: Vec<(String, String)> = Vec::with_capacity(all.len());
    let mut conflicting = false;
    for (k, v) in all {
        match dedup.iter().find(|(dk, _)| dk == k) {
            Some((_, dv)) if dv == v => {}
            Some(_) => conflicting = true,
            None => dedup.push((k.clone(), v.clone())),
        }
    }
    (dedup, conflicting)
}

/// What the token of a request grants.
struct Grant {
    /// The token secret (empty on `request_token`).
    secret: String,
    /// The account (access tokens only).
    account_id: Option<String>,
    level: AccessLevel,
}

/// The token the route expects: none on `request_token`, an unused request token of this app
/// on `access_token`, otherwise a live access token of this app (else B7, code 89).
fn token_grant(
    w: &World,
    route: &Route,
    app: &App,
    token: Option<&str>,
    m: &Modes,
    log: &mut AuthLog,
) -> Result<Grant, Response> {
    let family = route.family();
    let ck = &app.consumer_key;
    match route {
        Route::RequestToken => Ok(Grant {
            secret: String::new(),
            account_id: None,
            level: app.permissions,
        }),
        Route::AccessToken => {
            let Some(t) = token else {
                return Err(refuse(log, "missing_token", m, family));
            };
            match w.request_tokens.get(t) {
                Some(rt) if rt.consumer_key == *ck && !rt.used => Ok(Grant {
                    secret: rt.secret.clone(),
                    account_id: None,
                    level: app.permissions,
                }),
                _ => {
                    log.outcome = "unknown_token".into();
                    Err(reply::invalid_or_expired_token(m.code89_status))
                }
            }
        }
        _ => {
            let Some(t) = token else {
                return Err(refuse(log, "missing_token", m, family));
            };
            match w.tokens.get(t) {
                Some(tok) if tok.consumer_key == *ck && !tok.revoked => Ok(Grant {
                    secret: tok.secret.clone(),
                    account_id: Some(tok.account_id.clone()),
                    level: tok.access_level,
                }),
                _ => {
                    log.outcome = if w.tokens.get(t).is_some_and(|x| x.revoked) {
                        "revoked_token"
                    } else {
                        "unknown_token"
                    }
                    .into();
                    Err(reply::invalid_or_expired_token(m.code89_status))
                }
            }
        }
    }
}

/// Whether `sig` signs `base`, or the same request under one of
/// `SimConfig::extra_signing_origins`.
fn signature_matches(
    cfg: &SimConfig,
    req: &Signed<'_>,
    base: &str,
    params: &[(String, String)],
    sig: &str,
    key: &str,
) -> bool {
    if oauth::signature_eq(sig, &oauth::sign(base, key)) {
        return true;
    }
    cfg.extra_signing_origins.iter().any(|origin| {
        let url = format!(
            "{}{}",
            origin.trim_end_matches('/').to_ascii_lowercase(),
            req.path
        );
        let alt = oauth::base_string(req.method.as_str(), &url, params);
        oauth::signature_eq(sig, &oauth::sign(&alt, key))
    })
}

/// The timestamp lies within the window (else B6 code 135, in v1.1 shape on every route) and
/// the nonce is new for this app (else 401).
#[allow(clippy::too_many_arguments)]
fn check_freshness(
    cfg: &SimConfig,
    w: &mut World,
    consumer_key: &str,
    nonce: &str,
    ts: i64,
    m: &Modes,
    family: Family,
    log: &mut AuthLog,
) -> Result<(), Response> {
    let now = w.auth_now_secs();
    let window = i64::try_from(cfg.timestamp_window_secs).unwrap_or(i64::MAX);
    if now.saturating_sub(ts).saturating_abs() > window {
        log.outcome = "timestamp_out_of_window".into();
        return Err(reply::could_not_authenticate(135));
    }
    if cfg.nonce_check && !w.check_nonce(consumer_key, nonce, ts, window) {
        return Err(refuse(log, "nonce_replay", m, family));
    }
    Ok(())
}
