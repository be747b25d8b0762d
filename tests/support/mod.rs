//! The end-to-end rig: the real Postbridge window, driven over WebDriver.
//!
//! Contract:
//! - [`App::start`] starts `tauri-driver` (which starts WebKitWebDriver, which starts the real
//!   `postbridge` binary) on free loopback ports, with the environment the journey gives (for
//!   example the simulator's URLs) plus a private config/data directory, and opens a session.
//! - Journeys run through [`journey`] (`journey(name, env, async |app| { …; Ok(()) })`): the
//!   body borrows the [`App`] and returns an [`Outcome`]; the rig keeps the app for cleanup. On
//!   failure it saves a screenshot and keeps the app's log
//!   (everything tauri-driver, WebKitWebDriver and the app print) under
//!   `target/tmp/e2e/<journey>/`, then fails the test with both paths in the message.
//! - Everything is stopped cleanly: the session is closed (the app exits) and tauri-driver gets
//!   SIGTERM, never SIGKILL first, so WebKitWebDriver is not orphaned. Journeys in one test
//!   binary run one at a time (2-core machines, one window at a time).
//! - Every helper that looks at the page ([`App::find`], [`App::text`], [`App::wait_text`], [`App::attr`], [`App::wait_attr`], [`App::click`],
//!   [`App::type_into`], [`App::wait_js`]) waits for an observable condition, never for a
//!   fixed time: it finds its element again on every poll, treats "no such element", a stale
//!   element (the page re-rendered it; WebKit says "Node … was not found") and "not
//!   interactable yet" as *not yet*, and at its deadline fails with a message naming the
//!   selector, what it waited for and what it saw last. Any other WebDriver error fails at once.
//! - `POSTBRIDGE_E2E_ARTIFACTS` (optional) replaces `target/tmp/e2e` as the artifacts root, and
//!   `POSTBRIDGE_E2E_APP` (optional) the app binary (`scripts/flake-check.sh` runs a snapshot of
//!   both builds, so a rebuild by someone else in the shared target dir cannot change a run).
//!   Each journey leaves `outcome` (`passed`, or `failed` and the message) in its directory.
//!
//! Needs: a display (Xvfb), a D-Bus session with an unlocked keychain, `tauri-driver` and
//! `WebKitWebDriver` on PATH — `scripts/test.sh` provides all of them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
pub use testkit::tail;
use testkit::{free_port, wait_for_port};

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

pub mod compose;

/// How long a helper waits for its condition unless told otherwise.
pub const WAIT: Duration = Duration::from_secs(15);

/// The pause between two looks at the page.
const POLL: Duration = Duration::from_millis(100);

static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The root of all journeys' artifacts: `POSTBRIDGE_E2E_ARTIFACTS`, else `target/tmp/e2e`.
pub fn artifacts_root() -> PathBuf {
    match std::env::var_os("POSTBRIDGE_E2E_ARTIFACTS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e"),
    }
}

/// The app binary the journeys launch: `POSTBRIDGE_E2E_APP`, else this build's `postbridge`.
pub fn app_binary() -> PathBuf {
    match std::env::var_os("POSTBRIDGE_E2E_APP") {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_postbridge")),
    }
}

/// Where a journey's screenshots and logs go: `<artifacts root>/<name>/` (emptied first).
pub fn artifacts_dir(name: &str) -> PathBuf {
    let dir = artifacts_root().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

/// How long a WebDriver session (the app's start) may take before the journey fails.
const SESSION_DEADLINE: Duration = Duration::from_secs(90);

/// The D-Bus name the app's single-instance lock holds (tauri-plugin-single-instance:
/// `<identifier>.SingleInstance`, identifier from tauri.conf.json).
const INSTANCE_NAME: &str = "app.postbridge.desktop.SingleInstance";

/// Whether some process of this D-Bus session holds [`INSTANCE_NAME`].
fn instance_running() -> bool {
    bus_name_has_owner(INSTANCE_NAME)
}

/// Whether some process on this session bus owns the well-known name `name`.
pub fn bus_name_has_owner(name: &str) -> bool {
    Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
        .unwrap_or(false)
}

/// The folder of a journey's own for the files it drops or picks (not emptied: files are
/// written whole each run).
pub fn files_dir(journey: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-files")
        .join(journey)
}

/// A real picture to drop or pick: the app's own icon, written as `bridge.png` in the
/// journey's [`files_dir`].
pub fn picture(journey: &str) -> PathBuf {
    let dir = files_dir(journey);
    let icon =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/icons/icon.png"))
            .unwrap();
    testkit::write(&dir, "bridge.png", &icon)
}

/// Waits (up to 15 s) until no app instance holds the single-instance name. A previous
/// journey's app can be gone from /proc while the bus has not yet released its name; an app
/// started then hands over to the dying one and exits (seen once under heavy load).
async fn wait_until_no_instance() {
    let deadline = Instant::now() + Duration::from_secs(15);
    while instance_running() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `body` against a freshly launched app; on failure saves a screenshot and the log.
pub async fn journey<F>(name: &str, env: Vec<(String, String)>, body: F)
where
    F: AsyncFnOnce(&App) -> Outcome,
{
    journey_prepared(name, env, |_| {}, body).await
}

/// Like [`journey`], with `prepare` run on the app's fresh home directory before launch (to
/// seed an account, say).
pub async fn journey_prepared<P, F>(name: &str, env: Vec<(String, String)>, prepare: P, body: F)
where
    P: FnOnce(&Path),
    F: AsyncFnOnce(&App) -> Outcome,
{
    let _serial = ONE_AT_A_TIME.lock().await;
    let artifacts = artifacts_dir(name);
    let home = artifacts.join("home");
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::create_dir_all(home.join("data")).unwrap();
    prepare(&home);
    let app = App::start(artifacts.clone(), env).await;
    let outcome = body(&app).await;
    if let Err(msg) = outcome {
        let _ = std::fs::write(artifacts.join("outcome"), format!("failed\n{msg}\n"));
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
    let _ = std::fs::write(artifacts.join("outcome"), "passed\n");
}

/// What one look at an element found: the value waited for, or what was seen instead.
pub enum Look<T> {
    /// The condition holds.
    Done(T),
    /// Not yet; what was seen (for the message at the deadline).
    NotYet(String),
}

/// Whether a WebDriver error only means "the page is not there yet": no element matches, the
/// element was replaced by a re-render (stale — WebKit: "Node … was not found"), or it cannot
/// take the interaction yet (hidden, covered, disabled).
pub fn not_yet(e: &CmdError) -> bool {
    match e {
        CmdError::Standard(w) => {
            matches!(
                w.error,
                ErrorStatus::NoSuchElement
                    | ErrorStatus::StaleElementReference
                    | ErrorStatus::ElementNotInteractable
                    | ErrorStatus::ElementClickIntercepted
                    | ErrorStatus::InvalidElementState
            ) || (w.error == ErrorStatus::UnknownError && w.message.contains("was not found"))
        }
        CmdError::NotW3C(v) => v.to_string().contains("was not found"),
        _ => false,
    }
}

/// A running app: the WebDriver session and the tauri-driver process behind it.
pub struct App {
    /// The session and tauri-driver, replaced by [`App::crash_and_restart`].
    session: Mutex<Session>,
    /// Screenshots and logs of this journey.
    pub artifacts: PathBuf,
    /// The combined output of tauri-driver, WebKitWebDriver and the app.
    pub log_path: PathBuf,
    /// The app's private home for config and data (`XDG_CONFIG_HOME`, `XDG_DATA_HOME`).
    pub home: PathBuf,
    /// The environment the journey gave (kept for a restart).
    env: Vec<(String, String)>,
}

/// The WebDriver session and the tauri-driver process of one launch.
#[derive(Default)]
struct Session {
    /// The WebDriver session; `None` once closed.
    client: Option<Client>,
    driver: Option<Child>,
}

impl Session {
    /// Closes the session (the app exits) and stops tauri-driver with SIGTERM.
    async fn close(mut self, within: Duration) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(within, client.close()).await;
        }
        if let Some(child) = self.driver.take() {
            terminate(child);
        }
    }
}

impl App {
    /// Starts tauri-driver and the app (home and artifacts under `artifacts`) with `env`
    /// added to the environment. The log is appended to, so a restarted app keeps one log.
    pub async fn start(artifacts: PathBuf, env: Vec<(String, String)>) -> App {
        let app = App {
            session: Mutex::new(Session::default()),
            home: artifacts.join("home"),
            log_path: artifacts.join("app.log"),
            artifacts,
            env,
        };
        app.launch().await;
        app
    }

    /// Starts tauri-driver and opens a session (which starts the app); panics, after stopping
    /// what it started, if either does not come up.
    async fn launch(&self) {
        wait_until_no_instance().await;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
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
        .envs(app_home_env(&self.home))
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let driver = cmd.spawn().unwrap_or_else(|e| {
            panic!("cannot start tauri-driver ({e}); install it with `cargo install tauri-driver --locked --version '^2.1'`")
        });
        self.session.lock().unwrap().driver = Some(driver);
        // tauri-driver forwards the session request to WebKitWebDriver, which it starts on
        // the native port: both must listen before the session is asked for.
        for (what, p) in [("tauri-driver", port), ("WebKitWebDriver", native_port)] {
            if !wait_for_port(p, Duration::from_secs(20)) {
                self.take_session().close(Duration::from_secs(10)).await;
                panic!("{what} did not listen on port {p}");
            }
        }
        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": app_binary() }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        // An app that exits at start (say it handed over to another instance) leaves
        // WebKitWebDriver waiting for a browser forever: the session request gets a deadline.
        let connected = tokio::time::timeout(
            SESSION_DEADLINE,
            ClientBuilder::rustls()
                .unwrap()
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .unwrap_or_else(|_| {
            Err(fantoccini::error::NewSessionError::Lost(
                std::io::Error::other(format!(
                    "no session within {} s",
                    SESSION_DEADLINE.as_secs()
                )),
            ))
        });
        match connected {
            Ok(client) => self.session.lock().unwrap().client = Some(client),
            Err(e) => {
                self.take_session().close(Duration::from_secs(10)).await;
                panic!(
                    "no WebDriver session: {e}\n--- log ---\n{}",
                    tail(&self.log_path, 40)
                );
            }
        }
    }

    /// Takes the session and tauri-driver out of the app (to stop them).
    fn take_session(&self) -> Session {
        std::mem::take(&mut *self.session.lock().unwrap())
    }

    /// The WebDriver client (a handle to the open session).
    pub fn client(&self) -> Client {
        self.session
            .lock()
            .unwrap()
            .client
            .clone()
            .expect("session is open")
    }

    /// Looks at the element matching `css` until `look` says [`Look::Done`] or `within`
    /// passes. The element is found again for every look; "not yet" errors (see [`not_yet`])
    /// are retried, any other error fails at once. The message at the deadline names `css`,
    /// `waiting_for` and the last thing seen.
    pub async fn poll<T, F, Fut>(
        &self,
        css: &str,
        waiting_for: &str,
        within: Duration,
        mut look: F,
    ) -> Result<T, String>
    where
        F: FnMut(Element) -> Fut,
        Fut: Future<Output = Result<Look<T>, CmdError>>,
    {
        let started = Instant::now();
        let mut seen = String::from("no element matched");
        let mut error: Option<String>;
        let mut observed = false;
        loop {
            match self.client().find(Locator::Css(css)).await {
                Ok(el) => match look(el).await {
                    Ok(Look::Done(value)) => return Ok(value),
                    Ok(Look::NotYet(what)) => {
                        seen = what;
                        observed = true;
                        error = None;
                    }
                    Err(e) if not_yet(&e) => {
                        // Keep the last real observation; say only that an element was there.
                        if !observed {
                            seen =
                                "an element, replaced or not ready before it could be used".into();
                        }
                        error = Some(e.to_string());
                    }
                    Err(e) => return Err(format!("`{css}`: {waiting_for}: {e}")),
                },
                Err(e) if not_yet(&e) => error = Some(e.to_string()),
                Err(e) => return Err(format!("`{css}`: cannot look for it: {e}")),
            }
            if started.elapsed() >= within {
                let error = error
                    .map(|e| format!("; last error: {e}"))
                    .unwrap_or_default();
                return Err(format!(
                    "`{css}`: waited {} s for {waiting_for}; last seen: {seen}{error}",
                    within.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits (up to [`WAIT`]) for an element matching `css`. The element may still be replaced
    /// by the next render: prefer the helpers that find it again ([`App::text`] …).
    pub async fn find(&self, css: &str) -> Result<Element, String> {
        self.poll(css, "the element to exist", WAIT, |el| async move {
            Ok(Look::Done(el))
        })
        .await
    }

    /// Waits (up to [`WAIT`]) for an element matching `css`, then returns its visible text.
    pub async fn text(&self, css: &str) -> Result<String, String> {
        self.poll(css, "its text", WAIT, |el| async move {
            Ok(Look::Done(el.text().await?))
        })
        .await
    }

    /// Waits (up to [`WAIT`]) until the text of `css` satisfies `pred`; returns that text.
    pub async fn wait_text(
        &self,
        css: &str,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        self.wait_text_within(css, WAIT, pred).await
    }

    /// [`App::wait_text`] with a deadline of its own.
    pub async fn wait_text_within(
        &self,
        css: &str,
        within: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let pred = &pred;
        self.poll(css, "the expected text", within, |el| async move {
            let text = el.text().await?;
            Ok(if pred(&text) {
                Look::Done(text)
            } else {
                Look::NotYet(format!("text {text:?}"))
            })
        })
        .await
    }

    /// The number of posts the composer has started (its `data-post-attempt`).
    pub async fn post_attempts(&self) -> Result<u64, String> {
        let value = self.attr("#composer", "data-post-attempt").await?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Clicks Post (once it is enabled) and waits until the composer has started that post;
    /// returns the post's number, which its result will carry (`#post-result[data-attempt]`).
    pub async fn start_post(&self) -> Result<u64, String> {
        let before = self.post_attempts().await?;
        self.click("#post").await?;
        let want = (before + 1).to_string();
        self.wait_attr("#composer", "data-post-attempt", |v| {
            v == Some(want.as_str())
        })
        .await?;
        Ok(before + 1)
    }

    /// Waits for an element matching `css`, then returns its attribute `name`.
    pub async fn attr(&self, css: &str, name: &str) -> Result<Option<String>, String> {
        self.poll(
            css,
            &format!("its `{name}` attribute"),
            WAIT,
            |el| async move { Ok(Look::Done(el.attr(name).await?)) },
        )
        .await
    }

    /// Waits (up to [`WAIT`]) until attribute `name` of `css` satisfies `pred`; returns it.
    pub async fn wait_attr(
        &self,
        css: &str,
        name: &str,
        pred: impl Fn(Option<&str>) -> bool,
    ) -> Result<Option<String>, String> {
        let pred = &pred;
        let what = format!("the expected `{name}` attribute");
        self.poll(css, &what, WAIT, |el| async move {
            let value = el.attr(name).await?;
            Ok(if pred(value.as_deref()) {
                Look::Done(value)
            } else {
                Look::NotYet(format!("{name}={value:?}"))
            })
        })
        .await
    }

    /// Clicks the element matching `css` once it exists and is enabled, after scrolling it
    /// to the middle of the window (a native click at the very edge of the window can miss).
    pub async fn click(&self, css: &str) -> Result<(), String> {
        let client = &self.client();
        self.poll(css, "it to be clickable", WAIT, |el| async move {
            if !el.is_enabled().await? {
                return Ok(Look::NotYet(format!(
                    "disabled, text {:?}",
                    el.text().await.unwrap_or_default()
                )));
            }
            let arg = serde_json::to_value(&el).map_err(CmdError::Json)?;
            client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                    vec![arg],
                )
                .await?;
            el.click().await?;
            Ok(Look::Done(()))
        })
        .await
    }

    /// Types `text` into the field matching `css` (after clearing it) once it is enabled, and
    /// checks that the field then holds exactly `text`; if the page replaced the field while
    /// typing, it is found again and typed into again. The message never shows the field's
    /// content (some fields hold secrets).
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let want = text.chars().count();
        self.poll(css, "it to hold the typed text", WAIT, |el| async move {
            if !el.is_enabled().await? {
                return Ok(Look::NotYet("a disabled field".into()));
            }
            el.clear().await?;
            el.send_keys(text).await?;
            let value = el.prop("value").await?.unwrap_or_default();
            Ok(if value == text {
                Look::Done(())
            } else {
                Look::NotYet(format!(
                    "a field holding {} characters instead of the {want} typed",
                    value.chars().count()
                ))
            })
        })
        .await
    }

    /// Runs `script` in the page until it returns something other than `null`, `false` or
    /// `undefined` (up to `within`); returns that value. `what` names the condition.
    pub async fn wait_js(
        &self,
        what: &str,
        within: Duration,
        script: &str,
    ) -> Result<serde_json::Value, String> {
        let started = Instant::now();
        loop {
            let value = self.exec(script).await?;
            if !(value.is_null() || value == serde_json::Value::Bool(false)) {
                return Ok(value);
            }
            if started.elapsed() >= within {
                return Err(format!(
                    "waited {} s for {what}; the page's answer stayed {value}",
                    within.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
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

    /// Closes the session (the app exits), stops tauri-driver with SIGTERM, and waits until
    /// this journey's app process is gone (the app is single-instance: a next journey's app
    /// would otherwise hand over to a lingering one and exit).
    pub async fn stop(self) {
        let pids = self.app_pids();
        self.take_session().close(Duration::from_secs(10)).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|pid| is_running(*pid)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for pid in pids.iter().filter(|pid| is_running(**pid)) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

impl App {
    /// The pids of the app processes this journey started (descendants of its tauri-driver
    /// running [`app_binary`]); never anyone else's `postbridge`.
    pub fn app_pids(&self) -> Vec<u32> {
        let Some(driver) = self.session.lock().unwrap().driver.as_ref().map(Child::id) else {
            return Vec::new();
        };
        let bin = app_binary();
        let bin = std::fs::canonicalize(&bin).unwrap_or(bin);
        descendants(driver)
            .into_iter()
            .filter(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe"))
                    .map(|exe| {
                        let exe = exe.to_string_lossy();
                        let exe = exe.trim_end_matches(" (deleted)");
                        Path::new(exe) == bin
                    })
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Kills this journey's app process (its own pids, see [`App::app_pids`]) with SIGKILL (a
    /// crash), then starts it again on the same home, env and log.
    pub async fn crash_and_restart(&self) {
        let pids = self.app_pids();
        assert!(!pids.is_empty(), "no app process to kill");
        for pid in &pids {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|pid| is_running(*pid)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.take_session().close(Duration::from_secs(5)).await;
        self.launch().await;
    }

    /// The X11 ids of the visible windows titled "Postbridge" (for xdotool).
    pub fn window_ids(&self) -> Vec<String> {
        Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^Postbridge$"])
            .output()
            .map(|out| {
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The window's X11 id (for xdotool).
    pub fn window_id(&self) -> Option<String> {
        self.window_ids().into_iter().next()
    }
}

/// The environment that gives an app process its private home (config and data).
pub fn app_home_env(home: &Path) -> Vec<(String, PathBuf)> {
    vec![
        ("XDG_CONFIG_HOME".into(), home.join("config")),
        ("XDG_DATA_HOME".into(), home.join("data")),
    ]
}

/// All processes below `root` in the process tree.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // `pid (comm) state ppid …`; comm may contain spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// Whether `pid` is alive (a zombie counts as gone).
fn is_running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X")
        })
        .unwrap_or(false)
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
    accounts
        .save(profile, &testkit::credentials(creds))
        .expect("seed the account");
}

impl Drop for App {
    fn drop(&mut self) {
        let driver = match self.session.get_mut() {
            Ok(session) => session.driver.take(),
            Err(poisoned) => poisoned.into_inner().driver.take(),
        };
        if let Some(child) = driver {
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

impl App {
    /// Runs a script in the page and returns its JSON result.
    pub async fn exec(&self, script: &str) -> Result<serde_json::Value, String> {
        self.client()
            .execute(script, vec![])
            .await
            .map_err(|e| format!("script failed: {e}"))
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

impl App {
    /// Every place a secret could leak to, with its text: the page's IPC log (`"IPC"`, what
    /// every command answered), the page (`"DOM"`), every file under the app's home
    /// (`"files"`), and everything the app printed (`"log"`).
    pub async fn everything_it_shows(&self) -> Result<Vec<(&'static str, String)>, String> {
        let ipc = self
            .exec("return JSON.stringify(window.__postbridgeIpcLog || [])")
            .await?;
        let ipc = ipc.as_str().unwrap_or_default().to_owned();
        let dom = self.dom().await?;
        let mut files = String::new();
        for entry in files_under(&self.home) {
            files.push_str(&String::from_utf8_lossy(
                &std::fs::read(entry).unwrap_or_default(),
            ));
        }
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        Ok(vec![
            ("IPC", ipc),
            ("DOM", dom),
            ("files", files),
            ("log", log),
        ])
    }
}

/// Fails naming the place when any of `secrets` appears in any of `places`.
pub fn no_secret_in(places: &[(&'static str, String)], secrets: &[&str]) -> Outcome {
    for (i, secret) in secrets.iter().enumerate() {
        check!(secret.len() >= 8, "secret #{i} is too short to search for");
        for (place, text) in places {
            check!(!text.contains(secret), "secret #{i} appears in the {place}");
        }
    }
    Ok(())
}

/// Every file under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
