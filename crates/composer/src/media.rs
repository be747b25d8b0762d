//! Attaching media and making previews.
//!
//! Contract:
//! - [`attach`] runs x-client's docs/protocol.md §9 checks on the file (type sniffed from its
//!   content, size, dimensions, GIF frames and pixels) and the per-post mix against the part's
//!   current media (1–4 images, or 1 GIF, or 1 video, never mixed). A refusal is
//!   [`ComposerError::MediaRefused`] whose message names the limit. Nothing is uploaded.
//! - [`attach_subtitles`] puts one `.srt`/`.vtt` file on the part's video (replacing an
//!   earlier one) after x-client's subtitle checks (size, UTF-8, SRT/VTT shape) and a language
//!   check; a part without a video, or another kind of file, is refused with
//!   [`ComposerError::MediaRefused`] naming the file and the fix.
//! - [`animated_preview`] hands a GIF of at most [`ANIMATED_PREVIEW_MAX`] bytes to the page
//!   whole, as a `data:image/gif` URL, so its preview moves as on X; larger GIFs and other
//!   files get `None` (use [`thumbnail`]'s still).
//! - [`thumbnail`] decodes a still preview that fits in `max_side` × `max_side` (EXIF
//!   orientation applied) and returns it as a data URL: JPEG for opaque images, PNG when the
//!   image has transparency. Large baseline JPEGs are read at 1/8 scale from the blocks' DC
//!   coefficients alone (`jpeg_dc`); other JPEGs are downscaled in the DCT domain by
//!   `jpeg-decoder` (1/8 … 1). GIFs use the first
//!   frame. An MP4/MOV gets its first frame ([`crate::video_frame`]), or
//!   [`ComposerError::VideoPreview`] saying why not (show a video tile). It is blocking CPU
//!   work: call it off the UI thread (e.g. `tokio::task::spawn_blocking`).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use base64::Engine as _;
use image::{DynamicImage, ImageFormat, RgbImage};
use serde::{Deserialize, Serialize};
use x_client::media::MAX_IMAGES;
use x_client::MediaKind;

use crate::draft::{Attachment, FitNote, Part, Subtitles};
use crate::error::ComposerError;

/// A preview image.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    /// `data:image/jpeg;base64,…` or `data:image/png;base64,…`.
    pub data_url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

fn kind_str(k: MediaKind) -> &'static str {
    match k {
        MediaKind::Image => "image",
        MediaKind::Gif => "gif",
        MediaKind::Video => "video",
    }
}

/// Checks `path` for attaching to `existing` and describes it (see the module docs).
pub fn attach(path: &Path, existing: &Part) -> Result<Attachment, ComposerError> {
    // Legal on Linux, but a draft stores paths as text (PB-25): refuse this file alone.
    if path.to_str().is_none() {
        return Err(ComposerError::MediaRefused(format!(
            "{} cannot be attached: its name is not valid UTF-8 text; rename the file and attach it again",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string_lossy().into_owned())
        )));
    }
    let info = x_client::inspect(path)?;
    let images = existing.media.iter().filter(|a| a.kind == "image").count();
    let others = existing.media.len() - images;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    match info.kind {
        MediaKind::Image if others > 0 => {
            return Err(ComposerError::MediaRefused(format!(
                "{name}: this post already has a GIF or video; the limit is 1 GIF or 1 video per post, not mixed with images"
            )));
        }
        MediaKind::Image if images >= MAX_IMAGES => {
            return Err(ComposerError::MediaRefused(format!(
                "{name}: this would be image {}; the limit is {MAX_IMAGES} images per post",
                images + 1
            )));
        }
        MediaKind::Gif | MediaKind::Video if !existing.media.is_empty() => {
            return Err(ComposerError::MediaRefused(format!(
                "{name}: a {} must be alone; the limit is 1 GIF or 1 video per post, not mixed with other media",
                if info.kind == MediaKind::Gif { "GIF" } else { "video" }
            )));
        }
        _ => {}
    }
    Ok(Attachment {
        path: path.to_path_buf(),
        kind: kind_str(info.kind).to_owned(),
        mime: info.mime,
        size: info.size,
        width: info.width.and_then(|w| u32::try_from(w).ok()),
        height: info.height.and_then(|h| u32::try_from(h).ok()),
        duration_ms: info.duration_ms,
        alt: None,
        media_id: None,
        uploaded_at: None,
        route: None,
        fitted: None,
        kept_original: false,
        subtitles: None,
    })
}

/// Largest GIF whose preview is the file itself (animated); larger ones show a still.
pub const ANIMATED_PREVIEW_MAX: u64 = 5 * 1024 * 1024;

/// The GIF at `path` as a `data:image/gif;base64,…` URL when it is at most
/// [`ANIMATED_PREVIEW_MAX`] bytes (its preview then animates); `None` for a larger GIF or
/// a file that is not a GIF (by its magic bytes).
pub fn animated_preview(path: &Path) -> Result<Option<String>, ComposerError> {
    let io = |e: std::io::Error| ComposerError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut magic = [0u8; 6];
    if size > ANIMATED_PREVIEW_MAX
        || file.read_exact(&mut magic).is_err()
        || !(magic == *b"GIF89a" || magic == *b"GIF87a")
    {
        return Ok(None);
    }
    let mut bytes = magic.to_vec();
    file.read_to_end(&mut bytes).map_err(io)?;
    Ok(Some(format!(
        "data:image/gif;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    )))
}

/// `true` when `path` is named like a subtitle file (`.srt`, `.vtt`, any case): what a drop
/// handler uses to route it to [`attach_subtitles`] instead of [`attach`].
pub fn is_subtitle_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("srt") || e.eq_ignore_ascii_case("vtt"))
}

/// A language's name as X's player menu shows it, for the codes people use most; otherwise
/// the code itself (upper-cased).
pub fn language_name(code: &str) -> String {
    let base = code.split('-').next().unwrap_or(code).to_ascii_lowercase();
    let name = match base.as_str() {
        "en" => "English",
        "es" => "Español",
        "fr" => "Français",
        "de" => "Deutsch",
        "it" => "Italiano",
        "pt" => "Português",
        "nl" => "Nederlands",
        "sv" => "Svenska",
        "pl" => "Polski",
        "tr" => "Türkçe",
        "ru" => "Русский",
        "uk" => "Українська",
        "ar" => "العربية",
        "hi" => "हिन्दी",
        "ja" => "日本語",
        "ko" => "한국어",
        "zh" => "中文",
        _ => return code.to_ascii_uppercase(),
    };
    name.to_string()
}

/// Puts the subtitle file `path` (`.srt` or `.vtt`) in `language` on `part`'s video (see the
/// module docs); returns the index of the video attachment.
pub fn attach_subtitles(
    path: &Path,
    part: &mut Part,
    language: &str,
) -> Result<usize, ComposerError> {
    let name = x_client::media::shown_name(path);
    if path.to_str().is_none() {
        return Err(ComposerError::MediaRefused(format!(
            "{name} cannot be attached: its name is not valid UTF-8 text; rename the file and attach it again"
        )));
    }
    if !is_subtitle_file(path) {
        return Err(ComposerError::MediaRefused(format!(
            "{name}: subtitles must be a .srt or .vtt file; export them in one of those formats"
        )));
    }
    let Some(index) = part.media.iter().position(|a| a.kind == "video") else {
        return Err(ComposerError::MediaRefused(format!(
            "{name}: subtitles go with a video, and this post has none; add the video first, then its subtitles"
        )));
    };
    let language = language.trim();
    if !x_client::subtitles::valid_language_code(language) {
        return Err(ComposerError::MediaRefused(format!(
            "{name}: “{language}” is not a language code; use one such as en, es or pt-BR"
        )));
    }
    x_client::check_subtitles(path)?;
    part.media[index].subtitles = Some(Subtitles {
        path: path.to_path_buf(),
        language: language.to_string(),
        display_name: language_name(language),
    });
    Ok(index)
}

/// The person's original in place of the fitted copy `fitted` (issue 14 item 3: they may keep
/// it, and get X's refusal): attached as it is, without the checks it fails, marked
/// [`Attachment::kept_original`]; its alt text stays. `None` when `fitted` is not a fitted copy.
/// [`crate::validate()`] blocks the draft while it holds one, so nothing of it is sent.
pub fn keep_original(fitted: &Attachment) -> Option<Attachment> {
    let note = fitted.fitted.as_ref()?;
    let mut head = Vec::with_capacity(64);
    let mime = File::open(&note.original)
        .and_then(|f| f.take(64).read_to_end(&mut head))
        .ok()
        .and_then(|_| infer::get(&head))
        .map_or_else(|| fitted.mime.clone(), |t| t.mime_type().to_owned());
    Some(Attachment {
        path: note.original.clone(),
        kind: kind_str(MediaKind::Image).to_owned(),
        mime,
        size: std::fs::metadata(&note.original).map_or(note.before.bytes, |m| m.len()),
        width: Some(note.before.width),
        height: Some(note.before.height),
        duration_ms: None,
        alt: fitted.alt.clone(),
        media_id: None,
        uploaded_at: None,
        route: None,
        fitted: None,
        kept_original: true,
        subtitles: None,
    })
}

/// [`attach`], and when the file is an image over X's size or dimension limits, a copy fitted
/// to them ([`crate::fit_image`], written into `fit_dir`) attached in its place, with a
/// [`FitNote`] naming the original (which is never changed). Blocking and CPU-heavy for a
/// fitted file (about a second for 24 MP): call it off the UI thread.
///
/// Which refusal a file that cannot be attached gets: a format X does not take but a person
/// knows by name (HEIC, AVIF, TIFF …) or an image no fitting can save gets fitting's specific
/// error with its fix; anything else (not an image, an animated GIF or video over its limits)
/// keeps [`attach`]'s, which names the limit.
pub fn attach_fitting(
    path: &Path,
    existing: &Part,
    fit_dir: &Path,
) -> Result<Attachment, ComposerError> {
    let refused = match attach(path, existing) {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    // Only a refusal of an image file itself (not of the post's mix of media, nor of a video
    // or a document) can be fitted away.
    if path.to_str().is_none() || x_client::inspect(path).is_ok() || !sniffs_as_image(path) {
        return Err(refused);
    }
    if let Err(e) = std::fs::create_dir_all(fit_dir) {
        return Err(ComposerError::io(fit_dir, e));
    }
    match crate::fit::fit_image(path, fit_dir) {
        Ok(f) => {
            let mut a = attach(&f.path, existing)?;
            a.fitted = Some(FitNote {
                original: path.to_path_buf(),
                before: f.before,
                after: f.after,
                quality: f.quality,
            });
            Ok(a)
        }
        Err(ComposerError::UnsupportedFormat { path, format, fix })
            if !format.contains('/') && format != "unrecognised" =>
        {
            Err(ComposerError::UnsupportedFormat { path, format, fix })
        }
        // Fitting's own failures, and a copy that could not be written (disk full …).
        Err(
            e @ (ComposerError::CannotFit { .. }
            | ComposerError::Fit { .. }
            | ComposerError::Io { .. }),
        ) => Err(e),
        Err(_) => Err(refused),
    }
}

/// Whether the file's first bytes are an image format (any, X's or not). Regular files only:
/// opening a named pipe would block (PB-26).
fn sniffs_as_image(path: &Path) -> bool {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = Vec::with_capacity(8192);
    let read = File::open(path).and_then(|f| f.take(8192).read_to_end(&mut head));
    read.is_ok() && infer::get(&head).is_some_and(|t| t.mime_type().starts_with("image/"))
}

fn thumb_err(path: &Path, e: impl std::fmt::Display) -> ComposerError {
    ComposerError::Thumbnail {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Makes a preview of an image or GIF that fits in `max_side` (see the module docs).
pub fn thumbnail(path: &Path, max_side: u32) -> Result<Thumbnail, ComposerError> {
    let max_side = max_side.clamp(1, 4096);
    let mut head = [0u8; 32];
    let n = {
        let mut f = File::open(path).map_err(|e| ComposerError::io(path, e))?;
        let mut n = 0;
        while n < head.len() {
            let r = f
                .read(&mut head[n..])
                .map_err(|e| ComposerError::io(path, e))?;
            if r == 0 {
                break;
            }
            n += r;
        }
        n
    };
    let head = &head[..n];
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return crate::video_frame::first_frame(path, max_side);
    }
    let format = image::guess_format(head).map_err(|_| {
        thumb_err(
            path,
            "unrecognised image type (previews: JPEG, PNG, WEBP, GIF)",
        )
    })?;
    let img = match format {
        ImageFormat::Jpeg => {
            let data = std::fs::read(path).map_err(|e| ComposerError::io(path, e))?;
            match crate::jpeg_dc::decode_eighth(&data, max_side as usize) {
                Some((mut img, exif)) => {
                    if let Some(o) = exif
                        .as_deref()
                        .and_then(image::metadata::Orientation::from_exif_chunk)
                    {
                        img.apply_orientation(o);
                    }
                    img
                }
                None => decode_jpeg_scaled(&data, path, max_side)?,
            }
        }
        ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif => {
            let reader = image::ImageReader::with_format(
                BufReader::new(File::open(path).map_err(|e| ComposerError::io(path, e))?),
                format,
            );
            reader.decode().map_err(|e| thumb_err(path, e))?
        }
        other => {
            return Err(thumb_err(
                path,
                format!("{other:?} is not a supported image type (JPEG, PNG, WEBP, GIF)"),
            ))
        }
    };
    encode(path, fit(img, max_side))
}

/// [`thumbnail`] of a JPEG through `jpeg-decoder`'s DCT scaling alone, skipping `jpeg_dc`: the
/// fallback path, public only so `examples/thumb_bench.rs` can time it against [`thumbnail`].
#[doc(hidden)]
pub fn thumbnail_jpeg_scaled(path: &Path, max_side: u32) -> Result<Thumbnail, ComposerError> {
    let max_side = max_side.clamp(1, 4096);
    let data = std::fs::read(path).map_err(|e| ComposerError::io(path, e))?;
    encode(
        path,
        fit(decode_jpeg_scaled(&data, path, max_side)?, max_side),
    )
}

/// Scales `img` down (never up) to fit in `max_side`.
pub(crate) fn fit(img: DynamicImage, max_side: u32) -> DynamicImage {
    let (w, h) = (img.width(), img.height());
    if w <= max_side && h <= max_side {
        return img;
    }
    let (nw, nh) = if w >= h {
        (max_side, scaled(h, max_side, w))
    } else {
        (scaled(w, max_side, h), max_side)
    };
    match &img {
        DynamicImage::ImageRgb8(b) => {
            DynamicImage::ImageRgb8(image::imageops::thumbnail(b, nw, nh))
        }
        DynamicImage::ImageRgba8(b) => {
            DynamicImage::ImageRgba8(image::imageops::thumbnail(b, nw, nh))
        }
        DynamicImage::ImageLuma8(b) => {
            DynamicImage::ImageLuma8(image::imageops::thumbnail(b, nw, nh))
        }
        _ if img.color().has_alpha() => {
            DynamicImage::ImageRgba8(image::imageops::thumbnail(&img.to_rgba8(), nw, nh))
        }
        _ => DynamicImage::ImageRgb8(image::imageops::thumbnail(&img.to_rgb8(), nw, nh)),
    }
}

fn scaled(side: u32, target: u32, longest: u32) -> u32 {
    let v = (u64::from(side) * u64::from(target) + u64::from(longest) / 2) / u64::from(longest);
    u32::try_from(v).unwrap_or(u32::MAX).max(1)
}

/// Decodes a JPEG at the smallest DCT scale (1/8 … 1) still ≥ the preview size, then applies
/// its EXIF orientation.
fn decode_jpeg_scaled(
    data: &[u8],
    path: &Path,
    max_side: u32,
) -> Result<DynamicImage, ComposerError> {
    let mut dec = jpeg_decoder::Decoder::new(data);
    dec.read_info().map_err(|e| thumb_err(path, e))?;
    let info = dec
        .info()
        .ok_or_else(|| thumb_err(path, "no JPEG header"))?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    let (rw, rh) = if w >= h {
        (max_side, scaled(h, max_side, w.max(1)))
    } else {
        (scaled(w, max_side, h.max(1)), max_side)
    };
    let clamp16 = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    let (ow, oh) = dec
        .scale(clamp16(rw), clamp16(rh))
        .map_err(|e| thumb_err(path, e))?;
    let pixels = dec.decode().map_err(|e| thumb_err(path, e))?;
    let format = dec
        .info()
        .map(|i| i.pixel_format)
        .ok_or_else(|| thumb_err(path, "no JPEG header"))?;
    let (ow, oh) = (u32::from(ow), u32::from(oh));
    let bad = || thumb_err(path, "decoded pixel buffer has the wrong size");
    let mut img = match format {
        jpeg_decoder::PixelFormat::RGB24 => {
            DynamicImage::ImageRgb8(RgbImage::from_raw(ow, oh, pixels).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L8 => {
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(ow, oh, pixels).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::L16 => {
            // Big-endian 16-bit gray: keep the high byte.
            let gray: Vec<u8> = pixels.chunks_exact(2).map(|c| c[0]).collect();
            DynamicImage::ImageLuma8(image::GrayImage::from_raw(ow, oh, gray).ok_or_else(bad)?)
        }
        jpeg_decoder::PixelFormat::CMYK32 => {
            // Adobe CMYK JPEGs are stored inverted; this is the usual approximation.
            let rgb: Vec<u8> = pixels
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| u8::try_from(u16::from(c) * k / 255).unwrap_or(255))
                })
                .collect();
            DynamicImage::ImageRgb8(RgbImage::from_raw(ow, oh, rgb).ok_or_else(bad)?)
        }
    };
    if let Some(o) = dec
        .exif_data()
        .and_then(image::metadata::Orientation::from_exif_chunk)
    {
        img.apply_orientation(o);
    }
    Ok(img)
}

/// `img` as a preview: JPEG, or PNG when it has transparency.
pub(crate) fn encode(path: &Path, img: DynamicImage) -> Result<Thumbnail, ComposerError> {
    let (width, height) = (img.width(), img.height());
    let mut buf = Vec::with_capacity(64 * 1024);
    let alpha = img.color().has_alpha();
    let mime = if alpha {
        img.write_to(&mut std::io::Cursor::new(&mut buf), ImageFormat::Png)
            .map_err(|e| thumb_err(path, e))?;
        "image/png"
    } else {
        let rgb = match img {
            DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => img,
            other => DynamicImage::ImageRgb8(other.to_rgb8()),
        };
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 82);
        rgb.write_with_encoder(enc)
            .map_err(|e| thumb_err(path, e))?;
        "image/jpeg"
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(&buf);
    Ok(Thumbnail {
        data_url: format!("data:{mime};base64,{b64}"),
        width,
        height,
    })
}
