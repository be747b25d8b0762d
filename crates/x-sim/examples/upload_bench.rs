//! Loopback upload throughput of the simulator: v1.1 chunked APPEND with 4 MiB segments.
//!
//! `cargo run --release -p x-sim --example upload_bench -- [UPLOAD_BASE] [TOTAL_MIB]`
//! Without UPLOAD_BASE an in-process simulator is started (then the demo credentials are
//! known); with one, the demo credentials of a default-seeded simulator are assumed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use bytes::Bytes;
use x_sim::oauth;

fn header(
    c: &x_sim::DemoCredentials,
    n: u64,
    method: &str,
    url: &str,
    extra: &[(String, String)],
) -> String {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let o = vec![
        ("oauth_consumer_key".to_string(), c.consumer_key.clone()),
        (
            "oauth_nonce".to_string(),
            format!("bench{n}p{}t{}", std::process::id(), nanos()),
        ),
        (
            "oauth_signature_method".to_string(),
            "HMAC-SHA1".to_string(),
        ),
        ("oauth_timestamp".to_string(), ts.to_string()),
        ("oauth_token".to_string(), c.access_token.clone()),
        ("oauth_version".to_string(), "1.0".to_string()),
    ];
    oauth::authorization_header(
        method,
        url,
        &o,
        extra,
        &c.consumer_secret,
        &c.access_token_secret,
    )
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base_arg = args.next().filter(|a| a != "-");
    let total_mib: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(512);
    let (base, creds, _sim) = match base_arg {
        Some(b) => {
            // The demo credentials are fixed strings, identical for every simulator.
            let probe = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
            let c = probe.demo();
            probe.shutdown().await;
            (b, c, None)
        }
        None => {
            let mut cfg = x_sim::SimConfig::default();
            cfg.modes.plan = x_sim::Plan::Unlimited;
            let sim = x_sim::start(cfg).await.unwrap();
            (sim.upload_base(), sim.demo(), Some(sim))
        }
    };
    let http = reqwest::Client::new();
    let url = format!("{base}/1.1/media/upload.json");
    let seg_len = 4usize << 20;
    let total = total_mib << 20;
    let mut head = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    head.resize(seg_len, 7);
    let seg = Bytes::from(head);
    let init = [
        ("command".to_string(), "INIT".to_string()),
        ("total_bytes".to_string(), total.to_string()),
        ("media_type".to_string(), "video/mp4".to_string()),
        ("media_category".to_string(), "tweet_video".to_string()),
    ];
    let body = init
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let r = http
        .post(&url)
        .header("authorization", header(&creds, 0, "POST", &url, &init))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    let Some(id) = v["media_id_string"].as_str().map(str::to_string) else {
        panic!("INIT failed: {v}");
    };
    let segments = total / seg_len as u64;
    let started = Instant::now();
    for i in 0..segments {
        let form = reqwest::multipart::Form::new()
            .text("command", "APPEND")
            .text("media_id", id.clone())
            .text("segment_index", i.to_string())
            .part(
                "media",
                reqwest::multipart::Part::stream_with_length(seg.clone(), seg_len as u64),
            );
        let r = http
            .post(&url)
            .header("authorization", header(&creds, i + 1, "POST", &url, &[]))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204, "APPEND {i}");
    }
    let secs = started.elapsed().as_secs_f64();
    let fin = [
        ("command".to_string(), "FINALIZE".to_string()),
        ("media_id".to_string(), id.clone()),
    ];
    let r = http
        .post(&url)
        .header(
            "authorization",
            header(&creds, 1_000_000, "POST", &url, &fin),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("command=FINALIZE&media_id={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    println!(
        "uploaded {total_mib} MiB in {segments} x 4 MiB APPENDs: {secs:.2} s, {:.0} MB/s ({:.0} MiB/s)",
        total as f64 / secs / 1e6,
        total as f64 / secs / (1 << 20) as f64
    );
}
