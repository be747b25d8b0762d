//! Postbridge's X API client: OAuth 1.0a signing or an OAuth 2.0 user token ([`Auth`], with the
//! PKCE sign-in and the token endpoint in [`oauth2`], docs/protocol.md §14), posting through v2,
//! media upload through the legacy v1.1 route or v2 (with the automatic fallback of
//! docs/protocol.md §1.3; OAuth 2.0: v2 only), and diagnosis of every failure in words a person
//! can act on.
//!
//! Contract: no GUI, no printing — progress goes to a caller-supplied callback, failures come
//! back as [`ClientError`] whose [`ClientError::diagnosis`] is drawn from the one
//! [`diagnosis::TABLE`]. Base URLs come from [`Endpoints`]. Secrets never appear in `Debug`,
//! `Display` or errors. Retries are documented in [`client`].

#![warn(missing_docs)]

pub mod client;
pub mod credentials;
pub mod diagnosis;
pub mod error;
pub mod media;
pub mod oauth2;
pub mod pin;
pub mod ratelimit;
pub mod readback;
pub mod renew;
pub mod sign;
pub mod subtitles;
pub mod text;
mod transport;
mod tweets;
pub mod upload;
mod users;

pub use client::{
    AccessLevel, ClientConfig, Confirmation, Health, Me, Poll, PostRequest, Posted, ReplySettings,
    RetryPolicy, XClient,
};
pub use credentials::{Auth, BearerToken, Credentials, Endpoints};
pub use diagnosis::{markdown_table, Diagnosis, ErrorKind, WizardStep};
pub use error::{
    video_limit_minutes, ApiError, BearerCall, ClientError, NetworkFailure, OAuth2Refusal,
    TokenGrant,
};
pub use media::{check_media, inspect, MediaInfo, MediaKind};
pub use oauth2::{Pkce, TokenClient, TokenHint, TokenSet};
pub use pin::{AccessGrant, PinFlow, RequestToken};
pub use ratelimit::{RateLimit, Window};
pub use renew::{Renewal, TokenRenewer};
pub use subtitles::{check_subtitles, SubtitleFile, SubtitleFormat, SubtitlesAttached};
pub use tokio_util::sync::CancellationToken;
pub use upload::{
    CheckpointFn, Progress, ProgressFn, RouteDecision, Segment, UploadCheckpoint, UploadOptions,
    UploadRoute, Uploaded,
};
