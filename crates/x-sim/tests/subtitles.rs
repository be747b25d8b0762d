#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Subtitles on v2 (docs/protocol.md §8): an SRT/VTT file uploaded with category `subtitles`,
//! associated with a processed video by `POST /2/media/subtitles`, removed by `DELETE`; every
//! refusal with X's status and problem body; the association visible in `GET /_sim/media`.

mod common;

use common::*;
use serde_json::{json, Value};

const VTT: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n";
const SRT: &[u8] = b"1\n00:00:00,000 --> 00:00:02,000\nHello\n";

/// Chunked v2 upload of `bytes` as `media_type`/`category`; the media id.
async fn upload(s: &Signer, api: &str, bytes: &[u8], media_type: &str, category: &str) -> String {
    let (st, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type": media_type, "total_bytes": bytes.len(), "media_category": category}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_string();
    let form = reqwest::multipart::Form::new()
        .text("segment_index", "0")
        .part("media", reqwest::multipart::Part::bytes(bytes.to_vec()));
    let st = s
        .post_multipart(&format!("{api}/2/media/upload/{id}/append"), form)
        .await
        .status();
    assert_eq!(st, 200);
    let (st, v) = json(
        s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    id
}

fn body(video: &str, sub: &str, lang: &str, name: &str) -> Value {
    json!({"id": video, "media_category": "tweet_video",
           "subtitles": {"id": sub, "language_code": lang, "display_name": name}})
}

fn info(sim: &x_sim::SimHandle, id: &str) -> x_sim::MediaInfo {
    sim.media().into_iter().find(|m| m.id == id).unwrap()
}

#[tokio::test]
async fn subtitles_are_uploaded_associated_and_removed() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let api = sim.api_base();
    let url = format!("{api}/2/media/subtitles");
    let video = upload(&s, &api, &mp4(4096), "video/mp4", "tweet_video").await;
    let vtt = upload(&s, &api, VTT, "text/vtt", "subtitles").await;
    let srt = upload(&s, &api, SRT, "text/srt", "subtitles").await;
    assert_eq!(
        info(&sim, &vtt).kind,
        Some(x_sim::media::MediaKind::Subtitles)
    );
    assert_eq!(
        info(&sim, &srt).kind,
        Some(x_sim::media::MediaKind::Subtitles)
    );

    // The video is still processing: refused with 400, nothing recorded.
    let (st, v) = json(
        s.post_json(&url, &body(&video, &vtt, "en", "English"))
            .await,
    )
    .await;
    assert_eq!(st, 400, "{v}");
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("processing"));
    sim.advance_clock(2);

    let (st, v) = json(
        s.post_json(&url, &body(&video, &vtt, "en", "English"))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["id"], video.as_str());
    assert_eq!(v["data"]["media_category"], "tweet_video");
    assert_eq!(
        v["data"]["associated_subtitles"],
        json!([{"media_id": vtt, "language_code": "EN", "display_name": "English"}])
    );
    // `media_id` (older write-ups) is accepted too; a second language adds a track, the same
    // language again replaces its track.
    let (st, _) = json(
        s.post_json(
            &url,
            &json!({"id": video, "media_category": "TweetVideo",
                    "subtitles": {"media_id": srt, "language_code": "pt-BR", "display_name": "Português"}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = json(
        s.post_json(&url, &body(&video, &srt, "EN", "English (CC)"))
            .await,
    )
    .await;
    assert_eq!(st, 200);
    let tracks = info(&sim, &video).subtitles;
    assert_eq!(tracks.len(), 2);
    assert!(tracks
        .iter()
        .any(|t| t.language_code == "EN" && t.media_id == srt && t.display_name == "English (CC)"));
    // GET /_sim/media shows them too.
    let all: Value = reqwest::get(format!("{api}/_sim/media"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = all
        .as_array()
        .or_else(|| all["media"].as_array())
        .unwrap()
        .iter()
        .find(|m| m["id"] == video.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["subtitles"].as_array().unwrap().len(), 2);

    // A post with the video works; the subtitle media cannot be posted on its own.
    let post = format!("{api}/2/tweets");
    assert_eq!(
        s.post_json(&post, &json!({"text":"v","media":{"media_ids":[video]}}))
            .await
            .status(),
        201
    );
    assert_eq!(
        s.post_json(&post, &json!({"text":"s","media":{"media_ids":[vtt]}}))
            .await
            .status(),
        400
    );

    // DELETE removes one language; a second DELETE of it is a 404.
    let del = json!({"id": video, "media_category": "tweet_video", "language_code": "pt-br"});
    assert_eq!(s.delete_json(&url, &del).await.status(), 200);
    let (st, v) = json(s.delete_json(&url, &del).await).await;
    assert_eq!(st, 404, "{v}");
    assert_eq!(info(&sim, &video).subtitles.len(), 1);
}

#[tokio::test]
async fn subtitle_refusals_are_strict() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let reader = Signer::new(&sim.issue_token("demo", x_sim::AccessLevel::Read).unwrap());
    let api = sim.api_base();
    let url = format!("{api}/2/media/subtitles");
    let video = upload(&s, &api, &mp4(4096), "video/mp4", "tweet_video").await;
    let vtt = upload(&s, &api, VTT, "text/vtt", "subtitles").await;
    let image = upload(&s, &api, &png(4, 4, 100), "image/png", "tweet_image").await;
    let foreign_vtt = upload(&other, &api, VTT, "text/vtt", "subtitles").await;
    sim.advance_clock(2);

    let status = |r: (u16, Value)| r.0;
    // Unknown video, someone else's subtitles, unknown subtitles: 404 resource-not-found.
    let (st, v) = json(s.post_json(&url, &body("999", &vtt, "en", "English")).await).await;
    assert_eq!(st, 404);
    assert!(v["type"].as_str().unwrap().ends_with("resource-not-found"));
    assert_eq!(
        status(
            json(
                s.post_json(&url, &body(&video, &foreign_vtt, "en", "English"))
                    .await
            )
            .await
        ),
        404
    );
    assert_eq!(
        status(
            json(
                s.post_json(&url, &body(&video, "123", "en", "English"))
                    .await
            )
            .await
        ),
        404
    );
    // Someone else cannot attach to my video.
    assert_eq!(
        status(
            json(
                other
                    .post_json(&url, &body(&video, &foreign_vtt, "en", "E"))
                    .await
            )
            .await
        ),
        404
    );
    // The "video" is an image; the "subtitles" are an image.
    let (st, v) = json(
        s.post_json(&url, &body(&image, &vtt, "en", "English"))
            .await,
    )
    .await;
    assert_eq!(st, 400);
    assert!(v["type"].as_str().unwrap().ends_with("invalid-request"));
    assert_eq!(
        status(
            json(
                s.post_json(&url, &body(&video, &image, "en", "English"))
                    .await
            )
            .await
        ),
        400
    );
    // Language code and display name.
    for lang in ["", "english", "e", "en_US"] {
        assert_eq!(
            status(
                json(
                    s.post_json(&url, &body(&video, &vtt, lang, "English"))
                        .await
                )
                .await
            ),
            400,
            "{lang}"
        );
    }
    for name in ["", "   ", &"x".repeat(65)] {
        assert_eq!(
            status(json(s.post_json(&url, &body(&video, &vtt, "en", name)).await).await),
            400
        );
    }
    // Category of the video, missing subtitles object, not JSON.
    let mut b = body(&video, &vtt, "en", "English");
    b["media_category"] = json!("tweet_image");
    assert_eq!(status(json(s.post_json(&url, &b).await).await), 400);
    assert_eq!(
        status(
            json(
                s.post_json(&url, &json!({"id": video, "media_category": "tweet_video"}))
                    .await
            )
            .await
        ),
        400
    );
    // A read-only token is refused like on the other v2 media routes.
    assert_eq!(
        reader
            .post_json(&url, &body(&video, &vtt, "en", "English"))
            .await
            .status(),
        403
    );
    // An upload with category subtitles that is neither SRT nor VTT is refused at FINALIZE.
    let (st, v) = json(
        s.post_json(
            &format!("{api}/2/media/upload/initialize"),
            &json!({"media_type":"text/srt","total_bytes":5,"media_category":"subtitles"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200);
    let id = v["data"]["id"].as_str().unwrap();
    let form = reqwest::multipart::Form::new()
        .text("segment_index", "0")
        .part("media", reqwest::multipart::Part::bytes(b"hello".to_vec()));
    s.post_multipart(&format!("{api}/2/media/upload/{id}/append"), form)
        .await;
    assert_eq!(
        s.post_empty(&format!("{api}/2/media/upload/{id}/finalize"))
            .await
            .status(),
        400
    );
    assert!(info(&sim, &video).subtitles.is_empty());
}
