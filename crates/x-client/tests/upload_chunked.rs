//! Chunked uploads against the simulator: video and GIF on both routes with STATUS polling
//! and progress, a too-large segment restarted with smaller chunks, bounded APPEND concurrency.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use x_client::{PostRequest, Progress, UploadRoute};
use x_sim::Faults;

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
async fn segment_too_large_restarts_with_smaller_chunks() {
    let s = sim().await;
    s.update_modes(|m| m.v2_chunk_cap = 1024 * 1024);
    let mut cfg = fast_config();
    cfg.chunk_size = 2 * 1024 * 1024;
    let c = client_with(&s, credentials(&s.demo()), cfg);
    let u = c
        .upload(&video("big.mp4", 5 * 1024 * 1024), opts(UploadRoute::V2))
        .await
        .unwrap();
    let m = sim_media(&s, &u.media_id);
    assert_eq!(m.state, "succeeded");
    assert_eq!(m.segments, 5);
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
        let c = client_with(&s, credentials(&s.demo()), cfg);
        let t = std::time::Instant::now();
        let u = c.upload(&file, opts(UploadRoute::V2)).await.unwrap();
        elapsed.push(t.elapsed());
        assert_eq!(sim_media(&s, &u.media_id).segments, 8);
    }
    assert!(elapsed[0] >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed[1] < Duration::from_millis(800), "{elapsed:?}");
    s.shutdown().await;
}
