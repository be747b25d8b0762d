//! The kinds X's answers map to, on the simulator's real answers: those the client provokes,
//! and those only foreign requests (v1.1 posting, app-only Bearer) get.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use x_client::{AccessLevel, Endpoints, ErrorKind, PostRequest, UploadRoute, XClient};
use x_sim::Faults;

async fn post_kind(c: &XClient, text: &str) -> ErrorKind {
    c.post(&PostRequest::text(text)).await.unwrap_err().kind()
}

#[tokio::test]
async fn error_kinds_against_the_simulator() {
    let s = sim().await;
    let c = client(&s);
    let demo = s.demo();

    // read-only-token: a token issued at read level.
    let ro = s.issue_token("demo", x_sim::AccessLevel::Read).unwrap();
    let c_ro = client_with(&s, credentials(&ro), fast_config());
    assert_eq!(c_ro.me().await.unwrap().access_level, AccessLevel::Read);
    assert_eq!(post_kind(&c_ro, "ro").await, ErrorKind::ReadOnlyToken);

    // invalid-credentials: wrong secret.
    let mut bad = credentials(&demo);
    bad.consumer_secret.push('x');
    let c_bad = client_with(&s, bad, fast_config());
    assert_eq!(
        c_bad.me().await.unwrap_err().kind(),
        ErrorKind::InvalidCredentials
    );

    // token-revoked: regenerated tokens (code 89).
    let other = s
        .issue_token("demo", x_sim::AccessLevel::ReadWrite)
        .unwrap();
    let fresh = s.regenerate_tokens("demo").unwrap();
    let c_old = client_with(&s, credentials(&other), fast_config());
    let e = c_old.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRevoked, "{e}");
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::TokenRevoked);
    let c = client_with(&s, credentials(&fresh), fast_config());

    // duplicate-content, text-too-long.
    c.post(&PostRequest::text("same words")).await.unwrap();
    assert_eq!(
        post_kind(&c, "same words").await,
        ErrorKind::DuplicateContent
    );
    assert_eq!(
        post_kind(&c, &"a".repeat(300)).await,
        ErrorKind::TextTooLong
    );

    // media-invalid: unknown media id.
    let mut req = PostRequest::text("bad media");
    req.media_ids = vec!["1234567890123".into()];
    assert_eq!(
        c.post(&req).await.unwrap_err().kind(),
        ErrorKind::MediaInvalid
    );

    // reply-not-allowed: summoned-only replies to someone else's post.
    let alice = s.issue_token("demo", x_sim::AccessLevel::ReadWrite);
    drop(alice);
    s.update_modes(|m| {
        m.summoned_only_replies = true;
        m.self_reply_exempt = false;
    });
    let target = c.post(&PostRequest::text("original")).await.unwrap();
    let mut reply = PostRequest::text("a reply");
    reply.reply_to = Some(target.id.clone());
    assert_eq!(
        c.post(&reply).await.unwrap_err().kind(),
        ErrorKind::ReplyNotAllowed
    );
    s.update_modes(|m| m.summoned_only_replies = false);

    // credits-depleted.
    s.update_modes(|m| m.plan = x_sim::Plan::PayPerUse);
    s.set_credits(0.0);
    assert_eq!(
        post_kind(&c, "no credits").await,
        ErrorKind::CreditsDepleted
    );
    s.set_credits(100.0);

    // usage-capped.
    s.update_modes(|m| m.usage_cap = Some(0));
    assert_eq!(post_kind(&c, "capped").await, ErrorKind::UsageCapped);
    s.update_modes(|m| {
        m.usage_cap = None;
        m.plan = x_sim::Plan::Unlimited;
    });

    // client-not-enrolled (both bodies).
    for body in ["b2", "b3"] {
        s.update_modes(|m| {
            m.client_enrolled = false;
            m.not_enrolled_body = body.into();
        });
        assert_eq!(
            c.me().await.unwrap_err().kind(),
            ErrorKind::ClientNotEnrolled
        );
    }
    s.update_modes(|m| m.client_enrolled = true);

    // account-locked.
    s.update_modes(|m| m.locked = true);
    assert_eq!(post_kind(&c, "locked").await, ErrorKind::AccountLocked);
    s.update_modes(|m| m.locked = false);

    // rate-limited (429, no waiting in tests).
    s.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 429,
            ..Faults::default()
        },
    );
    let e = c.post(&PostRequest::text("limited")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    s.clear_faults();

    // server-error: 500 on users/me even after retries.
    s.set_faults(
        "GET /2/users/me",
        Faults {
            error_rate: 1.0,
            error_status: 500,
            ..Faults::default()
        },
    );
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::ServerError);
    s.clear_faults();

    // media-processing-failed.
    s.set_faults(
        "*",
        Faults {
            force_invalid_media: true,
            ..Faults::default()
        },
    );
    let e = c
        .upload(&video("bad.mp4", 100 * 1024), opts(UploadRoute::V2))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MediaProcessingFailed, "{e}");
    s.clear_faults();

    // forbidden: v2 upload forbidden (B15).
    s.update_modes(|m| m.v2_upload_forbidden = true);
    let e = c
        .upload(&png("f2.png"), opts(UploadRoute::V2))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
    s.update_modes(|m| m.v2_upload_forbidden = false);

    // clock-skew: the simulator's clock is an hour ahead.
    s.update_modes(|m| m.auth_clock_skew_secs = 3600);
    let e = c.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClockSkew, "{e}");
    s.update_modes(|m| m.auth_clock_skew_secs = 0);

    // network: nothing listens.
    let dead = XClient::with_config(
        Endpoints {
            api_base: "http://127.0.0.1:9".into(),
            upload_base: "http://127.0.0.1:9".into(),
        },
        credentials(&demo),
        fast_config(),
    )
    .unwrap();
    assert_eq!(dead.me().await.unwrap_err().kind(), ErrorKind::Network);

    // local media checks refuse before sending.
    let before = s.requests().len();
    let e = c
        .upload(&tmp("not.png", b"plain text"), opts(UploadRoute::Auto))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MediaInvalid);
    assert_eq!(s.requests().len(), before);
    s.shutdown().await;
}

/// Kinds the client itself never provokes (it posts only through v2 and signs with OAuth 1.0a),
/// checked on the simulator's real answers to hand-made requests.
#[tokio::test]
async fn answers_to_foreign_requests_map_to_their_kinds() {
    let s = sim().await;
    let http = reqwest::Client::new();
    let headers_and_body = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let body = r.bytes().await.unwrap();
        (status, headers, body)
    };

    // tier-endpoint-mismatch: v1.1 statuses/update (453), correctly signed form body.
    let url = format!("{}/1.1/statuses/update.json", s.api_base());
    let form = vec![("status".to_string(), "legacy".to_string())];
    let mut input = x_client::sign::SignInput::new("POST", &url);
    input.form = &form;
    let signed = x_client::sign::sign(&credentials(&s.demo()), &input).unwrap();
    let r = http
        .post(&url)
        .header("authorization", signed.authorization)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(x_client::sign::encode_form(&form))
        .send()
        .await
        .unwrap();
    let (status, h, body) = headers_and_body(r).await;
    let e = x_client::ApiError::parse("POST", "/1.1/statuses/update.json", status, &h, &body);
    assert_eq!(e.kind(), ErrorKind::TierEndpointMismatch, "{e:?}");

    // unsupported-authentication: an app-only Bearer token on a v2 endpoint.
    let r = http
        .get(format!("{}/2/users/me", s.api_base()))
        .header("authorization", "Bearer AAAAAAAAAAAAAAAAAAAAAAbearer")
        .send()
        .await
        .unwrap();
    let (status, h, body) = headers_and_body(r).await;
    let e = x_client::ApiError::parse("GET", "/2/users/me", status, &h, &body);
    assert_eq!(e.kind(), ErrorKind::UnsupportedAuthentication, "{e:?}");
    s.shutdown().await;
}

/// Issue 14 item 6: both of X's wordings for a refused reply (docs/protocol.md §5.2 B14, §15),
/// as the simulator sends them, are `reply-not-allowed` with the table's explanation and fix —
/// never a credentials problem — and the next part of one's own thread still posts.
#[tokio::test]
async fn both_reply_refusal_wordings_are_reply_not_allowed() {
    let s = sim().await;
    let c = client(&s);
    let other = s
        .issue_token("other_person", x_sim::AccessLevel::ReadWrite)
        .unwrap();
    let c_other = client_with(&s, credentials(&other), fast_config());
    let theirs = c_other.post(&PostRequest::text("theirs")).await.unwrap();
    let mut last = c.post(&PostRequest::text("thread 1")).await.unwrap();
    s.update_modes(|m| m.summoned_only_replies = true);
    for (n, refusal) in [
        x_sim::ReplyRefusal::B14,
        x_sim::ReplyRefusal::MentionedOrAuthor,
    ]
    .into_iter()
    .enumerate()
    {
        s.update_modes(|m| m.reply_refusal = refusal);
        let mut reply = PostRequest::text(format!("a reply {n}"));
        reply.reply_to = Some(theirs.id.clone());
        let e = c.post(&reply).await.unwrap_err();
        let d = e.diagnosis();
        assert_eq!(d.kind, ErrorKind::ReplyNotAllowed, "{refusal:?}: {e}");
        assert_eq!(d.status, Some(403));
        assert!(
            d.detail.contains("mentioned"),
            "X's own words are kept: {}",
            d.detail
        );
        assert!(d.cause.contains("mentioned"), "{}", d.cause);
        assert!(
            d.fix.iter().any(|f| f.contains("standalone")),
            "{:?}",
            d.fix
        );
        assert_eq!(d.wizard_step, None, "nothing to change in the keys");

        let mut next = PostRequest::text(format!("thread {}", n + 2));
        next.reply_to = Some(last.id.clone());
        last = c.post(&next).await.unwrap();
    }
    s.shutdown().await;
}
