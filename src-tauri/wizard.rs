//! The setup wizard's session: the keys being set up, kept in Rust between steps.
//!
//! Contract: the page sends each secret once (Paste, or the API key pair for PIN sign-in);
//! from then on it only learns the outcome (slips, verification, saved status). The session
//! holds the cleaned keys, the endpoints they are checked against, the last verification and
//! a PIN sign-in in progress. Saving requires a verification that said "read-write" for
//! exactly these keys. Everything is dropped when the wizard saves or is cancelled.
//!
//! Sign in with X (OAuth 2.0) is [`accounts::signin::BrowserSignIn`]: [`OAuth2Session`] keeps
//! the sign-in and its loopback listener (already listening when the browser opens) between
//! `oauth2_start` and `oauth2_finish`, then the verified grant until Save. Cancelling, or a new
//! sign-in, stops the listener.
//!
//! PIN sign-in is [`x_client::PinFlow`]; [`PinSession`] only keeps its request token between
//! the two steps and words its failures as the wizard always has (a PIN that is not digits is
//! refused before anything is sent; a reply without the token is a server error).

use std::sync::{Arc, Mutex};

use accounts::signin::{BrowserSignIn, Signed};

use accounts::{Verification, VerifiedKeys};
use x_client::{
    AccessGrant, ClientError, Credentials, Diagnosis, Endpoints, ErrorKind, PinFlow, RequestToken,
};

use crate::error::AppError;

/// A started PIN sign-in: the flow and its request token (the secret is redacted in `Debug`).
#[derive(Debug, Clone)]
pub struct PinSession {
    flow: PinFlow,
    request: RequestToken,
    api_base: String,
}

fn pin_diagnosis(err: ClientError, url: &str, missing: &str) -> Box<Diagnosis> {
    Box::new(match err {
        ClientError::Unexpected { .. } => {
            Diagnosis::new(ErrorKind::ServerError, Some(200), missing)
        }
        ClientError::Network { message, .. } => Diagnosis::new(
            ErrorKind::Network,
            None,
            format!("Cannot reach {url}: {message}"),
        ),
        other => other.diagnosis(),
    })
}

impl PinSession {
    /// Step 1: a request token (`oauth_callback=oob`) for the app with these keys.
    pub async fn start(
        endpoints: Endpoints,
        consumer_key: &str,
        consumer_secret: &str,
    ) -> Result<Self, Box<Diagnosis>> {
        let endpoints = endpoints.normalised();
        let api_base = endpoints.api_base.clone();
        let url = format!("{api_base}/oauth/request_token");
        let missing = "X did not return a request token.";
        let flow = PinFlow::new(endpoints, consumer_key, consumer_secret)
            .map_err(|e| pin_diagnosis(e, &url, missing))?;
        let request = flow
            .request_token()
            .await
            .map_err(|e| pin_diagnosis(e, &url, missing))?;
        Ok(Self {
            flow,
            request,
            api_base,
        })
    }

    /// X's authorize page for this sign-in.
    pub fn authorize_url(&self) -> &str {
        &self.request.authorize_url
    }

    /// Step 3: trades the PIN the person typed for the account's keys.
    pub async fn finish(&self, pin: &str) -> Result<AccessGrant, Box<Diagnosis>> {
        let pin = pin.trim();
        if pin.is_empty() || !pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(Box::new(Diagnosis::new(
                ErrorKind::InvalidCredentials,
                None,
                "The PIN is the number X shows after you authorize the app (digits only).",
            )));
        }
        let url = format!("{}/oauth/access_token", self.api_base);
        self.flow
            .access_token(&self.request, pin)
            .await
            .map_err(|e| pin_diagnosis(e, &url, "X did not return an access token."))
    }
}

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
    oauth2: Option<OAuth2Session>,
    signed: Option<Signed>,
}

/// A browser sign-in in progress: the flow, and the listener waiting for X's redirect.
pub struct OAuth2Session {
    /// The sign-in (PKCE, state, redirect URI).
    pub signin: Arc<BrowserSignIn>,
    /// The loopback listener's task: the redirect's target once the browser came back.
    pub redirect: Option<tokio::task::JoinHandle<Option<String>>>,
}

impl Drop for OAuth2Session {
    fn drop(&mut self) {
        if let Some(task) = &self.redirect {
            task.abort();
        }
    }
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
        inner.signed = None;
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

    /// What Save stores: the keys in progress with their verification, when it said they can
    /// post; otherwise the step the person missed, as an error.
    pub fn verified_keys(&self) -> Result<VerifiedKeys, AppError> {
        let inner = self.lock();
        let Some((credentials, endpoints, sandbox)) = inner.pending.clone() else {
            return Err(AppError::invalid("Paste the keys first."));
        };
        match inner.verified.clone() {
            Some(verification @ Verification::Verified { .. }) => Ok(VerifiedKeys {
                credentials,
                endpoints,
                sandbox,
                verification,
            }),
            _ => Err(AppError::invalid(
                "Verify the keys first: only keys that can post are saved.",
            )),
        }
    }

    /// Keeps a PIN sign-in in progress.
    pub fn set_pin(&self, session: PinSession) {
        self.lock().pin = Some(session);
    }

    /// The PIN sign-in in progress.
    pub fn pin(&self) -> Option<PinSession> {
        self.lock().pin.clone()
    }

    /// Keeps a started browser sign-in (a previous one, and its listener, stop).
    pub fn set_oauth2(&self, session: OAuth2Session) {
        let mut inner = self.lock();
        inner.oauth2 = Some(session);
        inner.signed = None;
    }

    /// The started sign-in and its listener task (taken: finishing twice needs a new start).
    pub fn take_oauth2(
        &self,
    ) -> Option<(Arc<BrowserSignIn>, tokio::task::JoinHandle<Option<String>>)> {
        let mut inner = self.lock();
        let session = inner.oauth2.as_mut()?;
        let task = session.redirect.take()?;
        Some((session.signin.clone(), task))
    }

    /// Keeps a verified grant for Save (keys pasted earlier are forgotten: Save saves this).
    pub fn set_signed(&self, signed: Signed) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.pending = None;
        inner.verified = None;
        inner.signed = Some(signed);
    }

    /// The verified grant waiting for Save, if the wizard's last check was a sign-in.
    pub fn signed(&self) -> Option<Signed> {
        self.lock().signed.clone()
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
