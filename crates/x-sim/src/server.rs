//! Listeners and connections: two HTTP/1.1 accept loops (API and upload) serving
//! [`crate::http::dispatch`], with connection resets, the "connection refused" mode and the
//! link model ([`crate::link`]).
//!
//! Contract: each accepted connection runs in a task owned by its listener's `JoinSet`, so
//! shutting a listener down aborts its connections too (hung requests included). A reset
//! requested by the dispatcher closes the socket with `SO_LINGER` 0 (an RST on the wire), and
//! so does the start of a network outage ([`crate::link::Link::down`]) for every open
//! connection (but the one that asked for it over the control API). Every accepted stream is
//! read through the link's shared uplink ([`crate::link::Paced`], under TLS), after the
//! link's connection-setup delay.
//! In `conn-refused` mode the upload listener's socket is closed (so connecting is refused)
//! and re-bound on the same address when the mode changes back. Each listener serves at most
//! `Limits::connections_per_listener` connections ([`crate::limits::MAX_CONNECTIONS_PER_LISTENER`]
//! by default): while that many are open it stops accepting, so further clients wait in the
//! kernel's backlog until a connection closes (one that sends no request head for 30 s,
//! hyper's header read timeout, is closed).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::config::V1Retired;
use crate::http::{dispatch, ConnInfo, ListenerKind, Shared};
use crate::SimError;

/// TLS acceptor, when HTTPS is configured.
pub type Tls = Option<tokio_rustls::TlsAcceptor>;

/// Builds the TLS acceptor from PEM files.
pub fn tls_acceptor(pem: &crate::config::TlsPem) -> Result<tokio_rustls::TlsAcceptor, SimError> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| SimError::Tls(format!("certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(&pem.key_pem)
        .map_err(|e| SimError::Tls(format!("private key: {e}")))?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let mut config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| SimError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn serve_io<I>(io: I, info: ConnInfo, shared: Arc<Shared>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let shared = shared.clone();
        let info = info.clone();
        async move { Ok::<_, Infallible>(dispatch(shared, info, req.map(Body::new)).await) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .half_close(true)
        .serve_connection(TokioIo::new(io), svc)
        .await;
}

/// The connection's life after accept: the link's connection-setup delay, the TLS
/// handshake if any, then HTTP/1.1 until the client closes. Reads pass the shared uplink.
async fn run_conn(stream: TcpStream, info: ConnInfo, shared: Arc<Shared>, tls: Tls) {
    let setup = shared.net.setup_delay(tls.is_some());
    if !setup.is_zero() {
        tokio::time::sleep(setup).await;
    }
    let io = shared.net.paced(stream);
    match tls {
        Some(acceptor) => {
            if let Ok(Ok(tls_stream)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(io)).await
            {
                serve_io(tls_stream, info, shared).await;
            }
        }
        None => serve_io(io, info, shared).await,
    }
}

async fn serve_conn(
    stream: TcpStream,
    peer: SocketAddr,
    kind: ListenerKind,
    shared: Arc<Shared>,
    tls: Tls,
) {
    let local = stream.local_addr().unwrap_or(peer);
    let _ = stream.set_nodelay(true);
    // A duplicate of the socket lets us set SO_LINGER=0 after hyper owns the stream.
    let (stream, dup) = match stream.into_std().and_then(|s| {
        let dup = s.try_clone()?;
        Ok((TcpStream::from_std(s)?, dup))
    }) {
        Ok(x) => x,
        Err(_) => return,
    };
    let kill = Arc::new(Notify::new());
    let id = shared.net.next_conn_id();
    let mut outage = shared.net.watch(id);
    let net = shared.net.clone();
    let info = ConnInfo {
        peer,
        local,
        listener: kind,
        kill: kill.clone(),
        tls: tls.is_some(),
        id,
    };
    let mut work = Box::pin(run_conn(stream, info, shared, tls));
    let reset = tokio::select! {
        _ = &mut work => false,
        _ = kill.notified() => true,
        _ = outage.began() => {
            net.count_connection_reset();
            true
        }
    };
    if reset {
        let _ = socket2::SockRef::from(&dup).set_linger(Some(Duration::ZERO));
    }
    drop(work);
    drop(dup);
}

/// Runs the API accept loop until shutdown.
pub async fn run_api(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Tls,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let max = shared.cfg.limits.connections_per_listener.max(1);
    loop {
        tokio::select! {
            r = listener.accept(), if conns.len() < max => {
                if let Ok((stream, peer)) = r {
                    conns.spawn(serve_conn(stream, peer, ListenerKind::Api, shared.clone(), tls.clone()));
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
}

fn refused(shared: &Shared) -> bool {
    shared.world().modes.v1_retired == V1Retired::ConnRefused
}

/// Runs the upload accept loop until shutdown, closing and re-binding the socket for the
/// `conn-refused` mode.
pub async fn run_upload(
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    tls: Tls,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    let max = shared.cfg.limits.connections_per_listener.max(1);
    let mut modes_rx = shared.mode_changed.subscribe();
    let mut listener = Some(listener);
    loop {
        if refused(&shared) {
            listener = None;
            conns.abort_all();
        } else if listener.is_none() {
            match TcpListener::bind(addr).await {
                Ok(l) => listener = Some(l),
                Err(_) => {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                        _ = shutdown.changed() => break,
                    }
                }
            }
        }
        match &listener {
            Some(l) => {
                tokio::select! {
                    r = l.accept(), if conns.len() < max => {
                        if let Ok((stream, peer)) = r {
                            conns.spawn(serve_conn(stream, peer, ListenerKind::Upload, shared.clone(), tls.clone()));
                        }
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                    r = modes_rx.changed() => { if r.is_err() { break; } }
                    _ = shutdown.changed() => break,
                }
            }
            None => {
                tokio::select! {
                    r = modes_rx.changed() => { if r.is_err() { break; } }
                    _ = shutdown.changed() => break,
                }
            }
        }
    }
}
