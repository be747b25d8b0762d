//! Verifying keys: who they belong to, and whether they can post.
//!
//! Contract: [`verify`] runs the one credential check, [`x_client::XClient::check`] (the same
//! one `postbridge doctor` runs: `GET /2/users/me` once, then what its answer reveals), and
//! turns its [`Health`] into a [`Verification`] in one place, [`from_health`]:
//! - `verified`: the keys work, can post, and this clock agrees with X's;
//! - `read-only`: the token predates "Read and write" (the wizard sends the person to
//!   Permissions → Regenerate); this wins over any other finding;
//! - `failed` with the client's diagnosis (whose `wizard_step` says where the fix is:
//!   401 → paste, client-not-enrolled → plan, clock skew → clock, …). A clock that differs
//!   from X's by more than [`x_client::error::CLOCK_SKEW_SECS`] fails here even while X still
//!   accepts the signatures, so the wizard names the clock before posts start failing.
//!
//! [`record`] copies what a verification learnt into a profile. Nothing here changes anything
//! on X.

use serde::Serialize;
use x_client::{
    AccessLevel, Credentials, Diagnosis, Endpoints, ErrorKind, Health, WizardStep, XClient,
};

use crate::Profile;

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
        access_level: AccessLevel,
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
    /// X refused the keys (or could not be reached, or this clock is off).
    Failed {
        /// The diagnosis, with its cause, fix and wizard step.
        diagnosis: Diagnosis,
    },
}

/// The explanation shown when a token is read-only.
pub const READ_ONLY_REASON: &str = "X says this Access Token can only read (x-access-level: read). Tokens keep the permissions the app had when they were made, so a token made before you chose \"Read and write\" stays read-only. Set the app's permissions to Read and write, then regenerate the Access Token and Secret.";

/// Checks `credentials` against `endpoints` with [`XClient::check`].
pub async fn verify(endpoints: Endpoints, credentials: Credentials) -> Verification {
    match XClient::new(endpoints, credentials) {
        Ok(client) => from_health(client.check().await),
        Err(err) => Verification::Failed {
            diagnosis: err.diagnosis(),
        },
    }
}

/// The wizard's reading of a credential check (the one mapping from [`Health`]).
pub fn from_health(health: Health) -> Verification {
    let Health { me, problems, .. } = health;
    let read_only = problems.iter().any(|d| d.kind == ErrorKind::ReadOnlyToken);
    match (
        me,
        problems
            .into_iter()
            .find(|d| d.kind != ErrorKind::ReadOnlyToken),
    ) {
        (Some(me), _) if read_only => Verification::ReadOnly {
            user_id: me.id,
            username: me.username,
            reason: READ_ONLY_REASON.into(),
            wizard_step: WizardStep::Permissions,
        },
        (_, Some(diagnosis)) => Verification::Failed { diagnosis },
        (Some(me), None) => Verification::Verified {
            user_id: me.id,
            username: me.username,
            name: me.name,
            access_level: me.access_level,
        },
        (None, None) => Verification::Failed {
            diagnosis: Diagnosis::new(
                ErrorKind::UnexpectedResponse,
                None,
                "the credential check returned neither an account nor a problem",
            ),
        },
    }
}

/// Copies what a verification learnt (user id, handle, access level) into `profile`; a
/// failed one changes nothing.
pub fn record(profile: &mut Profile, verification: &Verification) {
    match verification {
        Verification::Verified {
            user_id,
            username,
            access_level,
            ..
        } => {
            profile.user_id = Some(user_id.clone());
            profile.username = Some(username.clone());
            profile.access_level = Some(*access_level);
        }
        Verification::ReadOnly {
            user_id, username, ..
        } => {
            profile.user_id = Some(user_id.clone());
            profile.username = Some(username.clone());
            profile.access_level = Some(AccessLevel::Read);
        }
        Verification::Failed { .. } => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use x_client::Me;

    fn me(level: AccessLevel, skew: Option<i64>) -> Me {
        Me {
            id: "1".into(),
            username: "u".into(),
            name: "U".into(),
            access_level: level,
            rate_limit: None,
            clock_skew_secs: skew,
        }
    }

    fn health(me: Option<Me>, problems: Vec<Diagnosis>) -> Health {
        Health {
            me,
            problems,
            rate_limit: None,
        }
    }

    #[test]
    fn health_maps_into_the_wizards_outcomes() {
        let ok = from_health(health(Some(me(AccessLevel::ReadWrite, Some(2))), vec![]));
        assert!(matches!(ok, Verification::Verified { .. }), "{ok:?}");

        let skew = Diagnosis::new(ErrorKind::ClockSkew, None, "off by 300 s");
        let ro = Diagnosis::new(ErrorKind::ReadOnlyToken, None, "read");
        let v = from_health(health(
            Some(me(AccessLevel::Read, None)),
            vec![ro.clone(), skew.clone()],
        ));
        assert!(matches!(
            v,
            Verification::ReadOnly {
                wizard_step: WizardStep::Permissions,
                ..
            }
        ));

        match from_health(health(
            Some(me(AccessLevel::ReadWrite, Some(300))),
            vec![skew],
        )) {
            Verification::Failed { diagnosis } => {
                assert_eq!(diagnosis.kind, ErrorKind::ClockSkew);
                assert_eq!(diagnosis.wizard_step, Some(WizardStep::Clock));
            }
            other => panic!("{other:?}"),
        }

        let net = Diagnosis::new(ErrorKind::Network, None, "down");
        assert_eq!(
            from_health(health(None, vec![net.clone()])),
            Verification::Failed { diagnosis: net }
        );
    }
}
