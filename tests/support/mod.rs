//! The end-to-end rig: the real Postbridge window, driven over WebDriver.
//!
//! Contract:
//! - [`App::start`] starts `tauri-driver` (which starts WebKitWebDriver, which starts the real
//!   `postbridge` binary) on free loopback ports, with the environment the journey gives (for
//!   example the simulator's URLs) plus a private config/data directory, and opens a session.
//! - Journeys run through [`journey`]: on failure it saves a screenshot and keeps the app's log
//!   (everything tauri-driver, WebKitWebDriver and the app print) under
//!   `target/tmp/e2e/<journey>/`, then fails the test with both paths in the message.
//! - Everything is stopped cleanly: the session is closed (the app exits) and tauri-driver gets
//!   SIGTERM, never SIGKILL first, so WebKitWebDriver is not orphaned. Journeys in one test
//!   binary run one at a time (2-core machines, one window at a time).
//!
//! Needs: a display (Xvfb), a D-Bus session with an unlocked keychain, `tauri-driver` and
//! `WebKitWebDriver` on PATH — `scripts/test.sh` provides all of them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};

/// A journey's failure: what went wrong, in words.
pub type Outcome = Result<(), String>;

/// Fails the journey with a message unless `cond` holds.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where a journey's screenshots and logs go: `target/tmp/e2e/<name>/` (emptied first).
pub fn artifacts_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

/// Runs `body` against a freshly launched app; on failure saves a screenshot and the log.
pub async fn journey<F, Fut>(name: &str, env: Vec<(String, String)>, body: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = (App, Outcome)>,
{
    journey_prepared(name, env, |_| {}, body).await
}

/// Like [`journey`], with `prepare` run on the app's fresh home directory before launch (to
/// seed an account, say).
pub async fn journey_prepared<P, F, Fut>(
    name: &str,
    env: Vec<(String, String)>,
    prepare: P,
    body: F,
) where
    P: FnOnce(&Path),
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = (App, Outcome)>,
{
    let _serial = ONE_AT_A_TIME.lock().await;
    let artifacts = artifacts_dir(name);
    let home = artifacts.join("home");
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::create_dir_all(home.join("data")).unwrap();
    prepare(&home);
    let app = App::start(name, artifacts, env).await;
    let (app, outcome) = body(app).await;
    if let Err(msg) = outcome {
        let shot = app.screenshot("failure").await;
        let log = app.log_path.clone();
        app.stop().await;
        panic!(
            "journey `{name}` failed: {msg}\n  screenshot: {}\n  app log: {}\n--- log tail ---\n{}",
            shot.map(|p| p.display().to_string())
                .unwrap_or_else(|e| format!("(none: {e})")),
            log.display(),
            tail(&log, 40),
        );
    }
    app.stop().await;
}

/// A running app: the WebDriver session and the tauri-driver process behind it.
pub struct App {
    /// The WebDriver session; `None` once closed.
    client: Option<Client>,
    driver: Option<Child>,
    /// Screenshots and logs of this journey.
    pub artifacts: PathBuf,
    /// The combined output of tauri-driver, WebKitWebDriver and the app.
    pub log_path: PathBuf,
    /// The app's private home for config and data (`XDG_CONFIG_HOME`, `XDG_DATA_HOME`).
    pub home: PathBuf,
    name: String,
    env: Vec<(String, String)>,
}

impl App {
    /// Starts tauri-driver and the app (home and artifacts under `artifacts`) with `env`
    /// added to the environment. The log is appended to, so a restarted app keeps one log.
    pub async fn start(name: &str, artifacts: PathBuf, env: Vec<(String, String)>) -> App {
        let home = artifacts.join("home");
        let log_path = artifacts.join("app.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .unwrap();
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let env = env.clone();
        let driver = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start tauri-driver ({e}); install it with `cargo install tauri-driver --locked --version '^2.1'`")
        });
        let mut app = App {
            client: None,
            driver: Some(driver),
            artifacts,
            log_path,
            home,
            name: name.to_owned(),
            env,
        };
        if !wait_for_port(port, Duration::from_secs(20)) {
            app.stop().await;
            panic!("tauri-driver did not listen on port {port}");
        }
        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": env!("CARGO_BIN_EXE_postbridge") }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let connected = ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match connected {
            Ok(client) => app.client = Some(client),
            Err(e) => {
                let log = app.log_path.clone();
                app.stop().await;
                panic!("no WebDriver session: {e}\n--- log ---\n{}", tail(&log, 40));
            }
        }
        app
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("session is open")
    }

    /// Waits (up to 15 s) for an element matching `css`.
    pub async fn find(&self, css: &str) -> Result<Element, String> {
        self.client()
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("no element `{css}` within 15 s: {e}"))
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String, String> {
        self.find(css)
            .await?
            .text()
            .await
            .map_err(|e| format!("cannot read text of `{css}`: {e}"))
    }

    /// Waits (up to 15 s) until the text of `css` satisfies `pred`; returns the last text seen.
    pub async fn wait_text(
        &self,
        css: &str,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = self.text(css).await?;
            if pred(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "`{css}` never got the expected text; last: {text:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element matching `css`, after scrolling it to the middle of the window (a
    /// native click at the very edge of the window can miss it).
    pub async fn click(&self, css: &str) -> Result<(), String> {
        let el = self.find(css).await?;
        let arg = serde_json::to_value(&el).map_err(|e| e.to_string())?;
        self.client()
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                vec![arg],
            )
            .await
            .map_err(|e| format!("cannot scroll to `{css}`: {e}"))?;
        el.click()
            .await
            .map_err(|e| format!("cannot click `{css}`: {e}"))
    }

    /// Types `text` into the element matching `css` (after clearing it).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let el = self.find(css).await?;
        el.clear()
            .await
            .map_err(|e| format!("cannot clear `{css}`: {e}"))?;
        el.send_keys(text)
            .await
            .map_err(|e| format!("cannot type into `{css}`: {e}"))
    }

    /// Saves a PNG screenshot of the window as `<artifacts>/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(|e| format!("screenshot failed: {e}"))?;
        let path = self.artifacts.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("cannot save {}: {e}", path.display()))?;
        Ok(path)
    }

    /// Closes the session (the app exits) and stops tauri-driver with SIGTERM.
    pub async fn stop(mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        if let Some(child) = self.driver.take() {
            terminate(child);
        }
    }
}

impl App {
    /// Kills the app process with SIGKILL (a crash), then starts it again on the same home.
    pub async fn crash_and_restart(mut self) -> App {
        let bin = env!("CARGO_BIN_EXE_postbridge");
        let _ = Command::new("pkill").args(["-KILL", "-f", bin]).status();
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        }
        if let Some(child) = self.driver.take() {
            terminate(child);
        }
        let (name, artifacts, env) = (self.name.clone(), self.artifacts.clone(), self.env.clone());
        App::start(&name, artifacts, env).await
    }

    /// The window's X11 id (for xdotool).
    pub fn window_id(&self) -> Option<String> {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^Postbridge$"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_owned)
    }
}

/// Seeds an account (profile file + keychain entry) into an app home before launch.
pub fn seed_account(
    home: &Path,
    service: &str,
    name: &str,
    creds: &x_sim::DemoCredentials,
    sim: &x_sim::SimHandle,
) {
    let secrets = std::sync::Arc::new(keychain::OsKeychain::new(service));
    let accounts = accounts::Accounts::new(home.join("config").join("postbridge"), secrets);
    let mut profile = accounts::Profile::new(name);
    profile.username = Some(creds.username.clone());
    profile.user_id = Some(creds.user_id.clone());
    profile.api_base = Some(sim.api_base());
    profile.upload_base = Some(sim.upload_base());
    let credentials = x_client::Credentials {
        consumer_key: creds.consumer_key.clone(),
        consumer_secret: creds.consumer_secret.clone(),
        access_token: creds.access_token.clone(),
        access_secret: creds.access_token_secret.clone(),
    };
    accounts
        .save(profile, &credentials)
        .expect("seed the account");
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(child) = self.driver.take() {
            terminate(child);
        }
    }
}

/// SIGTERM, wait up to 5 s, then SIGKILL as a last resort.
fn terminate(mut child: Child) {
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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_for_port(port: u16, within: Duration) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The last `n` lines of a log file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

impl App {
    /// Runs a script in the page and returns its JSON result.
    pub async fn exec(&self, script: &str) -> Result<serde_json::Value, String> {
        self.client()
            .execute(script, vec![])
            .await
            .map_err(|e| format!("script failed: {e}"))
    }

    /// Waits until an element matching `css` exists, then returns its text.
    pub async fn wait_for(&self, css: &str) -> Result<String, String> {
        self.text(css).await
    }

    /// The page's HTML as it is now.
    pub async fn dom(&self) -> Result<String, String> {
        self.client()
            .source()
            .await
            .map_err(|e| format!("cannot read the page: {e}"))
    }
}

/// A simulator for a journey, and the environment that points the app at it.
pub struct Sim {
    /// The running simulator.
    pub handle: x_sim::SimHandle,
}

impl Sim {
    /// Starts a simulator on loopback.
    pub async fn start() -> Sim {
        let handle = x_sim::start(x_sim::SimConfig::default())
            .await
            .expect("simulator starts");
        Sim { handle }
    }

    /// `POSTBRIDGE_API_BASE`/`POSTBRIDGE_UPLOAD_BASE` for the app, plus a keychain service name
    /// of the journey's own.
    pub fn app_env(&self, journey: &str) -> Vec<(String, String)> {
        vec![
            ("POSTBRIDGE_API_BASE".into(), self.handle.api_base()),
            ("POSTBRIDGE_UPLOAD_BASE".into(), self.handle.upload_base()),
            keychain_env(journey),
        ]
    }
}

/// A keychain service name private to one journey (so journeys never see each other's keys).
pub fn keychain_env(journey: &str) -> (String, String) {
    (
        "POSTBRIDGE_KEYCHAIN_SERVICE".into(),
        keychain_service(journey),
    )
}

/// The keychain service name of a journey.
pub fn keychain_service(journey: &str) -> String {
    format!("postbridge-e2e-{journey}-{}", std::process::id())
}

/// Reads an entry from the Secret Service as another program would (`secret-tool`).
pub fn secret_tool_lookup(service: &str, key: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", key])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .filter(|s| !s.is_empty())
}
