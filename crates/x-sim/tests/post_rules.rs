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

/// Both of X's wordings for a refused reply (docs/protocol.md §5.2 B14, §15), chosen by
/// `reply_refusal`; replies in one's own thread stay exempt under either.
#[tokio::test]
async fn reply_refusal_wordings_and_self_replies() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let url = format!("{}/2/tweets", sim.api_base());
    let id = |v: &serde_json::Value| v["data"]["id"].as_str().unwrap().to_string();
    let (_, v) = json(other.post_json(&url, &json!({"text":"theirs"})).await).await;
    let theirs = id(&v);
    let (_, v) = json(s.post_json(&url, &json!({"text":"thread 1/3"})).await).await;
    let mut last = id(&v);
    sim.update_modes(|m| m.summoned_only_replies = true);
    for (n, refusal) in [
        x_sim::ReplyRefusal::B14,
        x_sim::ReplyRefusal::MentionedOrAuthor,
    ]
    .into_iter()
    .enumerate()
    {
        sim.update_modes(|m| m.reply_refusal = refusal);
        let (st, v) = json(
            s.post_json(
                &url,
                &json!({"text":format!("reply {n}"),"reply":{"in_reply_to_tweet_id":theirs}}),
            )
            .await,
        )
        .await;
        assert_eq!(st, 403);
        let detail = v["detail"].as_str().unwrap();
        match refusal {
            x_sim::ReplyRefusal::B14 => {
                assert!(detail.starts_with("Reply to this conversation is not allowed because you have not been mentioned"), "{v}");
                assert_eq!(v["title"], "Forbidden");
            }
            x_sim::ReplyRefusal::MentionedOrAuthor => {
                assert_eq!(
                    v,
                    json!({"detail":"You can only reply to or quote posts where you are mentioned or are the author.","title":"Authorization Error"})
                );
            }
        }
        // The next part of one's own thread is a self-reply: allowed.
        let (st, v) = json(
            s.post_json(
                &url,
                &json!({"text":format!("thread {}/3", n + 2),"reply":{"in_reply_to_tweet_id":last}}),
            )
            .await,
        )
        .await;
        assert_eq!(st, 201, "{v}");
        last = id(&v);
    }
    // The switch travels over the control API with its wire name; quotes use it too.
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/mode", sim.api_base()))
        .json(&json!({"reply_refusal":"mentioned-or-author","quotes_allowed":false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (st, v) = json(
        s.post_json(&url, &json!({"text":"q","quote_tweet_id":theirs}))
            .await,
    )
    .await;
    assert_eq!(
        (st, v["title"].as_str()),
        (403, Some("Authorization Error"))
    );
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/mode", sim.api_base()))
        .json(&json!({"reply_refusal":"sometimes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "an unknown wording is refused");
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
