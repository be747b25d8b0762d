#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `GET /2/users/:id/tweets` (the docs/protocol.md §6.5 read-back): shape, order, filters,
//! parameter validation, signing, pagination, fields and the text as X renders it.

mod common;

use std::collections::HashSet;

use common::timeline::*;
use common::*;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

#[tokio::test]
async fn empty_timeline_is_exactly_a_zero_count() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let r = s.get(&timeline_url(&sim, &sim.demo().user_id, "")).await;
    assert_eq!(r.headers()["x-access-level"], "read-write");
    assert_eq!(r.headers()["x-rate-limit-limit"], "900");
    assert_eq!(r.headers()["x-rate-limit-remaining"], "899");
    assert_eq!(r.headers()["api-version"], "2.164");
    let body = r.text().await.unwrap();
    assert_eq!(body, r#"{"meta":{"result_count":0}}"#);
    // another user's posts are not the demo account's
    let other = Signer::new(
        &sim.issue_token("other_person", x_sim::AccessLevel::ReadWrite)
            .unwrap(),
    );
    post(&other, &sim, json!({"text": "not yours"})).await;
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!((st, v), (200, json!({"meta":{"result_count":0}})));
    // an empty read is free
    assert!(sim
        .ledger()
        .iter()
        .all(|l| l.endpoint != "GET /2/users/:id/tweets"));
    sim.shutdown().await;
}

#[tokio::test]
async fn newest_first_with_the_default_fields_only() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let a = post(&s, &sim, json!({"text": "first"})).await;
    let b = post(&s, &sim, json!({"text": "second"})).await;
    let c = post(&s, &sim, json!({"text": "third"})).await;
    let (st, _) = json(s.delete(&format!("{}/2/tweets/{b}", sim.api_base())).await).await;
    assert_eq!(st, 200);
    let (st, v) = read(&s, &sim, "").await;
    assert_eq!(st, 200);
    assert_eq!(
        v,
        json!({
            "data": [
                {"id": c, "text": "third", "edit_history_tweet_ids": [c]},
                {"id": a, "text": "first", "edit_history_tweet_ids": [a]},
            ],
            "meta": {"result_count": 2, "newest_id": c, "oldest_id": a}
        })
    );
    // ids order by creation
    assert!(a.parse::<u64>().unwrap() < c.parse::<u64>().unwrap());
    // the edit-history switch applies to reads too
    sim.update_modes(|m| m.edit_history = "post_ids".into());
    let (_, v) = read(&s, &sim, "").await;
    assert_eq!(v["data"][0]["edit_history_post_ids"], json!([c]));
    assert!(v["data"][0].get("edit_history_tweet_ids").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn time_and_id_filters() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let mut made = vec![];
    for i in 0..4 {
        made.push(post(&s, &sim, json!({"text": format!("hour {i}")})).await);
        sim.advance_clock(3600);
    }
    let created: Vec<i64> = sim.posts().iter().map(|p| p.created_at_ms).collect();
    let at = |ms: i64| x_sim::rfc3339::format_ms(ms);
    // start_time is inclusive (to the second): from the second post on
    let (st, v) = read(&s, &sim, &format!("start_time={}", at(created[1]))).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        ids(&v),
        vec![made[3].clone(), made[2].clone(), made[1].clone()]
    );
    // whole seconds without a fraction work as well (what a client sends)
    let secs = at(created[1] / 1000 * 1000).replace(".000Z", "Z");
    let (_, v) = read(&s, &sim, &format!("start_time={secs}")).await;
    assert_eq!(ids(&v).len(), 3);
    // a start half an hour after the third post: only the fourth
    let (_, v) = read(
        &s,
        &sim,
        &format!("start_time={}", at(created[2] + 1_800_000)),
    )
    .await;
    assert_eq!(ids(&v), vec![made[3].clone()]);
    // end_time is exclusive
    let (_, v) = read(
        &s,
        &sim,
        &format!("end_time={}", at(created[1] / 1000 * 1000)),
    )
    .await;
    assert_eq!(ids(&v), vec![made[0].clone()]);
    let (_, v) = read(
        &s,
        &sim,
        &format!(
            "start_time={}&end_time={}",
            at(created[1]),
            at(created[3] - 1000)
        ),
    )
    .await;
    assert_eq!(ids(&v), vec![made[2].clone(), made[1].clone()]);
    // since_id / until_id are exclusive
    let (_, v) = read(&s, &sim, &format!("since_id={}", made[1])).await;
    assert_eq!(ids(&v), vec![made[3].clone(), made[2].clone()]);
    let (_, v) = read(&s, &sim, &format!("until_id={}", made[2])).await;
    assert_eq!(ids(&v), vec![made[1].clone(), made[0].clone()]);
    let (_, v) = read(
        &s,
        &sim,
        &format!("since_id={}&until_id={}", made[0], made[3]),
    )
    .await;
    assert_eq!(ids(&v), vec![made[2].clone(), made[1].clone()]);
    // a window with nothing in it
    let (_, v) = read(&s, &sim, &format!("since_id={}", made[3])).await;
    assert_eq!(v, json!({"meta":{"result_count":0}}));
    // exclude=replies
    let reply = post(
        &s,
        &sim,
        json!({"text": "re", "reply": {"in_reply_to_tweet_id": made[0]}}),
    )
    .await;
    let (_, v) = read(&s, &sim, "").await;
    assert_eq!(ids(&v)[0], reply);
    let (_, v) = read(&s, &sim, "exclude=replies").await;
    assert_eq!(ids(&v)[0], made[3]);
    sim.shutdown().await;
}

fn assert_invalid(v: &Value, param: &str, value: &str, message: &str) {
    assert_eq!(
        *v,
        json!({
            "errors": [{"parameters": {param: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"
        })
    );
}

#[tokio::test]
async fn parameter_validation_is_x_shaped() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    for n in ["4", "101", "0", "-5", "ten", ""] {
        let (st, v) = read(&s, &sim, &format!("max_results={n}")).await;
        assert_eq!(st, 400, "{n}");
        assert_invalid(
            &v,
            "max_results",
            n,
            &format!("The `max_results` query parameter value [{n}] is not between 5 and 100"),
        );
    }
    for n in ["5", "100"] {
        assert_eq!(read(&s, &sim, &format!("max_results={n}")).await.0, 200);
    }
    let (st, v) = read(&s, &sim, "tweet.fields=created_at,bogus").await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["errors"][0]["parameters"],
        json!({"tweet.fields": ["bogus"]})
    );
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("The `tweet.fields` query parameter value [bogus] is not one of [")
            && msg.contains("attachments")
            && msg.contains("created_at")
            && msg.contains("referenced_tweets"),
        "{msg}"
    );
    let (st, v) = read(&s, &sim, "start_time=yesterday").await;
    assert_eq!(st, 400);
    assert_invalid(
        &v,
        "start_time",
        "yesterday",
        "The `start_time` query parameter value [yesterday] is not a valid RFC 3339 date-time",
    );
    let (st, v) = read(&s, &sim, "end_time=2026-12-02").await;
    assert_eq!(
        (st, v["errors"][0]["parameters"].clone()),
        (400, json!({"end_time":["2026-12-02"]}))
    );
    let (st, v) = read(&s, &sim, "start_time=2009-01-01T00:00:00Z").await;
    assert_eq!(st, 400);
    assert_eq!(v["errors"][0]["message"], "Invalid 'start_time':'2009-01-01T00:00:00Z'. 'start_time' must be on or after 2010-11-06T00:00:01Z");
    let (st, _) = read(
        &s,
        &sim,
        "start_time=2026-12-02T00:00:00Z&end_time=2026-12-01T00:00:00Z",
    )
    .await;
    assert_eq!(st, 400);
    let (st, v) = read(&s, &sim, "since_id=12ab").await;
    assert_eq!(st, 400);
    assert_invalid(
        &v,
        "since_id",
        "12ab",
        "The `since_id` query parameter value [12ab] does not match ^[0-9]{1,19}$",
    );
    let (st, v) = read(&s, &sim, "pagination_token=bogus").await;
    assert_eq!(st, 400);
    assert_invalid(
        &v,
        "pagination_token",
        "bogus",
        "The `pagination_token` query parameter value [bogus] is not a valid token",
    );
    let (st, v) = read(&s, &sim, "exclude=quotes").await;
    assert_eq!(
        (st, v["errors"][0]["parameters"].clone()),
        (400, json!({"exclude":["quotes"]}))
    );
    let (st, v) = read(&s, &sim, "count=5").await;
    assert_eq!(st, 400);
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("The query parameter [count] is not one of [id,since_id,until_id,max_results,pagination_token"));
    // every bad parameter is reported at once
    let (_, v) = read(&s, &sim, "max_results=1&since_id=x").await;
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    // accepted and ignored
    let (st, _) = read(
        &s,
        &sim,
        "expansions=attachments.media_keys&media.fields=type&user.fields=username",
    )
    .await;
    assert_eq!(st, 200);
    // the path id
    let (st, v) = json(s.get(&timeline_url(&sim, "me", "")).await).await;
    assert_eq!(st, 400);
    assert_invalid(
        &v,
        "id",
        "me",
        "The `id` query parameter value [me] does not match ^[0-9]{1,19}$",
    );
    // an unknown user: X's partial-error body with 200
    let (st, v) = json(s.get(&timeline_url(&sim, "123", "")).await).await;
    assert_eq!(
        (st, v),
        (
            200,
            json!({"errors":[{"value":"123","detail":"Could not find user with id: [123].","title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":"123","type":"https://api.twitter.com/2/problems/resource-not-found"}]})
        )
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn signed_like_every_other_route() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let signed = timeline_url(&sim, &sim.demo().user_id, "max_results=5");
    let h = s.header("GET", &signed, &[], &[]);
    // the query is part of the signature: a changed value no longer verifies
    let r = s
        .http
        .get(timeline_url(&sim, &sim.demo().user_id, "max_results=6"))
        .header("authorization", h)
        .send()
        .await
        .unwrap();
    let (st, v) = json(r).await;
    assert_eq!((st, v["title"].as_str()), (401, Some("Unauthorized")));
    let r = s.http.get(&signed).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let log = sim.requests();
    assert_eq!(log[0].endpoint, "GET /2/users/:id/tweets");
    assert_eq!(log[0].auth, "bad_signature");
    assert_eq!(log[1].auth, "missing");
    // a read-only token may read
    let ro = Signer::new(&sim.issue_token("demo", x_sim::AccessLevel::Read).unwrap());
    let r = ro.get(&signed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-access-level"], "read");
    sim.shutdown().await;
}

#[tokio::test]
async fn pagination_over_25_posts_has_no_duplicates_or_gaps() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let mut made = vec![];
    for i in 0..25 {
        made.push(post(&s, &sim, json!({"text": format!("post {i}")})).await);
    }
    made.reverse(); // newest first
    let mut seen: Vec<String> = vec![];
    let mut pages = vec![];
    let mut token: Option<String> = None;
    loop {
        let q = match &token {
            Some(t) => format!("max_results=10&pagination_token={t}"),
            None => "max_results=10".to_string(),
        };
        let (st, v) = read(&s, &sim, &q).await;
        assert_eq!(st, 200, "{v}");
        let page = ids(&v);
        assert_eq!(v["meta"]["result_count"], page.len());
        assert_eq!(v["meta"]["newest_id"], page[0]);
        assert_eq!(v["meta"]["oldest_id"], *page.last().unwrap());
        assert_eq!(v["meta"]["previous_token"].is_string(), !pages.is_empty());
        seen.extend(page.clone());
        pages.push(v.clone());
        token = v["meta"]["next_token"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
        assert!(pages.len() < 5, "pagination does not end");
    }
    assert_eq!(
        pages.iter().map(|p| ids(p).len()).collect::<Vec<_>>(),
        vec![10, 10, 5]
    );
    assert_eq!(seen, made, "every post once, newest first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25);
    // previous_token of page 2 gives page 1 again
    let prev = pages[1]["meta"]["previous_token"].as_str().unwrap();
    let (_, v) = read(&s, &sim, &format!("max_results=10&pagination_token={prev}")).await;
    assert_eq!(ids(&v), ids(&pages[0]));
    assert!(v["meta"].get("previous_token").is_none());
    // tokens are stable
    let (_, again) = read(&s, &sim, "max_results=10").await;
    assert_eq!(again["meta"]["next_token"], pages[0]["meta"]["next_token"]);
    // a token for another user's timeline is not valid here
    let next = pages[0]["meta"]["next_token"].as_str().unwrap();
    let (st, _) = json(
        s.get(&timeline_url(
            &sim,
            "1700000000000000002",
            &format!("pagination_token={next}"),
        ))
        .await,
    )
    .await;
    assert_eq!(st, 400);
    // default page size is 10; the 25 own posts were billed at $0.001 each
    let (_, v) = read(&s, &sim, "").await;
    assert_eq!(ids(&v).len(), 10);
    let billed: f64 = sim
        .ledger()
        .iter()
        .filter(|l| l.endpoint == "GET /2/users/:id/tweets")
        .map(|l| l.cost_usd)
        .sum();
    assert!(
        (billed - 0.001 * (25.0 + 10.0 + 10.0 + 10.0)).abs() < 1e-9,
        "{billed}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn fields_attachments_references_and_rendered_text() {
    let sim = sim().await;
    let s = Signer::new(&sim.demo());
    let form = Form::new()
        .text("media_category", "tweet_image")
        .part("media", Part::bytes(png(2, 2, 300)));
    let (st, v) = json(
        s.post_multipart(&format!("{}/2/media/upload", sim.api_base()), form)
            .await,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let img = v["data"]["id"].as_str().unwrap().to_string();
    let root = post(
        &s,
        &sim,
        json!({"text": "Tom & Jerry <3> see https://example.com/a?b=1&c=2"}),
    )
    .await;
    let pic = post(
        &s,
        &sim,
        json!({"text": "a picture", "media": {"media_ids": [img]}, "reply": {"in_reply_to_tweet_id": root}}),
    )
    .await;
    let quote = post(&s, &sim, json!({"text": "quoting", "quote_tweet_id": pic})).await;
    let (st, v) = read(
        &s,
        &sim,
        "tweet.fields=created_at,attachments,referenced_tweets,author_id,conversation_id,in_reply_to_user_id",
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let by_id = |id: &str| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    };
    let posts = sim.posts();
    let me = sim.demo().user_id;
    for p in v["data"].as_array().unwrap() {
        let stored = posts.iter().find(|x| x.id == p["id"]).unwrap();
        let created = p["created_at"].as_str().unwrap();
        assert_eq!(created.len(), 24, "{created}");
        assert!(created.ends_with('Z') && created.as_bytes()[19] == b'.');
        assert_eq!(
            x_sim::rfc3339::parse_ms(created),
            Some(stored.created_at_ms)
        );
        assert_eq!(p["author_id"], me);
    }
    let r = by_id(&root);
    let t = r["text"].as_str().unwrap();
    assert!(
        t.starts_with("Tom &amp; Jerry &lt;3&gt; see https://t.co/"),
        "{t}"
    );
    assert_eq!(t.len(), "Tom &amp; Jerry &lt;3&gt; see ".len() + 23);
    assert!(t[t.len() - 10..].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(r.get("attachments").is_none());
    assert!(r.get("referenced_tweets").is_none());
    assert!(r.get("in_reply_to_user_id").is_none());
    assert_eq!(r["conversation_id"], root);
    let p = by_id(&pic);
    assert_eq!(
        p["attachments"],
        json!({"media_keys": [format!("3_{img}")]})
    );
    assert_eq!(
        p["referenced_tweets"],
        json!([{"type":"replied_to","id":root}])
    );
    assert_eq!(p["in_reply_to_user_id"], me);
    assert_eq!(p["conversation_id"], root);
    let pt = p["text"].as_str().unwrap();
    assert!(
        pt.starts_with("a picture https://t.co/") && pt.len() == 10 + 23,
        "{pt}"
    );
    let q = by_id(&quote);
    assert_eq!(q["referenced_tweets"], json!([{"type":"quoted","id":pic}]));
    assert_eq!(q["conversation_id"], quote);
    // the store keeps what was sent; every read shows the same links
    assert_eq!(
        posts[0].text,
        "Tom & Jerry <3> see https://example.com/a?b=1&c=2"
    );
    let (_, again) = read(&s, &sim, "").await;
    assert_eq!(again["data"][2]["text"], r["text"]);
    // with tco_links the create reply shows the links the timeline shows
    sim.update_modes(|m| m.tco_links = true);
    let (st, c) = json(
        s.post_json(
            &format!("{}/2/tweets", sim.api_base()),
            &json!({"text": "echo https://example.org/x"}),
        )
        .await,
    )
    .await;
    assert_eq!(st, 201);
    let (_, v) = read(&s, &sim, "max_results=5").await;
    assert_eq!(
        text_unescaped(&v["data"][0]["text"]),
        c["data"]["text"].as_str().unwrap()
    );
    sim.shutdown().await;
}

fn text_unescaped(v: &Value) -> String {
    v.as_str().unwrap().replace("&amp;", "&")
}

#[tokio::test]
async fn long_posts_are_cut_and_whole_in_note_tweet() {
    let sim = sim().await;
    sim.set_premium(true);
    let s = Signer::new(&sim.demo());
    let long = format!("{} & the end", "lorem ipsum ".repeat(40));
    post(&s, &sim, json!({"text": long})).await;
    let (_, v) = read(&s, &sim, "tweet.fields=note_tweet").await;
    let t = v["data"][0]["text"].as_str().unwrap();
    assert!(t.chars().count() <= 270 && long.starts_with(t), "{t}");
    assert_eq!(
        v["data"][0]["note_tweet"]["text"],
        long.replace('&', "&amp;")
    );
    let (_, v) = read(&s, &sim, "").await;
    assert!(v["data"][0].get("note_tweet").is_none());
    sim.shutdown().await;
}
