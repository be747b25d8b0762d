#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The account's video length limit (docs/protocol.md §15): a video longer than the account
//! may post is refused at `POST /2/tweets` with X's 403 naming the minutes; shorter ones post.

mod common;

use common::*;
use serde_json::json;

/// An MP4 whose `moov/mvhd` (in the first bytes) says `secs` seconds.
fn mp4_secs(secs: u32) -> Vec<u8> {
    let mut v = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    let mut mvhd = vec![0u8; 12];
    mvhd.extend(1000u32.to_be_bytes());
    mvhd.extend((secs * 1000).to_be_bytes());
    mvhd.extend([0u8; 80]);
    let mvhd = [
        ((mvhd.len() + 8) as u32).to_be_bytes().to_vec(),
        b"mvhd".to_vec(),
        mvhd,
    ]
    .concat();
    v.extend(((mvhd.len() + 8) as u32).to_be_bytes());
    v.extend(b"moov");
    v.extend(mvhd);
    v.resize(4096, 0);
    v
}

async fn video(s: &Signer, api: &str, secs: u32) -> String {
    let bytes = mp4_secs(secs);
    let (st, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"video/mp4","total_bytes":bytes.len(),"media_category":"tweet_video"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("segment_index", "0")
        .part("media", reqwest::multipart::Part::bytes(bytes));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), form)
        .await;
    assert_eq!(
        s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
            .await
            .status(),
        200
    );
    id
}

#[tokio::test]
async fn a_video_over_the_accounts_limit_is_refused_with_its_minutes() {
    let sim = sim().await;
    assert!(sim.update_account("demo", |a| a.video_max_minutes = Some(1)));
    let s = Signer::new(&sim.demo());
    let api = sim.api_base();
    let long = video(&s, &api, 90).await;
    let short = video(&s, &api, 45).await;
    sim.advance_clock(2);
    let url = format!("{api}/2/tweets");
    let (st, v) = json(
        s.post_json(&url, &json!({"text":"long","media":{"media_ids":[long]}}))
            .await,
    )
    .await;
    assert_eq!(st, 403, "{v}");
    assert_eq!(
        v,
        json!({"title":"Forbidden","detail":"This user is not allowed to post a video longer than 1 minutes.","type":"about:blank"})
    );
    let (st, _) = json(
        s.post_json(&url, &json!({"text":"short","media":{"media_ids":[short]}}))
            .await,
    )
    .await;
    assert_eq!(st, 201);
    // Without an override, X's documented 20 minutes apply: 90 s posts.
    assert!(sim.update_account("demo", |a| a.video_max_minutes = None));
    let (st, _) = json(
        s.post_json(
            &url,
            &json!({"text":"long again","media":{"media_ids":[long]}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
}
