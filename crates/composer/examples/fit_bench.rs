//! Fitting benchmark (issue 14, "Must show"): a 24-megapixel JPEG of about 12 MB → under X's
//! 5 MB with [`composer::fit_image`], against a plain approach.
//!
//! `cargo run --release -p composer --example fit_bench [-- path/to/photo.jpg]`
//!
//! Without a path it generates a photo-like 6000×4000 JPEG (gradients, edges and grain, quality
//! 95, about 12 MB). It prints, as medians of a few runs:
//! - `fit_image`: wall time, CPU time of the thread, the copy's bytes, dimensions and JPEG
//!   quality, and its PSNR (dB, RGB) against the original decoded;
//! - the plain approach many tools take: `image`'s own JPEG encoder at quality 85 on the
//!   full-size picture, halving the dimensions until it fits — the same metrics;
//! - `image`'s encoder at fit_image's chosen quality, to show what `jpeg-encoder` (4:2:0) buys.
//!
//! PSNR is measured at the copy's own size, against the original resized to that size with the
//! same Lanczos3 resize (so it measures the encoding, not the downscaling).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use image::{DynamicImage, RgbImage};

const LIMIT: u64 = x_client::media::MAX_IMAGE_BYTES;

fn generate(path: &Path) {
    let (w, h) = (6000u32, 4000u32);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let img = RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % 13) as i32 - 6;
        let r = (x * 255 / w) as i32 + noise;
        let g = (y * 255 / h) as i32 + noise;
        let b = if ((x / 150) + (y / 97)) % 2 == 0 {
            190
        } else {
            70
        } + noise;
        image::Rgb([r, g, b].map(|v| v.clamp(0, 255) as u8))
    });
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(&img)
        .unwrap();
}

/// CPU time of this thread in ms (Linux `/proc/thread-self/schedstat`).
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// PSNR of `b` against `a` (same dimensions), RGB, in dB.
fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let se: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    let mse = se / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

/// PSNR of the encoded `bytes` against `original` resized to the same size.
fn quality_of(original: &DynamicImage, bytes: &[u8]) -> f64 {
    let copy = image::load_from_memory(bytes).unwrap().to_rgb8();
    let reference = composer::fit::resize_to(original, copy.width(), copy.height())
        .unwrap()
        .to_rgb8();
    psnr(&reference, &copy)
}

fn image_crate_jpeg(img: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
        .encode_image(img)
        .unwrap();
    buf
}

fn main() {
    let path = match std::env::args().nth(1) {
        Some(p) => PathBuf::from(p),
        None => {
            let p = std::env::temp_dir().join("composer-fit-bench-6000x4000-q95.jpg");
            if !p.exists() {
                generate(&p);
            }
            p
        }
    };
    let out = std::env::temp_dir().join(format!("composer-fit-bench-out-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let original = image::open(&path).unwrap();
    println!(
        "{} ({:.2} MB, {}×{}) → under {:.2} MB",
        path.display(),
        size as f64 / 1e6,
        original.width(),
        original.height(),
        LIMIT as f64 / 1e6
    );

    let runs = 5;
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut fitted = None;
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        let f = composer::fit_image(&path, &out).unwrap();
        wall.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - c);
        fitted = Some(f);
    }
    let f = fitted.unwrap();
    let bytes = std::fs::read(&f.path).unwrap();
    let q = f.quality.unwrap_or(0);
    println!(
        "fit_image:     {:7.0} ms wall, {:7.0} ms CPU; {:.2} MB, {}×{}, JPEG q{q} ({} encodes); PSNR {:.2} dB",
        median(wall),
        median(cpu),
        f.after.bytes as f64 / 1e6,
        f.after.width,
        f.after.height,
        f.encodes,
        quality_of(&original, &bytes)
    );

    // The plain approach: image's encoder at q85, halving until it fits.
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    let mut plain = (Vec::new(), 0, 0);
    for _ in 0..runs {
        let c = cpu_ms();
        let t = Instant::now();
        let img = image::open(&path).unwrap();
        let (mut w, mut h) = (img.width(), img.height());
        let mut scaled = img.clone();
        let mut enc = image_crate_jpeg(&scaled, 85);
        while enc.len() as u64 > LIMIT {
            (w, h) = (w / 2, h / 2);
            scaled = composer::fit::resize_to(&img, w, h).unwrap();
            enc = image_crate_jpeg(&scaled, 85);
        }
        wall.push(t.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - c);
        plain = (enc, w, h);
    }
    println!(
        "plain (q85, halve until it fits): {:5.0} ms wall, {:5.0} ms CPU; {:.2} MB, {}×{}; PSNR {:.2} dB",
        median(wall),
        median(cpu),
        plain.0.len() as f64 / 1e6,
        plain.1,
        plain.2,
        quality_of(&original, &plain.0)
    );

    // image's 4:4:4 encoder at the quality fit_image chose, same size.
    let same = composer::fit::resize_to(&original, f.after.width, f.after.height).unwrap();
    let t = Instant::now();
    let enc = image_crate_jpeg(&same, q);
    println!(
        "image's encoder at q{q}, same size: {:5.0} ms; {:.2} MB ({}); PSNR {:.2} dB",
        t.elapsed().as_secs_f64() * 1000.0,
        enc.len() as f64 / 1e6,
        if enc.len() as u64 <= LIMIT {
            "fits"
        } else {
            "does not fit"
        },
        quality_of(&original, &enc)
    );
    let _ = std::fs::remove_dir_all(&out);
}
