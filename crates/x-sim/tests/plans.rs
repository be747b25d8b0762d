#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Plans, rate limits and their headers, credits, usage caps, spending limit, enrolment,
//! locked accounts, t.co links and upload billing.

mod common;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use x_sim::Plan;

#[tokio::test]
async fn free_plan_rate_limits_and_headers() {
    let sim = sim().await;
    sim.set_plan(Plan::Free);
    sim.update_modes(|m| m.rate_limit_24h_headers = true);
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    for i in 0..17 {
        let r = s
            .post_json(&url, &json!({"text": format!("post {i}")}))
            .await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["x-rate-limit-limit"], "17");
        assert_eq!(
            r.headers()["x-rate-limit-remaining"],
            (16 - i).to_string().as_str()
        );
        assert!(r.headers().contains_key("x-app-limit-24hour-remaining"));
        assert!(r.headers().contains_key("x-user-limit-24hour-reset"));
    }
    let r = s.post_json(&url, &json!({"text": "one too many"})).await;
    assert_eq!(r.headers()["x-rate-limit-remaining"], "0");
    let reset: i64 = r.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset > now());
    let (st, v) = json(r).await;
    assert_eq!(
        (st, v),
        (
            429,
            json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})
        )
    );
    sim.update_modes(|m| m.rate_limit_body = "v1".into());
    let (st, v) = json(s.post_json(&url, &json!({"text": "again"})).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (429, Some(88)));
    // the window resets with the virtual clock
    sim.advance_clock(86_401);
    // the virtual clock does not move the oauth_timestamp check
    let s2 = Signer::new(&sim.demo());
    let r = s2.post_json(&url, &json!({"text": "next day"})).await;
    assert_eq!(r.status(), 201);
    // omit all headers
    sim.update_modes(|m| m.rate_limit_headers = false);
    let r = s2.get(&format!("{}/2/users/me", sim.api_base())).await;
    assert!(!r.headers().contains_key("x-rate-limit-limit"));
    assert!(r.headers().contains_key("x-transaction-id"));
    assert!(r.headers().contains_key("api-version"));
    sim.shutdown().await;
}

#[tokio::test]
async fn credits_caps_and_enrolment() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    sim.set_credits(0.01);
    // slightly negative is allowed once
    assert_eq!(s.post_json(&url, &json!({"text":"a"})).await.status(), 201);
    assert!(sim.credits() < 0.0);
    let (st, v) = json(s.post_json(&url, &json!({"text":"b"})).await).await;
    assert_eq!(st, 402);
    assert_eq!(v["type"], "https://api.twitter.com/2/problems/credits");
    assert_eq!(v["title"], "CreditsDepleted");
    // failures are free
    let before = sim.ledger().len();
    let _ = s.post_json(&url, &json!({"text":"c"})).await;
    assert_eq!(sim.ledger().len(), before);
    sim.set_credits(10.0);
    // a URL costs $0.20
    assert_eq!(
        s.post_json(&url, &json!({"text":"see https://example.com"}))
            .await
            .status(),
        201
    );
    assert!((sim.ledger().last().unwrap().cost_usd - 0.20).abs() < 1e-9);
    // usage cap
    sim.update_modes(|m| m.usage_cap = Some(2));
    let (st, v) = json(s.post_json(&url, &json!({"text":"d"})).await).await;
    assert_eq!(
        (st, v["type"].as_str()),
        (429, Some("https://api.x.com/2/problems/usage-capped"))
    );
    sim.update_modes(|m| m.usage_cap = None);
    // spending limit
    sim.update_modes(|m| m.spending_limit_reached = true);
    let (st, _) = json(s.post_json(&url, &json!({"text":"e"})).await).await;
    assert_eq!(st, 403);
    sim.update_modes(|m| m.spending_limit_reached = false);
    // not enrolled: B2 then B3
    sim.update_modes(|m| m.client_enrolled = false);
    let (st, v) = json(s.get(&format!("{}/2/users/me", sim.api_base())).await).await;
    assert_eq!(
        (st, v["reason"].as_str()),
        (403, Some("client-not-enrolled"))
    );
    assert_eq!(v["type"], "https://api.x.com/2/problems/client-forbidden");
    sim.update_modes(|m| m.not_enrolled_body = "b3".into());
    let (_, v) = json(s.get(&format!("{}/2/users/me", sim.api_base())).await).await;
    assert_eq!(
        v["type"],
        "https://api.twitter.com/2/problems/client-forbidden"
    );
    sim.update_modes(|m| m.client_enrolled = true);
    // locked account
    sim.update_modes(|m| m.locked = true);
    let (st, v) = json(s.post_json(&url, &json!({"text":"f"})).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(326)));
    sim.shutdown().await;
}

#[tokio::test]
async fn tco_links_and_upload_billing() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    sim.update_modes(|m| {
        m.tco_links = true;
        m.upload_cost_usd = 0.05;
    });
    let (st, v) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text": "read https://example.com/a/long/path now"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    let t = v["data"]["text"].as_str().unwrap();
    assert!(
        t.starts_with("read https://t.co/") && t.ends_with(" now"),
        "{t}"
    );
    assert_eq!(
        sim.posts()[0].text,
        "read https://example.com/a/long/path now"
    );
    let before = sim.credits();
    let f = Form::new()
        .text("media_category", "tweet_image")
        .part("media", Part::bytes(png(2, 2, 100)));
    assert_eq!(
        s.post_multipart(&format!("{}/2/media/upload", sim.api_base()), f)
            .await
            .status(),
        200
    );
    assert!((before - sim.credits() - 0.05).abs() < 1e-9);
    sim.set_credits(0.0);
    let f = Form::new()
        .text("media_category", "tweet_image")
        .part("media", Part::bytes(png(2, 2, 100)));
    assert_eq!(
        s.post_multipart(&format!("{}/2/media/upload", sim.api_base()), f)
            .await
            .status(),
        402
    );
    sim.shutdown().await;
}
