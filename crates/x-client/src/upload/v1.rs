//! The v1.1 upload route (docs/protocol.md §7): simple upload for still images, chunked
//! INIT/APPEND/FINALIZE/STATUS for GIFs and videos, all on the upload host.
//!
//! Contract: as the parent module's; the answers' media id must be digits (PB-37).

use std::time::Instant;

use reqwest::Method;
use serde_json::Value;

use super::processing::ProcessingInfo;
use super::segments::{forgotten, starting_again, LinkEstimate, Plan, UploadCheckpoint};
use super::{Ctx, Progress, RouteResult, UploadRoute};
use crate::client::XClient;
use crate::error::ClientError;
use crate::transport::{Field, Payload};

impl XClient {
    /// v1.1: simple upload for still images, INIT/APPEND/FINALIZE/STATUS otherwise.
    pub(super) async fn upload_v1(&self, ctx: &Ctx<'_>) -> Result<RouteResult, ClientError> {
        ctx.report(Progress::Started {
            route: UploadRoute::V1,
        });
        let url = self.upload_url("/1.1/media/upload.json");
        let path = "/1.1/media/upload.json";
        let info = ctx.info;
        if !info.chunked() {
            let r = self
                .call(
                    ctx,
                    Method::POST,
                    &url,
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
            return v1_result(&v, path);
        }
        let mut resumed = ctx.resume_on(UploadRoute::V1);
        let (cp, continuing) = loop {
            let (mut cp, plan, link) = match resumed.take() {
                Some(resumed) => ctx.continue_from(resumed),
                None => {
                    let started = Instant::now();
                    let init = self
                        .call(
                            ctx,
                            Method::POST,
                            &url,
                            Payload::Form(vec![
                                ("command".into(), "INIT".into()),
                                ("total_bytes".into(), info.size.to_string()),
                                ("media_type".into(), info.mime.clone()),
                                ("media_category".into(), info.category().into()),
                            ]),
                        )
                        .await?;
                    let rtt = started.elapsed();
                    let v = init.json(path)?;
                    let r = v1_result(&v, path)?;
                    let expires = v["expires_after_secs"].as_u64();
                    let cp = UploadCheckpoint::new(
                        UploadRoute::V1,
                        info,
                        r.media_id,
                        r.media_key,
                        expires,
                    );
                    ctx.checkpoint(&cp);
                    (cp, Plan::fresh(info.size), LinkEstimate::new(rtt))
                }
            };
            // FINALIZE may have gone out before the interruption: STATUS decides then.
            let continuing = !cp.acked.is_empty();
            let id = cp.media_id.clone();
            let max_chunk = self.chunk_for(info.size);
            let sent = self
                .append_all(ctx, &mut cp, plan, max_chunk, link, |seg| {
                    (
                        url.clone(),
                        Payload::Multipart(vec![
                            Field::Text("command", "APPEND".into()),
                            Field::Text("media_id", id.clone()),
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
                Ok(()) => break (cp, continuing),
                // X no longer knows the interrupted upload's media id: start again.
                Err(e) if continuing && forgotten(&e) => ctx.report(starting_again(&e)),
                Err(e) => return Err(e),
            }
        };
        let media_id = cp.media_id.clone();
        let media_key = cp.media_key.clone();
        let v = self
            .finalize(
                ctx,
                UploadRoute::V1,
                &media_id,
                &url,
                Payload::Form(vec![
                    ("command".into(), "FINALIZE".into()),
                    ("media_id".into(), media_id.clone()),
                ]),
                continuing,
            )
            .await?;
        let key = v["media_key"].as_str().map(str::to_owned).or(media_key);
        self.wait_processing(ctx, UploadRoute::V1, &media_id, ProcessingInfo::from(&v))
            .await?;
        Ok(RouteResult {
            media_id,
            media_key: key,
        })
    }
}

fn v1_result(v: &Value, path: &str) -> Result<RouteResult, ClientError> {
    // Ids go into URLs: digits only (PB-37).
    let id = crate::readback::id_of(&v["media_id_string"])
        .or_else(|| crate::readback::id_of(&v["media_id"]));
    match id {
        Some(media_id) => Ok(RouteResult {
            media_id,
            media_key: v["media_key"].as_str().map(str::to_owned),
        }),
        None => Err(ClientError::Unexpected {
            path: path.to_owned(),
            message: "no media_id_string of digits in the answer".into(),
        }),
    }
}
