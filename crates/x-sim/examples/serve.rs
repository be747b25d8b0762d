//! Runs a simulator until Ctrl-C or SIGTERM:
//! `cargo run -p x-sim --example serve -- [API_ADDR] [UPLOAD_ADDR]`.
//!
//! Environment: `X_SIM_TLS_CERT` + `X_SIM_TLS_KEY` (PEM files) serve HTTPS;
//! `X_SIM_SIGNING_ORIGINS` (comma list, e.g. `https://api.twitter.com`) also accepts
//! signatures over those origins; `X_SIM_PROCESSING_MS` sets the media processing time.
//! Prints one line `api BASE upload BASE pid PID` when ready. Used by the upload benchmark
//! and by the real-client peer scripts in `crates/x-sim/peers/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut cfg = x_sim::SimConfig::default();
    if let Some(a) = args.next() {
        cfg.api_addr = a.parse().expect("API address");
    }
    if let Some(u) = args.next() {
        cfg.upload_addr = Some(u.parse().expect("upload address"));
    }
    if let (Ok(c), Ok(k)) = (
        std::env::var("X_SIM_TLS_CERT"),
        std::env::var("X_SIM_TLS_KEY"),
    ) {
        cfg.tls = Some(x_sim::TlsPem {
            cert_pem: std::fs::read(c).expect("read cert"),
            key_pem: std::fs::read(k).expect("read key"),
        });
    }
    if let Ok(o) = std::env::var("X_SIM_SIGNING_ORIGINS") {
        cfg.extra_signing_origins = o
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    if let Ok(ms) = std::env::var("X_SIM_PROCESSING_MS") {
        cfg.modes.processing_ms = ms.parse().expect("X_SIM_PROCESSING_MS");
    }
    cfg.modes.plan = x_sim::Plan::Unlimited;
    let sim = x_sim::start(cfg).await.expect("start");
    println!(
        "api {} upload {} pid {}",
        sim.api_base(),
        sim.upload_base(),
        std::process::id()
    );
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    sim.shutdown().await;
}
