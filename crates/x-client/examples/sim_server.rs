//! Runs the simulator in its own process (for measuring the client alone):
//! prints `API_BASE UPLOAD_BASE` on one line, then serves until killed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::main]
async fn main() {
    let sim = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
    sim.update_modes(|m| {
        m.processing_ms = 0;
        m.plan = x_sim::Plan::Unlimited;
    });
    println!("{} {}", sim.api_base(), sim.upload_base());
    std::future::pending::<()>().await;
}
