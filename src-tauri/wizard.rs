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
    /// Bumped whenever new keys arrive, so a late verification of older keys is dropped.
    generation: u64,
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
        inner.generation = inner.generation.wrapping_add(1);
        inner.pending = Some((credentials, endpoints, sandbox));
        inner.verified = None;
    }

    /// The generation of the keys in progress (changes with every [`Self::set_pending`]).
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The keys in progress, their endpoints and whether they are the sandbox's.
    pub fn pending(&self) -> Option<(Credentials, Endpoints, bool)> {
        self.lock().pending.clone()
    }

    /// Records what X said about the keys of `generation`; dropped (returns false) when other
    /// keys were pasted meanwhile (PB-21), so a late answer never vouches for new keys.
    pub fn set_verified(&self, generation: u64, verification: Verification) -> bool {
        let mut inner = self.lock();
        if inner.generation != generation {
            return false;
        }
        inner.verified = Some(verification);
        true
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

    /// Forgets everything (the generation keeps counting).
    pub fn clear(&self) {
        let mut inner = self.lock();
        let generation = inner.generation.wrapping_add(1);
        *inner = Inner {
            generation,
            ..Inner::default()
        };
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn creds(t: &str) -> Credentials {
        Credentials {
            consumer_key: "k".into(),
            consumer_secret: "s".into(),
            access_token: t.into(),
            access_secret: "a".into(),
        }
    }

    #[test]
    fn a_late_verification_never_vouches_for_newer_keys() {
        let w = WizardSession::default();
        w.set_pending(creds("1-old"), Endpoints::default(), false);
        let old = w.generation();
        w.set_pending(creds("2-new"), Endpoints::default(), false);
        let late = Verification::Failed {
            diagnosis: x_client::Diagnosis::new(x_client::ErrorKind::Network, None, "late"),
        };
        assert!(!w.set_verified(old, late.clone()));
        assert!(w.verified().is_none());
        assert!(w.set_verified(w.generation(), late));
        assert!(w.verified().is_some());
    }
}
