#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Posting rules and reply formats: reply and quote restrictions, delete ownership, the
//! edit-history, `Location`, problem-host and token-reply switches.

mod common;

use common::*;
use serde_json::json;

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
