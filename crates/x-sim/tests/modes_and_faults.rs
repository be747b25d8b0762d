#![allow(clippy::unwrap_used, clippy::expect_used)]
//! v1.1 retirement shapes, plans, rate limits, credits, reply rules, media edge cases, faults.

mod common;

use std::time::Duration;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use x_sim::{Faults, Plan, V1Retired};

async fn v1_init(s: &Signer, base: &str) -> (u16, serde_json::Value, String) {
    let r = s
        .post_form(
            &format!("{base}/1.1/media/upload.json"),
            &[
                ("command", "INIT"),
                ("total_bytes", "100"),
                ("media_type", "image/png"),
            ],
        )
        .await;
    let st = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let b = r.bytes().await.unwrap();
    (
        st,
        serde_json::from_slice(&b).unwrap_or(serde_json::Value::Null),
        ct,
    )
}

#[tokio::test]
async fn v1_retired_shapes() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let up = sim.upload_base();
    sim.set_v1_retired(V1Retired::Forbidden453);
    let (st, v, _) = v1_init(&s, &up).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(453)));
    sim.set_v1_retired(V1Retired::NotFound);
    let (st, v, _) = v1_init(&s, &up).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (404, Some(34)));
    sim.set_v1_retired(V1Retired::Gone);
    assert_eq!(v1_init(&s, &up).await.0, 410);
    sim.set_v1_retired(V1Retired::Html403);
    let (st, v, ct) = v1_init(&s, &up).await;
    assert_eq!((st, v), (403, serde_json::Value::Null));
    assert!(ct.starts_with("text/html"));

    // refuse-after-init: INIT works, APPEND is refused.
    sim.set_v1_retired(V1Retired::RefuseAfterInit);
    let (st, v, _) = v1_init(&s, &up).await;
    assert_eq!(st, 202);
    let id = v["media_id_string"].as_str().unwrap().to_string();
    let form = Form::new()
        .text("command", "APPEND")
        .text("media_id", id)
        .text("segment_index", "0")
        .part("media", Part::bytes(png(1, 1, 100)));
    let (st, v) = json(
        s.post_multipart(&format!("{up}/1.1/media/upload.json"), form)
            .await,
    )
    .await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(453)));

    // conn-refused: the upload port refuses connections, v1.1 on the API port is reset.
    sim.set_v1_retired(V1Retired::ConnRefused);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = tokio::net::TcpStream::connect(sim.upload_addr()).await;
    assert!(e.is_err(), "upload port should refuse");
    let h = s.header(
        "POST",
        &format!("{}/1.1/media/upload.json", sim.api_base()),
        &[],
        &[],
    );
    let r = s
        .http
        .post(format!("{}/1.1/media/upload.json", sim.api_base()))
        .header("authorization", h)
        .send()
        .await;
    assert!(r.is_err());
    // v2 keeps working
    let (st, _) = json(s.get(&format!("{}/2/users/me", sim.api_base())).await).await;
    assert_eq!(st, 200);
    sim.set_v1_retired(V1Retired::Off);
    let mut ok = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if tokio::net::TcpStream::connect(sim.upload_addr())
            .await
            .is_ok()
        {
            ok = true;
            break;
        }
    }
    assert!(ok, "upload port should come back");
    assert_eq!(v1_init(&s, &up).await.0, 202);

    // v2 upload forbidden → B15
    sim.update_modes(|m| m.v2_upload_forbidden = true);
    let (st, v) = json(
        s.post_json(
            &format!("{}/2/media/upload/initialize", sim.api_base()),
            &json!({"media_type":"image/png","total_bytes":10}),
        )
        .await,
    )
    .await;
    assert_eq!((st, v["detail"].as_str()), (403, Some("Forbidden")));
    sim.shutdown().await;
}

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
async fn reply_and_quote_rules() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let url = format!("{}/2/tweets", sim.api_base());
    let (_, v) = json(
        other
            .post_json(&url, &json!({"text":"not about you"}))
            .await,
    )
    .await;
    let theirs = v["data"]["id"].as_str().unwrap().to_string();
    let (_, v) = json(
        other
            .post_json(&url, &json!({"text":"hey @postbridge_demo"}))
            .await,
    )
    .await;
    let summoned = v["data"]["id"].as_str().unwrap().to_string();
    let (_, v) = json(s.post_json(&url, &json!({"text":"mine"})).await).await;
    let mine = v["data"]["id"].as_str().unwrap().to_string();
    // reply to a missing post
    let (st, _) = json(
        s.post_json(
            &url,
            &json!({"text":"r0","reply":{"in_reply_to_tweet_id":"1234567890"}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"r1","reply":{"in_reply_to_tweet_id":theirs}})
        )
        .await
        .status(),
        201
    );
    sim.update_modes(|m| m.summoned_only_replies = true);
    let (st, v) = json(
        s.post_json(
            &url,
            &json!({"text":"r2","reply":{"in_reply_to_tweet_id":theirs}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 403);
    assert!(v["detail"]
        .as_str()
        .unwrap()
        .starts_with("Reply to this conversation is not allowed"));
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"r3","reply":{"in_reply_to_tweet_id":summoned}})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"r4","reply":{"in_reply_to_tweet_id":mine}})
        )
        .await
        .status(),
        201
    );
    sim.update_modes(|m| m.self_reply_exempt = false);
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"r5","reply":{"in_reply_to_tweet_id":mine}})
        )
        .await
        .status(),
        403
    );
    sim.update_modes(|m| m.quotes_allowed = false);
    let (st, v) = json(
        s.post_json(&url, &json!({"text":"q","quote_tweet_id":theirs}))
            .await,
    )
    .await;
    assert_eq!(
        (st, v["detail"].as_str()),
        (403, Some("Quoting this post is not allowed"))
    );
    // delete someone else's post
    let r = s.delete(&format!("{url}/{theirs}")).await;
    assert_eq!(r.status(), 403);
    sim.shutdown().await;
}

#[tokio::test]
async fn media_validation_edges() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let api = sim.api_base();
    let one_shot = |c: Vec<u8>, cat: &str| {
        Form::new()
            .text("media_category", cat.to_string())
            .part("media", Part::bytes(c))
    };
    let mut imgs = vec![];
    for _ in 0..5 {
        let (st, v) = json(
            s.post_multipart(
                &format!("{api}/2/media/upload"),
                one_shot(png(3, 3, 200), "tweet_image"),
            )
            .await,
        )
        .await;
        assert_eq!(st, 200);
        imgs.push(v["data"]["id"].as_str().unwrap().to_string());
    }
    let url = format!("{api}/2/tweets");
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"four","media":{"media_ids":imgs[..4]}})
        )
        .await
        .status(),
        201
    );
    let (st, v) = json(
        s.post_json(&url, &json!({"text":"five","media":{"media_ids":imgs}}))
            .await,
    )
    .await;
    assert_eq!(
        (st, v["errors"][0]["message"].as_str()),
        (400, Some("Your media IDs are invalid."))
    );
    // someone else's media
    let (st, _) = json(
        other
            .post_json(
                &url,
                &json!({"text":"theft","media":{"media_ids":[imgs[0]]}}),
            )
            .await,
    )
    .await;
    assert_eq!(st, 400);
    // unknown id, malformed id
    assert_eq!(
        s.post_json(&url, &json!({"text":"x","media":{"media_ids":["1"]}}))
            .await
            .status(),
        400
    );
    assert_eq!(
        s.post_json(&url, &json!({"text":"x","media":{"media_ids":["abc"]}}))
            .await
            .status(),
        400
    );
    // poll + media exclusive
    assert_eq!(s.post_json(&url, &json!({"text":"p","media":{"media_ids":[imgs[4]]},"poll":{"options":["a","b"],"duration_minutes":60}})).await.status(), 400);
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"poll","poll":{"options":["a","b"],"duration_minutes":60}})
        )
        .await
        .status(),
        201
    );
    // gif (tweet_gif) + image mixing
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/gif","total_bytes":1000,"media_category":"tweet_gif"}),
        )
        .await,
    )
    .await;
    let gid = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(gif(1000)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload/{gid}/append"), f)
            .await
            .status(),
        200
    );
    let (st, v) = json(
        s.post_empty(&format!("{api}/2/media/upload/{gid}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"mixed","media":{"media_ids":[gid, imgs[4]]}})
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        s.post_json(&url, &json!({"text":"gif","media":{"media_ids":[gid]}}))
            .await
            .status(),
        201
    );
    // total_bytes mismatch at FINALIZE
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/png","total_bytes":500,"media_category":"tweet_image"}),
        )
        .await,
    )
    .await;
    let pid = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(png(1, 1, 300)));
    s.post_multipart(&format!("{api}/2/media/upload/{pid}/append"), f)
        .await;
    let (st, v) = json(
        s.post_empty(&format!("{api}/2/media/upload/{pid}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        v["errors"][0]["message"],
        "Segments do not add up to provided total file size."
    );
    // too big image at INIT
    let (st, _) = json(s.post_json(&format!("{api}/2/media/upload/initialize"), &json!({"media_type":"image/png","total_bytes":6_000_000,"media_category":"tweet_image"})).await).await;
    assert_eq!(st, 400);
    // unknown INIT key
    let (st, _) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/png","total_bytes":6,"bogus":1}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 400);
    // segment_index 1-based switch
    sim.update_modes(|m| m.segment_index_base = 1);
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/png","total_bytes":300,"media_category":"tweet_image"}),
        )
        .await,
    )
    .await;
    let qid = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(png(1, 1, 300)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload/{qid}/append"), f)
            .await
            .status(),
        400
    );
    let f = Form::new()
        .text("segment_index", "1")
        .part("media", Part::bytes(png(1, 1, 300)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload/{qid}/append"), f)
            .await
            .status(),
        200
    );
    assert_eq!(
        s.post_empty(&format!("{api}/2/media/upload/{qid}/finalize"))
            .await
            .status(),
        200
    );
    // alt text limit switch
    sim.update_modes(|m| m.alt_text_limit = 420);
    let (st, _) = json(
        s.post_json(
            &format!("{api}/2/media/metadata/create"),
            &json!({"id": qid, "metadata":{"alt_text":{"text":"x".repeat(421)}}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 400);
    let (st, _) = json(
        s.post_json(
            &format!("{api}/2/media/metadata/create"),
            &json!({"id": qid, "metadata":{"alt_text":{"text":"x".repeat(420)}}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    // expiry via the virtual clock
    sim.update_modes(|m| m.media_expiry_secs = Some(60));
    let (_, v) = json(
        s.post_multipart(
            &format!("{api}/2/media/upload"),
            one_shot(png(3, 3, 200), "tweet_image"),
        )
        .await,
    )
    .await;
    let eid = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["expires_after_secs"], 60);
    sim.advance_clock(61);
    let s2 = Signer::new(&sim.demo());
    assert_eq!(
        s2.post_json(&url, &json!({"text":"expired","media":{"media_ids":[eid]}}))
            .await
            .status(),
        400
    );
    // v1.1 APPEND over 5 MB → 400 B16
    let up = format!("{}/1.1/media/upload.json", sim.upload_base());
    let (_, v) = json(
        s2.post_form(
            &up,
            &[
                ("command", "INIT"),
                ("total_bytes", "7000000"),
                ("media_type", "video/mp4"),
                ("media_category", "tweet_video"),
            ],
        )
        .await,
    )
    .await;
    let vid = v["media_id_string"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("command", "APPEND")
        .text("media_id", vid)
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(6 << 20)));
    let (st, v) = json(s2.post_multipart(&up, f).await).await;
    assert_eq!(st, 400);
    assert_eq!(v["request"], "/1.1/media/upload.json");
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_503_with_and_without_create_latency_hang_reset() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            ..Default::default()
        },
    );
    let (st, v) = json(s.post_json(&url, &json!({"text":"lost"})).await).await;
    assert_eq!(
        (st, v["title"].as_str()),
        (503, Some("Service Unavailable"))
    );
    assert!(sim.posts().is_empty());
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: true,
            ..Default::default()
        },
    );
    let (st, _) = json(s.post_json(&url, &json!({"text":"created anyway"})).await).await;
    assert_eq!(st, 503);
    assert_eq!(sim.posts().len(), 1);
    sim.clear_faults();
    // the re-send is a duplicate: proof the first try went through (§6.5)
    assert_eq!(
        s.post_json(&url, &json!({"text":"created anyway"}))
            .await
            .status(),
        403
    );

    // latency
    sim.set_faults(
        "GET /2/users/me",
        Faults {
            latency_ms: 200,
            ..Default::default()
        },
    );
    let t = std::time::Instant::now();
    assert_eq!(
        s.get(&format!("{}/2/users/me", sim.api_base()))
            .await
            .status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    // hang
    sim.set_faults(
        "GET /2/users/me",
        Faults {
            hang_rate: 1.0,
            ..Default::default()
        },
    );
    let h = s.header("GET", &format!("{}/2/users/me", sim.api_base()), &[], &[]);
    let r = s
        .http
        .get(format!("{}/2/users/me", sim.api_base()))
        .header("authorization", h)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(r.unwrap_err().is_timeout());
    // reset after commit: the post exists but the client sees a broken connection
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            reset_rate: 1.0,
            reset_after_commit: true,
            ..Default::default()
        },
    );
    let h = s.header("POST", &url, &[], &[]);
    let r = s
        .http
        .post(&url)
        .header("authorization", h)
        .json(&json!({"text":"reset"}))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(sim.posts().len(), 2);
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            reset_rate: 1.0,
            ..Default::default()
        },
    );
    let h = s.header("POST", &url, &[], &[]);
    let r = s
        .http
        .post(&url)
        .header("authorization", h)
        .json(&json!({"text":"reset before"}))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(sim.posts().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_on_media_processing_and_bandwidth() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let api = sim.api_base();
    sim.set_faults(
        "POST /2/media/upload/:id/finalize",
        Faults {
            force_invalid_media: true,
            ..Default::default()
        },
    );
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":1000,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(1000)));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), f)
        .await;
    let (st, _) = json(
        s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 200);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v) = json(
        s.get(&format!(
            "{api}/2/media/upload?command=STATUS&media_id={id}"
        ))
        .await,
    )
    .await;
    assert_eq!(v["data"]["processing_info"]["state"], "failed");
    assert_eq!(
        v["data"]["processing_info"]["error"],
        json!({"code":1,"name":"InvalidMedia","message":"file is invalid"})
    );
    // a non-video declared as video fails processing with "Unsupported video format"
    sim.clear_faults();
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":100,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(vec![0u8; 100]));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), f)
        .await;
    s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
        .await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v) = json(
        s.get(&format!(
            "{api}/2/media/upload?command=STATUS&media_id={id}"
        ))
        .await,
    )
    .await;
    assert_eq!(
        v["data"]["processing_info"]["error"]["message"],
        "Unsupported video format"
    );
    // slow processing: 10x → still in progress after the normal time
    sim.set_faults(
        "POST /2/media/upload/:id/finalize",
        Faults {
            processing_factor: 10.0,
            ..Default::default()
        },
    );
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":1000,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(1000)));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), f)
        .await;
    s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
        .await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v) = json(
        s.get(&format!(
            "{api}/2/media/upload?command=STATUS&media_id={id}"
        ))
        .await,
    )
    .await;
    let state = v["data"]["processing_info"]["state"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(state == "in_progress" || state == "pending", "{state}");
    assert!(v["data"]["processing_info"]["check_after_secs"].is_u64());
    // bandwidth cap: 200 KB at 1 MB/s takes ≥ 150 ms
    sim.set_faults(
        "POST /2/media/upload",
        Faults {
            bandwidth_bytes_per_sec: 1_000_000,
            ..Default::default()
        },
    );
    let t = std::time::Instant::now();
    let f = Form::new()
        .text("media_category", "tweet_image")
        .part("media", Part::bytes(png(3, 3, 200_000)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload"), f)
            .await
            .status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
    sim.shutdown().await;
}

#[tokio::test]
async fn seeded_rng_is_deterministic() {
    // Same seed, same request sequence → same fault outcomes.
    let mut outcomes = vec![];
    for _ in 0..2 {
        let sim = sim().await;
        sim.set_faults(
            "GET /2/users/me",
            Faults {
                error_rate: 0.5,
                error_status: 500,
                ..Default::default()
            },
        );
        let s = Signer::new(&sim.demo());
        let mut o = vec![];
        for _ in 0..12 {
            o.push(
                s.get(&format!("{}/2/users/me", sim.api_base()))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        assert!(o.contains(&500) && o.contains(&200));
        outcomes.push(o);
        sim.shutdown().await;
    }
    assert_eq!(outcomes[0], outcomes[1]);
}

#[tokio::test]
async fn per_account_overrides() {
    let sim = sim().await;
    let demo = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let url = format!("{}/2/tweets", sim.api_base());
    control(
        &sim,
        "accounts/update",
        json!({"account": "other_person", "premium": true}),
    )
    .await;
    assert_eq!(
        other
            .post_json(&url, &json!({"text": "p".repeat(300)}))
            .await
            .status(),
        201
    );
    assert_eq!(
        demo.post_json(&url, &json!({"text": "p".repeat(300)}))
            .await
            .status(),
        400
    );
    // v1.1 retired for the demo account only
    assert!(sim.update_account("demo", |a| a.v1_retired = Some(V1Retired::Forbidden453)));
    let (st, _, _) = v1_init(&demo, &sim.upload_base()).await;
    assert_eq!(st, 403);
    let (st, _, _) = v1_init(&other, &sim.upload_base()).await;
    assert_eq!(st, 202);
    // null clears the override
    let v = control(
        &sim,
        "accounts/update",
        json!({"account": "demo", "v1_retired": null, "locked": true}),
    )
    .await;
    assert!(v.get("v1_retired").is_none());
    assert_eq!(v1_init(&demo, &sim.upload_base()).await.0, 202);
    assert_eq!(
        demo.post_json(&url, &json!({"text": "locked"}))
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .post_json(&url, &json!({"text": "not locked"}))
            .await
            .status(),
        201
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn reply_format_switches() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    sim.update_modes(|m| {
        m.edit_history = "post_ids".into();
        m.location_origin = Some("https://api.twitter.com".into());
        m.problem_host = "https://api.x.com".into();
        m.problem_json_content_type = true;
    });
    let r = s.post_json(&url, &json!({"text": "switches"})).await;
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://api.twitter.com/2/tweets/"));
    let (_, v) = json(r).await;
    assert!(v["data"]["edit_history_post_ids"].is_array());
    let r = s.post_json(&url, &json!({"text": "x".repeat(300)})).await;
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (_, v) = json(r).await;
    assert_eq!(v["type"], "https://api.x.com/2/problems/invalid-request");
    sim.update_modes(|m| m.edit_history = "none".into());
    let (_, v) = json(s.post_json(&url, &json!({"text": "no history"})).await).await;
    assert_eq!(v["data"].as_object().unwrap().len(), 2);
    // token replies as JSON
    sim.update_modes(|m| m.token_reply_format = "json".into());
    let mut app = Signer::new(&sim.demo());
    app.token = None;
    app.ts = String::new();
    let (st, v) = json(
        app.post_form(
            &format!("{}/oauth/request_token", sim.api_base()),
            &[("oauth_callback", "oob")],
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["oauth_callback_confirmed"], "true");
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
