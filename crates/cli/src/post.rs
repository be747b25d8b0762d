//! `postbridge post`: upload media (v1.1, v2 or auto) and create one post.
//!
//! Contract (issue 4): credentials from `X_API_KEY`, `X_API_SECRET`, `X_ACCESS_TOKEN`,
//! `X_ACCESS_SECRET` (missing → a message naming them, exit 2); endpoints from
//! `POSTBRIDGE_API_BASE` / `POSTBRIDGE_UPLOAD_BASE`. Success: exit 0; with `--json` one object
//! on stdout with at least `"id"` and `"media_ids"`. Failure: exit 1 (2 for usage/configuration);
//! with `--json` one object `{"error": {"kind", "status", "detail", "cause", "fix", …}}` on stdout.
//! Without `--json`: friendly lines, with a progress line on stderr when it is a terminal.
//! All logic is in [`execute`], which returns the exit code and the texts instead of printing,
//! so it can be tested against the simulator without spawning the binary.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{json, Value};
use x_client::{
    ClientError, Credentials, Diagnosis, Endpoints, ErrorKind, PostRequest, Progress, ProgressFn,
    RouteDecision, UploadOptions, UploadRoute, XClient,
};

/// Environment variable names (the CLI contract).
pub const ENV_KEYS: [&str; 4] = [
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_SECRET",
];
/// API base override.
pub const ENV_API_BASE: &str = "POSTBRIDGE_API_BASE";
/// Upload base override.
pub const ENV_UPLOAD_BASE: &str = "POSTBRIDGE_UPLOAD_BASE";

/// Arguments of `postbridge post`.
#[derive(Debug, Clone, clap::Args)]
pub struct PostArgs {
    /// Print one JSON object on stdout (success or error).
    #[arg(long)]
    pub json: bool,
    /// Attach a file (repeat for up to 4 images; or 1 GIF; or 1 video).
    #[arg(long = "media", value_name = "PATH")]
    pub media: Vec<PathBuf>,
    /// Alt text for the media at the same position (repeatable).
    #[arg(long = "alt", value_name = "TEXT")]
    pub alt: Vec<String>,
    /// Reply to this post id.
    #[arg(long = "reply-to", value_name = "ID")]
    pub reply_to: Option<String>,
    /// Use this saved account (from the app's keychain profiles) instead of the default one.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Upload route: auto (v1.1, falling back to v2), v1 or v2.
    #[arg(long = "upload-route", value_name = "ROUTE", default_value = "auto", value_parser = ["auto", "v1", "v2"])]
    pub upload_route: String,
    /// The text to post.
    #[arg(value_name = "TEXT", allow_hyphen_values = true)]
    pub text: String,
}

/// What a command produced: exit code, stdout and stderr texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Process exit code.
    pub code: u8,
    /// Text for stdout.
    pub stdout: String,
    /// Text for stderr.
    pub stderr: String,
}

impl Outcome {
    /// Prints the texts and returns the exit code.
    pub fn emit(self) -> ExitCode {
        if !self.stdout.is_empty() {
            print!("{}", self.stdout);
            let _ = std::io::stdout().flush();
        }
        if !self.stderr.is_empty() {
            eprint!("{}", self.stderr);
        }
        ExitCode::from(self.code)
    }
}

/// The process environment as a map (for [`execute`]).
pub fn process_env() -> HashMap<String, String> {
    std::env::vars().collect()
}

/// The app's accounts, as the CLI reads them: profiles from `POSTBRIDGE_CONFIG_DIR` (else the
/// platform's config directory) and secrets from the OS keychain under
/// `POSTBRIDGE_KEYCHAIN_SERVICE` (else `postbridge`) — the same places the app uses.
pub fn accounts_from_env(env: &HashMap<String, String>) -> accounts::Accounts {
    let dir = env
        .get("POSTBRIDGE_CONFIG_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(accounts::default_config_dir);
    let service = env
        .get("POSTBRIDGE_KEYCHAIN_SERVICE")
        .cloned()
        .unwrap_or_else(|| keychain::DEFAULT_SERVICE.to_owned());
    accounts::Accounts::new(dir, std::sync::Arc::new(keychain::OsKeychain::new(service)))
}

/// Builds the client: the four `X_*` variables when set (they override any profile), else the
/// profile named by `--profile` (or the default one) from the app's accounts in the keychain.
/// On failure, the exit-2 outcome says what is missing.
pub fn client_from_env(
    env: &HashMap<String, String>,
    profile: Option<&str>,
    json_out: bool,
) -> Result<XClient, Outcome> {
    let get = |k: &str| {
        env.get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let missing: Vec<&str> = ENV_KEYS
        .iter()
        .copied()
        .filter(|k| get(k).is_none())
        .collect();
    if missing.len() == ENV_KEYS.len() {
        return client_from_profile(&accounts_from_env(env), profile, env, json_out);
    }
    if !missing.is_empty() {
        let msg = format!(
            "missing credentials: set {} (the API Key, API Key Secret, Access Token and Access Token Secret of your X app)",
            missing.join(", ")
        );
        return Err(usage_error(json_out, &msg));
    }
    let credentials = Credentials {
        consumer_key: get("X_API_KEY").unwrap_or_default(),
        consumer_secret: get("X_API_SECRET").unwrap_or_default(),
        access_token: get("X_ACCESS_TOKEN").unwrap_or_default(),
        access_secret: get("X_ACCESS_SECRET").unwrap_or_default(),
    };
    let defaults = Endpoints::default();
    let endpoints = Endpoints {
        api_base: get(ENV_API_BASE).unwrap_or(defaults.api_base),
        upload_base: get(ENV_UPLOAD_BASE).unwrap_or(defaults.upload_base),
    };
    XClient::new(endpoints, credentials).map_err(|e| usage_error(json_out, &e.to_string()))
}

/// Builds the client from a saved profile (`name`, else the default one). The endpoint
/// variables still override the profile's endpoints.
pub fn client_from_profile(
    accounts: &accounts::Accounts,
    name: Option<&str>,
    env: &HashMap<String, String>,
    json_out: bool,
) -> Result<XClient, Outcome> {
    let profile = match name {
        Some(n) => accounts.profile(n).map(Some),
        None => accounts.default_profile(),
    }
    .map_err(|e| usage_error(json_out, &e.to_string()))?;
    let Some(profile) = profile else {
        return Err(usage_error(
            json_out,
            &format!(
                "no credentials: set {} or set up an account in the Postbridge app (then `--profile NAME` picks one)",
                ENV_KEYS.join(", ")
            ),
        ));
    };
    if profile.sandbox {
        return Err(usage_error(
            json_out,
            &format!(
                "\"{}\" is the app's sandbox account, which lives inside the app; run `postbridge sim` and use its demo keys instead",
                profile.name
            ),
        ));
    }
    let credentials = accounts
        .credentials(&profile.name)
        .map_err(|e| usage_error(json_out, &e.to_string()))?;
    let mut endpoints = profile.endpoints();
    if let Some(base) = env.get(ENV_API_BASE).filter(|v| !v.trim().is_empty()) {
        endpoints.api_base = base.trim().to_owned();
    }
    if let Some(base) = env.get(ENV_UPLOAD_BASE).filter(|v| !v.trim().is_empty()) {
        endpoints.upload_base = base.trim().to_owned();
    }
    XClient::new(endpoints, credentials).map_err(|e| usage_error(json_out, &e.to_string()))
}

/// An exit-2 outcome (usage or configuration problem).
pub fn usage_error(json_out: bool, msg: &str) -> Outcome {
    let d = Diagnosis::new(ErrorKind::LocalError, None, msg);
    Outcome {
        code: 2,
        stdout: if json_out {
            format!("{}\n", json!({ "error": d }))
        } else {
            String::new()
        },
        stderr: format!("postbridge: {msg}\n"),
    }
}

/// The failure outcome of an error (exit 1).
pub fn failure(json_out: bool, err: &ClientError, extra: Value) -> Outcome {
    let d = err.diagnosis();
    if json_out {
        let mut e = serde_json::to_value(&d).unwrap_or(Value::Null);
        if let (Some(obj), Value::Object(more)) = (e.as_object_mut(), extra) {
            obj.extend(more);
        }
        Outcome {
            code: 1,
            stdout: format!("{}\n", json!({ "error": e })),
            stderr: String::new(),
        }
    } else {
        Outcome {
            code: 1,
            stdout: String::new(),
            stderr: render_diagnosis(&d),
        }
    }
}

/// Friendly lines for a person.
pub fn render_diagnosis(d: &Diagnosis) -> String {
    let mut s = String::new();
    let status = d.status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    s.push_str(&format!("✗ {}{status}: {}\n", d.kind, d.detail));
    s.push_str(&format!("  Why: {}\n", d.cause));
    for (i, step) in d.fix.iter().enumerate() {
        s.push_str(&format!("  {}. {}\n", i + 1, step));
    }
    if let Some(w) = d.wizard_step {
        s.push_str(&format!("  (In the app: setup → {})\n", w.as_str()));
    }
    if let Some(summary) = d.rate_limit.as_ref().and_then(|r| r.summary()) {
        s.push_str(&format!("  Rate limit: {summary}\n"));
    }
    s
}

/// A progress line on stderr (terminal only).
fn terminal_progress() -> ProgressFn {
    Arc::new(|p: Progress| {
        let mut err = std::io::stderr();
        let _ = match p {
            Progress::Sent { sent, total } => {
                let pct = (sent * 100).checked_div(total).unwrap_or(100);
                let width = 30usize;
                let filled = usize::try_from(pct).unwrap_or(100) * width / 100;
                write!(
                    err,
                    "\r  uploading [{}{}] {pct:>3}% ",
                    "#".repeat(filled),
                    " ".repeat(width - filled.min(width))
                )
            }
            Progress::Processing { percent } => write!(
                err,
                "\r  processing {}%                               ",
                percent.unwrap_or(0)
            ),
            Progress::Fallback { reason } => write!(err, "\r  {reason}; switching to v2\n"),
            Progress::Done { .. } => write!(err, "\r{}\r", " ".repeat(50)),
            _ => Ok(()),
        };
        let _ = err.flush();
    })
}

/// Runs `postbridge post` with the given environment; never prints. `progress` receives upload
/// progress (the binary passes a terminal progress line).
pub async fn execute(
    args: &PostArgs,
    env: &HashMap<String, String>,
    progress: Option<ProgressFn>,
) -> Outcome {
    let json_out = args.json;
    let client = match client_from_env(env, args.profile.as_deref(), json_out) {
        Ok(c) => c,
        Err(o) => return o,
    };
    if args.alt.len() > args.media.len() {
        return usage_error(
            json_out,
            &format!(
                "{} --alt given for {} --media; --alt pairs with --media by position",
                args.alt.len(),
                args.media.len()
            ),
        );
    }
    let route: UploadRoute = match args.upload_route.parse() {
        Ok(r) => r,
        Err(e) => return usage_error(json_out, &e.to_string()),
    };
    let mut notes = String::new();

    // §9 checks for the whole set before any byte is sent.
    if !args.media.is_empty() {
        let paths = args.media.clone();
        let checked = tokio::task::spawn_blocking(move || x_client::check_media(&paths)).await;
        match checked {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return failure(json_out, &e, json!({})),
            Err(e) => return usage_error(json_out, &format!("media check failed: {e}")),
        }
    }
    match x_client::text::check_length(&x_client::text::normalize(&args.text)) {
        Ok(x_client::text::LengthCheck::NeedsPremium(n)) => notes.push_str(&format!(
            "note: the text is {n} characters (weighted); over 280 needs X Premium\n"
        )),
        Ok(_) => {}
        Err(e) => return failure(json_out, &e, json!({})),
    }

    let mut media_ids = Vec::new();
    let mut uploads = Vec::new();
    let mut remembered: Option<RouteDecision> = None;
    for (i, path) in args.media.iter().enumerate() {
        let opts = UploadOptions {
            route,
            alt_text: args.alt.get(i).cloned().filter(|a| !a.is_empty()),
            remembered: remembered.clone(),
            progress: progress.clone(),
            cancel: None,
        };
        match client.upload(path, opts).await {
            Ok(u) => {
                if let Some(f) = &u.fallback {
                    notes.push_str(&format!(
                        "note: {} went through v2 ({})\n",
                        path.display(),
                        f.reason
                    ));
                }
                for w in &u.warnings {
                    notes.push_str(&format!("note: {w}\n"));
                }
                if u.remember.is_some() {
                    remembered = u.remember.clone();
                }
                media_ids.push(u.media_id.clone());
                uploads.push(json!({
                    "path": path.display().to_string(),
                    "media_id": u.media_id,
                    "route_used": u.route_used,
                    "fallback": u.fallback,
                    "mime": u.info.mime,
                }));
            }
            Err(e) => {
                let extra = json!({ "media_ids": media_ids, "uploads": uploads });
                let mut o = failure(json_out, &e, extra);
                o.stderr = format!("{notes}{}", o.stderr);
                return o;
            }
        }
    }

    let req = PostRequest {
        text: args.text.clone(),
        media_ids: media_ids.clone(),
        reply_to: args.reply_to.clone(),
        ..PostRequest::default()
    };
    match client.post(&req).await {
        Ok(p) => {
            let out = json!({
                "id": p.id,
                "text": p.text,
                "media_ids": media_ids,
                "confirmation": p.confirmation,
                "uploads": uploads,
                "rate_limit": p.rate_limit,
            });
            if json_out {
                Outcome {
                    code: 0,
                    stdout: format!("{out}\n"),
                    stderr: notes,
                }
            } else {
                let how = match p.confirmation {
                    x_client::Confirmation::Created => String::new(),
                    x_client::Confirmation::Resent => {
                        " (X failed on the first try; the single check re-send posted it)".into()
                    }
                    x_client::Confirmation::FirstTryPosted => {
                        " (X failed to answer, but the first try had posted it)".into()
                    }
                };
                let mut s = format!("✓ Posted {}{how}\n", p.id);
                if !media_ids.is_empty() {
                    s.push_str(&format!("  media: {}\n", media_ids.join(", ")));
                }
                if let Some(summary) = p.rate_limit.as_ref().and_then(|r| r.summary()) {
                    s.push_str(&format!("  rate limit: {summary}\n"));
                }
                Outcome {
                    code: 0,
                    stdout: s,
                    stderr: notes,
                }
            }
        }
        Err(e) => {
            let mut o = failure(json_out, &e, json!({ "media_ids": media_ids }));
            o.stderr = format!("{notes}{}", o.stderr);
            o
        }
    }
}

/// Runs `postbridge post`.
pub async fn run(args: PostArgs) -> ExitCode {
    let progress = (!args.json && std::io::stderr().is_terminal()).then(terminal_progress);
    execute(&args, &process_env(), progress).await.emit()
}
