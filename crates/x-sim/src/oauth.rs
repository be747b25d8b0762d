//! OAuth 1.0a HMAC-SHA1 primitives used by the simulator's strict verifier (docs/protocol.md §2).
//!
//! Contract: everything here is a pure function of its inputs (no clock, no RNG, no state).
//! [`percent_encode`] is RFC 3986 with only `A-Z a-z 0-9 - . _ ~` literal and uppercase hex;
//! [`parse_authorization`] parses an `Authorization: OAuth …` header into decoded pairs
//! (`realm` kept apart); [`base_string`] builds `METHOD&enc(base_url)&enc(params)` with the
//! parameters encoded then sorted by key, then value; [`sign`] is base64(HMAC-SHA1). Nothing
//! here panics on any input: malformed input yields [`SimError::Malformed`].

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::SimError;

/// Characters that are *not* percent-encoded: RFC 3986 unreserved.
const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `s` the OAuth way (UTF-8, uppercase hex, space = `%20`).
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

/// Decodes `%XX` escapes (and `+` as space when `plus_as_space`), requiring valid UTF-8
/// and well-formed escapes.
pub fn percent_decode(s: &str, plus_as_space: bool) -> Result<String, SimError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16));
                let lo = bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err(SimError::Malformed(format!("bad percent escape in {s:?}"))),
                }
                i += 3;
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| SimError::Malformed("parameter is not UTF-8".into()))
}

/// Parses an `application/x-www-form-urlencoded` string (also used for query strings):
/// `+` is a space, `k` without `=` has an empty value, empty segments are skipped.
pub fn parse_form(s: &str) -> Result<Vec<(String, String)>, SimError> {
    let mut out = Vec::new();
    for part in s.split('&') {
        if part.is_empty() {
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((percent_decode(k, true)?, percent_decode(v, true)?));
    }
    Ok(out)
}

/// A parsed `Authorization: OAuth` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthHeader {
    /// Decoded `key="value"` pairs in header order, without `realm`.
    pub params: Vec<(String, String)>,
    /// The unsigned `realm`, if sent.
    pub realm: Option<String>,
}

impl AuthHeader {
    /// The first value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses the value of an `Authorization` header with the `OAuth` scheme.
///
/// Accepts `OAuth k="v", k2="v2"` (scheme case-insensitive, optional whitespace around
/// commas and `=`); keys and values are percent-decoded. Rejects any other scheme, missing
/// `=`, unterminated quotes and invalid escapes.
pub fn parse_authorization(value: &str) -> Result<AuthHeader, SimError> {
    let value = value.trim();
    let (scheme, rest) = match value.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&value[..i], &value[i..]),
        None => (value, ""),
    };
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Err(SimError::Malformed(
            "authorization scheme is not OAuth".into(),
        ));
    }
    let mut header = AuthHeader::default();
    let mut s = rest.trim_start();
    while !s.is_empty() {
        let eq = s
            .find('=')
            .ok_or_else(|| SimError::Malformed("authorization parameter without '='".into()))?;
        let key = s[..eq].trim();
        if key.is_empty() || key.contains(|c: char| c == ',' || c == '"' || c.is_whitespace()) {
            return Err(SimError::Malformed(
                "bad authorization parameter name".into(),
            ));
        }
        s = s[eq + 1..].trim_start();
        let raw_value;
        if let Some(after) = s.strip_prefix('"') {
            let end = after
                .find('"')
                .ok_or_else(|| SimError::Malformed("unterminated quoted value".into()))?;
            raw_value = &after[..end];
            s = &after[end + 1..];
        } else {
            let end = s.find(',').unwrap_or(s.len());
            raw_value = s[..end].trim_end();
            s = &s[end..];
        }
        let key = percent_decode(key, false)?;
        let val = percent_decode(raw_value, false)?;
        if key == "realm" {
            header.realm = Some(val);
        } else {
            header.params.push((key, val));
        }
        s = s.trim_start();
        if let Some(after) = s.strip_prefix(',') {
            s = after.trim_start();
        } else if !s.is_empty() {
            return Err(SimError::Malformed(
                "expected ',' between parameters".into(),
            ));
        }
    }
    Ok(header)
}

/// Builds the base URL (RFC 5849 §3.4.1.2): lowercase scheme and host, default port
/// dropped, path as received, no query.
pub fn base_url(scheme: &str, host: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let mut host = host.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    if let Some(port) = default_port {
        if let Some(stripped) = host.strip_suffix(port) {
            host = stripped.to_string();
        }
    }
    let path = if path.is_empty() { "/" } else { path };
    format!("{scheme}://{host}{path}")
}

/// The normalized parameter string: each key and value encoded, sorted by key then value,
/// joined as `k=v&k=v`.
pub fn normalized_params(params: &[(String, String)]) -> String {
    let mut enc: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    enc.sort();
    enc.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signature base string `METHOD&enc(base_url)&enc(normalized params)`.
pub fn base_string(method: &str, base_url: &str, params: &[(String, String)]) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(base_url),
        percent_encode(&normalized_params(params))
    )
}

/// The HMAC key `enc(consumer_secret)&enc(token_secret)` (token secret may be empty).
pub fn signing_key(consumer_secret: &str, token_secret: &str) -> String {
    format!(
        "{}&{}",
        percent_encode(consumer_secret),
        percent_encode(token_secret)
    )
}

/// `base64(HMAC-SHA1(key, base))`.
pub fn sign(base: &str, key: &str) -> String {
    // HMAC accepts keys of any length, so this never fails.
    match Hmac::<Sha1>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(base.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Constant-time comparison of a received signature with the expected one.
pub fn signature_eq(received: &str, expected: &str) -> bool {
    let (a, b) = (received.as_bytes(), expected.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Builds a complete `Authorization: OAuth …` header value (used by the test helpers and
/// the benchmark; handy for any client test). `extra` holds signed non-oauth parameters (query and
/// form fields); `oauth` holds the `oauth_*` protocol parameters without the signature.
pub fn authorization_header(
    method: &str,
    url_base: &str,
    oauth: &[(String, String)],
    extra: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let mut all: Vec<(String, String)> = oauth.to_vec();
    all.extend(extra.iter().cloned());
    let base = base_string(method, url_base, &all);
    let sig = sign(&base, &signing_key(consumer_secret, token_secret));
    let mut parts: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", percent_encode(k), percent_encode(v)))
        .collect();
    parts.push(format!("oauth_signature=\"{}\"", percent_encode(&sig)));
    parts.sort();
    format!("OAuth {}", parts.join(", "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    const CK: &str = "xvz1evFS4wEEPTGEFPHBog";
    const CS: &str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
    const TK: &str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
    const TS: &str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";

    fn a_oauth() -> Vec<(String, String)> {
        vec![
            p("oauth_consumer_key", CK),
            p("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "1318622958"),
            p("oauth_token", TK),
            p("oauth_version", "1.0"),
        ]
    }

    #[test]
    fn encoding_vectors() {
        assert_eq!(
            percent_encode("Ladies + Gentlemen"),
            "Ladies%20%2B%20Gentlemen"
        );
        assert_eq!(
            percent_encode("An encoded string!"),
            "An%20encoded%20string%21"
        );
        assert_eq!(
            percent_encode("Dogs, Cats & Mice"),
            "Dogs%2C%20Cats%20%26%20Mice"
        );
        assert_eq!(percent_encode("☃"), "%E2%98%83");
        assert_eq!(percent_encode("-._~*'()"), "-._~%2A%27%28%29");
    }

    #[test]
    fn vector_a_x_worked_example() {
        let body = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21";
        let mut params = a_oauth();
        params.extend(parse_form("include_entities=true").unwrap());
        params.extend(parse_form(body).unwrap());
        let url = base_url("https", "api.x.com", "/1.1/statuses/update.json");
        let base = base_string("POST", &url, &params);
        assert_eq!(base, "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521");
        let key = signing_key(CS, TS);
        assert_eq!(key, format!("{CS}&{TS}"));
        assert_eq!(sign(&base, &key), "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
        // The header form from the notes parses back to the same values.
        let h = parse_authorization(r#"OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", oauth_signature="Ls93hJiZbQ3akF3HF3x1Bz8%2FzU4%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0""#).unwrap();
        assert_eq!(
            h.get("oauth_signature"),
            Some("Ls93hJiZbQ3akF3HF3x1Bz8/zU4=")
        );
        assert_eq!(h.params.len(), 7);
    }

    #[test]
    fn vector_b_derived_v2() {
        let key = signing_key(CS, TS);
        let cases: [(&str, &str, &str, &str); 6] = [
            ("POST", "/2/tweets", "", "lr+tV/DKclEvXKVjG6tgaSSLV0k="),
            ("GET", "/2/users/me", "", "s6npKHEFSxFN4Kn7jGHKfpcDUOI="),
            (
                "GET",
                "/2/users/me",
                "user.fields=profile_image_url,verified",
                "V9JpJ3GY0f2XQmLem4r8Z1DPlSs=",
            ),
            (
                "POST",
                "/2/media/upload",
                "",
                "YZ5YwjPOf77chBwnCu/nWa4UK3U=",
            ),
            (
                "DELETE",
                "/2/tweets/1456012973835788293",
                "",
                "9RxCwEsgbo214SLRNBcpul0uxUk=",
            ),
            (
                "GET",
                "/2/media/upload",
                "command=STATUS&media_id=1880028106020515840",
                "ZkMio+avf1tYkOY9L2zbmx4cVaM=",
            ),
        ];
        for (method, path, query, expected) in cases {
            let mut params = a_oauth();
            params.extend(parse_form(query).unwrap());
            let base = base_string(method, &base_url("https", "api.x.com", path), &params);
            if query.contains(',') {
                assert!(base.contains("%252C"), "{base}");
            }
            assert_eq!(sign(&base, &key), expected, "{method} {path}?{query}");
        }
        let base = base_string(
            "POST",
            &base_url("https", "api.x.com", "/2/tweets"),
            &a_oauth(),
        );
        assert_eq!(base, "POST&https%3A%2F%2Fapi.x.com%2F2%2Ftweets&oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0");
    }

    #[test]
    fn vector_c_rfc5849() {
        let c1 = vec![
            p("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "137131200"),
            p("oauth_nonce", "wIjqoS"),
            p("oauth_callback", "http://printer.example.com/ready"),
        ];
        let base = base_string("POST", "https://photos.example.net/initiate", &c1);
        assert_eq!(
            sign(&base, &signing_key("kd94hf93k423kf44", "")),
            "74KNZJeDHnMBp0EMJ9ZHt/XKycU="
        );
        assert_eq!(signing_key("kd94hf93k423kf44", ""), "kd94hf93k423kf44&");

        let c2 = vec![
            p("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            p("oauth_token", "hh5s93j4hdidpola"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "137131201"),
            p("oauth_nonce", "walatlh"),
            p("oauth_verifier", "hfdp7dh39dks9884"),
        ];
        let base = base_string("POST", "https://photos.example.net/token", &c2);
        assert_eq!(
            sign(&base, &signing_key("kd94hf93k423kf44", "hdhd0244k9j7ao03")),
            "gKgrFCywp7rO0OXSjdot/IHF7IU="
        );

        let h = parse_authorization(r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH""#).unwrap();
        assert_eq!(h.realm.as_deref(), Some("Photos"));
        let mut c3 = h.params.clone();
        c3.extend(parse_form("file=vacation.jpg&size=original").unwrap());
        let base = base_string(
            "GET",
            &base_url("http", "photos.example.net", "/photos"),
            &c3,
        );
        assert_eq!(
            sign(&base, &signing_key("kd94hf93k423kf44", "pfkkdhi9sl3r4s00")),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
    }

    fn c4_params() -> Vec<(String, String)> {
        let mut params = parse_form("b5=%3D%253D&a3=a&c%40=&a2=r%20b").unwrap();
        params.extend(parse_form("c2&a3=2+q").unwrap());
        params.extend([
            p("oauth_consumer_key", "9djdj82h48djs9d2"),
            p("oauth_token", "kkk9d7dh3k39sjv7"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "137131201"),
            p("oauth_nonce", "7d8f3e4a"),
        ]);
        params
    }

    #[test]
    fn vector_c4_base_string() {
        let base = base_string(
            "POST",
            &base_url("http", "example.com", "/request"),
            &c4_params(),
        );
        assert_eq!(base, "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7");
    }

    #[test]
    fn vector_d_published_values_fail() {
        let base = base_string(
            "POST",
            &base_url("http", "example.com", "/request"),
            &c4_params(),
        );
        let sig = sign(&base, &signing_key("j49sk3j29djd", "dh893hdasih9"));
        assert_ne!(sig, "bYT5CMsGcbgUdFHObYMEfcx6bsw=");
        assert_eq!(sig, "r6/TJjbCOr97/+UU0NsvSne7s5g=");

        // X's worked example signed for the request as sent to api.x.com never equals the
        // stale values computed for other hosts/paths: the host and path are signed.
        let mut params = a_oauth();
        params.extend(parse_form("include_entities=true&status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21").unwrap());
        let key = signing_key(CS, TS);
        let x = sign(
            &base_string(
                "POST",
                &base_url("https", "api.x.com", "/1.1/statuses/update.json"),
                &params,
            ),
            &key,
        );
        for stale in [
            "tnnArxj06cWHq44gCs1OSKk/jLY=",
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
        ] {
            assert!(!signature_eq(&x, stale));
        }
    }

    #[test]
    fn base_url_normalisation() {
        assert_eq!(
            base_url("HTTP", "Example.COM:80", "/r"),
            "http://example.com/r"
        );
        assert_eq!(base_url("https", "a.b:443", "/r"), "https://a.b/r");
        assert_eq!(
            base_url("http", "127.0.0.1:8787", "/2/tweets"),
            "http://127.0.0.1:8787/2/tweets"
        );
    }

    #[test]
    fn header_parser_rejects_garbage() {
        for bad in [
            "Bearer abc",
            "OAuth oauth_nonce",
            "OAuth oauth_nonce=\"abc",
            "OAuth a=\"1\" b=\"2\"",
            "OAuth a=\"%zz\"",
            "OAuth =\"x\"",
        ] {
            assert!(parse_authorization(bad).is_err(), "{bad}");
        }
        let h = parse_authorization("oauth  a=\"1\" ,b=2").unwrap();
        assert_eq!(h.params, vec![p("a", "1"), p("b", "2")]);
        assert!(parse_authorization("OAuth").unwrap().params.is_empty());
    }

    #[test]
    fn header_builder_round_trips() {
        let h = authorization_header(
            "POST",
            "https://api.x.com/2/tweets",
            &a_oauth(),
            &[],
            CS,
            TS,
        );
        let parsed = parse_authorization(&h).unwrap();
        assert_eq!(
            parsed.get("oauth_signature"),
            Some("lr+tV/DKclEvXKVjG6tgaSSLV0k=")
        );
    }
}
