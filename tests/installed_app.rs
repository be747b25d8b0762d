//! The installed app: the `postbridge` binary a `.deb` put on this machine, launched the way the
//! desktop entry launches it, shows its first screen with this build's version.
//!
//! Run by `scripts/install-test.sh`, which builds and installs the `.deb`, resolves the desktop
//! entry's `Exec` line and passes:
//! - `POSTBRIDGE_INSTALLED_BIN`: the absolute path of the installed binary (required; without
//!   it this test is skipped with a message, so `cargo test` on a developer machine passes);
//! - `POSTBRIDGE_INSTALLED_WM_CLASS`: the desktop entry's `StartupWMClass` (optional; when set,
//!   the window's `WM_CLASS` must contain it, so the menu entry groups the window).
//!
//! Needs what the end-to-end journeys need: a display, a D-Bus session, `tauri-driver`,
//! `WebKitWebDriver`, plus `xdotool` and `xprop` for the window class.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use testkit::{free_port, tail, wait_for_port};

#[tokio::test]
async fn installed_app_shows_first_screen_and_version() {
    let Some(bin) = std::env::var_os("POSTBRIDGE_INSTALLED_BIN") else {
        eprintln!(
            "SKIPPED installed_app: POSTBRIDGE_INSTALLED_BIN is not set \
             (scripts/install-test.sh installs the .deb and sets it)"
        );
        return;
    };
    let bin = PathBuf::from(bin);
    assert!(
        bin.is_absolute() && bin.is_file(),
        "POSTBRIDGE_INSTALLED_BIN={} is not an installed file",
        bin.display()
    );
    let want_version = env!("CARGO_PKG_VERSION");

    // `postbridge --version` of the installed binary: the same version as this build's Cargo.
    let out = Command::new(&bin).arg("--version").output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(out.status.success(), "`{} --version` failed", bin.display());
    assert_eq!(printed, format!("postbridge {want_version}"));

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("installed-app");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    let log_path = dir.join("app.log");
    let log = std::fs::File::create(&log_path).unwrap();

    let port = free_port();
    let native_port = free_port();
    let driver = Command::new("tauri-driver")
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        // A private home: the test leaves nothing in the user's config or data.
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("tauri-driver on PATH (cargo install tauri-driver --locked --version '^2.1')");
    let driver = Driver(Some(driver));
    assert!(
        wait_for_port(port, Duration::from_secs(20)),
        "tauri-driver did not listen on port {port}"
    );

    let caps = serde_json::json!({
        "browserName": "wry",
        "tauri:options": { "application": bin }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    let client = ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("no WebDriver session: {e}\n{}", tail(&log_path, 40)));

    let outcome = check_window(&client, want_version).await;
    if outcome.is_err() {
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(dir.join("failure.png"), png);
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
    drop(driver);
    if let Err(msg) = outcome {
        panic!(
            "installed app: {msg}\n  screenshot: {}\n--- log ---\n{}",
            dir.join("failure.png").display(),
            tail(&log_path, 40)
        );
    }
}

async fn check_window(client: &Client, want_version: &str) -> Result<(), String> {
    let text = |css: &'static str| async move {
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("no `{css}` within 20 s: {e}"))?
            .text()
            .await
            .map_err(|e| format!("cannot read `{css}`: {e}"))
    };
    let heading = text("#first-run-title").await?;
    if heading != "Welcome to Postbridge" {
        return Err(format!("heading is {heading:?}"));
    }
    let version = text("#version").await?;
    if version != want_version {
        return Err(format!(
            "version shown is {version:?}, Cargo says {want_version}"
        ));
    }
    if let Ok(class) = std::env::var("POSTBRIDGE_INSTALLED_WM_CLASS") {
        let wm_class = window_class()?;
        if !wm_class.split(", ").any(|c| c == format!("\"{class}\"")) {
            return Err(format!(
                "the desktop entry's StartupWMClass={class} does not match the window's {wm_class}"
            ));
        }
    }
    Ok(())
}

/// `WM_CLASS` of the (only) visible window titled "Postbridge", e.g. `"postbridge", "Postbridge"`.
fn window_class() -> Result<String, String> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Postbridge$"])
        .output()
        .map_err(|e| format!("xdotool: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let id = stdout
        .lines()
        .next()
        .ok_or("no visible Postbridge window")?;
    let out = Command::new("xprop")
        .args(["-id", id, "WM_CLASS"])
        .output()
        .map_err(|e| format!("xprop: {e}"))?;
    let line = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    line.split_once(" = ")
        .map(|(_, v)| v.to_owned())
        .ok_or(format!("no WM_CLASS: {line:?}"))
}

/// tauri-driver, stopped with SIGTERM (SIGKILL would orphan WebKitWebDriver).
struct Driver(Option<Child>);

impl Drop for Driver {
    fn drop(&mut self) {
        let Some(mut child) = self.0.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
