#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Faults after commit on `POST /2/tweets`: "create then 200 without an id", error and reset
//! after commit (the post exists and the timeline shows it), and the duplicate filter switched
//! off.

mod common;

use std::collections::HashSet;

use common::timeline::*;
use common::*;
use serde_json::{json, Value};
use x_sim::Faults;

fn no_id_faults() -> Faults {
    Faults {
        ok_without_id_rate: 1.0,
        ..Default::default()
    }
}

#[tokio::test]
async fn ok_without_id_commits_the_post_and_is_seeded() {
    let mut runs = vec![];
    for _ in 0..2 {
        let sim = sim().await;
        let s = Signer::new(&sim.demo());
        sim.set_faults("POST /2/tweets", no_id_faults());
        let url = format!("{}/2/tweets", sim.api_base());
        let mut bodies = vec![];
        for i in 0..12 {
            let text = format!("no id {i}");
            let r = s.post_json(&url, &json!({"text": text})).await;
            assert_eq!(r.status(), 200);
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            let body = r.text().await.unwrap();
            let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            assert!(v["data"]["id"].as_str().is_none(), "{body}");
            assert_eq!(ct.starts_with("text/html"), body == "<html>upstream</html>");
            bodies.push(body);
            // the post exists, in the control API and on the timeline
            let stored = sim_posts(&sim).await;
            let p = stored.iter().find(|p| p["text"] == text.as_str()).unwrap();
            let (_, tl) = read(&s, &sim, "max_results=5").await;
            assert_eq!(tl["data"][0]["id"], p["id"]);
        }
        let variants: HashSet<&str> = bodies.iter().map(String::as_str).collect();
        assert_eq!(
            variants,
            HashSet::from([
                "{}",
                r#"{"data":{}}"#,
                r#"{"errors":[{"message":"Internal error"}]}"#,
                "<html>upstream</html>"
            ]),
            "all four variants in 12 tries with this seed"
        );
        runs.push(bodies);
        sim.shutdown().await;
    }
    assert_eq!(runs[0], runs[1], "same seed, same variants");
}

#[tokio::test]
async fn error_and_reset_after_commit_create_the_post() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    // 503 after commit
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: true,
            ..Default::default()
        },
    );
    let (st, v) = json(s.post_json(&url, &json!({"text": "then 503"})).await).await;
    assert_eq!(
        (st, v["title"].as_str()),
        (503, Some("Service Unavailable"))
    );
    let stored = sim_posts(&sim).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["text"], "then 503");
    assert_eq!(stored[0]["deleted"], false);
    // reset after commit
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
        .json(&json!({"text": "then reset"}))
        .send()
        .await;
    assert!(r.is_err(), "the connection is dropped");
    let stored = sim_posts(&sim).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["text"], "then reset");
    // before commit: nothing is created
    sim.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            ..Default::default()
        },
    );
    let (st, _) = json(s.post_json(&url, &json!({"text": "never"})).await).await;
    assert_eq!(st, 503);
    assert_eq!(sim_posts(&sim).await.len(), 2);
    // both committed posts are what a read-back finds
    sim.clear_faults();
    let (_, v) = read(&s, &sim, "").await;
    let texts: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["then reset", "then 503"]);
    sim.shutdown().await;
}

#[tokio::test]
async fn duplicate_window_zero_turns_the_filter_off() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let url = format!("{}/2/tweets", sim.api_base());
    // on by default
    post(&s, &sim, json!({"text": "same"})).await;
    assert_eq!(
        s.post_json(&url, &json!({"text": "same"})).await.status(),
        403
    );
    control(&sim, "mode", json!({"duplicate_window_secs": 0})).await;
    let a = post(&s, &sim, json!({"text": "same"})).await;
    let b = post(&s, &sim, json!({"text": "same"})).await;
    assert_ne!(a, b);
    // even when the virtual clock goes back (the earlier posts are then "in the future")
    sim.advance_clock(-120);
    let c = post(&s, &sim, json!({"text": "same"})).await;
    assert_ne!(b, c);
    let same = sim_posts(&sim)
        .await
        .into_iter()
        .filter(|p| p["text"] == "same")
        .count();
    assert_eq!(same, 4);
    let (_, v) = read(&s, &sim, "").await;
    assert_eq!(v["meta"]["result_count"], 4);
    sim.shutdown().await;
}
