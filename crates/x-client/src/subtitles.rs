//! Subtitles for a video (docs/protocol.md §8.1): a `.srt` or `.vtt` file uploaded through v2
//! with `media_category=subtitles`, then associated with the video by
//! `POST /2/media/subtitles`.
//!
//! Contract: [`check_subtitles`] reads the file and refuses, before anything is sent, one that
//! is over [`SUBTITLES_MAX`], not UTF-8, or neither SRT (a cue number line, then a `-->`
//! timing line) nor WebVTT (first line `WEBVTT`), with a [`ClientError::MediaRefused`] that
//! names the file and the fix. [`XClient::attach_subtitles`] checks, uploads (v2 chunked: one
//! INIT, one APPEND, one FINALIZE — always v2, even for an account whose images go by v1.1,
//! because v1.1 cannot associate subtitles) and associates; a failure at any step comes back
//! as X's error and nothing is retried but what the transport retries (5xx, 429, network,
//! §6.4). The video must have finished processing (upload it first).

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::client::XClient;
use crate::error::ClientError;
use crate::media::shown_name;
use crate::transport::{Field, Payload};

/// Largest subtitle file accepted (X's limit is undocumented; 1 MB holds hours of cues).
pub const SUBTITLES_MAX: u64 = 1024 * 1024;

/// A subtitle file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum SubtitleFormat {
    /// SubRip (`.srt`), `text/srt`.
    Srt,
    /// WebVTT (`.vtt`), `text/vtt`.
    Vtt,
}

impl SubtitleFormat {
    /// The v2 INIT `media_type`.
    pub fn media_type(self) -> &'static str {
        match self {
            SubtitleFormat::Srt => "text/srt",
            SubtitleFormat::Vtt => "text/vtt",
        }
    }
}

/// A checked subtitle file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtitleFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// SRT or VTT, from its content.
    pub format: SubtitleFormat,
    /// How many cues (timing lines) it has.
    pub cues: usize,
}

/// The association X confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubtitlesAttached {
    /// The video's media id.
    pub video_media_id: String,
    /// The subtitle file's media id.
    pub subtitles_media_id: String,
    /// The language code sent (upper-cased, as X shows it).
    pub language_code: String,
}

/// `true` for a BCP-47-ish language code X takes: 2–3 letters, optionally `-` and 2–8 letters
/// or digits (`en`, `pt-BR`, `zh-Hant`).
pub fn valid_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    let rest: Vec<&str> = parts.collect();
    lang_ok
        && rest.len() <= 1
        && rest
            .iter()
            .all(|r| (2..=8).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn refuse(path: &Path, msg: &str) -> ClientError {
    ClientError::MediaRefused(format!("{}: {msg}", shown_name(path)))
}

/// The format of subtitle text, or why it is neither SRT nor VTT.
pub fn subtitle_shape(text: &str) -> Result<(SubtitleFormat, usize), &'static str> {
    let text = text.trim_start_matches('\u{feff}');
    let cues = text.lines().filter(|l| l.contains("-->")).count();
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if first.starts_with("WEBVTT") {
        return if cues > 0 {
            Ok((SubtitleFormat::Vtt, cues))
        } else {
            Err("it is a WebVTT file without any cue (no `00:00.000 --> 00:02.000` timing line)")
        };
    }
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let number = lines.next().unwrap_or("").trim();
    let timing = lines.next().unwrap_or("");
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) && timing.contains("-->") {
        return Ok((SubtitleFormat::Srt, cues));
    }
    Err("it is neither SubRip (.srt: a cue number, then a `00:00:01,000 --> 00:00:02,000` line) nor WebVTT (.vtt: first line `WEBVTT`)")
}

/// Checks a subtitle file (size, UTF-8, SRT/VTT shape) without sending anything.
pub fn check_subtitles(path: &Path) -> Result<SubtitleFile, ClientError> {
    let io = |e: std::io::Error| ClientError::Io {
        path: shown_name(path),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(path, "is not a file; choose a .srt or .vtt file"));
    }
    let size = meta.len();
    if size == 0 {
        return Err(refuse(
            path,
            "is empty; choose the .srt or .vtt file with the captions",
        ));
    }
    if size > SUBTITLES_MAX {
        return Err(refuse(
            path,
            &format!(
                "is {:.1} MB; subtitle files go up to 1 MB — split it or remove styling",
                size as f64 / (1024.0 * 1024.0)
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(refuse(
            path,
            "is not UTF-8 text; save it again as UTF-8 (most subtitle editors offer it under Save As → Encoding)",
        ));
    };
    let (format, cues) = subtitle_shape(text).map_err(|why| {
        refuse(
            path,
            &format!("{why}; export the subtitles as .srt or .vtt and choose that file"),
        )
    })?;
    Ok(SubtitleFile {
        path: path.to_path_buf(),
        size,
        format,
        cues,
    })
}

/// The media id in a v2 `data` answer.
fn data_id(v: &Value, path: &str) -> Result<String, ClientError> {
    v["data"]["id"]
        .as_str()
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .ok_or_else(|| ClientError::Unexpected {
            path: path.to_string(),
            message: "no media id in the answer".into(),
        })
}

impl XClient {
    /// Uploads `subtitle_path` (SRT or VTT) through v2 with category `subtitles` and associates
    /// it with the processed video `video_media_id` in `language_code` (BCP-47, e.g. `en`) under
    /// `display_name` (what the player's menu shows). See the module docs.
    pub async fn attach_subtitles(
        &self,
        video_media_id: &str,
        subtitle_path: &Path,
        language_code: &str,
        display_name: &str,
        cancel: Option<&CancellationToken>,
    ) -> Result<SubtitlesAttached, ClientError> {
        if !valid_language_code(language_code) {
            return Err(refuse(
                subtitle_path,
                &format!(
                    "“{language_code}” is not a language code; use one such as en, es or pt-BR"
                ),
            ));
        }
        let name = display_name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(refuse(
                subtitle_path,
                "the subtitle name must be 1 to 64 characters (e.g. English)",
            ));
        }
        let file = {
            let p = subtitle_path.to_path_buf();
            tokio::task::spawn_blocking(move || check_subtitles(&p))
                .await
                .map_err(|e| ClientError::Config(format!("subtitle check task failed: {e}")))??
        };
        let retry = ClientError::is_transient;
        let init_path = "/2/media/upload/initialize";
        let v = self
            .send_retrying(
                Method::POST,
                &self.api_url(init_path),
                &Payload::Json {
                    body: json!({
                        "media_type": file.format.media_type(),
                        "total_bytes": file.size,
                        "media_category": "subtitles",
                    }),
                    charset: false,
                },
                cancel,
                retry,
            )
            .await
            .result?
            .json(init_path)?;
        let sub_id = data_id(&v, init_path)?;
        let append = format!("/2/media/upload/{sub_id}/append");
        self.send_retrying(
            Method::POST,
            &self.api_url(&append),
            &Payload::Multipart(vec![
                Field::Text("segment_index", "0".into()),
                Field::File {
                    name: "media",
                    path: file.path.clone(),
                    offset: 0,
                    len: file.size,
                    mime: "application/octet-stream".into(),
                },
            ]),
            cancel,
            retry,
        )
        .await
        .result?;
        let finalize = format!("/2/media/upload/{sub_id}/finalize");
        self.send_retrying(
            Method::POST,
            &self.api_url(&finalize),
            &Payload::None,
            cancel,
            retry,
        )
        .await
        .result?;
        let code = language_code.to_ascii_uppercase();
        let assoc = "/2/media/subtitles";
        self.send_retrying(
            Method::POST,
            &self.api_url(assoc),
            &Payload::Json {
                // X's field names (docs/protocol.md §8.1: the reference example's `subtitles.id`).
                body: json!({
                    "id": video_media_id,
                    "media_category": "tweet_video",
                    "subtitles": {
                        "id": sub_id,
                        "language_code": code,
                        "display_name": name,
                    },
                }),
                charset: false,
            },
            cancel,
            retry,
        )
        .await
        .result?;
        Ok(SubtitlesAttached {
            video_media_id: video_media_id.to_string(),
            subtitles_media_id: sub_id,
            language_code: code,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            subtitle_shape("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"),
            Ok((SubtitleFormat::Vtt, 1))
        );
        assert_eq!(
            subtitle_shape("\u{feff}1\r\n00:00:00,000 --> 00:00:01,000\r\nHi\r\n\r\n2\r\n00:00:01,000 --> 00:00:02,000\r\nHo\r\n"),
            Ok((SubtitleFormat::Srt, 2))
        );
        assert!(subtitle_shape("WEBVTT\n\nno cues").is_err());
        assert!(subtitle_shape("Hello world").is_err());
        assert!(subtitle_shape("1\nHello\n").is_err());
    }

    #[test]
    fn language_codes() {
        for ok in ["en", "EN", "pt-BR", "zh-Hant", "fil"] {
            assert!(valid_language_code(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_US", "en-", "12"] {
            assert!(!valid_language_code(bad), "{bad}");
        }
    }

    #[test]
    fn files_are_checked_with_the_fix() {
        let dir = testkit::tmp_dir("subtitle-checks");
        let write = |name: &str, bytes: &[u8]| testkit::write(&dir, name, bytes);
        let ok =
            check_subtitles(&write("a.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")).unwrap();
        assert_eq!((ok.format, ok.cues), (SubtitleFormat::Vtt, 1));
        let e = check_subtitles(&write(
            "latin1.srt",
            b"1\n00:00:00,000 --> 00:00:01,000\nCaf\xe9\n",
        ))
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("latin1.srt: ") && e.contains("UTF-8"), "{e}");
        let e = check_subtitles(&write("notes.vtt", b"just some notes"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("notes.vtt") && e.contains("export"), "{e}");
        let e = check_subtitles(&write("empty.srt", b""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty"), "{e}");
        let big = vec![b'a'; (SUBTITLES_MAX + 1) as usize];
        let e = check_subtitles(&write("big.srt", &big))
            .unwrap_err()
            .to_string();
        assert!(e.contains("1 MB"), "{e}");
        assert!(!e.contains(&dir.display().to_string()), "no path: {e}");
    }
}
