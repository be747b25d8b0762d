//! The Auto upload route against the simulator: v1.1 kept while it works, v2 on every
//! refusal shape (remembered), per-upload fallback on 5xx, 429 and timeouts, 401 tried on v2 once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use x_client::{Endpoints, ErrorKind, UploadRoute, XClient};
use x_sim::{Faults, V1Retired};

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
    let c = client_with(&s, credentials(&s.demo()), cfg);
    let u = c
        .upload(&png("hang.png"), opts(UploadRoute::Auto))
        .await
        .unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    assert!(u.remember.is_none());
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
        credentials(&s.demo()),
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
        credentials(&s.demo()),
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
