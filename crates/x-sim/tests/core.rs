#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Core flows: auth, users/me, posting, delete, v1.1 and v2 media.

mod common;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;

#[tokio::test]
async fn users_me_and_access_level() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let r = s.get(&format!("{}/2/users/me", sim.api_base())).await;
    assert_eq!(r.headers()["x-access-level"], "read-write");
    assert!(r.headers().contains_key("x-rate-limit-limit"));
    let (st, v) = json(r).await;
    assert_eq!(st, 200);
    assert_eq!(v["data"]["username"], "postbridge_demo");
    assert_eq!(v["data"]["id"], sim.demo().user_id);
    // query parameters are signed too
    let r = s
        .get(&format!(
            "{}/2/users/me?user.fields=profile_image_url,verified",
            sim.api_base()
        ))
        .await;
    let (st, v) = json(r).await;
    assert_eq!(st, 200, "{v}");
    assert!(v["data"]["profile_image_url"].is_string());
    // the same on the upload base
    let r = s.get(&format!("{}/2/users/me", sim.upload_base())).await;
    assert_eq!(r.status(), 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn post_and_delete() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    let r = s
        .post_json(&url, &json!({"text": "Hello from the sim"}))
        .await;
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let (_, v) = json(r).await;
    let id = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 19);
    assert_eq!(loc, format!("{}/2/tweets/{id}", sim.api_base()));
    assert_eq!(v["data"]["text"], "Hello from the sim");
    assert_eq!(v["data"]["edit_history_tweet_ids"], json!([id]));
    assert_eq!(sim.posts().len(), 1);

    // duplicate → B12
    let (st, v) = json(
        s.post_json(&url, &json!({"text": "Hello from the sim"}))
            .await,
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(
        v["detail"],
        "You are not allowed to create a Tweet with duplicate content."
    );

    // unknown key → 400
    let (st, v) = json(s.post_json(&url, &json!({"text": "x", "bogus": 1})).await).await;
    assert_eq!(st, 400);
    assert_eq!(v["title"], "Invalid Request");

    // too long → B13
    let (st, v) = json(s.post_json(&url, &json!({"text": "a".repeat(281)})).await).await;
    assert_eq!(st, 400);
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("Your Tweet text is too long."));
    assert_eq!(
        v["type"],
        "https://api.twitter.com/2/problems/invalid-request"
    );
    // exactly 280 works; premium allows more
    let (st, _) = json(s.post_json(&url, &json!({"text": "b".repeat(280)})).await).await;
    assert_eq!(st, 201);
    sim.set_premium(true);
    let (st, _) = json(
        s.post_json(&url, &json!({"text": "c".repeat(25_000)}))
            .await,
    )
    .await;
    assert_eq!(st, 201);
    let (st, _) = json(
        s.post_json(&url, &json!({"text": "d".repeat(25_001)}))
            .await,
    )
    .await;
    assert_eq!(st, 400);

    // delete
    let (st, v) = json(s.delete(&format!("{url}/{id}")).await).await;
    assert_eq!((st, v), (200, json!({"data":{"deleted":true}})));
    let (st, v) = json(s.delete(&format!("{url}/{id}")).await).await;
    assert_eq!(st, 404);
    assert_eq!(
        v["type"],
        "https://api.twitter.com/2/problems/resource-not-found"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn signature_over_json_fields_is_rejected() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    // A client that wrongly signs the JSON body's fields as if they were form fields.
    let h = s.header("POST", &url, &[("text", "Hello")], &[]);
    let r = s
        .http
        .post(&url)
        .header("authorization", h)
        .json(&json!({"text":"Hello"}))
        .send()
        .await
        .unwrap();
    let (st, v) = json(r).await;
    assert_eq!(st, 401);
    assert_eq!(
        v,
        json!({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})
    );
    assert!(sim.posts().is_empty());
    let log = sim.requests();
    let last = log.last().unwrap();
    assert_eq!(last.auth, "bad_signature");
    assert!(last
        .base_string
        .as_ref()
        .unwrap()
        .starts_with("POST&http%3A%2F%2F127.0.0.1%3A"));
    sim.shutdown().await;
}

#[tokio::test]
async fn auth_failures_have_family_shapes() {
    let sim = sim().await;
    let demo = sim.demo();
    let mut s = Signer::new(&demo);
    let v2 = format!("{}/2/users/me", sim.api_base());
    let v1 = format!(
        "{}/1.1/media/upload.json?command=STATUS&media_id=1",
        sim.upload_base()
    );

    // wrong secret
    s.ts = "wrong".into();
    let (st, v) = json(s.get(&v2).await).await;
    assert_eq!((st, v["detail"].as_str()), (401, Some("Unauthorized")));
    let (st, v) = json(s.get(&v1).await).await;
    assert_eq!(
        (st, v),
        (
            401,
            json!({"errors":[{"code":32,"message":"Could not authenticate you."}]})
        )
    );
    s.ts = demo.access_token_secret.clone();

    // stale timestamp → 135
    s.timestamp = Some(now() - 1000);
    let (st, v) = json(s.get(&v2).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(135)));
    s.timestamp = None;
    // a server clock skew has the same effect
    sim.update_modes(|m| m.auth_clock_skew_secs = 400);
    let (st, v) = json(s.get(&v2).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(135)));
    sim.update_modes(|m| m.auth_clock_skew_secs = 0);
    // code 89 with HTTP 403 switch
    sim.update_modes(|m| m.code89_status = 403);
    s.token = Some("123-nope".into());
    let (st, v) = json(s.get(&v2).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(89)));
    sim.update_modes(|m| m.code89_status = 401);

    // unknown token → 89
    s.token = Some("123-nope".into());
    let (st, v) = json(s.get(&v2).await).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (401, Some(89)));
    s.token = Some(demo.access_token.clone());

    // nonce replay
    let h = s.header("GET", &v2, &[], &[]);
    let r1 = s
        .http
        .get(&v2)
        .header("authorization", &h)
        .send()
        .await
        .unwrap();
    assert_eq!(r1.status(), 200);
    let r2 = s
        .http
        .get(&v2)
        .header("authorization", &h)
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), 401);

    // missing header; Bearer
    let r = s.http.get(&v2).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = s
        .http
        .get(&v2)
        .header("authorization", "Bearer AAAA")
        .send()
        .await
        .unwrap();
    let (st, v) = json(r).await;
    assert_eq!(st, 403);
    assert_eq!(
        v["type"],
        "https://api.twitter.com/2/problems/unsupported-authentication"
    );
    // garbage header
    let r = s
        .http
        .get(&v2)
        .header("authorization", "OAuth a=\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The host is signed: signing for another host fails.
    let other = v2.replace("127.0.0.1", "localhost");
    let h = s.header("GET", &other, &[], &[]);
    let r = s
        .http
        .get(&v2)
        .header("authorization", h)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    sim.shutdown().await;
}

#[tokio::test]
async fn statuses_update_is_453() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let (st, v) = json(
        s.post_form(
            &format!("{}/1.1/statuses/update.json", sim.api_base()),
            &[("status", "hi")],
        )
        .await,
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(v["errors"][0]["code"], 453);
    sim.shutdown().await;
}

#[tokio::test]
async fn read_token_cannot_post_until_regenerated() {
    let sim = sim().await;
    let read = sim.issue_token("demo", x_sim::AccessLevel::Read).unwrap();
    let s = Signer::new(&read);
    let r = s.get(&format!("{}/2/users/me", sim.api_base())).await;
    assert_eq!(r.headers()["x-access-level"], "read");
    let (st, v) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text":"x"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(
        v["type"],
        "https://api.twitter.com/2/problems/oauth1-permissions"
    );
    // app permissions change does not change the token
    sim.set_app_permissions(x_sim::AccessLevel::Read);
    let fresh = sim.regenerate_tokens("demo").unwrap();
    assert_eq!(fresh.access_level, x_sim::AccessLevel::Read);
    sim.set_app_permissions(x_sim::AccessLevel::ReadWrite);
    let rw = sim.regenerate_tokens("demo").unwrap();
    // old tokens revoked → 89
    let (st, _) = json(
        Signer::new(&sim.demo())
            .get(&format!("{}/2/users/me", sim.api_base()))
            .await,
    )
    .await;
    assert_eq!(st, 401);
    let s = Signer::new(&rw);
    let (st, _) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text":"now it works"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    sim.shutdown().await;
}

#[tokio::test]
async fn v1_simple_image_then_post_with_alt_text() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let up = format!("{}/1.1/media/upload.json", sim.upload_base());
    let form = Form::new().part("media", Part::bytes(png(640, 480, 5000)).file_name("a.png"));
    let (st, v) = json(s.post_multipart(&up, form).await).await;
    assert_eq!(st, 200, "{v}");
    let id = v["media_id_string"].as_str().unwrap().to_string();
    assert_eq!(v["media_id"].as_u64().unwrap().to_string(), id);
    assert_eq!(v["size"], 5000);
    assert_eq!(v["image"]["image_type"], "image/png");
    assert_eq!(v["image"]["w"], 640);
    assert_eq!(v["expires_after_secs"], 86400);

    let meta = format!("{}/1.1/media/metadata/create.json", sim.upload_base());
    let r = s
        .post_json(
            &meta,
            &json!({"media_id": id, "alt_text": {"text": "a cat"}}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(sim.media()[0].alt_text.as_deref(), Some("a cat"));

    let (st, v) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text":"pic","media":{"media_ids":[id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201, "{v}");
    // not an image → B16
    let form = Form::new().part("media", Part::bytes(b"hello world".to_vec()));
    let (st, v) = json(s.post_multipart(&up, form).await).await;
    assert_eq!(
        (st, v),
        (
            400,
            json!({"request":"/1.1/media/upload.json","error":"media type unrecognized."})
        )
    );
    // media_data (base64)
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png(10, 10, 100));
    let form = Form::new().text("media_data", b64);
    let (st, _) = json(s.post_multipart(&up, form).await).await;
    assert_eq!(st, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn v1_chunked_video_with_status_polling() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let up = format!("{}/1.1/media/upload.json", sim.upload_base());
    let data = mp4(2_500_000);
    let (st, v) = json(
        s.post_form(
            &up,
            &[
                ("command", "INIT"),
                ("total_bytes", &data.len().to_string()),
                ("media_type", "video/mp4"),
                ("media_category", "tweet_video"),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(st, 202, "{v}");
    let id = v["media_id_string"].as_str().unwrap().to_string();
    // segments out of order, one re-sent
    let chunks: Vec<&[u8]> = data.chunks(1_000_000).collect();
    for i in [2usize, 0, 1, 1] {
        let form = Form::new()
            .text("command", "APPEND")
            .text("media_id", id.clone())
            .text("segment_index", i.to_string())
            .part("media", Part::bytes(chunks[i].to_vec()));
        let r = s.post_multipart(&up, form).await;
        assert_eq!(r.status(), 204);
    }
    let (st, v) = json(
        s.post_form(&up, &[("command", "FINALIZE"), ("media_id", &id)])
            .await,
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["processing_info"]["state"], "pending");
    assert_eq!(v["size"], 2_500_000);
    // not yet usable
    let (st, _) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text":"vid","media":{"media_ids":[id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 400);
    let status_url = format!("{up}?command=STATUS&media_id={id}");
    let mut last = String::new();
    for _ in 0..50 {
        let (st, v) = json(s.get(&status_url).await).await;
        assert_eq!(st, 200, "{v}");
        last = v["processing_info"]["state"].as_str().unwrap().to_string();
        if last == "succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last, "succeeded");
    let (st, _) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text":"vid","media":{"media_ids":[id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    sim.shutdown().await;
}

#[tokio::test]
async fn v2_chunked_and_one_shot() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let base = sim.api_base();
    let data = mp4(3_000_000);
    let (st, v) = json(s.post_json(&format!("{base}/2/media/upload/initialize"), &json!({"media_type":"video/mp4","total_bytes":data.len(),"media_category":"tweet_video"})).await).await;
    assert_eq!(st, 200, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["expires_after_secs"], 1295999);
    for (i, c) in data.chunks(1 << 20).enumerate() {
        let form = Form::new()
            .text("segment_index", i.to_string())
            .part("media", Part::bytes(c.to_vec()));
        let (st, v) = json(
            s.post_multipart(&format!("{base}/2/media/upload/{id}/append"), form)
                .await,
        )
        .await;
        assert_eq!(st, 200, "{v}");
        assert!(v["data"]["expires_at"].is_i64());
    }
    let (st, v) = json(
        s.post_empty(&format!("{base}/2/media/upload/{id}/finalize"))
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["processing_info"]["state"], "pending");
    assert_eq!(v["data"]["size"], 3_000_000);
    let mut state = String::new();
    for _ in 0..50 {
        let (st, v) = json(
            s.get(&format!(
                "{base}/2/media/upload?command=STATUS&media_id={id}"
            ))
            .await,
        )
        .await;
        assert_eq!(st, 200);
        state = v["data"]["processing_info"]["state"]
            .as_str()
            .unwrap()
            .to_string();
        if state == "succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, "succeeded");

    // one-shot image + metadata
    let form = Form::new()
        .text("media_category", "tweet_image")
        .part("media", Part::bytes(png(2, 2, 300)));
    let (st, v) = json(
        s.post_multipart(&format!("{base}/2/media/upload"), form)
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let img = v["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["image"]["image_type"], "image/png");
    let (st, v) = json(
        s.post_json(
            &format!("{base}/2/media/metadata"),
            &json!({"id": img, "metadata":{"alt_text":{"text":"tiny"}}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["data"]["associated_metadata"]["alt_text"]["text"], "tiny");
    // one-shot requires media_category
    let form = Form::new().part("media", Part::bytes(png(2, 2, 300)));
    let (st, _) = json(
        s.post_multipart(&format!("{base}/2/media/upload"), form)
            .await,
    )
    .await;
    assert_eq!(st, 400);
    // mixing video + image → B13
    let (st, v) = json(
        s.post_json(
            &format!("{base}/2/tweets"),
            &json!({"text":"mix","media":{"media_ids":[id, img]}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["message"], "Your media IDs are invalid.");
    let (st, _) = json(
        s.post_json(
            &format!("{base}/2/tweets"),
            &json!({"text":"video","media":{"media_ids":[id]}}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    // segment over the cap → 431
    let (_, v) = json(s.post_json(&format!("{base}/2/media/upload/initialize"), &json!({"media_type":"video/mp4","total_bytes":10_000_000,"media_category":"tweet_video"})).await).await;
    let id2 = v["data"]["id"].as_str().unwrap().to_string();
    let form = Form::new()
        .text("segment_index", "0")
        .part("media", Part::bytes(mp4(9 << 20)));
    let r = s
        .post_multipart(&format!("{base}/2/media/upload/{id2}/append"), form)
        .await;
    assert_eq!(r.status(), 431);
    sim.shutdown().await;
}
