//! The shared OAuth 2.0 flows of `accounts::signin` and the self-renewing session client,
//! against the simulator: a browser sign-in (the control hook playing the browser) saved and
//! posting, a grant without `tweet.write` refused, the one-click upgrade of a 1.0a account
//! (and its refusals), and a token that expires mid-session renewed without a second post.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use accounts::signin::{self, BrowserSignIn, UpgradeError};
use accounts::{Accounts, Profile, SignIn, Verification};
use keychain::{MemoryStore, SecretStore};
use serde_json::{json, Value};
use x_client::{ErrorKind, PostRequest, WizardStep};
use x_sim::oauth2::DEMO_CLIENT_ID;
use x_sim::SimHandle;

async fn sim() -> SimHandle {
    x_sim::start(x_sim::SimConfig::default()).await.unwrap()
}

fn accounts() -> (Accounts, tempfile::TempDir, Arc<MemoryStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    (
        Accounts::new(dir.path(), store.clone() as Arc<dyn SecretStore>),
        dir,
        store,
    )
}

async fn control(s: &SimHandle, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}/_sim/{path}", s.api_base()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The browser's part: approve `url`, return where X sends the browser.
async fn approve(s: &SimHandle, url: &str) -> String {
    control(s, "oauth2/authorize", json!({ "url": url })).await["location"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_browser_sign_in_is_saved_as_the_default_and_posts() {
    let s = sim().await;
    let (acc, _dir, _store) = accounts();
    let si = BrowserSignIn::new(testkit::endpoints(&s), DEMO_CLIENT_ID, 8745).unwrap();
    assert_eq!(si.redirect_uri(), "http://127.0.0.1:8745/callback");
    let location = approve(&s, &si.authorize_url()).await;
    // A redirect whose state is not this sign-in's is refused before any token request.
    let forged = location.replace("state=", "state=x");
    let e = si.finish(&forged).await.unwrap_err();
    assert_eq!(e.wizard_step, Some(WizardStep::SignIn));
    let signed = si.finish(&location).await.unwrap();
    assert!(matches!(
        signed.verification(),
        Verification::Verified { .. }
    ));
    assert!(signed.scope_note().is_none());
    let p = acc.save_signed_in(&signed, None).unwrap();
    assert_eq!(p.name, "postbridge_demo");
    assert!(matches!(p.sign_in, SignIn::OAuth2 { ref client_id } if client_id == DEMO_CLIENT_ID));
    assert_eq!(acc.default_profile().unwrap().unwrap().name, p.name);
    let files = std::fs::read_to_string(acc.dir().join("profiles.json")).unwrap();
    assert!(!files.contains(&signed.tokens.access_token));

    let c = acc.oauth2_client(&p.name, p.endpoints()).await.unwrap();
    c.post(&PostRequest::text("signed in with X"))
        .await
        .unwrap();
    assert_eq!(s.posts().len(), 1);
}

#[tokio::test]
async fn a_grant_without_tweet_write_is_a_missing_scope_and_not_saved() {
    let s = sim().await;
    let (acc, _dir, _store) = accounts();
    let si = BrowserSignIn::new(testkit::endpoints(&s), DEMO_CLIENT_ID, 8745).unwrap();
    let mut url = url::Url::parse(&si.authorize_url()).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "scope" {
                "tweet.read users.read offline.access".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let signed = si.finish(&approve(&s, url.as_str()).await).await.unwrap();
    match signed.verification() {
        Verification::Failed { diagnosis } => {
            assert_eq!(diagnosis.kind, ErrorKind::MissingScope);
            assert!(
                diagnosis.detail.contains("tweet.write"),
                "{}",
                diagnosis.detail
            );
            assert_eq!(diagnosis.wizard_step, Some(WizardStep::SignIn));
        }
        other => panic!("{other:?}"),
    }
    assert!(acc.save_signed_in(&signed, None).is_err());
    assert!(acc.book().unwrap().profiles.is_empty());
}

fn oauth1_profile(s: &SimHandle, acc: &Accounts) -> Profile {
    let mut p = Profile::new("demo");
    p.api_base = Some(s.api_base());
    p.upload_base = Some(s.upload_base());
    p.user_id = Some(s.demo().user_id.clone());
    p.access_level = Some(x_client::AccessLevel::ReadWrite);
    acc.save(p.clone(), &testkit::credentials(&s.demo()))
        .unwrap();
    p
}

#[tokio::test]
async fn an_oauth1_account_upgrades_in_one_step_and_posts_through_v2() {
    let s = sim().await;
    let (acc, _dir, _store) = accounts();
    let p = oauth1_profile(&s, &acc);
    let upgraded = signin::upgrade(&acc, &p.name, DEMO_CLIENT_ID, p.endpoints())
        .await
        .unwrap();
    assert!(matches!(upgraded.sign_in, SignIn::OAuth2 { .. }));
    // The 1.0a keys are gone from the keychain: the entry holds the token set now.
    assert!(acc.credentials("demo").is_err(), "1.0a keys replaced");
    assert!(acc.token_set("demo").is_ok());
    let c = acc
        .oauth2_client("demo", upgraded.endpoints())
        .await
        .unwrap();
    assert!(c.uses_oauth2());
    c.post(&PostRequest::text("upgraded")).await.unwrap();
    // A second upgrade is refused: the account no longer has 1.0a keys.
    assert!(matches!(
        signin::upgrade(&acc, "demo", DEMO_CLIENT_ID, upgraded.endpoints()).await,
        Err(UpgradeError::Accounts(_))
    ));
}

#[tokio::test]
async fn an_upgrade_x_does_not_offer_keeps_the_keys_and_offers_the_browser() {
    let s = sim().await;
    let (acc, _dir, _store) = accounts();
    let p = oauth1_profile(&s, &acc);
    control(&s, "mode", json!({ "oauth2_exchange": false })).await;
    let e = signin::upgrade(&acc, &p.name, DEMO_CLIENT_ID, p.endpoints())
        .await
        .unwrap_err();
    match e {
        UpgradeError::Refused(d) => {
            assert_eq!(d.kind, ErrorKind::ExchangeUnavailable);
            assert_eq!(d.wizard_step, Some(WizardStep::SignIn));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(acc.profile("demo").unwrap().sign_in, SignIn::OAuth1);
    assert_eq!(
        acc.credentials("demo").unwrap(),
        testkit::credentials(&s.demo())
    );

    // A read-only token is sent to Regenerate before anything is sent.
    acc.update("demo", |p| {
        p.access_level = Some(x_client::AccessLevel::Read)
    })
    .unwrap();
    let before = s.requests().len();
    match signin::upgrade(&acc, "demo", DEMO_CLIENT_ID, p.endpoints()).await {
        Err(UpgradeError::Refused(d)) => assert_eq!(d.wizard_step, Some(WizardStep::Regenerate)),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.requests().len(), before);
}

#[tokio::test]
async fn a_token_that_expires_mid_session_is_renewed_and_the_post_is_made_once() {
    let s = sim().await;
    let (acc, _dir, _store) = accounts();
    let si = BrowserSignIn::new(testkit::endpoints(&s), DEMO_CLIENT_ID, 8745).unwrap();
    let signed = si
        .finish(&approve(&s, &si.authorize_url()).await)
        .await
        .unwrap();
    let p = acc.save_signed_in(&signed, Some("mine")).unwrap();
    let c = acc.oauth2_client("mine", p.endpoints()).await.unwrap();
    c.post(&PostRequest::text("one")).await.unwrap();
    // X's clock passes the expiry; this computer's does not know.
    control(&s, "clock", json!({ "advance_secs": 7300 })).await;
    c.post(&PostRequest::text("two")).await.unwrap();
    assert_eq!(s.posts().iter().filter(|p| p.text == "two").count(), 1);
    let stored = acc.token_set("mine").unwrap();
    assert_ne!(
        stored.access_token, signed.tokens.access_token,
        "the renewed pair is stored"
    );

    // The refresh token revoked: the next expiry ends in sign-in-required.
    control(&s, "clock", json!({ "advance_secs": 7300 })).await;
    let r = stored.refresh_token.clone().unwrap();
    x_client::TokenClient::new(p.endpoints(), DEMO_CLIENT_ID)
        .unwrap()
        .revoke(&r, x_client::TokenHint::RefreshToken)
        .await
        .unwrap();
    let e = c.post(&PostRequest::text("three")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e}");
    assert_eq!(e.diagnosis().wizard_step, Some(WizardStep::SignIn));
    assert!(!e.to_string().contains(&r));
    assert_eq!(s.posts().iter().filter(|p| p.text == "three").count(), 0);
}
