//! The setup wizard's session: the keys being set up, kept in Rust between steps.
//!
//! Contract: the page sends each secret once (Paste, or the API key pair for PIN sign-in);
//! from then on it only learns the outcome (slips, verification, saved status). The session
//! holds the cleaned keys, the endpoints they are checked against, the last verification and
//! a PIN sign-in in progress. Saving requires a verification that said "read-write" for
//! exactly these keys. Everything is dropped when the wizard saves or is cancelled.

use std::sync::Mutex;

use accounts::{pin::PinSession, Verification};
use x_client::{Credentials, Endpoints};

/// Keys in progress and what X said about them.
#[derive(Default)]
pub struct WizardSession {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    pending: Option<(Credentials, Endpoints, bool)>,
    verified: Option<Verification>,
    pin: Option<PinSession>,
}

impl WizardSession {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave it inconsistent: every write is whole.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps cleaned keys for the next steps (and forgets any earlier verification).
    pub fn set_pending(&self, credentials: Credentials, endpoints: Endpoints, sandbox: bool) {
        let mut inner = self.lock();
        inner.pending = Some((credentials, endpoints, sandbox));
        inner.verified = None;
    }

    /// The keys in progress, their endpoints and whether they are the sandbox's.
    pub fn pending(&self) -> Option<(Credentials, Endpoints, bool)> {
        self.lock().pending.clone()
    }

    /// Records what X said about the pending keys.
    pub fn set_verified(&self, verification: Verification) {
        self.lock().verified = Some(verification);
    }

    /// The last verification of the pending keys.
    pub fn verified(&self) -> Option<Verification> {
        self.lock().verified.clone()
    }

    /// Keeps a PIN sign-in in progress.
    pub fn set_pin(&self, session: PinSession) {
        self.lock().pin = Some(session);
    }

    /// The PIN sign-in in progress.
    pub fn pin(&self) -> Option<PinSession> {
        self.lock().pin.clone()
    }

    /// Forgets everything.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }
}
