//! Journeys of issue 12: OAuth 2.0 in the real window, against the simulator, with the real
//! Secret Service — Sign in with X in the browser then a post with an image, the one-click
//! upgrade of an OAuth 1.0a account then a post, and an OAuth 2.0 account whose access token
//! expires mid-session (refreshed without the person noticing) and whose refresh token is then
//! revoked (the post fails with the way out: the wizard's sign-in step, the draft kept, and
//! after signing in again it posts). The journeys play the browser: X's consent page is the
//! simulator's control hook, and the redirect is a real GET to the app's loopback listener.
//! Each ends with the secret-leak sweep over every token it saw.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::compose::{drop_files, post_and_wait, saved, type_text};
use support::{
    journey, journey_prepared, keychain_service, no_secret_in, picture, secret_tool_lookup,
    seed_account, App, Outcome, Sim,
};
use x_sim::SimHandle;

/// The Callback URI the wizard shows and the simulator's demo app has registered.
const CALLBACK: &str = "http://127.0.0.1:8745/callback";

/// The browser's part of a sign-in: X's consent page (the simulator's hook) approves the
/// address the wizard shows, and the browser follows the redirect to the app's listener.
async fn play_browser(app: &App, sim: &SimHandle) -> Outcome {
    let url = app
        .wait_text("#signin-url", |t| t.contains("code_challenge"))
        .await?;
    check!(url.starts_with(&sim.api_base()), "authorize URL {url:?}");
    check!(
        url.contains("code_challenge_method=S256") && url.contains("state="),
        "authorize URL without S256 or state: {url:?}"
    );
    let body = serde_json::json!({ "url": url }).to_string();
    let answer = http1(
        &format!("{}/_sim/oauth2/authorize", sim.api_base()),
        Some(&body),
    )?;
    let v: serde_json::Value =
        serde_json::from_str(&answer).map_err(|e| format!("{e}: {answer}"))?;
    let location = v["location"].as_str().ok_or("no redirect")?.to_owned();
    check!(location.starts_with(&format!("{CALLBACK}?")), "{location}");
    let page = http1(&location, None)?;
    check!(page.contains("close this tab"), "{page}");
    Ok(())
}

/// The token set the keychain holds for `key`, as another program reads it.
fn keychain_tokens(service: &str, key: &str) -> Result<serde_json::Value, String> {
    let entry = secret_tool_lookup(service, key).ok_or("no keychain entry")?;
    serde_json::from_str(entry.trim()).map_err(|e| format!("the keychain entry: {e}"))
}

/// `field` of a token set, which must be there.
fn token(set: &serde_json::Value, field: &str) -> Result<String, String> {
    set[field]
        .as_str()
        .filter(|s| s.len() > 8)
        .map(str::to_owned)
        .ok_or_else(|| format!("the token set has no {field}"))
}

/// The simulator's log entries of `endpoint` (`POST /2/tweets`, …), in order.
fn requests_to(sim: &SimHandle, endpoint: &str) -> Vec<x_sim::RequestLogEntry> {
    sim.requests()
        .into_iter()
        .filter(|e| e.endpoint == endpoint)
        .collect()
}

/// Posts created with an OAuth 2.0 token (a `201` to `POST /2/tweets` with a Bearer token).
fn bearer_posts(sim: &SimHandle) -> usize {
    requests_to(sim, "POST /2/tweets")
        .iter()
        .filter(|e| {
            e.status == 201
                && e.token
                    .as_deref()
                    .is_some_and(|t| t.starts_with(x_sim::oauth2::ACCESS_PREFIX))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_with_x_in_the_browser_then_post_an_image() {
    let sim = Sim::start().await;
    let handle = sim.handle.clone();
    let name = "oauth2-signin";
    let image = picture(name);
    let service = keychain_service(name);
    journey(name, sim.app_env(name), async |app| {
        app.click("#start-oauth2").await?;
        app.wait_text("#signin-redirect", |t| t == CALLBACK).await?;
        app.type_into("#client-id", x_sim::oauth2::DEMO_CLIENT_ID)
            .await?;
        app.click("#oauth2-open").await?;
        play_browser(app, &handle).await?;
        app.wait_text("#verify-result", |t| t.contains("can post"))
            .await?;
        app.click("#save").await?;
        app.wait_text("#wizard-done", |t| t.contains("is ready"))
            .await?;
        let tokens = keychain_tokens(&service, "profile:@postbridge_demo")?;
        let access = token(&tokens, "access_token")?;
        let refresh = token(&tokens, "refresh_token")?;
        app.click("#wizard-finish").await?;
        app.wait_text("#active-account", |t| t.contains("can post"))
            .await?;

        type_text(app, 0, "Signed in with X, no keys pasted").await?;
        drop_files(app, std::slice::from_ref(&image)).await?;
        app.type_into(".media .alt", "A white bridge under a yellow paper plane")
            .await?;
        app.click("#part-0-text").await?; // blur saves the alt text
        saved(app).await?;
        let result = post_and_wait(app, "posted").await?;
        check!(result.contains("Posted"), "result: {result:?}");
        app.screenshot("oauth2-posted").await?;

        // An OAuth 2.0 account uploads through v2 only, and posts with its Bearer token.
        let media = handle.media();
        let m = serde_json::to_value(media.last().ok_or("the simulator got no media")?).unwrap();
        check!(
            m["route"].as_str().is_some_and(|r| r.starts_with("v2")),
            "upload route: {m}"
        );
        check!(
            m["alt_text"] == "A white bridge under a yellow paper plane",
            "media: {m}"
        );
        let posts = handle.posts();
        let p = serde_json::to_value(posts.last().ok_or("no post")?).unwrap();
        check!(p["text"] == "Signed in with X, no keys pasted", "post: {p}");
        check!(p["media_ids"][0] == m["id"], "post {p} / media {m}");
        check!(
            bearer_posts(&handle) == 1,
            "Bearer posts: {}",
            bearer_posts(&handle)
        );
        check!(
            requests_to(&handle, "POST /1.1/media/upload.json").is_empty(),
            "an OAuth 2.0 account used v1.1"
        );

        // The tokens never left Rust.
        let places = app.everything_it_shows().await?;
        no_secret_in(&places, &[&access, &refresh])
    })
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upgrade_an_oauth1_account_then_post() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "oauth2-upgrade";
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            app.wait_text("#active-account", |t| t.contains("Work"))
                .await?;
            app.click("#nav-accounts").await?;
            let card = ".account[data-account=\"Work\"]";
            app.wait_text(&format!("{card} .sign-in-method"), |t| {
                t.contains("OAuth 1.0a")
            })
            .await?;
            app.click(&format!("{card} .upgrade-open")).await?;
            app.type_into("#client-id-Work", x_sim::oauth2::DEMO_CLIENT_ID)
                .await?;
            app.screenshot("upgrade-form").await?;
            app.click(&format!("{card} .upgrade-run")).await?;
            app.wait_text(&format!("{card} .sign-in-method"), |t| {
                t.contains("OAuth 2.0")
            })
            .await?;
            // The exchange was X's token exchange, as a public client: no new login.
            let exchanges = requests_to(&handle, "POST /2/oauth2/token");
            check!(
                exchanges.len() == 1 && exchanges[0].status == 200,
                "token requests: {exchanges:?}"
            );
            let tokens = keychain_tokens(&service, "profile:Work")?;
            let access = token(&tokens, "access_token")?;
            let refresh = token(&tokens, "refresh_token")?;
            check!(
                !tokens.to_string().contains(&demo.access_token_secret),
                "the upgraded entry still holds the OAuth 1.0a secret"
            );

            app.click("#nav-home").await?;
            type_text(app, 0, "Upgraded to OAuth 2.0 in one click").await?;
            let result = post_and_wait(app, "posted").await?;
            check!(result.contains("Posted"), "result: {result:?}");
            check!(
                bearer_posts(&handle) == 1,
                "Bearer posts: {}",
                bearer_posts(&handle)
            );
            let places = app.everything_it_shows().await?;
            no_secret_in(
                &places,
                &[
                    &access,
                    &refresh,
                    &demo.consumer_secret,
                    &demo.access_token,
                    &demo.access_token_secret,
                ],
            )
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expiring_token_refreshes_unnoticed_and_a_revoked_one_leads_to_sign_in() {
    let sim = Sim::start().await;
    let handle = sim.handle.clone();
    let name = "oauth2-refresh";
    let service = keychain_service(name);
    // An account signed in with OAuth 2.0 earlier: X's token exchange gives its token set.
    let endpoints = testkit::endpoints(&sim.handle);
    let client = x_client::TokenClient::new(endpoints, x_sim::oauth2::DEMO_CLIENT_ID).unwrap();
    let first = client
        .exchange_oauth1(&testkit::credentials(&sim.handle.demo()))
        .await
        .unwrap();
    let seeded = sim.handle.requests().last().map_or(0, |e| e.seq);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_oauth2_account(home, &service, "Work", &first, &sim.handle),
        async |app| {
            app.wait_text("#active-account", |t| t.contains("Work"))
                .await?;
            let before = keychain_tokens(&service, "profile:Work")?;
            type_text(app, 0, "Before the token's two hours are up").await?;
            post_and_wait(app, "posted").await?;

            // Two hours later on X's clock, the same session posts again: X refuses the
            // expired token once, the app refreshes and sends again, and the person sees a post.
            handle.advance_clock(7_300);
            type_text(app, 0, "After the hour, without signing in").await?;
            let result = post_and_wait(app, "posted").await?;
            check!(result.contains("Posted"), "result: {result:?}");
            let tweets = requests_to(&handle, "POST /2/tweets");
            check!(
                tweets.iter().filter(|e| e.auth == "expired").count() == 1,
                "X should have refused the expired token once: {tweets:?}"
            );
            check!(
                bearer_posts(&handle) == 2,
                "posts: {}",
                bearer_posts(&handle)
            );
            check!(
                handle.posts().len() == 2,
                "the simulator has {} posts",
                handle.posts().len()
            );
            let refreshes: Vec<_> = requests_to(&handle, "POST /2/oauth2/token")
                .into_iter()
                .filter(|e| e.seq > seeded)
                .collect();
            check!(
                refreshes.len() == 1 && refreshes[0].status == 200,
                "one refresh: {refreshes:?}"
            );
            // The new pair is in the keychain (refresh tokens are single-use).
            let after = keychain_tokens(&service, "profile:Work")?;
            check!(
                token(&after, "refresh_token")? != token(&before, "refresh_token")?,
                "the keychain still holds the used refresh token"
            );

            // The sign-in is revoked (the person removed the app's access on X, say), and the
            // access token runs out: the post fails with the way out, and nothing is lost.
            let revoker = x_client::TokenClient::new(
                testkit::endpoints(&handle),
                x_sim::oauth2::DEMO_CLIENT_ID,
            )
            .map_err(|e| e.to_string())?;
            revoker
                .revoke(
                    &token(&after, "refresh_token")?,
                    x_client::TokenHint::RefreshToken,
                )
                .await
                .map_err(|e| e.to_string())?;
            handle.advance_clock(7_300);
            let text = "Written after the sign-in was revoked";
            type_text(app, 0, text).await?;
            let failed = post_and_wait(app, "failed").await?;
            check!(failed.contains("sign-in-required"), "diagnosis: {failed:?}");
            check!(
                handle.posts().len() == 2,
                "a post was made without a sign-in"
            );
            app.screenshot("sign-in-required").await?;
            app.click("#post-result .diagnosis-action").await?;
            app.wait_attr("#wizard", "data-step", |s| s == Some("signin"))
                .await
                .map_err(|e| format!("the wizard should open at its sign-in step: {e}"))?;

            // Signing in again (the Client ID saved with the account) fixes it in place.
            app.click("#oauth2-open").await?;
            play_browser(app, &handle).await?;
            app.wait_text("#verify-result", |t| t.contains("can post"))
                .await?;
            app.click("#save").await?;
            app.wait_text("#wizard-done", |t| t.contains("Work"))
                .await?;
            app.click("#wizard-finish").await?;
            app.wait_js(
                "the draft kept in the composer",
                support::WAIT,
                &format!(
                    "return document.querySelector('#part-0-text')?.value === {}",
                    serde_json::json!(text)
                ),
            )
            .await?;
            post_and_wait(app, "posted").await?;
            check!(handle.posts().len() == 3, "posts: {}", handle.posts().len());
            let last = handle.posts().last().map(|p| p.text.clone());
            check!(last.as_deref() == Some(text), "last post: {last:?}");

            let now = keychain_tokens(&service, "profile:Work")?;
            let mut secrets = Vec::new();
            for set in [&before, &after, &now] {
                secrets.push(token(set, "access_token")?);
                secrets.push(token(set, "refresh_token")?);
            }
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let places = app.everything_it_shows().await?;
            no_secret_in(&places, &secrets)
        },
    )
    .await;
    sim.handle.shutdown().await;
}

/// Seeds an OAuth 2.0 account (its profile with the demo Client ID, its token set in the
/// keychain) into an app home before launch.
fn seed_oauth2_account(
    home: &Path,
    service: &str,
    name: &str,
    tokens: &x_client::TokenSet,
    sim: &SimHandle,
) {
    let demo = sim.demo();
    let secrets = std::sync::Arc::new(keychain::OsKeychain::new(service));
    let accounts = accounts::Accounts::new(home.join("config").join("postbridge"), secrets);
    let mut profile = accounts::Profile::new(name);
    profile.username = Some(demo.username.clone());
    profile.user_id = Some(demo.user_id.clone());
    profile.api_base = Some(sim.api_base());
    profile.upload_base = Some(sim.upload_base());
    profile.sign_in = accounts::SignIn::OAuth2 {
        client_id: x_sim::oauth2::DEMO_CLIENT_ID.into(),
    };
    accounts
        .save_oauth2(profile, tokens)
        .expect("seed the OAuth 2.0 account");
}

/// One HTTP/1.1 request over a plain socket (the journey plays the browser): a POST of JSON
/// `body`, or a GET; the answer's body, which must come with `200`.
fn http1(url: &str, body: Option<&str>) -> Result<String, String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("not http")?;
    let (authority, path) = rest
        .split_once('/')
        .map(|(a, p)| (a, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut conn =
        std::net::TcpStream::connect(authority).map_err(|e| format!("{authority}: {e}"))?;
    conn.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let request = match body {
        Some(b) => format!("POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}", b.len()),
        None => format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"),
    };
    conn.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    conn.read_to_end(&mut out).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
    check!(head.starts_with("HTTP/1.1 200"), "{head}");
    Ok(body.to_owned())
}
