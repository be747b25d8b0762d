#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The link model (`x_sim::link`): the shared uplink, the round-trip time, seeded stalls and
//! the network outage, in Rust and over `/_sim/link`. Durations are only bounded from below
//! (the machine may be loaded); "fails fast" bounds are generous next to what a hang costs.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use x_sim::{Link, SimHandle};

/// 8 Mbit/s: one megabyte per second.
const MBIT8: u64 = 8_000_000;

fn uplink(bits: u64) -> Link {
    Link {
        uplink_bits_per_sec: bits,
        ..Link::default()
    }
}

/// A v2 chunked upload session for a `total`-byte video; returns its id.
async fn v2_init(s: &Signer, sim: &SimHandle, total: usize) -> String {
    let (st, v) = json(
        s.post_json(
            &format!("{}/2/media/upload/initialize", sim.api_base()),
            &json!({"media_type":"video/mp4","total_bytes":total,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    v["data"]["id"].as_str().unwrap().to_string()
}

/// One v2 APPEND of `bytes` as segment `index` over `http` (its own connection pool).
async fn v2_append(
    s: &Signer,
    http: &reqwest::Client,
    sim: &SimHandle,
    id: &str,
    index: usize,
    bytes: Vec<u8>,
) -> reqwest::Result<reqwest::Response> {
    let url = format!("{}/2/media/upload/{id}/append", sim.api_base());
    let form = Form::new()
        .text("segment_index", index.to_string())
        .part("media", Part::bytes(bytes));
    http.post(&url)
        .header("authorization", s.header("POST", &url, &[], &[]))
        .multipart(form)
        .send()
        .await
}

/// `GET /2/users/me` over `http`, not unwrapped.
async fn me(s: &Signer, http: &reqwest::Client, sim: &SimHandle) -> reqwest::Result<u16> {
    let url = format!("{}/2/users/me", sim.api_base());
    http.get(&url)
        .header("authorization", s.header("GET", &url, &[], &[]))
        .send()
        .await
        .map(|r| r.status().as_u16())
}

#[tokio::test]
async fn the_uplink_paces_bodies_and_headers_and_is_shared() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let id = v2_init(&s, &sim, 3_000_000).await;
    sim.set_link(uplink(MBIT8));
    assert_eq!(sim.link().uplink_bits_per_sec, MBIT8);

    // 1 MB at 8 Mbit/s: about one second (less a 16 KiB burst).
    let t = Instant::now();
    let r = v2_append(&s, &s.http, &sim, &id, 0, mp4(1_000_000))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let one = t.elapsed();
    eprintln!("1 MB at 8 Mbit/s: {one:?}");
    assert!(one >= Duration::from_millis(900), "{one:?}");

    // Two such bodies at once on two connections share the one uplink: about two seconds.
    let (a, b) = (reqwest::Client::new(), reqwest::Client::new());
    let t = Instant::now();
    let (ra, rb) = tokio::join!(
        v2_append(&s, &a, &sim, &id, 1, mp4(1_000_000)),
        v2_append(&s, &b, &sim, &id, 2, mp4(1_000_000)),
    );
    let both = t.elapsed();
    assert_eq!(ra.unwrap().status(), 200);
    assert_eq!(rb.unwrap().status(), 200);
    eprintln!("2 × 1 MB in parallel: {both:?}");
    assert!(both >= Duration::from_millis(1800), "{both:?}");

    // Headers count too: a 200 kB header with no body takes about 0.2 s.
    let url = format!("{}/2/users/me", sim.api_base());
    let t = Instant::now();
    let r = s
        .http
        .get(&url)
        .header("authorization", s.header("GET", &url, &[], &[]))
        .header("x-padding", "p".repeat(200_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let padded = t.elapsed();
    eprintln!("200 kB header: {padded:?}");
    assert!(padded >= Duration::from_millis(170), "{padded:?}");

    let stats = sim.link_stats();
    assert!(stats.uplink_bytes >= 3_200_000, "{stats:?}");
    assert_eq!(stats.stalls, 0);
    // The upload is whole: the shaping never touched the bytes.
    let (st, v) = json(
        s.post_empty(&format!("{}/2/media/upload/{id}/finalize", sim.api_base()))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["size"], 3_000_000);
    sim.shutdown().await;
}

#[tokio::test]
async fn rtt_delays_every_answer_and_each_new_connection() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    sim.set_link(Link {
        rtt_ms: 200,
        ..Link::default()
    });
    // The first request: the connection's setup RTT, then the request's.
    let t = Instant::now();
    assert_eq!(me(&s, &s.http, &sim).await.unwrap(), 200);
    let first = t.elapsed();
    eprintln!("first request, rtt 200 ms: {first:?}");
    assert!(first >= Duration::from_millis(400), "{first:?}");
    // Every later one on the same connection: one RTT.
    for _ in 0..2 {
        let t = Instant::now();
        assert_eq!(me(&s, &s.http, &sim).await.unwrap(), 200);
        let next = t.elapsed();
        assert!(next >= Duration::from_millis(200), "{next:?}");
    }
    // Answers that are errors wait too (an unknown route).
    let t = Instant::now();
    let r = s
        .http
        .get(format!("{}/2/nothing/here", sim.api_base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(t.elapsed() >= Duration::from_millis(200));
    sim.shutdown().await;
}

fn make_cert() -> Option<x_sim::TlsPem> {
    let dir = std::env::temp_dir().join(format!("x-sim-link-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .ok()?
        .status
        .success();
    let pem = ok.then(|| {
        Some(x_sim::TlsPem {
            cert_pem: std::fs::read(&cert).ok()?,
            key_pem: std::fs::read(&key).ok()?,
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
    pem.flatten()
}

#[tokio::test]
async fn over_https_the_handshake_costs_an_rtt_and_tls_records_are_paced() {
    let Some(pem) = make_cert() else {
        eprintln!("openssl not available; skipping");
        return;
    };
    let mut cfg = x_sim::SimConfig {
        tls: Some(pem),
        link: Link {
            rtt_ms: 100,
            uplink_bits_per_sec: MBIT8,
            ..Link::default()
        },
        ..Default::default()
    };
    cfg.modes.processing_ms = 300;
    let sim = x_sim::start(cfg).await.unwrap();
    let mut s = Signer::new(&sim.demo());
    s.http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    // TCP's RTT, TLS's RTT, the request's RTT.
    let t = Instant::now();
    assert_eq!(me(&s, &s.http, &sim).await.unwrap(), 200);
    let first = t.elapsed();
    eprintln!("first request over HTTPS, rtt 100 ms: {first:?}");
    assert!(first >= Duration::from_millis(300), "{first:?}");
    let id = v2_init(&s, &sim, 500_000).await;
    let t = Instant::now();
    let r = v2_append(&s, &s.http, &sim, &id, 0, mp4(500_000))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Half a second of transfer plus the RTT.
    let el = t.elapsed();
    eprintln!("500 kB over HTTPS at 8 Mbit/s, rtt 100 ms: {el:?}");
    assert!(el >= Duration::from_millis(550), "{el:?}");
    // `reset` goes back to the configured link, not to loopback.
    sim.set_link(Link::default());
    sim.reset();
    assert_eq!(sim.link().rtt_ms, 100);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_outage_resets_everything_at_once_fails_fast_and_keeps_state() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let api = sim.api_base();
    // State before the outage: a post and a started upload session (v1.1, on the upload
    // listener, so both listeners are involved).
    let (st, v) = json(
        s.post_json(
            &format!("{api}/2/tweets"),
            &json!({"text":"before the outage"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let post_id = v["data"]["id"].as_str().unwrap().to_string();
    let v2_id = v2_init(&s, &sim, 4_000_000).await;
    let up = format!("{}/1.1/media/upload.json", sim.upload_base());
    let (st, v) = json(
        s.post_form(
            &up,
            &[
                ("command", "INIT"),
                ("total_bytes", "2000"),
                ("media_type", "video/mp4"),
                ("media_category", "tweet_video"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(st, 202, "{v}");
    let v1_id = v["media_id_string"].as_str().unwrap().to_string();
    let append_v1 = |http: reqwest::Client, index: usize, bytes: Vec<u8>| {
        let (up, id) = (up.clone(), v1_id.clone());
        let h = s.header("POST", &up, &[], &[]);
        async move {
            let form = Form::new()
                .text("command", "APPEND")
                .text("media_id", id)
                .text("segment_index", index.to_string())
                .part("media", Part::bytes(bytes));
            http.post(&up)
                .header("authorization", h)
                .multipart(form)
                .send()
                .await
        }
    };
    assert_eq!(
        append_v1(s.http.clone(), 0, mp4(1000))
            .await
            .unwrap()
            .status(),
        204
    );
    // An idle keep-alive connection, opened before the outage.
    let idle = reqwest::Client::new();
    assert_eq!(me(&s, &idle, &sim).await.unwrap(), 200);

    // A slow upload in flight: 4 MB at 4 Mbit/s would take 8 s.
    sim.set_link(uplink(4_000_000));
    let slow = reqwest::Client::new();
    let upload = tokio::spawn({
        let (s2, slow, sim2, id) = (
            Signer::new(&sim.demo()),
            slow.clone(),
            sim.clone(),
            v2_id.clone(),
        );
        async move { v2_append(&s2, &slow, &sim2, &id, 0, mp4(4_000_000)).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let down_at = Instant::now();
    sim.set_network_down(true);
    assert!(sim.link().down);
    assert_eq!(sim.link().uplink_bits_per_sec, 4_000_000);
    let r = tokio::time::timeout(Duration::from_secs(10), upload)
        .await
        .expect("the upload hung through the outage")
        .unwrap();
    assert!(r.is_err(), "the upload went through an outage: {r:?}");
    let cut = down_at.elapsed();
    eprintln!("in-flight upload failed {cut:?} after the outage began");
    assert!(cut < Duration::from_secs(4), "reset took {cut:?}");

    // New connections and the idle one: a connection error, fast.
    for http in [reqwest::Client::new(), idle.clone()] {
        let t = Instant::now();
        let r = tokio::time::timeout(Duration::from_secs(10), me(&s, &http, &sim))
            .await
            .expect("a request hung during the outage");
        assert!(r.is_err(), "{r:?}");
        assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    }
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        append_v1(reqwest::Client::new(), 1, mp4(1000)),
    )
    .await
    .unwrap();
    assert!(r.is_err(), "{r:?}");
    // The control API still answers.
    let v: serde_json::Value = reqwest::get(format!("{api}/_sim/link"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["down"], true);
    let stats = sim.link_stats();
    assert!(stats.connections_reset >= 2, "{stats:?}");
    assert!(stats.requests_reset >= 3, "{stats:?}");

    // Back up: everything works, nothing was lost.
    sim.set_network_down(false);
    sim.set_link(Link::default());
    assert_eq!(me(&s, &idle, &sim).await.unwrap(), 200);
    assert!(sim.posts().iter().any(|p| p.id == post_id));
    let r = append_v1(reqwest::Client::new(), 1, mp4(1000))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (st, v) = json(
        s.post_form(&up, &[("command", "FINALIZE"), ("media_id", &v1_id)])
            .await,
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["size"], 2000);
    let r = v2_append(&s, &s.http, &sim, &v2_id, 0, mp4(4_000_000))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_control_api_sets_the_link_and_survives_its_own_outage() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let api = sim.api_base();
    let ctl = reqwest::Client::new();
    let get = |path: &str| {
        let (ctl, url) = (ctl.clone(), format!("{api}/_sim/{path}"));
        async move {
            let r = ctl.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let post = |body: serde_json::Value| {
        let (ctl, url) = (ctl.clone(), format!("{api}/_sim/link"));
        async move {
            let r = ctl.post(url).json(&body).send().await.unwrap();
            let st = r.status().as_u16();
            (st, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    assert_eq!(
        get("link").await,
        json!({"down":false,"uplink_bits_per_sec":0,"rtt_ms":0,"stall_rate":0.0,"stall_ms":0})
    );
    // A patch keeps the other settings.
    let (st, v) = post(json!({"uplink_bits_per_sec":20_000_000,"rtt_ms":50})).await;
    assert_eq!(
        (st, v["uplink_bits_per_sec"].as_u64(), v["rtt_ms"].as_u64()),
        (200, Some(20_000_000), Some(50))
    );
    let (st, v) = post(json!({"stall_rate":0.5,"stall_ms":200})).await;
    assert_eq!(
        (st, v["rtt_ms"].as_u64(), v["stall_ms"].as_u64()),
        (200, Some(50), Some(200))
    );
    assert_eq!(sim.link().stall_rate, 0.5);
    for bad in [
        json!({"rtt":5}),
        json!({"stall_rate":-1}),
        json!({"down":"yes"}),
        json!([1]),
    ] {
        let (st, v) = post(bad.clone()).await;
        assert_eq!(st, 400, "{bad} → {v}");
        assert!(v["error"].is_string());
    }
    assert_eq!(sim.link().rtt_ms, 50);
    let state = get("state").await;
    assert_eq!(state["link"]["rtt_ms"], 50);
    assert!(state["link_stats"]["uplink_bytes"].as_u64().unwrap() > 0);

    // The outage over HTTP: the asking connection gets its answer, API requests fail.
    let (st, v) = post(json!({"down":true})).await;
    assert_eq!((st, &v["down"]), (200, &json!(true)));
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        me(&s, &reqwest::Client::new(), &sim),
    )
    .await
    .unwrap();
    assert!(r.is_err(), "{r:?}");
    // Even on the control client's own connection.
    let url = format!("{api}/2/users/me");
    let r = ctl
        .get(&url)
        .header("authorization", s.header("GET", &url, &[], &[]))
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
    let (st, v) = post(json!({"down":false})).await;
    assert_eq!((st, &v["down"]), (200, &json!(false)));
    assert_eq!(me(&s, &reqwest::Client::new(), &sim).await.unwrap(), 200);
    assert!(get("link/stats").await["requests_reset"].as_u64().unwrap() >= 2);

    // Reset: back to loopback, counters zeroed.
    let r = ctl
        .post(format!("{api}/_sim/reset"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sim.link(), Link::default());
    assert_eq!(sim.link_stats().requests_reset, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn stalls_are_reproducible_from_the_seed() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let id = v2_init(&s, &sim, 2_000_000).await;
    let link = Link {
        uplink_bits_per_sec: MBIT8,
        stall_rate: 4.0,
        stall_ms: 150,
        ..Link::default()
    };
    let mut runs = Vec::new();
    for index in 0..2 {
        // Setting the link restarts the stall sequence from the seed.
        sim.set_link(link.clone());
        let before = sim.link_stats().stalls;
        let t = Instant::now();
        let r = v2_append(&s, &s.http, &sim, &id, index, mp4(1_000_000))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let el = t.elapsed();
        let stalls = sim.link_stats().stalls - before;
        eprintln!("1 MB with stalls: {el:?}, {stalls} stalls");
        // A second of transfer plus every stall.
        let floor = Duration::from_millis(900 + 150 * stalls);
        assert!(el >= floor, "{el:?} < {floor:?} with {stalls} stalls");
        runs.push(stalls);
    }
    assert!(
        runs[0] > 0,
        "no stall in a second at 4 per second: {runs:?}"
    );
    assert_eq!(runs[0], runs[1], "same seed, same bytes, other stalls");
    sim.shutdown().await;
}
