#![allow(clippy::unwrap_used, clippy::expect_used)]
//! PIN flow, duplicate-parameter rule, control API over HTTP, listener addresses.

mod common;

use common::*;
use serde_json::{json, Value};
use x_sim::oauth;

fn parse_reply(body: &str) -> Vec<(String, String)> {
    oauth::parse_form(body).unwrap()
}

fn get<'a>(v: &'a [(String, String)], k: &str) -> &'a str {
    v.iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

#[tokio::test]
async fn pin_flow_end_to_end() {
    let sim = sim().await;
    let demo = sim.demo();
    let base = sim.api_base();
    // 1. request_token, signed with consumer_secret& only, oauth_callback in the header.
    let mut s = Signer::new(&demo);
    s.token = None;
    s.ts = String::new();
    let url = format!("{base}/oauth/request_token");
    let h = s.header("POST", &url, &[], &[("oauth_callback", "oob")]);
    let r = s
        .http
        .post(&url)
        .header("authorization", h)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let rt = parse_reply(&body);
    assert_eq!(get(&rt, "oauth_callback_confirmed"), "true");
    let req_token = get(&rt, "oauth_token").to_string();
    let req_secret = get(&rt, "oauth_token_secret").to_string();

    // 2. authorize page, then the control hook approves and returns the PIN.
    let page = reqwest::get(format!("{base}/oauth/authorize?oauth_token={req_token}"))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Authorize"));
    let v = control(&sim, "oauth/approve", json!({"oauth_token": req_token})).await;
    let pin = v["pin"].as_str().unwrap().to_string();
    assert_eq!(pin.len(), 7);

    // 3. access_token: oauth_token in the header AND in the form (identical → accepted,
    //    signed over one copy, as node twitter-api-v2 does), verifier as a form field.
    let s3 = Signer {
        token: Some(req_token.clone()),
        ts: req_secret.clone(),
        ..Signer::new(&demo)
    };
    let url = format!("{base}/oauth/access_token");
    let h = s3.header("POST", &url, &[("oauth_verifier", &pin)], &[]);
    let form = format!("oauth_token={req_token}&oauth_verifier={pin}");
    let r = s3
        .http
        .post(&url)
        .header("authorization", h)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let at = parse_reply(&r.text().await.unwrap());
    assert_eq!(get(&at, "screen_name"), "postbridge_demo");
    assert_eq!(get(&at, "user_id"), demo.user_id);
    let creds = x_sim::DemoCredentials {
        access_token: get(&at, "oauth_token").to_string(),
        access_token_secret: get(&at, "oauth_token_secret").to_string(),
        ..demo.clone()
    };
    // request token is single-use
    let h = s3.header("POST", &url, &[("oauth_verifier", &pin)], &[]);
    let r = s3
        .http
        .post(&url)
        .header("authorization", h)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("oauth_verifier={pin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // 4. the new token works, then invalidate_token revokes it.
    let u = Signer::new(&creds);
    let r = u.get(&format!("{base}/2/users/me")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-access-level"], "read-write");
    let (st, v) = json(
        u.post_empty(&format!("{base}/1.1/oauth/invalidate_token"))
            .await,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["access_token"], creds.access_token);
    let (st, v) = json(u.get(&format!("{base}/2/users/me")).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(89)));
    sim.shutdown().await;
}

#[tokio::test]
async fn pin_page_approval_and_callback_rules() {
    let sim = sim().await;
    let demo = sim.demo();
    let base = sim.api_base();
    let mut s = Signer::new(&demo);
    s.token = None;
    s.ts = String::new();
    let url = format!("{base}/oauth/request_token");
    // Native app + web callback → 417
    let (st, v) = json(
        s.post_form(&url, &[("oauth_callback", "http://127.0.0.1/callback")])
            .await,
    )
    .await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(417)));
    // web app with unlisted callback → 415
    control(&sim, "apps/permissions", json!({"native": false})).await;
    let (st, v) = json(
        s.post_form(&url, &[("oauth_callback", "http://evil.example/cb")])
            .await,
    )
    .await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(415)));
    // x_auth_access_type=read → read token
    let r = s
        .post_form(
            &url,
            &[("oauth_callback", "oob"), ("x_auth_access_type", "read")],
        )
        .await;
    let rt = parse_reply(&r.text().await.unwrap());
    let tok = get(&rt, "oauth_token").to_string();
    // approve through the page form
    let r = reqwest::Client::new()
        .post(format!("{base}/oauth/authorize"))
        .form(&[("oauth_token", tok.as_str())])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let pin = html
        .split("<code id=\"oauth_pin\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let s3 = Signer {
        token: Some(tok.clone()),
        ts: get(&rt, "oauth_token_secret").to_string(),
        ..Signer::new(&demo)
    };
    let r = s3
        .post_form(
            &format!("{base}/oauth/access_token"),
            &[("oauth_verifier", &pin)],
        )
        .await;
    assert_eq!(r.status(), 200);
    let at = parse_reply(&r.text().await.unwrap());
    let creds = x_sim::DemoCredentials {
        access_token: get(&at, "oauth_token").into(),
        access_token_secret: get(&at, "oauth_token_secret").into(),
        ..demo.clone()
    };
    let r = Signer::new(&creds).get(&format!("{base}/2/users/me")).await;
    assert_eq!(r.headers()["x-access-level"], "read");
    // suspended → 416
    control(&sim, "apps", json!({"suspended": true})).await;
    let (st, v) = json(s.post_form(&url, &[("oauth_callback", "oob")]).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(416)));
    sim.shutdown().await;
}

#[tokio::test]
async fn duplicate_keys_with_different_values_rejected() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/users/me?a=1", sim.api_base());
    // query a=1 and form... use two query values
    let url2 = format!("{}/2/users/me?a=1&a=2", sim.api_base());
    let r = s.get(&url2).await;
    assert_eq!(r.status(), 401);
    let r = s.get(&url).await;
    assert_eq!(r.status(), 200);
    let log = sim.requests();
    assert_eq!(log[0].auth, "duplicate_params");
    sim.shutdown().await;
}

#[tokio::test]
async fn control_api_over_http() {
    let sim = sim().await;
    let base = sim.api_base();
    let http = reqwest::Client::new();
    let s = Signer::new(&sim.demo());
    s.post_json(&format!("{base}/2/tweets"), &json!({"text":"logged"}))
        .await;
    let posts: Value = http
        .get(format!("{base}/_sim/posts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posts[0]["text"], "logged");
    let reqs: Value = http
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bs = reqs[0]["base_string"].as_str().unwrap();
    assert!(bs.starts_with("POST&http%3A%2F%2F127.0.0.1%3A"), "{bs}");
    assert_eq!(reqs[0]["status"], 201);
    assert_eq!(reqs[0]["auth"], "ok");
    let media: Value = http
        .get(format!("{base}/_sim/media"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(media, json!([]));
    let credits: Value = http
        .get(format!("{base}/_sim/credits"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(credits["ledger"][0]["cost_usd"], 0.015);
    let state: Value = http
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["demo"]["username"], "postbridge_demo");
    // mode: unknown key rejected
    let r = http
        .post(format!("{base}/_sim/mode"))
        .json(&json!({"nope": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v = control(&sim, "mode", json!({"v1_retired": "410", "plan": "free"})).await;
    assert_eq!(v["v1_retired"], "410");
    assert_eq!(sim.modes().plan, x_sim::Plan::Free);
    // tokens
    let t = control(
        &sim,
        "tokens",
        json!({"account":"demo","access_level":"read"}),
    )
    .await;
    assert_eq!(t["access_level"], "read");
    let r = control(&sim, "tokens/regenerate", json!({"account":"demo"})).await;
    assert_ne!(r["access_token"], sim.demo().access_token);
    // reset
    control(&sim, "reset", json!({})).await;
    assert!(sim.posts().is_empty());
    assert_eq!(sim.modes().plan, x_sim::Plan::PayPerUse);
    let r = http.get(format!("{base}/_sim/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn explicit_addresses_and_both_bases() {
    // Reserve two free ports, then start on them explicitly.
    let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    drop((a, b));
    let sim = x_sim::start(x_sim::SimConfig {
        api_addr: aa,
        upload_addr: Some(ba),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(sim.api_base(), format!("http://{aa}"));
    assert_eq!(sim.upload_base(), format!("http://{ba}"));
    let s = Signer::new(&sim.demo());
    // the upload route works on both bases
    for base in [sim.upload_base(), sim.api_base()] {
        let (st, _) = json(
            s.post_form(
                &format!("{base}/1.1/media/upload.json"),
                &[
                    ("command", "INIT"),
                    ("total_bytes", "10"),
                    ("media_type", "image/png"),
                ],
            )
            .await,
        )
        .await;
        assert_eq!(st, 202);
    }
    sim.shutdown().await;
    // the port is free again after shutdown
    assert!(std::net::TcpListener::bind(aa).is_ok());
}
