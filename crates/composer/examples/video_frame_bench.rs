//! First video frame benchmark (issue 14, "first video frame time for a 200 MB MP4").
//!
//! `cargo run --release -p composer --example video_frame_bench [-- MB [path/to/video.mp4]]`
//!
//! Without a path it encodes (once, cached in the temp dir) a real 1920×1080 30 fps H.264 MP4
//! of about `MB` (default 200) megabytes with the test kit — grain on every frame, raised until
//! the video runs at 10 Mbit/s or more as a phone's does, `moov` after `mdat` as recorders write it — and a 20 MB one like it.
//! Then it times [`composer::thumbnail`] at the app's preview size (320 px: demux, decode the
//! first frame, scale, JPEG) 15 times each and prints the median and range, wall and CPU, and
//! how many bytes of the file the process read (`/proc/self/io`), to show that the time does
//! not follow the file's size. The page cache is warm after the first run; the first run's
//! figure is printed apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use testkit::h264::{mp4_bytes, write_mp4, Video};

const RUNS: usize = 15;

/// CPU time of this thread in ms (Linux `/proc/thread-self/schedstat`).
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

/// Bytes this process has read through `read(2)` and friends (`/proc/self/io`, `rchar`).
fn read_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("rchar: ")?.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// A 1080p video of about `mb` megabytes at `path` (made once).
fn generate(path: &Path, mb: u64) {
    if path.exists() {
        return;
    }
    // One second encoded, to learn what a frame costs; the grain is raised until that second
    // is at least 10 Mbit/s, a phone's 1080p30 H.264 rate. The file repeats that second.
    let mut base = Video {
        frames: 30,
        encoded: 30,
        fps: 30,
        left: [150, 120, 90],
        right: [60, 110, 160],
        ..Video::new(1920, 1080)
    };
    let mut second = 0;
    for noise in 4..=16 {
        base.noise = noise;
        second = mp4_bytes(&base).len() as u64;
        if second * 8 >= 10_000_000 {
            break;
        }
    }
    let frames = ((mb * 1_000_000) * 30 / second).max(30) as u32;
    let started = Instant::now();
    let out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write_mp4(&Video { frames, ..base }, out);
    eprintln!(
        "made {} ({:.1} MB, {frames} frames, {:.0} s of video at {:.1} Mbit/s, grain ±{}) in {:.1} s",
        path.display(),
        std::fs::metadata(path).unwrap().len() as f64 / 1e6,
        f64::from(frames) / 30.0,
        second as f64 * 8.0 / 1e6,
        base.noise,
        started.elapsed().as_secs_f64()
    );
}

fn bench(path: &Path) {
    let size = std::fs::metadata(path).unwrap().len();
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    let mut first = None;
    let mut read = 0;
    let mut shape = (0, 0);
    for i in 0..RUNS {
        let (r0, c0, t0) = (read_bytes(), cpu_ms(), Instant::now());
        let t = composer::thumbnail(path, 320).expect("a first frame");
        let ms = t0.elapsed().as_secs_f64() * 1e3;
        if i == 0 {
            first = Some(ms);
            read = read_bytes() - r0;
        }
        wall.push(ms);
        cpu.push(cpu_ms() - c0);
        shape = (t.width, t.height);
    }
    let (lo, hi) = wall
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    println!(
        "{}: {:.1} MB → {}×{} preview; first run {:.1} ms; median {:.1} ms wall (min {lo:.1}, max {hi:.1}), {:.1} ms CPU; read {:.2} MB of the file per preview",
        path.file_name().unwrap().to_string_lossy(),
        size as f64 / 1e6,
        shape.0,
        shape.1,
        first.unwrap_or(f64::NAN),
        median(wall),
        median(cpu),
        read as f64 / 1e6,
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: u64 = args.next().map_or(200, |a| a.parse().expect("MB"));
    let paths: Vec<PathBuf> = match args.next() {
        Some(p) => vec![PathBuf::from(p)],
        None => [20, mb]
            .into_iter()
            .map(|mb| {
                let p = std::env::temp_dir().join(format!("composer-video-frame-{mb}mb.mp4"));
                generate(&p, mb);
                p
            })
            .collect(),
    };
    for p in paths {
        bench(&p);
    }
}
