//! Fault injection against the simulator: many chunked uploads under 5xx and resets on every
//! endpoint, each followed by a post; all complete and no post is doubled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use x_client::{ErrorKind, PostRequest, UploadRoute};
use x_sim::Faults;

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
    let c = client_with(&s, credentials(&s.demo()), cfg);
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
