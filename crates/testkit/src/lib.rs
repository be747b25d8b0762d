//! Postbridge's test kit: the plumbing every crate's tests, examples and benches share.
//!
//! Contract:
//! - Dev-only: used from `[dev-dependencies]` (and examples/benches), never by app or library
//!   code; it is not published.
//! - Helpers panic with a message naming what failed (they are for tests), and never print or
//!   put a secret in a message.
//! - [`sim`] starts an in-process simulator with test settings (media processing instant, no
//!   rate limits or billing); [`credentials`] turns its demo account into client
//!   [`Credentials`]; [`client`] / [`client_with`] build an [`XClient`] of it with
//!   [`fast_config`] (short timeouts and retry delays, 64 KiB chunks) or a config of your own.
//! - [`samples`] generates small valid media files and [`h264`] real H.264 videos (no assets
//!   shipped); [`tmp_dir`] and
//!   [`write`] put them on disk.
//! - [`free_port`], [`wait_for_port`] and [`tail`] serve tests that start processes.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use x_client::{ClientConfig, Credentials, Endpoints, RetryPolicy, XClient};
use x_sim::{DemoCredentials, SimConfig, SimHandle};

pub mod h264;
pub mod samples;

/// Starts a simulator on loopback with test settings: media processing takes no time and the
/// plan is `Unlimited` (no rate limits, no billing). Everything else is the simulator's
/// default (its duplicate filter is on).
pub async fn sim() -> SimHandle {
    let sim = x_sim::start(SimConfig::default())
        .await
        .unwrap_or_else(|e| panic!("the simulator did not start: {e}"));
    sim.update_modes(|m| {
        m.processing_ms = 0;
        m.plan = x_sim::Plan::Unlimited;
    });
    sim
}

/// The simulator's demo (or issued) credentials as the client's [`Credentials`].
pub fn credentials(demo: &DemoCredentials) -> Credentials {
    Credentials {
        consumer_key: demo.consumer_key.clone(),
        consumer_secret: demo.consumer_secret.clone(),
        access_token: demo.access_token.clone(),
        access_secret: demo.access_token_secret.clone(),
    }
}

/// The simulator's API and upload bases.
pub fn endpoints(sim: &SimHandle) -> Endpoints {
    Endpoints {
        api_base: sim.api_base(),
        upload_base: sim.upload_base(),
    }
}

/// A client of the simulator's demo account with [`fast_config`].
pub fn client(sim: &SimHandle) -> XClient {
    client_with(sim, credentials(&sim.demo()), fast_config())
}

/// A client of the simulator with `credentials` and `config`.
pub fn client_with(sim: &SimHandle, credentials: Credentials, config: ClientConfig) -> XClient {
    XClient::with_config(endpoints(sim), credentials, config)
        .unwrap_or_else(|e| panic!("cannot build the client: {e}"))
}

/// A client configuration for tests: 2 s to connect, 10 s per read and per request, 4 retries
/// 5–50 ms apart and no waiting out rate limits, 64 KiB chunks with 4 in flight, 30 s of
/// processing, read-backs 20 ms apart.
pub fn fast_config() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_retries: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_rate_limit_wait: Duration::from_secs(0),
        },
        chunk_size: 64 * 1024,
        append_concurrency: 4,
        processing_deadline: Duration::from_secs(30),
        route_ttl: Duration::from_secs(3600),
        read_back_attempts: 3,
        read_back_delay: Duration::from_millis(20),
        request_timeout: Duration::from_secs(10),
        ..ClientConfig::default()
    }
}

/// A fresh, empty directory of its own under the system temp dir, named after `tag`, this
/// process and a counter (so tests running at once never share one).
pub fn tmp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("pb-test-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Writes `bytes` to `dir/name` (creating `dir`) and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// Whether something listens on loopback `port` within `within` (polled every 50 ms).
pub fn wait_for_port(port: u16, within: Duration) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// The last `n` lines of a (log) file; empty if it cannot be read.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
