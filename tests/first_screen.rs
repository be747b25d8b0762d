//! Journey: a new user opens Postbridge and sees the first-run screen — the window title, the
//! version and whether the keychain can hold their credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{journey, App, Outcome};

#[tokio::test]
async fn first_run_screen_shows_version_and_keychain() {
    journey("first-run", vec![], |app: App| async move {
        let outcome: Outcome = async {
            let title = app.client().title().await.map_err(|e| e.to_string())?;
            check!(title == "Postbridge", "document title is {title:?}");
            let heading = app.text("#first-run-title").await?;
            check!(heading == "Welcome to Postbridge", "heading is {heading:?}");
            let version = app.text("#version").await?;
            check!(
                version == env!("CARGO_PKG_VERSION"),
                "version shown is {version:?}, Cargo says {}",
                env!("CARGO_PKG_VERSION")
            );
            let status = app
                .wait_text("#keychain-status", |t| t.contains("Keychain"))
                .await?;
            check!(
                status.contains("Keychain available") && status.contains("Secret Service"),
                "keychain status is {status:?}"
            );
            app.screenshot("first-run").await?;
            Ok(())
        }
        .await;
        (app, outcome)
    })
    .await;
}

#[tokio::test]
async fn first_run_screen_explains_a_missing_keychain() {
    // The app's D-Bus session points nowhere, as on a server with no desktop session.
    let env = vec![(
        "DBUS_SESSION_BUS_ADDRESS".to_owned(),
        "unix:path=/nonexistent/postbridge-no-bus".to_owned(),
    )];
    journey("no-keychain", env, |app: App| async move {
        let outcome: Outcome = async {
            let status = app
                .wait_text("#keychain-status", |t| t.contains("Keychain"))
                .await?;
            check!(
                status.contains("Keychain not available"),
                "expected the unavailable card, got {status:?}"
            );
            check!(
                status.contains("No D-Bus session bus") && status.contains("dbus-run-session"),
                "the card should say what is missing and how to fix it: {status:?}"
            );
            check!(
                status.contains("Missing: Secret Service"),
                "the card should name the missing service: {status:?}"
            );
            let role = app
                .find("#keychain-status")
                .await?
                .attr("role")
                .await
                .map_err(|e| e.to_string())?;
            check!(role.as_deref() == Some("alert"), "role is {role:?}");
            app.screenshot("no-keychain").await?;
            Ok(())
        }
        .await;
        (app, outcome)
    })
    .await;
}
