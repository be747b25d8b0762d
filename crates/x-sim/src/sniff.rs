//! File type sniffing from magic bytes, image dimensions (PNG, JPEG, GIF, BMP headers) and the
//! MP4/MOV duration from `moov/mvhd` (docs/protocol.md §9).
//!
//! Contract: [`sniff`] and [`mp4_duration_ms`] read only the bytes they are given (the first
//! [`crate::media::HEAD_KEEP`] of an upload), answer `None` for anything they do not
//! recognise, and never panic or allocate in proportion to their input. These are the
//! simulator's own header walks, not x-client's: the oracle must not share the client's code
//! (see the crate docs, "Why x-sim re-implements").

use serde::Serialize;

/// What kind of media a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A still image (JPEG, PNG, WEBP, BMP, TIFF).
    Image,
    /// A GIF (animated or not; posted as a GIF when uploaded as `tweet_gif`).
    Gif,
    /// A video.
    Video,
    /// Subtitles (SRT/VTT).
    Subtitles,
}

/// The result of sniffing magic bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sniffed {
    /// MIME type detected.
    pub mime: &'static str,
    /// Kind of media.
    pub kind: MediaKind,
    /// Width in pixels when known.
    pub w: u32,
    /// Height in pixels when known.
    pub h: u32,
}

/// Sniffs the type of a file from its first bytes.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    let img = |mime, w, h| {
        Some(Sniffed {
            mime,
            kind: MediaKind::Image,
            w,
            h,
        })
    };
    let be32 = |o: usize| -> u32 {
        head.get(o..o + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0)
    };
    let le16 = |o: usize| -> u32 {
        head.get(o..o + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
            .unwrap_or(0)
    };
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return img("image/png", be32(16), be32(20));
    }
    if head.starts_with(b"\xFF\xD8\xFF") {
        let (w, h) = jpeg_dims(head).unwrap_or((0, 0));
        return img("image/jpeg", w, h);
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Some(Sniffed {
            mime: "image/gif",
            kind: MediaKind::Gif,
            w: le16(6),
            h: le16(8),
        });
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return img("image/webp", 0, 0);
    }
    if head.starts_with(b"BM") && head.len() >= 26 {
        let w = head
            .get(18..22)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let h = head
            .get(22..26)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]).unsigned_abs());
        return img("image/bmp", w.unwrap_or(0), h.unwrap_or(0));
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return img("image/tiff", 0, 0);
    }
    let video = |mime| {
        Some(Sniffed {
            mime,
            kind: MediaKind::Video,
            w: 0,
            h: 0,
        })
    };
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        return video(if brand == b"qt  " {
            "video/quicktime"
        } else {
            "video/mp4"
        });
    }
    if head.starts_with(b"\x1A\x45\xDF\xA3") {
        return video("video/webm");
    }
    if head.first() == Some(&0x47) && head.len() > 188 && head[188] == 0x47 {
        return video("video/mp2t");
    }
    let text = std::str::from_utf8(&head[..head.len().min(256)]).unwrap_or("");
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("WEBVTT") {
        return Some(Sniffed {
            mime: "text/vtt",
            kind: MediaKind::Subtitles,
            w: 0,
            h: 0,
        });
    }
    if text
        .lines()
        .next()
        .is_some_and(|l| !l.trim().is_empty() && l.trim().chars().all(|c| c.is_ascii_digit()))
        && text.contains("-->")
    {
        return Some(Sniffed {
            mime: "text/srt",
            kind: MediaKind::Subtitles,
            w: 0,
            h: 0,
        });
    }
    None
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
}

fn be_u64(b: &[u8], at: usize) -> Option<u64> {
    let hi = u64::from(be_u32(b, at)?);
    let lo = u64::from(be_u32(b, at.checked_add(4)?)?);
    Some((hi << 32) | lo)
}

/// The duration of an MP4/MOV in ms from its `moov/mvhd` box, when that box lies within
/// `head` (a "fast start" file); `None` otherwise.
pub fn mp4_duration_ms(head: &[u8]) -> Option<u64> {
    let mut i = 0usize;
    let mut end = head.len();
    while i.checked_add(8)? <= end {
        let mut size = u64::from(be_u32(head, i)?);
        let kind = head.get(i + 4..i + 8)?;
        let mut hdr = 8usize;
        if size == 1 {
            size = be_u64(head, i + 8)?;
            hdr = 16;
        } else if size == 0 {
            size = (end - i) as u64;
        }
        if size < hdr as u64 {
            return None;
        }
        match kind {
            b"moov" => {
                // Descend: children start after the header.
                end = end.min(i.saturating_add(usize::try_from(size).unwrap_or(usize::MAX)));
                i += hdr;
                continue;
            }
            b"mvhd" => {
                let v = i + hdr;
                let version = *head.get(v)?;
                let (timescale, duration) = if version == 1 {
                    (u64::from(be_u32(head, v + 20)?), be_u64(head, v + 24)?)
                } else {
                    (
                        u64::from(be_u32(head, v + 12)?),
                        u64::from(be_u32(head, v + 16)?),
                    )
                };
                if timescale == 0 {
                    return None;
                }
                return Some(duration.saturating_mul(1000) / timescale);
            }
            _ => {
                i = i.checked_add(usize::try_from(size).ok()?)?;
            }
        }
    }
    None
}

fn jpeg_dims(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let h = u32::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
            let w = u32::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        v.extend(640u32.to_be_bytes());
        v.extend(480u32.to_be_bytes());
        v
    }

    #[test]
    fn sniffs() {
        let s = sniff(&png()).unwrap();
        assert_eq!((s.mime, s.w, s.h), ("image/png", 640, 480));
        assert_eq!(
            sniff(b"GIF89a\x10\x00\x20\x00").unwrap().kind,
            MediaKind::Gif
        );
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42xxxx").unwrap().mime, "video/mp4");
        assert_eq!(sniff(b"WEBVTT\n\n").unwrap().kind, MediaKind::Subtitles);
        assert!(sniff(b"hello").is_none());
        assert!(sniff(b"").is_none());
    }
}
