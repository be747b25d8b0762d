//! The v2 upload route (docs/protocol.md §8): one-shot `POST /2/media/upload` for still images,
//! initialize/append/finalize/STATUS for GIFs and videos.
//!
//! Contract: as the parent module's; a 413/431 on APPEND restarts the file with half the
//! segment size (not below 64 KiB, at most 1000 segments); the media id must be digits.

use reqwest::Method;
use serde_json::{json, Value};

use super::processing::ProcessingInfo;
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
        let mut chunk = self.chunk_for(info.size);
        let (media_id, media_key) = loop {
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
            let v = init.json(path)?;
            let RouteResult {
                media_id,
                media_key,
            } = v2_result(&v, path)?;
            let append_url = self.api_url(&format!("/2/media/upload/{media_id}/append"));
            let sent = self
                .append_all(ctx, chunk, |index, offset, len| {
                    (
                        append_url.clone(),
                        Payload::Multipart(vec![
                            Field::Text("segment_index", index.to_string()),
                            Field::File {
                                name: "media",
                                path: info.path.clone(),
                                offset,
                                len,
                                mime: "application/octet-stream".into(),
                            },
                        ]),
                    )
                })
                .await;
            match sent {
                Ok(()) => break (media_id, media_key),
                // Segment too large for this server (431/413, §8): restart with half the size.
                Err(e)
                    if e.api().is_some_and(|a| matches!(a.status, 413 | 431))
                        && chunk / 2 >= MIN_CHUNK
                        && info.size.div_ceil(chunk / 2) <= MAX_SEGMENTS =>
                {
                    chunk /= 2;
                }
                Err(e) => return Err(e),
            }
        };
        let fpath = format!("/2/media/upload/{media_id}/finalize");
        let v = self
            .finalize(
                ctx,
                UploadRoute::V2,
                &media_id,
                &self.api_url(&fpath),
                Payload::None,
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
