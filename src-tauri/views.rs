//! What the page sees: the typed, secret-free views the commands return.
//!
//! Contract: every type here is generated into `ui/src/ipc/bindings.ts`. None carries a secret:
//! an account is shown by its status (`configured`, `username`, `accessLevel`, …), pasted keys
//! by their slips, a failure by its diagnosis.

use accounts::paste::Field;
use accounts::Plan;
use serde::Serialize;
use specta::Type;
use x_client::{AccessLevel, ErrorKind, MediaKind, ReplySettings, UploadRoute, WizardStep};

/// One account as the page shows it.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    /// The account's name in Postbridge.
    pub name: String,
    /// Whether its keys are in the keychain.
    pub configured: bool,
    /// `@` handle without `@`, once verified.
    pub username: Option<String>,
    /// From `x-access-level`, once verified.
    pub access_level: Option<AccessLevel>,
    /// The plan the person said the app is on.
    pub plan: Option<Plan>,
    /// The built-in sandbox account.
    pub sandbox: bool,
    /// The account Postbridge uses now.
    pub is_default: bool,
    /// The remembered upload route, with why.
    pub upload_route: Option<UploadRouteView>,
    /// How it signs in: OAuth 1.0a keys, or OAuth 2.0 (browser sign-in).
    pub sign_in: SignInMethod,
}

/// How an account signs in to X.
#[derive(Debug, Clone, Copy, Serialize, Type, PartialEq, Eq)]
pub enum SignInMethod {
    /// The four OAuth 1.0a keys (pasted or PIN); uploads through v1.1 or v2.
    #[serde(rename = "oauth1")]
    OAuth1,
    /// OAuth 2.0 browser sign-in; v2 only; its tokens refresh themselves.
    #[serde(rename = "oauth2")]
    OAuth2,
}

impl From<accounts::Summary> for AccountStatus {
    fn from(s: accounts::Summary) -> Self {
        let p = s.profile;
        Self {
            name: p.name,
            configured: s.configured,
            username: p.username,
            access_level: p.access_level,
            plan: p.plan,
            sandbox: p.sandbox,
            is_default: s.is_default,
            upload_route: p.upload_route.map(|r| UploadRouteView {
                route: r.route,
                reason: r.reason,
            }),
            sign_in: match p.sign_in {
                accounts::SignIn::OAuth1 => SignInMethod::OAuth1,
                accounts::SignIn::OAuth2 { .. } => SignInMethod::OAuth2,
            },
        }
    }
}

/// A remembered upload route.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UploadRouteView {
    /// `v1` or `v2`.
    pub route: UploadRoute,
    /// Why it was chosen.
    pub reason: String,
}

/// All accounts.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccountsView {
    /// In the order they were added.
    pub accounts: Vec<AccountStatus>,
}

/// A slip in a pasted key.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SlipView {
    /// The field it is in.
    pub field: Field,
    /// What is wrong or what was cleaned, without the value.
    pub message: String,
}

/// The checks of pasted keys.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PasteReport {
    /// No problem: the keys are kept for Verify.
    pub ok: bool,
    /// What was cleaned automatically.
    pub notes: Vec<SlipView>,
    /// What must be fixed.
    pub problems: Vec<SlipView>,
}

impl From<Vec<accounts::Summary>> for AccountsView {
    fn from(list: Vec<accounts::Summary>) -> Self {
        Self {
            accounts: list.into_iter().map(AccountStatus::from).collect(),
        }
    }
}

impl From<accounts::paste::Slip> for SlipView {
    fn from(s: accounts::paste::Slip) -> Self {
        Self {
            field: s.field,
            message: s.message,
        }
    }
}

impl From<&accounts::paste::Checked> for PasteReport {
    fn from(c: &accounts::paste::Checked) -> Self {
        let views =
            |list: &[accounts::paste::Slip]| list.iter().cloned().map(SlipView::from).collect();
        Self {
            ok: c.problems.is_empty(),
            notes: views(&c.notes),
            problems: views(&c.problems),
        }
    }
}

/// A failure explained: the row of the diagnosis table plus X's own words.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisView {
    /// Stable kind, e.g. `read-only-token`.
    pub kind: ErrorKind,
    /// HTTP status, when X answered.
    pub status: Option<u16>,
    /// X's own words.
    pub detail: String,
    /// The cause, in plain language.
    pub cause: String,
    /// Steps to fix it.
    pub fix: Vec<String>,
    /// The wizard step that fixes it.
    pub wizard_step: Option<WizardStep>,
}

impl From<x_client::Diagnosis> for DiagnosisView {
    fn from(d: x_client::Diagnosis) -> Self {
        Self {
            kind: d.kind,
            status: d.status,
            detail: d.detail,
            cause: d.cause,
            fix: d.fix,
            wizard_step: d.wizard_step,
        }
    }
}

/// What X said about the keys being set up.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum VerifyReport {
    /// The keys work and can post.
    #[serde(rename_all = "camelCase")]
    Verified {
        /// Handle without `@`.
        username: String,
        /// Display name.
        name: String,
        /// `read-write` or `read-write-directmessages`.
        access_level: AccessLevel,
    },
    /// The token can only read.
    #[serde(rename_all = "camelCase")]
    ReadOnly {
        /// Handle without `@`.
        username: String,
        /// Why, and what to do.
        reason: String,
        /// The step to go back to.
        wizard_step: WizardStep,
    },
    /// X refused the keys or could not be reached.
    Failed {
        /// Why, and how to fix it.
        diagnosis: DiagnosisView,
    },
}

impl From<accounts::Verification> for VerifyReport {
    fn from(v: accounts::Verification) -> Self {
        match v {
            accounts::Verification::Verified {
                username,
                name,
                access_level,
                ..
            } => Self::Verified {
                username,
                name,
                access_level,
            },
            accounts::Verification::ReadOnly {
                username,
                reason,
                wizard_step,
                ..
            } => Self::ReadOnly {
                username,
                reason,
                wizard_step,
            },
            accounts::Verification::Failed { diagnosis } => Self::Failed {
                diagnosis: diagnosis.into(),
            },
        }
    }
}

/// How the first step of a PIN sign-in went.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum PinStart {
    /// X gave a request token: the person authorizes the app and types the PIN.
    #[serde(rename_all = "camelCase")]
    Started {
        /// The authorize page (also shown, in case no browser could be opened).
        authorize_url: String,
        /// Whether the system browser was opened.
        browser_opened: bool,
    },
    /// X refused the API Key and Secret, or could not be reached.
    Failed {
        /// Why, and how to fix it (with the wizard step that does).
        diagnosis: DiagnosisView,
    },
}

/// How the first step of a browser sign-in (OAuth 2.0) went.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum SignInStart {
    /// Listening for X's answer; the browser was sent to X's authorize page.
    #[serde(rename_all = "camelCase")]
    Started {
        /// X's authorize page (also shown, in case no browser could be opened).
        authorize_url: String,
        /// Where X sends the browser back (the Callback URI to register, exactly).
        redirect_uri: String,
        /// Whether the system browser was opened.
        browser_opened: bool,
    },
    /// The Client ID was refused, or the loopback port is in use.
    Failed {
        /// Why, and how to fix it.
        diagnosis: DiagnosisView,
    },
}

/// How a browser sign-in ended: the verdict, and what the grant lacks without stopping posts
/// (`media.write`, `offline.access`).
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SignInReport {
    /// Whether the account can post (and who it is).
    pub report: VerifyReport,
    /// A missing scope that does not stop posting, with its fix.
    pub note: Option<DiagnosisView>,
}

/// How the one-click upgrade to OAuth 2.0 went.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum UpgradeReport {
    /// The account signs in with OAuth 2.0 now.
    Upgraded {
        /// The account as it is now.
        account: AccountStatus,
    },
    /// Nothing changed; why, and the step that helps (Regenerate, or the browser sign-in).
    Failed {
        /// Why, and how to fix it.
        diagnosis: DiagnosisView,
    },
}

/// The sandbox's state.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SandboxView {
    /// Whether the simulator runs.
    pub running: bool,
    /// Its API address (loopback).
    pub api_base: Option<String>,
    /// The scenario switches.
    pub scenarios: crate::sandbox::Scenarios,
}

/// The draft as the composer shows it (thumbnails included; no file paths).
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    /// Stable id of the draft.
    pub id: String,
    /// The account it will be posted with.
    pub account: Option<String>,
    /// One part, or several for a thread.
    pub parts: Vec<PartView>,
    /// The post this replies to.
    pub reply_to: Option<String>,
    /// Who may reply (everyone when absent).
    pub reply_settings: Option<ReplySettings>,
    /// Whose post `reply_to` is, as far as Postbridge knows (the page warns about X's 2026
    /// reply rule for [`ReplyTargetView::NotKnownOwn`]).
    pub reply_target: ReplyTargetView,
    /// A poll (not with media).
    pub poll: Option<PollView>,
    /// What must change before posting.
    pub problems: Vec<ProblemView>,
}

/// Whose post a draft replies to (issue 14 item 6; docs/protocol.md §15: since 2026 X accepts
/// a reply to someone else's post only when its author mentioned or engaged you).
#[derive(Debug, Clone, Copy, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum ReplyTargetView {
    /// Not a reply (or the reply target is not a post id or link yet).
    None,
    /// A post Postbridge posted (a thread, or a reply to oneself): the rule does not apply.
    Own,
    /// Not a post Postbridge knows as this person's: someone else's, unless they posted it
    /// elsewhere. X accepts it only if its author mentioned them.
    NotKnownOwn,
}

/// Where a part stands. Only `draft` parts can be edited or removed.
#[derive(Debug, Clone, Copy, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum PartStatusView {
    /// Not sent yet: editable.
    Draft,
    /// Being sent by the post running now, or armed by an earlier one that was interrupted
    /// (the next Post checks it by reading the account's posts; it is never sent twice).
    /// Read-only.
    Sending,
    /// Sent, but X's answer was lost and the post was not found: it may be on X. Nothing is
    /// sent until the person chooses "It's on X" or "Post it again" (`draft_resolve_part`).
    /// Read-only.
    MayHavePosted,
    /// Posted (`posted_id` is absent only when the person said "It's on X" without a link).
    /// Read-only.
    Posted,
}

/// One part of a draft.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PartView {
    /// The text.
    pub text: String,
    /// Where the part stands (see [`PartStatusView`]).
    pub status: PartStatusView,
    /// Set once the part is posted (a thread resumes after it).
    pub posted_id: Option<String>,
    /// Attached media, in order.
    pub media: Vec<AttachmentView>,
}

/// The person's decision about a part that may have posted (`draft_resolve_part`).
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum PartChoice {
    /// "It's on X": mark it posted (with the post's link when given). Nothing is sent.
    OnX,
    /// "Post it again": it is not on X; it becomes a draft part again, sent by the next Post.
    PostAgain,
}

/// An attached file.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    /// The file's name (not its path).
    pub name: String,
    /// Image, GIF or video.
    pub kind: MediaKind,
    /// A video's duration in milliseconds, when its file says (about 49 days at most).
    pub duration_ms: Option<u32>,
    /// Sniffed MIME type.
    pub mime: String,
    /// Bytes. Exported as TypeScript's `number` (`type = u32`: specta's `u64` would be a
    /// `bigint`); JSON integers are exact in JavaScript up to 2⁵³, far past X's 16 GiB.
    #[specta(type = u32)]
    pub size: u64,
    /// Pixels, when known.
    pub width: Option<u32>,
    /// Pixels, when known.
    pub height: Option<u32>,
    /// Alt text.
    pub alt: Option<String>,
    /// A small `data:` image, when one could be made.
    pub thumb: Option<String>,
    /// Already uploaded (will not be sent again).
    pub uploaded: bool,
    /// Set when this is a copy fitted to X's limits (the original file is unchanged).
    pub fitted: Option<FitView>,
    /// For an original the person kept instead of its fitted copy: why X refuses it (it is
    /// refused at Post, before anything is uploaded).
    pub refusal: Option<String>,
    /// A video's subtitle file (issue 14 item 5).
    pub subtitles: Option<SubtitlesView>,
}

/// A video's subtitle file: its name (never its path) and language.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SubtitlesView {
    /// The file's name.
    pub name: String,
    /// BCP-47 language code (`en`, `pt-BR` …).
    pub language: String,
    /// The track's name in X's player (`English` …).
    pub display_name: String,
}

/// How an attachment was fitted to X's limits: before and after (issue 14 item 3).
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FitView {
    /// The original's bytes (the copy's are [`AttachmentView::size`]).
    #[specta(type = u32)]
    pub before_bytes: u64,
    /// The original's pixels, EXIF orientation applied.
    pub before_width: u32,
    /// The original's pixels.
    pub before_height: u32,
    /// The copy's pixels (smaller only when a side was over X's limit or the bytes needed it).
    pub after_width: u32,
    /// The copy's pixels.
    pub after_height: u32,
    /// The copy's JPEG quality (`None`: PNG, lossless).
    pub quality: Option<u8>,
}

/// A poll.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PollView {
    /// 2–4 options of 1–25 characters.
    pub options: Vec<String>,
    /// 5–10080 minutes.
    pub duration_minutes: u32,
}

/// A problem to fix before posting.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProblemView {
    /// The part it concerns.
    pub part: u32,
    /// What is wrong.
    pub message: String,
    /// `false` for a warning: shown, but Post stays possible (X decides).
    pub blocking: bool,
}

/// Progress of a post, streamed over a channel.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(tag = "stage", rename_all = "camelCase")]
pub enum ProgressView {
    /// Bytes of a file sent.
    #[serde(rename_all = "camelCase")]
    Uploading {
        /// Part.
        part: u32,
        /// The file's name.
        file: String,
        /// Bytes sent.
        #[specta(type = u32)]
        bytes_sent: u64,
        /// Bytes in all.
        #[specta(type = u32)]
        total: u64,
    },
    /// The network is away: the upload waits and goes on by itself when X answers again.
    #[serde(rename_all = "camelCase")]
    Paused {
        /// Part.
        part: u32,
        /// The file's name.
        file: String,
        /// Bytes X has.
        #[specta(type = u32)]
        bytes_sent: u64,
        /// Bytes in all.
        #[specta(type = u32)]
        total: u64,
    },
    /// X is processing a file.
    #[serde(rename_all = "camelCase")]
    Processing {
        /// Part.
        part: u32,
        /// The file's name.
        file: String,
        /// 0–100, when X says.
        percent: Option<u32>,
    },
    /// A video's subtitle file is being uploaded and attached to it.
    Subtitles {
        /// Part.
        part: u32,
        /// The subtitle file's name.
        file: String,
    },
    /// The post request is on its way.
    Posting {
        /// Part.
        part: u32,
    },
    /// A part is posted.
    Posted {
        /// Part.
        part: u32,
        /// Its id (absent when X confirmed the post without one).
        id: Option<String>,
    },
}

/// The rate-limit state after a post.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitView {
    /// Requests left in the window.
    pub remaining: Option<u32>,
    /// Requests allowed in the window.
    pub limit: Option<u32>,
    /// When the window resets (Unix seconds).
    pub reset_at: Option<u32>,
}

/// How a post ended.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum PostOutcome {
    /// Every part is posted.
    #[serde(rename_all = "camelCase")]
    Posted {
        /// The posts' ids, in order.
        ids: Vec<String>,
        /// Links to open them on X.
        links: Vec<String>,
        /// Rate-limit state.
        rate_limit: Option<RateLimitView>,
        /// The new (empty) draft.
        draft: DraftView,
    },
    /// Part `part` failed; the parts before it keep their ids.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The failed part.
        part: u32,
        /// Ids of the parts already posted.
        posted: Vec<String>,
        /// Why, and how to fix it.
        diagnosis: DiagnosisView,
        /// For kind `outcome-unknown`: the account's profile on X, to check whether the part
        /// is there (`https://x.com/<username>`), when the handle is known.
        profile_link: Option<String>,
        /// The draft, as it is now.
        draft: DraftView,
    },
    /// The person cancelled, and nothing in flight had an unknown outcome.
    Cancelled {
        /// The draft, as it is now.
        draft: DraftView,
    },
}

impl PostOutcome {
    /// How a publish ended, with the draft as it is now. Only the cancellation itself reads
    /// "Cancelled" (PB-36): a part in flight when Cancel was clicked may have posted, and that
    /// is reported as what it is.
    pub fn of(
        result: Result<composer::Published, composer::PublishError>,
        draft: DraftView,
    ) -> Self {
        match result {
            Ok(published) => Self::Posted {
                ids: published.ids,
                links: published.links,
                rate_limit: published.rate_limit.map(RateLimitView::from),
                draft,
            },
            Err(err) if err.diagnosis.kind == ErrorKind::Cancelled => Self::Cancelled { draft },
            Err(err) => Self::Failed {
                part: err.part as u32,
                posted: err.posted,
                diagnosis: err.diagnosis.into(),
                profile_link: err.profile_link,
                draft,
            },
        }
    }
}

/// One line of history.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// Unix seconds.
    pub at: u32,
    /// Account name.
    pub account: String,
    /// The beginning of the text.
    pub excerpt: String,
    /// Number of media.
    pub media_count: u32,
    /// The post's id, when posted.
    pub post_id: Option<String>,
    /// Its link, when posted.
    pub link: Option<String>,
    /// The failure, when it failed.
    pub diagnosis: Option<DiagnosisView>,
}

impl From<composer::PublishEvent> for ProgressView {
    fn from(e: composer::PublishEvent) -> Self {
        use composer::PublishEvent as E;
        match e {
            E::Uploading {
                part,
                file,
                bytes_sent,
                total,
            } => Self::Uploading {
                part: part as u32,
                file: file_name(&file),
                bytes_sent,
                total,
            },
            E::Paused {
                part,
                file,
                bytes_sent,
                total,
            } => Self::Paused {
                part: part as u32,
                file: file_name(&file),
                bytes_sent,
                total,
            },
            E::Processing {
                part,
                file,
                percent,
            } => Self::Processing {
                part: part as u32,
                file: file_name(&file),
                percent: percent.map(u32::from),
            },
            E::Subtitles { part, file } => Self::Subtitles {
                part: part as u32,
                file: file_name(&file),
            },
            E::Posting { part } => Self::Posting { part: part as u32 },
            E::Posted { part, id } => Self::Posted {
                part: part as u32,
                id,
            },
        }
    }
}

/// The last component of a path (the page sees names, not paths).
fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl From<composer::HistoryEntry> for HistoryView {
    fn from(e: composer::HistoryEntry) -> Self {
        Self {
            at: u32::try_from(e.at).unwrap_or(u32::MAX),
            account: e.account,
            excerpt: e.excerpt,
            media_count: e.media_count as u32,
            post_id: e.post_id,
            link: e.link,
            diagnosis: e.diagnosis.map(DiagnosisView::from),
        }
    }
}

impl From<x_client::RateLimit> for RateLimitView {
    fn from(r: x_client::RateLimit) -> Self {
        let w = r.window.or(r.user_24h).or(r.app_24h);
        Self {
            remaining: w.as_ref().and_then(|w| w.remaining).map(|v| v as u32),
            limit: w.as_ref().and_then(|w| w.limit).map(|v| v as u32),
            reset_at: w
                .as_ref()
                .and_then(|w| w.reset)
                .map(|v| u32::try_from(v).unwrap_or(u32::MAX)),
        }
    }
}

/// Where a queued post is (the queue's states; the same names as `postbridge queue list`).
#[derive(Debug, Clone, Copy, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum QueueStateView {
    /// Waiting for its time (or for its account: see the item's diagnosis).
    Scheduled,
    /// Being sent now (or its runner stopped while sending it: the next run reads it back).
    Posting,
    /// Posted; every part has its id.
    Posted,
    /// Not posted: it was more than its late limit past its time when a runner came.
    Held,
    /// Not posted (or only partly): the diagnosis says why.
    Failed,
    /// Sent, but X's answer was lost and its post was not found: check the profile, then
    /// "It's on X" or "Post it again".
    MayHavePosted,
    /// Cancelled by the person; never sent.
    Cancelled,
}

impl From<composer::ItemState> for QueueStateView {
    fn from(s: composer::ItemState) -> Self {
        use composer::ItemState as S;
        match s {
            S::Scheduled => Self::Scheduled,
            S::Posting => Self::Posting,
            S::Posted => Self::Posted,
            S::Held => Self::Held,
            S::Failed => Self::Failed,
            S::MayHavePosted => Self::MayHavePosted,
            S::Cancelled => Self::Cancelled,
        }
    }
}

/// What a post or thread costs on a pay-per-use plan (docs/protocol.md §15).
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CostView {
    /// The total in micro-dollars.
    pub micros: u32,
    /// The total as text, e.g. `$0.215`.
    pub dollars: String,
    /// Posts billed (every part of a thread is one).
    pub posts: u32,
    /// Of those, billed at the URL price.
    pub with_url: u32,
}

impl From<composer::Cost> for CostView {
    fn from(c: composer::Cost) -> Self {
        Self {
            micros: u32::try_from(c.micros).unwrap_or(u32::MAX),
            dollars: c.dollars(),
            posts: u32::try_from(c.posts).unwrap_or(u32::MAX),
            with_url: u32::try_from(c.with_url).unwrap_or(u32::MAX),
        }
    }
}

/// One part of a queued post.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QueuedPartView {
    /// Its text.
    pub text: String,
    /// Its media files' names (not their paths), in order.
    pub media: Vec<String>,
}

/// A queued post as the queue view shows it.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QueueItemView {
    /// Its id.
    pub id: String,
    /// Where it is.
    pub state: QueueStateView,
    /// The account it posts from: the profile's name, or `@handle` (scheduled from the
    /// command line with the `X_*` variables).
    pub account: String,
    /// When it is due (Unix seconds).
    pub due_at: u32,
    /// The due time on the wall clock of its zone, as a `datetime-local` value
    /// (`2026-03-29T09:00`).
    pub due_local: String,
    /// Its IANA zone, when it was scheduled by wall-clock time.
    pub zone: Option<String>,
    /// The due time as stored (RFC 3339, or RFC 9557 with the zone in brackets).
    pub due_text: String,
    /// The first part's text, shortened.
    pub preview: String,
    /// Every part.
    pub parts: Vec<QueuedPartView>,
    /// Ids of the parts posted, in order.
    pub post_ids: Vec<String>,
    /// Links to them on X.
    pub links: Vec<String>,
    /// How late it went out, or was when it was held (seconds).
    pub late_secs: Option<u32>,
    /// Seconds past its time after which it is held instead of posted.
    pub late_limit: u32,
    /// Why it was held (for a held item).
    pub held_reason: Option<String>,
    /// Why it failed or may have posted, or why its last run could not send it (a
    /// scheduled item whose account was not available).
    pub diagnosis: Option<DiagnosisView>,
    /// For an item that may have posted: the account's profile on X, to look for it.
    pub profile_link: Option<String>,
    /// What it costs, when its account is on a pay-per-use plan (absent on legacy plans and
    /// when the plan is not known).
    pub cost: Option<CostView>,
}

/// The queue: every item, by due time.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    /// By due time.
    pub items: Vec<QueueItemView>,
    /// The system's IANA time zone, in which new times are read (when it is known).
    pub zone: Option<String>,
    /// Accounts with upcoming posts whose rate-limit window (as X last reported it) is used
    /// up: when their next post can go.
    pub waits: Vec<SlotWait>,
}

/// Which of X's limits an account waits for.
#[derive(Debug, Clone, Copy, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum SlotLimit {
    /// The 15-minute window.
    FifteenMinutes,
    /// The 24-hour cap.
    Daily,
}

/// An account's next slot, when it is not now.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SlotWait {
    /// The account as the queue shows it.
    pub account: String,
    /// Which limit is used up.
    pub limit: SlotLimit,
    /// When the next post can go (Unix seconds).
    pub at: u32,
    /// That time on the zone's wall clock (`2026-03-29T09:00`).
    pub at_local: String,
}

/// A draft scheduled: the queued post that now owns its content, and the fresh draft.
#[derive(Debug, Clone, Serialize, Type, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Scheduled {
    /// The queued post.
    pub item: QueueItemView,
    /// The new, empty current draft.
    pub draft: DraftView,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Sizes past 4 GiB (a Premium video, up to 16 GiB) reach the page as they are.
    #[test]
    fn byte_counts_over_4_gib_cross_ipc_exactly() {
        let sixteen_gib = 16 * 1024 * 1024 * 1024u64;
        let view = ProgressView::from(composer::PublishEvent::Uploading {
            part: 0,
            file: "/videos/keynote.mp4".into(),
            bytes_sent: sixteen_gib - 1,
            total: sixteen_gib,
        });
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["bytesSent"], sixteen_gib - 1);
        assert_eq!(json["total"], sixteen_gib);
        assert_eq!(json["file"], "keynote.mp4", "no path crosses");
        // As the page reads it: a JavaScript number, exact below 2^53.
        assert_eq!(json["total"].as_f64().unwrap() as u64, sixteen_gib);
    }
}
