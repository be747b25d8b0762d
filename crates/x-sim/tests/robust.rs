#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Robustness: property tests over the request parsers and raw malformed requests against
//! a live simulator, which must answer X-shaped errors (never 5xx, never a dropped
//! connection) and keep serving.

mod common;

use std::time::Duration;

use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use x_sim::oauth;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn auth_header_parser_never_panics(s in ".{0,300}") {
        let _ = oauth::parse_authorization(&s);
        let _ = oauth::parse_authorization(&format!("OAuth {s}"));
    }

    #[test]
    fn auth_header_round_trips(pairs in proptest::collection::vec(("[a-z_]{1,12}", ".{0,40}"), 0..8)) {
        let header = format!(
            "OAuth {}",
            pairs.iter().map(|(k, v)| format!("{}=\"{}\"", oauth::percent_encode(k), oauth::percent_encode(v))).collect::<Vec<_>>().join(", ")
        );
        let parsed = oauth::parse_authorization(&header).unwrap();
        let expected: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "realm").collect();
        prop_assert_eq!(parsed.params, expected);
    }

    #[test]
    fn form_parser_never_panics_and_round_trips(s in ".{0,200}", k in ".{1,20}", v in ".{0,40}") {
        let _ = oauth::parse_form(&s);
        let enc = format!("{}={}", oauth::percent_encode(&k), oauth::percent_encode(&v));
        let parsed = oauth::parse_form(&enc).unwrap();
        prop_assert_eq!(parsed, vec![(k, v)]);
    }

    #[test]
    fn percent_decode_of_encode_is_identity(s in ".{0,100}") {
        prop_assert_eq!(oauth::percent_decode(&oauth::percent_encode(&s), false).unwrap(), s);
    }

    #[test]
    fn text_and_sniff_never_panic(s in ".{0,300}", b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let n = x_sim::text::weighted_length(&s);
        prop_assert!(n <= 2 * s.chars().count() + 23);
        let _ = x_sim::media::sniff(&b);
        let _ = x_sim::media::mp4_duration_ms(&b);
    }
}

/// Sends raw bytes, returns (status, body) or None if the connection died without a reply.
async fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> Option<(u16, String)> {
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.write_all(bytes).await.ok()?;
    let _ = s.shutdown().await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

fn req(method: &str, path: &str, host: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut b = out.into_bytes();
    b.extend_from_slice(body);
    b
}

#[test]
fn malformed_requests_get_x_shaped_errors() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sim = sim().await;
        let s = Signer::new(&sim.demo());
        let addr = sim.api_addr();
        let host = addr.to_string();
        let api = sim.api_base();

        // A real media object to aim APPENDs at.
        let (_, v) = json(s.post_json(&format!("{api}/2/media/upload/initialize"), &serde_json::json!({"media_type":"video/mp4","total_bytes":1000,"media_category":"tweet_video"})).await).await;
        let mid = v["data"]["id"].as_str().unwrap().to_string();

        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 64, ..ProptestConfig::default() });
        let strat = (proptest::collection::vec(any::<u8>(), 0..2000), 0usize..6);
        let mut cases: Vec<(Vec<u8>, usize)> = vec![];
        for _ in 0..64 {
            cases.push(strat.new_tree(&mut runner).unwrap().current());
        }
        for (body, which) in cases {
            let (path, ct) = match which {
                0 => (format!("/2/media/upload/{mid}/append"), "multipart/form-data; boundary=XyZ".to_string()),
                1 => ("/1.1/media/upload.json".to_string(), "multipart/form-data; boundary=XyZ".to_string()),
                2 => ("/2/tweets".to_string(), "application/json".to_string()),
                3 => ("/2/media/upload".to_string(), "multipart/form-data".to_string()),
                4 => ("/1.1/media/upload.json".to_string(), "application/x-www-form-urlencoded".to_string()),
                _ => ("/2/media/upload/initialize".to_string(), "application/json".to_string()),
            };
            let url = format!("{api}{path}");
            let form: Vec<(String, String)> = if which == 4 {
                oauth::parse_form(std::str::from_utf8(&body).unwrap_or("")).unwrap_or_default()
            } else {
                vec![]
            };
            let form_ref: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let auth = s.header("POST", &url, &form_ref, &[]);
            let r = raw(addr, &req("POST", &path, &host, &[("Authorization", auth), ("Content-Type", ct)], &body)).await;
            let (status, text) = r.expect("the simulator must answer");
            assert!((400..500).contains(&status), "{status} for {path}: {text}");
        }

        // Garbage multipart with a valid structure but a truncated part.
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"segment_index\"\r\n\r\n0\r\n--XyZ\r\nContent-Disposition: form-data; name=\"media\"\r\n\r\nabc";
        let url = format!("{api}/2/media/upload/{mid}/append");
        let (st, text) = raw(addr, &req("POST", &format!("/2/media/upload/{mid}/append"), &host, &[("Authorization", s.header("POST", &url, &[], &[])), ("Content-Type", "multipart/form-data; boundary=XyZ".into())], body)).await.unwrap();
        assert_eq!(st, 400, "{text}");
        assert!(text.contains("Invalid Request"));

        // Truncated body (Content-Length larger than what is sent).
        let mut bytes = format!("POST /2/tweets HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"text\":", s.header("POST", &format!("{api}/2/tweets"), &[], &[])).into_bytes();
        bytes.truncate(bytes.len());
        let r = raw(addr, &bytes).await;
        if let Some((st, _)) = r {
            assert!((400..500).contains(&st));
        }

        // Non-UTF-8 form body and header.
        let url = format!("{api}/1.1/media/upload.json");
        let (st, text) = raw(addr, &req("POST", "/1.1/media/upload.json", &host, &[("Authorization", s.header("POST", &url, &[], &[])), ("Content-Type", "application/x-www-form-urlencoded".into())], b"command=%FF%FE&x=\xff")).await.unwrap();
        assert_eq!(st, 400, "{text}");
        let mut bad = req("GET", "/2/users/me", &host, &[], b"");
        let pos = bad.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
        bad.splice(pos..pos, b"Authorization: OAuth oauth_nonce=\"\xff\xfe\"\r\n".iter().copied());
        let (st, text) = raw(addr, &bad).await.unwrap();
        assert_eq!(st, 401, "{text}");

        // Huge header → 431 from the HTTP layer, no crash.
        let huge = "a".repeat(600 * 1024);
        let r = raw(addr, &req("GET", "/2/users/me", &host, &[("X-Huge", huge)], b"")).await;
        if let Some((st, _)) = r {
            assert!((400..500).contains(&st));
        }

        // Wrong content type on JSON endpoints.
        let url = format!("{api}/2/tweets");
        let (st, text) = raw(addr, &req("POST", "/2/tweets", &host, &[("Authorization", s.header("POST", &url, &[], &[])), ("Content-Type", "text/plain".into())], b"hello")).await.unwrap();
        assert_eq!(st, 400, "{text}");
        // v1.1 metadata with no JSON → B16
        let url = format!("{api}/1.1/media/metadata/create.json");
        let (st, text) = raw(addr, &req("POST", "/1.1/media/metadata/create.json", &host, &[("Authorization", s.header("POST", &url, &[], &[]))], b"")).await.unwrap();
        assert_eq!(st, 400);
        assert!(text.contains("Missing json payload."));
        // Not HTTP at all
        let _ = raw(addr, b"\x00\x01\x02 garbage\r\n\r\n").await;
        // Unknown routes
        let (st, text) = raw(addr, &req("GET", "/2/nope", &host, &[], b"")).await.unwrap();
        assert_eq!(st, 404, "{text}");
        let (st, text) = raw(addr, &req("GET", "/1.1/nope.json", &host, &[], b"")).await.unwrap();
        assert_eq!((st, text.contains("\"code\":34")), (404, true));

        // Still alive and correct.
        let r = s.get(&format!("{api}/2/users/me")).await;
        assert_eq!(r.status(), 200);
        sim.shutdown().await;
    });
}

#[tokio::test]
async fn large_upload_is_streamed() {
    // 64 MiB through v1.1 APPEND in 4 MiB segments; memory stays bounded because only
    // sizes and the first 64 KiB are kept.
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let up = format!("{}/1.1/media/upload.json", sim.upload_base());
    let total = 64usize << 20;
    let (_, v) = json(
        s.post_form(
            &up,
            &[
                ("command", "INIT"),
                ("total_bytes", &total.to_string()),
                ("media_type", "video/mp4"),
                ("media_category", "tweet_video"),
            ],
        )
        .await,
    )
    .await;
    let id = v["media_id_string"].as_str().unwrap().to_string();
    let seg = mp4(4 << 20);
    for i in 0..16 {
        let f = reqwest::multipart::Form::new()
            .text("command", "APPEND")
            .text("media_id", id.clone())
            .text("segment_index", i.to_string())
            .part("media", reqwest::multipart::Part::bytes(seg.clone()));
        assert_eq!(s.post_multipart(&up, f).await.status(), 204);
    }
    let (st, v) = json(
        s.post_form(&up, &[("command", "FINALIZE"), ("media_id", &id)])
            .await,
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["size"], total);
    sim.shutdown().await;
}

#[tokio::test]
async fn extreme_values_do_not_panic() {
    let sim = sim().await;
    let mut s = Signer::new(&sim.demo());
    let me = format!("{}/2/users/me", sim.api_base());
    for ts in [i64::MIN, i64::MAX, -1] {
        s.timestamp = Some(ts);
        let (st, v) = json(s.get(&me).await).await;
        assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(135)));
    }
    s.timestamp = None;
    // extreme modes set over the control API
    control(&sim, "mode", serde_json::json!({"segment_index_base": u32::MAX, "duplicate_window_secs": u64::MAX, "code89_status": 1000})).await;
    control(&sim, "clock", serde_json::json!({"advance_secs": i64::MAX})).await;
    let url = format!("{}/2/tweets", sim.api_base());
    assert_eq!(
        s.post_json(&url, &serde_json::json!({"text":"far future"}))
            .await
            .status(),
        201
    );
    assert_eq!(
        s.post_json(&url, &serde_json::json!({"text":"far future"}))
            .await
            .status(),
        403
    );
    let (_, v) = json(
        s.post_json(
            &format!("{}/2/media/upload/initialize", sim.api_base()),
            &serde_json::json!({"media_type":"image/png","total_bytes":10}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = reqwest::multipart::Form::new()
        .text("segment_index", "4294967295")
        .part("media", reqwest::multipart::Part::bytes(png(1, 1, 10)));
    let st = s
        .post_multipart(&format!("{}/2/media/upload/{id}/append", sim.api_base()), f)
        .await
        .status();
    assert!(st.is_success() || st.is_client_error());
    s.token = Some("1-unknown".into());
    let st = s.get(&me).await.status();
    assert_eq!(st, 500); // an out-of-range configured status falls back to 500, without panicking
    control(&sim, "clock", serde_json::json!({"advance_secs": i64::MIN})).await;
    s.token = Some(sim.demo().access_token);
    assert_eq!(s.get(&me).await.status(), 200);
    sim.shutdown().await;
}
