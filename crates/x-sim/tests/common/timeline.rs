//! Helpers for the user-timeline tests: URLs, signed reads, posting, `/_sim/posts`, ids.
#![allow(dead_code)]

use serde_json::Value;
use x_sim::SimHandle;

use super::{json, Signer};

pub fn timeline_url(sim: &SimHandle, user: &str, query: &str) -> String {
    if query.is_empty() {
        format!("{}/2/users/{user}/tweets", sim.api_base())
    } else {
        format!("{}/2/users/{user}/tweets?{query}", sim.api_base())
    }
}

pub async fn read(s: &Signer, sim: &SimHandle, query: &str) -> (u16, Value) {
    json(s.get(&timeline_url(sim, &sim.demo().user_id, query)).await).await
}

pub async fn post(s: &Signer, sim: &SimHandle, body: Value) -> String {
    let (st, v) = json(
        s.post_json(&format!("{}/2/tweets", sim.api_base()), &body)
            .await,
    )
    .await;
    assert_eq!(st, 201, "{v}");
    v["data"]["id"].as_str().unwrap().to_string()
}

/// `/_sim/posts` over HTTP, as a test harness outside the process would see it.
pub async fn sim_posts(sim: &SimHandle) -> Vec<Value> {
    reqwest::get(format!("{}/_sim/posts", sim.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}
