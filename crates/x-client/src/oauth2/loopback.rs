//! The loopback listener that receives X's redirect after a browser sign-in
//! (docs/protocol.md §14.1; RFC 8252 §7.3).
//!
//! Contract: [`Loopback::bind`] listens on `127.0.0.1:PORT` (required) and `[::1]:PORT` (when
//! it can bind) **before** the browser is sent anywhere, so the redirect cannot arrive too
//! early. [`Loopback::wait`] serves both until a `GET /callback…` arrives, answers it with a
//! short "you can close this tab" page, answers anything else (a favicon) 404, and returns the
//! request target (path and query: the code and `state`, checked by
//! [`crate::oauth2::parse_redirect`]). Dropping the future or the listener stops listening.
//! Nothing is logged: the target holds the authorization code.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The loopback port Postbridge's Callback URI uses by default.
pub const DEFAULT_PORT: u16 = 8745;

/// The Callback URI to register for `port`: `http://127.0.0.1:PORT/callback`.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

/// The page the browser shows after the redirect.
pub const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Postbridge</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>Postbridge received X's answer</h1><p>You can close this tab and go back to Postbridge.</p></body></html>";

/// Listening sockets for one sign-in.
#[derive(Debug)]
pub struct Loopback {
    listeners: Vec<TcpListener>,
    port: u16,
}

impl Loopback {
    /// Listens on 127.0.0.1:`port` (and [::1]:`port` when possible). The error says what to
    /// do, in words for a person.
    pub async fn bind(port: u16) -> Result<Self, String> {
        let v4 = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            format!(
                "Cannot listen on 127.0.0.1:{port} for X's answer ({e}). Close what uses that port, or register another Callback URI and choose its port."
            )
        })?;
        let mut listeners = vec![v4];
        if let Ok(v6) = TcpListener::bind(("::1", port)).await {
            listeners.push(v6);
        }
        Ok(Loopback { listeners, port })
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until a `GET /callback…` arrives; its target (path and query).
    pub async fn wait(self) -> Option<String> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(1);
        let tasks: Vec<_> = self
            .listeners
            .into_iter()
            .map(|l| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while let Ok((mut conn, _)) = l.accept().await {
                        if let Some(target) = answer(&mut conn).await {
                            let _ = tx.send(target).await;
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        // Aborted however this future ends (the redirect came, or the caller gave up).
        let _abort = AbortOnDrop(tasks);
        rx.recv().await
    }
}

struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// Reads one request; `/callback` gets the closing page and its target is returned, anything
/// else a 404.
async fn answer(conn: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        match tokio::time::timeout(Duration::from_secs(10), conn.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let ours = method == "GET" && (target == "/callback" || target.starts_with("/callback?"));
    let (status, body) = if ours {
        ("200 OK", DONE_PAGE)
    } else {
        ("404 Not Found", "Not found")
    };
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(reply.as_bytes()).await;
    let _ = conn.shutdown().await;
    ours.then(|| target.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_callback_is_returned_and_other_paths_are_404() {
        let lb = Loopback::bind(0).await.unwrap();
        let port = lb.listeners[0].local_addr().unwrap().port();
        let waiting = tokio::spawn(lb.wait());
        let get = |path: &'static str| async move {
            let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            c.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut out = String::new();
            c.read_to_string(&mut out).await.unwrap();
            out
        };
        assert!(get("/favicon.ico").await.starts_with("HTTP/1.1 404"));
        let page = get("/callback?state=s&code=c").await;
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("close this tab"));
        assert_eq!(
            waiting.await.unwrap().as_deref(),
            Some("/callback?state=s&code=c")
        );
    }
}
