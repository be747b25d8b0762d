//! Measures chunked upload wall time against the in-process simulator for several APPEND
//! concurrencies and chunk sizes (used to choose `ClientConfig`'s defaults).
//!
//! `cargo run --release -p x-client --example upload_bench -- [MB] [LATENCY_MS] [ROUTE] [CHUNK_MIB] [CONCURRENCY]`
//! (defaults: 64 MB, 0 and 50 ms, v2, 1/2/4 MiB × 1/2/4/6/8). Prints a Markdown table.
//! `PB_BENCH_FILE` uploads that file instead of a generated one; `PB_BENCH_JSON=1` prints one
//! JSON line per run; a sixth argument `--no-latency-setup` leaves the simulator's faults alone
//! (`bench/run.sh` sets them). With `PB_BENCH_API` and `PB_BENCH_UPLOAD` set (e.g. from
//! `postbridge sim --print-bases`), the simulator in that other process is used, so this process's peak memory is the client's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use x_client::{ClientConfig, Credentials, Endpoints, UploadOptions, UploadRoute, XClient};
use x_sim::Faults;

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

    let chunks: Vec<usize> = match args.get(3).and_then(|s| s.parse().ok()) {
        Some(c) => vec![c],
        None => vec![1, 2, 4],
    };
    let concs: Vec<usize> = match args.get(4).and_then(|s| s.parse().ok()) {
        Some(c) => vec![c],
        None => vec![1, 2, 4, 6, 8],
    };
    let target = Target::new().await;
    let keep_faults = args.get(5).is_some_and(|a| a == "--no-latency-setup");
    let json_out = std::env::var("PB_BENCH_JSON").is_ok_and(|v| v == "1");
    let given = std::env::var("PB_BENCH_FILE")
        .ok()
        .map(std::path::PathBuf::from);
    let path = given
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("pb-bench-{mb}.mp4")));
    if given.is_none() {
        // Streamed so the generator does not count in the process's peak memory.
        use std::io::Write;
        let total = mb * 1024 * 1024;
        let head = testkit::samples::mp4(4096);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        f.write_all(&head[..32]).unwrap();
        f.write_all(&u32::try_from(total - 32).unwrap().to_be_bytes())
            .unwrap();
        f.write_all(b"mdat").unwrap();
        let block = vec![7u8; 1 << 20];
        let mut left = total - 40;
        while left > 0 {
            let n = left.min(block.len());
            f.write_all(&block[..n]).unwrap();
            left -= n;
        }
        f.flush().unwrap();
    }

    if !json_out {
        println!("| route | latency | chunk | concurrency | wall time | MB/s |");
        println!("|---|---|---|---|---|---|");
    }
    for latency in latencies {
        if !keep_faults {
            target.set_latency(latency).await;
        }
        for &chunk_mib in &chunks {
            for &conc in &concs {
                let cfg = ClientConfig {
                    chunk_size: chunk_mib * 1024 * 1024,
                    append_concurrency: conc,
                    root_certs_pem: target.ca.clone().into_iter().collect(),
                    ..ClientConfig::default()
                };
                let c =
                    XClient::with_config(target.endpoints(), target.creds.clone(), cfg).unwrap();
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
                if json_out {
                    println!(
                        "{}",
                        serde_json::json!({"client": "postbridge", "route": route.as_str(), "seconds": el.as_secs_f64()})
                    );
                } else {
                    println!(
                        "| {} | {latency} ms | {chunk_mib} MiB | {conc} | {:.2} s | {:.0} |",
                        route.as_str(),
                        el.as_secs_f64(),
                        mb as f64 / el.as_secs_f64().max(1e-9)
                    );
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    if let Some(sim) = target.sim {
        sim.shutdown().await;
    }
}

/// The simulator: in process, or another process's over its control API.
struct Target {
    sim: Option<x_sim::SimHandle>,
    api: String,
    upload: String,
    creds: Credentials,
    /// `PB_BENCH_CA`: PEM of a TLS simulator's certificate.
    ca: Option<Vec<u8>>,
}

impl Target {
    async fn new() -> Target {
        if let (Ok(api), Ok(upload)) = (
            std::env::var("PB_BENCH_API"),
            std::env::var("PB_BENCH_UPLOAD"),
        ) {
            let ca = std::env::var("PB_BENCH_CA")
                .ok()
                .map(|p| std::fs::read(p).unwrap());
            let mut http = reqwest::Client::builder();
            if let Some(pem) = &ca {
                http = http.tls_certs_only([reqwest::Certificate::from_pem(pem).unwrap()]);
            }
            let http = http.build().unwrap();
            let state: serde_json::Value = http
                .get(format!("{api}/_sim/state"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let demo: x_sim::DemoCredentials =
                serde_json::from_value(state["demo"].clone()).unwrap();
            return Target {
                sim: None,
                ca,
                api,
                upload,
                creds: testkit::credentials(&demo),
            };
        }
        let sim = testkit::sim().await;
        Target {
            ca: None,
            api: sim.api_base(),
            upload: sim.upload_base(),
            creds: testkit::credentials(&sim.demo()),
            sim: Some(sim),
        }
    }

    fn endpoints(&self) -> Endpoints {
        Endpoints {
            api_base: self.api.clone(),
            upload_base: self.upload.clone(),
        }
    }

    async fn set_latency(&self, latency: u64) {
        match &self.sim {
            Some(sim) => {
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
            }
            None => {
                let mut http = reqwest::Client::builder();
                if let Some(pem) = &self.ca {
                    http = http.tls_certs_only([reqwest::Certificate::from_pem(pem).unwrap()]);
                }
                let http = http.build().unwrap();
                let url = format!("{}/_sim/faults", self.api);
                http.post(&url)
                    .json(&serde_json::json!({"clear": true}))
                    .send()
                    .await
                    .unwrap();
                if latency > 0 {
                    http.post(&url)
                        .json(&serde_json::json!({"endpoint": "*", "faults": {"latency_ms": latency}}))
                        .send()
                        .await
                        .unwrap();
                }
            }
        }
    }
}
