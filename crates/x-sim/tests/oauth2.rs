#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OAuth 2.0 routes over HTTP (docs/protocol.md §14): consent redirect, code exchange with
//! PKCE, Bearer user tokens with per-endpoint scopes and expiry on the virtual clock, refresh
//! rotation, the OAuth 1.0a token exchange, revoke, and app-only Bearer still refused.

mod common;

use base64::Engine as _;
use common::{control, sim};
use serde_json::{json, Value};
use sha2::Digest as _;
use x_sim::oauth2::{DEMO_CLIENT_ID, OAUTH1_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT};

const REDIRECT: &str = "http://127.0.0.1:8745/callback";
const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

fn challenge(v: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes()))
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn authorize_url(base: &str, scope: &str) -> String {
    let q: String = [
        ("response_type", "code"),
        ("client_id", DEMO_CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", "s1"),
        ("code_challenge", &challenge(VERIFIER)),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", x_sim::oauth::percent_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    format!("{base}/i/oauth2/authorize?{q}")
}

async fn code_for(base: &str, scope: &str) -> String {
    let r = no_redirects()
        .get(authorize_url(base, scope))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        loc.starts_with(&format!("{REDIRECT}?state=s1&code=")),
        "{loc}"
    );
    loc.split("code=").nth(1).unwrap().to_owned()
}

async fn token<T: serde::Serialize + ?Sized>(base: &str, form: &T) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/2/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn sign_in(base: &str, scope: &str) -> Value {
    let code = code_for(base, scope).await;
    let (status, body) = token(
        base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", DEMO_CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn bearer_post(base: &str, token: &str, text: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/2/tweets"))
        .bearer_auth(token)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_browser_sign_in_posts_with_a_bearer_token_until_it_expires() {
    let sim = sim().await;
    let base = sim.api_base();
    let t = sign_in(
        &base,
        "tweet.read tweet.write users.read media.write offline.access",
    )
    .await;
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 7200);
    let at = t["access_token"].as_str().unwrap();
    let me: Value = reqwest::Client::new()
        .get(format!("{base}/2/users/me"))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["data"]["username"], "postbridge_demo");
    let (status, body) = bearer_post(&base, at, "hello over OAuth 2.0").await;
    assert_eq!(status, 201, "{body}");
    control(&sim, "clock", json!({ "advance_secs": 7201 })).await;
    let (status, _) = bearer_post(&base, at, "too late").await;
    assert_eq!(status, 401, "an expired access token is refused");
}

#[tokio::test]
async fn scopes_are_enforced_per_endpoint() {
    let sim = sim().await;
    let base = sim.api_base();
    let t = sign_in(&base, "tweet.read users.read offline.access").await;
    let at = t["access_token"].as_str().unwrap();
    let (status, body) = bearer_post(&base, at, "no write scope").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("tweet.write"),
        "{body}"
    );
    let r = reqwest::Client::new()
        .post(format!("{base}/2/media/upload/initialize"))
        .bearer_auth(at)
        .json(
            &json!({"media_type": "image/png", "total_bytes": 10, "media_category": "tweet_image"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("media.write"),
        "{body}"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_is_invalid_grant() {
    let sim = sim().await;
    let base = sim.api_base();
    let t = sign_in(&base, "tweet.read tweet.write users.read offline.access").await;
    let r1 = t["refresh_token"].as_str().unwrap();
    let refresh = |r: String| {
        let base = base.clone();
        async move {
            token(
                &base,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &r),
                    ("client_id", DEMO_CLIENT_ID),
                ],
            )
            .await
        }
    };
    let (status, t2) = refresh(r1.to_owned()).await;
    assert_eq!(status, 200, "{t2}");
    assert_ne!(t2["refresh_token"], t["refresh_token"]);
    let (status, body) =
        bearer_post(&base, t2["access_token"].as_str().unwrap(), "after refresh").await;
    assert_eq!(status, 201, "{body}");
    let (status, e) = refresh(r1.to_owned()).await;
    assert_eq!((status, e["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn a_code_is_single_use_and_needs_its_verifier() {
    let sim = sim().await;
    let base = sim.api_base();
    let code = code_for(&base, "tweet.read users.read").await;
    let form = |verifier: &str| {
        [
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT.to_owned()),
            ("code_verifier", verifier.to_owned()),
            ("client_id", DEMO_CLIENT_ID.to_owned()),
        ]
    };
    let wrong = form("another-verifier-of-at-least-forty-three-chars-000000");
    assert_eq!(token(&base, &wrong).await.1["error"], "invalid_grant");
    assert_eq!(token(&base, &form(VERIFIER)).await.0, 200);
    assert_eq!(
        token(&base, &form(VERIFIER)).await.1["error"],
        "invalid_grant",
        "single use"
    );
    let (status, e) = token(
        &base,
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (401, Some("unauthorized_client"))
    );
}

#[tokio::test]
async fn an_unregistered_redirect_gets_a_page_and_a_denial_redirects_with_access_denied() {
    let sim = sim().await;
    let base = sim.api_base();
    let bad = authorize_url(&base, "tweet.read").replace("8745", "9999");
    let r = no_redirects().get(bad).send().await.unwrap();
    assert_eq!(r.status(), 400);
    control(&sim, "mode", json!({ "oauth2_deny": true })).await;
    let hook = control(
        &sim,
        "oauth2/authorize",
        json!({ "url": authorize_url(&base, "tweet.read") }),
    )
    .await;
    assert_eq!(
        hook["location"],
        format!("{REDIRECT}?error=access_denied&state=s1")
    );
}

#[tokio::test]
async fn an_oauth1_token_exchanges_for_its_level_and_app_only_bearer_stays_refused() {
    let sim = sim().await;
    let base = sim.api_base();
    let demo = sim.demo();
    let form = [
        ("grant_type", TOKEN_EXCHANGE_GRANT),
        ("subject_token", demo.access_token.as_str()),
        ("subject_token_type", OAUTH1_TOKEN_TYPE),
        ("oauth_token_secret", demo.access_token_secret.as_str()),
        ("client_id", DEMO_CLIENT_ID),
    ];
    let (status, t) = token(&base, &form).await;
    assert_eq!(status, 200, "{t}");
    let scopes = t["scope"].as_str().unwrap();
    assert!(
        scopes.contains("tweet.write")
            && scopes.contains("media.write")
            && scopes.contains("offline.access")
    );
    let (status, body) = bearer_post(&base, t["access_token"].as_str().unwrap(), "exchanged").await;
    assert_eq!(status, 201, "{body}");
    control(&sim, "mode", json!({ "oauth2_exchange": false })).await;
    let (status, e) = token(&base, &form).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (status, body) = bearer_post(&base, "AAAAAAAAAAAAAAAAAAAAAappOnlyToken", "app-only").await;
    assert_eq!(status, 403);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with("unsupported-authentication"),
        "{body}"
    );
}

#[tokio::test]
async fn a_revoked_token_is_unauthorized() {
    let sim = sim().await;
    let base = sim.api_base();
    let t = sign_in(&base, "tweet.read tweet.write users.read").await;
    let at = t["access_token"].as_str().unwrap();
    let r = reqwest::Client::new()
        .post(format!("{base}/2/oauth2/revoke"))
        .form(&[
            ("token", at),
            ("token_type_hint", "access_token"),
            ("client_id", DEMO_CLIENT_ID),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(bearer_post(&base, at, "after revoke").await.0, 401);
}

/// What twitter-api-v2 sends (crates/x-sim/peers/twitter_api_v2_oauth2.js), which X accepts:
/// `code_challenge_method=s256` in lower case, and the token and revoke parameters as a JSON
/// object instead of a form. A JSON body that is not a flat object is still refused.
#[tokio::test]
async fn a_lowercase_s256_and_json_token_bodies_are_accepted() {
    let sim = sim().await;
    let base = sim.api_base();
    let url = authorize_url(&base, "tweet.read tweet.write users.read offline.access")
        .replace("code_challenge_method=S256", "code_challenge_method=s256");
    let r = no_redirects().get(url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_owned();
    let code = loc.split("code=").nth(1).expect(&loc).to_owned();
    let json_token = |body: Value| {
        let base = base.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{base}/2/oauth2/token"))
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, t) = json_token(json!({
        "code": code,
        "code_verifier": VERIFIER,
        "redirect_uri": REDIRECT,
        "grant_type": "authorization_code",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": null,
    }))
    .await;
    assert_eq!(status, 200, "{t}");
    let (status, t2) = json_token(json!({
        "refresh_token": t["refresh_token"],
        "grant_type": "refresh_token",
        "client_id": DEMO_CLIENT_ID,
    }))
    .await;
    assert_eq!(status, 200, "{t2}");
    let at = t2["access_token"].as_str().unwrap();
    assert_eq!(bearer_post(&base, at, "after a JSON refresh").await.0, 201);
    let r = reqwest::Client::new()
        .post(format!("{base}/2/oauth2/revoke"))
        .json(
            &json!({ "token": at, "token_type_hint": "access_token", "client_id": DEMO_CLIENT_ID }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(bearer_post(&base, at, "after revoke").await.0, 401);
    let (status, e) = json_token(json!(["grant_type", "refresh_token"])).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (400, Some("invalid_request"))
    );
}
