//! X-shaped response builders: v2 problems, v1.1 `errors` envelopes, v1.1 media errors and
//! the exact bodies B1–B16 of docs/protocol.md §5.2.
//!
//! Contract: every function returns a complete `Response` with the status and content type X
//! uses; none of them can fail or panic. Each builder of a labelled body is named for what it
//! says and cites its label (B1 … B16) in its doc; the labels are the rows of the table in
//! docs/protocol.md §5.2.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::config::{Modes, ReplyRefusal};

/// Builds a response with a status, content type and body.
pub fn raw(status: u16, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON response (`application/json; charset=utf-8`).
pub fn json(status: u16, v: &Value) -> Response {
    raw(status, "application/json; charset=utf-8", v.to_string())
}

/// A v2 problem with the content type selected in the modes.
pub fn problem(m: &Modes, status: u16, v: &Value) -> Response {
    if m.problem_json_content_type {
        raw(status, "application/problem+json", v.to_string())
    } else {
        json(status, v)
    }
}

/// `"{problem_host}/2/problems/{name}"`.
pub fn ptype(m: &Modes, name: &str) -> String {
    format!(
        "{}/2/problems/{}",
        m.problem_host.trim_end_matches('/'),
        name
    )
}

/// A v1.1 `{"errors":[{"code","message"}]}` envelope.
pub fn v1(status: u16, code: u32, message: &str) -> Response {
    json(status, &json!({"errors":[{"code":code,"message":message}]}))
}

/// B6 (docs/protocol.md §5.2): 401 "Could not authenticate you." with v1.1 `code` 32 (bad or
/// missing OAuth) or 135 (timestamp out of the window).
pub fn could_not_authenticate(code: u32) -> Response {
    v1(401, code, "Could not authenticate you.")
}

/// B7 (docs/protocol.md §5.2): code 89 "Invalid or expired token." with `status` (X's example
/// says 401, its table 403: `Modes::code89_status`).
pub fn invalid_or_expired_token(status: u16) -> Response {
    v1(status, 89, "Invalid or expired token.")
}

/// B16 (docs/protocol.md §5.2): a v1.1 media error, `{"request": <path>, "error": <message>}`.
pub fn v1_media(status: u16, request: &str, error: &str) -> Response {
    json(status, &json!({"request": request, "error": error}))
}

/// B1 (docs/protocol.md §5.2): code 453 with HTTP 403, "You currently have access to a subset
/// of Twitter API v2 endpoints and limited v1.1 endpoints …" (v1.1 posting, retired v1.1 media).
pub fn limited_access_453() -> Response {
    json(
        403,
        &json!({"errors":[{"message":"You currently have access to a subset of Twitter API v2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more here: https://developer.twitter.com/en/portal/product","code":453}]}),
    )
}

/// B2 or B3 (docs/protocol.md §5.2, chosen by `Modes::not_enrolled_body`): 403
/// `client-not-enrolled`, the app is not attached to a Project with the needed access.
pub fn client_not_enrolled(m: &Modes) -> Response {
    let v = if m.not_enrolled_body == "b3" {
        json!({"client_id":"101010101","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"})
    } else {
        json!({"client_id":"101010101","required_enrollment":"Standard Basic","registration_url":"https://developer.twitter.com/en/account","title":"Client Forbidden","detail":"This request must be made using an approved developer account that is enrolled in the requested endpoint. Learn more by visiting our documentation.","reason":"client-not-enrolled","type":"https://api.x.com/2/problems/client-forbidden"})
    };
    problem(m, 403, &v)
}

/// B4 (docs/protocol.md §5.2): 403 `oauth1-permissions`, the token lacks write permission.
pub fn oauth1_permissions(m: &Modes) -> Response {
    problem(
        m,
        403,
        &json!({"title":"Forbidden","status":403,"detail":"Your client app is not configured with the appropriate oauth1 app permissions for this endpoint.","type":ptype(m, "oauth1-permissions")}),
    )
}

/// B5 (docs/protocol.md §5.2): the v2 401 `Unauthorized` problem (missing or bad OAuth).
pub fn unauthorized_v2(m: &Modes) -> Response {
    problem(
        m,
        401,
        &json!({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}),
    )
}

/// 403 unsupported-authentication (app-only Bearer on a user-context endpoint).
pub fn unsupported_auth(m: &Modes) -> Response {
    problem(
        m,
        403,
        &json!({"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].","type":ptype(m, "unsupported-authentication"),"status":403}),
    )
}

/// B8 (docs/protocol.md §5.2): 402 `CreditsDepleted`, the pay-per-use balance is spent.
pub fn credits_depleted(m: &Modes) -> Response {
    problem(
        m,
        402,
        &json!({"title":"CreditsDepleted","detail":"Your enrolled account [2059529979700846592] does not have any credits to fulfill this request.","type":ptype(m, "credits")}),
    )
}

/// B9 or B10 (docs/protocol.md §5.2, chosen by `Modes::rate_limit_body`): 429 Too Many
/// Requests as a v2 problem (B9) or a v1.1 code 88 envelope (B10).
pub fn rate_limited(m: &Modes) -> Response {
    if m.rate_limit_body == "v1" {
        v1(429, 88, "Rate limit exceeded")
    } else {
        problem(
            m,
            429,
            &json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}),
        )
    }
}

/// B11 (docs/protocol.md §5.2): 429 `UsageCapped`, the monthly product cap is reached.
pub fn usage_capped(m: &Modes) -> Response {
    problem(
        m,
        429,
        &json!({"title":"UsageCapped","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}),
    )
}

/// B12 (docs/protocol.md §5.2): 403 "You are not allowed to create a Tweet with duplicate
/// content."
pub fn duplicate_content(m: &Modes) -> Response {
    problem(
        m,
        403,
        &json!({"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}),
    )
}

/// B13 (docs/protocol.md §5.2): 400 `invalid-request` naming one parameter and its values.
pub fn invalid_parameter(m: &Modes, param: &str, values: &[String], message: &str) -> Response {
    let mut params = serde_json::Map::new();
    params.insert(param.to_string(), json!(values));
    problem(
        m,
        400,
        &json!({"errors":[{"parameters":params,"message":message}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":ptype(m, "invalid-request")}),
    )
}

/// B13 (docs/protocol.md §5.2) without parameters: 400 `invalid-request` for schema
/// problems, bad JSON, bad multipart …
pub fn invalid_request(m: &Modes, message: &str) -> Response {
    problem(
        m,
        400,
        &json!({"errors":[{"parameters":{},"message":message}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":ptype(m, "invalid-request")}),
    )
}

/// B14 (docs/protocol.md §5.2): 403, replying to this conversation (or, with `quote`,
/// quoting this post) is not allowed; with `Modes::reply_refusal` = `mentioned-or-author`, the
/// 2026-08 body of §15 instead (`"title":"Authorization Error"`, no `type`), for both.
pub fn reply_not_allowed(m: &Modes, quote: bool) -> Response {
    if m.reply_refusal == ReplyRefusal::MentionedOrAuthor {
        return problem(
            m,
            403,
            &json!({"detail":"You can only reply to or quote posts where you are mentioned or are the author.","title":"Authorization Error"}),
        );
    }
    let detail = if quote {
        "Quoting this post is not allowed"
    } else {
        "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to."
    };
    problem(
        m,
        403,
        &json!({"title":"Forbidden","type":"about:blank","status":403,"detail":detail}),
    )
}

/// B15 (docs/protocol.md §5.2): the generic 403 `Forbidden` problem with `detail` (v2 upload
/// refused, spending limit reached).
pub fn forbidden_v2(m: &Modes, detail: &str) -> Response {
    problem(
        m,
        403,
        &json!({"title":"Forbidden","type":"about:blank","status":403,"detail":detail}),
    )
}

/// v2 404 resource-not-found.
pub fn not_found_v2(m: &Modes, param: &str, value: &str, kind: &str) -> Response {
    problem(
        m,
        404,
        &json!({"errors":[{"value":value,"detail":format!("Could not find {kind} with {param}: [{value}].").replace("[", "").replace("]", ""),"title":"Not Found Error","resource_type":kind,"parameter":param,"resource_id":value,"type":ptype(m, "resource-not-found")}],"title":"Not Found Error","detail":format!("Could not find {kind} with {param}: [{value}]."),"type":ptype(m, "resource-not-found")}),
    )
}

/// 404 for an unknown v2 path.
pub fn no_route_v2(m: &Modes) -> Response {
    problem(
        m,
        404,
        &json!({"title":"Not Found Error","detail":"Sorry, that page does not exist.","type":"about:blank","status":404}),
    )
}

/// 404 for an unknown v1.1 path (code 34).
pub fn no_route_v1() -> Response {
    v1(404, 34, "Sorry, that page does not exist")
}

/// An injected 5xx in the family's shape.
pub fn server_error(m: &Modes, status: u16, v2: bool) -> Response {
    let title = match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Service Unavailable",
    };
    if v2 {
        problem(
            m,
            status,
            &json!({"title":title,"detail":title,"type":"about:blank","status":status}),
        )
    } else if status == 503 {
        v1(503, 130, "Over capacity")
    } else {
        v1(status, 131, "Internal error")
    }
}

/// The HTML 403 page of the `html-403` retirement mode.
pub fn html_403() -> Response {
    raw(
        403,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1><p>You don't have permission to access this resource.</p></body></html>",
    )
}

/// A generic `about:blank` problem for `status` (its canonical reason as title and detail).
pub fn status_problem(m: &Modes, status: u16) -> Response {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    problem(
        m,
        status,
        &json!({"title":reason,"detail":reason,"type":"about:blank","status":status}),
    )
}

/// A `200` whose body has no readable `data.id` (the `ok_without_id_rate` fault), variant
/// `n % 4`: `{}`, `{"data":{}}`, `{"errors":[{"message":"Internal error"}]}`, or the
/// non-JSON `<html>upstream</html>`.
pub fn ok_without_id(n: u64) -> Response {
    match n % 4 {
        0 => json(200, &json!({})),
        1 => json(200, &json!({"data":{}})),
        2 => json(200, &json!({"errors":[{"message":"Internal error"}]})),
        _ => raw(200, "text/html; charset=utf-8", "<html>upstream</html>"),
    }
}
