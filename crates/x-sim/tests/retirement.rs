#![allow(clippy::unwrap_used, clippy::expect_used)]
//! v1.1 retirement (every `v1_retired` shape, the v2 upload switch) and the per-account
//! overrides (Premium, locked, v1.1 retirement) next to the global modes.

mod common;

use std::time::Duration;

use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use x_sim::V1Retired;

#[tokio::test]
async fn v1_retired_shapes() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let up = sim.upload_base();
    sim.set_v1_retired(V1Retired::Forbidden453);
    let (st, v, _) = v1_init(&s, &up).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(453)));
    sim.set_v1_retired(V1Retired::NotFound);
    let (st, v, _) = v1_init(&s, &up).await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (404, Some(34)));
    sim.set_v1_retired(V1Retired::Gone);
    assert_eq!(v1_init(&s, &up).await.0, 410);
    sim.set_v1_retired(V1Retired::Html403);
    let (st, v, ct) = v1_init(&s, &up).await;
    assert_eq!((st, v), (403, serde_json::Value::Null));
    assert!(ct.starts_with("text/html"));

    // refuse-after-init: INIT works, APPEND is refused.
    sim.set_v1_retired(V1Retired::RefuseAfterInit);
    let (st, v, _) = v1_init(&s, &up).await;
    assert_eq!(st, 202);
    let id = v["media_id_string"].as_str().unwrap().to_string();
    let form = Form::new()
        .text("command", "APPEND")
        .text("media_id", id)
        .text("segment_index", "0")
        .part("media", Part::bytes(png(1, 1, 100)));
    let (st, v) = json(
        s.post_multipart(&format!("{up}/1.1/media/upload.json"), form)
            .await,
    )
    .await;
    assert_eq!((st, v["errors"][0]["code"].as_u64()), (403, Some(453)));

    // conn-refused: the upload port refuses connections, v1.1 on the API port is reset.
    sim.set_v1_retired(V1Retired::ConnRefused);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = tokio::net::TcpStream::connect(sim.upload_addr()).await;
    assert!(e.is_err(), "upload port should refuse");
    let h = s.header(
        "POST",
        &format!("{}/1.1/media/upload.json", sim.api_base()),
        &[],
        &[],
    );
    let r = s
        .http
        .post(format!("{}/1.1/media/upload.json", sim.api_base()))
        .header("authorization", h)
        .send()
        .await;
    assert!(r.is_err());
    // v2 keeps working
    let (st, _) = json(s.get(&format!("{}/2/users/me", sim.api_base())).await).await;
    assert_eq!(st, 200);
    sim.set_v1_retired(V1Retired::Off);
    let mut ok = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if tokio::net::TcpStream::connect(sim.upload_addr())
            .await
            .is_ok()
        {
            ok = true;
            break;
        }
    }
    assert!(ok, "upload port should come back");
    assert_eq!(v1_init(&s, &up).await.0, 202);

    // v2 upload forbidden → B15
    sim.update_modes(|m| m.v2_upload_forbidden = true);
    let (st, v) = json(
        s.post_json(
            &format!("{}/2/media/upload/initialize", sim.api_base()),
            &json!({"media_type":"image/png","total_bytes":10}),
        )
        .await,
    )
    .await;
    assert_eq!((st, v["detail"].as_str()), (403, Some("Forbidden")));
    sim.shutdown().await;
}

#[tokio::test]
async fn per_account_overrides() {
    let sim = sim().await;
    let demo = Signer::new(&sim.demo());
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let url = format!("{}/2/tweets", sim.api_base());
    control(
        &sim,
        "accounts/update",
        json!({"account": "other_person", "premium": true}),
    )
    .await;
    assert_eq!(
        other
            .post_json(&url, &json!({"text": "p".repeat(300)}))
            .await
            .status(),
        201
    );
    assert_eq!(
        demo.post_json(&url, &json!({"text": "p".repeat(300)}))
            .await
            .status(),
        400
    );
    // v1.1 retired for the demo account only
    assert!(sim.update_account("demo", |a| a.v1_retired = Some(V1Retired::Forbidden453)));
    let (st, _, _) = v1_init(&demo, &sim.upload_base()).await;
    assert_eq!(st, 403);
    let (st, _, _) = v1_init(&other, &sim.upload_base()).await;
    assert_eq!(st, 202);
    // null clears the override
    let v = control(
        &sim,
        "accounts/update",
        json!({"account": "demo", "v1_retired": null, "locked": true}),
    )
    .await;
    assert!(v.get("v1_retired").is_none());
    assert_eq!(v1_init(&demo, &sim.upload_base()).await.0, 202);
    assert_eq!(
        demo.post_json(&url, &json!({"text": "locked"}))
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .post_json(&url, &json!({"text": "not locked"}))
            .await
            .status(),
        201
    );
    sim.shutdown().await;
}
