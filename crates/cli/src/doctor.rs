//! `postbridge doctor`: check the credentials against the API and explain any problem.
//!
//! Contract (issue 4): same credential/endpoint environment as `post`. Prints `"username"`,
//! `"access_level"` (from `x-access-level`) and `"problems"` (objects with `"kind"`, `"cause"`,
//! `"fix"`, plus `"status"`, `"detail"`, `"wizard_step"`); exit 0 when healthy, 1 when it found
//! problems, 2 when the environment is incomplete. Nothing is posted or uploaded (the upload
//! probe costs money on pay-per-use, docs/protocol.md §11). Logic in [`execute`], which never prints.

use std::collections::HashMap;
use std::process::ExitCode;

use serde_json::{json, Value};
use x_client::Diagnosis;

use crate::post::{accounts_from_env, process_env, session, Outcome};

/// Arguments of `postbridge doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Check this saved account (from the app's keychain profiles) instead of the default one.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

fn problem(d: &Diagnosis) -> Value {
    json!({
        "kind": d.kind,
        "status": d.status,
        "detail": d.detail,
        "cause": d.cause,
        "fix": d.fix,
        "wizard_step": d.wizard_step,
    })
}

/// Runs `postbridge doctor` with the given environment; never prints.
pub async fn execute(args: &DoctorArgs, env: &HashMap<String, String>) -> Outcome {
    execute_with(args, env, &accounts_from_env(env)).await
}

/// [`execute`] with the accounts given (an OAuth 2.0 profile's token is refreshed when due).
pub async fn execute_with(
    args: &DoctorArgs,
    env: &HashMap<String, String>,
    accounts: &accounts::Accounts,
) -> Outcome {
    let client = match session(env, accounts, args.profile.as_deref(), args.json).await {
        Ok(s) => s.client,
        Err(o) => return o,
    };
    let endpoints = client.endpoints().clone();
    let health = client.check().await;
    let me = health.me.clone();
    let rate_limit = health.rate_limit;
    let problems = health.problems;
    let healthy = problems.is_empty();
    let code = if healthy { 0 } else { 1 };
    if args.json {
        let out = json!({
            "healthy": healthy,
            "username": me.as_ref().map(|m| m.username.clone()),
            "user_id": me.as_ref().map(|m| m.id.clone()),
            "name": me.as_ref().map(|m| m.name.clone()),
            "access_level": me.as_ref().map(|m| m.access_level),
            "api_base": endpoints.api_base,
            "upload_base": endpoints.upload_base,
            "rate_limit": rate_limit,
            "problems": problems.iter().map(problem).collect::<Vec<_>>(),
        });
        return Outcome {
            code,
            stdout: format!("{out}\n"),
            stderr: String::new(),
        };
    }
    let mut s = String::new();
    s.push_str(&format!(
        "API:     {}\nUpload:  {}\n",
        endpoints.api_base, endpoints.upload_base
    ));
    if let Some(me) = &me {
        s.push_str(&format!(
            "Account: @{} ({}), id {}\nAccess:  {}\n",
            me.username,
            me.name,
            me.id,
            me.access_level.as_str()
        ));
    }
    if let Some(summary) = rate_limit.as_ref().and_then(|r| r.summary()) {
        s.push_str(&format!("Rate limit (users/me): {summary}\n"));
    }
    if healthy {
        s.push_str("✓ Credentials work and can post.\n");
        Outcome {
            code,
            stdout: s,
            stderr: String::new(),
        }
    } else {
        let mut err = String::new();
        for d in &problems {
            err.push_str(&crate::post::render_diagnosis(d));
        }
        Outcome {
            code,
            stdout: s,
            stderr: err,
        }
    }
}

/// Runs `postbridge doctor`.
pub async fn run(args: DoctorArgs) -> ExitCode {
    execute(&args, &process_env()).await.emit()
}
