//! The v1.1 (`/1.1/media/upload.json`, `/1.1/media/metadata/create.json`, [`v1`]) and v2
//! (`/2/media/upload…`, `/2/media/metadata`, [`v2`]) media routes over the one state machine
//! of [`crate::media`], one function per command or route.
//!
//! Contract: multipart bodies are consumed as streams; of the `media` field only the byte
//! count, CRC-32 and the first [`media::HEAD_KEEP`] bytes are kept, so memory stays bounded whatever the
//! upload size; `media_data` (base64) is read up to the segment cap. v1.1 errors use the
//! B16 envelope, v2 errors the invalid-request problem (B13, docs/protocol.md §5.2); an
//! oversized v2 segment is 431. This module holds what both versions share: the multipart
//! reader, ownership and expiry lookup, size caps and the processing-time fault.

pub mod v1;
pub mod v2;

use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::http::Ctx;
use crate::media::{self, Media, Segment};
use crate::world::World;

/// Largest non-file multipart field.
const FIELD_MAX: usize = 64 * 1024;
/// Most multipart fields accepted.
const FIELDS_MAX: usize = 64;

/// A parsed multipart body.
#[derive(Debug, Default)]
pub struct Parts {
    /// Text fields.
    pub fields: Vec<(String, String)>,
    /// The file (`media` raw or `media_data` base64), counted.
    pub media: Option<Segment>,
}

impl Parts {
    fn get(&self, k: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    }
}

/// Why a multipart body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum MpError {
    /// Not valid multipart, truncated, non-UTF-8 text field, bad base64 …
    Malformed(String),
    /// The file field exceeded the cap.
    TooLarge,
}

/// A segment holding `bytes` (counted, head kept).
fn segment_of(bytes: &[u8]) -> Segment {
    let mut seg = Segment::default();
    seg.add(bytes);
    seg
}

/// Streams a multipart body: text fields are collected (bounded), the file is counted.
pub async fn read_multipart(
    mut mp: multer::Multipart<'static>,
    cap: u64,
    bandwidth: u64,
) -> Result<Parts, MpError> {
    let mut out = Parts::default();
    let started = Instant::now();
    let mut total: u64 = 0;
    let mut n = 0;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(MpError::Malformed(e.to_string())),
        };
        n += 1;
        if n > FIELDS_MAX {
            return Err(MpError::Malformed("too many fields".into()));
        }
        let name = field.name().unwrap_or("").to_string();
        if name == "media" {
            out.media = Some(read_file_field(field, cap, bandwidth, started, &mut total).await?);
        } else if name == "media_data" {
            out.media = Some(read_media_data(field, cap).await?);
        } else {
            let buf = read_field(field, FIELD_MAX, || {
                MpError::Malformed(format!("field {name} too large"))
            })
            .await?;
            let s = String::from_utf8(buf)
                .map_err(|_| MpError::Malformed(format!("field {name} is not UTF-8")))?;
            out.fields.push((name, s));
        }
    }
    Ok(out)
}

/// Counts the raw `media` field chunk by chunk (keeping its head), refusing it past `cap` and
/// pacing it to `bandwidth` bytes per second (`0` = unpaced) counted from `started` over the
/// `total` bytes of every file field so far.
async fn read_file_field(
    mut field: multer::Field<'static>,
    cap: u64,
    bandwidth: u64,
    started: Instant,
    total: &mut u64,
) -> Result<Segment, MpError> {
    let mut seg = Segment::default();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                seg.add(&chunk);
                *total += chunk.len() as u64;
                if seg.len > cap {
                    return Err(MpError::TooLarge);
                }
                if bandwidth > 0 {
                    let due = Duration::from_secs_f64(*total as f64 / bandwidth as f64);
                    let spent = started.elapsed();
                    if due > spent {
                        tokio::time::sleep(due - spent).await;
                    }
                }
            }
            Ok(None) => return Ok(seg),
            Err(e) => return Err(MpError::Malformed(e.to_string())),
        }
    }
}

/// Decodes the base64 `media_data` field (whitespace ignored), refusing more than `cap`
/// decoded bytes.
async fn read_media_data(field: multer::Field<'static>, cap: u64) -> Result<Segment, MpError> {
    let limit = usize::try_from(cap.saturating_mul(4) / 3 + 1024).unwrap_or(usize::MAX);
    let buf = read_field(field, limit, || MpError::TooLarge).await?;
    let cleaned: Vec<u8> = buf
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|_| MpError::Malformed("media_data is not valid base64".into()))?;
    if bytes.len() as u64 > cap {
        return Err(MpError::TooLarge);
    }
    Ok(segment_of(&bytes))
}

/// Buffers a field of at most `limit` bytes (else `too_large()`).
async fn read_field(
    mut field: multer::Field<'static>,
    limit: usize,
    too_large: impl Fn() -> MpError,
) -> Result<Vec<u8>, MpError> {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf),
            Err(e) => return Err(MpError::Malformed(e.to_string())),
        }
    }
}

/// `additional_owners` as sent: comma-separated account ids.
fn owners(s: Option<String>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// The processing time after FINALIZE: `base` scaled by the `processing_factor` fault.
fn processing_ms(ctx: &Ctx, base: u64) -> u64 {
    let f = ctx.faults.processing_factor;
    if f > 0.0 {
        (base as f64 * f) as u64
    } else {
        base
    }
}

/// The size cap error for a declared `total_bytes` of `media_type` in `category`.
fn total_cap_error(media_type: &str, category: Option<&str>, total: u64) -> Option<String> {
    let cap = if media_type.starts_with("video/")
        || matches!(category, Some("tweet_video" | "amplify_video" | "dm_video"))
    {
        media::VIDEO_MAX
    } else if media_type == "image/gif" && matches!(category, Some("tweet_gif" | "dm_gif")) {
        media::GIF_MAX
    } else if media_type.starts_with("text/") || category == Some("subtitles") {
        media::SUBTITLES_MAX
    } else {
        media::IMAGE_MAX
    };
    (total > cap).then(|| format!("File size exceeds {cap} bytes."))
}

/// The media object `id` if `account` owns it (or is an additional owner) and it has not
/// expired.
fn owned_media<'a>(w: &'a mut World, id: &str, account: &str, now: i64) -> Option<&'a mut Media> {
    w.media.get_mut(id).filter(|md| {
        (md.owner == account || md.additional_owners.iter().any(|o| o == account))
            && now < md.expires_ms
    })
}
