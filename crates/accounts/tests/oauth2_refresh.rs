//! OAuth 2.0 profiles against the simulator's authorization server: the token set lives in the
//! keychain, a due token is refreshed exactly once however many callers (tasks, threads, two
//! processes) want it at once, every caller gets a working token, a 401 refreshes, and a
//! reused refresh token means `sign-in-required` with no secret in any error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use accounts::{Accounts, AccountsError, Profile, SignIn};
use keychain::{KeychainError, MemoryStore, SecretStore};
use serde_json::json;
use x_client::{BearerToken, ErrorKind, Pkce, TokenClient, TokenSet, XClient};
use x_sim::oauth2::DEMO_CLIENT_ID;
use x_sim::SimHandle;

const REDIRECT: &str = "http://127.0.0.1:8745/callback";
const TOKEN_ENDPOINT: &str = "POST /2/oauth2/token";

async fn sim() -> SimHandle {
    x_sim::start(x_sim::SimConfig::default()).await.unwrap()
}

fn token_client(s: &SimHandle) -> TokenClient {
    TokenClient::with_config(
        testkit::endpoints(s),
        DEMO_CLIENT_ID,
        testkit::fast_config(),
    )
    .unwrap()
}

/// A whole browser sign-in, the control hook playing the browser.
async fn sign_in(s: &SimHandle) -> TokenSet {
    let tc = token_client(s);
    let pkce = Pkce::new().unwrap();
    let url = tc.authorize_url(REDIRECT, &pkce);
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/_sim/oauth2/authorize", s.api_base()))
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code =
        x_client::oauth2::parse_redirect(v["location"].as_str().unwrap(), &pkce.state).unwrap();
    tc.exchange_code(&code, &pkce.verifier, REDIRECT)
        .await
        .unwrap()
}

fn token_requests(s: &SimHandle) -> usize {
    s.requests()
        .iter()
        .filter(|r| r.endpoint == TOKEN_ENDPOINT)
        .count()
}

fn oauth2_profile(s: &SimHandle, name: &str) -> Profile {
    let mut p = Profile::new(name);
    p.api_base = Some(s.api_base());
    p.upload_base = Some(s.upload_base());
    p.sign_in = SignIn::OAuth2 {
        client_id: DEMO_CLIENT_ID.into(),
    };
    p
}

/// Saves a signed-in profile whose access token this computer already considers expired.
async fn saved_due(s: &SimHandle, acc: &Accounts, name: &str) -> TokenSet {
    let mut t = sign_in(s).await;
    t.expires_at = accounts::oauth2::now_secs() - 1;
    acc.save_oauth2(oauth2_profile(s, name), &t).unwrap();
    t
}

async fn works(s: &SimHandle, token: &BearerToken) {
    let c = XClient::new_oauth2(testkit::endpoints(s), token.clone()).unwrap();
    assert_eq!(c.me().await.unwrap().username, "postbridge_demo");
}

fn no_secret(text: &str, secrets: &[&str]) {
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        assert!(!text.contains(s), "a secret leaked into: {text}");
    }
}

#[tokio::test]
async fn the_token_set_lives_in_the_keychain_and_a_fresh_token_is_used_as_it_is() {
    let s = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let acc = Accounts::new(dir.path(), store.clone());
    let t = sign_in(&s).await;
    acc.save_oauth2(oauth2_profile(&s, "o2"), &t).unwrap();

    let file = std::fs::read_to_string(dir.path().join("profiles.json")).unwrap();
    assert!(
        file.contains(DEMO_CLIENT_ID),
        "the Client ID is kept: {file}"
    );
    no_secret(
        &file,
        &[&t.access_token, t.refresh_token.as_deref().unwrap()],
    );
    assert_eq!(acc.token_set("o2").unwrap(), t);
    assert!(acc.has_credentials("o2").unwrap());
    assert!(matches!(
        acc.credentials("o2"),
        Err(AccountsError::NotOAuth1(_))
    ));

    let before = token_requests(&s);
    let b = acc.bearer("o2", &token_client(&s)).await.unwrap();
    assert_eq!(b.secret(), t.access_token);
    assert_eq!(token_requests(&s), before, "not due: no refresh");
    works(&s, &b).await;

    // An OAuth 1.0a profile's keys are never overwritten by an OAuth 2.0 sign-in.
    acc.save(Profile::new("keys"), &testkit::credentials(&s.demo()))
        .unwrap();
    assert!(matches!(
        acc.save_oauth2(oauth2_profile(&s, "keys"), &t),
        Err(AccountsError::UsesOAuth1(_))
    ));
    assert!(matches!(
        acc.save_oauth2(Profile::new("plain"), &t),
        Err(AccountsError::NotOAuth2(_))
    ));
    // Renaming moves the token set with the profile.
    acc.rename("o2", "o2b").unwrap();
    assert_eq!(acc.token_set("o2b").unwrap(), t);
}

/// Eight tasks on ONE thread (a waiting task must not block the one refreshing) and four OS
/// threads with runtimes of their own: one refresh each time, one token for all, and it works.
#[test]
fn concurrent_callers_refresh_exactly_once() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = rt.block_on(sim());
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let acc = Accounts::new(dir.path(), store.clone());
    let old = rt.block_on(saved_due(&s, &acc, "shared"));

    // Tasks on a current-thread runtime.
    let before = token_requests(&s);
    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let got: Vec<String> = single.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let acc = acc.clone();
                let tc = token_client(&s);
                tokio::spawn(async move {
                    acc.bearer("shared", &tc)
                        .await
                        .map(|b| b.secret().to_owned())
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap().unwrap());
        }
        out
    });
    assert_eq!(token_requests(&s) - before, 1, "exactly one refresh");
    assert!(got.iter().all(|t| *t == got[0]), "one token for all");
    assert_ne!(got[0], old.access_token);
    let stored = acc.token_set("shared").unwrap();
    assert_eq!(stored.access_token, got[0], "stored before it was returned");
    assert_ne!(stored.refresh_token, old.refresh_token, "rotated");
    rt.block_on(works(&s, &BearerToken::new(got[0].clone())));

    // Due again: OS threads, each with its own runtime and its own Accounts value.
    let mut due = stored.clone();
    due.expires_at = accounts::oauth2::now_secs() + 10;
    store
        .set("profile:shared", &serde_json::to_string(&due).unwrap())
        .unwrap();
    let before = token_requests(&s);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let acc = Accounts::new(dir.path(), store.clone());
            let tc = token_client(&s);
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(acc.bearer("shared", &tc))
                    .map(|b| b.secret().to_owned())
            })
        })
        .collect();
    let got: Vec<String> = threads
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    assert_eq!(token_requests(&s) - before, 1, "exactly one refresh");
    assert!(got.iter().all(|t| *t == got[0]));
    assert_eq!(acc.token_set("shared").unwrap().access_token, got[0]);
    rt.block_on(works(&s, &BearerToken::new(got[0].clone())));
    rt.block_on(s.shutdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_refresh_token_means_sign_in_required_and_shows_no_secret() {
    let s = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let acc = Accounts::new(dir.path(), store.clone());
    let stale = saved_due(&s, &acc, "me").await;
    let fresh = acc.bearer("me", &token_client(&s)).await.unwrap();

    // A stale copy of the pair (its refresh token already used) comes back into the keychain.
    store
        .set("profile:me", &serde_json::to_string(&stale).unwrap())
        .unwrap();
    let e = acc.bearer("me", &token_client(&s)).await.unwrap_err();
    assert!(
        matches!(e, AccountsError::SignInRequired(ref n) if n == "me"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::SignInRequired);
    let d = e.diagnosis();
    assert_eq!(d.kind, ErrorKind::SignInRequired);
    assert!(e.to_string().contains("postbridge login"), "{e}");
    let all = format!("{e} {e:?} {}", serde_json::to_string(&d).unwrap());
    no_secret(
        &all,
        &[
            &stale.access_token,
            stale.refresh_token.as_deref().unwrap(),
            fresh.secret(),
        ],
    );
    no_secret(
        &format!("{:?}", acc.token_set("me").unwrap()),
        &[&stale.access_token],
    );

    // Reuse revoked the family (OAuth 2.0 Security BCP, §14.4): the refreshed pair dies too.
    let fresh_set = TokenSet {
        access_token: fresh.secret().to_owned(),
        expires_at: 0,
        refresh_token: None,
        scopes: vec![],
    };
    store
        .set("profile:me", &serde_json::to_string(&fresh_set).unwrap())
        .unwrap();
    let e = acc.bearer("me", &token_client(&s)).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::SignInRequired,
        "no refresh token: sign in"
    );

    // No tokens at all in the keychain: sign in again too.
    store.delete("profile:me").unwrap();
    assert_eq!(
        acc.bearer("me", &token_client(&s))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::SignInRequired
    );
    s.shutdown().await;
}

/// X's clock runs ahead of this computer's: the token is not due here but X answers 401; the
/// rejection path refreshes (once, even when asked twice with the same rejected token).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_refreshed_once() {
    let s = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let acc = Accounts::new(dir.path(), Arc::new(MemoryStore::new()));
    let t = sign_in(&s).await;
    acc.save_oauth2(oauth2_profile(&s, "ahead"), &t).unwrap();
    s.advance_clock(7_201);
    let tc = token_client(&s);
    let b = acc.bearer("ahead", &tc).await.unwrap();
    let c = XClient::new_oauth2(testkit::endpoints(&s), b.clone()).unwrap();
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::TokenExpired);

    let before = token_requests(&s);
    let (a, b2) = tokio::join!(
        acc.bearer_after_rejection("ahead", &tc, &b),
        acc.bearer_after_rejection("ahead", &tc, &b)
    );
    let (a, b2) = (a.unwrap(), b2.unwrap());
    assert_eq!(token_requests(&s) - before, 1);
    assert_eq!(a, b2);
    works(&s, &a).await;
    s.shutdown().await;
}

/// A secret store in files, so that two processes share one "keychain" in this test.
struct FileStore(PathBuf);

impl FileStore {
    fn path(&self, key: &str) -> PathBuf {
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        self.0.join(hex)
    }
}

impl SecretStore for FileStore {
    fn set(&self, key: &str, secret: &str) -> Result<(), KeychainError> {
        let tmp = self.0.join(format!(".tmp-{}", std::process::id()));
        std::fs::write(&tmp, secret).map_err(|e| KeychainError::Failed(e.to_string()))?;
        std::fs::rename(&tmp, self.path(key)).map_err(|e| KeychainError::Failed(e.to_string()))
    }
    fn get(&self, key: &str) -> Result<Option<String>, KeychainError> {
        match std::fs::read_to_string(self.path(key)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(KeychainError::Failed(e.to_string())),
        }
    }
    fn delete(&self, key: &str) -> Result<bool, KeychainError> {
        Ok(std::fs::remove_file(self.path(key)).is_ok())
    }
    fn service_name(&self) -> String {
        "files".into()
    }
}

const CHILD_DIR: &str = "PB_TEST_REFRESH_CHILD_DIR";
const CHILD_API: &str = "PB_TEST_REFRESH_CHILD_API";

fn file_accounts(dir: &Path) -> Accounts {
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    Accounts::new(dir, Arc::new(FileStore(secrets)))
}

/// The child half of the two-process test (does nothing when run on its own).
#[tokio::test]
async fn child_process_refresher() {
    let (Ok(dir), Ok(api)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_API)) else {
        return;
    };
    let acc = file_accounts(Path::new(&dir));
    let endpoints = x_client::Endpoints {
        api_base: api.clone(),
        upload_base: api,
    };
    let tc = TokenClient::with_config(endpoints, DEMO_CLIENT_ID, testkit::fast_config()).unwrap();
    let b = acc.bearer("two", &tc).await.unwrap();
    println!("CHILD-TOKEN={}", b.secret());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_refresh_exactly_once() {
    if std::env::var(CHILD_DIR).is_ok() {
        return;
    }
    let s = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let acc = file_accounts(dir.path());
    saved_due(&s, &acc, "two").await;
    let before = token_requests(&s);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", "child_process_refresher", "--nocapture"])
                .env(CHILD_DIR, dir.path())
                .env(CHILD_API, s.api_base())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let tokens: Vec<String> = outputs
        .iter()
        .map(|o| {
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "{out}\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            out.lines()
                .find_map(|l| l.strip_prefix("CHILD-TOKEN="))
                .unwrap_or_else(|| panic!("no token in: {out}"))
                .to_owned()
        })
        .collect();
    assert_eq!(
        token_requests(&s) - before,
        1,
        "one refresh across processes"
    );
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(acc.token_set("two").unwrap().access_token, tokens[0]);
    works(&s, &BearerToken::new(tokens[0].clone())).await;
    s.shutdown().await;
}
