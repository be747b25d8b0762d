#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `composer::fit_image` on real images made here: each fitted copy passes x-client's checks,
//! is as large as the limits allow, and the original's bytes never change.

use std::path::{Path, PathBuf};

use composer::{fit_image, ComposerError, FitFormat};
use image::{DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};
use x_client::media::{MAX_IMAGE_BYTES, MAX_IMAGE_SIDE};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("composer-fit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("out")).unwrap();
    d
}

/// xorshift noise in -amp..amp.
struct Noise(u64);
impl Noise {
    fn next(&mut self, amp: i32) -> i32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % (2 * amp as u64 + 1)) as i32 - amp
    }
}

fn photo(w: u32, h: u32, amp: i32) -> RgbImage {
    let mut n = Noise(0x9E37_79B9_7F4A_7C15);
    RgbImage::from_fn(w, h, |x, y| {
        let base = [
            (x * 255 / w) as i32,
            (y * 255 / h) as i32,
            if (x / 97 + y / 61) % 2 == 0 { 190 } else { 70 },
        ];
        Rgb(base.map(|v| (v + n.next(amp)).clamp(0, 255) as u8))
    })
}

/// Fits `path` and checks what every fit must: the copy is elsewhere, passes x-client's
/// checks (the ones `attach` runs), reports its true size, and the original is untouched.
fn fit_checked(path: &Path, out: &Path) -> composer::Fitted {
    let before = std::fs::read(path).unwrap();
    let f = fit_image(path, out).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), before, "the original changed");
    assert_ne!(f.path, path);
    assert_eq!(f.path.parent().unwrap(), out);
    let info = x_client::inspect(&f.path).unwrap();
    assert_eq!(info.mime, f.format.mime());
    assert_eq!(info.size, f.after.bytes);
    assert!(f.after.bytes <= MAX_IMAGE_BYTES);
    assert_eq!(
        (info.width, info.height),
        (Some(f.after.width as usize), Some(f.after.height as usize))
    );
    assert_eq!(f.before.bytes, before.len() as u64);
    // Nothing but the copy is left in the output folder (no temporary file).
    let names: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(names, vec![f.path.clone()]);
    f
}

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

#[test]
fn a_24_megapixel_jpeg_over_5_mb_keeps_its_size_at_the_best_quality_that_fits() {
    let d = dir("24mp");
    let src = d.join("IMG_0001.jpg");
    let img = photo(6000, 4000, 24);
    // As a phone writes it: 4:2:0 (the copy keeps the source's subsampling).
    let phone = composer::fit::encode_jpeg(
        &DynamicImage::ImageRgb8(img.clone()),
        92,
        composer::fit::Chroma::Quarter,
        None,
    )
    .unwrap();
    std::fs::write(&src, phone).unwrap();
    let size = std::fs::metadata(&src).unwrap().len();
    assert!(
        size > MAX_IMAGE_BYTES,
        "the sample must be over 5 MB: {size}"
    );
    // attach refuses it, naming the limit.
    let refused = x_client::inspect(&src).unwrap_err().to_string();
    assert!(refused.contains("5 MB"), "{refused}");

    let f = fit_checked(&src, &d.join("out"));
    assert_eq!(f.format, FitFormat::Jpeg);
    assert_eq!((f.after.width, f.after.height), (6000, 4000));
    assert!(!f.resized);
    let q = f.quality.unwrap();
    assert!((composer::fit::MIN_QUALITY..composer::fit::MAX_QUALITY).contains(&q));
    // The best that fits: one step of quality more, from the same decoded pixels, does not.
    let source = image::open(&src).unwrap();
    let chroma = composer::fit::source_chroma(&std::fs::read(&src).unwrap());
    assert_eq!(chroma, composer::fit::Chroma::Quarter);
    let copy_chroma = composer::fit::source_chroma(&std::fs::read(&f.path).unwrap());
    assert_eq!(
        copy_chroma, chroma,
        "the copy keeps the source's subsampling"
    );
    let one_up = composer::fit::encode_jpeg(&source, q + 1, chroma, None).unwrap();
    assert!(
        one_up.len() as u64 > MAX_IMAGE_BYTES,
        "q{} would also fit",
        q + 1
    );
    let decoded = image::open(&f.path).unwrap().to_rgb8();
    // And it looks like the source as the person has it (the decoded original): better than
    // the lowest quality the search accepts. (This sample is grain of ±24 levels a pixel, which
    // no 5 MB JPEG of 24 MP keeps, so the absolute figure is modest.)
    let source_rgb = source.to_rgb8();
    let p = psnr(&source_rgb, &decoded);
    let floor =
        composer::fit::encode_jpeg(&source, composer::fit::MIN_QUALITY, chroma, None).unwrap();
    let p_floor = psnr(
        &source_rgb,
        &image::load_from_memory(&floor).unwrap().to_rgb8(),
    );
    assert!(
        p > 20.0 && p > p_floor,
        "PSNR {p:.2} dB, at q{}: {p_floor:.2} dB",
        composer::fit::MIN_QUALITY
    );
    // Fitting the same file again gives the same name (no pile of copies), and leaves the copy
    // already there untouched (a scheduled post holding it checks it has not changed).
    let modified = std::fs::metadata(&f.path).unwrap().modified().unwrap();
    let again = composer::fit_image(&src, &d.join("out")).unwrap();
    assert_eq!(again.path, f.path);
    assert_eq!(
        std::fs::metadata(&f.path).unwrap().modified().unwrap(),
        modified
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A JPEG with an APP1 Exif segment holding only Orientation (tag 0x0112) = `orientation`.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one IFD entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut seg = b"Exif\0\0".to_vec();
    seg.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&u16::try_from(seg.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&seg);
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn an_exif_rotated_jpeg_comes_out_upright() {
    let d = dir("exif");
    // Stored 9000×200 (over 8192 wide), left half red, right half blue. Orientation 6 means
    // "rotate 90° clockwise to display": shown, it is 200×9000 with red on top.
    let stored = RgbImage::from_fn(9000, 200, |x, _| {
        if x < 4500 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let mut buf = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 90)
        .encode_image(&stored)
        .unwrap();
    let src = d.join("rotated.jpg");
    std::fs::write(&src, with_exif_orientation(&buf, 6)).unwrap();
    let f = fit_checked(&src, &d.join("out"));
    assert_eq!(
        (f.before.width, f.before.height),
        (200, 9000),
        "before is as displayed"
    );
    assert_eq!(f.after.height, MAX_IMAGE_SIDE as u32);
    assert_eq!(f.after.width, 182); // 200 × 8192 / 9000, rounded
    assert!(f.resized);
    let out = image::open(&f.path).unwrap().to_rgb8();
    let top = out.get_pixel(91, 100).0;
    let bottom = out.get_pixel(91, 8000).0;
    assert!(top[0] > 150 && top[2] < 80, "top is red: {top:?}");
    assert!(
        bottom[2] > 150 && bottom[0] < 80,
        "bottom is blue: {bottom:?}"
    );
    // The copy carries no EXIF (so no second rotation by a viewer, and no camera data).
    let bytes = std::fs::read(&f.path).unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"Exif\0\0"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_too_wide_png_with_transparency_stays_png_with_its_alpha() {
    let d = dir("wide-png");
    let src = d.join("banner.png");
    let img = RgbaImage::from_fn(10_000, 300, |x, y| {
        Rgba([
            (x % 256) as u8,
            (y % 256) as u8,
            128,
            if x < 5000 { 255 } else { 40 },
        ])
    });
    img.save(&src).unwrap();
    let f = fit_checked(&src, &d.join("out"));
    assert_eq!(f.format, FitFormat::Png);
    assert_eq!(f.quality, None);
    assert_eq!((f.after.width, f.after.height), (8192, 246));
    let out = image::open(&f.path).unwrap();
    assert!(out.color().has_alpha());
    let out = out.to_rgba8();
    assert_eq!(out.get_pixel(100, 100).0[3], 255);
    assert!((35..=45).contains(&out.get_pixel(8000, 100).0[3]));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_heavy_transparent_png_is_downscaled_as_png_just_under_the_limit() {
    let d = dir("heavy-png");
    let src = d.join("cutout.png");
    // Noise does not compress: about 4 bytes a pixel, ~9 MB.
    let mut n = Noise(7);
    let img = RgbaImage::from_fn(1500, 1500, |_, _| {
        let v = (n.next(127) + 128) as u8;
        Rgba([v, v.wrapping_mul(3), v.wrapping_add(90), 100 + (v % 100)])
    });
    img.save(&src).unwrap();
    assert!(std::fs::metadata(&src).unwrap().len() > MAX_IMAGE_BYTES);
    let f = fit_checked(&src, &d.join("out"));
    assert_eq!(f.format, FitFormat::Png);
    assert!(f.resized);
    assert!(f.after.width < 1500 && f.after.width == f.after.height);
    // Just under: the search does not give away more than about a tenth of the bytes.
    assert!(
        f.after.bytes as f64 > MAX_IMAGE_BYTES as f64 * 0.88,
        "{}",
        f.after.bytes
    );
    assert!(image::open(&f.path).unwrap().color().has_alpha());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_opaque_png_that_recompresses_under_the_limit_stays_lossless() {
    let d = dir("padded-png");
    let src = d.join("screenshot.png");
    // A small PNG padded with an ancillary chunk to 6 MB: re-encoded, it is tiny.
    std::fs::write(&src, testkit::samples::png(800, 600, 6 * 1024 * 1024)).unwrap();
    let f = fit_checked(&src, &d.join("out"));
    assert_eq!(f.format, FitFormat::Png);
    assert_eq!((f.after.width, f.after.height), (800, 600));
    assert!(!f.resized);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_opaque_png_photo_too_heavy_for_png_becomes_a_jpeg() {
    let d = dir("png-photo");
    let src = d.join("photo.png");
    DynamicImage::ImageRgb8(photo(2000, 1500, 60))
        .save(&src)
        .unwrap();
    assert!(std::fs::metadata(&src).unwrap().len() > MAX_IMAGE_BYTES);
    let f = fit_checked(&src, &d.join("out"));
    assert_eq!(f.format, FitFormat::Jpeg);
    assert!(f.quality.is_some());
    assert!(!f.resized);
    let _ = std::fs::remove_dir_all(&d);
}

fn refusal(name: &str, bytes: &[u8]) -> (ComposerError, String) {
    let d = dir(name);
    let src = d.join(name);
    std::fs::write(&src, bytes).unwrap();
    let e = fit_image(&src, &d.join("out")).unwrap_err();
    let msg = e.to_string();
    assert_eq!(std::fs::read(&src).unwrap(), bytes, "the original changed");
    assert_eq!(
        std::fs::read_dir(d.join("out")).unwrap().count(),
        0,
        "nothing written"
    );
    assert!(
        !msg.contains(d.to_str().unwrap()),
        "messages name the file, not its folder: {msg}"
    );
    let _ = std::fs::remove_dir_all(&d);
    (e, msg)
}

#[test]
fn formats_x_does_not_take_are_named_with_the_fix() {
    let heic = [
        &[0, 0, 0, 0x18][..],
        b"ftypheic",
        &[0, 0, 0, 0],
        b"mif1heic",
        &[0u8; 64][..],
    ]
    .concat();
    let (e, msg) = refusal("IMG_1234.HEIC", &heic);
    assert!(matches!(e, ComposerError::UnsupportedFormat { ref format, .. } if format == "HEIC"));
    assert!(
        msg.starts_with("IMG_1234.HEIC is a HEIC file, which X does not take"),
        "{msg}"
    );
    assert!(msg.contains("JPEG"), "{msg}");

    let tiff = [&b"II*\0\x08\0\0\0"[..], &[0u8; 64][..]].concat();
    let (e, msg) = refusal("scan.tif", &tiff);
    assert!(matches!(e, ComposerError::UnsupportedFormat { ref format, .. } if format == "TIFF"));
    assert!(
        msg.contains("convert it to JPEG") && msg.contains("PNG"),
        "{msg}"
    );

    // A BMP file header (what is sniffed; `image` here has no BMP codec).
    let bmp = [&b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0"[..], &[0u8; 64][..]].concat();
    let (e, _) = refusal("paint.bmp", &bmp);
    assert!(matches!(e, ComposerError::UnsupportedFormat { ref format, .. } if format == "BMP"));

    let avif = [
        &[0, 0, 0, 0x1c][..],
        b"ftypavif",
        &[0, 0, 0, 0],
        b"avifmif1miaf",
        &[0u8; 64][..],
    ]
    .concat();
    let (e, _) = refusal("new.avif", &avif);
    assert!(matches!(e, ComposerError::UnsupportedFormat { ref format, .. } if format == "AVIF"));

    let (e, msg) = refusal("notes.txt", b"just some text, not an image at all");
    assert!(
        matches!(e, ComposerError::UnsupportedFormat { .. }),
        "{msg}"
    );
}

#[test]
fn animated_gifs_and_videos_are_not_reencoded() {
    let (e, msg) = refusal("loop.gif", &testkit::samples::gif(64, 64, 3, 0));
    assert!(matches!(e, ComposerError::NotReencoded { .. }), "{msg}");
    assert!(
        msg.contains("animated GIF") && msg.contains("15 MB"),
        "{msg}"
    );
    let (e, msg) = refusal("clip.mp4", &testkit::samples::mp4(4096));
    assert!(matches!(e, ComposerError::NotReencoded { .. }), "{msg}");
    assert!(msg.contains("a video"), "{msg}");
}

#[test]
fn an_image_within_the_limits_is_left_alone() {
    let mut small = Vec::new();
    DynamicImage::ImageRgb8(photo(640, 480, 10))
        .write_to(
            &mut std::io::Cursor::new(&mut small),
            image::ImageFormat::Png,
        )
        .unwrap();
    let (e, msg) = refusal("small.png", &small);
    assert!(matches!(e, ComposerError::AlreadyFits { .. }), "{msg}");
    assert_eq!(msg, "small.png already fits X's limits; attach it as it is");
}

#[test]
fn an_image_that_would_shrink_under_four_pixels_cannot_fit() {
    // 40000×8: the long side must become 8192, the short one would be 2 pixels.
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(image::GrayImage::new(40_000, 8))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let (e, msg) = refusal("strip.png", &png);
    assert!(matches!(e, ComposerError::CannotFit { .. }), "{msg}");
    assert!(msg.contains("8192×2") && msg.contains("4 pixels"), "{msg}");
}

/// What the app attaches (`attach_fitting`): an image over X's limits is replaced by a fitted
/// copy that names its original; a file X takes is attached as it is; a HEIC gets fitting's
/// named refusal; what no fitting concerns (a document, a fifth image) keeps attach's refusal.
#[test]
fn attach_fitting_attaches_a_fitted_copy_and_keeps_the_right_refusals() {
    let d = dir("attach-fitting");
    let fit_dir = d.join("fitted");
    // 9000×300: only the long side is over X's 8192 pixels.
    let wide = d.join("panorama.png");
    DynamicImage::ImageRgb8(photo(9000, 300, 4))
        .save(&wide)
        .unwrap();
    let before = std::fs::read(&wide).unwrap();
    let empty = composer::Part::default();
    let a = composer::attach_fitting(&wide, &empty, &fit_dir).unwrap();
    assert_eq!(a.path.parent().unwrap(), fit_dir);
    let note = a.fitted.clone().expect("a fit note");
    assert_eq!(note.original, wide);
    assert_eq!((note.before.width, note.before.height), (9000, 300));
    assert_eq!(note.before.bytes, before.len() as u64);
    assert_eq!(
        (a.width, a.height),
        (Some(note.after.width), Some(note.after.height))
    );
    assert_eq!(note.after.width, MAX_IMAGE_SIDE as u32);
    assert_eq!(a.size, std::fs::metadata(&a.path).unwrap().len());
    assert_eq!(
        std::fs::read(&wide).unwrap(),
        before,
        "the original changed"
    );
    // A draft keeps the note across a save and load (JSON), and an old draft without it loads.
    let json = serde_json::to_string(&a).unwrap();
    let back: composer::Attachment = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    let old = json.split(",\"fitted\"").next().unwrap().to_owned() + "}";
    let old: composer::Attachment = serde_json::from_str(&old).unwrap();
    assert_eq!(old.fitted, None);

    // The person may keep the original instead: attached as it is, alt text kept, and X's
    // limit refuses it (what the upload's own check will say at Post).
    let mut with_alt = a.clone();
    with_alt.alt = Some("A wide view".into());
    let kept = composer::keep_original(&with_alt).expect("a fitted copy has an original");
    assert_eq!(kept.path, wide);
    assert!(kept.kept_original && kept.fitted.is_none());
    assert_eq!((kept.width, kept.height), (Some(9000), Some(300)));
    assert_eq!(kept.size, before.len() as u64);
    assert_eq!(
        (kept.kind.as_str(), kept.mime.as_str()),
        ("image", "image/png")
    );
    assert_eq!(kept.alt.as_deref(), Some("A wide view"));
    let refused = x_client::inspect(&kept.path).unwrap_err().to_string();
    assert!(refused.contains("8192"), "{refused}");
    let json = serde_json::to_string(&kept).unwrap();
    assert_eq!(
        serde_json::from_str::<composer::Attachment>(&json).unwrap(),
        kept
    );
    assert!(!serde_json::to_string(&a).unwrap().contains("kept_original"));

    // A file X takes is attached as it is.
    let small = d.join("small.png");
    DynamicImage::ImageRgb8(photo(64, 48, 4))
        .save(&small)
        .unwrap();
    let a = composer::attach_fitting(&small, &empty, &fit_dir).unwrap();
    assert_eq!(composer::keep_original(&a), None, "not a fitted copy");
    assert_eq!((a.path.as_path(), a.fitted), (small.as_path(), None));

    // A HEIC: fitting's named refusal. A text file: attach's.
    let heic = d.join("IMG_1234.HEIC");
    std::fs::write(
        &heic,
        [
            &[0, 0, 0, 0x18][..],
            b"ftypheic",
            &[0, 0, 0, 0],
            b"mif1heic",
            &[0u8; 64][..],
        ]
        .concat(),
    )
    .unwrap();
    let msg = composer::attach_fitting(&heic, &empty, &fit_dir)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("HEIC file, which X does not take"), "{msg}");
    let text = d.join("notes.txt");
    std::fs::write(&text, "not a picture").unwrap();
    let e = composer::attach_fitting(&text, &empty, &fit_dir).unwrap_err();
    assert_eq!(
        e.to_string(),
        composer::attach(&text, &empty).unwrap_err().to_string()
    );

    // A named pipe is refused at once, never opened (opening it would block).
    let fifo = d.join("pipe.png");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let msg = composer::attach_fitting(&fifo, &empty, &fit_dir)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not a regular file"), "{msg}");

    // A fifth image is refused for the count, never fitted.
    let mut four = composer::Part::default();
    for _ in 0..4 {
        four.media.push(composer::attach(&small, &four).unwrap());
    }
    let copies = std::fs::read_dir(&fit_dir).unwrap().count();
    let msg = composer::attach_fitting(&wide, &four, &fit_dir)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("limit is 4 images"), "{msg}");
    assert_eq!(std::fs::read_dir(&fit_dir).unwrap().count(), copies);
    let _ = std::fs::remove_dir_all(&d);
}
