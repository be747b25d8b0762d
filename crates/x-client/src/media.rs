//! Media checks before any byte is sent (docs/protocol.md §9).
//!
//! Contract: [`inspect`] sniffs a file's type from its content (magic bytes, never the name),
//! reads image dimensions and GIF frame counts from headers only (the file is streamed, never
//! loaded whole), and refuses a file that breaks a limit with a message naming that limit.
//! [`check_media`] also enforces the per-post rule: 1–4 images, or 1 GIF, or 1 video, no mixing.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::ClientError;

const MIB: u64 = 1024 * 1024;
/// Largest still image (5 MB).
pub const MAX_IMAGE_BYTES: u64 = 5 * MIB;
/// Largest animated GIF (15 MB, `tweet_gif`, chunked).
pub const MAX_GIF_BYTES: u64 = 15 * MIB;
/// Largest video: 16 GiB, the most `total_bytes` INIT takes (X's limit with Premium, §15).
pub const MAX_VIDEO_BYTES: u64 = 16 * 1024 * MIB;
/// Largest video without Premium (8 GB, §15): above it the upload goes on with a warning.
pub const VIDEO_BYTES_WITHOUT_PREMIUM: u64 = 8_000_000_000;
/// Largest GIF width.
pub const MAX_GIF_WIDTH: usize = 1280;
/// Largest GIF height.
pub const MAX_GIF_HEIGHT: usize = 1080;
/// Most GIF frames.
pub const MAX_GIF_FRAMES: u64 = 350;
/// Most GIF pixels over all frames.
pub const MAX_GIF_PIXELS: u64 = 300_000_000;
/// Smallest image side.
pub const MIN_IMAGE_SIDE: usize = 4;
/// Largest image side.
pub const MAX_IMAGE_SIDE: usize = 8192;
/// Most images in one post.
pub const MAX_IMAGES: usize = 4;
/// Alt text limit (characters).
pub const MAX_ALT_TEXT: usize = 1000;
/// Alt text length above which some locales' docs say X refuses (warn only).
pub const WARN_ALT_TEXT: usize = 420;

/// What kind of media a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum MediaKind {
    /// A still image (JPEG, PNG, WEBP, single-frame GIF).
    Image,
    /// An animated GIF.
    Gif,
    /// A video (MP4, MOV).
    Video,
}

impl MediaKind {
    /// X's `media_category` for a post.
    pub fn category(self) -> &'static str {
        match self {
            MediaKind::Image => "tweet_image",
            MediaKind::Gif => "tweet_gif",
            MediaKind::Video => "tweet_video",
        }
    }
}

/// What [`inspect`] learned about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaInfo {
    /// The file.
    pub path: PathBuf,
    /// Sniffed MIME type (`image/png`, `video/mp4` …).
    pub mime: String,
    /// Image, GIF or video.
    pub kind: MediaKind,
    /// Size in bytes.
    pub size: u64,
    /// Width in pixels (images and GIFs; videos: the first video track's `tkhd`, as shown,
    /// i.e. after a 90° rotation in its matrix).
    pub width: Option<usize>,
    /// Height in pixels (as `width`).
    pub height: Option<usize>,
    /// Frame count (GIFs).
    pub frames: Option<u64>,
    /// Duration in milliseconds (videos, from `moov/mvhd`), when the file says.
    pub duration_ms: Option<u64>,
    /// Non-blocking remarks (X re-checks at post time).
    pub warnings: Vec<String>,
}

impl MediaInfo {
    /// X's `media_category`.
    pub fn category(&self) -> &'static str {
        self.kind.category()
    }

    /// Whether the file must go through a chunked upload.
    pub fn chunked(&self) -> bool {
        self.kind != MediaKind::Image
    }
}

/// The name of a file as a person sees it in messages: its file name, never the full path
/// (messages reach the page, history and logs; PB-20).
pub fn shown_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn io_err(path: &Path, e: std::io::Error) -> ClientError {
    ClientError::Io {
        path: shown_name(path),
        message: e.to_string(),
    }
}

fn refuse(path: &Path, msg: String) -> ClientError {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    ClientError::MediaRefused(format!("{name}: {msg}"))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MIB as f64)
}

/// Sniffs, measures and checks one file against §9's per-file limits.
pub fn inspect(path: &Path) -> Result<MediaInfo, ClientError> {
    // A named pipe or device would block `open` or never end (PB-26): regular files only.
    let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
    if !meta.is_file() {
        return Err(refuse(
            path,
            "is not a regular file (a folder, pipe or device cannot be attached)".into(),
        ));
    }
    let mut file = File::open(path).map_err(|e| io_err(path, e))?;
    let size = file.metadata().map_err(|e| io_err(path, e))?.len();
    let mut head = vec![0u8; 8192];
    let mut n = 0;
    while n < head.len() {
        let r = file.read(&mut head[n..]).map_err(|e| io_err(path, e))?;
        if r == 0 {
            break;
        }
        n += r;
    }
    head.truncate(n);
    let mime = infer::get(&head)
        .map(|t| t.mime_type().to_owned())
        .ok_or_else(|| {
            refuse(
                path,
                "unrecognised file type (supported: JPEG, PNG, WEBP, GIF, MP4, MOV)".into(),
            )
        })?;
    let mut info = MediaInfo {
        path: path.to_path_buf(),
        mime: mime.clone(),
        kind: MediaKind::Image,
        size,
        width: None,
        height: None,
        frames: None,
        duration_ms: None,
        warnings: Vec::new(),
    };
    match mime.as_str() {
        "image/jpeg" | "image/png" | "image/webp" => {
            let (w, h) = dimensions(path, &head)?;
            info.width = Some(w);
            info.height = Some(h);
            check_image(path, &info)?;
        }
        "image/gif" => {
            let (w, h) = dimensions(path, &head)?;
            info.width = Some(w);
            info.height = Some(h);
            file.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
            let frames = gif_frames(BufReader::new(file))
                .map_err(|e| refuse(path, format!("not a readable GIF ({e})")))?;
            info.frames = Some(frames);
            if frames > 1 {
                info.kind = MediaKind::Gif;
                if size > MAX_GIF_BYTES {
                    return Err(refuse(
                        path,
                        format!("animated GIF is {}; the limit is 15 MB", mb(size)),
                    ));
                }
                if w > MAX_GIF_WIDTH || h > MAX_GIF_HEIGHT {
                    return Err(refuse(
                        path,
                        format!("GIF is {w}×{h}; the limit is {MAX_GIF_WIDTH}×{MAX_GIF_HEIGHT}"),
                    ));
                }
                if frames > MAX_GIF_FRAMES {
                    return Err(refuse(
                        path,
                        format!("GIF has {frames} frames; the limit is {MAX_GIF_FRAMES} frames"),
                    ));
                }
                let pixels = frames.saturating_mul((w as u64).saturating_mul(h as u64));
                if pixels > MAX_GIF_PIXELS {
                    return Err(refuse(
                        path,
                        format!(
                            "GIF has {pixels} pixels over all frames; the limit is 300 million"
                        ),
                    ));
                }
            } else {
                check_image(path, &info)?;
            }
        }
        "video/mp4" | "video/quicktime" | "video/x-m4v" => {
            info.kind = MediaKind::Video;
            if info.mime == "video/x-m4v" {
                info.mime = "video/mp4".into();
            }
            if size > MAX_VIDEO_BYTES {
                return Err(refuse(
                    path,
                    format!("video is {}; the limit is 16 GB (with Premium)", mb(size)),
                ));
            }
            if size > VIDEO_BYTES_WITHOUT_PREMIUM {
                info.warnings.push(format!(
                    "video is {}; X takes up to 8 GB, or 16 GB when the account has Premium",
                    mb(size)
                ));
            }
            file.seek(SeekFrom::Start(0)).map_err(|e| io_err(path, e))?;
            let meta = mp4_meta(BufReader::new(file), size);
            info.duration_ms = meta.duration.map(|secs| (secs * 1000.0).round() as u64);
            if let Some((w, h)) = meta.size {
                info.width = Some(w);
                info.height = Some(h);
            }
            // The longest video depends on the account (docs/protocol.md §15); the composer
            // warns about that with the account's limit. Here only what no account may post.
            match meta.duration {
                Some(secs) if secs < MIN_VIDEO_SECS => {
                    info.warnings.push(format!(
                        "video is {secs:.1} s; X takes videos of at least 0.5 s"
                    ));
                }
                Some(_) => {}
                None => info.warnings.push(
                    "video duration unknown; codec problems show up only after upload".into(),
                ),
            }
        }
        other => {
            return Err(refuse(
                path,
                format!(
                    "type {other} is not supported (supported: JPEG, PNG, WEBP, GIF, MP4, MOV)"
                ),
            ))
        }
    }
    Ok(info)
}

/// Shortest video X accepts (seconds).
pub const MIN_VIDEO_SECS: f64 = 0.5;
/// Longest video of the legacy docs (seconds); today's limits follow the account, see
/// [`DEFAULT_VIDEO_MINUTES`].
pub const MAX_VIDEO_SECS: f64 = 140.0;
/// Longest video for an account without Premium (minutes, docs/protocol.md §15).
pub const DEFAULT_VIDEO_MINUTES: u32 = 20;
/// Longest video with Premium (minutes, §15).
pub const PREMIUM_VIDEO_MINUTES: u32 = 125;

/// What the `moov` box says about a video.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Mp4Meta {
    /// Seconds, from `mvhd`.
    duration: Option<f64>,
    /// The first video track's displayed size, from `tkhd` (rotation applied).
    size: Option<(usize, usize)>,
}

/// Reads an MP4/MOV's duration (`moov/mvhd`) and the first video track's size
/// (`moov/trak/tkhd`, non-zero width and height; a ±90° matrix swaps them), walking box
/// headers only.
fn mp4_meta<R: Read + Seek>(mut r: R, file_len: u64) -> Mp4Meta {
    let mut meta = Mp4Meta::default();
    let _ = mp4_walk(&mut r, file_len, &mut meta);
    meta
}

/// [`mp4_meta`]'s walk; `None` stops it (a damaged or truncated box).
fn mp4_walk<R: Read + Seek>(r: &mut R, file_len: u64, meta: &mut Mp4Meta) -> Option<()> {
    fn header<R: Read>(r: &mut R) -> Option<(u64, [u8; 4], u64)> {
        let mut h = [0u8; 8];
        r.read_exact(&mut h).ok()?;
        let size32 = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let kind = [h[4], h[5], h[6], h[7]];
        if size32 == 1 {
            let mut big = [0u8; 8];
            r.read_exact(&mut big).ok()?;
            Some((u64::from_be_bytes(big), kind, 16))
        } else {
            Some((u64::from(size32), kind, 8))
        }
    }
    let mut pos = 0u64;
    let mut end = file_len;
    for _ in 0..10_000 {
        // Checked arithmetic: box sizes come from the file (PB-28).
        if pos.checked_add(8)? > end {
            return None;
        }
        r.seek(SeekFrom::Start(pos)).ok()?;
        let (size, kind, hlen) = header(r)?;
        let size = if size == 0 {
            end.checked_sub(pos)?
        } else {
            size
        };
        if size < hlen {
            return None;
        }
        match &kind {
            b"moov" | b"trak" => {
                // Descend (a trak's end bounds only its own boxes; the moov's end stays).
                if &kind == b"moov" {
                    end = pos.checked_add(size)?.min(end);
                }
                pos = pos.checked_add(hlen)?;
            }
            b"tkhd" => {
                let mut v = [0u8; 4];
                r.read_exact(&mut v).ok()?;
                // Version 1 has 64-bit times and duration: 12 more bytes before the matrix.
                let skip = if v[0] == 1 { 32 } else { 20 } + 16;
                let mut b = vec![0u8; skip + 36 + 8];
                r.read_exact(&mut b).ok()?;
                let be = |o: usize| i32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
                let (a, d) = (be(skip), be(skip + 16));
                let w = (be(skip + 36) as u32 >> 16) as usize;
                let h = (be(skip + 40) as u32 >> 16) as usize;
                if meta.size.is_none() && w > 0 && h > 0 {
                    meta.size = Some(if a == 0 && d == 0 { (h, w) } else { (w, h) });
                }
                pos = pos.checked_add(size)?;
            }
            b"mvhd" => {
                let mut v = [0u8; 4];
                r.read_exact(&mut v).ok()?;
                let (timescale, duration) = if v[0] == 1 {
                    let mut b = [0u8; 28];
                    r.read_exact(&mut b).ok()?;
                    let ts = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
                    let d = u64::from_be_bytes([
                        b[20], b[21], b[22], b[23], b[24], b[25], b[26], b[27],
                    ]);
                    (ts, d)
                } else {
                    let mut b = [0u8; 16];
                    r.read_exact(&mut b).ok()?;
                    let ts = u32::from_be_bytes([b[8], b[9], b[10], b[11]]);
                    let d = u32::from_be_bytes([b[12], b[13], b[14], b[15]]);
                    (ts, u64::from(d))
                };
                if timescale > 0 {
                    meta.duration = Some(duration as f64 / f64::from(timescale));
                }
                pos = pos.checked_add(size)?;
            }
            _ => pos = pos.checked_add(size)?,
        }
    }
    Some(())
}

fn check_image(path: &Path, info: &MediaInfo) -> Result<(), ClientError> {
    if info.size > MAX_IMAGE_BYTES {
        return Err(refuse(
            path,
            format!("image is {}; the limit is 5 MB", mb(info.size)),
        ));
    }
    if let (Some(w), Some(h)) = (info.width, info.height) {
        if w < MIN_IMAGE_SIDE || h < MIN_IMAGE_SIDE || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE {
            return Err(refuse(
                path,
                format!(
                    "image is {w}×{h}; each side must be {MIN_IMAGE_SIDE}–{MAX_IMAGE_SIDE} pixels"
                ),
            ));
        }
    }
    Ok(())
}

fn dimensions(path: &Path, head: &[u8]) -> Result<(usize, usize), ClientError> {
    let size = match imagesize::blob_size(head) {
        Ok(s) => s,
        // JPEG headers can sit past the first 8 KiB (EXIF thumbnails): read from the file.
        Err(_) => imagesize::size(path)
            .map_err(|e| refuse(path, format!("cannot read the image dimensions ({e})")))?,
    };
    Ok((size.width, size.height))
}

/// Counts the image descriptors of a GIF by walking its blocks (streamed).
fn gif_frames<R: Read>(mut r: R) -> std::io::Result<u64> {
    fn byte<R: Read>(r: &mut R) -> std::io::Result<u8> {
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        Ok(b[0])
    }
    fn skip<R: Read>(r: &mut R, n: u64) -> std::io::Result<()> {
        let copied = std::io::copy(&mut r.take(n), &mut std::io::sink())?;
        if copied < n {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
    fn sub_blocks<R: Read>(r: &mut R) -> std::io::Result<()> {
        loop {
            let len = byte(r)?;
            if len == 0 {
                return Ok(());
            }
            skip(r, u64::from(len))?;
        }
    }
    let mut header = [0u8; 13];
    r.read_exact(&mut header)?;
    if &header[..3] != b"GIF" {
        return Err(std::io::ErrorKind::InvalidData.into());
    }
    let flags = header[10];
    if flags & 0x80 != 0 {
        skip(&mut r, 3 * (1u64 << ((flags & 0x07) + 1)))?;
    }
    let mut frames = 0u64;
    loop {
        match byte(&mut r) {
            Ok(0x2C) => {
                frames += 1;
                let mut desc = [0u8; 9];
                r.read_exact(&mut desc)?;
                let f = desc[8];
                if f & 0x80 != 0 {
                    skip(&mut r, 3 * (1u64 << ((f & 0x07) + 1)))?;
                }
                let _lzw_min = byte(&mut r)?;
                sub_blocks(&mut r)?;
            }
            Ok(0x21) => {
                let _label = byte(&mut r)?;
                sub_blocks(&mut r)?;
            }
            Ok(0x3B) => return Ok(frames),
            // A truncated trailer is common; count what we saw.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && frames > 0 => {
                return Ok(frames)
            }
            Ok(_) => return Err(std::io::ErrorKind::InvalidData.into()),
            Err(e) => return Err(e),
        }
    }
}

/// Checks a set of files for one post: each file ([`inspect`]) and the mix (1–4 images, or 1 GIF,
/// or 1 video). Nothing is sent.
pub fn check_media(paths: &[PathBuf]) -> Result<Vec<MediaInfo>, ClientError> {
    let infos = paths
        .iter()
        .map(|p| inspect(p))
        .collect::<Result<Vec<_>, _>>()?;
    let images = infos.iter().filter(|i| i.kind == MediaKind::Image).count();
    let gifs = infos.iter().filter(|i| i.kind == MediaKind::Gif).count();
    let videos = infos.iter().filter(|i| i.kind == MediaKind::Video).count();
    if images > MAX_IMAGES {
        return Err(ClientError::MediaRefused(format!(
            "{images} images; the limit is {MAX_IMAGES} images per post"
        )));
    }
    if gifs + videos > 0 && infos.len() > 1 {
        return Err(ClientError::MediaRefused(format!(
            "{} files with a GIF or video; the limit is 1 GIF or 1 video per post, not mixed with other media",
            infos.len()
        )));
    }
    Ok(infos)
}

/// Checks alt text: an error above 1000 characters or on a video; `Some(warning)` above 420.
pub fn check_alt_text(kind: MediaKind, alt: &str) -> Result<Option<String>, ClientError> {
    let n = alt.chars().count();
    if kind == MediaKind::Video {
        return Err(ClientError::MediaRefused(
            "alt text applies to images and GIFs only, not to video".into(),
        ));
    }
    if n > MAX_ALT_TEXT {
        return Err(ClientError::MediaRefused(format!(
            "alt text is {n} characters; the limit is {MAX_ALT_TEXT} characters"
        )));
    }
    Ok((n > WARN_ALT_TEXT).then(|| {
        format!("alt text is {n} characters; some X documentation gives a limit of {WARN_ALT_TEXT}")
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xclient-media-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn special_files_are_refused_without_blocking() {
        let d = tmpdir("special");
        let e = inspect(&d).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        #[cfg(unix)]
        {
            let fifo = d.join("pipe.png");
            let _ = std::fs::remove_file(&fifo);
            let ok = std::process::Command::new("mkfifo").arg(&fifo).status();
            if ok.is_ok_and(|s| s.success()) {
                // Opening a FIFO for reading would block forever without the check.
                let e = inspect(&fifo).unwrap_err().to_string();
                assert!(
                    e.contains("pipe.png") && e.contains("not a regular file"),
                    "{e}"
                );
            }
        }
    }

    #[test]
    fn crafted_mp4_box_sizes_do_not_overflow() {
        // A box claiming u64::MAX bytes (64-bit size) must not panic in debug builds.
        let mut b = Vec::new();
        b.extend_from_slice(&[0, 0, 0, 24]);
        b.extend_from_slice(b"ftypisom");
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&[0, 0, 0, 1]);
        b.extend_from_slice(b"free");
        b.extend_from_slice(&u64::MAX.to_be_bytes());
        b.extend_from_slice(&[0; 64]);
        let d = tmpdir("mp4");
        let p = write(&d, "odd.mp4", &b);
        let _ = inspect(&p); // any answer but a panic
    }

    #[test]
    fn alt_text_rules() {
        assert!(check_alt_text(MediaKind::Image, "cat").unwrap().is_none());
        assert!(check_alt_text(MediaKind::Image, &"a".repeat(500))
            .unwrap()
            .is_some());
        assert!(check_alt_text(MediaKind::Image, &"a".repeat(1001)).is_err());
        assert!(check_alt_text(MediaKind::Video, "a").is_err());
    }
}
