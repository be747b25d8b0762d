#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The user timeline under modes, plans and faults: the `reads_refused` mode, per-plan
//! limits and read billing, `*` faults.

mod common;

use common::timeline::*;
use common::*;
use serde_json::json;
use x_sim::{Faults, Plan};

#[tokio::test]
async fn reads_refused_answers_x_bodies() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    post(&s, &sim, json!({"text": "exists"})).await;
    let mode = control(&sim, "mode", json!({"reads_refused": 403})).await;
    assert_eq!(mode["reads_refused"], 403);
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!(st, 403);
    assert_eq!(v["errors"][0]["code"], 453);
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("You currently have access to a subset of Twitter API v2 endpoints"));
    // only the timeline is refused
    assert_eq!(
        s.get(&format!("{}/2/users/me", sim.api_base()))
            .await
            .status(),
        200
    );
    control(&sim, "mode", json!({"reads_refused": 429})).await;
    let r = s.get(&timeline_url(&sim, &sim.demo().user_id, "")).await;
    assert_eq!(r.headers()["x-rate-limit-remaining"], "0");
    let (st, v) = json(r).await;
    assert_eq!(
        (st, v),
        (
            429,
            json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})
        )
    );
    control(&sim, "mode", json!({"reads_refused": 402})).await;
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!(st, 402);
    assert_eq!(v["title"], "CreditsDepleted");
    assert_eq!(v["type"], "https://api.twitter.com/2/problems/credits");
    let mode = control(&sim, "mode", json!({"reads_refused": null})).await;
    assert!(mode["reads_refused"].is_null());
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!((st, v["meta"]["result_count"].as_u64()), (200, Some(1)));
    // a refused read is not billed
    let reads: Vec<_> = sim
        .ledger()
        .into_iter()
        .filter(|l| l.endpoint == "GET /2/users/:id/tweets")
        .collect();
    assert_eq!(reads.len(), 1);
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/mode", sim.api_base()))
        .json(&json!({"reads_refused": "403"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn plans_limit_and_bill_reads() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    post(&s, &sim, json!({"text": "one"})).await;
    post(&s, &sim, json!({"text": "two"})).await;
    // pay-per-use: own posts at $0.001, another user's at $0.005
    let before = sim.credits();
    assert_eq!(read(&s, &sim, "").await.0, 200);
    assert!((before - sim.credits() - 0.002).abs() < 1e-9);
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    let before = sim.credits();
    let (st, v) = json(
        other
            .get(&timeline_url(&sim, &sim.demo().user_id, ""))
            .await,
    )
    .await;
    assert_eq!((st, v["meta"]["result_count"].as_u64()), (200, Some(2)));
    assert!((before - sim.credits() - 0.010).abs() < 1e-9);
    // out of credits → B8, nothing billed
    sim.set_credits(0.0);
    let ledger = sim.ledger().len();
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!((st, v["title"].as_str()), (402, Some("CreditsDepleted")));
    assert_eq!(sim.ledger().len(), ledger);
    // Free: one read per 15 minutes per user (a new window: the buckets outlive plan changes)
    sim.advance_clock(901);
    sim.set_plan(Plan::Free);
    let r = s.get(&timeline_url(&sim, &sim.demo().user_id, "")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-rate-limit-limit"], "1");
    assert_eq!(r.headers()["x-rate-limit-remaining"], "0");
    let r = s.get(&timeline_url(&sim, &sim.demo().user_id, "")).await;
    let reset: i64 = r.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let virtual_now = now() + sim.modes().clock_offset_secs;
    assert!(reset > virtual_now && reset <= virtual_now + 901, "{reset}");
    let (st, v) = json(r).await;
    assert_eq!(
        (st, v),
        (
            429,
            json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})
        )
    );
    // its own bucket: posting and users/me are unaffected; other users have theirs
    assert_eq!(
        s.get(&format!("{}/2/users/me", sim.api_base()))
            .await
            .status(),
        200
    );
    assert_eq!(
        other
            .get(&timeline_url(&sim, &sim.demo().user_id, ""))
            .await
            .status(),
        200
    );
    sim.advance_clock(901);
    assert_eq!(read(&s, &sim, "").await.0, 200);
    // Basic: 5 per 15 minutes
    sim.set_plan(Plan::Basic);
    sim.advance_clock(901);
    for _ in 0..5 {
        assert_eq!(read(&s, &sim, "").await.0, 200);
    }
    assert_eq!(read(&s, &sim, "").await.0, 429);
    sim.shutdown().await;
}

#[tokio::test]
async fn star_faults_apply_to_the_timeline() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    sim.set_faults(
        "*",
        Faults {
            error_rate: 1.0,
            error_status: 500,
            ..Default::default()
        },
    );
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!(
        (st, v["title"].as_str()),
        (500, Some("Internal Server Error"))
    );
    // an exact key wins over "*"
    sim.set_faults("GET /2/users/:id/tweets", Faults::default());
    assert_eq!(read(&s, &sim, "").await.0, 200);
    sim.shutdown().await;
}
