//! Posting against the simulator: users/me and rate-limit headers, NFC text, delete; the
//! §6.5 unknown outcome read back and never re-sent; a plan limit as rate-limited with its reset.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use x_client::{AccessLevel, ClientError, Confirmation, ErrorKind, PostRequest, UploadRoute};
use x_sim::{Faults, SimHandle};

#[tokio::test]
async fn me_post_delete_and_rate_limits() {
    let s = sim().await;
    s.update_modes(|m| {
        m.plan = x_sim::Plan::PayPerUse;
        m.rate_limit_24h_headers = true;
    });
    let c = client(&s);
    let me = c.me().await.unwrap();
    assert_eq!(me.username, s.demo().username);
    assert_eq!(me.access_level, AccessLevel::ReadWrite);
    let rl = me.rate_limit.expect("rate-limit headers");
    assert!(rl.window.unwrap().limit.is_some());

    let posted = c
        .post(&PostRequest::text("cafe\u{301} from Postbridge"))
        .await
        .unwrap();
    assert_eq!(posted.confirmation, Confirmation::Created);
    let posts = live_posts(&s);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].id, posted.id);
    assert_eq!(
        posts[0].text, "caf\u{e9} from Postbridge",
        "NFC on the wire"
    );
    let rl = posted.rate_limit.expect("rate limit on post");
    assert!(rl.window.is_some());
    assert!(rl.app_24h.is_some() || rl.user_24h.is_some(), "{rl:?}");

    c.delete(&posted.id).await.unwrap();
    assert!(live_posts(&s).is_empty());
    s.shutdown().await;
}

fn post_requests(s: &SimHandle) -> usize {
    s.requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/tweets")
        .count()
}

fn after_commit(f: Faults) -> Faults {
    Faults {
        error_status: 503,
        error_after_commit: true,
        reset_after_commit: true,
        ..f
    }
}

#[tokio::test]
async fn unknown_outcome_is_read_back_never_resent() {
    let s = sim().await;
    // X's duplicate filter is not a guarantee: prove nothing relies on it.
    s.update_modes(|m| m.duplicate_window_secs = 0);
    let c = client(&s);
    let faults = [
        (
            "503 after create",
            Faults {
                error_rate: 1.0,
                ..Faults::default()
            },
        ),
        (
            "reset after create",
            Faults {
                reset_rate: 1.0,
                ..Faults::default()
            },
        ),
        (
            "200 without id",
            Faults {
                ok_without_id_rate: 1.0,
                ..Faults::default()
            },
        ),
    ];
    for (i, (what, f)) in faults.into_iter().enumerate() {
        let text = format!("Tom & Jerry #{i} https://example.com/{i}");
        let before = post_requests(&s);
        s.set_faults("POST /2/tweets", after_commit(f));
        let p = c.post(&PostRequest::text(&text)).await;
        s.clear_faults();
        let p = p.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(p.confirmation, Confirmation::ReadBack, "{what}");
        let mine: Vec<_> = live_posts(&s)
            .into_iter()
            .filter(|x| x.text == text)
            .collect();
        assert_eq!(mine.len(), 1, "{what}: exactly one post");
        assert_eq!(mine[0].id, p.id, "{what}: the id read back is the post's");
        assert_eq!(post_requests(&s) - before, 1, "{what}: sent once");
    }

    // 503 before anything was created: not found, so "may have posted", never re-sent.
    s.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            ..Faults::default()
        },
    );
    let before = post_requests(&s);
    let e = c
        .post(&PostRequest::text("never created"))
        .await
        .unwrap_err();
    s.clear_faults();
    assert!(
        matches!(
            e,
            ClientError::UnknownOutcome {
                status: Some(503),
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(e.diagnosis().status, Some(503));
    assert_eq!(post_requests(&s) - before, 1, "not re-sent");
    assert!(live_posts(&s).iter().all(|p| p.text != "never created"));

    // Created, but the account's posts cannot be read: "may have posted", one post.
    for refused in [403u16, 429, 402] {
        let text = format!("reads refused {refused}");
        s.update_modes(|m| m.reads_refused = Some(refused));
        s.set_faults(
            "POST /2/tweets",
            after_commit(Faults {
                error_rate: 1.0,
                ..Faults::default()
            }),
        );
        let e = c.post(&PostRequest::text(&text)).await.unwrap_err();
        s.clear_faults();
        s.update_modes(|m| m.reads_refused = None);
        assert_eq!(e.kind(), ErrorKind::OutcomeUnknown, "{refused}: {e}");
        assert!(e.to_string().contains("could not be read"), "{e}");
        assert_eq!(live_posts(&s).iter().filter(|p| p.text == text).count(), 1);
    }

    // Media-only reply: matched by media count and reply target, not by text.
    let parent = c.post(&PostRequest::text("parent")).await.unwrap().id;
    let m = c
        .upload(&png("readback.png"), opts(UploadRoute::V2))
        .await
        .unwrap();
    let req = PostRequest {
        media_ids: vec![m.media_id],
        reply_to: Some(parent.clone()),
        ..PostRequest::default()
    };
    s.set_faults(
        "POST /2/tweets",
        after_commit(Faults {
            error_rate: 1.0,
            ..Faults::default()
        }),
    );
    let p = c.post(&req).await;
    s.clear_faults();
    let p = p.unwrap();
    assert_eq!(p.confirmation, Confirmation::ReadBack);
    let replies: Vec<_> = live_posts(&s)
        .into_iter()
        .filter(|x| x.in_reply_to_tweet_id.as_deref() == Some(parent.as_str()))
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].id, p.id);
    s.shutdown().await;
}

/// A real plan limit (legacy Free: 17 posts / 24 h) gives rate-limited with the reset time, in
/// both 429 bodies (B9 and B10).
#[tokio::test]
async fn plan_limit_is_rate_limited_with_reset() {
    let s = sim().await;
    s.update_modes(|m| {
        m.plan = x_sim::Plan::Free;
        m.rate_limit_24h_headers = true;
    });
    let c = client(&s);
    let mut i = 0;
    let err = loop {
        match c.post(&PostRequest::text(format!("free post {i}"))).await {
            Ok(_) => i += 1,
            Err(e) => break e,
        }
        assert!(i < 100, "no limit reached");
    };
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    let d = err.diagnosis();
    assert!(d.rate_limit.is_some());
    assert!(d.fix[0].contains("resets"), "{:?}", d.fix);
    s.update_modes(|m| m.rate_limit_body = "v1".into());
    let e = c.post(&PostRequest::text("one more")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.diagnosis().code, Some(88));
    s.shutdown().await;
}
