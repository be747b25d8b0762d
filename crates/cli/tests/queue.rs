//! `postbridge schedule` and `postbridge queue …` against the simulator: through the CLI
//! library (clap parsing as the binary does, then `execute_*` with an explicit environment),
//! and as real processes (`postbridge-cli`, the headless `postbridge`) for concurrent runners
//! and a runner killed mid-send. Counts come from the simulator's posts and request log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command as Process, Stdio};
use std::time::Duration;

use clap::Parser;
use composer::queue::{Due, NewItem, NewPart};
use postbridge_cli::queue::{self as q, QueueCommand};
use postbridge_cli::{post, Cli, Command};
use serde_json::Value;
use x_sim::{Faults, SimConfig, SimHandle};

async fn sim() -> SimHandle {
    let s = x_sim::start(SimConfig::default()).await.unwrap();
    s.update_modes(|m| m.processing_ms = 0);
    s
}

/// A fresh data directory (the queue's database) for one test.
fn data_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pb-queue-{tag}-{}-{}",
        std::process::id(),
        composer::new_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn env_for(
    s: &SimHandle,
    d: &x_sim::DemoCredentials,
    dir: &std::path::Path,
) -> HashMap<String, String> {
    HashMap::from([
        ("X_API_KEY".to_string(), d.consumer_key.clone()),
        ("X_API_SECRET".to_string(), d.consumer_secret.clone()),
        ("X_ACCESS_TOKEN".to_string(), d.access_token.clone()),
        ("X_ACCESS_SECRET".to_string(), d.access_token_secret.clone()),
        ("POSTBRIDGE_API_BASE".to_string(), s.api_base()),
        ("POSTBRIDGE_UPLOAD_BASE".to_string(), s.upload_base()),
        (
            "POSTBRIDGE_DATA_DIR".to_string(),
            dir.to_string_lossy().into_owned(),
        ),
        // No profiles or keychain of the machine's user.
        (
            "POSTBRIDGE_CONFIG_DIR".to_string(),
            dir.join("config").to_string_lossy().into_owned(),
        ),
    ])
}

fn parse(argv: &[&str]) -> Command {
    let mut full = vec!["postbridge"];
    full.extend_from_slice(argv);
    Cli::try_parse_from(full).unwrap().command.unwrap()
}

async fn schedule(env: &HashMap<String, String>, argv: &[&str]) -> post::Outcome {
    let mut full = vec!["schedule", "--json"];
    full.extend_from_slice(argv);
    match parse(&full) {
        Command::Schedule(a) => q::execute_schedule(&a, env, &post::accounts_from_env(env)).await,
        other => panic!("{other:?}"),
    }
}

async fn run_once(env: &HashMap<String, String>) -> (u8, Value) {
    match parse(&["queue", "run", "--once", "--json"]) {
        Command::Queue(q::QueueArgs {
            command: QueueCommand::Run(a),
        }) => {
            let o = q::execute_run(&a, env, &post::accounts_from_env(env)).await;
            (o.code, json(&o.stdout))
        }
        other => panic!("{other:?}"),
    }
}

fn list(env: &HashMap<String, String>) -> Vec<Value> {
    match parse(&["queue", "list", "--json"]) {
        Command::Queue(q::QueueArgs {
            command: QueueCommand::List(a),
        }) => {
            let o = q::execute_list(&a, env);
            assert_eq!(o.code, 0, "{o:?}");
            json(&o.stdout)["items"].as_array().unwrap().clone()
        }
        other => panic!("{other:?}"),
    }
}

fn item<'a>(items: &'a [Value], id: &str) -> &'a Value {
    items.iter().find(|i| i["id"] == id).unwrap()
}

fn json(stdout: &str) -> Value {
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    serde_json::from_str(stdout).unwrap()
}

/// `now + secs` as RFC 3339 with a +02:00 offset.
fn at(secs: i64) -> String {
    let t = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(secs);
    t.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(2)))
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn count(s: &SimHandle, text: &str) -> usize {
    s.posts()
        .iter()
        .filter(|p| p.text == text && !p.deleted)
        .count()
}

fn tweet_posts(s: &SimHandle) -> usize {
    s.requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/tweets")
        .count()
}

fn png(dir: &std::path::Path, name: &str, seed: usize) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, testkit::samples::png(64, 64, seed)).unwrap();
    p
}

#[tokio::test]
async fn schedule_then_run_once_posts_once_and_says_how_late() {
    let s = sim().await;
    let dir = data_dir("basic");
    let env = env_for(&s, &s.demo(), &dir);
    let text = "scheduled from the CLI";
    let when = at(-5);
    let o = schedule(&env, &["--at", &when, text]).await;
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(v["at"], when.as_str());
    let later = schedule(&env, &["--at", &at(3600), "an hour from now"]).await;
    assert_eq!(later.code, 0, "{later:?}");
    let later_id = json(&later.stdout)["id"].as_str().unwrap().to_owned();

    let items = list(&env);
    assert_eq!(item(&items, &id)["state"], "scheduled");
    assert_eq!(item(&items, &id)["text"], text);
    assert_eq!(item(&items, &id)["post_ids"], serde_json::json!([]));

    let (code, r) = run_once(&env).await;
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["posted"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["posted"][0]["id"], id.as_str());
    let post_id = r["posted"][0]["post_ids"][0].as_str().unwrap().to_owned();
    assert!(r["posted"][0]["late_secs"].as_u64().unwrap() >= 5, "{r}");
    for k in ["held", "failed", "unknown"] {
        assert!(r[k].as_array().unwrap().is_empty(), "{k}: {r}");
    }
    assert_eq!(count(&s, text), 1);
    assert!(s.posts().iter().any(|p| p.id == post_id));

    let items = list(&env);
    assert_eq!(item(&items, &id)["state"], "posted");
    assert_eq!(item(&items, &id)["post_ids"][0], post_id.as_str());
    assert_eq!(item(&items, &later_id)["state"], "scheduled");

    // Run again: nothing is due, nothing is sent.
    let before = tweet_posts(&s);
    let (code, r) = run_once(&env).await;
    assert_eq!(code, 0);
    assert!(r["posted"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(tweet_posts(&s), before);
    assert_eq!(count(&s, text), 1);

    // The history says it was a scheduled post and how late.
    let store = composer::Store::open(&dir.join(composer::store::DB_FILE)).unwrap();
    let h = store.history(10).unwrap();
    let row = h
        .iter()
        .find(|e| e.post_id.as_deref() == Some(&post_id))
        .unwrap();
    assert!(
        row.note
            .as_deref()
            .unwrap_or("")
            .contains("s after its time"),
        "{row:?}"
    );
}

#[tokio::test]
async fn refusals_use_the_failure_shape_of_post() {
    let s = sim().await;
    let dir = data_dir("refuse");
    let env = env_for(&s, &s.demo(), &dir);
    for (when, limit) in [(at(-7200), None), (at(-120), Some("60"))] {
        let mut argv = vec!["--at", when.as_str()];
        if let Some(l) = limit {
            argv.extend(["--late-limit", l]);
        }
        argv.push("too late");
        let o = schedule(&env, &argv).await;
        assert_eq!(o.code, 1, "{o:?}");
        let v = json(&o.stdout);
        assert_eq!(v["error"]["kind"], "invalid-request", "{v}");
        assert!(
            v["error"]["detail"]
                .as_str()
                .unwrap()
                .contains("late limit"),
            "{v}"
        );
        assert!(v["error"]["fix"].is_array() && v["error"]["cause"].is_string());
    }
    let o = schedule(&env, &["--at", "2030-01-01T09:00:00", "no offset"]).await;
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(json(&o.stdout)["error"]["kind"], "invalid-request");
    let o = schedule(
        &env,
        &["--at", &at(60), "--media", "/nonexistent/x.png", "gone"],
    )
    .await;
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(json(&o.stdout)["error"]["kind"], "media-invalid");
    assert!(list(&env).is_empty());
    assert_eq!(tweet_posts(&s), 0);
}

#[tokio::test]
async fn a_late_item_is_held_and_a_cancelled_one_never_posts() {
    let s = sim().await;
    let dir = data_dir("late");
    let env = env_for(&s, &s.demo(), &dir);
    let o = schedule(
        &env,
        &["--at", &at(0), "--late-limit", "1", "held for review"],
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    let held = json(&o.stdout)["id"].as_str().unwrap().to_owned();
    let o = schedule(&env, &["--at", &at(-1), "cancelled before its time"]).await;
    let cancelled = json(&o.stdout)["id"].as_str().unwrap().to_owned();
    match parse(&["queue", "cancel", "--json", &cancelled]) {
        Command::Queue(q::QueueArgs {
            command: QueueCommand::Cancel(a),
        }) => {
            let o = q::execute_cancel(&a, &env);
            assert_eq!(o.code, 0, "{o:?}");
            assert_eq!(json(&o.stdout)["state"], "cancelled");
            let again = q::execute_cancel(&a, &env);
            assert_eq!(again.code, 1, "{again:?}");
            assert_eq!(json(&again.stdout)["error"]["kind"], "invalid-request");
        }
        other => panic!("{other:?}"),
    }
    // More than the 1 s limit past due when the runner comes.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (code, r) = run_once(&env).await;
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["held"][0]["id"], held.as_str(), "{r}");
    assert!(r["held"][0]["late_secs"].as_u64().unwrap() >= 2);
    assert!(r["posted"].as_array().unwrap().is_empty(), "{r}");
    let items = list(&env);
    assert_eq!(item(&items, &held)["state"], "held");
    assert_eq!(item(&items, &cancelled)["state"], "cancelled");
    assert_eq!(tweet_posts(&s), 0);
    assert_eq!(count(&s, "held for review"), 0);
}

#[tokio::test]
async fn a_thread_with_an_image_posts_as_a_reply_chain() {
    let s = sim().await;
    let dir = data_dir("thread");
    let env = env_for(&s, &s.demo(), &dir);
    let img = png(&dir, "t.png", 3);
    let demo = s.demo();
    let queue = q::open_queue(&env).unwrap();
    let now = jiff::Timestamp::now();
    let texts = [
        "thread 1/3 with a picture",
        "thread 2/3",
        "thread 3/3 example.com",
    ];
    let item = queue
        .schedule(
            NewItem {
                account: format!("user:{}", demo.user_id),
                username: Some(demo.username.clone()),
                parts: texts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| NewPart {
                        text: (*t).to_owned(),
                        media: if i == 0 {
                            vec![(img.clone(), Some("a test square".into()))]
                        } else {
                            vec![]
                        },
                    })
                    .collect(),
                reply_to: None,
                upload_route: x_client::UploadRoute::Auto,
                due: Due::parse(&at(-1)).unwrap(),
                late_limit: None,
            },
            now,
        )
        .unwrap();
    assert_eq!(
        item.cost(composer::Plan::PayPerUse).micros,
        15_000 * 2 + 200_000
    );
    let (code, r) = run_once(&env).await;
    assert_eq!(code, 0, "{r}");
    let ids: Vec<String> = r["posted"][0]["post_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "{r}");
    let posts = s.posts();
    let by_id = |id: &str| posts.iter().find(|p| p.id == id).unwrap().clone();
    let first = by_id(&ids[0]);
    assert_eq!(first.media_ids.len(), 1);
    let m = s
        .media()
        .into_iter()
        .find(|m| m.id == first.media_ids[0])
        .unwrap();
    assert_eq!(m.alt_text.as_deref(), Some("a test square"));
    assert_eq!(
        by_id(&ids[1]).in_reply_to_tweet_id.as_deref(),
        Some(ids[0].as_str())
    );
    assert_eq!(
        by_id(&ids[2]).in_reply_to_tweet_id.as_deref(),
        Some(ids[1].as_str())
    );
    for t in texts {
        assert_eq!(count(&s, t), 1, "{t}");
    }
}

#[tokio::test]
async fn changed_media_fail_clearly_and_another_user_is_refused() {
    let s = sim().await;
    let dir = data_dir("media");
    let env = env_for(&s, &s.demo(), &dir);
    let img = png(&dir, "m.png", 1);
    let o = schedule(
        &env,
        &[
            "--at",
            &at(-1),
            "--media",
            img.to_str().unwrap(),
            "picture that changes",
        ],
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    let changed = json(&o.stdout)["id"].as_str().unwrap().to_owned();
    std::fs::write(&img, testkit::samples::png(96, 96, 2)).unwrap();

    let o = schedule(&env, &["--at", &at(-1), "for the demo user only"]).await;
    let mine = json(&o.stdout)["id"].as_str().unwrap().to_owned();

    // Another user's credentials: refused before anything is sent; the item stays scheduled.
    let other = s
        .issue_token("other_person", x_sim::AccessLevel::ReadWrite)
        .unwrap();
    let other_env = env_for(&s, &other, &dir);
    let (code, r) = run_once(&other_env).await;
    assert_eq!(code, 1, "{r}");
    let failed = r["failed"].as_array().unwrap();
    let f = failed.iter().find(|f| f["id"] == changed.as_str()).unwrap();
    assert_eq!(f["error"]["kind"], "account-mismatch", "{r}");
    let f = failed.iter().find(|f| f["id"] == mine.as_str()).unwrap();
    assert_eq!(f["error"]["kind"], "account-mismatch", "{r}");
    assert!(
        f["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("other_person"),
        "{r}"
    );
    assert_eq!(tweet_posts(&s), 0);
    assert_eq!(item(&list(&env), &mine)["state"], "scheduled");

    // The right user: the text posts, the changed picture fails with its reason, content kept.
    let (code, r) = run_once(&env).await;
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["posted"][0]["id"], mine.as_str(), "{r}");
    assert_eq!(r["failed"][0]["id"], changed.as_str(), "{r}");
    assert_eq!(r["failed"][0]["error"]["kind"], "media-invalid");
    let detail = r["failed"][0]["error"]["detail"].as_str().unwrap();
    assert!(
        detail.contains("m.png") && detail.contains("changed"),
        "{detail}"
    );
    assert_eq!(count(&s, "picture that changes"), 0);
    let items = list(&env);
    assert_eq!(item(&items, &changed)["state"], "failed");
    assert_eq!(item(&items, &changed)["text"], "picture that changes");

    // A file that vanished.
    let gone = png(&dir, "gone.png", 4);
    let o = schedule(
        &env,
        &[
            "--at",
            &at(-1),
            "--media",
            gone.to_str().unwrap(),
            "picture that vanishes",
        ],
    )
    .await;
    let vanished = json(&o.stdout)["id"].as_str().unwrap().to_owned();
    std::fs::remove_file(&gone).unwrap();
    let (code, r) = run_once(&env).await;
    assert_eq!(code, 1, "{r}");
    assert_eq!(r["failed"][0]["id"], vanished.as_str());
    assert!(
        r["failed"][0]["error"]["detail"]
            .as_str()
            .unwrap()
            .contains("is gone"),
        "{r}"
    );
}

/// The headless `postbridge` of this crate.
fn runner(env: &HashMap<String, String>) -> Process {
    let mut c = Process::new(env!("CARGO_BIN_EXE_postbridge-cli"));
    c.args(["queue", "run", "--once", "--json"])
        .env_clear()
        .envs(env)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_runner_processes_post_a_due_item_once() {
    let s = sim().await;
    s.update_modes(|m| m.duplicate_window_secs = 0);
    let dir = data_dir("three");
    let env = env_for(&s, &s.demo(), &dir);
    let text = "one due item, three runners";
    let o = schedule(&env, &["--at", &at(-1), text]).await;
    let id = json(&o.stdout)["id"].as_str().unwrap().to_owned();
    let children: Vec<_> = (0..3).map(|_| runner(&env).spawn().unwrap()).collect();
    let outs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let mut posted_by = 0;
    for out in &outs {
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        posted_by += v["posted"].as_array().unwrap().len();
    }
    assert_eq!(posted_by, 1, "{outs:?}");
    assert_eq!(count(&s, text), 1);
    assert_eq!(tweet_posts(&s), 1);
    assert_eq!(item(&list(&env), &id)["state"], "posted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_killed_mid_send_is_settled_by_read_back_not_a_second_post() {
    let s = sim().await;
    s.update_modes(|m| m.duplicate_window_secs = 0);
    let dir = data_dir("killed");
    let env = env_for(&s, &s.demo(), &dir);
    let text = "sent, then the runner died";
    let o = schedule(&env, &["--at", &at(-1), text]).await;
    let id = json(&o.stdout)["id"].as_str().unwrap().to_owned();
    // The post is created, X's answer is lost (503 after the create), and the runner's
    // read-back hangs: it is killed while the item is 'posting' with its part armed.
    s.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: true,
            ..Faults::default()
        },
    );
    s.set_faults(
        "GET /2/users/:id/tweets",
        Faults {
            hang_rate: 1.0,
            ..Faults::default()
        },
    );
    let mut child = runner(&env).spawn().unwrap();
    let mut waited = 0;
    while !s
        .requests()
        .iter()
        .any(|r| r.endpoint == "GET /2/users/:id/tweets")
    {
        assert!(waited < 600, "the runner never reached its read-back");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(count(&s, text), 1, "the simulator has the post");
    assert_eq!(item(&list(&env), &id)["state"], "posting");

    s.clear_faults();
    let (code, r) = run_once(&env).await;
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["posted"][0]["id"], id.as_str(), "{r}");
    assert_eq!(r["posted"][0]["resumed"], true, "{r}");
    let found = r["posted"][0]["post_ids"][0].as_str().unwrap();
    assert!(s.posts().iter().any(|p| p.id == found && p.text == text));
    assert_eq!(tweet_posts(&s), 1, "never a second POST /2/tweets");
    assert_eq!(count(&s, text), 1);
    assert_eq!(item(&list(&env), &id)["state"], "posted");
}
