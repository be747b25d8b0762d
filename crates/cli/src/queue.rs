//! `postbridge schedule` and `postbridge queue …`: posts that go out at a set time, exactly once,
//! from the same queue the app uses (its database in the app's data directory,
//! `POSTBRIDGE_DATA_DIR` in tests; see [`composer::queue`]).
//!
//! Contract (issue 13 item 7; scripts and tests rely on it):
//! - `postbridge schedule [--json] --at TIME [--media PATH]... [--alt TEXT]... [--reply-to ID]
//!   [--upload-route R] [--profile NAME] [--late-limit SECS] TEXT`: TIME is RFC 3339 with an
//!   offset (or with an IANA zone in brackets, `…+02:00[Europe/Berlin]`). Exit 0 and
//!   `{"id","at"}`. A time more than the late limit (default 3600 s) in the past, a time
//!   without an offset, or media that break X's limits are refused with kind
//!   `invalid-request` (`media-invalid` for media), exit 1, in `postbridge post`'s failure
//!   shape `{"error":{"kind",…}}`. The item's account: `--profile NAME` when given; else the
//!   `X_*` variables when set (the user they sign in as, read with `GET /2/users/me` now);
//!   else the default profile.
//! - `postbridge queue list [--json]`: `{"items":[{"id","at","state","text","post_ids",…}]}`.
//! - `postbridge queue run --once [--json]`: every due item once, then exit:
//!   `{"posted":[{"id","post_ids","late_secs"}],"held":[{"id","late_secs"}],"failed":[{"id","error"}],"unknown":[{"id","post_ids","error"}],"waiting":[…]}`;
//!   exit 0 when nothing failed, 1 when something failed, 3 when something may have posted.
//! - `postbridge queue cancel [--json] ID`: exit 0 and `{"id","state":"cancelled"}`; an item
//!   being sent or already posted is refused (`invalid-request`, exit 1).
//! - `postbridge queue daemon [--json] [--interval SECS]` (and `queue run` without `--once`):
//!   runs due items, sleeps until the next due time or the interval (30 s), and stops cleanly
//!   on SIGTERM or Ctrl-C (exit 0); with `--json` one report line per run that did something.
//! - Credentials at run time are the item's account: a `profile:` item uses its profile
//!   (whatever `X_*` variables are set); a `user:` item uses the `X_*` variables (else the
//!   default profile) after `GET /2/users/me` says they sign in as that same user, else kind
//!   `account-mismatch` and the item stays scheduled. Secrets never appear in any output.
//! - A video X refused as too long for its account (`video-too-long`, §15) leaves X's minutes
//!   on that account's saved profile (when it has one), as `postbridge post` and the app do;
//!   the app's composer warns with them.
//! - All logic is in the `execute_*` functions, which return an [`Outcome`] instead of printing.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use accounts::Accounts;
use composer::queue::{Connected, Connector, Due, Item, NewItem, NewPart, Queue, RunReport};
use composer::{ComposerError, Plan, RunOptions};
use serde_json::{json, Value};
use x_client::{Diagnosis, ErrorKind};

use crate::post::{
    accounts_from_env, diagnosis_failure, failure, process_env, session, usage_error, Outcome,
    ENV_KEYS, ENV_OAUTH2_TOKEN,
};

/// Arguments of `postbridge schedule`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    /// Print one JSON object on stdout (success or error).
    #[arg(long)]
    pub json: bool,
    /// When to post: RFC 3339 with an offset, e.g. 2026-03-29T09:00:00+02:00.
    #[arg(long, value_name = "TIME")]
    pub at: String,
    /// Attach a file (repeat for up to 4 images; or 1 GIF; or 1 video).
    #[arg(long = "media", value_name = "PATH")]
    pub media: Vec<PathBuf>,
    /// Alt text for the media at the same position (repeatable).
    #[arg(long = "alt", value_name = "TEXT")]
    pub alt: Vec<String>,
    /// Reply to this post id (or link).
    #[arg(long = "reply-to", value_name = "ID")]
    pub reply_to: Option<String>,
    /// Upload route: auto, v1 or v2.
    #[arg(long = "upload-route", value_name = "ROUTE", default_value = "auto", value_parser = ["auto", "v1", "v2"])]
    pub upload_route: String,
    /// Post from this saved account (else the X_* variables, else the default account).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Hold the post instead of sending it when a runner comes more than this late (seconds).
    #[arg(long = "late-limit", value_name = "SECS")]
    pub late_limit: Option<u64>,
    /// The text to post.
    #[arg(value_name = "TEXT", allow_hyphen_values = true)]
    pub text: String,
}

/// Arguments of `postbridge queue`.
#[derive(Debug, Clone, clap::Args)]
pub struct QueueArgs {
    /// What to do with the queue.
    #[command(subcommand)]
    pub command: QueueCommand,
}

/// `postbridge queue` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum QueueCommand {
    /// List the queue: upcoming, posted, held, failed and "may have posted" items.
    List(ListArgs),
    /// Send every due item once (`--once`), or keep running like `daemon`.
    Run(RunArgs),
    /// Cancel a scheduled (or held, or failed) item.
    Cancel(CancelArgs),
    /// Keep sending due items until SIGTERM or Ctrl-C.
    Daemon(DaemonArgs),
}

/// `queue list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `queue run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Send every due item once, then exit.
    #[arg(long)]
    pub once: bool,
    /// Print one JSON object (per run).
    #[arg(long)]
    pub json: bool,
}

/// `queue cancel`.
#[derive(Debug, Clone, clap::Args)]
pub struct CancelArgs {
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The item's id (from `schedule` or `queue list`).
    #[arg(value_name = "ID")]
    pub id: String,
}

/// `queue daemon`.
#[derive(Debug, Clone, clap::Args)]
pub struct DaemonArgs {
    /// One JSON line per run that did something.
    #[arg(long)]
    pub json: bool,
    /// Longest sleep between runs (seconds).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub interval: u64,
}

fn invalid(json_out: bool, msg: impl Into<String>) -> Outcome {
    diagnosis_failure(
        json_out,
        Diagnosis::new(ErrorKind::InvalidRequest, None, msg),
        json!({}),
    )
}

fn composer_failure(json_out: bool, e: ComposerError) -> Outcome {
    let kind = match &e {
        ComposerError::Schedule(_) | ComposerError::NoQueueItem(_) | ComposerError::ReadOnly(_) => {
            ErrorKind::InvalidRequest
        }
        ComposerError::MediaRefused(_) | ComposerError::Io { .. } => ErrorKind::MediaInvalid,
        _ => ErrorKind::LocalError,
    };
    diagnosis_failure(
        json_out,
        Diagnosis::new(kind, None, e.to_string()),
        json!({}),
    )
}

/// The app's queue, as the CLI opens it (`POSTBRIDGE_DATA_DIR`, else the app's data directory).
pub fn open_queue(env: &HashMap<String, String>) -> Result<Queue, ComposerError> {
    let path =
        composer::data_dir(accounts::Env::from_vars(env).data_dir()).join(composer::store::DB_FILE);
    Queue::new(composer::Store::open(&path)?)
}

fn any_env_credentials(env: &HashMap<String, String>) -> bool {
    std::iter::once(ENV_OAUTH2_TOKEN)
        .chain(ENV_KEYS)
        .any(|k| accounts::env::value(env.get(k).map(String::as_str)).is_some())
}

/// The environment without the `X_*` credentials (so a profile is used).
fn without_env_credentials(env: &HashMap<String, String>) -> HashMap<String, String> {
    env.iter()
        .filter(|(k, _)| *k != ENV_OAUTH2_TOKEN && !ENV_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The diagnosis inside a failure outcome made with `json_out = true`.
fn outcome_diagnosis(o: &Outcome) -> Diagnosis {
    serde_json::from_str::<Value>(o.stdout.trim())
        .ok()
        .and_then(|v| serde_json::from_value(v["error"].clone()).ok())
        .unwrap_or_else(|| {
            Diagnosis::new(
                ErrorKind::LocalError,
                None,
                o.stderr.trim().trim_start_matches("postbridge: "),
            )
        })
}

/// Runs `postbridge schedule`; never prints.
pub async fn execute_schedule(
    args: &ScheduleArgs,
    env: &HashMap<String, String>,
    accounts: &Accounts,
) -> Outcome {
    let json_out = args.json;
    let route = match crate::post::media_args(&args.media, &args.alt, &args.upload_route) {
        Ok(r) => r,
        Err(msg) => return usage_error(json_out, &msg),
    };
    if args.text.trim().is_empty() && args.media.is_empty() {
        return usage_error(
            json_out,
            "nothing to schedule: give a text, or --media with a file",
        );
    }
    let due = match Due::parse(&args.at) {
        Ok(d) => d,
        Err(e) => return invalid(json_out, format!("--at {e}")),
    };
    if let Err(e) = x_client::text::check_length(&x_client::text::normalize(&args.text)) {
        return failure(json_out, &e, json!({}));
    }
    let (account, username) = if args.profile.is_none() && any_env_credentials(env) {
        let s = match session(env, accounts, None, json_out).await {
            Ok(s) => s,
            Err(o) => return o,
        };
        match s.client.me().await {
            Ok(me) => (format!("user:{}", me.id), Some(me.username)),
            Err(e) => return failure(json_out, &e, json!({})),
        }
    } else {
        let profile = match args.profile.as_deref() {
            Some(n) => accounts.profile(n).map(Some),
            None => accounts.default_profile(),
        };
        let profile = match profile {
            Ok(Some(p)) => p,
            Ok(None) => {
                return usage_error(
                    json_out,
                    &format!(
                        "no account: set {} or set up an account in the Postbridge app (then `--profile NAME` picks one)",
                        ENV_KEYS.join(", ")
                    ),
                )
            }
            Err(e) => return usage_error(json_out, &e.to_string()),
        };
        if profile.sandbox {
            return usage_error(
                json_out,
                &format!(
                    "\"{}\" is the app's sandbox account, which lives inside the app; schedule with a real account",
                    profile.name
                ),
            );
        }
        (format!("profile:{}", profile.name), profile.username)
    };
    let queue = match open_queue(env) {
        Ok(q) => q,
        Err(e) => return composer_failure(json_out, e),
    };
    let new = NewItem {
        account,
        username,
        parts: vec![NewPart {
            text: args.text.clone(),
            media: args
                .media
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), args.alt.get(i).cloned()))
                .collect(),
        }],
        reply_to: args.reply_to.clone(),
        upload_route: route,
        due,
        late_limit: args.late_limit,
    };
    let scheduled = tokio::task::spawn_blocking(move || {
        let r = queue.schedule(new, jiff::Timestamp::now());
        (queue, r)
    })
    .await;
    let item = match scheduled {
        Ok((_, Ok(item))) => item,
        Ok((_, Err(e))) => return composer_failure(json_out, e),
        Err(e) => return usage_error(json_out, &format!("scheduling failed: {e}")),
    };
    let cost = item.cost(Plan::PayPerUse);
    Outcome {
        code: 0,
        stdout: if json_out {
            format!("{}\n", json!({ "id": item.id, "at": item.due.text }))
        } else {
            format!(
                "✓ Scheduled {} for {} ({} on pay-per-use)\n",
                item.id,
                item.due.text,
                cost.dollars()
            )
        },
        stderr: String::new(),
    }
}

fn list_entry(i: &Item) -> Value {
    let mut v = json!({
        "id": i.id,
        "at": i.due.text,
        "state": i.state,
        "text": i.content.parts.first().map(|p| p.text.as_str()).unwrap_or(""),
        "post_ids": i.post_ids,
        "account": i.account,
        "parts": i.content.parts.len(),
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(l) = i.late_secs {
            obj.insert("late_secs".into(), json!(l));
        }
        if let Some(e) = &i.error {
            obj.insert("error".into(), e.clone());
        }
    }
    v
}

/// Runs `postbridge queue list`; never prints.
pub fn execute_list(args: &ListArgs, env: &HashMap<String, String>) -> Outcome {
    let items = match open_queue(env).and_then(|q| q.list()) {
        Ok(i) => i,
        Err(e) => return composer_failure(args.json, e),
    };
    let stdout = if args.json {
        format!(
            "{}\n",
            json!({ "items": items.iter().map(list_entry).collect::<Vec<_>>() })
        )
    } else if items.is_empty() {
        "The queue is empty.\n".to_owned()
    } else {
        items
            .iter()
            .map(|i| {
                let text: String = i
                    .content
                    .parts
                    .first()
                    .map(|p| p.text.chars().take(50).collect())
                    .unwrap_or_default();
                let ids = if i.post_ids.is_empty() {
                    String::new()
                } else {
                    format!("  → {}", i.post_ids.join(", "))
                };
                format!(
                    "{}  {:<15} {}  {}  {}{ids}\n",
                    i.id,
                    i.state.as_str(),
                    i.due.text,
                    i.cost(Plan::PayPerUse).dollars(),
                    text
                )
            })
            .collect()
    };
    Outcome {
        code: 0,
        stdout,
        stderr: String::new(),
    }
}

/// Runs `postbridge queue cancel`; never prints.
pub fn execute_cancel(args: &CancelArgs, env: &HashMap<String, String>) -> Outcome {
    match open_queue(env).and_then(|q| q.cancel(&args.id)) {
        Ok(item) => Outcome {
            code: 0,
            stdout: if args.json {
                format!("{}\n", json!({ "id": item.id, "state": item.state }))
            } else {
                format!("✓ Cancelled {}\n", item.id)
            },
            stderr: String::new(),
        },
        Err(e) => composer_failure(args.json, e),
    }
}

/// The CLI's [`Connector`]: each account's client once per run (see the module docs).
pub struct CliConnector<'a> {
    env: &'a HashMap<String, String>,
    accounts: &'a Accounts,
    cache: tokio::sync::Mutex<HashMap<String, Result<Connected, Diagnosis>>>,
}

impl<'a> CliConnector<'a> {
    /// A connector over this environment and these accounts.
    pub fn new(env: &'a HashMap<String, String>, accounts: &'a Accounts) -> Self {
        CliConnector {
            env,
            accounts,
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    async fn resolve(&self, item: &Item) -> Result<Connected, Diagnosis> {
        if let Some(name) = item.account.strip_prefix("profile:") {
            let env = without_env_credentials(self.env);
            let s = session(&env, self.accounts, Some(name), true)
                .await
                .map_err(|o| outcome_diagnosis(&o))?;
            return Ok(Connected {
                client: s.client,
                username: item.username.clone(),
            });
        }
        let Some(user) = item.account.strip_prefix("user:") else {
            return Err(Diagnosis::new(
                ErrorKind::LocalError,
                None,
                format!("the item's account {:?} is not known", item.account),
            ));
        };
        let s = session(self.env, self.accounts, None, true)
            .await
            .map_err(|o| outcome_diagnosis(&o))?;
        let me = s.client.me().await.map_err(|e| e.diagnosis())?;
        if me.id != user {
            let was = item
                .username
                .as_deref()
                .map(|u| format!("@{u} (user {user})"))
                .unwrap_or_else(|| format!("user {user}"));
            return Err(Diagnosis::new(
                ErrorKind::AccountMismatch,
                None,
                format!(
                    "this post was scheduled for {was}, but the credentials given sign in as @{} (user {}); nothing was sent",
                    me.username, me.id
                ),
            ));
        }
        Ok(Connected {
            client: s.client,
            username: Some(me.username),
        })
    }
}

impl Connector for CliConnector<'_> {
    async fn connect(&self, item: &Item) -> Result<Connected, Diagnosis> {
        let mut cache = self.cache.lock().await;
        if let Some(hit) = cache.get(&item.account) {
            return hit.clone();
        }
        let r = self.resolve(item).await;
        cache.insert(item.account.clone(), r.clone());
        r
    }
}

/// The exit code of a run: 3 when something may have posted, else 1 when something failed.
pub fn report_code(r: &RunReport) -> u8 {
    if !r.unknown.is_empty() {
        3
    } else if !r.failed.is_empty() {
        1
    } else {
        0
    }
}

fn render_report(r: &RunReport) -> String {
    let mut s = String::new();
    for p in &r.posted {
        let late = p
            .late_secs
            .filter(|l| *l > 0)
            .map(|l| format!(" ({l} s late)"))
            .unwrap_or_default();
        s.push_str(&format!(
            "✓ Posted {} → {}{late}\n",
            p.id,
            p.post_ids.clone().unwrap_or_default().join(", ")
        ));
    }
    for h in &r.held {
        s.push_str(&format!(
            "‖ Held {}: {} s late, more than its late limit (post it from the app, or cancel it)\n",
            h.id,
            h.late_secs.unwrap_or(0)
        ));
    }
    for w in &r.waiting {
        s.push_str(&format!(
            "… {} waits for the account's rate limit (until {})\n",
            w.id,
            w.until
                .and_then(|t| jiff::Timestamp::from_second(i64::try_from(t).ok()?).ok())
                .map(|t| t.to_string())
                .unwrap_or_default()
        ));
    }
    for (mark, list) in [("✗ Failed", &r.failed), ("? May have posted", &r.unknown)] {
        for f in list {
            let d: Option<Diagnosis> = f.error.clone().and_then(|e| serde_json::from_value(e).ok());
            match d {
                Some(d) => s.push_str(&format!("{mark} {}: {} ({})\n", f.id, d.detail, d.kind)),
                None => s.push_str(&format!("{mark} {}\n", f.id)),
            }
        }
    }
    if s.is_empty() {
        s.push_str("Nothing due.\n");
    }
    s
}

/// Runs `postbridge queue run --once`; never prints.
pub async fn execute_run(
    args: &RunArgs,
    env: &HashMap<String, String>,
    accounts: &Accounts,
) -> Outcome {
    let queue = match open_queue(env) {
        Ok(q) => q,
        Err(e) => return composer_failure(args.json, e),
    };
    let connector = CliConnector::new(env, accounts);
    match queue.run_due(&connector, RunOptions::default()).await {
        Ok(r) => Outcome {
            code: report_code(&r),
            stdout: if args.json {
                format!("{}\n", serde_json::to_value(&r).unwrap_or(Value::Null))
            } else {
                render_report(&r)
            },
            stderr: remember_video_limits(accounts, &queue, &r),
        },
        Err(e) => composer_failure(args.json, e),
    }
}

/// Saves on their profiles the video limits X named in `r` (§15), so that the app's composer
/// warns with them; the lines to print when one could not be saved.
fn remember_video_limits(accounts: &Accounts, queue: &Queue, r: &RunReport) -> String {
    let mut notes = String::new();
    for (account, minutes) in r.video_limits_told(queue) {
        if let Err(e) = accounts.remember_video_limit(&account, minutes) {
            notes.push_str(&format!(
                "postbridge: X's video limit for {account} ({minutes} minutes) could not be saved: {e}\n"
            ));
        }
    }
    notes
}

/// Resolves when the process is asked to stop (Ctrl-C, or SIGTERM on Unix).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs `postbridge queue daemon` until SIGTERM / Ctrl-C (prints as it goes).
pub async fn daemon(args: &DaemonArgs, env: &HashMap<String, String>) -> ExitCode {
    let accounts = accounts_from_env(env);
    let queue = match open_queue(env) {
        Ok(q) => q,
        Err(e) => return composer_failure(args.json, e).emit(),
    };
    let interval = args.interval.max(1);
    // A stop request lets the run in progress finish (a send is never cut in half; a
    // SIGKILL instead leaves its item to the next run's read-back), then ends the loop.
    let stopping = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    {
        let (stopping, wake) = (stopping.clone(), wake.clone());
        tokio::spawn(async move {
            stop_signal().await;
            stopping.store(true, std::sync::atomic::Ordering::SeqCst);
            wake.notify_one();
        });
    }
    let stopped = || stopping.load(std::sync::atomic::Ordering::SeqCst);
    while !stopped() {
        // Each run gets fresh credentials (tokens may have been renewed meanwhile).
        let connector = CliConnector::new(env, &accounts);
        match queue.run_due(&connector, RunOptions::default()).await {
            Ok(r) if r == RunReport::default() => {}
            Ok(r) => {
                let out = if args.json {
                    format!("{}\n", serde_json::to_value(&r).unwrap_or(Value::Null))
                } else {
                    render_report(&r)
                };
                Outcome {
                    code: 0,
                    stdout: out,
                    stderr: remember_video_limits(&accounts, &queue, &r),
                }
                .emit();
            }
            Err(e) => eprintln!("postbridge: the queue run failed: {e}"),
        }
        if stopped() {
            break;
        }
        let now = jiff::Timestamp::now().as_second();
        let next = queue.next_due().ok().flatten().unwrap_or(i64::MAX);
        let wait = u64::try_from(next.saturating_sub(now))
            .unwrap_or(0)
            .clamp(1, interval);
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
            _ = wake.notified() => {}
        }
    }
    ExitCode::SUCCESS
}

/// Runs `postbridge schedule`.
pub async fn run_schedule(args: ScheduleArgs) -> ExitCode {
    let env = process_env();
    execute_schedule(&args, &env, &accounts_from_env(&env))
        .await
        .emit()
}

/// Runs `postbridge queue …`.
pub async fn run(args: QueueArgs) -> ExitCode {
    let env = process_env();
    match args.command {
        QueueCommand::List(a) => execute_list(&a, &env).emit(),
        QueueCommand::Cancel(a) => execute_cancel(&a, &env).emit(),
        QueueCommand::Run(a) if a.once => {
            execute_run(&a, &env, &accounts_from_env(&env)).await.emit()
        }
        QueueCommand::Run(a) => {
            daemon(
                &DaemonArgs {
                    json: a.json,
                    interval: 30,
                },
                &env,
            )
            .await
        }
        QueueCommand::Daemon(a) => daemon(&a, &env).await,
    }
}
