//! Journey: Postbridge is already open and the person launches it again (the menu entry
//! clicked twice). The second launch hands over to the first — its window comes to the front —
//! and exits 0; there is still exactly one window, and it still works. A second launch with a
//! CLI subcommand is not swallowed: `postbridge post` runs headless and answers for itself.
//!
//! The second launch is started directly (not through tauri-driver, which would wait for a
//! window of its own that never comes), with the same environment as the first: the same
//! display, the same D-Bus session bus (where the instance is found) and the same home.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{app_binary, app_home_env, journey, App};

/// Runs the app binary with `args` in the first instance's environment; its exit status and
/// output, or a failure after `within`.
async fn launch(
    app: &App,
    args: &[&str],
    within: Duration,
) -> Result<std::process::Output, String> {
    let mut child = Command::new(app_binary())
        .args(args)
        .envs(app_home_env(&app.home))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start a second postbridge: {e}"))?;
    let started = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return child.wait_with_output().map_err(|e| e.to_string());
        }
        if started.elapsed() >= within {
            let _ = child.kill();
            let out = child.wait_with_output().map_err(|e| e.to_string())?;
            return Err(format!(
                "`postbridge {}` was still running after {} s (the second window stayed open?); stderr: {}",
                args.join(" "),
                within.as_secs(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The X11 root window's id.
fn root_window() -> Result<String, String> {
    let out = Command::new("xwininfo")
        .arg("-root")
        .output()
        .map_err(|e| format!("xwininfo: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .skip_while(|w| *w != "id:")
        .nth(1)
        .map(|id| u64::from_str_radix(id.trim_start_matches("0x"), 16).map(|n| n.to_string()))
        .and_then(Result::ok)
        .ok_or_else(|| "no root window id from xwininfo".to_string())
}

/// The X11 window that has the keyboard focus.
fn focused_window() -> Option<String> {
    let out = Command::new("xdotool")
        .arg("getwindowfocus")
        .output()
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (!id.is_empty()).then_some(id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_focuses_the_first_window_and_exits() {
    journey("single-instance", vec![], async |app| {
        app.text("#first-run-title").await?;
        let first = app.window_ids();
        check!(
            first.len() == 1,
            "windows before the second launch: {first:?}"
        );
        let window = first[0].clone();
        // Something else has the focus, as when the person is in another app: the root
        // window (there is no window manager here).
        let _ = Command::new("xdotool")
            .args(["windowfocus", "--sync", &root_window()?])
            .status();
        let away = focused_window();
        check!(
            away.as_deref() != Some(window.as_str()),
            "the focus did not move away from the window ({away:?})"
        );

        let out = launch(app, &[], Duration::from_secs(30)).await?;
        check!(
            out.status.success(),
            "the second launch exited with {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let windows = app.window_ids();
        check!(
            windows == first,
            "windows after the second launch: {windows:?}, before: {first:?}"
        );
        // The first instance was asked to show its window: it has the focus again.
        let started = Instant::now();
        loop {
            let focus = focused_window();
            if focus.as_deref() == Some(window.as_str()) {
                break;
            }
            check!(
                started.elapsed() < support::WAIT,
                "the first window did not get the focus back: focus on {focus:?}, window {window}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // And it still works.
        let version = app.text("#version").await?;
        check!(
            version == env!("CARGO_PKG_VERSION"),
            "version shown is {version:?}"
        );

        // A CLI subcommand is not handed over: it runs and answers itself.
        let out = launch(app, &["post", "hello"], Duration::from_secs(30)).await?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        check!(
            out.status.code() == Some(2) && stderr.contains("no credentials"),
            "`postbridge post` while the window is open: exit {:?}, stderr {stderr:?}",
            out.status.code()
        );
        check!(app.window_ids() == first, "a CLI run changed the windows");
        app.screenshot("single-instance").await?;
        Ok(())
    })
    .await;
}
