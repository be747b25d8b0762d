//! What the page sees: the typed, secret-free views the commands return.
//!
//! Contract: every type here is generated into `ui/src/ipc/bindings.ts`. None carries a secret:
//! an account is shown by its status (`configured`, `username`, `accessLevel`, …), pasted keys
//! by their slips, a failure by its diagnosis.

use serde::Serialize;
use specta::Type;

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
    /// `read`, `read-write`, `read-write-directmessages`, once verified.
    pub access_level: Option<String>,
    /// The plan the person said the app is on.
    pub plan: Option<String>,
    /// The built-in sandbox account.
    pub sandbox: bool,
    /// The account Postbridge uses now.
    pub is_default: bool,
    /// The remembered upload route, with why.
    pub upload_route: Option<UploadRouteView>,
}

/// A remembered upload route.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UploadRouteView {
    /// `v1` or `v2`.
    pub route: String,
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
    /// `apiKey`, `apiSecret`, `accessToken` or `accessSecret`.
    pub field: String,
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

/// A failure explained: the row of the diagnosis table plus X's own words.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisView {
    /// Stable kind, e.g. `read-only-token`.
    pub kind: String,
    /// HTTP status, when X answered.
    pub status: Option<u16>,
    /// X's own words.
    pub detail: String,
    /// The cause, in plain language.
    pub cause: String,
    /// Steps to fix it.
    pub fix: Vec<String>,
    /// The wizard step that fixes it (`paste`, `permissions`, `regenerate`, `plan`, `verify`, `clock`).
    pub wizard_step: Option<String>,
}

impl From<x_client::Diagnosis> for DiagnosisView {
    fn from(d: x_client::Diagnosis) -> Self {
        let kind = serde_json::to_value(d.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "server-error".into());
        Self {
            kind,
            status: d.status,
            detail: d.detail,
            cause: d.cause,
            fix: d.fix,
            wizard_step: d.wizard_step.map(|s| s.as_str().to_owned()),
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
        access_level: String,
    },
    /// The token can only read.
    #[serde(rename_all = "camelCase")]
    ReadOnly {
        /// Handle without `@`.
        username: String,
        /// Why, and what to do.
        reason: String,
        /// The step to go back to.
        wizard_step: String,
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
                wizard_step: wizard_step.as_str().to_owned(),
            },
            accounts::Verification::Failed { diagnosis } => Self::Failed {
                diagnosis: diagnosis.into(),
            },
        }
    }
}

/// A PIN sign-in in progress.
#[derive(Debug, Clone, Serialize, Type, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PinStart {
    /// The authorize page (also shown, in case no browser could be opened).
    pub authorize_url: String,
    /// Whether the system browser was opened.
    pub browser_opened: bool,
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
