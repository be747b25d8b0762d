//! Journeys of issue 5: setting up accounts in the real window, against the simulator, with the
//! real Secret Service — the sandbox, pasted keys (with the secret-leak check), a read-only token
//! fixed by regenerating, PIN sign-in, and removing an account. Sign in with X (OAuth 2.0) has
//! its own journeys in `tests/oauth2.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{journey, keychain_env, keychain_service, secret_tool_lookup, App, Outcome, Sim};

async fn paste_keys(app: &App, k: &x_sim::DemoCredentials, extra_space: bool) -> Outcome {
    let api_key = if extra_space {
        format!("  {}  ", k.consumer_key)
    } else {
        k.consumer_key.clone()
    };
    app.type_into("#api-key", &api_key).await?;
    app.type_into("#api-secret", &k.consumer_secret).await?;
    app.type_into("#access-token", &k.access_token).await?;
    app.type_into("#access-secret", &k.access_token_secret)
        .await?;
    app.click("#paste-continue").await
}

async fn walk_to_paste(app: &App) -> Outcome {
    app.click("#start-keys").await?;
    app.click("label[for=plan-free]").await?;
    app.click("#plan-continue").await?;
    app.click("#permissions-continue").await?;
    app.click("#regenerate-continue").await?;
    app.find("#paste-form").await.map(|_| ())
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_sandbox_shows_a_verified_account() {
    journey("sandbox", vec![keychain_env("sandbox")], async |app| {
        app.click("#start-sandbox").await?;
        let done = app
            .wait_text("#wizard-done", |t| t.contains("is ready"))
            .await?;
        check!(
            done.contains("@postbridge_demo is ready"),
            "done card: {done:?}"
        );
        check!(
            done.contains("sandbox") && done.contains("read-write"),
            "done card: {done:?}"
        );
        app.click("#wizard-finish").await?;
        app.wait_text("#active-account", |t| {
            t.contains("can post") && t.contains("sandbox")
        })
        .await
        .map_err(|e| format!("home should show a sandbox account that can post: {e}"))?;
        app.wait_text("#sandbox-banner", |t| {
            t.contains("nothing leaves this computer")
        })
        .await?;
        app.screenshot("sandbox-home").await?;
        // The sandbox account's keys are in the real keychain.
        check!(
            secret_tool_lookup(&keychain_service("sandbox"), "profile:Sandbox").is_some(),
            "no keychain entry for the sandbox account"
        );
        // Rehearse: a read-only token, found by "Check again", fixed by regenerating.
        app.click("#sandbox-banner summary").await?;
        app.click("#scenario-readOnlyToken").await?;
        app.find("#sandbox-banner[data-scenarios~=readOnlyToken]")
            .await?;
        app.click("#recheck").await?;
        app.wait_text("#check-result", |t| t.contains("can only read"))
            .await?;
        app.screenshot("sandbox-read-only").await?;
        app.click("#check-result .diagnosis-action").await?;
        app.wait_text("#wizard-title", |t| t.contains("permission"))
            .await?;
        app.click("#permissions-continue").await?;
        app.click("#sandbox-regenerate").await?;
        let done = app
            .wait_text("#wizard-done", |t| t.contains("is ready"))
            .await?;
        check!(done.contains("read-write"), "after regenerating: {done:?}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pasted_keys_are_verified_saved_and_never_leak() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let service = keychain_service("paste");
    journey("paste", sim.app_env("paste"), async |app| {
        walk_to_paste(app).await?;
        // A slip first: the token pasted into the API Key field.
        app.type_into("#api-key", &demo.access_token).await?;
        app.type_into("#api-secret", &demo.consumer_secret).await?;
        app.type_into("#access-token", &demo.access_token).await?;
        app.type_into("#access-secret", &demo.access_token_secret)
            .await?;
        app.click("#paste-continue").await?;
        let problems = app.text("#paste-problems").await?;
        check!(
            problems.contains("belongs in the Access Token field"),
            "problems: {problems:?}"
        );
        app.screenshot("paste-slip").await?;

        paste_keys(app, &demo, true).await?;
        let result = app
            .wait_text("#verify-result", |t| t.contains("can post"))
            .await?;
        check!(
            result.contains(&format!("@{}", demo.username)),
            "verify: {result:?}"
        );
        app.screenshot("verified").await?;
        app.type_into("#account-name", "Work").await?;
        app.click("#save").await?;
        app.wait_text("#wizard-done", |t| t.contains("Work"))
            .await?;

        // The entry exists in the real Secret Service, seen from outside the app.
        let entry = secret_tool_lookup(&service, "profile:Work").ok_or("no keychain entry")?;
        check!(
            entry.contains(&demo.access_token_secret),
            "the keychain entry lacks the secret"
        );

        // Secrets never left Rust: not in any IPC response, the DOM, the config files or the log.
        app.click("#wizard-finish").await?;
        app.text("#active-account").await?;
        let places = app.everything_it_shows().await?;
        let ipc = &places[0].1;
        check!(
            ipc.contains("wizardSave") && ipc.contains("wizardVerify"),
            "the IPC log is empty: {ipc}"
        );
        check!(
            places[2].1.contains("\"Work\""),
            "profiles.json was not written under the app's home"
        );
        support::no_secret_in(
            &places,
            &[
                &demo.consumer_key,
                &demo.consumer_secret,
                &demo.access_token,
                &demo.access_token_secret,
            ],
        )?;
        Ok(())
    })
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_token_is_fixed_by_regenerating() {
    let sim = Sim::start().await;
    let read_only = sim
        .handle
        .issue_token("demo", x_sim::AccessLevel::Read)
        .unwrap();
    let handle = sim.handle.clone();
    journey("read-only", sim.app_env("read-only"), async |app| {
        walk_to_paste(app).await?;
        paste_keys(app, &read_only, false).await?;
        let result = app
            .wait_text("#verify-result", |t| t.contains("can only read"))
            .await?;
        check!(
            result.contains("Read and write"),
            "read-only explanation: {result:?}"
        );
        app.screenshot("read-only").await?;
        app.click("#fix-permissions").await?;
        app.wait_text("#wizard", |t| {
            t.contains("User authentication settings") && t.contains("App permissions")
        })
        .await
        .map_err(|e| format!("permissions step: {e}"))?;
        app.click("#permissions-continue").await?;
        app.wait_text("#wizard", |t| {
            t.contains("Keys and tokens") && t.contains("Regenerate")
        })
        .await
        .map_err(|e| format!("regenerate step: {e}"))?;
        // The person does it in the developer console (here: the simulator's control API).
        handle.set_app_permissions(x_sim::AccessLevel::ReadWrite);
        let fresh = handle
            .regenerate_tokens("demo")
            .ok_or("no regenerated pair")?;
        app.click("#regenerate-continue").await?;
        paste_keys(app, &fresh, false).await?;
        let result = app
            .wait_text("#verify-result", |t| t.contains("can post"))
            .await?;
        check!(
            result.contains("read-write"),
            "after regenerating: {result:?}"
        );
        app.click("#save").await?;
        app.wait_text("#wizard-done", |t| t.contains("read-write"))
            .await?;
        Ok(())
    })
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pin_sign_in_then_remove_the_account() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let service = keychain_service("pin");
    journey("pin", sim.app_env("pin"), async |app| {
        app.click("#start-pin").await?;
        app.type_into("#pin-api-key", &demo.consumer_key).await?;
        app.type_into("#pin-api-secret", &demo.consumer_secret)
            .await?;
        app.click("#pin-open").await?;
        let url = app.text("#pin-url").await?;
        let token = url
            .split("oauth_token=")
            .nth(1)
            .ok_or(format!("no request token in {url:?}"))?;
        check!(url.starts_with(&handle.api_base()), "authorize URL {url:?}");
        // The person authorizes in the browser; X shows a PIN.
        let pin = handle
            .approve_pin(token)
            .ok_or("the simulator refused the request token")?;
        app.type_into("#pin-code", &pin).await?;
        app.click("#pin-finish").await?;
        app.wait_text("#verify-result", |t| t.contains("can post"))
            .await?;
        app.click("#save").await?;
        app.wait_text("#wizard-done", |t| t.contains("is ready"))
            .await?;
        let key = format!("profile:@{}", demo.username);
        check!(
            secret_tool_lookup(&service, &key).is_some(),
            "no keychain entry {key}"
        );
        app.click("#wizard-finish").await?;

        // Remove it: the keychain entry goes too.
        app.click("#nav-accounts").await?;
        app.click(".account .remove").await?;
        app.screenshot("remove-confirm").await?;
        app.click(".remove-confirm").await?;
        app.text("#first-run-title").await?;
        check!(
            secret_tool_lookup(&service, &key).is_none(),
            "the keychain entry is still there"
        );
        Ok(())
    })
    .await;
    sim.handle.shutdown().await;
}
