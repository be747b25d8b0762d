//! The network between the clients and the simulator: one [`Link`] for the whole simulator
//! (both listeners, every connection), set at start-up ([`crate::SimConfig::link`]), through
//! [`crate::SimHandle::set_link`] / [`crate::SimHandle::set_network_down`], or over
//! `GET`/`POST /_sim/link`.
//!
//! Contract (all off by default; [`Link::default`] is loopback as it is):
//! - **Uplink** (`uplink_bits_per_sec`, 0 = unlimited): every byte a client sends on either
//!   listener — request lines, headers, bodies, and on HTTPS the TLS records — is read through
//!   [`Paced`], which reserves its transmission time on one shared schedule (a token bucket
//!   whose depth is 16 KiB or 5 ms of the rate, whichever is larger) and hands the bytes on
//!   when that time has come. Connections share the rate first come, first served, 16 KiB at a
//!   time. Answers (the downlink) are not shaped.
//! - **Round-trip time** (`rtt_ms`): a new connection is not read for one RTT after it is
//!   accepted (TCP's handshake), one more on HTTPS (TLS 1.3's); every answer of a non-control
//!   request is then held for one whole RTT just before it is sent, so each request/answer
//!   pair costs one RTT more than on loopback, the first one on a connection two (three on
//!   HTTPS).
//! - **Stalls** (`stall_rate`, `stall_ms`): at moments drawn from the world's seed (an
//!   exponential distribution of `stall_rate` stalls per second of *transfer time*, i.e.
//!   bytes ÷ uplink rate), the uplink passes no byte for `stall_ms`, like a TCP
//!   retransmission timeout. Stalls need an uplink rate (without one transfer time is not
//!   defined and they are off). Setting the link restarts the sequence from the seed, so one
//!   link setting and one byte stream give the same stalls.
//! - **Outage** (`down`): when it turns on, every open connection on both listeners is reset
//!   (RST, `SO_LINGER` 0) at once, whatever it is doing (handshake, reading a body, waiting
//!   for its answer). While it lasts, connections are still accepted, but every request that
//!   is not for the control API is answered with a reset as soon as its head is read, so a
//!   client fails fast instead of hanging. The control API (`/_sim/…`) keeps working, so that
//!   `POST /_sim/link {"down":false}` can end the outage; the connection that turned the
//!   outage on over HTTP is spared that one reset (it gets its answer). World state (posts,
//!   media, upload sessions, tokens) is untouched.
//!
//! The control API's connections pay the connection-setup RTT, and its bytes pass the uplink,
//! like any connection; its answers are not delayed. Counters are in [`LinkStats`]. Not
//! modelled: TCP slow start and windows, loss on the downlink, jitter.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;

/// Largest read handed through the pacer at once (bytes).
const CHUNK: usize = 16 * 1024;
/// Smallest bucket depth (bytes).
const MIN_BURST: u64 = 16 * 1024;
/// Bucket depth in time at the link's rate (when larger than [`MIN_BURST`]).
const BURST_TIME: Duration = Duration::from_millis(5);
/// Mixed into the world's seed for the stall sequence ("LINK").
const STALL_SEED: u64 = 0x4c49_4e4b;

/// The network between the clients and the simulator (`GET`/`POST /_sim/link`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Link {
    /// A network outage: open connections are reset, requests are answered with a reset.
    pub down: bool,
    /// The one shared uplink, bits per second (0 = unlimited).
    pub uplink_bits_per_sec: u64,
    /// Round-trip time added to every request (and to connection setup), in ms.
    pub rtt_ms: u64,
    /// Expected stalls per second of transfer (needs `uplink_bits_per_sec`); negative or
    /// not finite = none.
    pub stall_rate: f64,
    /// How long a stall stops the uplink, in ms.
    pub stall_ms: u64,
}

impl Link {
    /// Why this link cannot be set (`POST /_sim/link` refuses it with 400).
    pub fn problem(&self) -> Option<String> {
        (!self.stall_rate.is_finite() || self.stall_rate < 0.0)
            .then(|| "stall_rate must be a finite number >= 0".to_string())
    }

    /// The uplink rate in bytes per second (0 = unlimited).
    fn bytes_per_sec(&self) -> u64 {
        self.uplink_bits_per_sec / 8
    }
}

/// What the link did since start-up or the last reset (`GET /_sim/link/stats`, and
/// `link_stats` in `GET /_sim/state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LinkStats {
    /// Connections reset because an outage began while they were open.
    pub connections_reset: u64,
    /// Requests answered with a reset because the link was down.
    pub requests_reset: u64,
    /// Stalls of the uplink.
    pub stalls: u64,
    /// Bytes received from clients on both listeners (TLS records on HTTPS).
    pub uplink_bytes: u64,
}

/// What every connection watches: the link, and which outage it is.
#[derive(Debug, Clone, Default)]
struct Watched {
    link: Link,
    /// Bumped each time the link goes down.
    outage: u64,
    /// The connection that turned this outage on over HTTP (not reset by it).
    spared: Option<u64>,
}

/// The shared uplink schedule.
#[derive(Debug)]
struct Pacer {
    /// Bytes per second (0 = unlimited).
    rate: u64,
    stall_rate: f64,
    stall: Duration,
    /// When the link is free again: the end of the last reservation.
    next_free: Instant,
    /// Transfer seconds left before the next stall.
    until_stall: f64,
    rng: ChaCha8Rng,
    stalls: u64,
}

impl Pacer {
    fn new(link: &Link, seed: u64, now: Instant) -> Self {
        let mut p = Pacer {
            rate: 0,
            stall_rate: 0.0,
            stall: Duration::ZERO,
            next_free: now,
            until_stall: f64::INFINITY,
            rng: ChaCha8Rng::seed_from_u64(seed ^ STALL_SEED),
            stalls: 0,
        };
        p.configure(link, seed, now);
        p
    }

    /// Takes a new link setting: a fresh schedule and the stall sequence from the seed.
    fn configure(&mut self, link: &Link, seed: u64, now: Instant) {
        self.rate = link.bytes_per_sec();
        self.stall_rate = if link.stall_rate.is_finite() && link.stall_rate > 0.0 {
            link.stall_rate
        } else {
            0.0
        };
        self.stall = Duration::from_millis(link.stall_ms);
        // Long enough ago that the bucket starts full.
        self.next_free = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
        self.rng = ChaCha8Rng::seed_from_u64(seed ^ STALL_SEED);
        self.until_stall = self.draw();
    }

    /// Transfer seconds until the next stall (exponential, mean `1 / stall_rate`).
    fn draw(&mut self) -> f64 {
        if self.stall_rate <= 0.0 || self.stall.is_zero() {
            return f64::INFINITY;
        }
        let u = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        -(1.0 - u).ln() / self.stall_rate
    }

    /// Reserves the transmission of `n` bytes that arrived at `now`; returns when they may be
    /// handed on (`None`: the uplink is unlimited).
    fn reserve(&mut self, n: usize, now: Instant) -> Option<Instant> {
        if self.rate == 0 {
            return None;
        }
        let rate = self.rate as f64;
        let burst = MIN_BURST.max((self.rate as f64 * BURST_TIME.as_secs_f64()) as u64);
        let depth = Duration::from_secs_f64(burst as f64 / rate);
        let earliest = now.checked_sub(depth).unwrap_or(now);
        if self.next_free < earliest {
            self.next_free = earliest;
        }
        let mut left = n as f64 / rate;
        let mut at = self.next_free;
        while self.until_stall <= left {
            // The uplink sends up to the stall, then stops (never earlier than now).
            left -= self.until_stall;
            at = at.max(now) + Duration::from_secs_f64(self.until_stall) + self.stall;
            self.stalls += 1;
            self.until_stall = self.draw();
        }
        self.until_stall -= left;
        at += Duration::from_secs_f64(left);
        self.next_free = at;
        Some(at)
    }
}

/// The link's run-time state, shared by both listeners (in [`crate::http::Shared`]).
#[derive(Debug)]
pub struct Net {
    watched: watch::Sender<Watched>,
    pacer: Mutex<Pacer>,
    /// Mirror of the pacer's rate, read without the lock on every client read.
    rate: AtomicU64,
    seed: u64,
    next_conn: AtomicU64,
    connections_reset: AtomicU64,
    requests_reset: AtomicU64,
    uplink_bytes: AtomicU64,
}

impl Net {
    /// A link in the given state; stalls are drawn from `seed`.
    pub(crate) fn new(link: Link, seed: u64) -> Self {
        let pacer = Pacer::new(&link, seed, Instant::now());
        Net {
            rate: AtomicU64::new(pacer.rate),
            pacer: Mutex::new(pacer),
            watched: watch::Sender::new(Watched {
                link,
                outage: 0,
                spared: None,
            }),
            seed,
            next_conn: AtomicU64::new(1),
            connections_reset: AtomicU64::new(0),
            requests_reset: AtomicU64::new(0),
            uplink_bytes: AtomicU64::new(0),
        }
    }

    fn pacer(&self) -> MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current link.
    pub(crate) fn link(&self) -> Link {
        self.watched.borrow().link.clone()
    }

    /// Sets the whole link (restarting the uplink schedule and the stall sequence). An
    /// outage that begins resets every open connection except `spared` (the one that asked,
    /// over HTTP).
    pub(crate) fn set(&self, link: Link, spared: Option<u64>) {
        {
            let mut p = self.pacer();
            p.configure(&link, self.seed, Instant::now());
            self.rate.store(p.rate, Ordering::Relaxed);
        }
        self.publish(link, spared);
    }

    /// Turns the outage on or off, leaving the rest of the link (and its schedule) alone.
    pub(crate) fn set_down(&self, down: bool, spared: Option<u64>) {
        let mut link = self.link();
        link.down = down;
        self.publish(link, spared);
    }

    fn publish(&self, link: Link, spared: Option<u64>) {
        self.watched.send_modify(|w| {
            if link.down && !w.link.down {
                w.outage += 1;
                w.spared = spared;
            }
            w.link = link;
        });
    }

    /// Back to `link` with zeroed counters.
    pub(crate) fn reset(&self, link: Link) {
        self.set(link, None);
        self.pacer().stalls = 0;
        for c in [
            &self.connections_reset,
            &self.requests_reset,
            &self.uplink_bytes,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// The counters.
    pub(crate) fn stats(&self) -> LinkStats {
        LinkStats {
            connections_reset: self.connections_reset.load(Ordering::Relaxed),
            requests_reset: self.requests_reset.load(Ordering::Relaxed),
            stalls: self.pacer().stalls,
            uplink_bytes: self.uplink_bytes.load(Ordering::Relaxed),
        }
    }

    /// Whether the network is down (requests get a reset).
    pub(crate) fn is_down(&self) -> bool {
        self.watched.borrow().link.down
    }

    /// Counts a request answered with a reset because the link is down.
    pub(crate) fn count_request_reset(&self) {
        self.requests_reset.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection reset because an outage began.
    pub(crate) fn count_connection_reset(&self) {
        self.connections_reset.fetch_add(1, Ordering::Relaxed);
    }

    /// A fresh connection id.
    pub(crate) fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// How long a new connection waits before it is read: one RTT, two on HTTPS.
    pub(crate) fn setup_delay(&self, tls: bool) -> Duration {
        let rtt = self.rtt();
        if tls {
            rtt.saturating_mul(2)
        } else {
            rtt
        }
    }

    /// The round-trip time added to each answer.
    pub(crate) fn rtt(&self) -> Duration {
        Duration::from_millis(self.watched.borrow().link.rtt_ms)
    }

    /// Waits one RTT (an answer about to be sent).
    pub(crate) async fn answer_delay(&self) {
        let rtt = self.rtt();
        if !rtt.is_zero() {
            tokio::time::sleep(rtt).await;
        }
    }

    /// A watcher for connection `id`, seeing outages that begin from now on.
    pub(crate) fn watch(&self, id: u64) -> OutageWatch {
        let mut rx = self.watched.subscribe();
        let seen = rx.borrow_and_update().outage;
        OutageWatch { rx, seen, id }
    }

    /// `stream` with its reads passed through the shared uplink.
    pub(crate) fn paced<S>(self: &Arc<Self>, stream: S) -> Paced<S> {
        Paced {
            inner: stream,
            net: self.clone(),
            buf: Vec::new(),
            pos: 0,
            wait: None,
        }
    }

    /// Reserves the uplink for `n` bytes read now (`None`: unlimited).
    fn reserve(&self, n: usize) -> Option<Instant> {
        self.uplink_bytes.fetch_add(n as u64, Ordering::Relaxed);
        if self.rate.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.pacer().reserve(n, Instant::now())
    }
}

/// One connection's view of outages.
#[derive(Debug)]
pub(crate) struct OutageWatch {
    rx: watch::Receiver<Watched>,
    seen: u64,
    id: u64,
}

impl OutageWatch {
    /// Resolves when an outage begins that resets this connection (never, if the simulator
    /// is going away).
    pub(crate) async fn began(&mut self) {
        loop {
            if self.rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
            let w = self.rx.borrow_and_update();
            if w.outage != self.seen {
                self.seen = w.outage;
                if w.spared != Some(self.id) {
                    return;
                }
            }
        }
    }
}

/// A stream whose reads pass through the shared uplink: each read of at most 16 KiB is
/// handed on when its bytes' reserved transmission time has come. Writes pass untouched.
#[derive(Debug)]
pub struct Paced<S> {
    inner: S,
    net: Arc<Net>,
    /// Bytes read from `inner`, not yet handed on.
    buf: Vec<u8>,
    /// How much of `buf` has been handed on.
    pos: usize,
    /// Until when `buf` is held back.
    wait: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Paced<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.buf.len() {
            if let Some(wait) = this.wait.as_mut() {
                if wait.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.wait = None;
            }
            let n = out.remaining().min(this.buf.len() - this.pos);
            out.put_slice(&this.buf[this.pos..this.pos + n]);
            this.pos += n;
            if this.pos == this.buf.len() {
                this.buf.clear();
                this.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        if out.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        if this.net.rate.load(Ordering::Relaxed) == 0 {
            // Unlimited: straight through, counted.
            let before = out.filled().len();
            let r = Pin::new(&mut this.inner).poll_read(cx, out);
            if let Poll::Ready(Ok(())) = r {
                let n = out.filled().len() - before;
                this.net.uplink_bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
            return r;
        }
        this.buf.resize(CHUNK.min(out.remaining()), 0);
        let mut rb = ReadBuf::new(&mut this.buf);
        let r = Pin::new(&mut this.inner).poll_read(cx, &mut rb);
        let n = rb.filled().len();
        match r {
            Poll::Ready(Ok(())) if n > 0 => {
                this.buf.truncate(n);
                this.pos = 0;
                if let Some(at) = this.net.reserve(n) {
                    if at > Instant::now() {
                        this.wait = Some(Box::pin(tokio::time::sleep_until(at.into())));
                    }
                }
                // Polls the wait (registering the waker) or hands the bytes on.
                Pin::new(this).poll_read(cx, out)
            }
            other => {
                this.buf.clear();
                other
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Paced<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn link(bits: u64, stall_rate: f64, stall_ms: u64) -> Link {
        Link {
            uplink_bits_per_sec: bits,
            stall_rate,
            stall_ms,
            ..Link::default()
        }
    }

    /// Sends `total` bytes in 16 KiB reads, each as soon as the previous one was handed on;
    /// returns the virtual time taken.
    fn send(p: &mut Pacer, t0: Instant, total: usize) -> Duration {
        let mut now = t0;
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK);
            left -= n;
            if let Some(at) = p.reserve(n, now) {
                now = now.max(at);
            }
        }
        now - t0
    }

    #[test]
    fn rate_is_kept_after_a_small_burst() {
        let t0 = Instant::now();
        let mut p = Pacer::new(&link(8_000_000, 0.0, 0), 1, t0);
        // 1 MB at 1 MB/s: one second less the 16 KiB burst.
        let d = send(&mut p, t0, 1_000_000);
        let expect = 1.0 - 16_384.0 / 1e6;
        assert!((d.as_secs_f64() - expect).abs() < 0.001, "{d:?}");
        assert!(Pacer::new(&link(0, 0.0, 0), 1, t0)
            .reserve(10, t0)
            .is_none());
    }

    #[test]
    fn idle_credit_is_capped() {
        let t0 = Instant::now();
        let mut p = Pacer::new(&link(800_000_000, 0.0, 0), 1, t0);
        // 100 MB/s: depth is 5 ms (500 kB); after a long idle time only that much is free.
        let later = t0 + Duration::from_secs(10);
        let at = p.reserve(1_000_000, later).unwrap();
        let d = at - later;
        assert!((d.as_secs_f64() - 0.005).abs() < 1e-4, "{d:?}");
    }

    #[test]
    fn stalls_follow_the_seed() {
        let t0 = Instant::now();
        let l = link(8_000_000, 4.0, 100);
        let run = |seed: u64| {
            let mut p = Pacer::new(&l, seed, t0);
            let d = send(&mut p, t0, 2_000_000);
            (p.stalls, d)
        };
        let (a, da) = run(7);
        let (b, db) = run(7);
        assert_eq!((a, da), (b, db));
        assert!(a > 0);
        // Each stall adds its 100 ms to the two seconds of transfer.
        let base = 2.0 - 16_384.0 / 1e6;
        assert!(
            (da.as_secs_f64() - base - a as f64 * 0.1).abs() < 0.002,
            "{da:?} {a}"
        );
        // Reconfiguring restarts the sequence.
        let mut p = Pacer::new(&l, 7, t0);
        send(&mut p, t0, 2_000_000);
        p.configure(&l, 7, t0);
        p.stalls = 0;
        assert_eq!(send(&mut p, t0, 2_000_000), da);
        // Without a rate there are no stalls.
        let mut p = Pacer::new(&link(0, 4.0, 100), 7, t0);
        assert_eq!(send(&mut p, t0, 2_000_000), Duration::ZERO);
        assert_eq!(p.stalls, 0);
    }

    #[test]
    fn stall_count_matches_the_rate_on_average() {
        let t0 = Instant::now();
        // 100 s of transfer at 2 stalls per second: about 200.
        let mut p = Pacer::new(&link(8_000_000, 2.0, 1), 3, t0);
        send(&mut p, t0, 100_000_000);
        assert!((150..=250).contains(&p.stalls), "{}", p.stalls);
    }

    #[test]
    fn outage_epochs_spare_the_asker() {
        let net = Net::new(Link::default(), 1);
        let mut w1 = net.watch(1);
        let mut w2 = net.watch(2);
        net.set_down(true, Some(2));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(1), w1.began())
                .await
                .unwrap();
            assert!(tokio::time::timeout(Duration::from_millis(50), w2.began())
                .await
                .is_err());
            // A change during the outage is not a new outage.
            net.set(
                Link {
                    down: true,
                    rtt_ms: 5,
                    ..Link::default()
                },
                None,
            );
            let mut w3 = net.watch(3);
            assert!(tokio::time::timeout(Duration::from_millis(50), w3.began())
                .await
                .is_err());
            net.set_down(false, None);
            net.set_down(true, None);
            tokio::time::timeout(Duration::from_secs(1), w3.began())
                .await
                .unwrap();
        });
        assert!(net.is_down());
        assert_eq!(Link::default().problem(), None);
        assert!(link(0, -1.0, 0).problem().is_some());
        assert!(link(0, f64::NAN, 0).problem().is_some());
    }
}
