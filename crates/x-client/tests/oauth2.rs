//! OAuth 2.0 against the simulator's authorization server (docs/protocol.md §14): the browser
//! sign-in played through the control hook, the code exchange, `users/me`, a post with an image
//! through v2, scopes, expiry, refresh rotation, the OAuth 1.0a token exchange (and its absence),
//! the v1.1 route refused before any request, and no secret in any error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{json, Value};
use x_client::oauth2::parse_redirect;
use x_client::upload::OAUTH2_V2_ONLY;
use x_client::{
    Auth, BearerToken, ClientError, ErrorKind, Pkce, PostRequest, TokenClient, TokenHint, TokenSet,
    UploadRoute, XClient,
};
use x_sim::oauth2::DEMO_CLIENT_ID;
use x_sim::SimHandle;

const REDIRECT: &str = "http://127.0.0.1:8745/callback";

fn tokens(s: &SimHandle) -> TokenClient {
    TokenClient::with_config(testkit::endpoints(s), DEMO_CLIENT_ID, fast_config()).unwrap()
}

fn bearer_client(s: &SimHandle, token: BearerToken) -> XClient {
    XClient::with_auth(testkit::endpoints(s), Auth::OAuth2(token), fast_config()).unwrap()
}

async fn control(s: &SimHandle, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/{path}", s.api_base()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "control {path}: {}", r.status());
    r.json().await.unwrap()
}

/// The browser's part: the simulator's consent approves `url` and says where it redirects.
async fn approve(s: &SimHandle, url: &str) -> String {
    let v = control(s, "oauth2/authorize", json!({ "url": url })).await;
    v["location"].as_str().unwrap().to_owned()
}

/// A whole browser sign-in; `scope` replaces the scopes Postbridge asks for when given.
async fn sign_in(s: &SimHandle, scope: Option<&str>) -> TokenSet {
    let tc = tokens(s);
    let pkce = Pkce::new().unwrap();
    let mut url = url::Url::parse(&tc.authorize_url(REDIRECT, &pkce)).unwrap();
    assert_eq!(
        url.as_str().split('?').next().unwrap(),
        format!("{}/i/oauth2/authorize", s.api_base()),
        "the simulator serves the consent page at its API base"
    );
    if let Some(scope) = scope {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "scope" {
                    scope.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let location = approve(s, url.as_str()).await;
    assert!(location.starts_with(REDIRECT), "{location}");
    let code = parse_redirect(&location, &pkce.state).unwrap();
    let t = tc
        .exchange_code(&code, &pkce.verifier, REDIRECT)
        .await
        .unwrap();
    secrets_absent(&format!("{t:?}"), &[&t.access_token, &pkce.verifier, &code]);
    t
}

/// Neither `text` nor anything of an error shows any of `secrets`.
fn secrets_absent(text: &str, secrets: &[&str]) {
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(!text.contains(s), "a secret leaked into: {text}");
    }
}

fn error_shows_no_secret(e: &ClientError, secrets: &[&str]) {
    let d = e.diagnosis();
    let all = format!("{e} {e:?} {} {d:?}", serde_json::to_string(&d).unwrap());
    secrets_absent(&all, secrets);
}

#[tokio::test]
async fn a_browser_sign_in_posts_an_image_through_v2() {
    let s = sim().await;
    let t = sign_in(&s, None).await;
    assert!(t.missing_scopes().is_empty(), "{:?}", t.scopes);
    assert!(
        t.refresh_token.is_some(),
        "offline.access gives a refresh token"
    );
    let c = bearer_client(&s, BearerToken::from(&t));
    assert!(c.uses_oauth2());
    secrets_absent(&format!("{c:?}"), &[&t.access_token]);

    let health = c.check().await;
    assert!(health.healthy(), "{:?}", health.problems);
    assert_eq!(health.me.unwrap().username, "postbridge_demo");

    let mut o = opts(UploadRoute::Auto);
    o.alt_text = Some("a small picture".into());
    let u = c.upload(&png("o2.png"), o).await.unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    assert!(u.fallback.is_none(), "Auto did not try v1.1 first");
    let why = u.remember.unwrap();
    assert_eq!(why.route, UploadRoute::V2);
    assert_eq!(why.reason, OAUTH2_V2_ONLY);
    assert_eq!(
        sim_media(&s, &u.media_id).alt_text.as_deref(),
        Some("a small picture")
    );

    let posted = c
        .post(&PostRequest {
            media_ids: vec![u.media_id.clone()],
            ..PostRequest::text("hello over OAuth 2.0")
        })
        .await
        .unwrap();
    let post = live_posts(&s)
        .into_iter()
        .find(|p| p.id == posted.id)
        .unwrap();
    assert_eq!(post.media_ids, vec![u.media_id]);
    assert!(
        s.requests()
            .iter()
            .all(|r| r.listener == "api" && !r.target.starts_with("/1.1/")),
        "nothing went to v1.1"
    );
}

#[tokio::test]
async fn a_sign_in_without_media_write_is_diagnosed_as_a_missing_scope() {
    let s = sim().await;
    let t = sign_in(&s, Some("tweet.read tweet.write users.read offline.access")).await;
    assert_eq!(t.missing_scopes(), vec!["media.write"]);
    let problem = t.scope_problem().unwrap();
    assert_eq!(problem.kind, ErrorKind::MissingScope);

    let c = bearer_client(&s, BearerToken::from(&t));
    let health = c.check().await;
    assert_eq!(
        health.problems.iter().map(|p| p.kind).collect::<Vec<_>>(),
        vec![ErrorKind::MissingScope]
    );
    let e = c
        .upload(&png("noscope.png"), opts(UploadRoute::Auto))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingScope, "{e}");
    assert_eq!(e.missing_scope().as_deref(), Some("media.write"));
    let d = e.diagnosis();
    assert!(d.fix[0].contains("media.write"), "{:?}", d.fix);
    assert_eq!(d.wizard_step, Some(x_client::WizardStep::SignIn));
    error_shows_no_secret(&e, &[&t.access_token]);

    // Scopes unknown (a token kept without them): X's 403 names the scope.
    let blind = bearer_client(&s, BearerToken::new(t.access_token.clone()));
    let e = blind
        .upload(&png("noscope2.png"), opts(UploadRoute::V2))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.missing_scope().as_deref()),
        (ErrorKind::MissingScope, Some("media.write"))
    );
    // Posting text still works: it needs no media scope.
    blind.post(&PostRequest::text("text only")).await.unwrap();
}

#[tokio::test]
async fn an_expired_token_is_token_expired_and_refresh_rotates_once() {
    let s = sim().await;
    let first = sign_in(&s, None).await;
    let c = bearer_client(&s, BearerToken::from(&first));
    c.me().await.unwrap();
    control(&s, "clock", json!({ "advance_secs": 7201 })).await;
    let e = c.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenExpired, "{e}");
    assert_eq!(
        e.diagnosis().wizard_step,
        Some(x_client::WizardStep::SignIn)
    );
    let e = c.post(&PostRequest::text("too late")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenExpired, "{e}");
    error_shows_no_secret(&e, &[&first.access_token]);

    let tc = tokens(&s);
    let r1 = first.refresh_token.clone().unwrap();
    let second = tc.refresh(&r1).await.unwrap();
    assert_ne!(
        second.refresh_token.as_deref(),
        Some(r1.as_str()),
        "rotated"
    );
    assert_ne!(second.access_token, first.access_token);
    let c2 = bearer_client(&s, BearerToken::from(&second));
    c2.post(&PostRequest::text("after the refresh"))
        .await
        .unwrap();

    // The old refresh token again: refused, and the whole family with it.
    let e = tc.refresh(&r1).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e}");
    match &e {
        ClientError::OAuth2(r) => assert_eq!((r.status, r.error.as_str()), (400, "invalid_grant")),
        other => panic!("not an OAuth 2.0 refusal: {other:?}"),
    }
    error_shows_no_secret(&e, &[&r1, &second.access_token]);
    let r2 = second.refresh_token.clone().unwrap();
    let e = tc.refresh(&r2).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::SignInRequired,
        "the family is revoked: {e}"
    );
    error_shows_no_secret(&e, &[&r2]);
    let refreshes = s
        .requests()
        .iter()
        .filter(|r| r.target.starts_with("/2/oauth2/token"))
        .count();
    assert_eq!(
        refreshes, 4,
        "one code exchange and three refreshes, none re-sent"
    );
}

#[tokio::test]
async fn the_demo_oauth1_token_exchanges_and_posts() {
    let s = sim().await;
    let tc = tokens(&s);
    let creds = credentials(&s.demo());
    let t = tc.exchange_oauth1(&creds).await.unwrap();
    assert!(
        t.missing_scopes().is_empty(),
        "a read-write token gets every scope: {:?}",
        t.scopes
    );
    let c = bearer_client(&s, BearerToken::from(&t));
    let u = c
        .upload(&png("exchanged.png"), opts(UploadRoute::Auto))
        .await
        .unwrap();
    assert_eq!(u.route_used, UploadRoute::V2);
    c.post(&PostRequest {
        media_ids: vec![u.media_id],
        ..PostRequest::text("exchanged from OAuth 1.0a")
    })
    .await
    .unwrap();

    // A wrong 1.0a secret: the subject token is refused (token-revoked), secrets kept out.
    let mut wrong = creds.clone();
    wrong.access_secret = "not-the-real-secret".into();
    let e = tc.exchange_oauth1(&wrong).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TokenRevoked, "{e}");
    error_shows_no_secret(
        &e,
        &[
            &wrong.access_secret,
            &wrong.access_token,
            &creds.consumer_secret,
        ],
    );

    // Revoked: the token no longer works.
    tc.revoke(&t.access_token, TokenHint::AccessToken)
        .await
        .unwrap();
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::TokenExpired);
}

#[tokio::test]
async fn an_exchange_x_does_not_offer_is_exchange_unavailable() {
    let s = sim().await;
    control(&s, "mode", json!({ "oauth2_exchange": false })).await;
    let creds = credentials(&s.demo());
    let e = tokens(&s).exchange_oauth1(&creds).await.unwrap_err();
    assert!(
        matches!(e, ClientError::ExchangeUnavailable { status: 400, .. }),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::ExchangeUnavailable);
    assert!(
        e.to_string()
            .contains("unsupported_grant_type — The token exchange grant is not available."),
        "{e}"
    );
    assert_eq!(
        e.diagnosis().wizard_step,
        Some(x_client::WizardStep::SignIn)
    );
    error_shows_no_secret(
        &e,
        &[
            &creds.access_token,
            &creds.access_secret,
            &creds.consumer_secret,
        ],
    );
}

#[tokio::test]
async fn the_v1_route_with_oauth2_fails_before_any_request() {
    let s = sim().await;
    let t = sign_in(&s, None).await;
    let c = bearer_client(&s, BearerToken::from(&t));
    let before = s.requests().len();
    let e = c
        .upload(&png("v1.png"), opts(UploadRoute::V1))
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::UploadRouteNeedsOAuth1), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::UploadRouteRetired);
    assert!(e.to_string().contains("OAuth 1.0a"), "{e}");
    let requests: Value = reqwest::get(format!("{}/_sim/requests", s.api_base()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let logged = requests
        .as_array()
        .or_else(|| requests["requests"].as_array())
        .map(Vec::len)
        .unwrap();
    assert_eq!(logged, before, "no request reached the simulator");
    error_shows_no_secret(&e, &[&t.access_token]);
}

#[tokio::test]
async fn token_client_errors_keep_codes_and_secrets_out() {
    let s = sim().await;
    let tc = tokens(&s);
    let pkce = Pkce::new().unwrap();
    let e = tc
        .exchange_code("simO2C-not-a-real-code", &pkce.verifier, REDIRECT)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e}");
    error_shows_no_secret(&e, &["simO2C-not-a-real-code", &pkce.verifier]);
    let stranger =
        TokenClient::with_config(testkit::endpoints(&s), "someone-else", fast_config()).unwrap();
    let e = stranger.refresh("simO2RT-whatever").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ClientIdRejected, "{e}");
}

/// A renewer that refreshes through the token endpoint and counts its calls.
struct Refreshing {
    tc: TokenClient,
    refresh: std::sync::Mutex<Option<String>>,
    calls: std::sync::atomic::AtomicUsize,
}

impl x_client::TokenRenewer for Refreshing {
    fn renew<'a>(&'a self, _rejected: &'a BearerToken) -> x_client::Renewal<'a> {
        Box::pin(async move {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let held = self.refresh.lock().unwrap().clone().unwrap_or_default();
            let set = self.tc.refresh(&held).await.map_err(|e| e.diagnosis())?;
            *self.refresh.lock().unwrap() = set.refresh_token.clone();
            Ok(BearerToken::from(&set))
        })
    }
}

#[tokio::test]
async fn a_renewing_client_refreshes_after_a_401_and_posts_once() {
    let s = sim().await;
    let first = sign_in(&s, None).await;
    let renewer = std::sync::Arc::new(Refreshing {
        tc: tokens(&s),
        refresh: std::sync::Mutex::new(first.refresh_token.clone()),
        calls: Default::default(),
    });
    let c = bearer_client(&s, BearerToken::from(&first)).with_renewer(renewer.clone());
    c.post(&PostRequest::text("before expiry")).await.unwrap();
    control(&s, "clock", json!({ "advance_secs": 7201 })).await;
    let before = s.requests().len();
    let posted = c.post(&PostRequest::text("after expiry")).await.unwrap();
    let log: Vec<_> = s.requests()[before..].to_vec();
    let posts: Vec<_> = log
        .iter()
        .filter(|r| r.method == "POST" && r.target.starts_with("/2/tweets"))
        .map(|r| r.status)
        .collect();
    assert_eq!(posts, vec![401, 201], "one refused post, then one created");
    assert_eq!(renewer.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    let copies = s
        .posts()
        .iter()
        .filter(|p| p.text == "after expiry")
        .count();
    assert_eq!(copies, 1, "posted once");
    // The renewed token is kept: the next call needs no renewal.
    c.me().await.unwrap();
    assert_eq!(renewer.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(!posted.id.is_empty());

    // A refused refresh (the family revoked) is the renewer's diagnosis: sign-in-required.
    control(&s, "clock", json!({ "advance_secs": 7201 })).await;
    *renewer.refresh.lock().unwrap() = first.refresh_token.clone();
    let e = c.post(&PostRequest::text("never")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignInRequired, "{e}");
    error_shows_no_secret(
        &e,
        &[&first.access_token, first.refresh_token.as_deref().unwrap()],
    );
}
