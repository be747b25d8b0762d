//! Resource caps of a simulator instance (audit PB-38): how much state it keeps and how many
//! connections it serves at once.
//!
//! Contract: every collection that grows with traffic is bounded. When a cap is reached the
//! **oldest** entries are evicted first (creation order), so a long-running `postbridge sim`
//! keeps working at constant memory:
//! - posts beyond [`MAX_POSTS`] are forgotten oldest first (`GET /2/tweets/:id` of an evicted
//!   post answers 404, it leaves `/_sim/posts` and the timeline);
//! - media objects beyond [`MAX_MEDIA`] are dropped oldest first, *including* unfinished
//!   uploads (their APPEND/FINALIZE then answers "media not found"); objects that expired more
//!   than an hour ago go first. Of each object at most one 64 KiB head is kept
//!   ([`crate::media::HEAD_KEEP`]), so kept data stays below `MAX_MEDIA × 64 KiB`;
//! - PIN-flow request tokens beyond [`MAX_REQUEST_TOKENS`] and access tokens beyond
//!   [`MAX_ACCESS_TOKENS`] are forgotten oldest first (the demo token never is); a forgotten
//!   token authenticates like an unknown one;
//! - credit ledger lines beyond [`MAX_LEDGER`] are dropped oldest first (the balance is kept);
//! - the request log keeps the newest [`MAX_LOG`] entries, the nonce cache is pruned of
//!   out-of-window nonces once it holds [`NONCE_PRUNE_AT`].
//!
//! Each listener serves at most [`MAX_CONNECTIONS_PER_LISTENER`] connections at a time; further
//! connections wait in the kernel's accept backlog (they are not refused) until one closes.
//! Request bodies read into memory are bounded by [`SMALL_BODY_MAX`] (API) and
//! [`CONTROL_BODY_MAX`] (`/_sim/`). The per-instance values live in [`Limits`]
//! (`SimConfig::limits`), whose `Default` is these constants; tests lower them.

/// Posts kept (deleted ones included).
pub const MAX_POSTS: usize = 10_000;
/// Media objects kept (unfinished uploads included).
pub const MAX_MEDIA: usize = 1_024;
/// PIN-flow request tokens kept.
pub const MAX_REQUEST_TOKENS: usize = 1_000;
/// Access tokens kept besides the demo token (issued by the PIN flow or `/_sim/tokens`).
pub const MAX_ACCESS_TOKENS: usize = 10_000;
/// Credit ledger lines kept.
pub const MAX_LEDGER: usize = 10_000;
/// Request log entries kept (`/_sim/requests`).
pub const MAX_LOG: usize = 5_000;
/// Size of the nonce cache at which out-of-window nonces are pruned.
pub const NONCE_PRUNE_AT: usize = 100_000;
/// Connections served at once by each listener (API, upload).
pub const MAX_CONNECTIONS_PER_LISTENER: usize = 256;
/// Largest form or JSON body of an API route read into memory (JSON one-shot uploads carry
/// base64 media). Multipart bodies are streamed, not buffered.
pub const SMALL_BODY_MAX: usize = 8 * 1024 * 1024;
/// Largest body of a `/_sim/` control request.
pub const CONTROL_BODY_MAX: usize = 1024 * 1024;

/// The caps of one simulator instance ([`crate::SimConfig::limits`]). A cap of `0` is
/// treated as `1` (the newest entry is always kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Posts kept ([`MAX_POSTS`]).
    pub posts: usize,
    /// Media objects kept ([`MAX_MEDIA`]).
    pub media: usize,
    /// PIN-flow request tokens kept ([`MAX_REQUEST_TOKENS`]).
    pub request_tokens: usize,
    /// Access tokens kept besides the demo token ([`MAX_ACCESS_TOKENS`]).
    pub access_tokens: usize,
    /// Ledger lines kept ([`MAX_LEDGER`]).
    pub ledger: usize,
    /// Concurrent connections per listener ([`MAX_CONNECTIONS_PER_LISTENER`]).
    pub connections_per_listener: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            posts: MAX_POSTS,
            media: MAX_MEDIA,
            request_tokens: MAX_REQUEST_TOKENS,
            access_tokens: MAX_ACCESS_TOKENS,
            ledger: MAX_LEDGER,
            connections_per_listener: MAX_CONNECTIONS_PER_LISTENER,
        }
    }
}
