//! Runs the simulator in its own process (for measuring a client alone):
//! prints `API_BASE UPLOAD_BASE` on one line, then serves until killed.
//! With `PB_SIM_TLS_CERT` and `PB_SIM_TLS_KEY` (PEM files) both listeners serve HTTPS, for
//! clients that insist on `https://` (tweepy).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[tokio::main]
async fn main() {
    let mut config = x_sim::SimConfig::default();
    if let (Ok(cert), Ok(key)) = (
        std::env::var("PB_SIM_TLS_CERT"),
        std::env::var("PB_SIM_TLS_KEY"),
    ) {
        config.tls = Some(x_sim::config::TlsPem {
            cert_pem: std::fs::read(cert).unwrap(),
            key_pem: std::fs::read(key).unwrap(),
        });
    }
    config.api_hosts = x_sim::X_HOSTS.iter().map(|h| h.to_string()).collect();
    let sim = x_sim::start(config).await.unwrap();
    sim.update_modes(|m| {
        m.processing_ms = 0;
        m.plan = x_sim::Plan::Unlimited;
    });
    println!("{} {}", sim.api_base(), sim.upload_base());
    std::future::pending::<()>().await;
}
