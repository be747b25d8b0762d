//! Fitting benchmark (issue 14, "Must show"): a 24-megapixel JPEG of about 12 MB → under X's
//! 5 MB with [`composer::fit_image`], against a plain approach.
//!
//! `cargo run --release -p composer --example fit_bench [-- path/to/photo.jpg]`
//!
//! Without a path it generates two photo-like 6000×4000 JPEGs (gradients, edges and grain,
//! quality 95): one 4:2:0 as phones write them, one 4:4:4. For each it prints, as medians of a
//! few runs:
//! - `fit_image`: wall time, CPU time of the thread, the copy's bytes, dimensions and JPEG
//!   quality, and its PSNR (dB, RGB) against the original decoded;
//! - the plain approach many tools take: `image`'s own JPEG encoder at quality 85 on the
//!   full-size picture, halving the dimensions until it fits — the same metrics;
//! - `image`'s encoder (always 4:4:4) at fit_image's chosen quality and size.
//!
//! PSNR (RGB) is given twice: at the copy's own size against the original resized to it (the
//! encoding's loss), and at the original's size with the copy resized back up (what a viewer
//! at full size loses, downscaling included), both with the same Lanczos3 resize.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use composer::fit::{encode_jpeg, source_chroma, Chroma};
use image::{DynamicImage, RgbImage};

const LIMIT: u64 = x_client::media::MAX_IMAGE_BYTES;

/// A photo-like 6000×4000 picture (gradients, edges, grain of ±`grain` levels) saved as a
/// quality-95 JPEG with `chroma` subsampling (a phone writes 4:2:0).
fn generate(path: &Path, grain: u64, chroma: Chroma) {
    let (w, h) = (6000u32, 4000u32);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let img = RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed % (2 * grain + 1)) as i32 - grain as i32;
        let r = (x * 255 / w) as i32 + noise;
        let g = (y * 255 / h) as i32 + noise;
        let b = if ((x / 150) + (y / 97)) % 2 == 0 {
            190
        } else {
            70
        } + noise;
        image::Rgb([r, g, b].map(|v| v.clamp(0, 255) as u8))
    });
    let bytes = encode_jpeg(&DynamicImage::ImageRgb8(img), 95, chroma, None).unwrap();
    std::fs::write(path, bytes).unwrap();
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

/// PSNR of the encoded `bytes`: at the copy's size (against `original` resized to it: the
/// encoding's loss), and at the original's size (the copy resized back up: what a viewer at
/// full size loses, downscaling included), as "a / b dB".
fn quality_of(original: &DynamicImage, bytes: &[u8]) -> String {
    let copy = image::load_from_memory(bytes).unwrap();
    let reference = composer::fit::resize_to(original, copy.width(), copy.height())
        .unwrap()
        .to_rgb8();
    let own = psnr(&reference, &copy.to_rgb8());
    let back = composer::fit::resize_to(&copy, original.width(), original.height())
        .unwrap()
        .to_rgb8();
    let full = psnr(&original.to_rgb8(), &back);
    format!("{own:.2} / {full:.2} dB")
}

fn image_crate_jpeg(img: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality)
        .encode_image(img)
        .unwrap();
    buf
}

fn main() {
    let paths = match std::env::args().nth(1) {
        Some(p) => vec![PathBuf::from(p)],
        None => [
            ("phone-420", 14, Chroma::Quarter),
            ("full-444", 6, Chroma::Full),
        ]
        .into_iter()
        .map(|(name, grain, chroma)| {
            let p = std::env::temp_dir().join(format!("composer-fit-bench-6000x4000-{name}.jpg"));
            if !p.exists() {
                generate(&p, grain, chroma);
            }
            p
        })
        .collect(),
    };
    for path in paths {
        bench(&path);
    }
}

fn bench(path: &Path) {
    let path = path.to_path_buf();
    let out = std::env::temp_dir().join(format!("composer-fit-bench-out-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let original = image::open(&path).unwrap();
    println!(
        "{} ({:.2} MB, {}×{}, chroma {:?}) → under {:.2} MB",
        path.display(),
        size as f64 / 1e6,
        original.width(),
        original.height(),
        source_chroma(&std::fs::read(&path).unwrap()),
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
        "fit_image:     {:7.0} ms wall, {:7.0} ms CPU; {:.2} MB, {}×{}, JPEG q{q} ({} encodes); PSNR {}",
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
        "plain (q85, halve until it fits): {:5.0} ms wall, {:5.0} ms CPU; {:.2} MB, {}×{}; PSNR {}",
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
        "image's encoder at q{q}, same size: {:5.0} ms; {:.2} MB ({}); PSNR {}",
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
