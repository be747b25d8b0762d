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
//! - The flow is [`accounts::signin`]'s (the app's wizard runs the same one): `state` is
//!   checked, the code exchanged (`client_id` in the body, no secret), the token verified with
//!   `GET /2/users/me` (a grant without `tweet.write` is refused as `missing-scope`; one
//!   without `media.write` is saved with a note), and the profile saved: named `--profile`, else the
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
use accounts::signin::BrowserSignIn;
use accounts::{Accounts, SignIn};
use serde_json::json;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use x_client::oauth2::loopback::Loopback;

use crate::post::{
    accounts_failure, accounts_from_env, diagnosis_failure, process_env, usage_error, Outcome,
};

pub use x_client::oauth2::loopback::DEFAULT_PORT;

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
    let signin = match BrowserSignIn::new(endpoints.clone(), &client_id, args.port) {
        Ok(s) => s,
        Err(d) => return diagnosis_failure(json_out, *d, json!({})),
    };
    let url = signin.authorize_url();
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
        let listener = match Loopback::bind(args.port).await {
            Ok(l) => l,
            Err(msg) => {
                return usage_error(
                    json_out,
                    &format!("{msg} (`--port N` chooses it; `--no-browser` needs none)"),
                )
            }
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
        match tokio::time::timeout(wait, listener.wait()).await {
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

    let signed = match signin.finish(&redirect).await {
        Ok(s) => s,
        Err(d) => return diagnosis_failure(json_out, *d, json!({})),
    };
    if let accounts::Verification::Failed { diagnosis } = signed.verification() {
        return diagnosis_failure(json_out, diagnosis, json!({}));
    }
    let name = existing
        .as_ref()
        .map(|p| p.name.clone())
        .or_else(|| args.profile.as_deref().map(str::trim).map(str::to_owned));
    let saved = match accounts.save_signed_in(&signed, name.as_deref()) {
        Ok(p) => p,
        Err(err) => return accounts_failure(json_out, &err),
    };
    let (name, me, set) = (saved.name, signed.me, signed.tokens);
    let missing = set.missing_scopes();
    let mut notes = String::new();
    if let Some(d) = set.scope_problem() {
        // `media.write` or `offline.access` missing: saved, with what it means.
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
