//! The client against the simulator: posting, every upload route, the auto route's refusal
//! shapes, chunked uploads with STATUS polling, alt text, the §6.5 unknown outcome, rate-limit
//! headers, and the kinds that X's answers map to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use x_client::media::samples;
use x_client::{
    AccessLevel, ClientConfig, ClientError, Confirmation, Credentials, Endpoints, ErrorKind,
    PostRequest, Progress, RetryPolicy, UploadOptions, UploadRoute, XClient,
};
use x_sim::{Faults, SimConfig, SimHandle, V1Retired};

fn fast_config() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_rate_limit_wait: Duration::from_secs(0),
        },
        chunk_size: 64 * 1024,
        append_concurrency: 4,
        processing_deadline: Duration::from_secs(30),
        route_ttl: Duration::from_secs(3600),
        read_back_attempts: 3,
        read_back_delay: Duration::from_millis(20),
        request_timeout: Duration::from_secs(10),
        upload_min_rate: 32 * 1024,
        root_certs_pem: Vec::new(),
    }
}

async fn sim() -> SimHandle {
    let s = x_sim::start(SimConfig::default()).await.unwrap();
    s.update_modes(|m| {
        m.processing_ms = 0;
        m.plan = x_sim::Plan::Unlimited;
    });
    s
}

fn creds_of(d: &x_sim::DemoCredentials) -> Credentials {
    Credentials {
        consumer_key: d.consumer_key.clone(),
        consumer_secret: d.consumer_secret.clone(),
        access_token: d.access_token.clone(),
        access_secret: d.access_token_secret.clone(),
    }
}

fn client(s: &SimHandle) -> XClient {
    client_with(s, creds_of(&s.demo()), fast_config())
}

fn client_with(s: &SimHandle, c: Credentials, cfg: ClientConfig) -> XClient {
    XClient::with_config(
        Endpoints {
            api_base: s.api_base(),
            upload_base: s.upload_base(),
        },
        c,
        cfg,
    )
    .unwrap()
}

fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xclient-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn png(name: &str) -> PathBuf {
    tmp(name, &samples::png(120, 80, 0))
}

fn video(name: &str, size: usize) -> PathBuf {
    tmp(name, &samples::mp4(size))
}

fn opts(route: UploadRoute) -> UploadOptions {
    UploadOptions {
        route,
        ..UploadOptions::default()
    }
}

fn sim_media(s: &SimHandle, id: &str) -> x_sim::MediaInfo {
    s.media().into_iter().find(|m| m.id == id).unwrap()
}

fn live_posts(s: &SimHandle) -> Vec<x_sim::Post> {
    s.posts().into_iter().filter(|p| !p.deleted).collect()
}

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

#[tokio::test]
async fn image_via_v1_and_v2_with_alt_text_then_post() {
    let s = sim().await;
    s.update_modes(|m| m.plan = x_sim::Plan::PayPerUse);
    let c = client(&s);
    let p = png("a.png");
    let mut ids = Vec::new();
    for route in [UploadRoute::V1, UploadRoute::V2] {
        let mut o = opts(route);
        o.alt_text = Some(format!("alt via {}", route.as_str()));
        let u = c.upload(&p, o).await.unwrap();
        assert_eq!(u.route_used, route);
        if route == UploadRoute::V2 {
            assert!(
                u.rate_limit.is_some(),
                "v2 upload answers carry rate limits"
            );
        }
        assert!(u.fallback.is_none());
        let m = sim_media(&s, &u.media_id);
        assert_eq!(
            m.alt_text.as_deref(),
            Some(format!("alt via {}", route.as_str()).as_str())
        );
        let want = if route == UploadRoute::V1 {
            x_sim::media::UploadRoute::V1
        } else {
            x_sim::media::UploadRoute::V2
        };
        assert_eq!(m.route, want);
        ids.push(u.media_id);
    }
    let mut req = PostRequest::text("two images");
    req.media_ids = ids.clone();
    let posted = c.post(&req).await.unwrap();
    let post = live_posts(&s)
        .into_iter()
        .find(|x| x.id == posted.id)
        .unwrap();
    assert_eq!(post.media_ids, ids);
    s.shutdown().await;
}

#[tokio::test]
async fn chunked_video_and_gif_with_status_polling_on_both_routes() {
    let s = sim().await;
    s.update_modes(|m| {
        m.processing_ms = 1200;
        m.check_after_secs = 1;
    });
    let c = client(&s);
    let v = video("v.mp4", 300 * 1024 + 17);
    let g = tmp("g.gif", &samples::gif(200, 100, 5, 70_000));
    for route in [UploadRoute::V1, UploadRoute::V2] {
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let mut o = opts(route);
        o.progress = Some(Arc::new(move |p: Progress| ev.lock().unwrap().push(p)));
        let u = c.upload(&v, o).await.unwrap();
        let m = sim_media(&s, &u.media_id);
        assert_eq!(m.state, "succeeded");
        assert_eq!(m.received_bytes, 300 * 1024 + 17);
        assert_eq!(m.segments, 5);
        let ev = events.lock().unwrap().clone();
        assert!(
            ev.iter().any(|e| matches!(e, Progress::Processing { .. })),
            "{ev:?}"
        );
        assert!(ev
            .iter()
            .any(|e| matches!(e, Progress::Sent { sent, total } if sent == total)));

        let mut o = opts(route);
        o.alt_text = Some("a looping gif".into());
        let u = c.upload(&g, o).await.unwrap();
        let m = sim_media(&s, &u.media_id);
        assert_eq!(m.state, "succeeded");
        assert_eq!(m.alt_text.as_deref(), Some("a looping gif"));
        let mut req = PostRequest::text(format!("gif via {}", route.as_str()));
        req.media_ids = vec![u.media_id.clone()];
        c.post(&req).await.unwrap();
    }
    s.shutdown().await;
}

#[tokio::test]
async fn auto_route_falls_back_on_every_refusal_shape() {
    let s = sim().await;
    let c = client(&s);
    let img = png("auto.png");
    let vid = video("auto.mp4", 200 * 1024);

    // v1.1 alive: auto stays on v1.1 and remembers it.
    let u = c.upload(&img, opts(UploadRoute::Auto)).await.unwrap();
    assert_eq!(u.route_used, UploadRoute::V1);
    assert!(u.fallback.is_none());
    assert_eq!(u.remember.unwrap().route, UploadRoute::V1);

    for mode in [
        V1Retired::Forbidden453,
        V1Retired::NotFound,
        V1Retired::Gone,
        V1Retired::Html403,
        V1Retired::RefuseAfterInit,
        // Last: the simulator closes the upload port in this mode.
        V1Retired::ConnRefused,
    ] {
        s.set_v1_retired(mode);
        for file in [&img, &vid] {
            let mut o = opts(UploadRoute::Auto);
            if file == &img {
                o.alt_text = Some("alt".into());
            }
            let u = c
                .upload(file, o)
                .await
                .unwrap_or_else(|e| panic!("{mode:?} {file:?}: {e}"));
            let expect_v1 = mode == V1Retired::RefuseAfterInit && file == &img;
            if expect_v1 {
                // The simple upload is not refused in this mode; only chunked calls after INIT.
                assert_eq!(u.route_used, UploadRoute::V1, "{mode:?}");
                continue;
            }
            assert_eq!(u.route_used, UploadRoute::V2, "{mode:?} {file:?}");
            let f = u.fallback.expect("fallback recorded");
            assert_eq!(f.route, UploadRoute::V2);
            assert!(!f.reason.is_empty());
            assert_eq!(u.remember.unwrap().route, UploadRoute::V2);
            let m = sim_media(&s, &u.media_id);
            assert_eq!(m.route, x_sim::media::UploadRoute::V2);
            if file == &img {
                assert_eq!(m.alt_text.as_deref(), Some("alt"));
            }
        }
        // Explicit v1 is refused with the route-retired kind (no fallback).
        if mode != V1Retired::RefuseAfterInit {
            let e = c.upload(&img, opts(UploadRoute::V1)).await.unwrap_err();
            let want = if mode == V1Retired::ConnRefused {
                ErrorKind::Network
            } else {
                ErrorKind::UploadRouteRetired
            };
            assert_eq!(e.kind(), want, "{mode:?}: {e}");
        }
    }

    // A fresh remembered v2 decision skips v1.1 entirely.
    s.set_v1_retired(V1Retired::Off);
    let mut o = opts(UploadRoute::Auto);
    o.remembered = Some(x_client::RouteDecision {
        route: UploadRoute::V2,
        reason: "test".into(),
        decided_at: x_client::error::now_secs(),
    });
    let before = s.requests().len();
    let u = c.upload(&img, o).await.unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    assert!(s.requests()[before..]
        .iter()
        .all(|r| !r.target.starts_with("/1.1/")));
    s.shutdown().await;
}

#[tokio::test]
async fn auto_route_per_upload_fallback_on_v1_server_errors() {
    let s = sim().await;
    let c = client(&s);
    s.set_faults(
        "POST /1.1/media/upload.json",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            ..Faults::default()
        },
    );
    let u = c
        .upload(&png("f.png"), opts(UploadRoute::Auto))
        .await
        .unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    assert!(u.fallback.is_some());
    assert!(u.remember.is_none(), "5xx is for this upload only");
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
    let c_ro = client_with(&s, creds_of(&ro), fast_config());
    assert_eq!(c_ro.me().await.unwrap().access_level, AccessLevel::Read);
    assert_eq!(post_kind(&c_ro, "ro").await, ErrorKind::ReadOnlyToken);

    // invalid-credentials: wrong secret.
    let mut bad = creds_of(&demo);
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
    let c_old = client_with(&s, creds_of(&other), fast_config());
    let e = c_old.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRevoked, "{e}");
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::TokenRevoked);
    let c = client_with(&s, creds_of(&fresh), fast_config());

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
        creds_of(&demo),
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

#[tokio::test]
async fn cancellation_stops_an_upload() {
    let s = sim().await;
    s.update_modes(|m| {
        m.processing_ms = 60_000;
        m.check_after_secs = 1;
    });
    let c = client(&s);
    let token = x_client::CancellationToken::new();
    let mut o = opts(UploadRoute::V2);
    o.cancel = Some(token.clone());
    let t2 = token.clone();
    o.progress = Some(Arc::new(move |p| {
        if matches!(p, Progress::Processing { .. }) {
            t2.cancel();
        }
    }));
    let e = c.upload(&video("c.mp4", 100 * 1024), o).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    s.shutdown().await;
}

/// Fault injection: many chunked uploads with 10 % 5xx and connection resets on every upload
/// endpoint, each followed by a post that also sees faults. All complete; no post is doubled.
#[tokio::test]
async fn fault_injection_many_chunked_uploads_no_double_posts() {
    let s = sim().await;
    let n: usize = std::env::var("XCLIENT_FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let faults = Faults {
        error_rate: 0.05,
        error_status: 503,
        reset_rate: 0.05,
        reset_after_commit: true,
        ..Faults::default()
    };
    s.set_faults("*", faults.clone());
    s.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 0.05,
            error_status: 503,
            error_after_commit: true,
            reset_rate: 0.05,
            reset_after_commit: true,
            ..Faults::default()
        },
    );
    let mut cfg = fast_config();
    cfg.chunk_size = 64 * 1024;
    cfg.retry.max_retries = 8;
    let c = client_with(&s, creds_of(&s.demo()), cfg);
    let file = video("fault.mp4", 200 * 1024 + 5);
    let mut posted = 0usize;
    let mut unknown = 0usize;
    let routes = [UploadRoute::V1, UploadRoute::V2, UploadRoute::Auto];
    let results = futures_util::future::join_all((0..n).map(|i| {
        let c = c.clone();
        let file = file.clone();
        async move {
            let u = c.upload(Path::new(&file), opts(routes[i % 3])).await;
            (i, u)
        }
    }))
    .await;
    for (i, u) in results {
        let u = u.unwrap_or_else(|e| panic!("upload {i}: {e}"));
        let mut req = PostRequest::text(format!("fault run {i}"));
        req.media_ids = vec![u.media_id];
        match c.post(&req).await {
            Ok(_) => posted += 1,
            Err(e) if e.kind() == ErrorKind::ServerError => unknown += 1,
            Err(e) => panic!("post {i}: {e}"),
        }
    }
    s.clear_faults();
    let posts = live_posts(&s);
    for i in 0..n {
        let text = format!("fault run {i}");
        let count = posts.iter().filter(|p| p.text == text).count();
        assert!(count <= 1, "{text} posted {count} times");
    }
    assert_eq!(posted + unknown, n);
    assert!(posts.len() >= posted);
    s.shutdown().await;
}

#[tokio::test]
async fn segment_too_large_restarts_with_smaller_chunks() {
    let s = sim().await;
    s.update_modes(|m| m.v2_chunk_cap = 1024 * 1024);
    let mut cfg = fast_config();
    cfg.chunk_size = 2 * 1024 * 1024;
    let c = client_with(&s, creds_of(&s.demo()), cfg);
    let u = c
        .upload(&video("big.mp4", 5 * 1024 * 1024), opts(UploadRoute::V2))
        .await
        .unwrap();
    let m = sim_media(&s, &u.media_id);
    assert_eq!(m.state, "succeeded");
    assert_eq!(m.segments, 5);
    s.shutdown().await;
}

#[tokio::test]
async fn auto_route_v1_rate_limit_and_timeout_fall_back_for_this_upload_only() {
    let s = sim().await;
    s.set_faults(
        "POST /1.1/media/upload.json",
        Faults {
            error_rate: 1.0,
            error_status: 429,
            ..Faults::default()
        },
    );
    let c = client(&s);
    let u = c
        .upload(&png("rl.png"), opts(UploadRoute::Auto))
        .await
        .unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    assert!(u.fallback.unwrap().reason.contains("rate"));
    assert!(u.remember.is_none());

    s.set_faults(
        "POST /1.1/media/upload.json",
        Faults {
            hang_rate: 1.0,
            ..Faults::default()
        },
    );
    let mut cfg = fast_config();
    cfg.read_timeout = Duration::from_millis(400);
    cfg.retry.max_retries = 1;
    let c = client_with(&s, creds_of(&s.demo()), cfg);
    let u = c
        .upload(&png("hang.png"), opts(UploadRoute::Auto))
        .await
        .unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    assert!(u.remember.is_none());
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
    let signed = x_client::sign::sign(&creds_of(&s.demo()), &input).unwrap();
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

#[tokio::test]
async fn pin_flow_then_invalidate() {
    let s = sim().await;
    let d = s.demo();
    let endpoints = Endpoints {
        api_base: s.api_base(),
        upload_base: s.upload_base(),
    };
    let flow =
        x_client::PinFlow::new(endpoints.clone(), &d.consumer_key, &d.consumer_secret).unwrap();
    let rt = flow.request_token().await.unwrap();
    assert!(rt.authorize_url.contains(&rt.token));
    let pin = s.approve_pin(&rt.token).unwrap();
    let grant = flow.access_token(&rt, &pin).await.unwrap();
    assert_eq!(grant.screen_name.as_deref(), Some(d.username.as_str()));
    let c = client_with(&s, grant.credentials.clone(), fast_config());
    assert_eq!(c.me().await.unwrap().username, d.username);
    // A wrong PIN is refused.
    let rt2 = flow.request_token().await.unwrap();
    assert!(flow.access_token(&rt2, "0000000").await.is_err());
    // Disconnect: the token is revoked.
    c.invalidate_token().await.unwrap();
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::TokenRevoked);
    s.shutdown().await;
}

/// APPEND concurrency is bounded: with 8 segments, 2 in flight and 100 ms per APPEND, the
/// upload cannot take less than 4 × 100 ms; with 8 in flight it takes less than sequential.
#[tokio::test]
async fn append_concurrency_is_bounded() {
    let s = sim().await;
    s.set_faults(
        "POST /2/media/upload/:id/append",
        Faults {
            latency_ms: 100,
            ..Faults::default()
        },
    );
    let file = video("conc.mp4", 8 * 64 * 1024);
    let mut elapsed = Vec::new();
    for conc in [2usize, 8] {
        let mut cfg = fast_config();
        cfg.append_concurrency = conc;
        let c = client_with(&s, creds_of(&s.demo()), cfg);
        let t = std::time::Instant::now();
        let u = c.upload(&file, opts(UploadRoute::V2)).await.unwrap();
        elapsed.push(t.elapsed());
        assert_eq!(sim_media(&s, &u.media_id).segments, 8);
    }
    assert!(elapsed[0] >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed[1] < Duration::from_millis(800), "{elapsed:?}");
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

/// v1.1 answers 401 (here: an upload host that does not know the keys) → v2 is tried once;
/// it works, so v1.1 counts as refused and v2 is remembered.
#[tokio::test]
async fn auto_route_v1_unauthorized_tries_v2_once() {
    let s = sim().await;
    let stranger = sim().await;
    // The stranger revokes the demo token: our keys get 401 (code 89) there.
    stranger.regenerate_tokens("demo").unwrap();
    let c = XClient::with_config(
        Endpoints {
            api_base: s.api_base(),
            upload_base: stranger.upload_base(),
        },
        creds_of(&s.demo()),
        fast_config(),
    )
    .unwrap();
    let u = c
        .upload(&png("401.png"), opts(UploadRoute::Auto))
        .await
        .unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    let r = u.remember.unwrap();
    assert_eq!(r.route, UploadRoute::V2);
    assert!(r.reason.contains("credentials"), "{}", r.reason);

    // Both refuse: the v1.1 auth error comes back, nothing is remembered.
    let c = XClient::with_config(
        Endpoints {
            api_base: stranger.api_base(),
            upload_base: stranger.upload_base(),
        },
        creds_of(&s.demo()),
        fast_config(),
    )
    .unwrap();
    let e = c
        .upload(&png("401b.png"), opts(UploadRoute::Auto))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::InvalidCredentials | ErrorKind::TokenRevoked
        ),
        "{e}"
    );
    s.shutdown().await;
    stranger.shutdown().await;
}
