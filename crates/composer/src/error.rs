//! The crate's single error type.
//!
//! Contract: every fallible function of this crate except [`crate::Publisher::publish`] returns
//! [`ComposerError`]; its `Display` is a sentence a person can act on (a media refusal names the
//! limit it breaks). Publishing failures are [`crate::PublishError`], which carries x-client's
//! [`x_client::Diagnosis`] instead.

use std::path::PathBuf;

/// What went wrong in the composer engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComposerError {
    /// The draft database could not be opened or used.
    #[error("the draft database failed: {0}")]
    Database(String),
    /// Stored data could not be read back (a newer or damaged database).
    #[error("stored data is damaged or from a newer version: {0}")]
    Corrupt(String),
    /// A file could not be read.
    #[error("cannot read {}: {message}", x_client::media::shown_name(path))]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS message.
        message: String,
    },
    /// A media file breaks one of X's limits (the message names the limit).
    #[error("{0}")]
    MediaRefused(String),
    /// The file is a video whose first frame cannot be shown (show a video tile instead).
    #[error(
        "no preview of the video {}: {reason}",
        x_client::media::shown_name(path)
    )]
    VideoPreview {
        /// The video file.
        path: PathBuf,
        /// Why, e.g. "its video is hvc1, and previews are made for H.264 only".
        reason: String,
    },
    /// An image could not be decoded for its thumbnail.
    #[error(
        "cannot make a preview of {}: {message}",
        x_client::media::shown_name(path)
    )]
    Thumbnail {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// No draft with this id is stored.
    #[error("no draft with id {0} is stored")]
    NoDraft(String),
    /// Another Postbridge process (the app or the CLI) is posting this draft or this part
    /// right now; nothing was sent.
    #[error("another Postbridge window or command is posting this right now; nothing was sent")]
    Busy,
    /// The change would touch a part that is being sent, may have posted, or is posted.
    #[error("{0}")]
    ReadOnly(String),
    /// A schedule was refused (time without an offset, too far in the past, empty part …).
    #[error("{0}")]
    Schedule(String),
    /// No queued item with this id is stored.
    #[error("no queued item with id {0}")]
    NoQueueItem(String),
    /// Fitting ([`crate::fit`]): the file is in a format X does not take (HEIC, AVIF, TIFF,
    /// BMP …); `format` names it and `fix` says how to get a JPEG or PNG.
    #[error(
        "{} is a {format} file, which X does not take; {fix}",
        x_client::media::shown_name(path)
    )]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The format as a person knows it ("HEIC", "TIFF" …).
        format: String,
        /// What to do instead.
        fix: String,
    },
    /// Fitting: an animated GIF or a video, which Postbridge does not re-encode (`why` says
    /// why and what to do).
    #[error(
        "{} is {what}, which Postbridge does not re-encode to fit: {why}",
        x_client::media::shown_name(path)
    )]
    NotReencoded {
        /// The file.
        path: PathBuf,
        /// "an animated GIF" or "a video".
        what: String,
        /// Why not, and the fix.
        why: String,
    },
    /// Fitting: the image is already within X's limits; attach it as it is.
    #[error(
        "{} already fits X's limits; attach it as it is",
        x_client::media::shown_name(path)
    )]
    AlreadyFits {
        /// The file.
        path: PathBuf,
    },
    /// Fitting: no size and quality make this image fit (a side under X's minimum …).
    #[error(
        "{} cannot be made to fit X's limits: {reason}",
        x_client::media::shown_name(path)
    )]
    CannotFit {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Fitting: the image could not be decoded or re-encoded.
    #[error("cannot re-encode {}: {message}", x_client::media::shown_name(path))]
    Fit {
        /// The file.
        path: PathBuf,
        /// The decoder's or encoder's message.
        message: String,
    },
}

impl ComposerError {
    pub(crate) fn db(e: impl std::fmt::Display) -> Self {
        ComposerError::Database(e.to_string())
    }

    pub(crate) fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        ComposerError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

impl From<rusqlite::Error> for ComposerError {
    fn from(e: rusqlite::Error) -> Self {
        ComposerError::db(e)
    }
}

impl From<x_client::ClientError> for ComposerError {
    fn from(e: x_client::ClientError) -> Self {
        match e {
            x_client::ClientError::Io { path, message } => ComposerError::Io {
                path: PathBuf::from(path),
                message,
            },
            other => ComposerError::MediaRefused(other.to_string()),
        }
    }
}
