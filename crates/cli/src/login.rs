//! `postbridge login`: the OAuth 2.0 browser sign-in of an account (docs/protocol.md §14.1).
//!
//! Contract (issue 12 item 7):
//! - `postbridge login [--profile NAME] [--client-id ID] [--no-browser] [--port N]` signs in a
//!   public client (the app's OAuth 2.0 Client ID; `--client-id`, else the one the profile
//!   remembers) with PKCE `S256` and a fresh `state` from [`x_client::oauth2`], redirecting to
//!   `http://127.0.0.1:PORT/callback` (default port 8745; it must match a Callback URI
//!   registered for the app exactly).
//! - Without `--no-browser`: a loopback listener on 127.0.0.1 (and ::1 when it can bind) at that
//!   port is started **before** the address is shown and opened (the system's opener, or
//!   `POSTBRIDGE_BROWSER`: a command, or `none` to only print it); it waits `--timeout`
//!   seconds for the browser's `GET /callback…`, answers it with a short "you can close this
//!   tab" page and stops. With `--no-browser` the address is printed and the address the browser
//!   ends on is read from standard input (no listener).
//! - `state` is checked, the code exchanged (`client_id` in the body, no secret), the token
//!   verified with `GET /2/users/me`, and the profile saved: named `--profile`, else the
//!   @username; recorded as OAuth 2.0 with its Client ID; tokens only in the keychain; made the
//!   default account. A profile that signs in with OAuth 1.0a keys is never overwritten.
//! - Exit 0 signed in; 1 the sign-in failed (the kind says why); 2 usage or configuration.
//!   Nothing secret (code, verifier, tokens) is printed.
//! - Logic in [`execute`], which talks through a [`LoginIo`] instead of the terminal, so that
//!   tests can play the person and the browser.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use accounts::env::Browser;
use accounts::{Accounts, Profile, SignIn};
use serde_json::json;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use x_client::oauth2::{parse_redirect, RedirectError};
use x_client::{BearerToken, Diagnosis, Endpoints, ErrorKind, Pkce, TokenClient, XClient};

use crate::post::{
    accounts_failure, accounts_from_env, diagnosis_failure, failure, process_env, usage_error,
    Outcome,
};

/// The loopback port Postbridge's Callback URI uses by default.
pub const DEFAULT_PORT: u16 = 8745;

/// The page the browser shows after the redirect.
pub const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Postbridge</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>Postbridge received X's answer</h1><p>You can close this tab and go back to the terminal.</p></body></html>";

/// Arguments of `postbridge login`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// The account to sign in: a new name, or an OAuth 2.0 account to sign in again (default:
    /// the @username).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Your X app's OAuth 2.0 Client ID (developer console → the app → Keys and tokens);
    /// remembered in the profile.
    #[arg(long = "client-id", value_name = "ID")]
    pub client_id: Option<String>,
    /// Print the sign-in address and read the address the browser ends on from standard input.
    #[arg(long = "no-browser")]
    pub no_browser: bool,
    /// Loopback port of the app's Callback URI `http://127.0.0.1:PORT/callback`.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Seconds to wait for the browser (or the pasted address).
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
    /// Print one JSON object on stdout at the end (the prompts go to stderr).
    #[arg(long)]
    pub json: bool,
}

/// How [`execute`] talks to the person: `say` shows a message at once (the address to open,
/// the prompt), `input` is what they type (standard input).
pub struct LoginIo {
    /// Shows one message (a line or a few).
    pub say: Box<dyn FnMut(&str) + Send>,
    /// Standard input.
    pub input: Box<dyn AsyncBufRead + Unpin + Send>,
}

/// Runs `postbridge login` with the given environment and accounts; never prints.
pub async fn execute(
    args: &LoginArgs,
    env: &HashMap<String, String>,
    accounts: &Accounts,
    mut io: LoginIo,
) -> Outcome {
    let json_out = args.json;
    let e = accounts::Env::from_vars(env);
    let book = match accounts.book() {
        Ok(b) => b,
        Err(err) => return accounts_failure(json_out, &err),
    };
    let existing = args
        .profile
        .as_deref()
        .map(str::trim)
        .and_then(|n| book.get(n).cloned());
    if let Some(p) = &existing {
        if p.sandbox {
            return usage_error(
                json_out,
                &format!(
                    "\"{}\" is the app's sandbox account; choose another name",
                    p.name
                ),
            );
        }
        if p.sign_in == SignIn::OAuth1 {
            return accounts_failure(
                json_out,
                &accounts::AccountsError::UsesOAuth1(p.name.clone()),
            );
        }
    }
    let client_id = args
        .client_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            existing
                .as_ref()
                .and_then(|p| p.sign_in.oauth2_client_id().map(str::to_owned))
        });
    let redirect_uri = format!("http://127.0.0.1:{}/callback", args.port);
    let Some(client_id) = client_id else {
        return usage_error(
            json_out,
            &format!(
                "give --client-id: your X app's OAuth 2.0 Client ID (developer console → your app → Keys and tokens). The app's type must be \"Native App\" and its Callback URI {redirect_uri}"
            ),
        );
    };
    let endpoints = match &existing {
        Some(p) => e.override_endpoints(p.endpoints()),
        None => e.endpoints(),
    };
    let tokens = match TokenClient::new(endpoints.clone(), &client_id) {
        Ok(t) => t,
        Err(err) => return usage_error(json_out, &err.to_string()),
    };
    let pkce = match Pkce::new() {
        Ok(p) => p,
        Err(err) => return usage_error(json_out, &err.to_string()),
    };
    let url = tokens.authorize_url(&redirect_uri, &pkce);
    let wait = Duration::from_secs(args.timeout.max(1));

    let redirect = if args.no_browser {
        (io.say)(&format!(
            "Open this address in a browser and approve Postbridge:\n\n  {url}\n\nThen paste here the address the browser ends on (it starts with {redirect_uri}; the page itself may not load):\n"
        ));
        let mut line = String::new();
        match tokio::time::timeout(wait, io.input.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 && !line.trim().is_empty() => line,
            Ok(Ok(_)) => return usage_error(json_out, "no address was pasted on standard input"),
            Ok(Err(err)) => {
                return usage_error(json_out, &format!("cannot read standard input: {err}"))
            }
            Err(_) => {
                return usage_error(
                    json_out,
                    &format!("no address was pasted within {} s", wait.as_secs()),
                )
            }
        }
    } else {
        // Listening before the browser opens, so its redirect cannot arrive too early.
        let listeners = match listen(args.port).await {
            Ok(l) => l,
            Err(msg) => return usage_error(json_out, &msg),
        };
        let browser = e.browser();
        let how = match &browser {
            Browser::PrintOnly => "Open this address in a browser and approve Postbridge:",
            _ => {
                "Opening the sign-in page in your browser. If it does not open, open this address:"
            }
        };
        (io.say)(&format!(
            "{how}\n\n  {url}\n\nWaiting for the browser (up to {} s)…\n",
            wait.as_secs()
        ));
        if let Some(problem) = open_browser(&browser, &url) {
            (io.say)(&format!(
                "Could not open a browser ({problem}); open the address above yourself.\n"
            ));
        }
        match tokio::time::timeout(wait, wait_for_callback(listeners)).await {
            Ok(Some(target)) => target,
            _ => {
                return usage_error(
                    json_out,
                    &format!(
                        "no answer from the browser within {} s. Run `postbridge login --no-browser` to paste the address instead",
                        wait.as_secs()
                    ),
                )
            }
        }
    };

    let code = match parse_redirect(&redirect, &pkce.state) {
        Ok(c) => c,
        Err(err) => {
            let kind = match err {
                RedirectError::Refused { .. } => ErrorKind::SignInRequired,
                _ => ErrorKind::LocalError,
            };
            return diagnosis_failure(
                json_out,
                Diagnosis::new(kind, None, err.to_string()),
                json!({}),
            );
        }
    };
    let set = match tokens
        .exchange_code(&code, &pkce.verifier, &redirect_uri)
        .await
    {
        Ok(t) => t,
        Err(err) => return failure(json_out, &err, json!({})),
    };
    let me = match XClient::new_oauth2(endpoints.clone(), BearerToken::from_token_set(&set)) {
        Ok(c) => match c.me().await {
            Ok(me) => me,
            Err(err) => return failure(json_out, &err, json!({})),
        },
        Err(err) => return usage_error(json_out, &err.to_string()),
    };

    let name = match (&existing, args.profile.as_deref().map(str::trim)) {
        (Some(p), _) => p.name.clone(),
        (None, Some(n)) => n.to_owned(),
        (None, None) => match book.get(&me.username) {
            Some(p) if matches!(p.sign_in, SignIn::OAuth2 { .. }) && !p.sandbox => p.name.clone(),
            Some(_) => book.free_name(&me.username),
            None => me.username.clone(),
        },
    };
    let mut profile = book
        .get(&name)
        .cloned()
        .unwrap_or_else(|| Profile::new(name.clone()));
    profile.sign_in = SignIn::OAuth2 {
        client_id: client_id.clone(),
    };
    profile.username = Some(me.username.clone());
    profile.user_id = Some(me.id.clone());
    let default = Endpoints::default();
    profile.api_base = (endpoints.api_base != default.api_base).then(|| endpoints.api_base.clone());
    profile.upload_base =
        (endpoints.upload_base != default.upload_base).then(|| endpoints.upload_base.clone());
    if let Err(err) = accounts
        .save_oauth2(profile, &set)
        .and_then(|_| accounts.set_default(&name))
    {
        return accounts_failure(json_out, &err);
    }

    let missing = set.missing_scopes();
    let mut notes = String::new();
    if let Some(d) = set.scope_problem() {
        notes.push_str(&format!(
            "note: {}; {}\n",
            d.detail,
            d.fix.first().cloned().unwrap_or_default()
        ));
    }
    let stdout = if json_out {
        format!(
            "{}\n",
            json!({
                "profile": name,
                "username": me.username,
                "user_id": me.id,
                "sign_in": "oauth2",
                "scopes": set.scopes,
                "missing_scopes": missing,
                "default": true,
            })
        )
    } else {
        format!(
            "✓ Signed in as @{} with OAuth 2.0; saved as account \"{name}\" (the default). Its tokens are in the keychain and refresh by themselves.\n",
            me.username
        )
    };
    Outcome {
        code: 0,
        stdout,
        stderr: notes,
    }
}

/// Listeners on 127.0.0.1:`port` (required) and [::1]:`port` (when it can bind).
async fn listen(port: u16) -> Result<Vec<TcpListener>, String> {
    let v4 = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        format!(
            "cannot listen on 127.0.0.1:{port} for the browser's answer ({e}); close what uses it, or register another Callback URI and pass --port, or use --no-browser"
        )
    })?;
    let mut out = vec![v4];
    if let Ok(v6) = TcpListener::bind(("::1", port)).await {
        out.push(v6);
    }
    Ok(out)
}

/// Opens `url` as `browser` says; a problem to mention, if it could not.
fn open_browser(browser: &Browser, url: &str) -> Option<String> {
    match browser {
        Browser::PrintOnly => None,
        Browser::System => open::that_detached(url).err().map(|e| e.to_string()),
        Browser::Command(cmd) => {
            let mut parts = cmd.split_whitespace();
            let program = parts.next()?;
            std::process::Command::new(program)
                .args(parts)
                .arg(url)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .err()
                .map(|e| format!("{program}: {e}"))
        }
    }
}

/// Serves the listeners until a `GET /callback…` arrives; returns its target (path and query).
async fn wait_for_callback(listeners: Vec<TcpListener>) -> Option<String> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(1);
    let tasks: Vec<_> = listeners
        .into_iter()
        .map(|l| {
            let tx = tx.clone();
            tokio::spawn(async move {
                while let Ok((mut conn, _)) = l.accept().await {
                    if let Some(target) = answer(&mut conn).await {
                        let _ = tx.send(target).await;
                        return;
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let got = rx.recv().await;
    for t in tasks {
        t.abort();
    }
    got
}

/// Reads one request; `/callback` gets the closing page and its target is returned, anything
/// else (a favicon) a 404.
async fn answer(conn: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match tokio::time::timeout(Duration::from_secs(10), conn.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let ours = method == "GET" && (target == "/callback" || target.starts_with("/callback?"));
    let (status, body) = if ours {
        ("200 OK", DONE_PAGE)
    } else {
        ("404 Not Found", "Not found")
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(reply.as_bytes()).await;
    let _ = conn.shutdown().await;
    ours.then(|| target.to_owned())
}

/// Runs `postbridge login` on the terminal.
pub async fn run(args: LoginArgs) -> ExitCode {
    let env = process_env();
    let to_stderr = args.json;
    let io = LoginIo {
        say: Box::new(move |m: &str| {
            use std::io::Write;
            if to_stderr {
                eprint!("{m}");
            } else {
                print!("{m}");
                let _ = std::io::stdout().flush();
            }
        }),
        input: Box::new(tokio::io::BufReader::new(tokio::io::stdin())),
    };
    execute(&args, &env, &accounts_from_env(&env), io)
        .await
        .emit()
}
