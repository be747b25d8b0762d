//! Measures chunked upload wall time against the in-process simulator for several APPEND
//! concurrencies and chunk sizes (used to choose `ClientConfig`'s defaults).
//!
//! `cargo run --release -p x-client --example upload_bench -- [MB] [LATENCY_MS] [ROUTE]`
//! (defaults: 64 MB, 0 and 50 ms, v2). Prints a Markdown table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use x_client::{ClientConfig, Credentials, Endpoints, UploadOptions, UploadRoute, XClient};
use x_sim::{Faults, SimConfig};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mb: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(64);
    let latencies: Vec<u64> = match args.get(1).and_then(|s| s.parse().ok()) {
        Some(l) => vec![l],
        None => vec![0, 50],
    };
    let route: UploadRoute = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(UploadRoute::V2);

    let sim = x_sim::start(SimConfig::default()).await.unwrap();
    sim.update_modes(|m| {
        m.processing_ms = 0;
        m.plan = x_sim::Plan::Unlimited;
    });
    let d = sim.demo();
    let path = std::env::temp_dir().join(format!("pb-bench-{mb}.mp4"));
    std::fs::write(&path, x_client::media::samples::mp4(mb * 1024 * 1024)).unwrap();

    println!("| route | latency | chunk | concurrency | wall time | MB/s |");
    println!("|---|---|---|---|---|---|");
    for latency in latencies {
        sim.clear_faults();
        if latency > 0 {
            sim.set_faults(
                "*",
                Faults {
                    latency_ms: latency,
                    ..Faults::default()
                },
            );
        }
        for chunk_mib in [1usize, 2, 4] {
            for conc in [1usize, 2, 4, 6, 8] {
                let cfg = ClientConfig {
                    chunk_size: chunk_mib * 1024 * 1024,
                    append_concurrency: conc,
                    ..ClientConfig::default()
                };
                let c = XClient::with_config(
                    Endpoints {
                        api_base: sim.api_base(),
                        upload_base: sim.upload_base(),
                    },
                    Credentials {
                        consumer_key: d.consumer_key.clone(),
                        consumer_secret: d.consumer_secret.clone(),
                        access_token: d.access_token.clone(),
                        access_secret: d.access_token_secret.clone(),
                    },
                    cfg,
                )
                .unwrap();
                let t = Instant::now();
                c.upload(
                    &path,
                    UploadOptions {
                        route,
                        ..UploadOptions::default()
                    },
                )
                .await
                .unwrap();
                let el = t.elapsed();
                println!(
                    "| {} | {latency} ms | {chunk_mib} MiB | {conc} | {:.2} s | {:.0} |",
                    route.as_str(),
                    el.as_secs_f64(),
                    mb as f64 / el.as_secs_f64().max(1e-9)
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    sim.shutdown().await;
}
