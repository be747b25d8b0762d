//! `postbridge post` and `postbridge doctor` against the simulator, through the CLI library
//! (argument parsing by clap as the binary does, then `execute` with an explicit environment).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::PathBuf;

use clap::Parser;
use postbridge_cli::{doctor, post, Cli, Command};
use serde_json::Value;
use x_sim::{Faults, SimConfig, SimHandle, V1Retired};

async fn sim() -> SimHandle {
    let s = x_sim::start(SimConfig::default()).await.unwrap();
    s.update_modes(|m| m.processing_ms = 0);
    s
}

fn env_for(s: &SimHandle, d: &x_sim::DemoCredentials) -> HashMap<String, String> {
    HashMap::from([
        ("X_API_KEY".to_string(), d.consumer_key.clone()),
        ("X_API_SECRET".to_string(), d.consumer_secret.clone()),
        ("X_ACCESS_TOKEN".to_string(), d.access_token.clone()),
        ("X_ACCESS_SECRET".to_string(), d.access_token_secret.clone()),
        ("POSTBRIDGE_API_BASE".to_string(), s.api_base()),
        ("POSTBRIDGE_UPLOAD_BASE".to_string(), s.upload_base()),
        ("POSTBRIDGE_DATA_DIR".to_string(), data_dir(s)),
    ])
}

/// A data directory (the send journal's database) of this simulator's tests.
fn data_dir(s: &SimHandle) -> String {
    let dir = std::env::temp_dir().join(format!(
        "pb-cli-data-{}-{}",
        std::process::id(),
        s.api_base().rsplit(':').next().unwrap_or("0")
    ));
    dir.to_string_lossy().into_owned()
}

fn count(s: &SimHandle, text: &str) -> usize {
    s.posts()
        .iter()
        .filter(|p| p.text == text && !p.deleted)
        .count()
}

fn post_args(argv: &[&str]) -> post::PostArgs {
    let mut full = vec!["postbridge", "post"];
    full.extend_from_slice(argv);
    match Cli::try_parse_from(full).unwrap().command {
        Some(Command::Post(a)) => a,
        other => panic!("{other:?}"),
    }
}

fn doctor_args(argv: &[&str]) -> doctor::DoctorArgs {
    let mut full = vec!["postbridge", "doctor"];
    full.extend_from_slice(argv);
    match Cli::try_parse_from(full).unwrap().command {
        Some(Command::Doctor(a)) => a,
        other => panic!("{other:?}"),
    }
}

fn json(stdout: &str) -> Value {
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    serde_json::from_str(stdout).unwrap()
}

fn png(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pb-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, testkit::samples::png(64, 64, 0)).unwrap();
    p
}

#[tokio::test]
async fn post_text_and_media_json() {
    let s = sim().await;
    let env = env_for(&s, &s.demo());

    let o = post::execute(&post_args(&["--json", "hello from the CLI"]), &env, None).await;
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    let id = v["id"].as_str().unwrap();
    assert!(v["media_ids"].as_array().unwrap().is_empty());
    assert!(s.posts().iter().any(|p| p.id == id));

    let img = png("cli.png");
    let img = img.to_str().unwrap();
    let o = post::execute(
        &post_args(&[
            "--json",
            "--media",
            img,
            "--alt",
            "a grey square",
            "with a picture",
        ]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    let mid = v["media_ids"][0].as_str().unwrap().to_string();
    let m = s.media().into_iter().find(|m| m.id == mid).unwrap();
    assert_eq!(m.alt_text.as_deref(), Some("a grey square"));
    let post = s
        .posts()
        .into_iter()
        .find(|p| p.id == v["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(post.media_ids, vec![mid]);

    // Auto falls back when v1.1 is retired; explicit v2 works; the reply goes through.
    s.set_v1_retired(V1Retired::Forbidden453);
    let o = post::execute(
        &post_args(&["--json", "--media", img, "--reply-to", id, "fallback reply"]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    assert_eq!(v["uploads"][0]["route_used"], "v2");
    assert!(v["uploads"][0]["fallback"]["reason"].is_string());
    let o = post::execute(
        &post_args(&["--json", "--upload-route", "v2", "--media", img, "v2 only"]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");

    // Explicit v1 against a retired v1.1: the route-retired kind, nothing posted.
    let before = s.posts().len();
    let o = post::execute(
        &post_args(&["--json", "--upload-route", "v1", "--media", img, "v1 only"]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 1);
    assert_eq!(json(&o.stdout)["error"]["kind"], "upload-route-retired");
    assert_eq!(s.posts().len(), before);

    // Friendly output without --json.
    let o = post::execute(&post_args(&["plain output"]), &env, None).await;
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("✓ Posted "), "{}", o.stdout);
    s.shutdown().await;
}

#[tokio::test]
async fn post_failures_have_the_error_contract() {
    let s = sim().await;
    let env = env_for(&s, &s.demo());

    // Missing credentials: exit 2, names the variables.
    let mut partial = env.clone();
    partial.remove("X_ACCESS_SECRET");
    partial.remove("X_API_KEY");
    let o = post::execute(&post_args(&["hi"]), &partial, None).await;
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("X_API_KEY") && o.stderr.contains("X_ACCESS_SECRET"),
        "{}",
        o.stderr
    );

    // Duplicate: exit 1, the error object.
    post::execute(&post_args(&["--json", "twice"]), &env, None).await;
    let o = post::execute(&post_args(&["--json", "twice"]), &env, None).await;
    assert_eq!(o.code, 1);
    let e = &json(&o.stdout)["error"];
    assert_eq!(e["kind"], "duplicate-content");
    assert_eq!(e["status"], 403);
    assert!(e["detail"].as_str().unwrap().contains("duplicate"));
    assert!(e["cause"].is_string());
    assert!(e["fix"].as_array().is_some_and(|f| !f.is_empty()));

    // Friendly error lines on stderr.
    let o = post::execute(&post_args(&["twice"]), &env, None).await;
    assert_eq!(o.code, 1);
    assert!(o.stderr.contains("duplicate-content"), "{}", o.stderr);

    // Local media refusal names the limit; nothing is sent.
    let dir = std::env::temp_dir().join(format!("pb-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let txt = dir.join("notes.png");
    std::fs::write(&txt, b"not an image").unwrap();
    let o = post::execute(
        &post_args(&["--json", "--media", txt.to_str().unwrap(), "x"]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 1);
    assert_eq!(json(&o.stdout)["error"]["kind"], "media-invalid");

    // Nothing to post, or a reply target that is not a post: exit 2, nothing sent.
    let o = post::execute(&post_args(&["--json", "  "]), &env, None).await;
    assert_eq!(o.code, 2, "{o:?}");
    let o = post::execute(
        &post_args(&["--json", "--reply-to", "https://example.com/x", "r"]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stderr.contains("--reply-to"), "{}", o.stderr);
    s.shutdown().await;
}

#[tokio::test]
async fn unknown_outcome_exits_3_and_is_never_resent() {
    let s = sim().await;
    s.update_modes(|m| m.duplicate_window_secs = 0);
    let env = env_for(&s, &s.demo());
    let after_commit = Faults {
        error_rate: 1.0,
        error_status: 503,
        error_after_commit: true,
        ..Faults::default()
    };

    // Created, then 503: read back, exit 0 with the id.
    s.set_faults("POST /2/tweets", after_commit.clone());
    let o = post::execute(&post_args(&["--json", "created then 503"]), &env, None).await;
    s.clear_faults();
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    assert_eq!(v["confirmed_by"], "read-back");
    assert_eq!(count(&s, "created then 503"), 1);
    assert!(s.posts().iter().any(|p| p.id == v["id"].as_str().unwrap()));

    // 503 before anything was created: exit 3, the outcome-unknown object.
    s.set_faults(
        "POST /2/tweets",
        Faults {
            error_rate: 1.0,
            error_status: 503,
            ..Faults::default()
        },
    );
    let o = post::execute(&post_args(&["--json", "lost answer"]), &env, None).await;
    s.clear_faults();
    assert_eq!(o.code, 3, "{o:?}");
    let e = &json(&o.stdout)["error"];
    assert_eq!(e["kind"], "outcome-unknown");
    assert_eq!(e["status"], 503);
    for k in ["detail", "cause"] {
        assert!(e[k].as_str().is_some_and(|t| !t.is_empty()), "{k}: {e}");
    }
    assert!(e["fix"].as_array().is_some_and(|f| !f.is_empty()));
    // Running it again does not send it (the journal remembers), until --force.
    let o = post::execute(&post_args(&["--json", "lost answer"]), &env, None).await;
    assert_eq!(o.code, 3, "{o:?}");
    assert!(o.stdout.contains("--force"), "{}", o.stdout);
    assert_eq!(count(&s, "lost answer"), 0);
    let o = post::execute(
        &post_args(&["--json", "--force", "lost answer"]),
        &env,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(count(&s, "lost answer"), 1);

    // Created, but the account's posts cannot be read: exit 3. Once reads work, running the
    // same command finds the earlier post instead of posting again.
    s.update_modes(|m| m.reads_refused = Some(429));
    s.set_faults("POST /2/tweets", after_commit);
    let o = post::execute(&post_args(&["unreadable"]), &env, None).await;
    s.clear_faults();
    s.update_modes(|m| m.reads_refused = None);
    assert_eq!(o.code, 3, "{o:?}");
    assert!(o.stderr.contains("outcome-unknown"), "{}", o.stderr);
    let o = post::execute(&post_args(&["--json", "unreadable"]), &env, None).await;
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    assert_eq!(v["confirmed_by"], "read-back");
    assert_eq!(v["earlier_send"], true);
    assert_eq!(count(&s, "unreadable"), 1);
    s.shutdown().await;
}

#[tokio::test]
async fn doctor_healthy_and_problems() {
    let s = sim().await;
    let env = env_for(&s, &s.demo());
    let o = doctor::execute(&doctor_args(&["--json"]), &env).await;
    assert_eq!(o.code, 0, "{o:?}");
    let v = json(&o.stdout);
    assert_eq!(v["username"], s.demo().username.as_str());
    assert_eq!(v["access_level"], "read-write");
    assert!(v["problems"].as_array().unwrap().is_empty());

    let o = doctor::execute(&doctor_args(&[]), &env).await;
    assert_eq!(o.code, 0);
    assert!(o.stdout.contains(&format!("@{}", s.demo().username)));

    // A read-only token.
    let ro = s.issue_token("demo", x_sim::AccessLevel::Read).unwrap();
    let o = doctor::execute(&doctor_args(&["--json"]), &env_for(&s, &ro)).await;
    assert_eq!(o.code, 1);
    let v = json(&o.stdout);
    assert_eq!(v["access_level"], "read");
    let p = &v["problems"][0];
    assert_eq!(p["kind"], "read-only-token");
    assert!(p["cause"].is_string() && p["fix"].is_array());
    assert_eq!(p["wizard_step"], "permissions");

    // Wrong keys.
    let mut bad = s.demo();
    bad.access_token_secret.push('z');
    let o = doctor::execute(&doctor_args(&["--json"]), &env_for(&s, &bad)).await;
    assert_eq!(o.code, 1);
    let v = json(&o.stdout);
    assert!(v["username"].is_null());
    assert_eq!(v["problems"][0]["kind"], "invalid-credentials");

    // Not enrolled.
    s.update_modes(|m| m.client_enrolled = false);
    let o = doctor::execute(&doctor_args(&["--json"]), &env).await;
    assert_eq!(o.code, 1);
    assert_eq!(
        json(&o.stdout)["problems"][0]["kind"],
        "client-not-enrolled"
    );
    s.update_modes(|m| m.client_enrolled = true);

    // Missing environment.
    let o = doctor::execute(&doctor_args(&["--json"]), &HashMap::new()).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("X_API_SECRET"));
    s.shutdown().await;
}
