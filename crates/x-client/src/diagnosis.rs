//! The diagnosis table: every recognised failure kind → plain-language cause, steps to fix, and
//! the setup-wizard step that fixes it (docs/protocol.md §5.3).
//!
//! Contract: [`TABLE`] is the single source of these words. The CLI, the GUI and the README all
//! render it ([`markdown_table`] generates the docs). [`ErrorKind`] names are stable wire names
//! (kebab-case); kinds may be added, never renamed.

use serde::{Deserialize, Serialize};

use crate::ratelimit::RateLimit;

/// A stable, machine-readable failure kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The plan does not include the endpoint called (v1.1 code 453 outside uploads).
    TierEndpointMismatch,
    /// The app is not attached to a Project / not enrolled (`client-not-enrolled`).
    ClientNotEnrolled,
    /// The access token predates Read+Write permission (`oauth1-permissions`, `x-access-level: read`).
    ReadOnlyToken,
    /// Wrong kind of authentication (`unsupported-authentication`).
    UnsupportedAuthentication,
    /// Bad signature or mixed-up keys (401, code 32, 215).
    InvalidCredentials,
    /// The token was revoked or regenerated (code 89).
    TokenRevoked,
    /// An OAuth 2.0 access token was refused (401): it expired or was revoked.
    TokenExpired,
    /// X refused to refresh an OAuth 2.0 token or to exchange a sign-in code (`invalid_grant`):
    /// a new browser sign-in is needed.
    SignInRequired,
    /// An OAuth 2.0 token lacks the scope a route needs (403 naming it, or known from the grant).
    MissingScope,
    /// X does not offer the OAuth 1.0a → 2.0 token exchange (400 `unsupported_grant_type`, 404).
    ExchangeUnavailable,
    /// X's token endpoint refused the app's OAuth 2.0 Client ID (`invalid_client`,
    /// `unauthorized_client`).
    ClientIdRejected,
    /// The computer's clock is off (code 135, or `Date` far from local time).
    ClockSkew,
    /// No pay-per-use credits left, or a spending limit reached (402, `credits`).
    CreditsDepleted,
    /// A rate-limit window is used up (429).
    RateLimited,
    /// A daily/monthly usage cap is reached (`usage-capped`, code 185).
    UsageCapped,
    /// The same text was posted recently (B12, code 187).
    DuplicateContent,
    /// The media is unknown, expired, unprocessed, too big, or refused by a local check.
    MediaInvalid,
    /// The text is over the weighted limit (B13 "too long", code 186).
    TextTooLong,
    /// Replying or quoting is not allowed (B14, code 433).
    ReplyNotAllowed,
    /// The account may not post a video this long (403 "This user is not allowed to post a
    /// video longer than N minutes.", docs/protocol.md §15).
    VideoTooLong,
    /// X could not process the uploaded media (`processing_info.state=failed`).
    MediaProcessingFailed,
    /// The legacy v1.1 upload route refused the upload (403/453, 404, 410, non-JSON, connection),
    /// or was asked for with an OAuth 2.0 token (v1.1 upload needs OAuth 1.0a).
    UploadRouteRetired,
    /// The network failed (DNS, connect, TLS, reset, timeout).
    Network,
    /// X failed (5xx).
    ServerError,
    /// A post's answer was lost (timeout, reset, 5xx, 2xx without id) and reading the
    /// account's posts did not find it: it may have been posted (§6.5).
    OutcomeUnknown,
    /// The credentials given belong to another X user than the one a scheduled post was made
    /// for (checked with `GET /2/users/me` before anything is sent).
    AccountMismatch,
    /// A generic 403 (account restrictions, OAuth 2 scopes, feature not permitted).
    Forbidden,
    /// The account is temporarily locked (code 326).
    AccountLocked,
    /// The post or media does not exist (404).
    NotFound,
    /// Another request parameter was refused (400).
    InvalidRequest,
    /// The user cancelled the operation.
    Cancelled,
    /// A local problem: unreadable file, bad configuration, missing credentials.
    LocalError,
    /// X answered 2xx with a body this client does not understand.
    UnexpectedResponse,
}

impl ErrorKind {
    /// The wire name (`"rate-limited"` …).
    pub fn as_str(self) -> &'static str {
        entry(self).name
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The setup-wizard step that fixes a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum WizardStep {
    /// Paste the four keys again (or redo the PIN flow).
    Paste,
    /// Set the app's permissions to "Read and write".
    Permissions,
    /// Regenerate the Access Token and Secret.
    Regenerate,
    /// Choose or fix the plan / Project / credits.
    Plan,
    /// Re-run the credential check (`GET /2/users/me`).
    Verify,
    /// Fix the system clock.
    Clock,
    /// Sign in with X in the browser (OAuth 2.0) again.
    SignIn,
}

impl WizardStep {
    /// The wire name (`"permissions"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            WizardStep::Paste => "paste",
            WizardStep::Permissions => "permissions",
            WizardStep::Regenerate => "regenerate",
            WizardStep::Plan => "plan",
            WizardStep::Verify => "verify",
            WizardStep::Clock => "clock",
            WizardStep::SignIn => "sign-in",
        }
    }
}

/// One row of the diagnosis table.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    /// The kind this row explains.
    pub kind: ErrorKind,
    /// Its wire name.
    pub name: &'static str,
    /// Typical HTTP status and what X sends (for the docs).
    pub matches: &'static str,
    /// Plain-language cause.
    pub cause: &'static str,
    /// Steps to fix, in order.
    pub fix: &'static [&'static str],
    /// The wizard step that fixes it, if any.
    pub wizard_step: Option<WizardStep>,
}

/// The diagnosis table (docs/protocol.md §5.3), in display order.
pub static TABLE: &[Entry] = &[
    Entry {
        kind: ErrorKind::TierEndpointMismatch,
        name: "tier-endpoint-mismatch",
        matches: "403, v1.1 code 453",
        cause: "Your X API plan does not include this endpoint (a legacy v1.1 endpoint).",
        fix: &[
            "Postbridge posts through v2 only; if you see this while posting, please report it as a bug.",
            "For uploads, use the automatic route (it switches to v2 by itself).",
        ],
        wizard_step: Some(WizardStep::Plan),
    },
    Entry {
        kind: ErrorKind::ClientNotEnrolled,
        name: "client-not-enrolled",
        matches: "403, reason client-not-enrolled (problem client-forbidden)",
        cause: "The keys belong to an app that is not attached to a Project, or the account is not enrolled for this endpoint.",
        fix: &[
            "In the developer console, attach the app to a Project (pay-per-use: choose Pay-per-use and Production).",
            "Use the keys and tokens of that app, then paste them again.",
        ],
        wizard_step: Some(WizardStep::Plan),
    },
    Entry {
        kind: ErrorKind::ReadOnlyToken,
        name: "read-only-token",
        matches: "403 problem oauth1-permissions, code 261, or x-access-level: read",
        cause: "The access token was created while the app had read-only permission; tokens keep the permission they were issued with.",
        fix: &[
            "In the developer console open the app → User authentication settings → App permissions, choose \"Read and write\" and save.",
            "Then open Keys and tokens → Access Token and Secret → Regenerate (or redo the PIN sign-in).",
            "Paste the new Access Token and Secret.",
        ],
        wizard_step: Some(WizardStep::Permissions),
    },
    Entry {
        kind: ErrorKind::UnsupportedAuthentication,
        name: "unsupported-authentication",
        matches: "403 problem unsupported-authentication",
        cause: "X did not accept this kind of authentication for the endpoint (for example an app-only Bearer token); sometimes this is intermittent on X's side.",
        fix: &[
            "Sign in with X (OAuth 2.0) in the setup wizard, or use the four OAuth 1.0a values: API Key, API Key Secret, Access Token, Access Token Secret (an app-only Bearer token cannot post).",
            "If it happens only now and then, try again later.",
        ],
        wizard_step: Some(WizardStep::Paste),
    },
    Entry {
        kind: ErrorKind::InvalidCredentials,
        name: "invalid-credentials",
        matches: "401 (Unauthorized, code 32, code 215)",
        cause: "X could not authenticate the request: one of the four keys is wrong, has a stray space, or they come from different apps.",
        fix: &[
            "Copy all four values again from the same app (Keys and tokens), without spaces.",
            "Paste them again and re-check.",
        ],
        wizard_step: Some(WizardStep::Paste),
    },
    Entry {
        kind: ErrorKind::TokenRevoked,
        name: "token-revoked",
        matches: "401/403, code 89",
        cause: "The access token is invalid or expired: it was revoked or regenerated.",
        fix: &[
            "Regenerate the Access Token and Secret (or redo the PIN sign-in).",
            "Paste the new pair.",
        ],
        wizard_step: Some(WizardStep::Regenerate),
    },
    Entry {
        kind: ErrorKind::TokenExpired,
        name: "token-expired",
        matches: "401 to a request with an OAuth 2.0 access token",
        cause: "X no longer accepts this OAuth 2.0 access token: it expired (they last two hours) or was revoked.",
        fix: &[
            "Try again: Postbridge refreshes the token by itself while the sign-in is valid.",
            "If it fails again, sign in with X again.",
        ],
        wizard_step: Some(WizardStep::SignIn),
    },
    Entry {
        kind: ErrorKind::SignInRequired,
        name: "sign-in-required",
        matches: "token endpoint: 400 invalid_grant (refresh token used, expired or revoked; sign-in code used or expired)",
        cause: "X refused to renew the OAuth 2.0 sign-in (refresh tokens work once and expire, and signing in elsewhere can revoke them).",
        fix: &["Sign in with X again in the browser."],
        wizard_step: Some(WizardStep::SignIn),
    },
    Entry {
        kind: ErrorKind::MissingScope,
        name: "missing-scope",
        matches: "403 on a v2 route for a scope the OAuth 2.0 token was not granted (X names it: \"Missing scope: media.write\")",
        cause: "The OAuth 2.0 sign-in did not grant a permission (scope) this action needs.",
        fix: &[
            "Sign in with X again and allow everything Postbridge asks for.",
            "If X still does not grant it, set the app's permissions to \"Read and write\" in the developer console (User authentication settings), save, and sign in again.",
        ],
        wizard_step: Some(WizardStep::SignIn),
    },
    Entry {
        kind: ErrorKind::ExchangeUnavailable,
        name: "exchange-unavailable",
        matches: "token exchange: 400 unsupported_grant_type, 404, or invalid_request naming the grant",
        cause: "X does not offer the one-click upgrade of OAuth 1.0a keys to OAuth 2.0 (its token exchange) for this app yet.",
        fix: &[
            "Sign in with X in the browser instead; the OAuth 1.0a keys keep working meanwhile.",
        ],
        wizard_step: Some(WizardStep::SignIn),
    },
    Entry {
        kind: ErrorKind::ClientIdRejected,
        name: "client-id-rejected",
        matches: "token endpoint: 401 invalid_client or unauthorized_client",
        cause: "X did not accept the app's OAuth 2.0 Client ID: it is mistyped, belongs to another app, or the app is not set up as a Native App (public client).",
        fix: &[
            "In the developer console open the app → User authentication settings: choose \"Native App\" as the type of app and register the callback URL Postbridge shows.",
            "Copy the OAuth 2.0 Client ID (not the API Key) into Postbridge and sign in again.",
        ],
        wizard_step: Some(WizardStep::SignIn),
    },
    Entry {
        kind: ErrorKind::ClockSkew,
        name: "clock-skew",
        matches: "401, code 135, or a Date header far from local time",
        cause: "This computer's clock is too far from X's, so the request timestamp was rejected.",
        fix: &[
            "Turn on automatic time synchronisation (NTP) in the system settings.",
            "Try again.",
        ],
        wizard_step: Some(WizardStep::Clock),
    },
    Entry {
        kind: ErrorKind::CreditsDepleted,
        name: "credits-depleted",
        matches: "402 problem credits, or a spending limit",
        cause: "The developer account has no pay-per-use credits left (or hit its spending limit). Failed calls are free.",
        fix: &[
            "Add credits (or raise the spending limit) in the developer console.",
            "Try again.",
        ],
        wizard_step: Some(WizardStep::Plan),
    },
    Entry {
        kind: ErrorKind::RateLimited,
        name: "rate-limited",
        matches: "429 (Too Many Requests, code 88)",
        cause: "The rate-limit window for this endpoint is used up.",
        fix: &["Wait until the window resets (time shown), then try again. Nothing was posted."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::UsageCapped,
        name: "usage-capped",
        matches: "429 problem usage-capped, code 185",
        cause: "A daily or monthly usage cap of the plan is reached.",
        fix: &[
            "Wait for the cap period to end (daily or monthly), or change the plan.",
        ],
        wizard_step: Some(WizardStep::Plan),
    },
    Entry {
        kind: ErrorKind::DuplicateContent,
        name: "duplicate-content",
        matches: "403 \"duplicate content\", code 187",
        cause: "The same text was already posted recently (possibly by an earlier try of this same post).",
        fix: &[
            "Check your profile: the post may already be there.",
            "Otherwise change the text.",
        ],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::MediaInvalid,
        name: "media-invalid",
        matches: "400 \"Your media IDs are invalid.\", codes 324/325, v1.1 media errors, local checks",
        cause: "The media is not acceptable: unknown type, too big, too many, expired, or not processed yet.",
        fix: &[
            "Check the limit named in the message (size, dimensions, count).",
            "Wait a moment if it was still processing, otherwise attach a smaller or converted file.",
        ],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::TextTooLong,
        name: "text-too-long",
        matches: "400 \"Your Tweet text is too long\", code 186",
        cause: "The text is over the weighted limit (280, or 25,000 with Premium).",
        fix: &["Shorten the text (URLs count 23, emoji and CJK count 2), or post from a Premium account."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::ReplyNotAllowed,
        name: "reply-not-allowed",
        matches: "403 \"Reply to this conversation is not allowed\", code 433",
        cause: "X lets API replies through only when the author mentioned or engaged with you (or the author limited replies).",
        fix: &["Post it as a standalone post instead of a reply."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::VideoTooLong,
        name: "video-too-long",
        matches: "403 \"This user is not allowed to post a video longer than N minutes.\"",
        cause: "X limits how long a video this account may post (20 minutes by default, 125 with Premium; some accounts are told less). Postbridge remembers the limit X gave and warns before the next long video.",
        fix: &["Trim the video to the limit X named and attach it again.", "Or post it from an account with X Premium."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::MediaProcessingFailed,
        name: "media-processing-failed",
        matches: "processing_info.state = failed",
        cause: "X could not process the uploaded file (for example an unsupported codec).",
        fix: &["Convert the file (for video: H.264 + AAC in MP4) and attach it again."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::UploadRouteRetired,
        name: "upload-route-retired",
        matches: "v1.1 upload: 403/453, 404, 410, non-JSON, connection failure; or the v1.1 route chosen for an OAuth 2.0 account (nothing sent)",
        cause: "The legacy v1.1 upload route refused the upload (X is retiring it), or cannot be used: v1.1 upload needs OAuth 1.0a keys.",
        fix: &["Use the automatic or v2 upload route."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::Network,
        name: "network",
        matches: "DNS, connect, TLS, reset, timeout",
        cause: "The connection to X failed.",
        fix: &[
            "Check the internet connection (and any proxy or firewall).",
            "Try again.",
        ],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::ServerError,
        name: "server-error",
        matches: "5xx",
        cause: "X failed or is overloaded (in 2026, 503 on posting can also mean a billing problem).",
        fix: &["Check the credits balance, then try again later."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::OutcomeUnknown,
        name: "outcome-unknown",
        matches: "POST /2/tweets: timeout, reset, 5xx or 2xx without id, and the post not found by reading the account's posts",
        cause: "The post was sent but X's answer was lost, and reading your recent posts did not settle whether it was created (timelines lag, or the read was refused). It may be on X.",
        fix: &[
            "Open your profile and look for the post.",
            "If it is there, mark it as posted (app: \"It's on X\"); if it is not, post it again (app: \"Post it again\"; CLI: the same command with --force).",
        ],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::AccountMismatch,
        name: "account-mismatch",
        matches: "local: GET /2/users/me names another user than the one a queued post was scheduled for",
        cause: "The post was scheduled for one X account, but the credentials given now sign in as another, so it was not sent (nothing was posted).",
        fix: &[
            "Run the queue with the credentials of the account that scheduled it (the same X_* variables, or its --profile).",
            "Or cancel the item and schedule it again from the account you mean.",
        ],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::Forbidden,
        name: "forbidden",
        matches: "other 403 (B15)",
        cause: "X refused the action for this account (permissions, restricted account, or feature not available on the plan).",
        fix: &["Read X's message shown here; check the app's permissions and the account's status."],
        wizard_step: Some(WizardStep::Permissions),
    },
    Entry {
        kind: ErrorKind::AccountLocked,
        name: "account-locked",
        matches: "403, code 326",
        cause: "X temporarily locked the account.",
        fix: &["Log in on x.com and follow the steps to unlock the account, then try again."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::NotFound,
        name: "not-found",
        matches: "404",
        cause: "The post or media does not exist (or is no longer visible).",
        fix: &["Check the ID."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::InvalidRequest,
        name: "invalid-request",
        matches: "other 400",
        cause: "X refused a parameter of the request.",
        fix: &["Read X's message shown here and correct the input."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::Cancelled,
        name: "cancelled",
        matches: "local",
        cause: "The operation was cancelled.",
        fix: &["Start it again when ready."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::LocalError,
        name: "local-error",
        matches: "local",
        cause: "A local problem: a file could not be read, or the configuration is incomplete.",
        fix: &["Read the message shown here and correct the file path or settings."],
        wizard_step: None,
    },
    Entry {
        kind: ErrorKind::UnexpectedResponse,
        name: "unexpected-response",
        matches: "2xx with an unknown body",
        cause: "X answered in a form this version of Postbridge does not understand.",
        fix: &["Try again; if it persists, update Postbridge or report it."],
        wizard_step: None,
    },
];

const FALLBACK: Entry = Entry {
    kind: ErrorKind::ServerError,
    name: "server-error",
    matches: "",
    cause: "Unknown failure.",
    fix: &[],
    wizard_step: None,
};

/// The table row of a kind.
pub fn entry(kind: ErrorKind) -> &'static Entry {
    TABLE.iter().find(|e| e.kind == kind).unwrap_or(&FALLBACK)
}

/// A failure explained for a person and a program (pinned JSON shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Stable kind.
    pub kind: ErrorKind,
    /// HTTP status, when X answered.
    pub status: Option<u16>,
    /// X's own words (problem `detail`, v1.1 `message`/`error`) or the local message.
    pub detail: String,
    /// Plain-language cause (from [`TABLE`]).
    pub cause: String,
    /// Steps to fix (from [`TABLE`]).
    pub fix: Vec<String>,
    /// The wizard step that fixes it.
    pub wizard_step: Option<WizardStep>,
    /// Rate-limit headers of the failing response.
    pub rate_limit: Option<RateLimit>,
    /// v1.1 error code, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// v2 problem type (its `/2/problems/<name>` suffix, or `about:blank`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem_type: Option<String>,
}

impl Diagnosis {
    /// Builds a diagnosis of `kind` with the table's words.
    pub fn new(kind: ErrorKind, status: Option<u16>, detail: impl Into<String>) -> Self {
        let e = entry(kind);
        Diagnosis {
            kind,
            status,
            detail: detail.into(),
            cause: e.cause.to_owned(),
            fix: e.fix.iter().map(|s| (*s).to_owned()).collect(),
            wizard_step: e.wizard_step,
            rate_limit: None,
            code: None,
            problem_type: None,
        }
    }
}

/// Renders [`TABLE`] as a Markdown table (for README/docs generation).
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Kind | X sends | Cause | How to fix | Wizard step |\n|---|---|---|---|---|\n",
    );
    for e in TABLE {
        let fix = e
            .fix
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {}", i + 1, s))
            .collect::<Vec<_>>()
            .join("<br>");
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            e.name,
            e.matches.replace('|', "\\|"),
            e.cause.replace('|', "\\|"),
            fix.replace('|', "\\|"),
            e.wizard_step.map(WizardStep::as_str).unwrap_or("—"),
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for e in TABLE {
            let json = serde_json::to_string(&e.kind).unwrap();
            assert_eq!(json, format!("\"{}\"", e.name));
            assert!(seen.insert(e.name), "duplicate {}", e.name);
            assert!(!e.fix.is_empty());
        }
        for name in [
            "tier-endpoint-mismatch",
            "client-not-enrolled",
            "read-only-token",
            "unsupported-authentication",
            "invalid-credentials",
            "clock-skew",
            "credits-depleted",
            "rate-limited",
            "usage-capped",
            "duplicate-content",
            "media-invalid",
            "text-too-long",
            "reply-not-allowed",
            "media-processing-failed",
            "upload-route-retired",
            "network",
            "server-error",
            "token-expired",
            "sign-in-required",
            "missing-scope",
            "exchange-unavailable",
            "client-id-rejected",
            "account-mismatch",
        ] {
            assert!(seen.contains(name), "missing {name}");
        }
    }

    #[test]
    fn markdown_has_every_row() {
        let md = markdown_table();
        assert_eq!(md.lines().count(), TABLE.len() + 2);
        assert!(md.contains("| `read-only-token` |"));
    }

    #[test]
    fn diagnosis_json_shape_is_pinned() {
        let d = Diagnosis::new(ErrorKind::ReadOnlyToken, Some(403), "x");
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["kind"], "read-only-token");
        assert_eq!(v["status"], 403);
        assert_eq!(v["wizard_step"], "permissions");
        assert!(v["fix"].is_array());
        assert!(v["cause"].is_string());
        let d = Diagnosis::new(ErrorKind::SignInRequired, Some(400), "x");
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(
            (v["kind"].as_str(), v["wizard_step"].as_str()),
            (Some("sign-in-required"), Some("sign-in"))
        );
        assert_eq!(
            WizardStep::SignIn.as_str(),
            serde_json::to_value(WizardStep::SignIn).unwrap()
        );
    }
}
