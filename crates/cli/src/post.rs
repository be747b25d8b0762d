//! `postbridge post`: upload media (v1.1, v2 or auto) and create one post, never twice.
//!
//! Contract (issue 4, issue 10, issue 12): credentials from `X_OAUTH2_ACCESS_TOKEN` (OAuth 2.0;
//! it wins over the rest), else `X_API_KEY`, `X_API_SECRET`, `X_ACCESS_TOKEN`, `X_ACCESS_SECRET`
//! (OAuth 1.0a; some missing → a message naming them, exit 2), else the `--profile` (or default)
//! account of the app; endpoints from `POSTBRIDGE_API_BASE` / `POSTBRIDGE_UPLOAD_BASE`. With
//! OAuth 2.0, `--upload-route auto` goes straight to v2 and `v1` fails with
//! `upload-route-retired` before anything is sent. An OAuth 2.0 profile's token is refreshed
//! before it expires ([`accounts::Accounts::bearer`]), and once more after a 401 (then the
//! request is sent again: a 401 created nothing); a refused refresh is `sign-in-required`. Success: exit 0; with `--json` one object
//! on stdout with at least `"id"`, `"media_ids"` and `"confirmed_by"` (`created` or
//! `read-back`). Failure: exit 1 (2 for usage/configuration; **3 when the post may have been
//! created**, kind `outcome-unknown`); with `--json` one object
//! `{"error": {"kind", "status", "detail", "cause", "fix", …}}` on stdout.
//!
//! Every send is recorded in the app's database (`POSTBRIDGE_DATA_DIR`, see
//! [`composer::journal`]) before anything is uploaded. Running the same post again while an
//! earlier identical send is unresolved does not send it: the earlier one is read back from
//! the account's posts (found → exit 0 with its id, `"confirmed_by":"read-back"`), otherwise
//! exit 3, until `--force` says "post it again".
//! A video X refuses as too long for the account (`video-too-long`, §15) leaves X's minutes on
//! the saved profile in use (not with the `X_*` variables), for the app's composer to warn with.
//! Without `--json`: friendly lines, with a progress line on stderr when it is a terminal.
//! All logic is in [`execute`], which returns the exit code and the texts instead of printing,
//! so it can be tested against the simulator without spawning the binary.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use accounts::{Accounts, AccountsError, SignIn};
use serde_json::{json, Value};
use x_client::{
    BearerToken, ClientError, Credentials, Diagnosis, ErrorKind, PostRequest, Progress, ProgressFn,
    RouteDecision, UploadOptions, UploadRoute, XClient,
};

/// Environment variable names (the CLI contract).
pub const ENV_KEYS: [&str; 4] = [
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_SECRET",
];
/// The OAuth 2.0 user access token variable (the CLI contract; read by [`accounts::env`]).
pub const ENV_OAUTH2_TOKEN: &str = accounts::env::OAUTH2_ACCESS_TOKEN;
/// API base override (see [`accounts::env`], where every `POSTBRIDGE_*` switch is read).
pub const ENV_API_BASE: &str = accounts::env::API_BASE;
/// Upload base override.
pub const ENV_UPLOAD_BASE: &str = accounts::env::UPLOAD_BASE;

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
    /// Post even though an identical earlier send may have posted (you checked the profile).
    #[arg(long)]
    pub force: bool,
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
    accounts::Env::from_vars(env).accounts()
}

/// Builds the client: the four `X_*` variables when set (they override any profile), else the
/// profile named by `--profile` (or the default one) from the app's accounts in the keychain.
/// On failure, the exit-2 outcome says what is missing.
pub fn client_from_env(
    env: &HashMap<String, String>,
    profile: Option<&str>,
    json_out: bool,
) -> Result<XClient, Outcome> {
    if let Some(c) = oauth2_env_client(env, json_out)? {
        return Ok(c);
    }
    let get = |k: &str| accounts::env::value(env.get(k).map(String::as_str));
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
    let endpoints = accounts::Env::from_vars(env).endpoints();
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
    let endpoints = accounts::Env::from_vars(env).override_endpoints(profile.endpoints());
    if profile.sign_in.oauth2_client_id().is_some() {
        // Without a runtime to refresh on: the stored token as it is (see [`session`]).
        let tokens = accounts
            .token_set(&profile.name)
            .map_err(|e| accounts_failure(json_out, &e))?;
        return XClient::new_oauth2(endpoints, BearerToken::from_token_set(&tokens))
            .map_err(|e| usage_error(json_out, &e.to_string()));
    }
    let credentials = accounts
        .credentials(&profile.name)
        .map_err(|e| usage_error(json_out, &e.to_string()))?;
    XClient::new(endpoints, credentials).map_err(|e| usage_error(json_out, &e.to_string()))
}

/// The client of `X_OAUTH2_ACCESS_TOKEN`, when it is set.
fn oauth2_env_client(
    env: &HashMap<String, String>,
    json_out: bool,
) -> Result<Option<XClient>, Outcome> {
    let e = accounts::Env::from_vars(env);
    let Some(token) = e.oauth2_access_token() else {
        return Ok(None);
    };
    XClient::new_oauth2(e.endpoints(), token.clone())
        .map(Some)
        .map_err(|e| usage_error(json_out, &e.to_string()))
}

/// The outcome of an accounts error: its diagnosis (exit 1) when it has a kind of its own
/// (`sign-in-required`, a failed refresh), else exit 2 (configuration).
pub fn accounts_failure(json_out: bool, e: &AccountsError) -> Outcome {
    if e.kind() == ErrorKind::LocalError {
        usage_error(json_out, &e.to_string())
    } else {
        diagnosis_failure(json_out, e.diagnosis(), json!({}))
    }
}

/// The client of one command. An OAuth 2.0 profile's client renews its own token after a 401
/// and sends the request again ([`Accounts::oauth2_client`]), so callers never see an expiry.
pub struct Session {
    /// The client to use.
    pub client: XClient,
    /// The saved profile it signs in with (`None` with `X_*` variables).
    pub profile: Option<String>,
}

/// The session of a command: `X_OAUTH2_ACCESS_TOKEN`, else the four OAuth 1.0a `X_*`
/// variables, else the profile `profile` (or the default one) of `accounts`; an OAuth 2.0
/// profile's token is refreshed first when due. On failure, the outcome to print.
pub async fn session(
    env: &HashMap<String, String>,
    accounts: &Accounts,
    profile: Option<&str>,
    json_out: bool,
) -> Result<Session, Outcome> {
    let any_env = accounts::Env::from_vars(env)
        .oauth2_access_token()
        .is_some()
        || ENV_KEYS
            .iter()
            .any(|k| accounts::env::value(env.get(*k).map(String::as_str)).is_some());
    let oauth2_profile = if any_env {
        None
    } else {
        match profile {
            Some(n) => accounts.profile(n).map(Some),
            None => accounts.default_profile(),
        }
        .map_err(|e| usage_error(json_out, &e.to_string()))?
        .filter(|p| !p.sandbox && matches!(p.sign_in, SignIn::OAuth2 { .. }))
    };
    let Some(p) = oauth2_profile else {
        if any_env {
            let client = client_from_env(env, profile, json_out)?;
            return Ok(Session {
                client,
                profile: None,
            });
        }
        let client = client_from_profile(accounts, profile, env, json_out)?;
        let name = match profile {
            Some(n) => Some(n.to_owned()),
            None => accounts.default_profile().ok().flatten().map(|p| p.name),
        };
        return Ok(Session {
            client,
            profile: name,
        });
    };
    let endpoints = accounts::Env::from_vars(env).override_endpoints(p.endpoints());
    let client = accounts
        .oauth2_client(&p.name, endpoints)
        .await
        .map_err(|e| accounts_failure(json_out, &e))?;
    Ok(Session {
        client,
        profile: Some(p.name),
    })
}

/// The upload route of `--upload-route`, after checking that every `--alt` pairs with a
/// `--media` by position (shared by `post` and `schedule`); else the usage error's message.
pub fn media_args(
    media: &[PathBuf],
    alt: &[String],
    upload_route: &str,
) -> Result<UploadRoute, String> {
    if alt.len() > media.len() {
        return Err(format!(
            "{} --alt given for {} --media; --alt pairs with --media by position",
            alt.len(),
            media.len()
        ));
    }
    upload_route
        .parse()
        .map_err(|e: x_client::ClientError| e.to_string())
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

/// The failure outcome of an error (exit 1; 3 for `outcome-unknown`).
pub fn failure(json_out: bool, err: &ClientError, extra: Value) -> Outcome {
    diagnosis_failure(json_out, err.diagnosis(), extra)
}

/// The failure outcome of a diagnosis (exit 1; 3 for `outcome-unknown`).
pub fn diagnosis_failure(json_out: bool, d: Diagnosis, extra: Value) -> Outcome {
    let code = if d.kind == ErrorKind::OutcomeUnknown {
        3
    } else {
        1
    };
    if json_out {
        let mut e = serde_json::to_value(&d).unwrap_or(Value::Null);
        if let (Some(obj), Value::Object(more)) = (e.as_object_mut(), extra) {
            obj.extend(more);
        }
        Outcome {
            code,
            stdout: format!("{}\n", json!({ "error": e })),
            stderr: String::new(),
        }
    } else {
        Outcome {
            code,
            stdout: String::new(),
            stderr: render_diagnosis(&d),
        }
    }
}

/// The journal's name for the account: the user id that prefixes an access token
/// (`<user id>-…`, public), else the profile name.
fn journal_account(env: &HashMap<String, String>, profile: Option<&str>) -> String {
    if accounts::Env::from_vars(env)
        .oauth2_access_token()
        .is_some()
    {
        return "env:oauth2".to_owned();
    }
    match accounts::env::value(env.get("X_ACCESS_TOKEN").map(String::as_str)) {
        Some(token) => match token.split_once('-') {
            Some((id, _)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
                format!("user:{id}")
            }
            _ => "env".to_owned(),
        },
        None => format!("profile:{}", profile.unwrap_or("")),
    }
}

fn unknown(detail: String) -> Diagnosis {
    Diagnosis::new(ErrorKind::OutcomeUnknown, None, detail)
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
            Progress::Continuing { sent, total } => {
                let pct = (sent * 100).checked_div(total).unwrap_or(100);
                write!(err, "\r  continuing the interrupted upload from {pct}%\n")
            }
            Progress::Paused { .. } => {
                write!(
                    err,
                    "\r  paused — waiting for the network (Ctrl+C keeps what X has)\n"
                )
            }
            Progress::Unpaused => write!(err, "\r  the network is back; uploading\n"),
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
    execute_with(args, env, &accounts_from_env(env), progress).await
}

/// [`execute`] with the accounts given (tests pass a memory keychain).
pub async fn execute_with(
    args: &PostArgs,
    env: &HashMap<String, String>,
    accounts: &Accounts,
    progress: Option<ProgressFn>,
) -> Outcome {
    let json_out = args.json;
    let session = match session(env, accounts, args.profile.as_deref(), json_out).await {
        Ok(c) => c,
        Err(o) => return o,
    };
    let route = match media_args(&args.media, &args.alt, &args.upload_route) {
        Ok(r) => r,
        Err(msg) => return usage_error(json_out, &msg),
    };
    let mut notes = String::new();
    if args.text.trim().is_empty() && args.media.is_empty() {
        return usage_error(
            json_out,
            "nothing to post: give a text, or --media with a file",
        );
    }
    let reply_to = match args.reply_to.as_deref() {
        None => None,
        Some(r) => match composer::parse_post_ref(r) {
            Some(id) => Some(id),
            None => {
                return usage_error(
                    json_out,
                    &format!(
                    "--reply-to {r:?} is not a post id or link (like https://x.com/you/status/123)"
                ),
                )
            }
        },
    };

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

    let store = match composer::Store::open(
        &composer::data_dir(accounts::Env::from_vars(env).data_dir())
            .join(composer::store::DB_FILE),
    ) {
        Ok(s) => s,
        Err(e) => {
            return diagnosis_failure(
                json_out,
                Diagnosis::new(ErrorKind::LocalError, None, e.to_string()),
                json!({}),
            )
        }
    };
    let media_sizes: Vec<(String, u64)> = args
        .media
        .iter()
        .map(|p| {
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            (abs.to_string_lossy().into_owned(), size)
        })
        .collect();
    let fingerprint =
        composer::journal::fingerprint(&args.text, &media_sizes, &args.alt, reply_to.as_deref());
    let account = journal_account(env, args.profile.as_deref());
    let seq = match store.journal_claim(&account, &fingerprint, args.force) {
        Ok(composer::Claim::Fresh(seq)) => seq,
        Ok(composer::Claim::Unresolved(earlier)) => {
            return settle_earlier(&session.client, &store, earlier, json_out).await
        }
        Err(e) => {
            return diagnosis_failure(
                json_out,
                Diagnosis::new(ErrorKind::LocalError, None, e.to_string()),
                json!({}),
            )
        }
    };
    let settle = |state: composer::SendState, id: Option<&str>| {
        // The journal is the safety net; a failure to write it must not hide the outcome.
        let _ = store.journal_settle(seq, state, id);
    };

    let mut media_ids = Vec::new();
    let mut uploads = Vec::new();
    let mut remembered: Option<RouteDecision> = None;
    for (i, path) in args.media.iter().enumerate() {
        // An interrupted upload of this file (an earlier run was stopped or lost the network)
        // continues with the same media id; every acknowledged segment is kept for the next run.
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let resume = store.upload_checkpoint(&account, &abs).ok().flatten();
        let on_checkpoint: x_client::CheckpointFn = {
            let (store, account, abs) = (store.clone(), account.clone(), abs.clone());
            Arc::new(move |cp| {
                let _ = store.save_upload_checkpoint(&account, &abs, cp);
            })
        };
        let opts = UploadOptions {
            route,
            alt_text: args.alt.get(i).cloned().filter(|a| !a.is_empty()),
            remembered: remembered.clone(),
            progress: progress.clone(),
            cancel: None,
            resume,
            on_checkpoint: Some(on_checkpoint),
        };
        let uploaded = session.client.upload(path, opts).await;
        if !matches!(&uploaded, Err(e) if e.keeps_upload_checkpoint()) {
            let _ = store.forget_upload_checkpoint(&account, &abs);
        }
        match uploaded {
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
                settle(composer::SendState::Failed, None);
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
        reply_to,
        ..PostRequest::default()
    };
    let armed_at = match store.journal_arm(seq, &req) {
        Ok(t) => std::time::UNIX_EPOCH + std::time::Duration::from_secs(t),
        Err(e) => {
            settle(composer::SendState::Failed, None);
            return diagnosis_failure(
                json_out,
                Diagnosis::new(ErrorKind::LocalError, None, e.to_string()),
                json!({ "media_ids": media_ids }),
            );
        }
    };
    match session.client.post_armed_at(&req, armed_at).await {
        Ok(p) => {
            settle(composer::SendState::Posted, Some(&p.id));
            let out = json!({
                "id": p.id,
                "text": p.text,
                "media_ids": media_ids,
                "confirmation": p.confirmation,
                "confirmed_by": p.confirmation,
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
                    x_client::Confirmation::Created => "",
                    x_client::Confirmation::ReadBack => {
                        " (X's answer was lost; the post was found on the account)"
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
            let state = if e.kind() == ErrorKind::OutcomeUnknown {
                composer::SendState::Unknown
            } else {
                composer::SendState::Failed
            };
            settle(state, None);
            // X named this account's video length limit (§15): the app's composer warns with
            // it from now on.
            if let (ErrorKind::VideoTooLong, Some(minutes), Some(name)) = (
                e.kind(),
                x_client::video_limit_minutes(&e.diagnosis().detail),
                session.profile.as_deref(),
            ) {
                if let Err(err) = accounts.update(name, |p| p.video_limit_minutes = Some(minutes)) {
                    notes.push_str(&format!(
                        "postbridge: X's video limit for {name} ({minutes} minutes) could not be saved: {err}\n"
                    ));
                }
            }
            let mut o = failure(json_out, &e, json!({ "media_ids": media_ids }));
            o.stderr = format!("{notes}{}", o.stderr);
            o
        }
    }
}

/// An identical earlier send is unresolved: read it back, never send it again.
async fn settle_earlier(
    client: &XClient,
    store: &composer::Store,
    earlier: composer::SendEntry,
    json_out: bool,
) -> Outcome {
    let in_flight = matches!(
        earlier.state,
        composer::SendState::Claimed | composer::SendState::Armed
    );
    if earlier.live && in_flight {
        return diagnosis_failure(
            json_out,
            unknown(format!(
                "an identical post is being sent right now by another postbridge process (pid {}); nothing was sent",
                earlier.pid
            )),
            json!({}),
        );
    }
    let (Some(req), Some(at)) = (earlier.request.clone(), earlier.armed_at) else {
        return diagnosis_failure(
            json_out,
            unknown("an identical earlier post has no recorded request; check the profile, then run again with --force to post it".into()),
            json!({}),
        );
    };
    let armed_at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
    match client.find_post(&req, armed_at, &[]).await {
        Ok(Some(id)) => {
            let _ = store.journal_settle(earlier.seq, composer::SendState::Posted, Some(&id));
            let out = json!({
                "id": id,
                "text": x_client::text::normalize(&req.text),
                "media_ids": req.media_ids,
                "confirmed_by": "read-back",
                "earlier_send": true,
            });
            Outcome {
                code: 0,
                stdout: if json_out {
                    format!("{out}\n")
                } else {
                    format!("✓ Already posted {id} by an earlier run (found on the account); not sent again\n")
                },
                stderr: String::new(),
            }
        }
        found => {
            let _ = store.journal_settle(earlier.seq, composer::SendState::Unknown, None);
            let why = match found {
                Err(e) => format!("the account's posts could not be read ({e})"),
                _ => "it was not found among the account's recent posts".to_owned(),
            };
            diagnosis_failure(
                json_out,
                unknown(format!(
                    "an identical post sent earlier may have been posted: {why}. Check the profile; to post it anyway, run the same command with --force"
                )),
                json!({}),
            )
        }
    }
}

/// Runs `postbridge post`.
pub async fn run(args: PostArgs) -> ExitCode {
    let progress = (!args.json && std::io::stderr().is_terminal()).then(terminal_progress);
    execute(&args, &process_env(), progress).await.emit()
}
