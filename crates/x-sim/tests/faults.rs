#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Fault injection: 5xx before and after commit, latency, hang, reset, media processing
//! faults, bandwidth, and the seeded RNG's determinism.

mod common;

use std::time::Duration;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use x_sim::Faults;

#[tokio::test]
async fn faults_503_with_and_without_create_latency_hang_reset() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            ..Default::default()
        },
    );
    let (st, v) = json(s.post_json(&url, &json!({"text":"lost"})).await).await;
    assert_eq!(
        (st, v["title"].as_str()),
        (503, Some("Service Unavailable"))
    );
    assert!(sim.posts().is_empty());
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: true,
            ..Default::default()
        },
    );
    let (st, _) = json(s.post_json(&url, &json!({"text":"created anyway"})).await).await;
    assert_eq!(st, 503);
    assert_eq!(sim.posts().len(), 1);
    sim.clear_faults();
    // the re-send is a duplicate: proof the first try went through (§6.5)
    assert_eq!(
        s.post_json(&url, &json!({"text":"created anyway"}))
            .await
            .status(),
        403
    );

    // latency
    sim.set_faults(
        "GET /2/users/me",
        Faults {
            latency_ms: 200,
            ..Default::default()
        },
    );
    let t = std::time::Instant::now();
    assert_eq!(
        s.get(&format!("{}/2/users/me", sim.api_base()))
            .await
            .status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    // hang
    sim.set_faults(
        "GET /2/users/me",
        Faults {
            hang_rate: 1.0,
            ..Default::default()
        },
    );
    let h = s.header("GET", &format!("{}/2/users/me", sim.api_base()), &[], &[]);
    let r = s
        .http
        .get(format!("{}/2/users/me", sim.api_base()))
        .header("authorization", h)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(r.unwrap_err().is_timeout());
    // reset after commit: the post exists but the client sees a broken connection
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            reset_rate: 1.0,
            reset_after_commit: true,
            ..Default::default()
        },
    );
    let h = s.header("POST", &url, &[], &[]);
    let r = s
        .http
        .post(&url)
        .header("authorization", h)
        .json(&json!({"text":"reset"}))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(sim.posts().len(), 2);
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            reset_rate: 1.0,
            ..Default::default()
        },
    );
    let h = s.header("POST", &url, &[], &[]);
    let r = s
        .http
        .post(&url)
        .header("authorization", h)
        .json(&json!({"text":"reset before"}))
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(sim.posts().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_on_media_processing_and_bandwidth() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let api = sim.api_base();
    sim.set_faults(
        "POST /2/media/upload/:id/finalize",
        Faults {
            force_invalid_media: true,
            ..Default::default()
        },
    );
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":1000,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(1000)));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), f)
        .await;
    let (st, _) = json(
        s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 200);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v) = json(
        s.get(&format!(
            "{api}/2/media/upload?command=STATUS&media_id={id}"
        ))
        .await,
    )
    .await;
    assert_eq!(v["data"]["processing_info"]["state"], "failed");
    assert_eq!(
        v["data"]["processing_info"]["error"],
        json!({"code":1,"name":"InvalidMedia","message":"file is invalid"})
    );
    // a non-video declared as video fails processing with "Unsupported video format"
    sim.clear_faults();
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":100,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(vec![0u8; 100]));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), f)
        .await;
    s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
        .await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v) = json(
        s.get(&format!(
            "{api}/2/media/upload?command=STATUS&media_id={id}"
        ))
        .await,
    )
    .await;
    assert_eq!(
        v["data"]["processing_info"]["error"]["message"],
        "Unsupported video format"
    );
    // slow processing: 10x → still in progress after the normal time
    sim.set_faults(
        "POST /2/media/upload/:id/finalize",
        Faults {
            processing_factor: 10.0,
            ..Default::default()
        },
    );
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":1000,"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(1000)));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), f)
        .await;
    s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
        .await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, v) = json(
        s.get(&format!(
            "{api}/2/media/upload?command=STATUS&media_id={id}"
        ))
        .await,
    )
    .await;
    let state = v["data"]["processing_info"]["state"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(state == "in_progress" || state == "pending", "{state}");
    assert!(v["data"]["processing_info"]["check_after_secs"].is_u64());
    // bandwidth cap: 200 KB at 1 MB/s takes ≥ 150 ms
    sim.set_faults(
        "POST /2/media/upload",
        Faults {
            bandwidth_bytes_per_sec: 1_000_000,
            ..Default::default()
        },
    );
    let t = std::time::Instant::now();
    let f = Form::new()
        .text("media_category", "tweet_image")
        .part("media", Part::bytes(png(3, 3, 200_000)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload"), f)
            .await
            .status(),
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
    sim.shutdown().await;
}

#[tokio::test]
async fn seeded_rng_is_deterministic() {
    // Same seed, same request sequence → same fault outcomes.
    let mut outcomes = vec![];
    for _ in 0..2 {
        let sim = sim().await;
        sim.set_faults(
            "GET /2/users/me",
            Faults {
                error_rate: 0.5,
                error_status: 500,
                ..Default::default()
            },
        );
        let s = Signer::new(&sim.demo());
        let mut o = vec![];
        for _ in 0..12 {
            o.push(
                s.get(&format!("{}/2/users/me", sim.api_base()))
                    .await
                    .status()
                    .as_u16(),
            );
        }
        assert!(o.contains(&500) && o.contains(&200));
        outcomes.push(o);
        sim.shutdown().await;
    }
    assert_eq!(outcomes[0], outcomes[1]);
}
