//! Chunked uploads that resume: the checkpoint, the segment plan, the link estimate, and the
//! APPEND loop that waits out network outages (issue 15).
//!
//! Contract:
//! - After INIT and after every segment X acknowledges, the upload's state is an
//!   [`UploadCheckpoint`], handed to [`super::UploadOptions::on_checkpoint`] for the caller to
//!   keep (the composer keeps it in SQLite). Given back as [`super::UploadOptions::resume`] for
//!   the same file (same size, type and modification time, media id not expired), the upload
//!   skips INIT and sends only what X has not acknowledged, with the same media id and the same
//!   `segment_index` for every byte range. So an interruption re-sends at most the segments that
//!   were in flight when it happened. When X no longer knows that media id (a 400 or 404 to
//!   the continued APPENDs: expired or removed on its side), either route says so
//!   ([`Progress::Fallback`]) and starts the file again under a new one.
//! - Segments tile the file in index order (0, 1, …, at most 1000). Their sizes may differ: a
//!   gap left by unacknowledged segments is re-sent as the same number of segments, and new
//!   segments follow the measured link.
//! - A network failure (no connection, reset, timeout) of an APPEND does not fail the upload:
//!   it reports [`Progress::Paused`], sends nothing new, probes with one segment at growing
//!   intervals (1 s, 2 s, then every [`PROBE_MAX`]) and reports [`Progress::Unpaused`] when X
//!   answers again — for as long as the media id is valid (its expiry less a minute), or until
//!   cancelled. Any other failure ends the upload as before.
//! - Parallelism and segment size follow the measured link: enough segments in flight to hide
//!   the round trip (`1 + rtt × rate / segment`, between 2 and `append_concurrency`), each
//!   about [`SEGMENT_TIME`] of the measured rate (between 1 MiB and the configured size), so a
//!   slow link loses little to an interruption and a fast one stays full. When sending starts
//!   from nothing in flight, the first segment is half size, so segments sharing the link do not
//!   finish in lockstep (which would leave it idle for a round trip after each round).

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Ctx, Progress, UploadRoute, MAX_SEGMENTS};
use crate::client::XClient;
use crate::error::{now_secs, ClientError};
use crate::media::MediaInfo;
use crate::transport::{sleep_cancellable, Payload};

/// Longest pause between two probes while the network is away.
pub const PROBE_MAX: Duration = Duration::from_secs(5);
/// How long one segment should take on the measured link.
pub const SEGMENT_TIME: Duration = Duration::from_secs(2);
/// Round trip assumed when continuing an upload (no INIT was timed).
pub(super) const GUESSED_RTT: Duration = Duration::from_millis(100);
/// Smallest segment the link estimate picks (unless the configured size is smaller).
const ADAPTIVE_MIN_CHUNK: u64 = 1024 * 1024;
/// Segment sizes are multiples of this.
const CHUNK_GRAIN: u64 = 64 * 1024;
/// A checkpoint is not resumed this close to its media id's expiry.
const EXPIRY_MARGIN_SECS: u64 = 60;
/// Expiry assumed when INIT does not say (§7: 86400 s).
const DEFAULT_EXPIRY_SECS: u64 = 86_400;

/// One APPEND: its `segment_index` and the bytes of the file it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// `segment_index` (from 0).
    pub index: u32,
    /// First byte in the file.
    pub offset: u64,
    /// Bytes.
    pub len: u64,
}

/// Where a chunked upload stands: enough to continue it with the same media id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadCheckpoint {
    /// The route carrying it (`v1` or `v2`).
    pub route: UploadRoute,
    /// X's media id (digits).
    pub media_id: String,
    /// `media_key`, when INIT sent one.
    pub media_key: Option<String>,
    /// File size.
    pub total: u64,
    /// Sniffed MIME type.
    pub mime: String,
    /// The file's modification time (ns since the epoch), when the platform has it.
    pub modified_ns: Option<u64>,
    /// Unix seconds after which X forgets the media id.
    pub expires_at: u64,
    /// Segments X acknowledged, in the order it did.
    pub acked: Vec<Segment>,
}

impl UploadCheckpoint {
    /// Bytes X acknowledged.
    pub fn acked_bytes(&self) -> u64 {
        self.acked.iter().map(|s| s.len).sum()
    }

    /// Whether this checkpoint is of `info` on `route` and still valid (its segments are checked
    /// by [`Plan::resume`]).
    pub(super) fn fits(&self, info: &MediaInfo, route: UploadRoute) -> bool {
        self.route == route
            && self.total == info.size
            && self.mime == info.mime
            && self.modified_ns == modified_ns(&info.path)
            && now_secs().saturating_add(EXPIRY_MARGIN_SECS) < self.expires_at
    }

    pub(super) fn new(
        route: UploadRoute,
        info: &MediaInfo,
        media_id: String,
        media_key: Option<String>,
        expires_after_secs: Option<u64>,
    ) -> Self {
        UploadCheckpoint {
            route,
            media_id,
            media_key,
            total: info.size,
            mime: info.mime.clone(),
            modified_ns: modified_ns(&info.path),
            expires_at: now_secs()
                .saturating_add(expires_after_secs.unwrap_or(DEFAULT_EXPIRY_SECS)),
            acked: Vec::new(),
        }
    }
}

/// The file's modification time in ns since the epoch.
fn modified_ns(path: &std::path::Path) -> Option<u64> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    let d = t.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    u64::try_from(d.as_nanos()).ok()
}

/// The segments still to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// Segments to (re-)send before new ones.
    pending: VecDeque<Segment>,
    next_index: u32,
    next_offset: u64,
    total: u64,
}

impl Plan {
    /// A plan for a whole file.
    pub(super) fn fresh(total: u64) -> Plan {
        let mut pending = VecDeque::new();
        if total == 0 {
            pending.push_back(Segment {
                index: 0,
                offset: 0,
                len: 0,
            });
        }
        Plan {
            pending,
            next_index: u32::from(total == 0),
            next_offset: 0,
            total,
        }
    }

    /// The plan that completes a checkpoint, or `None` when its segments do not tile the file
    /// (then it cannot be trusted).
    pub(super) fn resume(cp: &UploadCheckpoint) -> Option<Plan> {
        let mut acked = cp.acked.clone();
        acked.sort_by_key(|s| s.index);
        let mut pending = VecDeque::new();
        let (mut index, mut offset) = (0u32, 0u64);
        for s in &acked {
            if s.index < index || s.offset < offset {
                return None; // overlapping or repeated
            }
            let missing = u64::from(s.index - index);
            let bytes = s.offset - offset;
            if (missing == 0) != (bytes == 0) || bytes < missing {
                return None;
            }
            // The gap goes out as the same number of segments, as even as can be.
            for k in 0..missing {
                let start = offset + bytes * k / missing;
                let end = offset + bytes * (k + 1) / missing;
                pending.push_back(Segment {
                    index: index + u32::try_from(k).ok()?,
                    offset: start,
                    len: end - start,
                });
            }
            index = s.index.checked_add(1)?;
            offset = s.offset.checked_add(s.len)?;
        }
        if offset > cp.total || u64::from(index) > MAX_SEGMENTS {
            return None;
        }
        let mut plan = Plan {
            pending,
            next_index: index,
            next_offset: offset,
            total: cp.total,
        };
        if cp.total == 0 && acked.is_empty() {
            plan = Plan::fresh(0);
        }
        Some(plan)
    }

    /// The next segment to send, `chunk` bytes when new (larger when the file would need more
    /// than 1000 segments); `None` when every byte has been handed out.
    pub(super) fn next(&mut self, chunk: u64) -> Option<Segment> {
        if let Some(s) = self.pending.pop_front() {
            return Some(s);
        }
        let remaining = self.total - self.next_offset;
        let slots = MAX_SEGMENTS.saturating_sub(u64::from(self.next_index));
        if remaining == 0 || slots == 0 {
            return None;
        }
        let len = chunk.max(remaining.div_ceil(slots)).min(remaining);
        let s = Segment {
            index: self.next_index,
            offset: self.next_offset,
            len,
        };
        self.next_index += 1;
        self.next_offset += len;
        Some(s)
    }

    /// Puts a segment that was not acknowledged back in front.
    pub(super) fn retry(&mut self, s: Segment) {
        self.pending.push_front(s);
    }
}

/// What the acknowledged segments say about the link.
#[derive(Debug)]
pub(super) struct LinkEstimate {
    /// Round trip (the INIT call's duration, or a guess).
    rtt: Duration,
    /// Start of the measurement window (restarted after a pause).
    since: Instant,
    /// Bytes acknowledged in the window.
    bytes: u64,
}

impl LinkEstimate {
    pub(super) fn new(rtt: Duration) -> Self {
        LinkEstimate {
            rtt,
            since: Instant::now(),
            bytes: 0,
        }
    }

    fn acked(&mut self, len: u64) {
        self.bytes += len;
    }

    fn restart(&mut self) {
        self.since = Instant::now();
        self.bytes = 0;
    }

    /// Measured rate in bytes per second, once a segment came back.
    fn rate(&self) -> Option<f64> {
        let t = self.since.elapsed().as_secs_f64();
        (self.bytes > 0 && t > 0.0).then(|| self.bytes as f64 / t)
    }

    /// Segment size: about [`SEGMENT_TIME`] of the measured rate, 1 MiB … `max`.
    pub(super) fn chunk(&self, max: u64) -> u64 {
        let Some(rate) = self.rate() else {
            return max;
        };
        let want = (rate * SEGMENT_TIME.as_secs_f64()) as u64 / CHUNK_GRAIN * CHUNK_GRAIN;
        want.clamp(ADAPTIVE_MIN_CHUNK.min(max), max)
    }

    /// Segments in flight: enough to hide the round trip, 2 … `max`.
    pub(super) fn parallel(&self, chunk: u64, max: usize) -> usize {
        let max = max.max(1);
        let Some(rate) = self.rate() else {
            return 2.min(max);
        };
        let per_segment = chunk.max(1) as f64 / rate;
        let want = (1.0 + self.rtt.as_secs_f64() / per_segment).ceil() as usize;
        want.clamp(2.min(max), max)
    }
}

/// Whether an APPEND's error, while continuing an interrupted upload, says X no longer has its
/// media id: a 400 or 404 (expired or removed on X's side; v1.1 says "Invalid mediaId."). The
/// upload then starts the file again under a new media id, reporting [`starting_again`]. Other
/// refusals (401/403 credentials, 413, 429 rate limits) end the upload with the checkpoint
/// kept, so a later try continues where this one stopped.
pub(super) fn forgotten(e: &ClientError) -> bool {
    e.api().is_some_and(|a| matches!(a.status, 400 | 404))
}

/// What the upload reports when it starts again after [`forgotten`].
pub(super) fn starting_again(e: &ClientError) -> Progress {
    Progress::Fallback {
        reason: format!("X no longer has the interrupted upload ({e}); starting again"),
    }
}

fn is_network(e: &ClientError) -> bool {
    matches!(e, ClientError::Network { .. })
}

impl XClient {
    /// Sends what `plan` still holds, recording acknowledged segments in `cp` (and reporting
    /// them to the caller); waits out network outages (module docs). `make` builds one APPEND.
    pub(super) async fn append_all<F>(
        &self,
        ctx: &Ctx<'_>,
        cp: &mut UploadCheckpoint,
        mut plan: Plan,
        max_chunk: u64,
        mut link: LinkEstimate,
        make: F,
    ) -> Result<(), ClientError>
    where
        F: Fn(Segment) -> (String, Payload),
    {
        let total = cp.total;
        let max_parallel = self.config().append_concurrency.max(1);
        let mut sent = cp.acked_bytes();
        let mut in_flight = FuturesUnordered::new();
        // While paused: when the next probe may go, and how many probes failed.
        let mut paused: Option<(Instant, u32)> = None;
        let make = &make;
        loop {
            let chunk = link.chunk(max_chunk);
            let limit = match paused {
                None => link.parallel(chunk, max_parallel),
                Some((at, _)) if Instant::now() >= at && in_flight.is_empty() => 1,
                Some(_) => 0,
            };
            while in_flight.len() < limit {
                // Starting from nothing in flight, the first segment is half size, so the ones
                // that follow finish at different times: while one waits for its answer (a
                // round trip) another still fills the link. Equal segments sharing the link
                // would finish together and leave it idle for a round trip each time.
                let size = if in_flight.is_empty() && limit > 1 {
                    (chunk / 2).max(1)
                } else {
                    chunk
                };
                let Some(seg) = plan.next(size) else { break };
                let (url, payload) = make(seg);
                in_flight.push(async move {
                    let retryable = |e: &ClientError| !is_network(e) && (ctx.retryable)(e);
                    let r = self
                        .send_retrying(Method::POST, &url, &payload, ctx.cancel(), retryable)
                        .await
                        .result;
                    (seg, r)
                });
            }
            let next = if in_flight.is_empty() {
                match paused {
                    None => return Ok(()), // nothing left to send, nothing in flight
                    Some((at, _)) => {
                        let wait = at.saturating_duration_since(Instant::now());
                        sleep_cancellable(wait, ctx.cancel()).await?;
                        continue;
                    }
                }
            } else {
                in_flight.next().await
            };
            let Some((seg, result)) = next else { continue };
            match result {
                Ok(resp) => {
                    if let Some(rl) = resp.rate_limit() {
                        if let Ok(mut slot) = ctx.rate_limit.lock() {
                            *slot = Some(rl);
                        }
                    }
                    if paused.take().is_some() {
                        link.restart();
                        ctx.report(Progress::Unpaused);
                    }
                    link.acked(seg.len);
                    cp.acked.push(seg);
                    ctx.checkpoint(cp);
                    sent += seg.len;
                    ctx.report(Progress::Sent { sent, total });
                }
                Err(e) if is_network(&e) => {
                    plan.retry(seg);
                    if now_secs().saturating_add(EXPIRY_MARGIN_SECS) >= cp.expires_at {
                        return Err(e);
                    }
                    let failures = match paused {
                        Some((_, n)) => n + 1,
                        None => {
                            ctx.report(Progress::Paused {
                                reason: e.to_string(),
                            });
                            1
                        }
                    };
                    let wait = Duration::from_secs(1 << (failures - 1).min(3)).min(PROBE_MAX);
                    paused = Some((Instant::now() + wait, failures));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn cp(total: u64, acked: &[(u32, u64, u64)]) -> UploadCheckpoint {
        UploadCheckpoint {
            route: UploadRoute::V2,
            media_id: "1".into(),
            media_key: None,
            total,
            mime: "video/mp4".into(),
            modified_ns: None,
            expires_at: u64::MAX,
            acked: acked
                .iter()
                .map(|&(index, offset, len)| Segment { index, offset, len })
                .collect(),
        }
    }

    fn drain(mut p: Plan, chunk: u64) -> Vec<(u32, u64, u64)> {
        std::iter::from_fn(|| p.next(chunk))
            .map(|s| (s.index, s.offset, s.len))
            .collect()
    }

    #[test]
    fn a_fresh_plan_tiles_the_file() {
        assert_eq!(
            drain(Plan::fresh(10), 4),
            vec![(0, 0, 4), (1, 4, 4), (2, 8, 2)]
        );
        assert_eq!(drain(Plan::fresh(0), 4), vec![(0, 0, 0)]);
        // More than 1000 segments of `chunk` → larger segments.
        let segs = drain(Plan::fresh(5000), 1);
        assert_eq!(segs.len(), 1000);
        assert!(segs.iter().all(|s| s.2 == 5));
    }

    #[test]
    fn a_resumed_plan_fills_the_gaps_with_the_same_indexes_then_goes_on() {
        // 0 and 2 acknowledged, 1 (bytes 4..8) lost, 3 was in flight.
        let plan = Plan::resume(&cp(20, &[(2, 8, 4), (0, 0, 4)])).unwrap();
        assert_eq!(
            drain(plan, 4),
            vec![(1, 4, 4), (3, 12, 4), (4, 16, 4)],
            "index 1 again with its bytes, then from byte 12 on"
        );
        // Two lost segments between acknowledged ones: split into two again.
        let plan = Plan::resume(&cp(12, &[(0, 0, 2), (3, 10, 2)])).unwrap();
        assert_eq!(drain(plan, 100), vec![(1, 2, 4), (2, 6, 4)]);
        // Everything acknowledged: nothing to send.
        assert!(drain(Plan::resume(&cp(8, &[(0, 0, 4), (1, 4, 4)])).unwrap(), 4).is_empty());
    }

    #[test]
    fn a_checkpoint_that_does_not_tile_is_not_trusted() {
        assert!(
            Plan::resume(&cp(20, &[(0, 0, 4), (1, 2, 4)])).is_none(),
            "overlap"
        );
        assert!(
            Plan::resume(&cp(20, &[(0, 0, 4), (1, 6, 4)])).is_none(),
            "hole"
        );
        assert!(
            Plan::resume(&cp(20, &[(0, 0, 4), (0, 0, 4)])).is_none(),
            "twice"
        );
        assert!(Plan::resume(&cp(5, &[(0, 0, 8)])).is_none(), "past the end");
        assert!(
            Plan::resume(&cp(20, &[(2, 1, 4)])).is_none(),
            "2 gaps in 1 byte"
        );
    }

    #[test]
    fn the_link_estimate_hides_the_round_trip_and_sizes_segments_by_time() {
        let mut l = LinkEstimate::new(Duration::from_millis(50));
        assert_eq!(l.chunk(4 << 20), 4 << 20, "no measurement: the largest");
        assert_eq!(l.parallel(4 << 20, 6), 2);
        // 12.5 MB/s (100 Mbit/s): 4 MiB takes 0.34 s; 50 ms round trip → 2 in flight.
        l.since = Instant::now() - Duration::from_secs(1);
        l.bytes = 12_500_000;
        assert_eq!(l.parallel(4 << 20, 6), 2);
        assert_eq!(l.chunk(4 << 20), 4 << 20);
        // 1 GB/s (loopback): the round trip dominates → as many as allowed.
        l.bytes = 1_000_000_000;
        assert_eq!(l.parallel(4 << 20, 6), 6);
        // 250 kB/s (2 Mbit/s): segments of about 2 s, not below 1 MiB.
        l.bytes = 250_000;
        assert_eq!(l.chunk(4 << 20), 1 << 20);
        l.bytes = 1_500_000;
        assert_eq!(l.chunk(4 << 20), 3_000_000 / CHUNK_GRAIN * CHUNK_GRAIN);
        // A configured size below 1 MiB is kept.
        assert_eq!(l.chunk(256 << 10), 256 << 10);
    }
}
