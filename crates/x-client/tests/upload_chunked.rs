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
        // 64 KiB segments after a first one of half that (so parallel ones do not finish in
        // lockstep): 32 + 4 × 64 + the last 12 KiB and 17 bytes.
        assert_eq!(m.segments, 6);
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
    // 2 MiB got 431; restarted with 1 MiB: a first half-size segment, 4 of 1 MiB, the rest.
    assert_eq!(m.segments, 6);
    s.shutdown().await;
}

/// APPEND concurrency is bounded: with 9 segments, 2 in flight and 100 ms per APPEND, the
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
        // 8 × 64 KiB as a first half-size segment, 7 full ones and the last half.
        assert_eq!(sim_media(&s, &u.media_id).segments, 9);
    }
    assert!(elapsed[0] >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed[1] < Duration::from_millis(800), "{elapsed:?}");
    s.shutdown().await;
}

/// APPEND requests of `route` in the simulator's log (v1.1: every upload POST but INIT and
/// FINALIZE, which the caller subtracts).
fn upload_posts(s: &x_sim::SimHandle, route: UploadRoute) -> usize {
    let key = match route {
        UploadRoute::V1 => "POST /1.1/media/upload.json",
        _ => "POST /2/media/upload/:id/append",
    };
    s.requests().iter().filter(|r| r.endpoint == key).count()
}

/// Uploads `v` on `route` and stops it (like a quit or a crash) once X acknowledged `after`
/// segments; the last checkpoint it handed out.
async fn interrupted(
    c: &x_client::XClient,
    v: &std::path::Path,
    route: UploadRoute,
    after: usize,
) -> x_client::UploadCheckpoint {
    use x_client::{CancellationToken, UploadCheckpoint};
    let saved: Arc<Mutex<Option<UploadCheckpoint>>> = Arc::default();
    let cancel = CancellationToken::new();
    let mut o = opts(route);
    let (keep, stop) = (saved.clone(), cancel.clone());
    o.on_checkpoint = Some(Arc::new(move |cp: &UploadCheckpoint| {
        *keep.lock().unwrap() = Some(cp.clone());
        if cp.acked.len() >= after {
            stop.cancel();
        }
    }));
    o.cancel = Some(cancel);
    let err = c.upload(v, o).await.unwrap_err();
    assert!(matches!(err, x_client::ClientError::Cancelled), "{err}");
    let cp = saved.lock().unwrap().clone().expect("a checkpoint");
    cp
}

#[tokio::test]
async fn an_interrupted_upload_continues_with_the_same_media_id_sending_only_what_x_lacks() {
    let s = sim().await;
    let c = client(&s); // 64 KiB segments, 4 in flight
    let segments = 40u64;
    let size = segments * 64 * 1024 + 5;
    let v = video("resume.mp4", size as usize);
    for route in [UploadRoute::V1, UploadRoute::V2] {
        // First try: stopped (like a quit or a crash) once X acknowledged 12 segments.
        let cp = interrupted(&c, &v, route, 12).await;
        assert!(cp.acked.len() >= 12 && cp.acked.len() < segments as usize);
        assert_eq!(cp.route, route);
        let before = upload_posts(&s, route);

        // Second try with the checkpoint: same media id, only the rest goes out.
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let mut o = opts(route);
        o.resume = Some(cp.clone());
        o.progress = Some(Arc::new(move |p: Progress| ev.lock().unwrap().push(p)));
        let u = c.upload(&v, o).await.unwrap();
        assert_eq!(u.media_id, cp.media_id, "{route:?}: the same media id");
        let sent_again = upload_posts(&s, route) - before - usize::from(route == UploadRoute::V1);
        let missing = segments as usize + 1 - cp.acked.len();
        assert!(
            sent_again >= missing && sent_again <= missing + 4,
            "{route:?}: {sent_again} APPENDs for {missing} missing segments (+ at most the 4 in flight)"
        );
        let ev = events.lock().unwrap().clone();
        assert!(
            ev.iter()
                .any(|e| matches!(e, Progress::Continuing { sent, total }
                if *sent == cp.acked_bytes() && *total == size)),
            "{ev:?}"
        );
        let m = sim_media(&s, &u.media_id);
        assert_eq!((m.state.as_str(), m.received_bytes), ("succeeded", size));
        let original = x_sim::media::crc32(&std::fs::read(&v).unwrap());
        assert_eq!(m.crc32, original, "{route:?}: X assembled the file intact");
        let mut req = PostRequest::text(format!("resumed via {}", route.as_str()));
        req.media_ids = vec![u.media_id];
        c.post(&req).await.unwrap();

        // A checkpoint of another file (different size) is ignored: a fresh upload.
        let other = video("other.mp4", 3 * 64 * 1024);
        let mut o = opts(route);
        o.resume = Some(cp.clone());
        let u = c.upload(&other, o).await.unwrap();
        assert_ne!(u.media_id, cp.media_id);
    }
    s.shutdown().await;
}

/// A checkpoint whose media id X no longer has (expired, removed): on either route the upload
/// starts again from byte 0 under a new media id, says why, and the file arrives whole.
#[tokio::test]
async fn an_interrupted_upload_x_has_forgotten_starts_again_under_a_new_media_id() {
    let s = sim().await;
    let c = client(&s);
    let size = 20 * 64 * 1024 + 7;
    let v = video("forgotten.mp4", size);
    for route in [UploadRoute::V1, UploadRoute::V2] {
        let mut cp = interrupted(&c, &v, route, 5).await;
        assert!(!cp.acked.is_empty());

        // Another refusal (403 here; also 401, 429) ends the try and starts nothing again:
        // the checkpoint stays good for a later try.
        let key = match route {
            UploadRoute::V1 => "POST /1.1/media/upload.json",
            _ => "POST /2/media/upload/:id/append",
        };
        let refused = Faults {
            error_rate: 1.0,
            error_status: 403,
            ..Faults::default()
        };
        s.set_faults(key, refused);
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let mut o = opts(route);
        o.resume = Some(cp.clone());
        o.progress = Some(Arc::new(move |p: Progress| ev.lock().unwrap().push(p)));
        let err = c.upload(&v, o).await.unwrap_err();
        s.set_faults(key, Faults::default());
        assert!(err.keeps_upload_checkpoint(), "{route:?}: {err}");
        let ev = events.lock().unwrap().clone();
        assert!(
            !ev.iter().any(|e| matches!(e, Progress::Fallback { .. })),
            "{route:?}: {ev:?}"
        );

        // X forgot it: a media id it never gave.
        cp.media_id = "1999999999999999999".into();
        let events = Arc::new(Mutex::new(Vec::new()));
        let ev = events.clone();
        let mut o = opts(route);
        o.resume = Some(cp.clone());
        o.progress = Some(Arc::new(move |p: Progress| ev.lock().unwrap().push(p)));
        let u = c.upload(&v, o).await.unwrap();
        assert_ne!(u.media_id, cp.media_id, "{route:?}");
        let ev = events.lock().unwrap().clone();
        assert!(
            ev.iter().any(|e| matches!(e, Progress::Fallback { reason }
                if reason.contains("no longer has the interrupted upload"))),
            "{route:?}: {ev:?}"
        );
        let m = sim_media(&s, &u.media_id);
        assert_eq!(
            (m.state.as_str(), m.received_bytes),
            ("succeeded", size as u64)
        );
        let original = x_sim::media::crc32(&std::fs::read(&v).unwrap());
        assert_eq!(m.crc32, original, "{route:?}: the whole file, intact");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn a_network_outage_pauses_the_upload_which_goes_on_by_itself_with_the_same_media_id() {
    let s = sim().await;
    // Slow enough that the outage lands mid-upload.
    s.set_faults(
        "POST /2/media/upload/:id/append",
        Faults {
            latency_ms: 15,
            ..Faults::default()
        },
    );
    let c = client(&s);
    let segments = 48u64;
    let size = segments * 64 * 1024;
    let v = video("outage.mp4", size as usize);
    let events = Arc::new(Mutex::new(Vec::new()));
    let (ev, sim2) = (events.clone(), s.clone());
    let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut o = opts(UploadRoute::V2);
    o.progress = Some(Arc::new(move |p: Progress| {
        if let Progress::Sent { sent, total } = &p {
            if *sent * 3 >= *total && !cut.swap(true, std::sync::atomic::Ordering::SeqCst) {
                // A third is up: the network goes away for 3 s.
                sim2.set_network_down(true);
                let sim3 = sim2.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    sim3.set_network_down(false);
                });
            }
        }
        ev.lock().unwrap().push(p);
    }));
    let started = std::time::Instant::now();
    let u = c.upload(&v, o).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "it waited for the network"
    );
    let ev = events.lock().unwrap().clone();
    let paused = ev.iter().position(|e| matches!(e, Progress::Paused { .. }));
    let unpaused = ev.iter().position(|e| matches!(e, Progress::Unpaused));
    assert!(
        matches!((paused, unpaused), (Some(p), Some(u)) if p < u),
        "paused, then going on: {ev:?}"
    );
    assert!(!ev.iter().any(|e| matches!(e, Progress::Fallback { .. })));
    let inits = s
        .requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/media/upload/initialize")
        .count();
    assert_eq!(inits, 1, "never started again");
    // Sent again: at most the 4 segments in flight when the network went (each request
    // that reached the simulator while it was down was reset and is not in its log).
    let appends = s
        .requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/media/upload/:id/append" && r.status == 200)
        .count();
    assert!(
        appends <= segments as usize + 4,
        "{appends} acknowledged APPENDs for {segments} segments"
    );
    let m = sim_media(&s, &u.media_id);
    assert_eq!((m.state.as_str(), m.received_bytes), ("succeeded", size));
    assert_eq!(m.crc32, x_sim::media::crc32(&std::fs::read(&v).unwrap()));
    s.shutdown().await;
}
