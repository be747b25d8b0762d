//! The media state machine shared by the v1.1 and v2 upload routes (docs/protocol.md §7–§9).
//!
//! Contract: a [`Media`] is created by INIT (or a one-shot upload), receives segments in any
//! order (a re-sent index overwrites the earlier one; only sizes and the first bytes of the
//! lowest segment are kept, never the content), and is finalized once: the segment sizes
//! must add up to `total_bytes`, the file type is sniffed from its magic bytes, size caps per
//! category are applied, and GIF/video categories then go `pending → in_progress →
//! succeeded | failed` as a pure function of the (virtual) clock. Errors come back as
//! [`MediaFail`] with an HTTP status and X's message; the route layer shapes them.

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::sniff::{mp4_duration_ms, sniff, MediaKind, Sniffed};

/// How many leading bytes of the first segment are kept for sniffing.
pub const HEAD_KEEP: usize = 64 * 1024;
/// Image size cap (5 MB).
pub const IMAGE_MAX: u64 = 5 * 1024 * 1024;
/// Chunked `tweet_gif` size cap (15 MB).
pub const GIF_MAX: u64 = 15 * 1024 * 1024;
/// Video size cap: 16 GiB, INIT's `total_bytes` maximum (X: 8 GB, 16 GB with Premium, §15).
pub const VIDEO_MAX: u64 = 16 * 1024 * 1024 * 1024;
/// Longest video processing accepts: 125 minutes, Premium's (§15).
pub const VIDEO_DURATION_MAX_MS: u64 = 125 * 60_000;
/// Subtitle file cap.
pub const SUBTITLES_MAX: u64 = 1024 * 1024;
/// Largest `total_bytes` the v2 INIT schema accepts.
pub const TOTAL_BYTES_MAX: u64 = 17_179_869_184;

/// Media categories accepted by INIT.
pub const CATEGORIES: &[&str] = &[
    "amplify_video",
    "tweet_gif",
    "tweet_image",
    "tweet_video",
    "dm_gif",
    "dm_image",
    "dm_video",
    "subtitles",
];

/// Normalises a v1.1 `media_category`: X's snake_case names, or the PascalCase forms
/// (`TweetImage`, `TweetVideo`, `DmGif`, `AmplifyVideo`, `Subtitles` …) that node
/// twitter-api-v2 has sent to production v1.1 for years. `None` if unknown.
pub fn normalize_v1_category(raw: &str) -> Option<String> {
    let mut out = String::new();
    for (i, c) in raw.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    CATEGORIES.contains(&out.as_str()).then_some(out)
}

/// Media types accepted by v2 INIT.
pub const MEDIA_TYPES: &[&str] = &[
    "video/mp4",
    "video/webm",
    "video/mp2t",
    "video/quicktime",
    "text/srt",
    "text/vtt",
    "image/jpeg",
    "image/gif",
    "image/bmp",
    "image/png",
    "image/webp",
    "image/pjpeg",
    "image/tiff",
    "model/gltf-binary",
    "model/vnd.usdz+zip",
];

/// A failure with X's status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFail {
    /// HTTP status.
    pub status: u16,
    /// X's message (`error` in v1.1 bodies).
    pub message: String,
}

impl MediaFail {
    /// A 400 with `message`.
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            message: message.into(),
        }
    }
}

/// Which API created a media object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UploadRoute {
    /// `/1.1/media/upload.json`
    #[serde(rename = "v1.1")]
    V1,
    /// `/2/media/upload…`
    #[serde(rename = "v2")]
    V2,
}

/// One received segment.
#[derive(Debug, Clone, Default)]
pub struct Segment {
    /// Bytes received.
    pub len: u64,
    /// Leading bytes (kept up to [`HEAD_KEEP`]).
    pub head: Vec<u8>,
    /// CRC-32 of its bytes (so the file X assembles can be checked against the original).
    pub crc: u32,
}

impl Segment {
    /// Counts `chunk` as the next bytes of this segment (head kept, CRC updated).
    pub fn add(&mut self, chunk: &[u8]) {
        if self.head.len() < HEAD_KEEP {
            let take = (HEAD_KEEP - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        let mut h = crc32fast::Hasher::new_with_initial(self.crc);
        h.update(chunk);
        self.crc = h.finalize();
        self.len += chunk.len() as u64;
    }
}

/// CRC-32 (IEEE) of `bytes`: what [`MediaInfo::crc32`] is for a file received whole.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Processing plan fixed at FINALIZE.
#[derive(Debug, Clone, PartialEq)]
pub struct Processing {
    /// Total processing time in ms.
    pub duration_ms: u64,
    /// `Some(message)` = processing ends in `failed` with `InvalidMedia`.
    pub fail: Option<String>,
}

/// A media object's phase.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// INIT done, segments arriving.
    Uploading,
    /// FINALIZE (or one-shot) done.
    Finalized {
        /// Time of FINALIZE (ms since the epoch, virtual clock).
        at_ms: i64,
        /// Total size.
        size: u64,
        /// Sniffed type.
        sniffed: Sniffed,
        /// `None` = ready at once (no `processing_info`).
        processing: Option<Processing>,
    },
}

/// A media object.
#[derive(Debug, Clone)]
pub struct Media {
    /// Numeric id string.
    pub id: String,
    /// `media_key` (category prefix + id).
    pub key: String,
    /// Owning account id.
    pub owner: String,
    /// Other accounts allowed to post it.
    pub additional_owners: Vec<String>,
    /// `media_category` if sent.
    pub category: Option<String>,
    /// `media_type` if sent.
    pub media_type: Option<String>,
    /// Declared `total_bytes` (chunked only).
    pub total_bytes: Option<u64>,
    /// Segments by index.
    pub segments: BTreeMap<u32, Segment>,
    /// Route that created it.
    pub route: UploadRoute,
    /// Creation time (ms, virtual clock).
    pub created_ms: i64,
    /// Expiry time (ms, virtual clock).
    pub expires_ms: i64,
    /// Phase.
    pub phase: Phase,
    /// Alt text, if set.
    pub alt_text: Option<String>,
    /// Subtitle tracks associated by `POST /2/media/subtitles` (videos only), one per
    /// language code.
    pub subtitles: Vec<SubtitleTrack>,
    /// A video's duration from its `moov/mvhd` (when in the first segment's head), read at
    /// FINALIZE.
    pub duration_ms: Option<u64>,
}

/// A subtitle track associated with a video (`POST /2/media/subtitles`, docs/protocol.md §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubtitleTrack {
    /// The subtitle media object's id.
    pub media_id: String,
    /// BCP-47 language code as sent (X echoes it upper-cased, e.g. `EN`).
    pub language_code: String,
    /// Name shown in the player's subtitle menu.
    pub display_name: String,
}

/// Processing state at a point in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcState {
    /// No processing (ready).
    Ready,
    /// `pending`
    Pending,
    /// `in_progress` with percent.
    InProgress(u8),
    /// `succeeded`
    Succeeded,
    /// `failed` with message.
    Failed(String),
}

/// The media_key prefix for a category.
pub fn key_prefix(category: Option<&str>) -> &'static str {
    match category {
        Some("tweet_video" | "amplify_video" | "dm_video") => "7",
        Some("tweet_gif" | "dm_gif") => "16",
        Some("subtitles") => "13",
        _ => "3",
    }
}

impl Media {
    /// A new object in the uploading phase.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: String,
        owner: String,
        category: Option<String>,
        media_type: Option<String>,
        total_bytes: Option<u64>,
        route: UploadRoute,
        now_ms: i64,
        expires_secs: u64,
    ) -> Self {
        let key = format!("{}_{}", key_prefix(category.as_deref()), id);
        Self {
            id,
            key,
            owner,
            additional_owners: Vec::new(),
            category,
            media_type,
            total_bytes,
            segments: BTreeMap::new(),
            route,
            created_ms: now_ms,
            expires_ms: now_ms.saturating_add(secs_to_ms(expires_secs)),
            phase: Phase::Uploading,
            alt_text: None,
            subtitles: Vec::new(),
            duration_ms: None,
        }
    }

    /// Stores (or overwrites) a segment.
    pub fn put_segment(&mut self, index: u32, seg: Segment) -> Result<(), MediaFail> {
        if self.phase != Phase::Uploading {
            return Err(MediaFail::bad("Media id is already finalized."));
        }
        let received: u64 = self
            .segments
            .iter()
            .filter(|(i, _)| **i != index)
            .map(|(_, s)| s.len)
            .sum();
        let cap = self.total_bytes.unwrap_or(u64::MAX);
        if received.saturating_add(seg.len) > cap {
            return Err(MediaFail::bad("Segments exceed the declared total_bytes."));
        }
        // Only the lowest segment's leading bytes are ever sniffed: keep one head at most.
        let mut seg = seg;
        match self.segments.keys().next() {
            Some(lowest) if *lowest < index => seg.head = Vec::new(),
            _ => {
                for s in self.segments.values_mut() {
                    s.head = Vec::new();
                }
            }
        }
        self.segments.insert(index, seg);
        Ok(())
    }

    /// Finalizes: checks completeness, sniffs, applies caps, plans processing.
    pub fn finalize(
        &mut self,
        now_ms: i64,
        first_index: u32,
        processing_ms: u64,
        force_invalid: bool,
        expires_secs: u64,
    ) -> Result<(), MediaFail> {
        if self.phase != Phase::Uploading {
            return Err(MediaFail::bad("Media id is already finalized."));
        }
        let size: u64 = self.segments.values().map(|s| s.len).sum();
        let contiguous = self
            .segments
            .keys()
            .enumerate()
            .all(|(n, idx)| u64::from(*idx) == u64::from(first_index) + n as u64);
        if self.segments.is_empty() || !contiguous || Some(size) != self.total_bytes.or(Some(size))
        {
            return Err(MediaFail::bad(
                "Segments do not add up to provided total file size.",
            ));
        }
        let head = self
            .segments
            .values()
            .next()
            .map(|s| s.head.clone())
            .unwrap_or_default();
        let sniffed = sniff(&head);
        let category = self.category.clone();
        let cat = category.as_deref();
        let wants_video = matches!(cat, Some("tweet_video" | "amplify_video" | "dm_video"))
            || self
                .media_type
                .as_deref()
                .is_some_and(|t| t.starts_with("video/"));
        let (sniffed, fail) = match sniffed {
            Some(s) => (s, None),
            None if wants_video => (
                Sniffed {
                    mime: "video/mp4",
                    kind: MediaKind::Video,
                    w: 0,
                    h: 0,
                },
                Some("Unsupported video format".to_string()),
            ),
            None => return Err(MediaFail::bad("media type unrecognized.")),
        };
        let cap = match (sniffed.kind, cat) {
            (MediaKind::Video, _) => VIDEO_MAX,
            (MediaKind::Gif, Some("tweet_gif" | "dm_gif")) => GIF_MAX,
            (MediaKind::Subtitles, _) => SUBTITLES_MAX,
            _ => IMAGE_MAX,
        };
        if size > cap {
            return Err(MediaFail::bad(format!("File size exceeds {cap} bytes.")));
        }
        let mut fail = fail;
        if wants_video && sniffed.kind != MediaKind::Video && fail.is_none() {
            fail = Some("Unsupported video format".to_string());
        }
        if sniffed.kind == MediaKind::Gif
            && (sniffed.w > 1280 || sniffed.h > 1080)
            && fail.is_none()
        {
            fail = Some("file is invalid".to_string());
        }
        if sniffed.kind == MediaKind::Video {
            self.duration_ms = mp4_duration_ms(&head);
        }
        if sniffed.kind == MediaKind::Video && fail.is_none() {
            if let Some(ms) = mp4_duration_ms(&head) {
                // §15: 20 minutes by default, 125 with Premium, the account's cap checked at
                // POST /2/tweets (a 403 naming it). Processing refuses only what no account
                // may post (the older 140 s rule is gone).
                if ms > VIDEO_DURATION_MAX_MS {
                    fail = Some(format!(
                        "Invalid or Unsupported media, Reason: Duration too long, maximum:{VIDEO_DURATION_MAX_MS}, actual:{ms}"
                    ));
                } else if ms < 500 {
                    fail = Some(format!(
                        "Invalid or Unsupported media, Reason: Duration too short, minimum:500, actual:{ms}"
                    ));
                }
            }
        }
        if force_invalid {
            fail = Some("file is invalid".to_string());
        }
        let async_category = matches!(
            cat,
            Some("tweet_video" | "amplify_video" | "dm_video" | "tweet_gif" | "dm_gif")
        );
        let processing = if async_category || fail.is_some() {
            Some(Processing {
                duration_ms: processing_ms,
                fail,
            })
        } else {
            None
        };
        for s in self.segments.values_mut() {
            s.head = Vec::new();
        }
        self.phase = Phase::Finalized {
            at_ms: now_ms,
            size,
            sniffed,
            processing,
        };
        self.expires_ms = now_ms.saturating_add(secs_to_ms(expires_secs));
        Ok(())
    }

    /// The processing state at `now_ms`.
    pub fn proc_state(&self, now_ms: i64) -> ProcState {
        match &self.phase {
            Phase::Uploading => ProcState::Pending,
            Phase::Finalized {
                processing: None, ..
            } => ProcState::Ready,
            Phase::Finalized {
                at_ms,
                processing: Some(p),
                ..
            } => {
                let elapsed = now_ms.saturating_sub(*at_ms).max(0) as u64;
                let pending_ms = p.duration_ms / 5;
                if elapsed >= p.duration_ms {
                    match &p.fail {
                        Some(m) => ProcState::Failed(m.clone()),
                        None => ProcState::Succeeded,
                    }
                } else if elapsed < pending_ms {
                    ProcState::Pending
                } else {
                    let pct = (elapsed.saturating_mul(100) / p.duration_ms.max(1)).min(99);
                    ProcState::InProgress(pct as u8)
                }
            }
        }
    }

    /// Whether the media can be attached to a post by `account` at `now_ms`.
    pub fn usable_by(&self, account: &str, now_ms: i64) -> bool {
        let owner_ok = self.owner == account || self.additional_owners.iter().any(|o| o == account);
        owner_ok
            && now_ms < self.expires_ms
            && matches!(
                self.proc_state(now_ms),
                ProcState::Ready | ProcState::Succeeded
            )
            && self.kind().is_some_and(|k| k != MediaKind::Subtitles)
    }

    /// The kind once finalized.
    pub fn kind(&self) -> Option<MediaKind> {
        match &self.phase {
            Phase::Finalized { sniffed, .. } => {
                // A GIF only posts as a GIF when uploaded as tweet_gif; otherwise it is an image.
                if sniffed.kind == MediaKind::Gif
                    && !matches!(self.category.as_deref(), Some("tweet_gif" | "dm_gif"))
                {
                    Some(MediaKind::Image)
                } else {
                    Some(sniffed.kind)
                }
            }
            Phase::Uploading => None,
        }
    }

    /// Seconds until expiry at `now_ms` (never negative).
    pub fn expires_after_secs(&self, now_ms: i64) -> u64 {
        (self.expires_ms.saturating_sub(now_ms).max(0) / 1000) as u64
    }

    /// The `processing_info` JSON at `now_ms` (None when ready without processing).
    pub fn processing_info(&self, now_ms: i64, check_after_secs: u64) -> Option<serde_json::Value> {
        use serde_json::json;
        match self.proc_state(now_ms) {
            ProcState::Ready => None,
            ProcState::Pending => {
                Some(json!({"state":"pending","check_after_secs":check_after_secs}))
            }
            ProcState::InProgress(p) => Some(
                json!({"state":"in_progress","check_after_secs":check_after_secs,"progress_percent":p}),
            ),
            ProcState::Succeeded => Some(json!({"state":"succeeded","progress_percent":100})),
            ProcState::Failed(m) => Some(
                json!({"state":"failed","progress_percent":12,"error":{"code":1,"name":"InvalidMedia","message":m}}),
            ),
        }
    }

    /// The type-specific object (`image` or `video`) for replies, with its key.
    pub fn type_object(&self) -> Option<(&'static str, serde_json::Value)> {
        use serde_json::json;
        match &self.phase {
            Phase::Finalized { sniffed, .. } => match sniffed.kind {
                MediaKind::Image | MediaKind::Gif if self.kind() == Some(MediaKind::Image) => {
                    Some((
                        "image",
                        json!({"image_type": sniffed.mime, "w": sniffed.w, "h": sniffed.h}),
                    ))
                }
                MediaKind::Gif | MediaKind::Video => Some((
                    "video",
                    json!({"video_type": if sniffed.kind == MediaKind::Gif { "image/gif" } else { sniffed.mime }}),
                )),
                _ => None,
            },
            Phase::Uploading => None,
        }
    }

    /// Public snapshot.
    pub fn info(&self, now_ms: i64) -> MediaInfo {
        let (state, size) = match &self.phase {
            Phase::Uploading => (
                "uploading".to_string(),
                self.segments.values().map(|s| s.len).sum(),
            ),
            Phase::Finalized { size, .. } => (
                match self.proc_state(now_ms) {
                    ProcState::Ready => "ready".to_string(),
                    ProcState::Pending => "pending".to_string(),
                    ProcState::InProgress(_) => "in_progress".to_string(),
                    ProcState::Succeeded => "succeeded".to_string(),
                    ProcState::Failed(_) => "failed".to_string(),
                },
                *size,
            ),
        };
        MediaInfo {
            id: self.id.clone(),
            media_key: self.key.clone(),
            owner_id: self.owner.clone(),
            route: self.route,
            category: self.category.clone(),
            media_type: self.media_type.clone(),
            total_bytes: self.total_bytes,
            received_bytes: self.segments.values().map(|s| s.len).sum::<u64>().max(size),
            segments: self.segments.len(),
            crc32: {
                // The segments in index order, as X assembles them.
                let mut h = crc32fast::Hasher::new();
                for seg in self.segments.values() {
                    h.combine(&crc32fast::Hasher::new_with_initial_len(seg.crc, seg.len));
                }
                h.finalize()
            },
            kind: self.kind(),
            state,
            alt_text: self.alt_text.clone(),
            subtitles: self.subtitles.clone(),
            expired: now_ms >= self.expires_ms,
        }
    }
}

/// Public view of a media object (`GET /_sim/media`, [`crate::SimHandle::media`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaInfo {
    /// Media id.
    pub id: String,
    /// Media key.
    pub media_key: String,
    /// Owning account id.
    pub owner_id: String,
    /// Route that created it.
    pub route: UploadRoute,
    /// `media_category`.
    pub category: Option<String>,
    /// Declared `media_type`.
    pub media_type: Option<String>,
    /// Declared `total_bytes`.
    pub total_bytes: Option<u64>,
    /// Bytes received.
    pub received_bytes: u64,
    /// Number of segments.
    pub segments: usize,
    /// CRC-32 of the bytes received, segments in index order ([`crc32`] of the original file
    /// when it arrived intact).
    pub crc32: u32,
    /// Kind after FINALIZE.
    pub kind: Option<MediaKind>,
    /// `uploading`, `ready`, `pending`, `in_progress`, `succeeded` or `failed`.
    pub state: String,
    /// Alt text.
    pub alt_text: Option<String>,
    /// Subtitle tracks associated with this video.
    pub subtitles: Vec<SubtitleTrack>,
    /// Past its expiry.
    pub expired: bool,
}

/// Seconds to milliseconds, saturating.
pub fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn mp4_with_duration(secs: u32) -> Vec<u8> {
        let mut v = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
        let mut mvhd = vec![0u8; 4 + 4 + 4]; // version/flags, creation, modification
        mvhd.extend(1000u32.to_be_bytes()); // timescale
        mvhd.extend((secs * 1000).to_be_bytes()); // duration
        mvhd.extend([0u8; 80]);
        let mvhd_box = [
            ((mvhd.len() + 8) as u32).to_be_bytes().to_vec(),
            b"mvhd".to_vec(),
            mvhd,
        ]
        .concat();
        let moov = [
            ((mvhd_box.len() + 8) as u32).to_be_bytes().to_vec(),
            b"moov".to_vec(),
            mvhd_box,
        ]
        .concat();
        v.extend(moov);
        v
    }

    #[test]
    fn mp4_duration_probe() {
        assert_eq!(mp4_duration_ms(&mp4_with_duration(30)), Some(30_000));
        assert_eq!(mp4_duration_ms(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom"), None);
        assert_eq!(mp4_duration_ms(&[0, 0, 0, 1, b'm', b'o', b'o', b'v']), None);
        assert_eq!(mp4_duration_ms(&[]), None);
        // Over 125 minutes: no account may post it.
        let m = processed(126 * 60);
        assert!(
            matches!(m.proc_state(10), ProcState::Failed(msg) if msg.contains("Duration too long, maximum:7500000"))
        );
        // 200 s was over the older 140 s rule; since 2026 (§15) it processes, and the
        // account's cap is X's word at POST time.
        let m = processed(200);
        assert!(
            !matches!(m.proc_state(10_000), ProcState::Failed(_)),
            "{:?}",
            m.proc_state(10_000)
        );
    }

    /// A `tweet_video` of `secs` seconds, uploaded in one segment and finalized.
    fn processed(secs: u32) -> Media {
        let mut m = Media::new(
            "1".into(),
            "a".into(),
            Some("tweet_video".into()),
            Some("video/mp4".into()),
            None,
            UploadRoute::V2,
            0,
            100,
        );
        let mp4 = mp4_with_duration(secs);
        m.put_segment(
            0,
            Segment {
                len: mp4.len() as u64,
                head: mp4,
                crc: 0,
            },
        )
        .unwrap();
        m.finalize(0, 0, 10, false, 100).unwrap();
        m
    }

    #[test]
    fn v1_categories() {
        assert_eq!(
            normalize_v1_category("tweet_image").as_deref(),
            Some("tweet_image")
        );
        assert_eq!(
            normalize_v1_category("TweetVideo").as_deref(),
            Some("tweet_video")
        );
        assert_eq!(
            normalize_v1_category("AmplifyVideo").as_deref(),
            Some("amplify_video")
        );
        assert_eq!(
            normalize_v1_category("Subtitles").as_deref(),
            Some("subtitles")
        );
        assert_eq!(normalize_v1_category("tweetimage"), None);
        assert_eq!(normalize_v1_category(""), None);
    }

    #[test]
    fn segments_any_order_and_total_checked() {
        let mut m = Media::new(
            "1".into(),
            "a".into(),
            Some("tweet_video".into()),
            Some("video/mp4".into()),
            Some(30),
            UploadRoute::V2,
            0,
            100,
        );
        let head = b"\0\0\0\x18ftypmp42xxxx".to_vec();
        m.put_segment(
            2,
            Segment {
                len: 10,
                head: vec![],
                crc: 0,
            },
        )
        .unwrap();
        m.put_segment(
            0,
            Segment {
                len: 10,
                head: head.clone(),
                crc: 0,
            },
        )
        .unwrap();
        assert!(m.finalize(0, 0, 1000, false, 100).is_err());
        m.put_segment(
            1,
            Segment {
                len: 5,
                head: vec![],
                crc: 0,
            },
        )
        .unwrap();
        m.put_segment(
            1,
            Segment {
                len: 10,
                head: vec![],
                crc: 0,
            },
        )
        .unwrap(); // overwrite
        m.finalize(0, 0, 1000, false, 100).unwrap();
        assert_eq!(m.proc_state(0), ProcState::Pending);
        assert_eq!(m.proc_state(500), ProcState::InProgress(50));
        assert_eq!(m.proc_state(1000), ProcState::Succeeded);
        assert!(m.usable_by("a", 1000));
        assert!(!m.usable_by("b", 1000));
        assert!(!m.usable_by("a", 999));
    }
}
