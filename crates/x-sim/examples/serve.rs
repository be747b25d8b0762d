//! Runs a simulator until Ctrl-C: `cargo run -p x-sim --example serve -- [API_ADDR] [UPLOAD_ADDR]`.
//! Used by the upload benchmark (a separate process, so its memory is measured alone).
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
    cfg.modes.plan = x_sim::Plan::Unlimited;
    let sim = x_sim::start(cfg).await.expect("start");
    println!(
        "api {} upload {} pid {}",
        sim.api_base(),
        sim.upload_base(),
        std::process::id()
    );
    tokio::signal::ctrl_c().await.ok();
    sim.shutdown().await;
}
