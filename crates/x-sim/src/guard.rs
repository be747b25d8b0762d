//! Guards against web pages reaching the simulator (audit PB-12): the `Host` check of every
//! request and the extra checks of the unsigned `/_sim/` control API.
//!
//! Contract:
//! - **Host.** A request is *for this simulator* when it carries exactly one `Host` header
//!   equal (ASCII case-insensitively) to `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT`,
//!   `PORT` being the port of the listener it arrived on (the bare name is accepted too when
//!   that port is the scheme's default, 80 or 443), and, in absolute form, a request-target
//!   authority that passes the same test. A web page that rebinds its own DNS name to
//!   127.0.0.1 sends `Host: evil.example:PORT` and is refused. API routes additionally
//!   accept [`crate::SimConfig::api_hosts`], and any `Host` at all when
//!   [`crate::SimConfig::any_api_host`] holds (non-loopback listener, trusted proxy,
//!   rewritten signing origins); the refusal is **421 Misdirected Request** in the route
//!   family's error shape, before anything is logged, faulted or read.
//! - **Control API** ([`control_refusal`]), whatever the configuration, in this order: a
//!   non-loopback TCP peer → 403; a `Host` that is not loopback as above → 421; an `Origin`
//!   header (every browser `fetch`/form POST, `no-cors` included, sends one) → 403; an
//!   `X-Forwarded-For` or `Forwarded` header (the request came through a proxy, whose
//!   clients all look like loopback peers) → 403; a method other than `GET`/`HEAD` without
//!   `Content-Type: application/json` (parameters allowed) → 415 — no browser can send that
//!   content type cross-origin without a CORS preflight, which the simulator never grants.
//!   Each refusal is `{"error": "<why>", "reason": "peer"|"host"|"origin"|"forwarded"|
//!   "content_type"}`.

use axum::http::{header, HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::json;

use crate::http::{content_type, ConnInfo};
use crate::reply;

/// Splits a `Host` value into its name (IPv6 literals keep their brackets) and port.
fn split_host(value: &str) -> (&str, Option<&str>) {
    if value.starts_with('[') {
        return match value.find(']') {
            Some(end) => {
                let (name, rest) = value.split_at(end + 1);
                (name, rest.strip_prefix(':'))
            }
            None => (value, None),
        };
    }
    match value.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (value, None),
    }
}

/// Whether `value` names a loopback address on `port`: `127.0.0.1:PORT`, `localhost:PORT`
/// or `[::1]:PORT` (case-insensitive), or the bare name when `port == default_port`.
pub fn is_loopback_host(value: &str, port: u16, default_port: u16) -> bool {
    let (name, p) = split_host(value);
    let name_ok = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n));
    let port_ok = match p {
        Some(p) => p == port.to_string(),
        None => port == default_port,
    };
    name_ok && port_ok
}

/// Whether `value` matches one of the configured extra hosts (`name`, `name:port`, `*`).
fn is_listed_host(value: &str, extra: &[String]) -> bool {
    let (name, _) = split_host(value);
    extra.iter().map(|e| e.trim()).any(|e| {
        e == "*"
            || match split_host(e) {
                (n, None) => n.eq_ignore_ascii_case(name),
                (_, Some(_)) => e.eq_ignore_ascii_case(value),
            }
    })
}

/// Checks the `Host` header (and an absolute-form authority) of a request that arrived on
/// `port`; `extra` are further accepted hosts. `Err` carries a human-readable reason.
pub fn check_host(
    headers: &HeaderMap,
    uri: &Uri,
    port: u16,
    tls: bool,
    extra: &[String],
) -> Result<(), String> {
    let default_port = if tls { 443 } else { 80 };
    let ok = |v: &str| is_loopback_host(v, port, default_port) || is_listed_host(v, extra);
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(h), None) => h
            .to_str()
            .map_err(|_| "the Host header is not ASCII".to_string())?,
        (None, _) => return Err("the request has no Host header".into()),
        (Some(_), Some(_)) => return Err("the request has more than one Host header".into()),
    };
    let expected = format!("127.0.0.1:{port}, localhost:{port} or [::1]:{port}");
    if !ok(host) {
        let shown: String = host.chars().take(100).collect();
        return Err(format!(
            "Host {shown:?} does not name this simulator (expected {expected})"
        ));
    }
    if let Some(a) = uri.authority() {
        if !ok(a.as_str()) {
            return Err(format!(
                "the request target's authority does not name this simulator (expected {expected})"
            ));
        }
    }
    Ok(())
}

fn refuse(status: u16, reason: &str, msg: &str) -> Response {
    reply::json(status, &json!({"error": msg, "reason": reason}))
}

/// The refusal of a `/_sim/` request, or `None` when it may be served (rules in the module
/// docs).
pub fn control_refusal(
    conn: &ConnInfo,
    method: &Method,
    headers: &HeaderMap,
    uri: &Uri,
) -> Option<Response> {
    if !conn.peer.ip().is_loopback() {
        return Some(refuse(
            403,
            "peer",
            "the control API only answers loopback peers",
        ));
    }
    if let Err(why) = check_host(headers, uri, conn.local.port(), conn.tls, &[]) {
        return Some(refuse(
            421,
            "host",
            &format!("misdirected request: {why}; the control API only answers loopback hosts"),
        ));
    }
    if headers.contains_key(header::ORIGIN) {
        return Some(refuse(
            403,
            "origin",
            "the control API refuses requests with an Origin header (sent by web browsers)",
        ));
    }
    if headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED) {
        return Some(refuse(
            403,
            "forwarded",
            "the control API refuses forwarded requests (X-Forwarded-For or Forwarded header)",
        ));
    }
    if method != Method::GET
        && method != Method::HEAD
        && content_type(headers) != "application/json"
    {
        return Some(refuse(
            415,
            "content_type",
            "the control API requires Content-Type: application/json on this method",
        ));
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn hosts(v: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for x in v {
            h.append(header::HOST, HeaderValue::from_str(x).unwrap());
        }
        h
    }

    #[test]
    fn loopback_hosts_need_the_listener_port() {
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LocalHost:8787",
            "[::1]:8787",
        ] {
            assert!(is_loopback_host(ok, 8787, 80), "{ok}");
        }
        for bad in [
            "127.0.0.1:8788",
            "127.0.0.1",
            "localhost",
            "evil.example:8787",
            "127.0.0.1.evil.example:8787",
            "localhost.:8787",
            "127.0.0.2:8787",
            "[::1]",
            "::1:8787",
            "127.0.0.1:08787",
            "127.0.0.1:8787:1",
            "user@127.0.0.1:8787",
            "",
        ] {
            assert!(!is_loopback_host(bad, 8787, 80), "{bad}");
        }
        assert!(is_loopback_host("localhost", 80, 80));
        assert!(is_loopback_host("[::1]", 443, 443));
        assert!(!is_loopback_host("localhost", 80, 443));
    }

    #[test]
    fn host_header_rules() {
        let uri: Uri = "/2/users/me".parse().unwrap();
        assert!(check_host(&hosts(&["127.0.0.1:9"]), &uri, 9, false, &[]).is_ok());
        assert!(check_host(&hosts(&[]), &uri, 9, false, &[]).is_err());
        assert!(check_host(&hosts(&["127.0.0.1:9", "127.0.0.1:9"]), &uri, 9, false, &[]).is_err());
        let e = check_host(&hosts(&["evil.example:9"]), &uri, 9, false, &[]).unwrap_err();
        assert!(e.contains("evil.example:9"), "{e}");
        // absolute form: the authority is checked too
        let abs: Uri = "http://evil.example:9/_sim/state".parse().unwrap();
        assert!(check_host(&hosts(&["127.0.0.1:9"]), &abs, 9, false, &[]).is_err());
        let abs: Uri = "http://localhost:9/_sim/state".parse().unwrap();
        assert!(check_host(&hosts(&["127.0.0.1:9"]), &abs, 9, false, &[]).is_ok());
    }

    #[test]
    fn listed_hosts() {
        let uri: Uri = "/".parse().unwrap();
        let extra = vec!["api.x.com".to_string(), "proxy.test:8443".to_string()];
        for ok in [
            "api.x.com",
            "API.X.com:443",
            "api.x.com:1",
            "proxy.test:8443",
        ] {
            assert!(
                check_host(&hosts(&[ok]), &uri, 9, true, &extra).is_ok(),
                "{ok}"
            );
        }
        for bad in ["upload.x.com", "proxy.test", "proxy.test:8444", "x.com"] {
            assert!(
                check_host(&hosts(&[bad]), &uri, 9, true, &extra).is_err(),
                "{bad}"
            );
        }
        let any = vec!["*".to_string()];
        assert!(check_host(&hosts(&["evil.example"]), &uri, 9, true, &any).is_ok());
    }
}
