//! FINALIZE and STATUS polling, shared by both upload routes.
//!
//! Contract: FINALIZE is retried; a 400/409 after an attempt that may have been processed asks
//! STATUS, and a finalized media id is used. STATUS polling sleeps `check_after_secs` (5 s when
//! missing), stops at `processing_deadline` and is cancellable; `processing_info` is read
//! leniently (PB-15).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::{Ctx, Progress, UploadRoute};
use crate::client::XClient;
use crate::error::ClientError;
use crate::transport::{path_of, sleep_cancellable, Payload};

/// STATUS/FINALIZE `processing_info`.
#[derive(Debug, Clone, Default)]
pub(super) struct ProcessingInfo {
    state: String,
    check_after_secs: Option<u64>,
    progress_percent: Option<u8>,
    error: Option<Value>,
}

impl ProcessingInfo {
    /// Read leniently (PB-15): an absent `processing_info` means ready, but a present one
    /// with a missing or unknown `state` stays pending until the deadline, and numbers that
    /// are floats, negative or out of range are clamped rather than making it "ready".
    pub(super) fn from(v: &Value) -> Option<ProcessingInfo> {
        let p = v.get("processing_info")?;
        let state = match p["state"].as_str() {
            Some(s @ ("pending" | "in_progress" | "succeeded" | "failed")) => s.to_owned(),
            _ => "pending".to_owned(),
        };
        let number = |k: &str| p[k].as_f64().filter(|n| n.is_finite());
        Some(ProcessingInfo {
            state,
            check_after_secs: number("check_after_secs").map(|n| n.clamp(0.0, 3600.0) as u64),
            progress_percent: number("progress_percent").map(|n| n.clamp(0.0, 100.0) as u8),
            error: p.get("error").cloned(),
        })
    }
}

impl XClient {
    /// FINALIZE with retries. When a retry gets a 4xx after an attempt that may have been
    /// processed (reset or 5xx after X committed, or a FINALIZE of the interrupted upload this
    /// one continues: `maybe_sent_before`), STATUS decides: a finalized media id is used.
    pub(super) async fn finalize(
        &self,
        ctx: &Ctx<'_>,
        route: UploadRoute,
        media_id: &str,
        url: &str,
        payload: Payload,
        maybe_sent_before: bool,
    ) -> Result<Value, ClientError> {
        let path = path_of(url);
        let sent = self
            .send_retrying(Method::POST, url, &payload, ctx.cancel(), ctx.retryable)
            .await;
        let maybe_processed = sent.maybe_processed || maybe_sent_before;
        let err = match sent.result {
            Ok(resp) => return resp.json(&path),
            Err(e) => e,
        };
        let echo = maybe_processed && err.api().is_some_and(|a| matches!(a.status, 400 | 409));
        if !echo {
            return Err(err);
        }
        // STATUS answers only for a finalized id; its body has FINALIZE's shape.
        let (surl, spath) = self.status_url(route, media_id);
        match self.call(ctx, Method::GET, &surl, Payload::None).await {
            Ok(resp) => resp.json(spath),
            Err(_) => Err(err),
        }
    }

    fn status_url(&self, route: UploadRoute, media_id: &str) -> (String, &'static str) {
        match route {
            UploadRoute::V1 => (
                self.upload_url(&format!(
                    "/1.1/media/upload.json?command=STATUS&media_id={media_id}"
                )),
                "/1.1/media/upload.json",
            ),
            _ => (
                self.api_url(&format!(
                    "/2/media/upload?command=STATUS&media_id={media_id}"
                )),
                "/2/media/upload",
            ),
        }
    }

    /// Polls STATUS until processing succeeds, fails or passes the deadline (module docs).
    pub(super) async fn wait_processing(
        &self,
        ctx: &Ctx<'_>,
        route: UploadRoute,
        media_id: &str,
        mut state: Option<ProcessingInfo>,
    ) -> Result<(), ClientError> {
        let started = Instant::now();
        let deadline = self.config().processing_deadline;
        let (url, path) = self.status_url(route, media_id);
        loop {
            let Some(p) = state.take() else {
                return Ok(());
            };
            match p.state.as_str() {
                "succeeded" => {
                    ctx.report(Progress::Processing { percent: Some(100) });
                    return Ok(());
                }
                "failed" => {
                    let err = p.error.unwrap_or(Value::Null);
                    let msg = err["message"]
                        .as_str()
                        .or(err["name"].as_str())
                        .unwrap_or("X could not process the media")
                        .to_owned();
                    return Err(ClientError::ProcessingFailed(msg));
                }
                _ => {}
            }
            ctx.report(Progress::Processing {
                percent: p.progress_percent,
            });
            // Clamped to 1–60 s: the value comes from the server (PB-14).
            let wait = Duration::from_secs(p.check_after_secs.unwrap_or(5).clamp(1, 60));
            if started.elapsed().saturating_add(wait) > deadline {
                return Err(ClientError::ProcessingTimeout(deadline.as_secs()));
            }
            sleep_cancellable(wait, ctx.cancel()).await?;
            let r = self.call(ctx, Method::GET, &url, Payload::None).await?;
            let v = r.json(path)?;
            let body = if route == UploadRoute::V1 {
                &v
            } else {
                &v["data"]
            };
            state = Some(ProcessingInfo::from(body).unwrap_or(ProcessingInfo {
                // No processing_info in a STATUS answer = ready.
                state: "succeeded".into(),
                ..ProcessingInfo::default()
            }));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn processing_info_is_read_leniently() {
        use serde_json::json;
        assert!(
            ProcessingInfo::from(&json!({"media_id": "1"})).is_none(),
            "absent = ready"
        );
        let odd = ProcessingInfo::from(&json!({"processing_info":
            {"progress_percent": 300.5, "check_after_secs": -4}}))
        .unwrap();
        assert_eq!(odd.state, "pending", "no state is not success");
        assert_eq!(odd.progress_percent, Some(100));
        assert_eq!(odd.check_after_secs, Some(0));
        let weird = ProcessingInfo::from(&json!({"processing_info": {"state": "paused"}})).unwrap();
        assert_eq!(weird.state, "pending");
        let ok = ProcessingInfo::from(&json!({"processing_info":
            {"state": "in_progress", "progress_percent": 42, "check_after_secs": 1}}))
        .unwrap();
        assert_eq!(
            (ok.state.as_str(), ok.progress_percent),
            ("in_progress", Some(42))
        );
    }
}
