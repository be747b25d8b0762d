//! Checks of a draft before it is posted.
//!
//! Contract: [`validate`] never touches the network or the disk; it returns every problem it
//! finds, each tied to a part. A [`Problem`] with `blocking: false` is a warning (the app shows
//! it and still lets the user post): text above 280 weighted characters on an account without
//! Premium (X decides), alt text above 420 characters, a video longer than the account may
//! post ([`validate_with`]: the limit X told this account, else 20 minutes, 125 with Premium;
//! docs/protocol.md §15 — never blocking, X decides). Blocking problems: an empty part (no text
//! and no media), text above 25,000 weighted characters, alt text above 1000 characters or on a
//! video, a poll with media, a poll outside 2–4 options of 1–25 characters or 5–10080 minutes,
//! a malformed reply target, media that break the per-post mix, an original kept over its
//! fitted copy (X refuses it as it is), and subtitles on something other than a video or with
//! a malformed language code or display name.

use serde::{Deserialize, Serialize};
use x_client::media::{MAX_ALT_TEXT, MAX_IMAGES, WARN_ALT_TEXT};
use x_client::text::{weighted_length, MAX_PREMIUM, MAX_WEIGHTED};

use crate::draft::{parse_post_ref, Draft};

/// One thing wrong with a draft.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The part (0-based) it concerns.
    pub part: usize,
    /// What is wrong, naming the limit.
    pub message: String,
    /// `false` for a warning that does not stop posting.
    pub blocking: bool,
}

impl Problem {
    fn block(part: usize, message: String) -> Problem {
        Problem {
            part,
            message,
            blocking: true,
        }
    }

    fn warn(part: usize, message: String) -> Problem {
        Problem {
            part,
            message,
            blocking: false,
        }
    }
}

/// Every problem of `draft` (see the module docs); `premium` hides the 280 warning and
/// raises the video length limit to 125 minutes.
pub fn validate(draft: &Draft, premium: bool) -> Vec<Problem> {
    validate_with(draft, premium, VideoLimit::Documented { premium })
}

/// The longest video the account may post, as far as Postbridge knows (docs/protocol.md §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoLimit {
    /// X's documented limit: 20 minutes, or 125 with Premium.
    Documented {
        /// Whether the account is known to have Premium.
        premium: bool,
    },
    /// The minutes X named in its 403 for this account ("not allowed to post a video longer
    /// than N minutes"), remembered on its profile.
    ToldByX(u32),
}

impl VideoLimit {
    /// The limit in minutes.
    pub fn minutes(self) -> u32 {
        match self {
            VideoLimit::Documented { premium: true } => x_client::media::PREMIUM_VIDEO_MINUTES,
            VideoLimit::Documented { premium: false } => x_client::media::DEFAULT_VIDEO_MINUTES,
            VideoLimit::ToldByX(n) => n,
        }
    }

    /// Where the limit comes from, completing "… long; ".
    fn says(self) -> String {
        match self {
            VideoLimit::Documented { premium: true } => format!(
                "X takes videos up to {} minutes with Premium",
                self.minutes()
            ),
            VideoLimit::Documented { premium: false } => format!(
                "X takes videos up to {} minutes ({} with Premium)",
                self.minutes(),
                x_client::media::PREMIUM_VIDEO_MINUTES
            ),
            VideoLimit::ToldByX(n) => {
                format!("X told this account it may post videos up to {n} minutes")
            }
        }
    }
}

/// `m:ss` (or `h:mm:ss`) of a duration in milliseconds, as X's player shows it.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// [`validate`] with the account's video length limit (`premium` still decides the 280
/// warning).
pub fn validate_with(draft: &Draft, premium: bool, video: VideoLimit) -> Vec<Problem> {
    let video_minutes = video.minutes();
    let mut out = Vec::new();
    if draft.parts.is_empty() {
        out.push(Problem::block(0, "the draft has no parts".into()));
    }
    for (i, p) in draft.parts.iter().enumerate() {
        let n = weighted_length(&p.text);
        if let Some(problem) = x_client::text::control_problem(&p.text, "text") {
            out.push(Problem::block(i, problem));
        }
        if p.text.trim().is_empty() && p.media.is_empty() {
            out.push(Problem::block(
                i,
                "this part is empty: add text or media".into(),
            ));
        }
        if n > MAX_PREMIUM {
            out.push(Problem::block(
                i,
                format!("text is {n} characters (weighted); the limit is {MAX_PREMIUM}"),
            ));
        } else if n > MAX_WEIGHTED && !premium {
            out.push(Problem::warn(
                i,
                format!("text is {n} characters (weighted); above {MAX_WEIGHTED} needs X Premium"),
            ));
        }
        let images = p.media.iter().filter(|a| a.kind == "image").count();
        if images > MAX_IMAGES {
            out.push(Problem::block(
                i,
                format!("{images} images; the limit is {MAX_IMAGES} images per post"),
            ));
        }
        if images < p.media.len() && p.media.len() > 1 {
            out.push(Problem::block(
                i,
                "the limit is 1 GIF or 1 video per post, not mixed with other media".into(),
            ));
        }
        for a in &p.media {
            if let Some(ms) = a.duration_ms.filter(|_| a.kind == "video") {
                if ms > u64::from(video_minutes) * 60_000 {
                    let name = x_client::media::shown_name(&a.path);
                    out.push(Problem::warn(
                        i,
                        format!(
                            "{name} is {} long; {}, so X will probably refuse it",
                            clock(ms),
                            video.says()
                        ),
                    ));
                }
            }
            if let Some(sub) = &a.subtitles {
                let name = x_client::media::shown_name(&sub.path);
                if a.kind != "video" {
                    out.push(Problem::block(
                        i,
                        format!("{name}: subtitles go with a video only; remove them"),
                    ));
                }
                if !x_client::subtitles::valid_language_code(&sub.language) {
                    out.push(Problem::block(
                        i,
                        format!(
                            "{name}: “{}” is not a language code; use one such as en, es or pt-BR",
                            sub.language
                        ),
                    ));
                }
                let n = sub.display_name.trim().chars().count();
                if !(1..=64).contains(&n) {
                    out.push(Problem::block(
                        i,
                        format!("{name}: the subtitle name must be 1 to 64 characters"),
                    ));
                }
            }
            if a.kept_original {
                // Kept over its fitted copy: X refuses it as it is, so nothing of the draft is
                // sent until it is removed (or fitted again).
                let name = a
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push(Problem::block(
                    i,
                    format!("{name} is over X's limits as it is: remove it and add it again to have it fitted"),
                ));
            }
            let Some(alt) = a.alt.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let name = a
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let chars = alt.chars().count();
            if let Some(problem) = x_client::text::control_problem(alt, "alt text") {
                out.push(Problem::block(i, format!("{name}: {problem}")));
            }
            if a.kind == "video" {
                out.push(Problem::block(
                    i,
                    format!("{name}: alt text applies to images and GIFs only, not to video"),
                ));
            } else if chars > MAX_ALT_TEXT {
                out.push(Problem::block(
                    i,
                    format!("{name}: alt text is {chars} characters; the limit is {MAX_ALT_TEXT}"),
                ));
            } else if chars > WARN_ALT_TEXT {
                out.push(Problem::warn(
                    i,
                    format!(
                        "{name}: alt text is {chars} characters; some X documentation gives a limit of {WARN_ALT_TEXT}"
                    ),
                ));
            }
        }
    }
    if let Some(poll) = &draft.poll {
        if draft.parts.first().is_some_and(|p| !p.media.is_empty()) {
            out.push(Problem::block(
                0,
                "a poll cannot be posted with media: remove the media or the poll".into(),
            ));
        }
        let k = poll.options.len();
        if !(2..=4).contains(&k) {
            out.push(Problem::block(
                0,
                format!("the poll has {k} options; it needs 2–4"),
            ));
        }
        for (j, o) in poll.options.iter().enumerate() {
            let c = o.trim().chars().count();
            if !(1..=25).contains(&c) {
                out.push(Problem::block(
                    0,
                    format!("poll option {} is {c} characters; options are 1–25", j + 1),
                ));
            }
        }
        if !(5..=10080).contains(&poll.duration_minutes) {
            out.push(Problem::block(
                0,
                format!(
                    "the poll lasts {} minutes; it must be 5–10080 (7 days)",
                    poll.duration_minutes
                ),
            ));
        }
    }
    if let Some(r) = &draft.reply_to {
        if parse_post_ref(r).is_none() {
            out.push(Problem::block(
                0,
                format!("{r:?} is not a post id or post link"),
            ));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::draft::{Attachment, Part, PollDraft};

    fn att(kind: &str, alt: Option<String>) -> Attachment {
        Attachment {
            path: "a.png".into(),
            kind: kind.into(),
            mime: "image/png".into(),
            size: 1,
            width: None,
            height: None,
            duration_ms: None,
            alt,
            media_id: None,
            uploaded_at: None,
            route: None,
            fitted: None,
            kept_original: false,
            subtitles: None,
        }
    }

    #[test]
    fn a_long_video_warns_with_the_accounts_limit_and_never_blocks() {
        let mut d = Draft::new();
        let mut v = att("video", None);
        v.path = "/home/me/talk.mp4".into();
        v.duration_ms = Some(21 * 60_000 + 30_000);
        d.parts[0].media = vec![v.clone()];
        let p = validate(&d, false);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(!p[0].blocking);
        assert_eq!(
            p[0].message,
            "talk.mp4 is 21:30 long; X takes videos up to 20 minutes (125 with Premium), so X will probably refuse it"
        );
        assert!(validate(&d, true).is_empty(), "Premium: 125 minutes");
        // The limit X gave the account wins over Premium's.
        v.duration_ms = Some(150_000);
        d.parts[0].media = vec![v];
        let p = validate_with(&d, true, VideoLimit::ToldByX(2));
        assert!(
            p[0].message
                .contains("2:30 long; X told this account it may post videos up to 2 minutes"),
            "{p:?}"
        );
        assert!(!p[0].blocking);
        assert!(validate_with(&d, false, VideoLimit::ToldByX(3)).is_empty());
        assert_eq!(clock(3_725_000), "1:02:05");
    }

    #[test]
    fn subtitles_only_on_a_video_with_a_language() {
        let sub = |lang: &str| {
            Some(crate::draft::Subtitles {
                path: "/home/me/captions.vtt".into(),
                language: lang.into(),
                display_name: "English".into(),
            })
        };
        let mut d = Draft::new();
        let mut v = att("video", None);
        v.subtitles = sub("en");
        d.parts[0].media = vec![v.clone()];
        assert!(validate(&d, false).is_empty());
        v.subtitles = sub("english");
        d.parts[0].media = vec![v];
        let p = validate(&d, false);
        assert!(p
            .iter()
            .any(|p| p.blocking && p.message.starts_with("captions.vtt: ")));
        let mut img = att("image", None);
        img.subtitles = sub("en");
        d.parts[0].media = vec![img];
        let p = validate(&d, false);
        assert!(p
            .iter()
            .any(|p| p.blocking && p.message.contains("video only")));
        // Older drafts (no field) read as no subtitles.
        let old = r#"{"path":"v.mp4","kind":"video","mime":"video/mp4","size":1,"width":null,"height":null,"alt":null,"media_id":null,"uploaded_at":null,"route":null}"#;
        let a: Attachment = serde_json::from_str(old).unwrap();
        assert_eq!(a.subtitles, None);
    }

    #[test]
    fn a_kept_original_blocks_the_draft() {
        let mut d = Draft::new();
        d.parts[0].text = "A big photo".into();
        d.parts[0].media.push(att("image", None));
        assert!(validate(&d, true).is_empty());
        d.parts[0].media[0].kept_original = true;
        let p = validate(&d, true);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].blocking && p[0].message.contains("over X's limits as it is"),
            "{p:?}"
        );
    }

    #[test]
    fn problems() {
        let mut d = Draft::new();
        assert_eq!(validate(&d, false).len(), 1); // empty part
        d.parts[0].text = "a".repeat(300);
        let p = validate(&d, false);
        assert_eq!(p.len(), 1);
        assert!(!p[0].blocking && p[0].message.contains("280"));
        assert!(validate(&d, true).is_empty());
        d.parts[0].text = "a".repeat(25_001);
        assert!(validate(&d, true)[0].blocking);
        d.parts[0].text = "ok".into();
        d.parts.push(Part {
            media: vec![att("image", Some("x".repeat(1001)))],
            ..Part::default()
        });
        let p = validate(&d, true);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].part, 1);
        assert!(p[0].message.contains("1000"));
        d.parts[1].media[0].alt = Some("y".repeat(500));
        assert!(!validate(&d, true)[0].blocking);
        d.parts[1].media[0].alt = None;
        d.poll = Some(PollDraft {
            options: vec!["a".into(), "b".into()],
            duration_minutes: 60,
        });
        assert!(validate(&d, true).is_empty());
        d.parts[0].media.push(att("image", None));
        assert!(validate(&d, true)[0].message.contains("poll"));
        d.parts[0].media.clear();
        d.poll = Some(PollDraft {
            options: vec!["a".into(), "".into(), "c".repeat(26)],
            duration_minutes: 4,
        });
        assert_eq!(validate(&d, true).len(), 3);
        d.poll = None;
        d.reply_to = Some("nope".into());
        assert_eq!(validate(&d, true).len(), 1);
    }
}
