//! The draft model: what the composer edits, saves and publishes.
//!
//! Contract: a [`Draft`] has at least one [`Part`] (more = a thread, posted as a reply chain);
//! every type here is plain data (serde, `Clone`, `PartialEq`) that the app sends to and from
//! its UI unchanged. Publish state inside it (`Part::posted_id`, `Part::status`,
//! `Attachment::media_id` …) is written by [`crate::Publisher`] through the [`crate::Store`]
//! and overlaid on every [`crate::Store::draft`]; values the app sends back for it are ignored.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};
use x_client::{MediaKind, ReplySettings};

/// An optional field of a stored draft whose value this build does not know (a newer build's)
/// reads as absent instead of making the draft unreadable.
fn known_or_none<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Read<T> {
        Known(T),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Read<T>>::deserialize(de)? {
        Some(Read::Known(v)) => Some(v),
        Some(Read::Other(_)) | None => None,
    })
}

/// A post or thread being composed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Draft {
    /// Stable id (UUID-like), kept across saves and restarts.
    pub id: String,
    /// The account (profile name) it will be posted from, when chosen.
    pub account: Option<String>,
    /// The parts: one for a single post, more for a thread (never empty when stored).
    pub parts: Vec<Part>,
    /// Post id the first part replies to (see [`parse_post_ref`] for URLs).
    pub reply_to: Option<String>,
    /// Who may reply (all parts); everyone when absent. A stored value this build does not
    /// know reads as absent.
    #[serde(default, deserialize_with = "known_or_none")]
    pub reply_settings: Option<ReplySettings>,
    /// A poll on the first part (not allowed with media).
    pub poll: Option<PollDraft>,
}

impl Draft {
    /// An empty draft with a fresh id and one empty part.
    pub fn new() -> Draft {
        Draft {
            id: new_id(),
            account: None,
            parts: vec![Part::default()],
            reply_to: None,
            reply_settings: None,
            poll: None,
        }
    }

    /// Index of the first part not yet posted (`parts.len()` when all are).
    pub fn first_unposted(&self) -> usize {
        self.parts
            .iter()
            .position(|p| p.status != PartStatus::Posted)
            .unwrap_or(self.parts.len())
    }

    /// Whether any part has been posted or armed (the thread is then partly published).
    pub fn started(&self) -> bool {
        self.parts.iter().any(|p| p.status != PartStatus::Draft)
    }
}

impl Default for Draft {
    fn default() -> Self {
        Draft::new()
    }
}

/// Publish state of one part.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum PartStatus {
    /// Not sent yet (editable).
    #[default]
    Draft,
    /// Sent, or about to be, with its outcome not yet recorded (docs/protocol.md §6.5). The next
    /// publish settles it by reading the account's posts, never by sending it again.
    /// Read-only.
    Armed,
    /// Sent, but X's answer was lost and reading the account's posts did not find it: it
    /// "may have posted". Nothing is sent until the person says "It's on X" or "Post it
    /// again" ([`crate::Store::resolve_armed`]). Read-only.
    MayHavePosted,
    /// Posted. `posted_id` is `None` only when the person marked it "It's on X" without its
    /// link. Read-only.
    Posted,
}

/// One post of a draft.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Part {
    /// The text (may be empty when there is media).
    pub text: String,
    /// Attached media: 1–4 images, or 1 GIF, or 1 video.
    pub media: Vec<Attachment>,
    /// The post's id once posted.
    pub posted_id: Option<String>,
    /// Publish state (written by the publisher only).
    #[serde(default)]
    pub status: PartStatus,
}

/// A media file attached to a part (made by [`crate::attach`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Attachment {
    /// The file on disk (read again at upload time).
    pub path: PathBuf,
    /// `image`, `gif` or `video`.
    pub kind: String,
    /// Sniffed MIME type.
    pub mime: String,
    /// Size in bytes when attached.
    pub size: u64,
    /// Width in pixels (images and GIFs; videos: as displayed, from the video track's header).
    pub width: Option<u32>,
    /// Height in pixels (as `width`).
    pub height: Option<u32>,
    /// A video's duration in milliseconds, when its file says (absent in older drafts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Alt text (images and GIFs, ≤ 1000 characters).
    pub alt: Option<String>,
    /// X's media id once uploaded (written by the publisher).
    pub media_id: Option<String>,
    /// When it was uploaded (Unix seconds; written by the publisher).
    pub uploaded_at: Option<u64>,
    /// Route that carried it, `v1` or `v2` (written by the publisher).
    pub route: Option<String>,
    /// Set when `path` is a copy fitted to X's limits ([`crate::attach_fitting`]): the original
    /// and both sizes. Absent in drafts stored before fitting existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<FitNote>,
    /// The person chose their original over a fitted copy ([`crate::keep_original`]): it is
    /// attached unchecked, and X's limit refuses it when it is posted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kept_original: bool,
    /// A subtitle file for a video ([`crate::attach_subtitles`]), uploaded and associated with
    /// the video after its upload, before the post. Absent in drafts stored before subtitles
    /// existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitles: Option<Subtitles>,
}

/// A subtitle file (`.srt` or `.vtt`) carried by a video attachment (docs/protocol.md §8.1).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Subtitles {
    /// The file on disk (read again at upload time).
    pub path: PathBuf,
    /// BCP-47 language code (`en`, `pt-BR` …).
    pub language: String,
    /// The name X's player shows for the track (`English` …).
    pub display_name: String,
}

/// How an attachment was fitted to X's limits: the original file (never changed) it was made
/// from, its size and the copy's, and the JPEG quality chosen (`None` for PNG).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct FitNote {
    /// The person's file.
    pub original: PathBuf,
    /// The original's bytes and dimensions.
    pub before: crate::fit::FitSize,
    /// The copy's.
    pub after: crate::fit::FitSize,
    /// JPEG quality of the copy.
    pub quality: Option<u8>,
}

impl Attachment {
    /// [`Attachment::kind`] as the client's [`MediaKind`] (`gif`, `video`, else an image).
    pub fn media_kind(&self) -> MediaKind {
        match self.kind.as_str() {
            "gif" => MediaKind::Gif,
            "video" => MediaKind::Video,
            _ => MediaKind::Image,
        }
    }
}

/// A poll being composed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PollDraft {
    /// 2–4 options of 1–25 characters.
    pub options: Vec<String>,
    /// 5–10080 minutes.
    pub duration_minutes: u32,
}

/// A post id from an id or a post URL: `123`, `https://x.com/u/status/123`,
/// `twitter.com/u/status/123?s=20`, `https://x.com/i/web/status/123`, `…/statuses/123`.
/// `None` when no 1–19 digit id is found.
pub fn parse_post_ref(input: &str) -> Option<String> {
    let s = input.trim();
    let is_id = |t: &str| !t.is_empty() && t.len() <= 19 && t.bytes().all(|b| b.is_ascii_digit());
    if is_id(s) {
        return Some(s.to_owned());
    }
    let without_scheme = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let (host, path) = without_scheme.split_once('/')?;
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_prefix("mobile.").unwrap_or(host);
    if !matches!(host, "x.com" | "twitter.com") {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    segments
        .windows(2)
        .find(|w| matches!(w[0], "status" | "statuses") && is_id(w[1]))
        .map(|w| w[1].to_owned())
}

/// A fresh random id in UUID v4 form (from the OS-seeded hasher; no extra dependency).
pub fn new_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let word = || {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.finish()
    };
    let (a, b) = (word(), word());
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn reply_settings_are_typed_and_an_unknown_one_reads_as_absent() {
        let mut d = Draft::new();
        d.reply_settings = Some(ReplySettings::MentionedUsers);
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            json.contains(r#""reply_settings":"mentionedUsers""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Draft>(&json).unwrap(), d);
        let unknown = json.replace("mentionedUsers", "everyone");
        let read: Draft = serde_json::from_str(&unknown).unwrap();
        assert_eq!(read.reply_settings, None);
        let absent = json.replace(r#""reply_settings":"mentionedUsers","#, "");
        assert_eq!(
            serde_json::from_str::<Draft>(&absent)
                .unwrap()
                .reply_settings,
            None
        );
    }

    #[test]
    fn post_refs() {
        assert_eq!(parse_post_ref(" 123 ").as_deref(), Some("123"));
        assert_eq!(
            parse_post_ref("https://x.com/jack/status/20?s=20").as_deref(),
            Some("20")
        );
        assert_eq!(
            parse_post_ref("twitter.com/jack/status/20/photo/1").as_deref(),
            Some("20")
        );
        assert_eq!(
            parse_post_ref("https://mobile.twitter.com/i/web/status/1456012973835788293")
                .as_deref(),
            Some("1456012973835788293")
        );
        assert_eq!(
            parse_post_ref("https://www.x.com/u/statuses/7#x").as_deref(),
            Some("7")
        );
        assert_eq!(parse_post_ref("https://example.com/u/status/1"), None);
        assert_eq!(parse_post_ref("https://x.com/u"), None);
        assert_eq!(parse_post_ref("12345678901234567890"), None);
        assert_eq!(parse_post_ref(""), None);
    }

    #[test]
    fn ids_are_uuid_like_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        let d = Draft::new();
        assert_eq!(d.parts.len(), 1);
        assert_eq!(d.first_unposted(), 0);
        assert!(!d.started());
    }
}
