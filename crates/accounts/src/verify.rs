//! Verifying keys: who they belong to, and whether they can post.
//!
//! Contract: [`verify`] calls `GET /2/users/me` once and returns a [`Verification`]:
//! `verified` (read-write), `read-only` (the token predates "Read and write": the wizard sends
//! the person to Permissions → Regenerate), or `failed` with the client's diagnosis (whose
//! `wizard_step` says where the fix is: 401 → paste, client-not-enrolled → plan, clock skew →
//! clock, …). It never changes anything on X.

use serde::Serialize;
use x_client::{AccessLevel, Credentials, Diagnosis, Endpoints, WizardStep, XClient};

/// What X said about a set of keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Verification {
    /// The keys work and can post.
    Verified {
        /// X user id.
        user_id: String,
        /// Handle without `@`.
        username: String,
        /// Display name.
        name: String,
        /// `read-write` or `read-write-directmessages`.
        access_level: String,
    },
    /// The keys work but the token is read-only: regenerate it after setting "Read and write".
    ReadOnly {
        /// X user id.
        user_id: String,
        /// Handle without `@`.
        username: String,
        /// Why, in words.
        reason: String,
        /// The wizard step to go to.
        wizard_step: WizardStep,
    },
    /// X refused the keys (or could not be reached).
    Failed {
        /// The diagnosis, with its cause, fix and wizard step.
        diagnosis: Diagnosis,
    },
}

/// The explanation shown when a token is read-only.
pub const READ_ONLY_REASON: &str = "X says this Access Token can only read (x-access-level: read). Tokens keep the permissions the app had when they were made, so a token made before you chose \"Read and write\" stays read-only. Set the app's permissions to Read and write, then regenerate the Access Token and Secret.";

/// Checks `credentials` against `endpoints` with `GET /2/users/me`.
pub async fn verify(endpoints: Endpoints, credentials: Credentials) -> Verification {
    let client = match XClient::new(endpoints, credentials) {
        Ok(c) => c,
        Err(err) => {
            return Verification::Failed {
                diagnosis: err.diagnosis(),
            }
        }
    };
    match client.me().await {
        Ok(me) if me.access_level == AccessLevel::Read => Verification::ReadOnly {
            user_id: me.id,
            username: me.username,
            reason: READ_ONLY_REASON.into(),
            wizard_step: WizardStep::Permissions,
        },
        Ok(me) => Verification::Verified {
            user_id: me.id,
            username: me.username,
            name: me.name,
            access_level: me.access_level.as_str().to_owned(),
        },
        Err(err) => Verification::Failed {
            diagnosis: err.diagnosis(),
        },
    }
}
