//! `composer-engine`: publishes one stored draft in a process of its own — the engine of the
//! app without its window — so the kill and two-process campaigns (`tests/campaigns.rs`,
//! docs/reliability.md) can SIGKILL it at any moment or run two at once on one database.
//!
//! Contract: `composer-engine <database> <draft id>`, with the account in `ENGINE_API_BASE`,
//! `ENGINE_UPLOAD_BASE`, `ENGINE_API_KEY`, `ENGINE_API_SECRET`, `ENGINE_ACCESS_TOKEN`,
//! `ENGINE_ACCESS_SECRET` (test accounts of the simulator; never printed). Prints one JSON
//! line: `{"ids":[…]}` (exit 0) or `{"error":{"kind",…},"part":n}` (exit 3 for
//! `outcome-unknown`, 1 otherwise; 2 for bad arguments). Not installed with the app.

use std::process::ExitCode;
use std::time::Duration;

use composer::{PublishOptions, Publisher, Store};
use x_client::{ClientConfig, Credentials, Endpoints, ErrorKind, RetryPolicy, XClient};

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(db), Some(draft)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: composer-engine <database> <draft id>");
        return ExitCode::from(2);
    };
    let config = ClientConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        read_back_attempts: 2,
        read_back_delay: Duration::from_millis(50),
        chunk_size: 64 * 1024,
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
            max_rate_limit_wait: Duration::ZERO,
        },
        ..ClientConfig::default()
    };
    let client = XClient::with_config(
        Endpoints {
            api_base: env("ENGINE_API_BASE"),
            upload_base: env("ENGINE_UPLOAD_BASE"),
        },
        Credentials {
            consumer_key: env("ENGINE_API_KEY"),
            consumer_secret: env("ENGINE_API_SECRET"),
            access_token: env("ENGINE_ACCESS_TOKEN"),
            access_secret: env("ENGINE_ACCESS_SECRET"),
        },
        config,
    );
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("composer-engine: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match Store::open(std::path::Path::new(db)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("composer-engine: {e}");
            return ExitCode::from(2);
        }
    };
    let publisher = Publisher::new(client, store, "engine".into());
    let result = publisher.publish(draft, PublishOptions::default()).await;
    match result {
        Ok(p) => {
            println!("{}", serde_json::json!({ "ids": p.ids }));
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!(
                "{}",
                serde_json::json!({ "error": e.diagnosis, "part": e.part })
            );
            if e.diagnosis.kind == ErrorKind::OutcomeUnknown {
                ExitCode::from(3)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
