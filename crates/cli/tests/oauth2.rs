//! The CLI's OAuth 2.0 paths against the simulator (issue 12 item 7): `login --no-browser`
//! with the test pasting the redirect, `login` through its loopback listener with the test
//! playing the browser (`POSTBRIDGE_BROWSER=none`), `post --profile` with Bearer (refreshing on
//! its own after X's clock moved past the expiry), `X_OAUTH2_ACCESS_TOKEN` winning over the
//! OAuth 1.0a variables, `--upload-route v1` refused as `upload-route-retired`, and a refused
//! refresh as `sign-in-required`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use accounts::{Accounts, SignIn};
use clap::Parser;
use keychain::{MemoryStore, SecretStore};
use postbridge_cli::login::{LoginArgs, LoginIo};
use postbridge_cli::{login, post, Cli, Command};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use x_client::{Pkce, TokenClient};
use x_sim::oauth2::DEMO_CLIENT_ID;
use x_sim::{SimConfig, SimHandle};

async fn sim() -> SimHandle {
    let s = x_sim::start(SimConfig::default()).await.unwrap();
    s.update_modes(|m| m.processing_ms = 0);
    s
}

fn env_for(s: &SimHandle) -> HashMap<String, String> {
    let data = testkit::tmp_dir("pb-cli-o2-data");
    HashMap::from([
        ("POSTBRIDGE_API_BASE".to_string(), s.api_base()),
        ("POSTBRIDGE_UPLOAD_BASE".to_string(), s.upload_base()),
        (
            "POSTBRIDGE_DATA_DIR".to_string(),
            data.to_string_lossy().into_owned(),
        ),
    ])
}

fn parse(argv: &[&str]) -> Command {
    let mut full = vec!["postbridge"];
    full.extend_from_slice(argv);
    Cli::try_parse_from(full).unwrap().command.unwrap()
}

fn post_args(argv: &[&str]) -> post::PostArgs {
    let mut full = vec!["post"];
    full.extend_from_slice(argv);
    match parse(&full) {
        Command::Post(a) => a,
        other => panic!("{other:?}"),
    }
}

fn login_args(argv: &[&str]) -> LoginArgs {
    let mut full = vec!["login"];
    full.extend_from_slice(argv);
    match parse(&full) {
        Command::Login(a) => a,
        other => panic!("{other:?}"),
    }
}

fn json1(stdout: &str) -> Value {
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    serde_json::from_str(stdout).unwrap()
}

fn png(name: &str) -> PathBuf {
    testkit::write(
        &testkit::tmp_dir("pb-cli-o2-media"),
        name,
        &testkit::samples::png(32, 32, 0),
    )
}

fn token_requests(s: &SimHandle) -> usize {
    s.requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/oauth2/token")
        .count()
}

/// The browser's part: the simulator's consent approves `url`; where it redirects.
async fn approve(s: &SimHandle, url: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/oauth2/authorize", s.api_base()))
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let v: Value = r.json().await.unwrap();
    v["location"].as_str().unwrap().to_owned()
}

/// The sign-in address in what the CLI said.
fn url_in(said: &str) -> String {
    said.split_whitespace()
        .find(|w| w.contains("/i/oauth2/authorize?"))
        .unwrap_or_else(|| panic!("no address in: {said}"))
        .to_owned()
}

/// `login` running in a task: what it says arrives on the returned receiver, and the writer is
/// its standard input.
fn start_login(
    args: LoginArgs,
    env: HashMap<String, String>,
    acc: Accounts,
) -> (
    tokio::task::JoinHandle<post::Outcome>,
    tokio::sync::mpsc::UnboundedReceiver<String>,
    tokio::io::DuplexStream,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (stdin_w, stdin_r) = tokio::io::duplex(4096);
    let io = LoginIo {
        say: Box::new(move |m: &str| {
            let _ = tx.send(m.to_owned());
        }),
        input: Box::new(tokio::io::BufReader::new(stdin_r)),
    };
    let task = tokio::spawn(async move { login::execute(&args, &env, &acc, io).await });
    (task, rx, stdin_w)
}

fn memory_accounts() -> (tempfile::TempDir, Arc<MemoryStore>, Accounts) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let acc = Accounts::new(dir.path(), store.clone());
    (dir, store, acc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_without_a_browser_then_posts_with_bearer_and_refreshes_on_its_own() {
    let s = sim().await;
    let env = env_for(&s);
    let (_dir, store, acc) = memory_accounts();

    let args = login_args(&[
        "--no-browser",
        "--json",
        "--profile",
        "Mine",
        "--client-id",
        DEMO_CLIENT_ID,
    ]);
    let (task, mut said, mut stdin) = start_login(args, env.clone(), acc.clone());
    let prompt = said.recv().await.unwrap();
    assert!(prompt.contains("paste"), "{prompt}");
    let location = approve(&s, &url_in(&prompt)).await;
    assert!(
        location.starts_with("http://127.0.0.1:8745/callback?"),
        "{location}"
    );
    stdin
        .write_all(format!("{location}\n").as_bytes())
        .await
        .unwrap();
    let o = task.await.unwrap();
    assert_eq!(o.code, 0, "{o:?}");
    let v = json1(&o.stdout);
    assert_eq!(v["profile"], "Mine");
    assert_eq!(v["username"], "postbridge_demo");
    assert_eq!(v["missing_scopes"], json!([]));

    let p = acc.profile("Mine").unwrap();
    assert_eq!(p.sign_in.oauth2_client_id(), Some(DEMO_CLIENT_ID));
    assert_eq!(acc.default_profile().unwrap().unwrap().name, "Mine");
    let tokens = acc.token_set("Mine").unwrap();
    let file = std::fs::read_to_string(acc.dir().join("profiles.json")).unwrap();
    assert!(!file.contains(&tokens.access_token), "{file}");
    assert!(!o.stdout.contains(&tokens.access_token) && !o.stderr.contains(&tokens.access_token));

    // post --profile: Bearer, no OAuth 1.0a signature.
    let o = post::execute_with(
        &post_args(&["--json", "--profile", "Mine", "hello over OAuth 2.0"]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    let tweet = s
        .requests()
        .into_iter()
        .rfind(|r| r.endpoint == "POST /2/tweets")
        .unwrap();
    assert_eq!(tweet.status, 201, "{tweet:?}");
    assert!(
        tweet.base_string.is_none()
            && tweet
                .token
                .as_deref()
                .is_some_and(|t| t.starts_with(x_sim::oauth2::ACCESS_PREFIX)),
        "not a Bearer request: {tweet:?}"
    );

    // Media through v2 with Auto; v1 refused before anything is sent.
    let img = png("o2.png");
    let img = img.to_str().unwrap();
    let o = post::execute_with(
        &post_args(&["--json", "--media", img, "with a picture"]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(json1(&o.stdout)["uploads"][0]["route_used"], "v2");
    let sent = s.requests().len();
    let o = post::execute_with(
        &post_args(&[
            "--json",
            "--upload-route",
            "v1",
            "--media",
            img,
            "v1 please",
        ]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(json1(&o.stdout)["error"]["kind"], "upload-route-retired");
    assert!(
        s.requests()[sent..]
            .iter()
            .all(|r| !r.endpoint.contains("media")),
        "nothing uploaded"
    );

    // X's clock passes the expiry: the profile refreshes by itself (once) and posts.
    s.advance_clock(7_201);
    let before = token_requests(&s);
    let o = post::execute_with(&post_args(&["--json", "after two hours"]), &env, &acc, None).await;
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(token_requests(&s) - before, 1, "one refresh");
    assert_ne!(
        acc.token_set("Mine").unwrap().access_token,
        tokens.access_token
    );

    // A refresh X refuses: sign-in-required (exit 1), naming `postbridge login`.
    let mut dead = acc.token_set("Mine").unwrap();
    dead.expires_at = 0;
    dead.refresh_token = Some("not-a-live-refresh-token".into());
    store
        .set("profile:Mine", &serde_json::to_string(&dead).unwrap())
        .unwrap();
    let o = post::execute_with(&post_args(&["--json", "refused"]), &env, &acc, None).await;
    assert_eq!(o.code, 1, "{o:?}");
    let e = &json1(&o.stdout)["error"];
    assert_eq!(e["kind"], "sign-in-required", "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("postbridge login"),
        "{e}"
    );
    assert!(!o.stdout.contains("not-a-live-refresh-token"));
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth2_variable_wins_over_the_oauth1_ones() {
    let s = sim().await;
    let tc = TokenClient::new(testkit::endpoints(&s), DEMO_CLIENT_ID).unwrap();
    let pkce = Pkce::new().unwrap();
    let redirect = "http://127.0.0.1:8745/callback";
    let location = approve(&s, &tc.authorize_url(redirect, &pkce)).await;
    let code = x_client::oauth2::parse_redirect(&location, &pkce.state).unwrap();
    let t = tc
        .exchange_code(&code, &pkce.verifier, redirect)
        .await
        .unwrap();

    let mut env = env_for(&s);
    env.insert("X_OAUTH2_ACCESS_TOKEN".into(), t.access_token.clone());
    // Wrong 1.0a keys: they would fail if used.
    for k in post::ENV_KEYS {
        env.insert(k.into(), "wrong".into());
    }
    let (_dir, _store, acc) = memory_accounts();
    let o = post::execute_with(
        &post_args(&["--json", "from the variable"]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    let img = png("env.png");
    let img = img.to_str().unwrap();
    let o = post::execute_with(
        &post_args(&["--json", "--media", img, "auto is v2"]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");
    assert_eq!(json1(&o.stdout)["uploads"][0]["route_used"], "v2");
    let o = post::execute_with(
        &post_args(&["--json", "--upload-route", "v1", "--media", img, "v1"]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(json1(&o.stdout)["error"]["kind"], "upload-route-retired");

    // A token from the environment cannot refresh: expired is token-expired.
    s.advance_clock(7_201);
    let o = post::execute_with(&post_args(&["--json", "too late"]), &env, &acc, None).await;
    assert_eq!(o.code, 1, "{o:?}");
    assert_eq!(json1(&o.stdout)["error"]["kind"], "token-expired");
    assert!(!o.stdout.contains(&t.access_token));
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_through_the_loopback_listener() {
    let s = sim().await;
    let port = testkit::free_port();
    let client_id = "listenerTestClient";
    let callback = format!("http://127.0.0.1:{port}/callback");
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/oauth2/clients", s.api_base()))
        .json(&json!({ "client_id": client_id, "redirect_uris": [callback] }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    let mut env = env_for(&s);
    env.insert("POSTBRIDGE_BROWSER".into(), "none".into());
    let (_dir, _store, acc) = memory_accounts();
    let port_s = port.to_string();
    let args = login_args(&[
        "--port",
        &port_s,
        "--client-id",
        client_id,
        "--timeout",
        "60",
    ]);
    let (task, mut said, _stdin) = start_login(args, env.clone(), acc.clone());
    let shown = said.recv().await.unwrap();
    let location = approve(&s, &url_in(&shown)).await;
    assert!(location.starts_with(&callback), "{location}");

    // The browser follows the redirect to the listener, which was up before the URL was shown.
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let miss = http
        .get(format!("{base}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(miss.status(), 404);
    let page = http.get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("You can close this tab"));

    let o = task.await.unwrap();
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains("Signed in as @postbridge_demo"), "{o:?}");
    let p = acc.profile("postbridge_demo").unwrap();
    assert_eq!(
        p.sign_in,
        SignIn::OAuth2 {
            client_id: client_id.into()
        }
    );
    let o = post::execute_with(
        &post_args(&["--json", "via the listener"]),
        &env,
        &acc,
        None,
    )
    .await;
    assert_eq!(o.code, 0, "{o:?}");

    // A redirect whose state is not ours is refused (and nothing is saved).
    let (_d2, _s2, acc2) = memory_accounts();
    let port2 = testkit::free_port();
    let port2_s = port2.to_string();
    let args = login_args(&["--no-browser", "--port", &port2_s, "--client-id", client_id]);
    let (task, mut said, mut stdin) = start_login(args, env.clone(), acc2.clone());
    said.recv().await.unwrap();
    stdin
        .write_all(format!("http://127.0.0.1:{port2}/callback?state=forged&code=x\n").as_bytes())
        .await
        .unwrap();
    let o = task.await.unwrap();
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("state"), "{o:?}");
    assert!(acc2.book().unwrap().profiles.is_empty());
    s.shutdown().await;
}
