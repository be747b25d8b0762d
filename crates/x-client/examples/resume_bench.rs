//! What an interruption costs a chunked upload, and the memory of a very large one (issue 15):
//!
//! `cargo run --release -p x-client --example resume_bench -- [MB] [MBIT] [RTT_MS] [OUTAGE_S] [BIG_GB]`
//! (defaults: 200 MB over a 100 Mbit/s, 50 ms simulated link, a 30 s outage, no big upload).
//!
//! Against the in-process simulator (`x_sim::Link`), v2 route, default `ClientConfig`:
//! 1. the upload without interruption (seconds, % of the link);
//! 2. the same with the network gone for OUTAGE_S, at 30, 45 and 60 % of the uninterrupted
//!    transfer time (`PB_AT="0.3 0.45 0.6"`: moments unrelated to segment boundaries);
//! 3. the same stopped there (cancelled: what a kill does to the requests in flight) and
//!    continued from the last checkpoint, as after a restart.
//!
//! For 2 and 3 it prints the bytes that crossed the link beyond run 1's (re-sent) in MiB and in
//! segments of the size used, and the APPENDs sent again. With BIG_GB > 0, a sparse video file
//! of that size is uploaded without a link limit and the process's peak RSS (VmHWM, client and
//! simulator together) is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use x_client::{
    CancellationToken, ClientConfig, Progress, UploadCheckpoint, UploadOptions, UploadRoute,
    XClient,
};
use x_sim::{Link, SimHandle};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// A video file of `bytes` (an MP4 head, then a sparse or zero tail).
fn video(bytes: u64, sparse: bool) -> PathBuf {
    use std::io::Write;
    let path = std::env::temp_dir().join(format!("pb-resume-{bytes}.mp4"));
    let head = testkit::samples::mp4(4096);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(&head[..32]).unwrap();
    let mdat = u32::try_from(bytes - 32).unwrap_or(1); // 1 = "size in the 64-bit field"
    f.write_all(&mdat.to_be_bytes()).unwrap();
    f.write_all(b"mdat").unwrap();
    if sparse {
        f.set_len(bytes).unwrap();
    } else {
        let block = vec![7u8; 1 << 20];
        let mut left = bytes - 40;
        while left > 0 {
            let n = left.min(block.len() as u64);
            f.write_all(&block[..n as usize]).unwrap();
            left -= n;
        }
    }
    path
}

/// Default `ClientConfig`; `PB_CONCURRENCY` overrides the most segments in flight.
fn client(sim: &SimHandle) -> XClient {
    let mut cfg = ClientConfig::default();
    if let Some(n) = std::env::var("PB_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        cfg.append_concurrency = n;
    }
    testkit::client_with(sim, testkit::credentials(&sim.demo()), cfg)
}

fn appends(sim: &SimHandle) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/media/upload/:id/append" && r.status == 200)
        .count()
}

struct Run {
    /// Start → FINALIZE answered (what the link carries; X's processing wait excluded).
    transfer: f64,
    secs: f64,
    uplink: u64,
    appends: usize,
}

/// One upload on a fresh link; `at` runs once after its seconds (a share of the uninterrupted run:
/// a moment unrelated to segment boundaries).
async fn run(
    sim: &SimHandle,
    link: &Link,
    path: &Path,
    resume: Option<UploadCheckpoint>,
    at: Option<(f64, Arc<dyn Fn() + Send + Sync>)>,
    cancel: Option<CancellationToken>,
    saved: Option<Arc<Mutex<Option<UploadCheckpoint>>>>,
) -> (Run, Result<String, x_client::ClientError>) {
    sim.reset();
    sim.set_link(link.clone());
    let c = client(sim);
    if let Some((secs, f)) = at {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            f();
        });
    }
    let on_checkpoint: Option<x_client::CheckpointFn> = saved.map(|s| {
        Arc::new(move |cp: &UploadCheckpoint| *s.lock().unwrap() = Some(cp.clone()))
            as x_client::CheckpointFn
    });
    let t = Instant::now();
    let finalized: Arc<Mutex<Option<f64>>> = Arc::default();
    let f2 = finalized.clone();
    let progress: x_client::ProgressFn = Arc::new(move |p| {
        if matches!(p, Progress::Processing { .. } | Progress::Done { .. }) {
            f2.lock().unwrap().get_or_insert(t.elapsed().as_secs_f64());
        }
    });
    let r = c
        .upload(
            path,
            UploadOptions {
                route: UploadRoute::V2,
                progress: Some(progress),
                cancel,
                resume,
                on_checkpoint,
                ..UploadOptions::default()
            },
        )
        .await
        .map(|u| u.media_id);
    let secs = t.elapsed().as_secs_f64();
    let out = Run {
        transfer: finalized.lock().unwrap().unwrap_or(secs),
        secs,
        uplink: sim.link_stats().uplink_bytes,
        appends: appends(sim),
    };
    (out, r)
}

fn vm_hwm_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mb: u64 = arg(&args, 0, 200);
    let mbit: u64 = arg(&args, 1, 100);
    let rtt: u64 = arg(&args, 2, 50);
    let outage: u64 = arg(&args, 3, 30);
    let big_gb: u64 = arg(&args, 4, 0);
    let sim = x_sim::start(x_sim::SimConfig::default()).await.unwrap();
    sim.update_modes(|m| m.processing_ms = 0);
    let link = Link {
        uplink_bits_per_sec: mbit * 1_000_000,
        rtt_ms: rtt,
        ..Link::default()
    };
    let bytes = mb * 1024 * 1024;
    let path = video(bytes, false);
    let ideal = bytes as f64 * 8.0 / (mbit as f64 * 1e6);

    println!("{mb} MiB video, {mbit} Mbit/s uplink, {rtt} ms RTT, v2, default ClientConfig");
    let (base, r) = run(&sim, &link, &path, None, None, None, None).await;
    r.unwrap();
    println!(
        "| uninterrupted | {:.2} s to FINALIZE ({:.2} s with X's processing) | {:.1} % of the link | {} APPENDs |",
        base.transfer,
        base.secs,
        100.0 * ideal / base.transfer,
        base.appends
    );
    let segment = bytes as f64 / base.appends.max(1) as f64;

    // The moments of the interruptions: fractions of the uninterrupted transfer time.
    let fractions: Vec<f64> = std::env::var("PB_AT")
        .unwrap_or_else(|_| "0.3 0.45 0.6".into())
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    for frac in fractions {
        let at = frac * base.transfer;
        let pct = (frac * 100.0).round();
        // 2. An outage of `outage` seconds.
        let s2 = sim.clone();
        let cut: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
            s2.set_network_down(true);
            let s3 = s2.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(outage)).await;
                s3.set_network_down(false);
            });
        });
        let (o, r) = run(&sim, &link, &path, None, Some((at, cut)), None, None).await;
        r.unwrap();
        let extra = o.uplink.saturating_sub(base.uplink) as f64;
        println!(
            "| {outage} s outage at {pct} % | {:.2} s | re-sent {:.1} MiB = {:.2} segments | {} APPENDs acknowledged (+{}) |",
            o.secs,
            extra / 1048576.0,
            extra / segment,
            o.appends,
            o.appends.saturating_sub(base.appends)
        );

        // 3. Stopped, continued from the checkpoint.
        let saved: Arc<Mutex<Option<UploadCheckpoint>>> = Arc::default();
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let kill: Arc<dyn Fn() + Send + Sync> = Arc::new(move || stop.cancel());
        let (first, r) = run(
            &sim,
            &link,
            &path,
            None,
            Some((at, kill)),
            Some(cancel),
            Some(saved.clone()),
        )
        .await;
        assert!(r.is_err(), "stopped");
        let cp = saved.lock().unwrap().clone().unwrap();
        // Same world (the media id lives on): no reset between the two halves.
        let c = client(&sim);
        let t = Instant::now();
        let before = sim.link_stats().uplink_bytes;
        let before_appends = appends(&sim);
        let id = c
            .upload(
                &path,
                UploadOptions {
                    route: UploadRoute::V2,
                    resume: Some(cp.clone()),
                    progress: Some(Arc::new(|p| {
                        if let Progress::Fallback { reason } = p {
                            eprintln!("restarted: {reason}");
                        }
                    })),
                    ..UploadOptions::default()
                },
            )
            .await
            .unwrap()
            .media_id;
        if id != cp.media_id {
            let mut acked = cp.acked.clone();
            acked.sort_by_key(|s| s.index);
            eprintln!("not continued; checkpoint: {acked:?}");
        }
        assert_eq!(id, cp.media_id);
        let second = sim.link_stats().uplink_bytes - before;
        let total = first.uplink + second;
        let extra = total.saturating_sub(base.uplink) as f64;
        println!(
            "| stopped at {pct} %, continued | {:.2} + {:.2} s | re-sent {:.1} MiB = {:.2} segments | {} + {} APPENDs acknowledged |",
            first.secs,
            t.elapsed().as_secs_f64(),
            extra / 1048576.0,
            extra / segment,
            first.appends,
            appends(&sim) - before_appends
        );
    }
    let _ = std::fs::remove_file(&path);

    if big_gb > 0 {
        sim.reset();
        sim.set_link(Link::default());
        let big = video(big_gb * 1_000_000_000, true);
        let t = Instant::now();
        let c = client(&sim);
        let r = c
            .upload(
                &big,
                UploadOptions {
                    route: UploadRoute::V2,
                    ..UploadOptions::default()
                },
            )
            .await;
        println!(
            "| {big_gb} GB sparse video, no link limit | {:.1} s | {} | peak RSS (client + simulator) {:.1} MiB |",
            t.elapsed().as_secs_f64(),
            match &r {
                Ok(_) => "uploaded".to_owned(),
                Err(e) => format!("failed: {e}"),
            },
            vm_hwm_mib()
        );
        let _ = std::fs::remove_file(&big);
    }
    sim.shutdown().await;
}
