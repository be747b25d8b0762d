//! Request dispatch: the one pipeline every request goes through, and the types route
//! handlers get.
//!
//! Contract: [`dispatch`] turns every request into an X-shaped response (or, when a fault
//! or mode asks for it, a hang or a connection reset) and never panics. `/_sim/` requests go
//! to the control API, which applies its own guards. Every other request passes, in order
//! (one function per stage in [`dispatch`]'s module):
//! 1. the `Host` guard: a `Host` that does not name this simulator is answered 421 (rules in
//!    [`crate::guard`]), before anything is logged;
//! 2. **faults**: the request is logged, the endpoint's faults are drawn from the seeded RNG,
//!    and latency, hang, reset-before and error-before apply;
//! 3. **retirement**: the global v1.1 retirement switch refuses v1.1 media routes;
//! 4. **authenticate**: unknown routes get 404, the query and a form body are decoded, and
//!    strict OAuth 1.0a verification runs ([`auth`]); then the caller's per-account
//!    retirement override applies;
//! 5. **route**: the unsigned bodies are classified, rate limits, enrolment and
//!    `reads_refused` apply, the handler of the [`Route`] runs and commits, and the
//!    after-commit faults may replace or drop its answer;
//! 6. **log**: the status is recorded in the request log and the common headers added.
//!
//! Around the stages, the link ([`crate::link`]): while the network is down a request is
//! answered with a connection reset before stage 1 (and not logged), and every answer waits
//! the link's round-trip time after stage 6.
//!
//! Only the query string and single-part `application/x-www-form-urlencoded` bodies are
//! signed; JSON and multipart bodies are never read before authentication succeeds, and
//! multipart bodies are handed on as a stream. The pipeline is hand-written rather than an
//! `axum::Router` on purpose: faults and the retirement switch apply before routing, the
//! [`Route`] doubles as the fault and rate-limit key, and a stage may end the request early.
//!
//! Why `axum` is a dependency at all: only for its body and response types (`Body`,
//! `Response`, the `http` re-exports) and the bounded `axum::body::to_bytes`, which together
//! give a boxed body that hyper can serve, `From<String>`/`From<&str>` bodies for the reply
//! builders, a data stream for `multer`, and a size-limited read — exactly what a hand-written
//! router needs. `http-body-util` would do the same with a dozen lines of our own glue (a
//! `BoxBody` alias, `Full`/`Empty` constructors, `Limited` + `collect`); kept, because that
//! glue buys nothing but a shorter dependency list.

mod auth;
mod body;
mod dispatch;
mod route;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method};
use axum::response::Response;
use bytes::Bytes;
use tokio::sync::Notify;

use crate::config::{Faults, Modes, SimConfig};
use crate::world::World;

pub use crate::limits::SMALL_BODY_MAX;
pub use auth::Auth;
pub use dispatch::dispatch;
pub use route::{Family, Route};

/// State shared by every connection.
#[derive(Debug)]
pub struct Shared {
    /// Start-up config.
    pub cfg: SimConfig,
    /// The world.
    pub world: Mutex<World>,
    /// `http://127.0.0.1:PORT` of the API listener.
    pub api_base: String,
    /// `http://127.0.0.1:PORT` of the upload listener.
    pub upload_base: String,
    /// Bumped whenever the modes change (wakes the upload accept loop).
    pub mode_changed: tokio::sync::watch::Sender<u64>,
    /// The network between the clients and the simulator ([`crate::link`]).
    pub(crate) net: Arc<crate::link::Net>,
}

impl Shared {
    /// Locks the world (recovering from poisoning: the world stays usable).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Which listener accepted the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// The API base.
    Api,
    /// The legacy upload base.
    Upload,
}

/// Per-connection information handed to the dispatcher.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// Peer address.
    pub peer: SocketAddr,
    /// Local address.
    pub local: SocketAddr,
    /// Which listener.
    pub listener: ListenerKind,
    /// Notified to reset the connection.
    pub kill: Arc<Notify>,
    /// The connection is TLS (the signed scheme is `https`).
    pub tls: bool,
    /// The connection's number (unique in this simulator), e.g. to spare the connection
    /// that turned a network outage on over the control API ([`crate::link`]).
    pub id: u64,
}

/// The request body after classification.
pub enum ReqBody {
    /// No body / not read.
    Empty,
    /// Decoded form fields (signed).
    Form(Vec<(String, String)>),
    /// Raw JSON bytes (unsigned).
    Json(Bytes),
    /// A multipart stream (unsigned), never buffered whole.
    Multipart(multer::Multipart<'static>),
    /// Another content type (raw, size-limited).
    Other(Bytes),
}

/// Everything a route handler gets.
pub struct Ctx {
    /// Shared state.
    pub shared: Arc<Shared>,
    /// Connection.
    pub conn: ConnInfo,
    /// Method.
    pub method: Method,
    /// Path as received.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// `http://host[:port]` as received.
    pub origin: String,
    /// Authenticated caller (None on unauthenticated routes).
    pub auth: Option<Auth>,
    /// Faults of this endpoint.
    pub faults: Faults,
    /// Endpoint key.
    pub endpoint: String,
}

impl Ctx {
    /// Current modes with the caller's per-account overrides applied.
    pub fn modes(&self) -> Modes {
        self.shared.world().effective_modes(&self.account())
    }
    /// First value of a signed/query parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        if let Some(a) = &self.auth {
            if let Some((_, v)) = a.params.iter().find(|(k, _)| k == key) {
                return Some(v.clone());
            }
        }
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    /// The authenticated account id ("" if none).
    pub fn account(&self) -> String {
        self.auth
            .as_ref()
            .and_then(|a| a.account_id.clone())
            .unwrap_or_default()
    }
}

/// Result of a handler: `Ok` and `Err` are both complete responses.
pub type HResult = Result<Response, Response>;

/// Reads a small body fully (bounded).
pub async fn read_small(body: Body, limit: usize) -> Result<Bytes, ()> {
    axum::body::to_bytes(body, limit).await.map_err(|_| ())
}

/// The media type essence of the Content-Type header, lowercased.
pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}
