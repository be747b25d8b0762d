//! Keeping an OAuth 2.0 client's token usable for as long as the client lives.
//!
//! Contract: a client built with [`XClient::with_renewer`] sends its current Bearer token;
//! when X answers **401** to it (expired early, a clock that disagrees with X's, revoked),
//! the client asks its [`TokenRenewer`] once for another token and sends the same request
//! again with it. Re-sending is safe for every call, `POST /2/tweets` included: X creates
//! nothing for a request it refused as unauthenticated (docs/protocol.md §14.2). The new token
//! is kept for the client's next calls; a second 401 is returned as it is. When the renewer
//! cannot give a token (the refresh token was refused: only a new sign-in helps), the call
//! fails with [`ClientError::Renewal`] carrying the renewer's diagnosis. Renewers serialize
//! refreshes themselves (refresh tokens are single-use; see `accounts::oauth2`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::client::XClient;
use crate::credentials::BearerToken;
use crate::diagnosis::Diagnosis;
use crate::error::ClientError;

/// A boxed future of a renewal.
pub type Renewal<'a> = Pin<Box<dyn Future<Output = Result<BearerToken, Diagnosis>> + Send + 'a>>;

/// Gives a usable Bearer token after X rejected `rejected` with 401.
pub trait TokenRenewer: Send + Sync {
    /// Another token to use instead of `rejected` (refreshed, or one another process stored
    /// meanwhile), or the diagnosis of why there is none (e.g. kind `sign-in-required`).
    fn renew<'a>(&'a self, rejected: &'a BearerToken) -> Renewal<'a>;
}

impl XClient {
    /// This OAuth 2.0 client, renewing its token through `renewer` after a 401 (module docs).
    /// An OAuth 1.0a client is returned unchanged in behaviour (1.0a keys do not expire).
    pub fn with_renewer(self, renewer: Arc<dyn TokenRenewer>) -> Self {
        let mut inner = (*self.inner).clone_parts();
        inner.renewer = Some(renewer);
        XClient {
            inner: Arc::new(inner),
        }
    }

    /// The Bearer token the next request carries (`None` for OAuth 1.0a).
    pub(crate) fn current_bearer(&self) -> Option<BearerToken> {
        let renewed = self
            .inner
            .renewed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        renewed.or_else(|| match &self.inner.auth {
            Some(crate::credentials::Auth::OAuth2(t)) => Some(t.clone()),
            _ => None,
        })
    }

    /// After X answered 401 to `sent`: a renewed token to send again with, `Ok(None)` when
    /// this client has no renewer, or the renewal's failure.
    pub(crate) async fn renew_after_401(
        &self,
        sent: &BearerToken,
    ) -> Result<Option<BearerToken>, ClientError> {
        let Some(renewer) = self.inner.renewer.clone() else {
            return Ok(None);
        };
        let token = renewer
            .renew(sent)
            .await
            .map_err(|d| ClientError::Renewal(Box::new(d)))?;
        *self.inner.renewed.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        Ok(Some(token))
    }
}
