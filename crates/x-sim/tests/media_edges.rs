#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Media validation edge cases on both upload routes: categories, sizes, ownership, expiry,
//! processing, mixing and alt text.

mod common;

use std::time::Duration;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;

#[tokio::test]
async fn media_validation_edges() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let api = sim.api_base();
    let one_shot = |c: Vec<u8>, cat: &str| {
        Form::new()
            .text("media_category", cat.to_string())
            .part("media", Part::bytes(c))
    };
    let mut imgs = vec![];
    for _ in 0..5 {
        let (st, v) = json(
            s.post_multipart(
                &format!("{api}/2/media/upload"),
                one_shot(png(3, 3, 200), "tweet_image"),
            )
            .await,
        )
        .await;
        assert_eq!(st, 200);
        imgs.push(v["data"]["id"].as_str().unwrap().to_string());
    }
    let url = format!("{api}/2/tweets");
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"four","media":{"media_ids":imgs[..4]}})
        )
        .await
        .status(),
        201
    );
    let (st, v) = json(
        s.post_json(&url, &json!({"text":"five","media":{"media_ids":imgs}}))
            .await,
    )
    .await;
    assert_eq!(
        (st, v["errors"][0]["message"].as_str()),
        (400, Some("Your media IDs are invalid."))
    );
    // someone else's media
    let (st, _) = json(
        other
            .post_json(
                &url,
                &json!({"text":"theft","media":{"media_ids":[imgs[0]]}}),
            )
            .await,
    )
    .await;
    assert_eq!(st, 400);
    // unknown id, malformed id
    assert_eq!(
        s.post_json(&url, &json!({"text":"x","media":{"media_ids":["1"]}}))
            .await
            .status(),
        400
    );
    assert_eq!(
        s.post_json(&url, &json!({"text":"x","media":{"media_ids":["abc"]}}))
            .await
            .status(),
        400
    );
    // poll + media exclusive
    assert_eq!(s.post_json(&url, &json!({"text":"p","media":{"media_ids":[imgs[4]]},"poll":{"options":["a","b"],"duration_minutes":60}})).await.status(), 400);
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"poll","poll":{"options":["a","b"],"duration_minutes":60}})
        )
        .await
        .status(),
        201
    );
    // gif (tweet_gif) + image mixing
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/gif","total_bytes":1000,"media_category":"tweet_gif"}),
        )
        .await,
    )
    .await;
    let gid = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(gif(1000)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload/{gid}/append"), f)
            .await
            .status(),
        200
    );
    let (st, v) = json(
        s.post_empty(&format!("{api}/2/media/upload/{gid}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        s.post_json(
            &url,
            &json!({"text":"mixed","media":{"media_ids":[gid, imgs[4]]}})
        )
        .await
        .status(),
        400
    );
    assert_eq!(
        s.post_json(&url, &json!({"text":"gif","media":{"media_ids":[gid]}}))
            .await
            .status(),
        201
    );
    // total_bytes mismatch at FINALIZE
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/png","total_bytes":500,"media_category":"tweet_image"}),
        )
        .await,
    )
    .await;
    let pid = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(png(1, 1, 300)));
    s.post_multipart(&format!("{api}/2/media/upload/{pid}/append"), f)
        .await;
    let (st, v) = json(
        s.post_empty(&format!("{api}/2/media/upload/{pid}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(
        v["errors"][0]["message"],
        "Segments do not add up to provided total file size."
    );
    // too big image at INIT
    let (st, _) = json(s.post_json(&format!("{api}/2/media/upload/initialize"), &json!({"media_type":"image/png","total_bytes":6_000_000,"media_category":"tweet_image"})).await).await;
    assert_eq!(st, 400);
    // unknown INIT key
    let (st, _) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/png","total_bytes":6,"bogus":1}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 400);
    // segment_index 1-based switch
    sim.update_modes(|m| m.segment_index_base = 1);
    let (_, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"image/png","total_bytes":300,"media_category":"tweet_image"}),
        )
        .await,
    )
    .await;
    let qid = v["data"]["id"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(png(1, 1, 300)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload/{qid}/append"), f)
            .await
            .status(),
        400
    );
    let f = Form::new()
        .text("segment_index", "1")
        .part("media", Part::bytes(png(1, 1, 300)));
    assert_eq!(
        s.post_multipart(&format!("{api}/2/media/upload/{qid}/append"), f)
            .await
            .status(),
        200
    );
    assert_eq!(
        s.post_empty(&format!("{api}/2/media/upload/{qid}/finalize"))
            .await
            .status(),
        200
    );
    // alt text limit switch
    sim.update_modes(|m| m.alt_text_limit = 420);
    let (st, _) = json(
        s.post_json(
            &format!("{api}/2/media/metadata/create"),
            &json!({"id": qid, "metadata":{"alt_text":{"text":"x".repeat(421)}}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 400);
    let (st, _) = json(
        s.post_json(
            &format!("{api}/2/media/metadata/create"),
            &json!({"id": qid, "metadata":{"alt_text":{"text":"x".repeat(420)}}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    // expiry via the virtual clock
    sim.update_modes(|m| m.media_expiry_secs = Some(60));
    let (_, v) = json(
        s.post_multipart(
            &format!("{api}/2/media/upload"),
            one_shot(png(3, 3, 200), "tweet_image"),
        )
        .await,
    )
    .await;
    let eid = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["expires_after_secs"], 60);
    sim.advance_clock(61);
    let s2 = Signer::new(&sim.demo());
    assert_eq!(
        s2.post_json(&url, &json!({"text":"expired","media":{"media_ids":[eid]}}))
            .await
            .status(),
        400
    );
    // v1.1 APPEND over 5 MB → 400 B16
    let up = format!("{}/1.1/media/upload.json", sim.upload_base());
    let (_, v) = json(
        s2.post_form(
            &up,
            &[
                ("command", "INIT"),
                ("total_bytes", "7000000"),
                ("media_type", "video/mp4"),
                ("media_category", "tweet_video"),
            ],
        )
        .await,
    )
    .await;
    let vid = v["media_id_string"].as_str().unwrap().to_string();
    let f = Form::new()
        .text("command", "APPEND")
        .text("media_id", vid)
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(6 << 20)));
    let (st, v) = json(s2.post_multipart(&up, f).await).await;
    assert_eq!(st, 400);
    assert_eq!(v["request"], "/1.1/media/upload.json");
    sim.shutdown().await;
}
