//! The v2 upload route (docs/protocol.md §8): one-shot `POST /2/media/upload` for still images,
//! initialize/append/finalize/STATUS for GIFs and videos.
//!
//! Contract: as the parent module's; a 413/431 on APPEND restarts the file with half the
//! segment size (not below 64 KiB, at most 1000 segments); the media id must be digits.

use std::time::Instant;

use reqwest::Method;
use serde_json::{json, Value};

use super::processing::ProcessingInfo;
use super::segments::{forgotten, starting_again, LinkEstimate, Plan, UploadCheckpoint};
use super::{Ctx, Progress, RouteResult, UploadRoute, MAX_SEGMENTS, MIN_CHUNK};
use crate::client::XClient;
use crate::error::ClientError;
use crate::transport::{Field, Payload};

impl XClient {
    /// v2: one-shot `POST /2/media/upload` for still images, initialize/append/finalize/STATUS
    /// otherwise; a 413/431 answer restarts with half the segment size.
    pub(super) async fn upload_v2(&self, ctx: &Ctx<'_>) -> Result<RouteResult, ClientError> {
        ctx.report(Progress::Started {
            route: UploadRoute::V2,
        });
        let info = ctx.info;
        if !info.chunked() {
            let path = "/2/media/upload";
            let r = self
                .call(
                    ctx,
                    Method::POST,
                    &self.api_url(path),
                    Payload::Multipart(vec![
                        Field::Text("media_category", info.category().into()),
                        Field::File {
                            name: "media",
                            path: info.path.clone(),
                            offset: 0,
                            len: info.size,
                            mime: info.mime.clone(),
                        },
                    ]),
                )
                .await?;
            ctx.report(Progress::Sent {
                sent: info.size,
                total: info.size,
            });
            let v = r.json(path)?;
            let res = v2_result(&v, path)?;
            self.wait_processing(
                ctx,
                UploadRoute::V2,
                &res.media_id,
                ProcessingInfo::from(&v["data"]),
            )
            .await?;
            return Ok(res);
        }
        let path = "/2/media/upload/initialize";
        let mut max_chunk = self.chunk_for(info.size);
        let mut resumed = ctx.resume_on(UploadRoute::V2);
        let (cp, resumed_whole) = loop {
            let (mut cp, plan, link) = match resumed.take() {
                Some(resumed) => ctx.continue_from(resumed),
                None => {
                    let started = Instant::now();
                    let init = self
                        .call(
                            ctx,
                            Method::POST,
                            &self.api_url(path),
                            Payload::Json {
                                body: json!({
                                    "media_type": info.mime,
                                    "total_bytes": info.size,
                                    "media_category": info.category(),
                                }),
                                charset: false,
                            },
                        )
                        .await?;
                    let rtt = started.elapsed();
                    let v = init.json(path)?;
                    let r = v2_result(&v, path)?;
                    let expires = v["data"]["expires_after_secs"].as_u64();
                    let cp = UploadCheckpoint::new(
                        UploadRoute::V2,
                        info,
                        r.media_id,
                        r.media_key,
                        expires,
                    );
                    ctx.checkpoint(&cp);
                    (cp, Plan::fresh(info.size), LinkEstimate::new(rtt))
                }
            };
            let continuing = !cp.acked.is_empty();
            let append_url = self.api_url(&format!("/2/media/upload/{}/append", cp.media_id));
            let sent = self
                .append_all(ctx, &mut cp, plan, max_chunk, link, |seg| {
                    (
                        append_url.clone(),
                        Payload::Multipart(vec![
                            Field::Text("segment_index", seg.index.to_string()),
                            Field::File {
                                name: "media",
                                path: info.path.clone(),
                                offset: seg.offset,
                                len: seg.len,
                                mime: "application/octet-stream".into(),
                            },
                        ]),
                    )
                })
                .await;
            match sent {
                // FINALIZE may have gone out before the interruption: STATUS decides then.
                Ok(()) => break (cp, continuing),
                // Segment too large for this server (431/413, §8): restart with half the size.
                Err(e)
                    if e.api().is_some_and(|a| matches!(a.status, 413 | 431))
                        && max_chunk / 2 >= MIN_CHUNK
                        && info.size.div_ceil(max_chunk / 2) <= MAX_SEGMENTS =>
                {
                    max_chunk /= 2;
                }
                // X no longer knows the interrupted upload's media id: start again.
                Err(e) if continuing && forgotten(&e) => ctx.report(starting_again(&e)),
                Err(e) => return Err(e),
            }
        };
        let media_id = cp.media_id.clone();
        let media_key = cp.media_key.clone();
        let fpath = format!("/2/media/upload/{media_id}/finalize");
        let v = self
            .finalize(
                ctx,
                UploadRoute::V2,
                &media_id,
                &self.api_url(&fpath),
                Payload::None,
                resumed_whole,
            )
            .await?;
        let key = v["data"]["media_key"]
            .as_str()
            .map(str::to_owned)
            .or(media_key);
        self.wait_processing(
            ctx,
            UploadRoute::V2,
            &media_id,
            ProcessingInfo::from(&v["data"]),
        )
        .await?;
        Ok(RouteResult {
            media_id,
            media_key: key,
        })
    }
}

fn v2_result(v: &Value, path: &str) -> Result<RouteResult, ClientError> {
    let d = &v["data"];
    let id = crate::readback::id_of(&d["id"]);
    match id {
        Some(media_id) => Ok(RouteResult {
            media_id,
            media_key: d["media_key"].as_str().map(str::to_owned),
        }),
        None => Err(ClientError::Unexpected {
            path: path.to_owned(),
            message: "no data.id of digits in the answer".into(),
        }),
    }
}
