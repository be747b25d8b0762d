//! Body classification in two steps around authentication: the signed form body first, the
//! unsigned bodies (JSON, multipart, anything else) only once the caller is verified.
//!
//! Contract: a form body is read (bounded by [`SMALL_BODY_MAX`]) and decoded before
//! authentication, because its fields are signed; every other body stays unread until
//! [`read_unsigned`]. JSON and other bodies are read bounded, multipart bodies are handed on as
//! a stream. A body that cannot be read or decoded is answered 400 in the route's family
//! shape (v2 B13, v1.1 code 44 or B16, docs/protocol.md §5.2).

use axum::body::Body;
use axum::http::{header, HeaderMap};
use axum::response::Response;

use super::{read_small, Family, ReqBody, SMALL_BODY_MAX};
use crate::config::Modes;
use crate::oauth;
use crate::reply;

/// The request body after the signed step.
pub(crate) struct Signed {
    /// `ReqBody::Form` when the body was a form, else `ReqBody::Empty`.
    pub body: ReqBody,
    /// The decoded form fields (empty unless the body was a form).
    pub form: Vec<(String, String)>,
    /// The body still to read (`None` once the form was read).
    pub pending: Option<Body>,
}

/// A 400 for an unreadable body: B13 on v2, the v1.1 code 44 envelope otherwise.
fn bad_body(m: &Modes, family: Family, message: &str) -> Response {
    match family {
        Family::V2 => reply::invalid_request(m, message),
        Family::V1 => reply::v1(400, 44, message),
    }
}

/// Reads and decodes an `application/x-www-form-urlencoded` body (`ct` is the media type);
/// leaves any other body unread.
pub(crate) async fn read_signed(
    ct: &str,
    body: Body,
    m: &Modes,
    family: Family,
) -> Result<Signed, Response> {
    if ct != "application/x-www-form-urlencoded" {
        return Ok(Signed {
            body: ReqBody::Empty,
            form: Vec::new(),
            pending: Some(body),
        });
    }
    let parsed = read_small(body, SMALL_BODY_MAX)
        .await
        .ok()
        .and_then(|b| std::str::from_utf8(&b).ok().map(str::to_string))
        .map(|s| oauth::parse_form(&s));
    match parsed {
        Some(Ok(f)) => Ok(Signed {
            body: ReqBody::Form(f.clone()),
            form: f,
            pending: None,
        }),
        _ => Err(bad_body(
            m,
            family,
            "The request body is not valid form data.",
        )),
    }
}

/// Classifies the rest of the body once the caller is authenticated: JSON (`…/json`,
/// `…+json`) read bounded, multipart as a stream, any other content type read bounded, no
/// content type accepted when empty. `path` names the v1.1 media request in B16 bodies.
pub(crate) async fn read_unsigned(
    ct: &str,
    signed: Signed,
    headers: &HeaderMap,
    path: &str,
    m: &Modes,
    family: Family,
) -> Result<ReqBody, Response> {
    let Some(b) = signed.pending else {
        return Ok(signed.body);
    };
    if ct == "application/json" || ct.ends_with("+json") {
        return match read_small(b, SMALL_BODY_MAX).await {
            Ok(bytes) => Ok(ReqBody::Json(bytes)),
            Err(()) => Err(match family {
                Family::V2 => {
                    reply::invalid_request(m, "The request body is too large or truncated.")
                }
                Family::V1 => reply::v1_media(400, path, "Request body is too large or truncated."),
            }),
        };
    }
    if ct == "multipart/form-data" {
        let boundary = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok());
        return match boundary {
            Some(bd) => Ok(ReqBody::Multipart(multer::Multipart::new(
                b.into_data_stream(),
                bd,
            ))),
            None => Err(match family {
                Family::V2 => reply::invalid_request(m, "Multipart body without a boundary."),
                Family::V1 => reply::v1_media(400, path, "media type unrecognized."),
            }),
        };
    }
    match read_small(b, SMALL_BODY_MAX).await {
        // No content type: accept an empty body, read (bounded) anything else.
        Ok(bytes) if bytes.is_empty() && ct.is_empty() => Ok(signed.body),
        Ok(bytes) => Ok(ReqBody::Other(bytes)),
        Err(()) => Err(bad_body(m, family, "The request body is too large.")),
    }
}
