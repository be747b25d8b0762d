#![allow(clippy::unwrap_used, clippy::expect_used)]
//! PB-12 and PB-38: the `Host` check (421, DNS rebinding), the control API's browser and
//! proxy refusals (403 on `Origin` / `X-Forwarded-For`, 415 without JSON), the state caps
//! (oldest evicted first) and the per-listener connection limit.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use x_sim::{Limits, SimConfig, SimHandle};

/// Sends one raw HTTP/1.1 request (`Connection: close`) and returns (status, JSON body).
async fn raw(addr: SocketAddr, head: &str, body: &str) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{head}Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// `GET path` with the given Host (and extra header lines).
async fn get(addr: SocketAddr, path: &str, host: &str, extra: &str) -> (u16, Value) {
    raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}"),
        "",
    )
    .await
}

async fn start(cfg: SimConfig) -> SimHandle {
    x_sim::start(cfg).await.unwrap()
}

#[tokio::test]
async fn foreign_host_is_misdirected_on_every_route_and_listener() {
    let sim = sim().await;
    let (api, up) = (sim.api_addr(), sim.upload_addr());
    let (p, q) = (api.port(), up.port());
    // DNS rebinding: the page's own name, resolved to 127.0.0.1, with the right port.
    let evil = format!("evil.example:{p}");
    let (st, v) = get(api, "/_sim/state", &evil, "").await;
    assert_eq!(st, 421, "{v}");
    assert_eq!(v["reason"], "host");
    assert!(v.get("demo").is_none());
    let (st, v) = get(api, "/2/users/me", &evil, "").await;
    assert_eq!(st, 421, "{v}");
    assert_eq!(v["title"], "Misdirected Request");
    assert_eq!(v["status"], 421);
    let (st, v) = get(api, "/1.1/media/upload.json?command=STATUS", &evil, "").await;
    assert_eq!(st, 421, "{v}");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("evil.example"));
    let (st, _) = raw(
        api,
        &format!("POST /_sim/reset HTTP/1.1\r\nHost: {evil}\r\nContent-Type: application/json\r\n"),
        "{}",
    )
    .await;
    assert_eq!(st, 421);
    // The upload listener checks its own port: the API port is foreign there.
    let (st, _) = get(up, "/1.1/media/upload.json", &format!("127.0.0.1:{p}"), "").await;
    assert_eq!(st, 421);
    let (st, _) = get(up, "/_sim/state", &format!("evil.example:{q}"), "").await;
    assert_eq!(st, 421);
    // Other foreign shapes: wrong port, no port, another loopback address, no Host at all,
    // and an absolute-form target naming another host.
    for host in [
        format!("127.0.0.1:{q}"),
        "127.0.0.1".into(),
        format!("127.0.0.2:{p}"),
        format!("localhost.evil.example:{p}"),
    ] {
        let (st, _) = get(api, "/_sim/state", &host, "").await;
        assert_eq!(st, 421, "{host}");
        let (st, _) = get(api, "/2/users/me", &host, "").await;
        assert_eq!(st, 421, "{host}");
    }
    let (st, _) = raw(api, "GET /_sim/state HTTP/1.1\r\n", "").await;
    assert_eq!(st, 421);
    let (st, _) = get(
        api,
        &format!("http://evil.example:{p}/_sim/state"),
        &format!("127.0.0.1:{p}"),
        "",
    )
    .await;
    assert_eq!(st, 421);
    // Nothing refused reached the request log.
    assert!(sim.requests().is_empty());

    // The three loopback names on the right port pass (the API route then wants a signature).
    for host in [
        format!("127.0.0.1:{p}"),
        format!("LOCALHOST:{p}"),
        format!("[::1]:{p}"),
    ] {
        let (st, v) = get(api, "/_sim/state", &host, "").await;
        assert_eq!(st, 200, "{host}");
        assert_eq!(v["demo"]["username"], "postbridge_demo");
        let (st, _) = get(api, "/2/users/me", &host, "").await;
        assert_eq!(st, 401, "{host}");
    }
    let (st, _) = get(up, "/_sim/state", &format!("localhost:{q}"), "").await;
    assert_eq!(st, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn signed_requests_with_a_loopback_host_still_work() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    for base in [
        sim.api_base(),
        sim.api_base().replace("127.0.0.1", "localhost"),
    ] {
        let (st, v) = json(s.get(&format!("{base}/2/users/me")).await).await;
        assert_eq!(st, 200, "{base}: {v}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn proxy_and_rewrite_configurations_keep_any_api_host_but_not_for_control() {
    let configs = [
        SimConfig {
            extra_signing_origins: vec!["https://api.twitter.com".into()],
            ..Default::default()
        },
        SimConfig {
            trust_forwarded_proto: true,
            ..Default::default()
        },
        SimConfig {
            api_hosts: vec!["*".into()],
            ..Default::default()
        },
    ];
    for cfg in configs {
        let sim = start(cfg).await;
        let api = sim.api_addr();
        let s = Signer::new(&sim.demo());
        // A client that keeps X's host name (routed here by its transport) verifies over it.
        let auth = s.header("GET", "http://api.x.com/2/users/me", &[], &[]);
        let (st, v) = get(
            api,
            "/2/users/me",
            "api.x.com",
            &format!("Authorization: {auth}\r\n"),
        )
        .await;
        assert_eq!(st, 200, "{v}");
        // The control API stays loopback-only.
        let (st, v) = get(api, "/_sim/state", "api.x.com", "").await;
        assert_eq!((st, v["reason"].as_str()), (421, Some("host")));
        let (st, v) = get(
            api,
            "/_sim/state",
            &format!("127.0.0.1:{}", api.port()),
            "X-Forwarded-For: 203.0.113.9\r\n",
        )
        .await;
        assert_eq!((st, v["reason"].as_str()), (403, Some("forwarded")));
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn listed_api_hosts_pass_and_others_do_not() {
    let sim = start(SimConfig {
        api_hosts: x_sim::X_HOSTS.iter().map(|h| h.to_string()).collect(),
        ..Default::default()
    })
    .await;
    let api = sim.api_addr();
    let s = Signer::new(&sim.demo());
    let auth = s.header("GET", "http://upload.twitter.com/2/users/me", &[], &[]);
    let (st, v) = get(
        api,
        "/2/users/me",
        "upload.twitter.com",
        &format!("Authorization: {auth}\r\n"),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = get(api, "/2/users/me", "evil.example", "").await;
    assert_eq!(st, 421);
    let (st, _) = get(api, "/_sim/state", "api.x.com", "").await;
    assert_eq!(st, 421);
    sim.shutdown().await;
}

#[tokio::test]
async fn control_api_refuses_browsers_proxies_and_non_json_posts() {
    let sim = sim().await;
    let api = sim.api_addr();
    let host = format!("127.0.0.1:{}", api.port());
    let s = Signer::new(&sim.demo());
    s.post_json(
        &format!("{}/2/tweets", sim.api_base()),
        &json!({"text":"kept"}),
    )
    .await;
    let post = |ct: &'static str, extra: &'static str, path: &'static str| {
        let host = host.clone();
        async move {
            raw(
                api,
                &format!("POST /_sim/{path} HTTP/1.1\r\nHost: {host}\r\n{ct}{extra}"),
                r#"{"plan":"free"}"#,
            )
            .await
        }
    };
    // Origin: any value, the sim's own origin and "null" included (no-cors POSTs send one).
    for origin in [
        "https://evil.example",
        "null",
        &format!("http://{host}") as &str,
    ] {
        let (st, v) = get(api, "/_sim/state", &host, &format!("Origin: {origin}\r\n")).await;
        assert_eq!(st, 403, "{origin}");
        assert_eq!(v["reason"], "origin");
        assert!(v["error"].as_str().unwrap().contains("Origin"));
    }
    let (st, v) = post(
        "Content-Type: application/json\r\n",
        "Origin: https://evil.example\r\n",
        "mode",
    )
    .await;
    assert_eq!((st, v["reason"].as_str()), (403, Some("origin")));
    // Proxied requests.
    for h in [
        "X-Forwarded-For: 127.0.0.1\r\n",
        "Forwarded: for=203.0.113.9\r\n",
    ] {
        let (st, v) = get(api, "/_sim/requests", &host, h).await;
        assert_eq!((st, v["reason"].as_str()), (403, Some("forwarded")), "{h}");
    }
    // POST without application/json: none, text/plain, form, multipart.
    for ct in [
        "",
        "Content-Type: text/plain\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Content-Type: multipart/form-data; boundary=x\r\n",
        "Content-Type: application/json-seq\r\n",
    ] {
        let (st, v) = post(ct, "", "mode").await;
        assert_eq!(
            (st, v["reason"].as_str()),
            (415, Some("content_type")),
            "{ct:?}"
        );
        let (st, _) = post(ct, "", "reset").await;
        assert_eq!(st, 415, "{ct:?}");
    }
    // Nothing changed.
    assert_eq!(sim.modes().plan, x_sim::Plan::PayPerUse);
    assert_eq!(sim.posts().len(), 1);
    // With the JSON content type (parameters allowed) the same POST works.
    let (st, v) = post(
        "Content-Type: application/json; charset=utf-8\r\n",
        "",
        "mode",
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(sim.modes().plan, x_sim::Plan::Free);
    // GETs need no content type.
    let (st, _) = get(api, "/_sim/posts", &host, "").await;
    assert_eq!(st, 200);
    sim.shutdown().await;
}

fn small(limits: Limits) -> SimConfig {
    let mut cfg = SimConfig {
        limits,
        ..Default::default()
    };
    cfg.modes.plan = x_sim::Plan::Unlimited;
    cfg
}

#[tokio::test]
async fn posts_beyond_the_cap_evict_the_oldest() {
    let sim = start(small(Limits {
        posts: 3,
        ..Limits::default()
    }))
    .await;
    let s = Signer::new(&sim.demo());
    let mut ids = Vec::new();
    for i in 0..5 {
        let (st, v) = json(
            s.post_json(
                &format!("{}/2/tweets", sim.api_base()),
                &json!({ "text": format!("post {i}") }),
            )
            .await,
        )
        .await;
        assert_eq!(st, 201, "{v}");
        ids.push(v["data"]["id"].as_str().unwrap().to_string());
    }
    let texts: Vec<String> = sim.posts().into_iter().map(|p| p.text).collect();
    assert_eq!(texts, ["post 2", "post 3", "post 4"]);
    let (st, _) = json(
        s.get(&format!("{}/2/tweets/{}", sim.api_base(), ids[0]))
            .await,
    )
    .await;
    assert_eq!(st, 404);
    let (st, _) = json(
        s.get(&format!("{}/2/tweets/{}", sim.api_base(), ids[4]))
            .await,
    )
    .await;
    assert_eq!(st, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn media_beyond_the_cap_evict_the_oldest() {
    let sim = start(small(Limits {
        media: 2,
        ..Limits::default()
    }))
    .await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/1.1/media/upload.json", sim.upload_base());
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (st, v) = json(
            s.post_form(
                &url,
                &[
                    ("command", "INIT"),
                    ("total_bytes", "10"),
                    ("media_type", "image/png"),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(st, 202, "{v}");
        ids.push(v["media_id_string"].as_str().unwrap().to_string());
    }
    let kept: Vec<String> = sim.media().into_iter().map(|m| m.id).collect();
    assert_eq!(kept, ids[1..]);
    sim.shutdown().await;
}

#[tokio::test]
async fn request_and_access_tokens_beyond_the_cap_evict_the_oldest() {
    let sim = start(small(Limits {
        request_tokens: 2,
        access_tokens: 2,
        ..Limits::default()
    }))
    .await;
    let mut s = Signer::new(&sim.demo());
    s.token = None;
    s.ts = String::new();
    let url = format!("{}/oauth/request_token", sim.api_base());
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let h = s.header("POST", &url, &[], &[("oauth_callback", "oob")]);
        let r = s
            .http
            .post(&url)
            .header("authorization", h)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let form = x_sim::oauth::parse_form(&r.text().await.unwrap()).unwrap();
        let t = form
            .into_iter()
            .find(|(k, _)| k == "oauth_token")
            .unwrap()
            .1;
        tokens.push(t);
    }
    assert_eq!(sim.approve_pin(&tokens[0]), None, "the oldest was evicted");
    assert!(sim.approve_pin(&tokens[1]).is_some());
    assert!(sim.approve_pin(&tokens[2]).is_some());

    let issued: Vec<_> = (0..3)
        .map(|_| sim.issue_token("demo", x_sim::AccessLevel::Read).unwrap())
        .collect();
    let me = format!("{}/2/users/me", sim.api_base());
    let (st, _) = json(Signer::new(&issued[0]).get(&me).await).await;
    assert_eq!(st, 401, "the oldest access token was evicted");
    for c in [&issued[1], &issued[2], &sim.demo()] {
        let (st, v) = json(Signer::new(c).get(&me).await).await;
        assert_eq!(st, 200, "{v}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn ledger_beyond_the_cap_drops_the_oldest_lines() {
    let sim = start(SimConfig {
        limits: Limits {
            ledger: 2,
            ..Limits::default()
        },
        ..Default::default()
    })
    .await;
    let s = Signer::new(&sim.demo());
    for i in 0..4 {
        let r = s
            .post_json(
                &format!("{}/2/tweets", sim.api_base()),
                &json!({ "text": format!("billed {i}") }),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let ledger = sim.ledger();
    assert_eq!(ledger.len(), 2);
    assert!((sim.credits() - (100.0 - 4.0 * 0.015)).abs() < 1e-9);
    assert!((ledger[1].balance_usd - sim.credits()).abs() < 1e-9);
    sim.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let sim = start(SimConfig {
        limits: Limits {
            connections_per_listener: 2,
            ..Limits::default()
        },
        ..Default::default()
    })
    .await;
    let api = sim.api_addr();
    let host = format!("127.0.0.1:{}", api.port());
    // Two idle connections take both slots (give the accept loop time to take them).
    let idle1 = tokio::net::TcpStream::connect(api).await.unwrap();
    let _idle2 = tokio::net::TcpStream::connect(api).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = tokio::spawn(async move { get(api, "/_sim/state", &host, "").await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a third connection was served");
    drop(idle1);
    let (st, _) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(st, 200);
    sim.shutdown().await;
}
