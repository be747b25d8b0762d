//! Thumbnail benchmark: a 24-megapixel (6000×4000) photo-like JPEG → a 400 px preview.
//!
//! `cargo run --release -p composer --example thumb_bench [-- path/to/photo.jpg]`
//! Without a path it generates two JPEGs (gradients, edges and grain of ±16 or ±2 levels —
//! about 9 MB and 4 MB — quality 90, 4:2:0), then
//! times three ways to the same preview and prints milliseconds:
//! - [`composer::thumbnail`] (for a baseline JPEG: `jpeg_dc`, DC coefficients only);
//! - `jpeg-decoder` with `Decoder::scale()` (1/8 IDCT scaling; the fallback inside
//!   [`composer::thumbnail`], through `composer::media::thumbnail_jpeg_scaled`);
//! - a full decode + resize with the `image` crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

fn generate(path: &std::path::Path, noise_bits: u32) {
    let (w, h) = (6000u32, 4000u32);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed & ((1 << noise_bits) - 1)) as i32 - (1 << (noise_bits - 1));
        let r = (x * 255 / w) as i32 + noise;
        let g = (y * 255 / h) as i32 + noise;
        let b = if ((x / 150) + (y / 150)) % 2 == 0 {
            200
        } else {
            60
        } + noise;
        image::Rgb([r, g, b].map(|v| v.clamp(0, 255) as u8))
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
}

/// CPU time of this thread in ms (Linux `/proc/thread-self/schedstat`), to see past other
/// processes competing for the cores.
fn cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let paths = match std::env::args().nth(1) {
        Some(p) => vec![PathBuf::from(p)],
        None => [("grainy", 5), ("smooth", 2)]
            .into_iter()
            .map(|(name, bits)| {
                let p =
                    std::env::temp_dir().join(format!("composer-thumb-bench-6000x4000-{name}.jpg"));
                if !p.exists() {
                    generate(&p, bits);
                }
                p
            })
            .collect(),
    };
    for path in paths {
        bench(&path);
    }
}

fn bench(path: &std::path::Path) {
    let size = std::fs::metadata(path).unwrap().len();
    let runs = 15;
    let mut ours = Vec::new();
    let mut cpu = Vec::new();
    let mut dims = (0, 0);
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        let th = composer::thumbnail(path, 400).unwrap();
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
        if let (Some(a), Some(b)) = (c, cpu_ms()) {
            cpu.push(b - a);
        }
        dims = (th.width, th.height);
    }
    let mut scaled = Vec::new();
    let mut scaled_cpu = Vec::new();
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        let th = composer::media::thumbnail_jpeg_scaled(path, 400).unwrap();
        scaled.push(t.elapsed().as_secs_f64() * 1000.0);
        if let (Some(a), Some(b)) = (c, cpu_ms()) {
            scaled_cpu.push(b - a);
        }
        assert_eq!(
            (th.width, th.height),
            dims,
            "both paths give the same preview size"
        );
    }
    let mut full = Vec::new();
    let mut full_cpu = Vec::new();
    for _ in 0..3 {
        let c = cpu_ms();
        let t = Instant::now();
        let img = image::open(path).unwrap();
        let _ = img.thumbnail(400, 400);
        full.push(t.elapsed().as_secs_f64() * 1000.0);
        if let (Some(a), Some(b)) = (c, cpu_ms()) {
            full_cpu.push(b - a);
        }
    }
    println!(
        "{} ({:.1} MB) → {}×{}:",
        path.display(),
        size as f64 / 1e6,
        dims.0,
        dims.1
    );
    row("composer::thumbnail (jpeg_dc)", &ours, &cpu);
    row("jpeg-decoder scale() (fallback)", &scaled, &scaled_cpu);
    row("full decode + resize (image)", &full, &full_cpu);
}

fn row(name: &str, wall: &[f64], cpu: &[f64]) {
    println!(
        "  {name:<32} median {:.1} ms wall (min {:.1}, max {:.1}, {} runs), {} CPU",
        median(wall.to_vec()),
        wall.iter().cloned().fold(f64::MAX, f64::min),
        wall.iter().cloned().fold(0.0, f64::max),
        wall.len(),
        if cpu.is_empty() {
            "unknown".to_string()
        } else {
            format!("{:.1} ms", median(cpu.to_vec()))
        },
    );
}
