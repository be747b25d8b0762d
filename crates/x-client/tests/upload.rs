//! Uploads by each explicit route against the simulator: an image by v1.1 and v2 with alt
//! text, then posted; cancelling an upload while it is processed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use x_client::{ErrorKind, PostRequest, Progress, UploadRoute};

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
