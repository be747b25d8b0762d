//! `postbridge sim`: runs the X API simulator on loopback until Ctrl-C or SIGTERM.
//!
//! Contract: binds the API base and the legacy upload base (defaults 127.0.0.1:8787 and
//! 127.0.0.1:8788; port 0 picks a free one), prints both URLs and the demo app's four OAuth
//! 1.0a values, and returns exit code 0 after a clean shutdown, 1 if a listener cannot be
//! bound. With `--print-bases` stdout is instead exactly one line, printed once both listeners
//! are up: `api <API base> upload <upload base> pid <process id>` — the launcher of the bench
//! and peer scripts. This is the one standalone simulator; tests start theirs in-process.
use std::net::SocketAddr;
use std::process::ExitCode;

/// Arguments of `postbridge sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Address of the API base (`/2/…`, `/oauth/…`, `/_sim/…`).
    #[arg(
        long,
        default_value = "127.0.0.1:8787",
        env = "POSTBRIDGE_SIM_API_ADDR"
    )]
    pub api_addr: SocketAddr,
    /// Address of the legacy upload base (`/1.1/media/…`).
    #[arg(
        long,
        default_value = "127.0.0.1:8788",
        env = "POSTBRIDGE_SIM_UPLOAD_ADDR"
    )]
    pub upload_addr: SocketAddr,
    /// Seed of the simulator's RNG (ids, tokens, PINs, faults).
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    /// Serve HTTPS with this PEM certificate chain (needs `--tls-key`).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key for `--tls-cert`.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Also accept signatures over this origin (e.g. `https://api.twitter.com`), for
    /// clients that sign the production URL before a proxy rewrites it. Repeatable.
    #[arg(long = "signing-origin")]
    pub signing_origins: Vec<String>,
    /// Take the signed scheme from `X-Forwarded-Proto` (behind a TLS-terminating proxy).
    #[arg(long)]
    pub trust_forwarded_proto: bool,
    /// How long media processing takes, in milliseconds (default: the simulator's 1500).
    #[arg(long)]
    pub processing_ms: Option<u64>,
    /// The account's plan: free, basic, pro, pay-per-use (default) or unlimited (no rate
    /// limits, no billing).
    #[arg(long, value_parser = parse_plan)]
    pub plan: Option<x_sim::Plan>,
    /// Print only `api <API base> upload <upload base> pid <pid>` on stdout (one line, for
    /// scripts) instead of the human-readable banner.
    #[arg(long)]
    pub print_bases: bool,
}

/// `--plan`: a plan's name as the control API spells it (`pay-per-use`, …).
fn parse_plan(name: &str) -> Result<x_sim::Plan, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
        format!("unknown plan {name:?}; one of free, basic, pro, pay-per-use, unlimited")
    })
}

/// Waits for Ctrl-C or (on Unix) SIGTERM.
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

/// Runs `postbridge sim`.
pub async fn run(args: SimArgs) -> ExitCode {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match (std::fs::read(cert), std::fs::read(key)) {
            (Ok(cert_pem), Ok(key_pem)) => Some(x_sim::TlsPem { cert_pem, key_pem }),
            (Err(err), _) | (_, Err(err)) => {
                eprintln!("postbridge sim: cannot read the TLS certificate or key: {err}");
                return ExitCode::from(1);
            }
        },
        _ => None,
    };
    let mut config = x_sim::SimConfig {
        api_addr: args.api_addr,
        upload_addr: Some(args.upload_addr),
        seed: args.seed,
        tls,
        extra_signing_origins: args.signing_origins.clone(),
        trust_forwarded_proto: args.trust_forwarded_proto,
        ..x_sim::SimConfig::default()
    };
    if let Some(ms) = args.processing_ms {
        config.modes.processing_ms = ms;
    }
    if let Some(plan) = args.plan {
        config.modes.plan = plan;
    }
    let sim = match x_sim::start(config).await {
        Ok(sim) => sim,
        Err(err) => {
            eprintln!("postbridge sim: {err}");
            return ExitCode::from(1);
        }
    };
    if !args.api_addr.ip().is_loopback() || !args.upload_addr.ip().is_loopback() {
        eprintln!("postbridge sim: warning: listening on a non-loopback address");
    }
    if args.print_bases {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "api {} upload {} pid {}",
            sim.api_base(),
            sim.upload_base(),
            std::process::id()
        );
        let _ = out.flush();
        drop(out);
        stop_signal().await;
        sim.shutdown().await;
        return ExitCode::SUCCESS;
    }
    let demo = sim.demo();
    println!("X API simulator running (Ctrl-C to stop)");
    println!("  API base:     {}", sim.api_base());
    println!("  Upload base:  {}", sim.upload_base());
    println!("  Control API:  {}/_sim/state", sim.api_base());
    println!(
        "Demo app and account (@{}, id {}):",
        demo.username, demo.user_id
    );
    println!("  API key (consumer key):        {}", demo.consumer_key);
    println!("  API secret (consumer secret):  {}", demo.consumer_secret);
    println!("  Access token:                  {}", demo.access_token);
    println!(
        "  Access token secret:           {}",
        demo.access_token_secret
    );
    stop_signal().await;
    println!("postbridge sim: stopping");
    sim.shutdown().await;
    ExitCode::SUCCESS
}
