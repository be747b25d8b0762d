//! "Media that just fits" (issue 14 item 3): a re-encoded copy of an image that is over X's
//! limits, at the best quality that fits.
//!
//! Contract of [`fit_image`] (and [`fit_image_within`], the same with other limits):
//! - **Input**: a still image over X's limits for its kind (docs/protocol.md §9, the numbers are
//!   x-client's [`x_client::media`] constants: at most [`MAX_IMAGE_BYTES`] bytes and
//!   [`MAX_IMAGE_SIDE`] pixels a side). The type is sniffed from the content, never the name.
//! - **Output**: a new file in the caller's directory `out_dir` (it must exist; the app passes a
//!   folder of its data dir), named `<stem>-<16 hex digits of the original's hash>-fit.jpg|png`,
//!   written to a temporary name first and renamed, so a reader never sees half a file. The
//!   **original is never written** (it is opened read-only, and the copy's name always differs
//!   from it). The result, [`Fitted`], reports the bytes and dimensions before and after and the
//!   JPEG quality chosen. The copy passes [`x_client::inspect`] (checked before returning).
//! - **How**: decoded with `image`, EXIF orientation applied (the copy is upright and carries
//!   no EXIF, so no camera or location data either; the ICC colour profile is kept). The
//!   dimensions are only reduced when a side is over the limit, then only when even the lowest
//!   accepted JPEG quality ([`MIN_QUALITY`]) does not fit the bytes, and then by the predicted
//!   factor (bytes grow with the pixel count), with `fast_image_resize` (Lanczos3, alpha
//!   premultiplied). At the chosen dimensions the JPEG quality is bisected between
//!   [`MIN_QUALITY`] and [`MAX_QUALITY`] to the highest that fits. JPEG is written by
//!   `jpeg-encoder` (AVX2, several times faster than `image`'s encoder; `examples/fit_bench.rs`
//!   measures both) with the source's own chroma subsampling ([`source_chroma`]: a phone's
//!   4:2:0 photo stays 4:2:0, a PNG or a 4:4:4 JPEG keeps full colour).
//! - **Formats**: an image whose transparency is used stays PNG — at the largest size whose PNG
//!   fits (a 1024-pixel RGBA PNG always fits 5 MB, so this always ends), never flattened. An
//!   opaque PNG (or still GIF) is kept lossless as PNG when its re-encoding fits at the allowed
//!   size, and becomes a JPEG otherwise; JPEG and WEBP become JPEG.
//! - **Not re-encoded** ([`ComposerError::NotReencoded`]): animated GIFs, because `image` would
//!   re-quantise every frame to 256 colours again (losing quality) and cannot re-time or
//!   re-optimise frames, and X limits them by frames and dimensions, not only bytes; and videos,
//!   because that needs a video codec (ffmpeg-class) this app does not ship.
//! - **Refused formats** ([`ComposerError::UnsupportedFormat`]): HEIC/HEIF, AVIF, TIFF, BMP,
//!   JPEG XL, JPEG 2000, PSD, ICO, camera raw …: the error names the format and says how to get a
//!   JPEG or PNG. An image already within the limits gets [`ComposerError::AlreadyFits`].
//! - **Threads**: a pure, blocking, CPU-heavy sync function (about a second for 24 MP in a
//!   release build, see docs/benchmarks.md): call it off the UI thread
//!   (`tokio::task::spawn_blocking`). It prints nothing and keeps no state.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::io::{BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use fast_image_resize as fr;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat};
use serde::Serialize;
use x_client::media::{MAX_IMAGE_BYTES, MAX_IMAGE_SIDE, MIN_IMAGE_SIDE};

use crate::error::ComposerError;

/// Lowest JPEG quality the search accepts before it reduces the dimensions instead.
pub const MIN_QUALITY: u8 = 70;
/// Highest JPEG quality tried (above it files grow fast for no visible gain).
pub const MAX_QUALITY: u8 = 95;
/// Largest original read (bigger files are not images X could take after any fitting that
/// keeps them recognisable, and reading them whole would cost that much memory).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The limits to fit within; [`FitLimits::X`] are X's for still images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitLimits {
    /// Largest file, in bytes.
    pub max_bytes: u64,
    /// Largest side, in pixels.
    pub max_side: u32,
    /// Smallest side, in pixels (an image under it cannot be fitted: it is not upscaled).
    pub min_side: u32,
}

impl FitLimits {
    /// X's still-image limits (docs/protocol.md §9): 5 MB, 4–8192 pixels a side.
    pub const X: FitLimits = FitLimits {
        max_bytes: MAX_IMAGE_BYTES,
        max_side: MAX_IMAGE_SIDE as u32,
        min_side: MIN_IMAGE_SIDE as u32,
    };
}

/// The format of a fitted copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum FitFormat {
    /// `image/jpeg`.
    Jpeg,
    /// `image/png` (transparency kept, or lossless).
    Png,
}

impl FitFormat {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            FitFormat::Jpeg => "image/jpeg",
            FitFormat::Png => "image/png",
        }
    }

    fn ext(self) -> &'static str {
        match self {
            FitFormat::Jpeg => "jpg",
            FitFormat::Png => "png",
        }
    }
}

/// Bytes and pixel dimensions of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FitSize {
    /// File size in bytes.
    pub bytes: u64,
    /// Width in pixels, as displayed (EXIF orientation applied).
    pub width: u32,
    /// Height in pixels, as displayed.
    pub height: u32,
}

/// What [`fit_image`] made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fitted {
    /// The fitted copy (in the caller's `out_dir`).
    pub path: PathBuf,
    /// JPEG or PNG.
    pub format: FitFormat,
    /// The original.
    pub before: FitSize,
    /// The copy.
    pub after: FitSize,
    /// The JPEG quality chosen (1–100); `None` for PNG.
    pub quality: Option<u8>,
    /// Whether the dimensions were reduced.
    pub resized: bool,
    /// How many encodings the search made (for benchmarks and logs).
    pub encodes: u32,
}

/// Fits `path` within X's still-image limits into `out_dir` (see the module docs).
pub fn fit_image(path: &Path, out_dir: &Path) -> Result<Fitted, ComposerError> {
    fit_image_within(path, out_dir, &FitLimits::X)
}

/// [`fit_image`] with other limits (tests, benchmarks; the copy is checked against X's own
/// limits only when `limits` are [`FitLimits::X`]).
pub fn fit_image_within(
    path: &Path,
    out_dir: &Path,
    limits: &FitLimits,
) -> Result<Fitted, ComposerError> {
    let meta = std::fs::metadata(path).map_err(|e| ComposerError::io(path, e))?;
    if !meta.is_file() {
        return Err(ComposerError::CannotFit {
            path: path.to_path_buf(),
            reason: "it is not a regular file".into(),
        });
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(ComposerError::CannotFit {
            path: path.to_path_buf(),
            reason: format!(
                "it is {}; Postbridge fits images of up to {} MB",
                mb(meta.len()),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        });
    }
    let data = read_all(path)?;
    let format = sniff(path, &data)?;
    if format == ImageFormat::Gif && gif_is_animated(&data) {
        return Err(ComposerError::NotReencoded {
            path: path.to_path_buf(),
            what: "an animated GIF".into(),
            why: "re-encoding would reduce every frame to 256 colours again; X takes animated GIFs of up to 15 MB and 1280×1080 — shorten or scale it in a GIF editor".into(),
        });
    }
    let (img, icc) = decode(path, &data, format)?;
    let before = FitSize {
        bytes: data.len() as u64,
        width: img.width(),
        height: img.height(),
    };
    let fits_bytes = before.bytes <= limits.max_bytes;
    let fits_sides = before.width.max(before.height) <= limits.max_side;
    if before.width.min(before.height) < limits.min_side {
        return Err(ComposerError::CannotFit {
            path: path.to_path_buf(),
            reason: format!(
                "it is {}×{}; X needs at least {} pixels a side and Postbridge does not enlarge images",
                before.width, before.height, limits.min_side
            ),
        });
    }
    if fits_bytes && fits_sides {
        return Err(ComposerError::AlreadyFits {
            path: path.to_path_buf(),
        });
    }

    let img = normalise(img);
    let alpha = img.color().has_alpha();
    let mut search = Search {
        path,
        limits,
        icc: icc.as_deref(),
        // A copy never has more colour detail than its source could hold: a JPEG's own
        // subsampling, 4:2:0 for lossy WebP (VP8 is 4:2:0), full colour for lossless sources.
        chroma: match format {
            ImageFormat::Jpeg => source_chroma(&data),
            ImageFormat::WebP if !webp_is_lossless(&data) => Chroma::Quarter,
            _ => Chroma::Full,
        },
        encodes: 0,
    };
    let max_scale = f64::from(limits.max_side) / f64::from(before.width.max(before.height));
    let max_scale = max_scale.min(1.0);
    let lossless_source = matches!(format, ImageFormat::Png | ImageFormat::Gif);
    let encoded = if alpha {
        search.png_scaled(&img, max_scale)?
    } else {
        let lossless = if lossless_source {
            let resized = search.resize(&img, max_scale)?;
            let png = search.png(&resized)?;
            (png.len() as u64 <= limits.max_bytes).then(|| Encoded {
                bytes: png,
                format: FitFormat::Png,
                quality: None,
                width: resized.width(),
                height: resized.height(),
            })
        } else {
            None
        };
        match lossless {
            Some(e) => e,
            None => search.jpeg_scaled(&img, max_scale)?,
        }
    };

    let out = write_copy(path, out_dir, &data, &encoded)?;
    if *limits == FitLimits::X {
        // The copy must pass the very checks `attach` runs; anything else is a bug here.
        x_client::inspect(&out).map_err(|e| {
            let _ = std::fs::remove_file(&out);
            fit_err(path, format!("the fitted copy is still refused ({e})"))
        })?;
    }
    Ok(Fitted {
        path: out,
        format: encoded.format,
        before,
        after: FitSize {
            bytes: encoded.bytes.len() as u64,
            width: encoded.width,
            height: encoded.height,
        },
        quality: encoded.quality,
        resized: (encoded.width, encoded.height) != (before.width, before.height),
        encodes: search.encodes,
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

fn fit_err(path: &Path, e: impl std::fmt::Display) -> ComposerError {
    ComposerError::Fit {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn read_all(path: &Path) -> Result<Vec<u8>, ComposerError> {
    let mut f = std::fs::File::open(path).map_err(|e| ComposerError::io(path, e))?;
    let mut data = Vec::new();
    f.by_ref()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut data)
        .map_err(|e| ComposerError::io(path, e))?;
    Ok(data)
}

/// The image format X takes, or the specific refusal (module docs).
fn sniff(path: &Path, data: &[u8]) -> Result<ImageFormat, ComposerError> {
    let mime = infer::get(data).map(|t| t.mime_type());
    let unsupported = |format: &str, fix: &str| ComposerError::UnsupportedFormat {
        path: path.to_path_buf(),
        format: format.into(),
        fix: fix.into(),
    };
    const PHOTO: &str =
        "export or convert it to JPEG (a photo) or PNG (a screenshot or graphic) and attach that";
    match mime {
        Some("image/jpeg") => Ok(ImageFormat::Jpeg),
        Some("image/png") => Ok(ImageFormat::Png),
        Some("image/webp") => Ok(ImageFormat::WebP),
        Some("image/gif") => Ok(ImageFormat::Gif),
        Some(v) if v.starts_with("video/") => Err(ComposerError::NotReencoded {
            path: path.to_path_buf(),
            what: "a video".into(),
            why: "re-encoding video needs a video encoder Postbridge does not include; X takes MP4/MOV (H.264 + AAC) of up to 8 GB (16 GB with Premium) — export a smaller or shorter version with your video editor".into(),
        }),
        Some("image/heif") => Err(unsupported(
            "HEIC",
            "export it as JPEG (Photos or Preview: File → Export → JPEG; on iPhone, Settings → Camera → Formats → Most Compatible takes JPEGs from then on) and attach that",
        )),
        Some("image/avif") => Err(unsupported("AVIF", PHOTO)),
        Some("image/tiff") => Err(unsupported("TIFF", PHOTO)),
        Some("image/bmp") => Err(unsupported("BMP", PHOTO)),
        Some("image/jxl") => Err(unsupported("JPEG XL", PHOTO)),
        Some("image/jp2") => Err(unsupported("JPEG 2000", PHOTO)),
        Some("image/vnd.ms-photo") => Err(unsupported("JPEG XR", PHOTO)),
        Some("image/vnd.adobe.photoshop") => Err(unsupported(
            "Photoshop (PSD)",
            "export it from your editor as JPEG or PNG and attach that",
        )),
        Some("image/vnd.microsoft.icon") => Err(unsupported("ICO", PHOTO)),
        Some("image/x-canon-cr2") => Err(unsupported(
            "camera raw (CR2)",
            "develop it to JPEG in your photo app and attach that",
        )),
        Some(other) if other.starts_with("image/") => Err(unsupported(other, PHOTO)),
        Some(other) => Err(ComposerError::UnsupportedFormat {
            path: path.to_path_buf(),
            format: other.into(),
            fix: "X takes JPEG, PNG, WEBP and GIF images".into(),
        }),
        None => Err(ComposerError::UnsupportedFormat {
            path: path.to_path_buf(),
            format: "unrecognised".into(),
            fix: "X takes JPEG, PNG, WEBP and GIF images; export it as one of those".into(),
        }),
    }
}

/// Whether a WebP file is lossless (`VP8L`) rather than lossy (`VP8 `, 4:2:0).
fn webp_is_lossless(data: &[u8]) -> bool {
    data.windows(4).take(64).any(|w| w == b"VP8L")
}

fn gif_is_animated(data: &[u8]) -> bool {
    use image::AnimationDecoder as _;
    match image::codecs::gif::GifDecoder::new(Cursor::new(data)) {
        // Two frames decoded are enough to know; a broken second frame still means animated.
        Ok(d) => d.into_frames().take(2).count() > 1,
        Err(_) => false,
    }
}

/// Decodes with EXIF orientation applied; returns the ICC profile too.
fn decode(
    path: &Path,
    data: &[u8],
    format: ImageFormat,
) -> Result<(DynamicImage, Option<Vec<u8>>), ComposerError> {
    let reader = image::ImageReader::with_format(BufReader::new(Cursor::new(data)), format);
    let mut decoder = reader.into_decoder().map_err(|e| fit_err(path, e))?;
    let orientation = decoder.orientation().map_err(|e| fit_err(path, e))?;
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| fit_err(path, e))?;
    img.apply_orientation(orientation);
    Ok((img, icc))
}

/// 8 bits a channel; an alpha channel is kept only when some pixel is not opaque.
fn normalise(img: DynamicImage) -> DynamicImage {
    let uses_alpha = match &img {
        DynamicImage::ImageRgba8(b) => b.pixels().any(|p| p.0[3] != 255),
        DynamicImage::ImageLumaA8(b) => b.pixels().any(|p| p.0[1] != 255),
        other if other.color().has_alpha() => other.to_rgba8().pixels().any(|p| p.0[3] != 255),
        _ => false,
    };
    match img {
        DynamicImage::ImageRgba8(_) if uses_alpha => img,
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_) => img,
        _ if uses_alpha => DynamicImage::ImageRgba8(img.to_rgba8()),
        DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_) => DynamicImage::ImageLuma8(img.to_luma8()),
        _ => DynamicImage::ImageRgb8(img.to_rgb8()),
    }
}

struct Encoded {
    bytes: Vec<u8>,
    format: FitFormat,
    quality: Option<u8>,
    width: u32,
    height: u32,
}

struct Search<'a> {
    path: &'a Path,
    limits: &'a FitLimits,
    icc: Option<&'a [u8]>,
    chroma: Chroma,
    encodes: u32,
}

/// At most this many dimension steps (each is at least 3 % smaller than the last).
const MAX_SCALE_STEPS: usize = 12;

impl Search<'_> {
    fn fits(&self, bytes: &[u8]) -> bool {
        bytes.len() as u64 <= self.limits.max_bytes
    }

    /// `img` scaled by `scale` (≤ 1) with fast_image_resize; `scale` 1 is `img` itself.
    fn resize<'i>(
        &self,
        img: &'i DynamicImage,
        scale: f64,
    ) -> Result<Cow<'i, DynamicImage>, ComposerError> {
        let (w, h) = scaled_dims(img.width(), img.height(), scale);
        if (w, h) == (img.width(), img.height()) {
            return Ok(Cow::Borrowed(img));
        }
        if w.min(h) < self.limits.min_side {
            return Err(ComposerError::CannotFit {
                path: self.path.to_path_buf(),
                reason: format!(
                    "it would have to shrink to {w}×{h}, under X's {} pixels a side",
                    self.limits.min_side
                ),
            });
        }
        resize_to(img, w, h)
            .map(Cow::Owned)
            .map_err(|e| fit_err(self.path, e))
    }

    fn png(&mut self, img: &DynamicImage) -> Result<Vec<u8>, ComposerError> {
        self.encodes += 1;
        encode_png(img, self.icc).map_err(|e| fit_err(self.path, e))
    }

    fn jpeg(&mut self, img: &DynamicImage, quality: u8) -> Result<Vec<u8>, ComposerError> {
        self.encodes += 1;
        encode_jpeg(img, quality, self.chroma, self.icc).map_err(|e| fit_err(self.path, e))
    }

    /// The highest quality in `MIN_QUALITY..=MAX_QUALITY` that fits at `img`'s size, or the
    /// size at `MIN_QUALITY` when none does.
    fn best_quality(&mut self, img: &DynamicImage) -> Result<Result<Encoded, u64>, ComposerError> {
        let done = |bytes: Vec<u8>, q: u8| Encoded {
            bytes,
            format: FitFormat::Jpeg,
            quality: Some(q),
            width: img.width(),
            height: img.height(),
        };
        let top = self.jpeg(img, MAX_QUALITY)?;
        if self.fits(&top) {
            return Ok(Ok(done(top, MAX_QUALITY)));
        }
        let low = self.jpeg(img, MIN_QUALITY)?;
        if !self.fits(&low) {
            return Ok(Err(low.len() as u64));
        }
        // Invariant: `lo` fits (its bytes in `best`), `hi` does not. Size grows with quality.
        let (mut lo, mut hi, mut best) = (MIN_QUALITY, MAX_QUALITY, low);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let b = self.jpeg(img, mid)?;
            if self.fits(&b) {
                lo = mid;
                best = b;
            } else {
                hi = mid;
            }
        }
        Ok(Ok(done(best, lo)))
    }

    /// JPEG: the largest size ≤ `max_scale` where some accepted quality fits, at its best quality.
    fn jpeg_scaled(
        &mut self,
        img: &DynamicImage,
        max_scale: f64,
    ) -> Result<Encoded, ComposerError> {
        let mut scale = max_scale;
        for _ in 0..MAX_SCALE_STEPS {
            let scaled = self.resize(img, scale)?;
            match self.best_quality(&scaled)? {
                Ok(e) => return Ok(e),
                Err(bytes) => scale = next_scale(scale, bytes, self.limits.max_bytes),
            }
        }
        Err(self.no_fit())
    }

    /// PNG: the largest size ≤ `max_scale` whose PNG fits (predicted from the bytes, then up to
    /// two bisection steps back towards the last size that did not fit).
    fn png_scaled(&mut self, img: &DynamicImage, max_scale: f64) -> Result<Encoded, ComposerError> {
        let done = |bytes: Vec<u8>, im: &DynamicImage| Encoded {
            bytes,
            format: FitFormat::Png,
            quality: None,
            width: im.width(),
            height: im.height(),
        };
        let mut too_big = max_scale;
        let first = self.resize(img, max_scale)?;
        let mut bytes = self.png(&first)?;
        if self.fits(&bytes) {
            return Ok(done(bytes, &first));
        }
        let mut scale = max_scale;
        let mut found = None;
        for _ in 0..MAX_SCALE_STEPS {
            scale = next_scale(scale, bytes.len() as u64, self.limits.max_bytes);
            let im = self.resize(img, scale)?;
            bytes = self.png(&im)?;
            if self.fits(&bytes) {
                found = Some((scale, bytes, im));
                break;
            }
            too_big = scale;
        }
        let Some((mut ok, mut best, mut best_img)) = found else {
            return Err(self.no_fit());
        };
        for _ in 0..2 {
            if too_big / ok < 1.02 {
                break;
            }
            let mid = (ok + too_big) / 2.0;
            let im = self.resize(img, mid)?;
            let b = self.png(&im)?;
            if self.fits(&b) {
                (ok, best, best_img) = (mid, b, im);
            } else {
                too_big = mid;
            }
        }
        Ok(done(best, &best_img))
    }

    fn no_fit(&self) -> ComposerError {
        ComposerError::CannotFit {
            path: self.path.to_path_buf(),
            reason: format!(
                "no size and quality tried came under {}",
                mb(self.limits.max_bytes)
            ),
        }
    }
}

/// The next, smaller scale: bytes grow about with the pixel count, so the side shrinks with
/// the square root of the ratio, with a 3 % margin (and at least 3 % smaller).
fn next_scale(scale: f64, bytes: u64, limit: u64) -> f64 {
    let ratio = (limit as f64 / bytes.max(1) as f64).sqrt();
    scale * (ratio * 0.97).min(0.97)
}

/// `w`×`h` times `scale`, rounded, never larger than before nor under 1 pixel.
fn scaled_dims(w: u32, h: u32, scale: f64) -> (u32, u32) {
    if scale >= 1.0 {
        return (w, h);
    }
    let s = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, v);
    (s(w), s(h))
}

/// A plain resize to `w`×`h` (Lanczos3 with fast_image_resize), the same pixel type. Public
/// for the benchmark's reference image.
#[doc(hidden)]
pub fn resize_to(img: &DynamicImage, w: u32, h: u32) -> Result<DynamicImage, fr::ResizeError> {
    let mut dst = DynamicImage::new(w, h, img.color());
    fr::Resizer::new().resize(img, &mut dst, &fr::ResizeOptions::new())?;
    Ok(dst)
}

fn encode_png(img: &DynamicImage, icc: Option<&[u8]>) -> image::ImageResult<Vec<u8>> {
    let mut buf = Vec::new();
    let mut enc = image::codecs::png::PngEncoder::new_with_quality(
        &mut buf,
        image::codecs::png::CompressionType::Default,
        image::codecs::png::FilterType::Adaptive,
    );
    if let Some(p) = icc {
        // A profile the encoder refuses is dropped, not fatal: colours may shift slightly.
        let _ = enc.set_icc_profile(p.to_vec());
    }
    enc.write_image(
        img.as_bytes(),
        img.width(),
        img.height(),
        img.color().into(),
    )?;
    Ok(buf)
}

/// How much a JPEG's colour (chroma) is subsampled against its brightness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// 4:4:4, none: PNG and other lossless sources, and JPEGs saved that way.
    Full,
    /// 4:2:2, half horizontally.
    Half,
    /// 4:2:0, half both ways: what cameras and phones write.
    Quarter,
}

/// The chroma subsampling of a JPEG's frame (its SOF segment: the first component's sampling
/// factors against the others' 1×1). Grayscale, anything unreadable and anything not a JPEG
/// read as [`Chroma::Full`].
pub fn source_chroma(data: &[u8]) -> Chroma {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Chroma::Full;
    }
    let mut i = 2;
    while let (Some(&0xFF), Some(&marker)) = (data.get(i), data.get(i + 1)) {
        match marker {
            // A fill byte, or a marker without a length.
            0xFF => i += 1,
            0x01 | 0xD0..=0xD9 => i += 2,
            // The start of the scan: no frame header was found before it.
            0xDA => return Chroma::Full,
            _ => {
                let Some(len) = data
                    .get(i + 2..i + 4)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
                else {
                    return Chroma::Full;
                };
                let frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                if frame {
                    // Length, precision, height, width, component count, then per component:
                    // id, H<<4|V, table.
                    return match (data.get(i + 9), data.get(i + 11)) {
                        (Some(&n), Some(&hv)) if n >= 3 => match (hv >> 4, hv & 0x0F) {
                            (2, 2) => Chroma::Quarter,
                            (2, 1) => Chroma::Half,
                            _ => Chroma::Full,
                        },
                        _ => Chroma::Full,
                    };
                }
                i += 2 + usize::from(len);
            }
        }
    }
    Chroma::Full
}

/// A JPEG of `img` (8-bit gray or RGB) at `quality` with `jpeg-encoder`, its colour subsampled
/// as `chroma` says (fitting passes the source's own: a copy never loses more colour detail than
/// the original had — a phone's 4:2:0 photo stays 4:2:0, a PNG or 4:4:4 JPEG keeps full colour).
/// Public for the benchmark.
#[doc(hidden)]
pub fn encode_jpeg(
    img: &DynamicImage,
    quality: u8,
    chroma: Chroma,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let (Ok(w), Ok(h)) = (u16::try_from(img.width()), u16::try_from(img.height())) else {
        return Err(format!(
            "{}×{} is too large for JPEG",
            img.width(),
            img.height()
        ));
    };
    let mut buf = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut buf, quality);
    // The same sampling at every quality (left to itself the encoder switches 4:2:0 to 4:4:4
    // at 90, which makes the size jump and breaks the bisection's monotony).
    enc.set_sampling_factor(match chroma {
        Chroma::Full => jpeg_encoder::SamplingFactor::R_4_4_4,
        Chroma::Half => jpeg_encoder::SamplingFactor::R_4_2_2,
        Chroma::Quarter => jpeg_encoder::SamplingFactor::R_4_2_0,
    });
    enc.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    // No optimised Huffman tables: `image`'s decoder (zune-jpeg 0.5, the one our previews
    // use) misdecodes jpeg-encoder 0.7's optimised tables (red came back green; jpeg-decoder
    // read them right). `jpeg_keeps_colours` below guards this.
    if let Some(p) = icc {
        let _ = enc.add_icc_profile(p);
    }
    let done = match img {
        DynamicImage::ImageLuma8(b) => enc.encode(b.as_raw(), w, h, jpeg_encoder::ColorType::Luma),
        DynamicImage::ImageRgb8(b) => enc.encode(b.as_raw(), w, h, jpeg_encoder::ColorType::Rgb),
        other => enc.encode(other.to_rgb8().as_raw(), w, h, jpeg_encoder::ColorType::Rgb),
    };
    done.map_err(|e| e.to_string())?;
    Ok(buf)
}

/// `<stem>-<hash>-fit.<ext>` in `out_dir`, written through a temporary file and renamed.
fn write_copy(
    original: &Path,
    out_dir: &Path,
    data: &[u8],
    encoded: &Encoded,
) -> Result<PathBuf, ComposerError> {
    let stem: String = original
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    // The original's content names the copy: two files called IMG_0001.jpg from different
    // folders never overwrite each other's copies, and fitting one file again gives the same name.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    let name = format!(
        "{}-{:016x}-fit.{}",
        if stem.is_empty() { "image" } else { &stem },
        h.finish(),
        encoded.format.ext()
    );
    let out = out_dir.join(&name);
    // The same original fitted again: a copy with the same bytes is left as it is (a scheduled
    // post holding it checks that it has not changed since).
    if std::fs::read(&out).is_ok_and(|b| b == encoded.bytes) {
        return Ok(out);
    }
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = out_dir.join(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&tmp, &encoded.bytes).map_err(|e| ComposerError::io(out_dir, e))?;
    if let Err(e) = std::fs::rename(&tmp, &out) {
        let _ = std::fs::remove_file(&tmp);
        return Err(ComposerError::io(out_dir, e));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_keeps_colours() {
        for ((w, h), chroma) in [(64, 64), (200, 120), (37, 19)]
            .into_iter()
            .flat_map(|d| [Chroma::Full, Chroma::Half, Chroma::Quarter].map(|c| (d, c)))
        {
            let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, _| {
                if x < w / 2 {
                    image::Rgb([220, 20, 20])
                } else {
                    image::Rgb([20, 20, 220])
                }
            }));
            let bytes = encode_jpeg(&img, 90, chroma, None).unwrap();
            let back = image::load_from_memory(&bytes).unwrap().to_rgb8();
            let p = back.get_pixel(2, 2).0;
            assert!(
                p[0] > 180 && p[1] < 60 && p[2] < 60,
                "{w}x{h} {chroma:?}: {p:?}"
            );
            let p = back.get_pixel(w - 3, h - 3).0;
            assert!(
                p[2] > 180 && p[0] < 60 && p[1] < 60,
                "{w}x{h} {chroma:?}: {p:?}"
            );
            // The sampling written is the one asked for, as the parser reads it back.
            assert_eq!(source_chroma(&bytes), chroma);
        }
    }

    #[test]
    fn next_scale_always_shrinks() {
        assert!(next_scale(1.0, 5, 10) < 1.0);
        let s = next_scale(1.0, 20_000_000, 5_000_000);
        assert!((s - 0.485).abs() < 0.01, "{s}");
    }

    #[test]
    fn scaled_dims_floor_and_keep_one() {
        assert_eq!(scaled_dims(6000, 4000, 1.0), (6000, 4000));
        assert_eq!(scaled_dims(10000, 300, 8192.0 / 10000.0), (8192, 246));
        assert_eq!(scaled_dims(9000, 200, 8192.0 / 9000.0), (8192, 182));
        assert_eq!(scaled_dims(10, 1, 0.01), (1, 1));
    }
}
