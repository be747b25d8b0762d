//! The one error type that crosses IPC.
//!
//! Contract: every command returns `Result<T, AppError>`. On the wire an `AppError` is a
//! tagged object `{ "kind": "...", ...fields }`; its TypeScript type is generated into
//! `ui/src/ipc/bindings.ts` and its JSON shape is pinned by the tests below, so the UI and
//! Rust cannot drift apart silently. Messages are for people and never contain a secret.

use serde::Serialize;
use specta::Type;

/// An error as the page receives it.
#[derive(Debug, Clone, thiserror::Error, Serialize, Type, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AppError {
    /// No keychain service can be reached: nothing secret can be saved.
    #[error("{reason} {fix}")]
    KeychainUnavailable {
        /// The missing service.
        service: String,
        /// What is wrong.
        reason: String,
        /// How to fix it.
        fix: String,
    },
    /// The keychain answered but refused the operation.
    #[error("{message}")]
    Keychain {
        /// What went wrong.
        message: String,
    },
    /// An account could not be found, named, saved or read.
    #[error("{message}")]
    Account {
        /// What went wrong, for people.
        message: String,
    },
    /// An OAuth 2.0 account's sign-in has ended (its refresh token was refused): only signing
    /// in again in the browser helps (the wizard's sign-in step for `account`).
    #[error("{message}")]
    SignInRequired {
        /// What happened, for people.
        message: String,
        /// The account to sign in again.
        account: String,
    },
    /// The page sent something that cannot be used (an empty name, an unknown step…).
    #[error("{message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
    },
    /// The composer refused a file or could not read or save the draft.
    #[error("{message}")]
    Composer {
        /// What went wrong, naming the limit when a file was refused.
        message: String,
    },
    /// The built-in sandbox could not do what was asked.
    #[error("{message}")]
    Sandbox {
        /// What went wrong.
        message: String,
    },
    /// A bug or an unexpected condition inside Postbridge.
    #[error("{message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl From<keychain::KeychainError> for AppError {
    fn from(err: keychain::KeychainError) -> Self {
        match err {
            keychain::KeychainError::Unavailable {
                service,
                reason,
                fix,
            } => Self::KeychainUnavailable {
                service,
                reason,
                fix,
            },
            other => Self::Keychain {
                message: other.to_string(),
            },
        }
    }
}

impl From<accounts::AccountsError> for AppError {
    fn from(err: accounts::AccountsError) -> Self {
        match err {
            accounts::AccountsError::Keychain(k) => k.into(),
            accounts::AccountsError::SignInRequired(ref account) => Self::SignInRequired {
                message: err.to_string(),
                account: account.clone(),
            },
            other => Self::Account {
                message: other.to_string(),
            },
        }
    }
}

impl From<composer::ComposerError> for AppError {
    fn from(err: composer::ComposerError) -> Self {
        Self::Composer {
            message: err.to_string(),
        }
    }
}

impl AppError {
    /// An [`AppError::InvalidInput`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }
}

impl From<tauri::Error> for AppError {
    fn from(err: tauri::Error) -> Self {
        Self::Internal {
            message: format!("internal error: {err}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Pins the wire shape of every variant; the UI's `AppError` type depends on it.
    #[test]
    fn wire_shape_is_pinned() {
        let cases = [
            (
                AppError::KeychainUnavailable {
                    service: "Secret Service".into(),
                    reason: "r".into(),
                    fix: "f".into(),
                },
                json!({"kind": "keychain-unavailable", "service": "Secret Service", "reason": "r", "fix": "f"}),
            ),
            (
                AppError::Keychain {
                    message: "m".into(),
                },
                json!({"kind": "keychain", "message": "m"}),
            ),
            (
                AppError::Account {
                    message: "m".into(),
                },
                json!({"kind": "account", "message": "m"}),
            ),
            (
                AppError::InvalidInput {
                    message: "m".into(),
                },
                json!({"kind": "invalid-input", "message": "m"}),
            ),
            (
                AppError::Composer {
                    message: "m".into(),
                },
                json!({"kind": "composer", "message": "m"}),
            ),
            (
                AppError::Sandbox {
                    message: "m".into(),
                },
                json!({"kind": "sandbox", "message": "m"}),
            ),
            (
                AppError::Internal {
                    message: "m".into(),
                },
                json!({"kind": "internal", "message": "m"}),
            ),
        ];
        for (err, expected) in cases {
            assert_eq!(serde_json::to_value(&err).unwrap(), expected);
        }
    }

    #[test]
    fn keychain_errors_keep_their_advice() {
        let err: AppError = keychain::KeychainError::Unavailable {
            service: "s".into(),
            reason: "No D-Bus session bus is running.".into(),
            fix: "Start one.".into(),
        }
        .into();
        assert_eq!(
            err.to_string(),
            "No D-Bus session bus is running. Start one."
        );
    }
}
