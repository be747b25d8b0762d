//! The v1.1 media routes: `POST /1.1/media/upload.json` (a simple upload without `command`,
//! or `command=INIT|APPEND|FINALIZE`), `GET /1.1/media/upload.json?command=STATUS` and
//! `POST /1.1/media/metadata/create.json` (docs/protocol.md §7).
//!
//! Contract: [`handle`] gathers the command's parameters (signed form or query fields, plus
//! the text fields of a multipart body, whose file is counted, never kept), applies the
//! method and `refuse-after-init` rules, and hands each command to its own function under
//! one world lock. Errors are B16 bodies (docs/protocol.md §5.2) naming the request path.

use axum::response::Response;
use serde_json::{json, Value};

use super::{owned_media, owners, processing_ms, read_multipart, total_cap_error, MpError};
use crate::config::{Modes, V1Retired};
use crate::http::{Ctx, HResult, ReqBody, Route};
use crate::media::{self, Media, MediaFail, Phase, Segment, UploadRoute};
use crate::reply;
use crate::world::World;

const V1_UPLOAD: &str = "/1.1/media/upload.json";
const V1_META: &str = "/1.1/media/metadata/create.json";

fn v1_fail(path: &str, f: MediaFail) -> Response {
    reply::v1_media(f.status, path, &f.message)
}

/// A B16 error of `/1.1/media/upload.json`.
fn upload_error(message: &str) -> Response {
    reply::v1_media(400, V1_UPLOAD, message)
}

fn id_num(id: &str) -> Value {
    id.parse::<u64>()
        .map(Value::from)
        .unwrap_or_else(|_| json!(id))
}

/// v1.1 media JSON for a media object.
fn v1_media_json(md: &Media, now: i64, check_after: u64, with_size: bool) -> Value {
    let mut v = json!({"media_id": id_num(&md.id), "media_id_string": md.id});
    if md.category.is_some() {
        v["media_key"] = json!(md.key);
    }
    if with_size {
        if let Phase::Finalized { size, .. } = &md.phase {
            v["size"] = json!(size);
        }
    }
    v["expires_after_secs"] = json!(md.expires_after_secs(now));
    if let Some((k, o)) = md.type_object() {
        v[k] = o;
    }
    if let Some(p) = md.processing_info(now, check_after) {
        v["processing_info"] = p;
    }
    v
}

/// One `/1.1/media/upload.json` request, its parameters gathered.
struct Command<'a> {
    ctx: &'a Ctx,
    /// The caller's modes.
    m: Modes,
    /// Signed parameters plus multipart text fields.
    params: Vec<(String, String)>,
    /// The file of a multipart body.
    seg: Option<Segment>,
    /// The body was multipart.
    multipart: bool,
    /// The caller's account id.
    account: String,
}

impl Command<'_> {
    fn get(&self, k: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    }

    /// `media_category` normalised (`None` if absent), or the B16 error.
    fn category(&self) -> Result<Option<String>, Response> {
        match self.get("media_category") {
            None => Ok(None),
            Some(c) => match media::normalize_v1_category(&c) {
                Some(c) => Ok(Some(c)),
                None => Err(upload_error("Invalid media_category.")),
            },
        }
    }
}

/// Handles the v1.1 media routes.
pub async fn handle(ctx: &Ctx, route: &Route, body: ReqBody) -> HResult {
    let m = ctx.modes();
    if *route == Route::V1Metadata {
        if m.v1_retired == V1Retired::RefuseAfterInit {
            return Err(reply::limited_access_453());
        }
        return metadata(ctx, body);
    }
    let bandwidth = ctx.faults.bandwidth_bytes_per_sec;
    let mut params: Vec<(String, String)> = ctx
        .auth
        .as_ref()
        .map(|a| a.params.clone())
        .unwrap_or_default();
    let mut seg = None;
    let mut multipart = false;
    match body {
        ReqBody::Multipart(mp) => {
            multipart = true;
            match read_multipart(mp, m.v1_chunk_cap, bandwidth).await {
                Ok(p) => {
                    params.extend(p.fields);
                    seg = p.media;
                }
                Err(MpError::TooLarge) => {
                    return Err(upload_error("File size exceeds 5242880 bytes."))
                }
                Err(MpError::Malformed(_)) => return Err(upload_error("media type unrecognized.")),
            }
        }
        ReqBody::Json(_) | ReqBody::Other(_) => {
            return Err(upload_error("media type unrecognized."));
        }
        ReqBody::Form(_) | ReqBody::Empty => {}
    }
    let cmd = Command {
        ctx,
        m,
        params,
        seg,
        multipart,
        account: ctx.account(),
    };
    let command = cmd.get("command").map(|c| c.to_ascii_uppercase());
    let is_get = ctx.method == axum::http::Method::GET;
    if is_get && command.as_deref() != Some("STATUS") {
        return Err(upload_error("Invalid command."));
    }
    if !is_get && command.as_deref() == Some("STATUS") {
        return Err(upload_error("STATUS must be a GET request."));
    }
    if matches!(command.as_deref(), Some("APPEND" | "FINALIZE" | "STATUS"))
        && cmd.m.v1_retired == V1Retired::RefuseAfterInit
    {
        return Err(reply::limited_access_453());
    }
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    match command.as_deref() {
        None => simple(cmd, &mut w, now),
        Some("INIT") => init(&cmd, &mut w, now),
        Some("APPEND") => append(cmd, &mut w, now),
        Some("FINALIZE") => finalize(&cmd, &mut w, now),
        Some("STATUS") => status(&cmd, &mut w, now),
        Some(_) => Err(upload_error("Invalid command.")),
    }
}

/// A simple upload (no `command`): one multipart file, images only, finalized at once.
fn simple(mut cmd: Command<'_>, w: &mut World, now: i64) -> HResult {
    let Some(seg) = cmd.seg.take() else {
        return Err(upload_error("media parameter is missing."));
    };
    let category = cmd.category()?;
    let m = &cmd.m;
    let id = w.new_id();
    let mut md = Media::new(
        id.clone(),
        cmd.account.clone(),
        category,
        None,
        None,
        UploadRoute::V1,
        now,
        w.expiry_final_secs(),
    );
    md.additional_owners = owners(cmd.get("additional_owners"));
    let kind = media::sniff(&seg.head).map(|s| s.kind);
    if matches!(kind, Some(media::MediaKind::Video)) {
        return Err(upload_error("media type unrecognized."));
    }
    md.put_segment(0, seg).map_err(|f| v1_fail(V1_UPLOAD, f))?;
    let exp = w.expiry_final_secs();
    md.finalize(
        now,
        0,
        m.processing_ms,
        cmd.ctx.faults.force_invalid_media,
        exp,
    )
    .map_err(|f| v1_fail(V1_UPLOAD, f))?;
    if m.upload_cost_usd > 0.0 && w.out_of_credits() {
        return Err(reply::credits_depleted(m));
    }
    let v = v1_media_json(&md, now, m.check_after_secs, true);
    w.insert_media(id, md);
    w.charge("POST /1.1/media/upload.json", m.upload_cost_usd);
    Ok(reply::json(200, &v))
}

/// `command=INIT`: declares `total_bytes`, `media_type` and optionally `media_category`.
fn init(cmd: &Command<'_>, w: &mut World, now: i64) -> HResult {
    let Some(total) = cmd.get("total_bytes").and_then(|t| t.parse::<u64>().ok()) else {
        return Err(upload_error("total_bytes parameter is missing or invalid."));
    };
    let Some(media_type) = cmd.get("media_type") else {
        return Err(upload_error("media_type parameter is missing."));
    };
    let category = cmd.category()?;
    if let Some(err) = total_cap_error(&media_type, category.as_deref(), total) {
        return Err(upload_error(&err));
    }
    let id = w.new_id();
    let exp = w.expiry_init_secs(false);
    let mut md = Media::new(
        id.clone(),
        cmd.account.clone(),
        category,
        Some(media_type),
        Some(total),
        UploadRoute::V1,
        now,
        exp,
    );
    md.additional_owners = owners(cmd.get("additional_owners"));
    let mut v = json!({"media_id": id_num(&id), "media_id_string": id, "expires_after_secs": md.expires_after_secs(now)});
    if md.category.is_some() {
        v["media_key"] = json!(md.key);
    }
    w.insert_media(id, md);
    Ok(reply::json(202, &v))
}

/// `command=APPEND`: one multipart segment at `segment_index` (0–999 from
/// `Modes::segment_index_base`).
fn append(cmd: Command<'_>, w: &mut World, now: i64) -> HResult {
    if !cmd.multipart {
        return Err(upload_error("APPEND must be multipart/form-data."));
    }
    let id = cmd.get("media_id").unwrap_or_default();
    let Some(index) = cmd.get("segment_index").and_then(|s| s.parse::<u32>().ok()) else {
        return Err(upload_error(
            "segment_index parameter is missing or invalid.",
        ));
    };
    let base = cmd.m.segment_index_base;
    if index < base || index > base.saturating_add(999) {
        return Err(upload_error(
            "Segment index must be between 0 and 999 inclusive.",
        ));
    }
    let Some(seg) = cmd.seg else {
        return Err(upload_error("media parameter is missing."));
    };
    let md =
        owned_media(w, &id, &cmd.account, now).ok_or_else(|| upload_error("Invalid mediaId."))?;
    md.put_segment(index, seg)
        .map_err(|f| v1_fail(V1_UPLOAD, f))?;
    Ok(reply::raw(204, "text/plain; charset=utf-8", ""))
}

/// `command=FINALIZE`: checks the segments, sniffs the file, plans processing; billed.
fn finalize(cmd: &Command<'_>, w: &mut World, now: i64) -> HResult {
    let m = &cmd.m;
    let id = cmd.get("media_id").unwrap_or_default();
    let processing_ms = processing_ms(cmd.ctx, m.processing_ms);
    let exp = w.expiry_final_secs();
    if m.upload_cost_usd > 0.0 && w.out_of_credits() {
        return Err(reply::credits_depleted(m));
    }
    let md =
        owned_media(w, &id, &cmd.account, now).ok_or_else(|| upload_error("Invalid mediaId."))?;
    md.finalize(
        now,
        m.segment_index_base,
        processing_ms,
        cmd.ctx.faults.force_invalid_media,
        exp,
    )
    .map_err(|f| v1_fail(V1_UPLOAD, f))?;
    let v = v1_media_json(md, now, m.check_after_secs, true);
    w.charge("POST /1.1/media/upload.json", m.upload_cost_usd);
    Ok(reply::json(201, &v))
}

/// `GET …?command=STATUS`: the processing state of a finalized object.
fn status(cmd: &Command<'_>, w: &mut World, now: i64) -> HResult {
    let id = cmd.get("media_id").unwrap_or_default();
    let md =
        owned_media(w, &id, &cmd.account, now).ok_or_else(|| upload_error("Invalid mediaId."))?;
    if md.phase == Phase::Uploading {
        return Err(upload_error("Media id is not finalized."));
    }
    let v = v1_media_json(md, now, cmd.m.check_after_secs, false);
    Ok(reply::json(200, &v))
}

/// `POST /1.1/media/metadata/create.json`: alt text as JSON.
fn metadata(ctx: &Ctx, body: ReqBody) -> HResult {
    let m = ctx.modes();
    let ReqBody::Json(bytes) = body else {
        return Err(reply::v1_media(400, V1_META, "Missing json payload."));
    };
    let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(reply::v1_media(400, V1_META, "Missing json payload."));
    };
    let id = v.get("media_id").map(|i| {
        i.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| i.to_string())
    });
    let Some(text) = v.pointer("/alt_text/text").and_then(Value::as_str) else {
        return Err(reply::v1_media(400, V1_META, "Missing alt_text parameter."));
    };
    if text.chars().count() > m.alt_text_limit {
        return Err(reply::v1_media(
            400,
            V1_META,
            &format!("Alt text must be {} characters or fewer.", m.alt_text_limit),
        ));
    }
    let account = ctx.account();
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    let md = owned_media(&mut w, &id.unwrap_or_default(), &account, now)
        .ok_or_else(|| reply::v1_media(400, V1_META, "Invalid mediaId."))?;
    md.alt_text = Some(text.to_string());
    Ok(reply::raw(200, "text/plain; charset=utf-8", ""))
}
