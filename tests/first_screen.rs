//! Journey: a new user opens Postbridge and sees the first-run screen — the window title, the
//! version and whether the keychain can hold their credentials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::journey;

#[tokio::test]
async fn first_run_screen_shows_version_and_keychain() {
    journey("first-run", vec![], async |app| {
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
    journey("no-keychain", env, async |app| {
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
        let role = app.attr("#keychain-status", "role").await?;
        check!(role.as_deref() == Some("alert"), "role is {role:?}");
        app.screenshot("no-keychain").await?;
        Ok(())
    })
    .await;
}

/// The rig itself: an element the page keeps replacing (as the composer's progress line is on
/// every progress event) is read, waited for and clicked without a stale-element failure, and
/// a wait that cannot succeed names the selector, what it waited for and the last text seen.
#[tokio::test]
async fn helpers_survive_an_element_that_is_replaced_all_the_time() {
    journey("rig-rerender", vec![], async |app| {
        app.text("#version").await?;
        // Replace #version with a fresh node every 20 ms, and a button (counting clicks) every 250 ms.
        app.exec(
            "window.__clicks = 0;
             const version = () => {
               const v = document.querySelector('#version');
               const n = document.createElement('dd');
               n.id = 'version';
               n.textContent = v.textContent;
               v.replaceWith(n);
             };
             const button = () => {
               const b = document.createElement('button');
               b.id = 'rig-button';
               b.textContent = 'click me';
               b.onclick = () => { window.__clicks += 1; };
               const old = document.querySelector('#rig-button');
               if (old) old.replaceWith(b); else document.body.append(b);
             };
             button();
             window.__swappers = [setInterval(version, 20), setInterval(button, 250)];
             return true;",
        )
        .await?;
        for _ in 0..20 {
            let v = app
                .wait_text("#version", |t| t == env!("CARGO_PKG_VERSION"))
                .await?;
            check!(v == env!("CARGO_PKG_VERSION"), "version read as {v:?}");
            app.attr("#version", "id").await?;
        }
        for _ in 0..10 {
            app.click("#rig-button").await?;
        }
        // Each click lands at most once (a retry after a stale element never clicks twice);
        // one whose button is replaced between press and release is lost, as for a person.
        let clicks = app.exec("return window.__clicks").await?;
        let clicks = clicks.as_u64().unwrap_or(0);
        check!((1..=10).contains(&clicks), "10 clicks landed as {clicks}");
        let missed = app
            .wait_text_within("#version", std::time::Duration::from_secs(1), |t| {
                t == "not a version"
            })
            .await
            .err()
            .ok_or("a wait for text that never comes succeeded")?;
        check!(
            missed.contains("`#version`")
                && missed.contains("the expected text")
                && missed.contains(&format!("{:?}", env!("CARGO_PKG_VERSION"))),
            "the timeout message should name the selector, the wait and the last text: {missed}"
        );
        app.exec("window.__swappers.forEach(clearInterval); return true")
            .await?;
        Ok(())
    })
    .await;
}
