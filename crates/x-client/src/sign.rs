//! OAuth 1.0a (HMAC-SHA1) request signing, a thin wrapper over the `oauth1-request` crate.
//!
//! Contract (docs/protocol.md §2):
//! - The signed base URL is scheme + host + path of the URL actually called, with the scheme and
//!   host lowercased and the port kept only when it is not the scheme's default.
//! - Signed parameters are: every query parameter, every `oauth_*` parameter and — only for a
//!   single-part `application/x-www-form-urlencoded` body — the form fields. JSON and multipart
//!   bodies are never signed (the caller simply passes no body parameters for them).
//! - Nonce and timestamp can be injected ([`SignInput::nonce`], [`SignInput::timestamp`]), which
//!   makes [`sign`] a pure function that reproduces the documented test vectors; when they are
//!   `None` the library draws a random nonce and the current time.
//! - The header is `OAuth k="v", k="v", …` with percent-encoded values; no `realm`, no body hash.

use std::fmt::{self, Display};
use std::num::NonZeroU64;

use oauth::serializer::Serializer;
use oauth1_request as oauth;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::{form_urlencoded, Url};

use crate::credentials::Credentials;
use crate::error::ClientError;

/// Everything but RFC 3986's unreserved `A-Z a-z 0-9 - . _ ~` is `%XX` (uppercase hex). OAuth
/// 1.0a (RFC 5849 §3.6) needs exactly this set: form encoding (`form_urlencoded`) differs, with
/// `+` for a space and `*` left literal, so it cannot build the base string.
const OAUTH_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a string the way OAuth 1.0a requires (UTF-8 bytes, uppercase hex, space = `%20`).
pub fn percent_encode(input: &str) -> String {
    utf8_percent_encode(input, OAUTH_ENCODE).to_string()
}

/// Splits a URL into its normalised OAuth base URL (§2.1 step 2: scheme and host lowercased,
/// a default port dropped, no query or fragment) and its decoded query pairs (`+` is a space).
pub fn split_url(url: &str) -> Result<(String, Vec<(String, String)>), ClientError> {
    let parsed = Url::parse(url)
        .map_err(|e| ClientError::Config(format!("not an absolute URL: {url} ({e})")))?;
    let pairs = parsed.query_pairs().into_owned().collect();
    let mut base = parsed;
    base.set_query(None);
    base.set_fragment(None);
    Ok((base.into(), pairs))
}

/// Parses an `application/x-www-form-urlencoded` body into decoded pairs (`+` is a space).
pub fn parse_form(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// Encodes decoded pairs as an `application/x-www-form-urlencoded` body. It uses the OAuth set
/// of [`percent_encode`] (space = `%20`, `*` encoded) rather than `form_urlencoded`'s, so the
/// bytes sent are the very encoding that was signed.
pub fn encode_form(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// What to sign. Parameters are *decoded* values; this module encodes them.
#[derive(Clone, Copy)]
pub struct SignInput<'a> {
    /// HTTP method; uppercased before signing.
    pub method: &'a str,
    /// The URL called, optionally with a query string (its parameters are signed).
    pub url: &'a str,
    /// Fields of a single-part form body (signed). Empty for JSON, multipart or no body.
    pub form: &'a [(String, String)],
    /// Extra `oauth_callback` (PIN flow).
    pub callback: Option<&'a str>,
    /// Extra `oauth_verifier` (PIN flow).
    pub verifier: Option<&'a str>,
    /// Injected nonce (tests); `None` = random.
    pub nonce: Option<&'a str>,
    /// Injected timestamp in Unix seconds (tests, clock correction); `None` = now.
    pub timestamp: Option<u64>,
    /// Send and sign `oauth_version="1.0"` (X: yes; the RFC 5849 examples: no).
    pub include_version: bool,
}

impl<'a> SignInput<'a> {
    /// A request with no form body, random nonce and current time.
    pub fn new(method: &'a str, url: &'a str) -> Self {
        SignInput {
            method,
            url,
            form: &[],
            callback: None,
            verifier: None,
            nonce: None,
            timestamp: None,
            include_version: true,
        }
    }
}

/// The result of signing: the header value and the signature itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `Authorization` header value (`OAuth oauth_consumer_key="…", …`).
    pub authorization: String,
    /// The base64 signature (not percent-encoded).
    pub signature: String,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The header carries no secret, but keep logs short and uniform.
        f.debug_struct("Signed").finish_non_exhaustive()
    }
}

/// Already-encoded, sorted parameters fed to `oauth1-request`, with the `oauth_*` parameters
/// interleaved at their sorted positions (the crate's `Request` contract).
struct EncodedParams {
    /// (single-encoded key, single-encoded value), sorted by key then value.
    pairs: Vec<(String, String)>,
}

/// Displays a string that is written into the base string as-is.
struct Raw<'a>(&'a str);
impl Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

const OAUTH_ORDER: [&str; 8] = [
    "oauth_callback",
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_token",
    "oauth_verifier",
    "oauth_version",
];

fn serialize_oauth<S: Serializer>(s: &mut S, idx: usize) {
    match idx {
        0 => s.serialize_oauth_callback(),
        1 => s.serialize_oauth_consumer_key(),
        2 => s.serialize_oauth_nonce(),
        3 => s.serialize_oauth_signature_method(),
        4 => s.serialize_oauth_timestamp(),
        5 => s.serialize_oauth_token(),
        6 => s.serialize_oauth_verifier(),
        _ => s.serialize_oauth_version(),
    }
}

impl oauth::Request for EncodedParams {
    fn serialize<S: Serializer>(&self, mut serializer: S) -> S::Output {
        let mut next = 0usize;
        for (k, v) in &self.pairs {
            while next < OAUTH_ORDER.len() && OAUTH_ORDER[next] < k.as_str() {
                serialize_oauth(&mut serializer, next);
                next += 1;
            }
            // The crate writes keys verbatim into the base string, where the normalised
            // parameter string is encoded a second time: pass the key double-encoded.
            let key = percent_encode(k);
            serializer.serialize_parameter_encoded(&key, Raw(v));
        }
        while next < OAUTH_ORDER.len() {
            serialize_oauth(&mut serializer, next);
            next += 1;
        }
        serializer.end()
    }
}

/// Signs one request (HMAC-SHA1, `oauth_version="1.0"`).
pub fn sign(credentials: &Credentials, input: &SignInput<'_>) -> Result<Signed, ClientError> {
    sign_with_secrets(
        &credentials.consumer_key,
        &credentials.consumer_secret,
        Some((&credentials.access_token, &credentials.access_secret)),
        input,
    )
}

/// Signs with explicit key material; `token = None` signs with `consumer_secret&` (request_token).
pub fn sign_with_secrets(
    consumer_key: &str,
    consumer_secret: &str,
    token: Option<(&str, &str)>,
    input: &SignInput<'_>,
) -> Result<Signed, ClientError> {
    let (base_url, query) = split_url(input.url)?;
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .chain(input.form.iter())
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();

    let client = oauth::Credentials::new(consumer_key, consumer_secret);
    let mut builder = oauth::Builder::<_, _, &str>::new(client, oauth::HmacSha1::new());
    if let Some((t, s)) = token {
        builder.token(oauth::Credentials::new(t, s));
    }
    builder.version(input.include_version);
    builder.callback(input.callback);
    builder.verifier(input.verifier);
    builder.nonce(input.nonce);
    builder.timestamp(input.timestamp.and_then(NonZeroU64::new));
    let method = input.method.to_ascii_uppercase();
    let raw = builder.authorize(&method, &base_url, &EncodedParams { pairs });

    // `oauth1-request` writes `OAuth k="v",…,oauth_signature="…"`: the other `oauth_*` items in
    // the sorted order `EncodedParams` gave them, the signature last. X documents the header
    // sorted and joined with ", ". Every value is percent-encoded, so `,` only separates items.
    let items = raw.strip_prefix("OAuth ").unwrap_or(&raw);
    let (others, signature_item) = items
        .rsplit_once(',')
        .filter(|(_, last)| last.starts_with("oauth_signature="))
        .ok_or_else(|| ClientError::Config("signing produced no signature".into()))?;
    let signature = percent_decode_str(
        signature_item
            .trim_start_matches("oauth_signature=")
            .trim_matches('"'),
    )
    .decode_utf8_lossy()
    .into_owned();
    let mut parts: Vec<&str> = others.split(',').collect();
    parts.push(signature_item);
    parts.sort_unstable();
    Ok(Signed {
        authorization: format!("OAuth {}", parts.join(", ")),
        signature,
    })
}

/// The signature base string of §2.1 (for tests and the simulator's request log comparison).
pub fn base_string(
    method: &str,
    url: &str,
    form: &[(String, String)],
    oauth_params: &[(&str, &str)],
) -> Result<String, ClientError> {
    let (base_url, query) = split_url(url)?;
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .chain(form.iter())
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .chain(
            oauth_params
                .iter()
                .map(|(k, v)| (percent_encode(k), percent_encode(v))),
        )
        .collect();
    pairs.sort();
    let joined = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(&base_url),
        percent_encode(&joined)
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const CK: &str = "xvz1evFS4wEEPTGEFPHBog";
    const CS: &str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
    const AT: &str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
    const AS: &str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
    const NONCE: &str = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
    const TS: u64 = 1318622958;

    fn creds() -> Credentials {
        Credentials {
            consumer_key: CK.into(),
            consumer_secret: CS.into(),
            access_token: AT.into(),
            access_secret: AS.into(),
        }
    }

    fn sig(method: &str, url: &str, form: &[(String, String)]) -> Signed {
        let mut input = SignInput::new(method, url);
        input.form = form;
        input.nonce = Some(NONCE);
        input.timestamp = Some(TS);
        sign(&creds(), &input).unwrap()
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
        assert_eq!(parse_form("k=a%2bb+c"), vec![("k".into(), "a+b c".into())]);
        assert_eq!(percent_encode("-._~*'()+"), "-._~%2A%27%28%29%2B");
    }

    #[test]
    fn vector_a_form_body_is_signed() {
        let form = parse_form(
            "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21",
        );
        let s = sig(
            "POST",
            "https://api.x.com/1.1/statuses/update.json?include_entities=true",
            &form,
        );
        assert_eq!(s.signature, "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
        assert_eq!(
            s.authorization,
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", oauth_signature=\"Ls93hJiZbQ3akF3HF3x1Bz8%2FzU4%3D\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
        );
        let base = base_string(
            "POST",
            "https://api.x.com/1.1/statuses/update.json?include_entities=true",
            &form,
            &[
                ("oauth_consumer_key", CK),
                ("oauth_nonce", NONCE),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "1318622958"),
                ("oauth_token", AT),
                ("oauth_version", "1.0"),
            ],
        )
        .unwrap();
        assert_eq!(base, "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521");
    }

    #[test]
    fn host_is_signed_d_values() {
        let form = parse_form(
            "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21",
        );
        let s = sig(
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            &form,
        );
        assert_eq!(s.signature, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
        let s = sig(
            "POST",
            "https://api.twitter.com/1/statuses/update.json?include_entities=true",
            &form,
        );
        assert_eq!(s.signature, "tnnArxj06cWHq44gCs1OSKk/jLY=");
    }

    #[test]
    fn vectors_b_json_and_multipart_unsigned_query_signed() {
        // JSON and multipart bodies: nothing from the body is signed.
        assert_eq!(
            sig("POST", "https://api.x.com/2/tweets", &[]).signature,
            "lr+tV/DKclEvXKVjG6tgaSSLV0k="
        );
        assert_eq!(
            sig("GET", "https://api.x.com/2/users/me", &[]).signature,
            "s6npKHEFSxFN4Kn7jGHKfpcDUOI="
        );
        assert_eq!(
            sig(
                "GET",
                "https://api.x.com/2/users/me?user.fields=profile_image_url,verified",
                &[]
            )
            .signature,
            "V9JpJ3GY0f2XQmLem4r8Z1DPlSs="
        );
        assert_eq!(
            sig("POST", "https://api.x.com/2/media/upload", &[]).signature,
            "YZ5YwjPOf77chBwnCu/nWa4UK3U="
        );
        assert_eq!(
            sig(
                "DELETE",
                "https://api.x.com/2/tweets/1456012973835788293",
                &[]
            )
            .signature,
            "9RxCwEsgbo214SLRNBcpul0uxUk="
        );
        assert_eq!(
            sig(
                "GET",
                "https://api.x.com/2/media/upload?command=STATUS&media_id=1880028106020515840",
                &[]
            )
            .signature,
            "ZkMio+avf1tYkOY9L2zbmx4cVaM="
        );
        // Uppercase host/scheme and default port are normalised.
        assert_eq!(
            sig("POST", "HTTPS://API.X.COM:443/2/tweets", &[]).signature,
            "lr+tV/DKclEvXKVjG6tgaSSLV0k="
        );
    }

    #[test]
    fn vector_b_base_string() {
        let base = base_string(
            "POST",
            "https://api.x.com/2/tweets",
            &[],
            &[
                ("oauth_consumer_key", CK),
                ("oauth_nonce", NONCE),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "1318622958"),
                ("oauth_token", AT),
                ("oauth_version", "1.0"),
            ],
        )
        .unwrap();
        assert_eq!(base, "POST&https%3A%2F%2Fapi.x.com%2F2%2Ftweets&oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0");
    }

    fn rfc(
        method: &str,
        url: &str,
        token: Option<(&str, &str)>,
        callback: Option<&str>,
        verifier: Option<&str>,
        ts: u64,
        nonce: &str,
    ) -> String {
        let mut input = SignInput::new(method, url);
        input.callback = callback;
        input.verifier = verifier;
        input.nonce = Some(nonce);
        input.timestamp = Some(ts);
        input.include_version = false;
        sign_with_secrets("dpf43f3p2l4k3l03", "kd94hf93k423kf44", token, &input)
            .unwrap()
            .signature
    }

    #[test]
    fn vectors_c_rfc5849() {
        assert_eq!(
            rfc(
                "POST",
                "https://photos.example.net/initiate",
                None,
                Some("http://printer.example.com/ready"),
                None,
                137131200,
                "wIjqoS"
            ),
            "74KNZJeDHnMBp0EMJ9ZHt/XKycU="
        );
        assert_eq!(
            rfc(
                "POST",
                "https://photos.example.net/token",
                Some(("hh5s93j4hdidpola", "hdhd0244k9j7ao03")),
                None,
                Some("hfdp7dh39dks9884"),
                137131201,
                "walatlh"
            ),
            "gKgrFCywp7rO0OXSjdot/IHF7IU="
        );
        assert_eq!(
            rfc(
                "GET",
                "http://photos.example.net/photos?file=vacation.jpg&size=original",
                Some(("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")),
                None,
                None,
                137131202,
                "chapoH"
            ),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
    }

    #[test]
    fn vector_c4_base_string_and_rfc_value() {
        let form = parse_form("c2&a3=2+q");
        let url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b";
        let base = base_string(
            "POST",
            url,
            &form,
            &[
                ("oauth_consumer_key", "9djdj82h48djs9d2"),
                ("oauth_nonce", "7d8f3e4a"),
                ("oauth_signature_method", "HMAC-SHA1"),
                ("oauth_timestamp", "137131201"),
                ("oauth_token", "kkk9d7dh3k39sjv7"),
            ],
        )
        .unwrap();
        assert_eq!(base, "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7");
        // The same request through oauth1-request (no oauth_version, as in the RFC) gives the
        // HMAC of that base string (§2.4 D: the RFC's printed value does not reproduce).
        let mut input = SignInput::new("POST", url);
        input.form = &form;
        input.nonce = Some("7d8f3e4a");
        input.timestamp = Some(137131201);
        input.include_version = false;
        let s = sign_with_secrets(
            "9djdj82h48djs9d2",
            "j49sk3j29djd",
            Some(("kkk9d7dh3k39sjv7", "dh893hdasih9")),
            &input,
        )
        .unwrap();
        assert_eq!(s.signature, "r6/TJjbCOr97/+UU0NsvSne7s5g=");
        assert_ne!(s.signature, "bYT5CMsGcbgUdFHObYMEfcx6bsw=");
    }

    #[test]
    fn split_url_normalises() {
        let (b, q) = split_url("HTTP://127.0.0.1:8080/2/x?a=1&b=%20").unwrap();
        assert_eq!(b, "http://127.0.0.1:8080/2/x");
        assert_eq!(q, vec![("a".into(), "1".into()), ("b".into(), " ".into())]);
        let (b, _) = split_url("http://h:80/p").unwrap();
        assert_eq!(b, "http://h/p");
    }
}
