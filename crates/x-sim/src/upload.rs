//! The v1.1 (`/1.1/media/upload.json`, `/1.1/media/metadata/create.json`) and v2
//! (`/2/media/upload…`, `/2/media/metadata`) media routes over the one state machine of
//! [`crate::media`].
//!
//! Contract: multipart bodies are consumed as streams; of the `media` field only the byte
//! count and the first [`HEAD_KEEP`] bytes are kept, so memory stays bounded whatever the
//! upload size; `media_data` (base64) is read up to the segment cap. v1.1 errors use the
//! B16 envelope, v2 errors the invalid-request problem; an oversized v2 segment is 431.

use std::time::{Duration, Instant};

use axum::response::Response;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::config::{AccessLevel, V1Retired};
use crate::http::{Ctx, HResult, ReqBody, Route};
use crate::media::{self, Media, MediaFail, Phase, Segment, UploadRoute, HEAD_KEEP};
use crate::reply;

/// Largest non-file multipart field.
const FIELD_MAX: usize = 64 * 1024;
/// Most multipart fields accepted.
const FIELDS_MAX: usize = 64;

const V1_UPLOAD: &str = "/1.1/media/upload.json";
const V1_META: &str = "/1.1/media/metadata/create.json";

/// A parsed multipart body.
#[derive(Debug, Default)]
pub struct Parts {
    /// Text fields.
    pub fields: Vec<(String, String)>,
    /// The file (`media` raw or `media_data` base64), counted.
    pub media: Option<Segment>,
}

impl Parts {
    fn get(&self, k: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    }
}

/// Why a multipart body was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum MpError {
    /// Not valid multipart, truncated, non-UTF-8 text field, bad base64 …
    Malformed(String),
    /// The file field exceeded the cap.
    TooLarge,
}

fn add_head(seg: &mut Segment, chunk: &[u8]) {
    if seg.head.len() < HEAD_KEEP {
        let take = (HEAD_KEEP - seg.head.len()).min(chunk.len());
        seg.head.extend_from_slice(&chunk[..take]);
    }
    seg.len += chunk.len() as u64;
}

/// Streams a multipart body: text fields are collected (bounded), the file is counted.
pub async fn read_multipart(
    mut mp: multer::Multipart<'static>,
    cap: u64,
    bandwidth: u64,
) -> Result<Parts, MpError> {
    let mut out = Parts::default();
    let started = Instant::now();
    let mut total: u64 = 0;
    let mut n = 0;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(MpError::Malformed(e.to_string())),
        };
        n += 1;
        if n > FIELDS_MAX {
            return Err(MpError::Malformed("too many fields".into()));
        }
        let name = field.name().unwrap_or("").to_string();
        let mut field = field;
        if name == "media" {
            let mut seg = Segment::default();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        add_head(&mut seg, &chunk);
                        total += chunk.len() as u64;
                        if seg.len > cap {
                            return Err(MpError::TooLarge);
                        }
                        if bandwidth > 0 {
                            let due = Duration::from_secs_f64(total as f64 / bandwidth as f64);
                            let spent = started.elapsed();
                            if due > spent {
                                tokio::time::sleep(due - spent).await;
                            }
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(MpError::Malformed(e.to_string())),
                }
            }
            out.media = Some(seg);
        } else {
            let limit = if name == "media_data" {
                usize::try_from(cap.saturating_mul(4) / 3 + 1024).unwrap_or(usize::MAX)
            } else {
                FIELD_MAX
            };
            let mut buf: Vec<u8> = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if buf.len() + chunk.len() > limit {
                            return Err(if name == "media_data" {
                                MpError::TooLarge
                            } else {
                                MpError::Malformed(format!("field {name} too large"))
                            });
                        }
                        buf.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) => return Err(MpError::Malformed(e.to_string())),
                }
            }
            if name == "media_data" {
                let cleaned: Vec<u8> = buf
                    .into_iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&cleaned)
                    .map_err(|_| MpError::Malformed("media_data is not valid base64".into()))?;
                if bytes.len() as u64 > cap {
                    return Err(MpError::TooLarge);
                }
                let mut seg = Segment::default();
                add_head(&mut seg, &bytes);
                out.media = Some(seg);
            } else {
                let s = String::from_utf8(buf)
                    .map_err(|_| MpError::Malformed(format!("field {name} is not UTF-8")))?;
                out.fields.push((name, s));
            }
        }
    }
    Ok(out)
}

fn v1_fail(path: &str, f: MediaFail) -> Response {
    reply::v1_media(f.status, path, &f.message)
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

/// v2 `data` for a media object.
fn v2_media_json(md: &Media, now: i64, check_after: u64) -> Value {
    let mut v = json!({"id": md.id, "media_key": md.key});
    if let Phase::Finalized { size, .. } = &md.phase {
        v["size"] = json!(size);
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

fn owners(s: Option<String>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Handles the v1.1 media routes.
pub async fn v1(ctx: &Ctx, route: &Route, body: ReqBody) -> HResult {
    let m = ctx.modes();
    if *route == Route::V1Metadata {
        if m.v1_retired == V1Retired::RefuseAfterInit {
            return Err(reply::b1_453());
        }
        return v1_metadata(ctx, body);
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
                    return Err(reply::v1_media(
                        400,
                        V1_UPLOAD,
                        "File size exceeds 5242880 bytes.",
                    ))
                }
                Err(MpError::Malformed(_)) => {
                    return Err(reply::v1_media(400, V1_UPLOAD, "media type unrecognized."))
                }
            }
        }
        ReqBody::Json(_) | ReqBody::Other(_) => {
            return Err(reply::v1_media(400, V1_UPLOAD, "media type unrecognized."));
        }
        ReqBody::Form(_) | ReqBody::Empty => {}
    }
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let command = get("command").map(|c| c.to_ascii_uppercase());
    let account = ctx.account();
    let check_after = m.check_after_secs;
    let is_get = ctx.method == axum::http::Method::GET;
    if is_get && command.as_deref() != Some("STATUS") {
        return Err(reply::v1_media(400, V1_UPLOAD, "Invalid command."));
    }
    if !is_get && command.as_deref() == Some("STATUS") {
        return Err(reply::v1_media(
            400,
            V1_UPLOAD,
            "STATUS must be a GET request.",
        ));
    }
    if matches!(command.as_deref(), Some("APPEND" | "FINALIZE" | "STATUS"))
        && m.v1_retired == V1Retired::RefuseAfterInit
    {
        return Err(reply::b1_453());
    }
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    match command.as_deref() {
        None => {
            // Simple upload (images only).
            let Some(seg) = seg else {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "media parameter is missing.",
                ));
            };
            let category = match get("media_category") {
                None => None,
                Some(c) => match media::normalize_v1_category(&c) {
                    Some(c) => Some(c),
                    None => return Err(reply::v1_media(400, V1_UPLOAD, "Invalid media_category.")),
                },
            };
            let id = w.new_id();
            let mut md = Media::new(
                id.clone(),
                account,
                category,
                None,
                None,
                UploadRoute::V1,
                now,
                w.expiry_final_secs(),
            );
            md.additional_owners = owners(get("additional_owners"));
            let kind = media::sniff(&seg.head).map(|s| s.kind);
            if matches!(kind, Some(media::MediaKind::Video)) {
                return Err(reply::v1_media(400, V1_UPLOAD, "media type unrecognized."));
            }
            md.put_segment(0, seg).map_err(|f| v1_fail(V1_UPLOAD, f))?;
            let exp = w.expiry_final_secs();
            md.finalize(now, 0, m.processing_ms, ctx.faults.force_invalid_media, exp)
                .map_err(|f| v1_fail(V1_UPLOAD, f))?;
            if m.upload_cost_usd > 0.0 && w.out_of_credits() {
                return Err(reply::b8(&m));
            }
            let v = v1_media_json(&md, now, check_after, true);
            w.insert_media(id, md);
            w.charge("POST /1.1/media/upload.json", m.upload_cost_usd);
            Ok(reply::json(200, &v))
        }
        Some("INIT") => {
            let total: u64 = match get("total_bytes").and_then(|t| t.parse().ok()) {
                Some(t) => t,
                None => {
                    return Err(reply::v1_media(
                        400,
                        V1_UPLOAD,
                        "total_bytes parameter is missing or invalid.",
                    ))
                }
            };
            let Some(media_type) = get("media_type") else {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "media_type parameter is missing.",
                ));
            };
            let category = match get("media_category") {
                None => None,
                Some(c) => match media::normalize_v1_category(&c) {
                    Some(c) => Some(c),
                    None => return Err(reply::v1_media(400, V1_UPLOAD, "Invalid media_category.")),
                },
            };
            if let Some(err) = total_cap_error(&media_type, category.as_deref(), total) {
                return Err(reply::v1_media(400, V1_UPLOAD, &err));
            }
            let id = w.new_id();
            let exp = w.expiry_init_secs(false);
            let mut md = Media::new(
                id.clone(),
                account,
                category,
                Some(media_type),
                Some(total),
                UploadRoute::V1,
                now,
                exp,
            );
            md.additional_owners = owners(get("additional_owners"));
            let mut v = json!({"media_id": id_num(&id), "media_id_string": id, "expires_after_secs": md.expires_after_secs(now)});
            if md.category.is_some() {
                v["media_key"] = json!(md.key);
            }
            w.insert_media(id, md);
            Ok(reply::json(202, &v))
        }
        Some("APPEND") => {
            if !multipart {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "APPEND must be multipart/form-data.",
                ));
            }
            let id = get("media_id").unwrap_or_default();
            let Some(index) = get("segment_index").and_then(|s| s.parse::<u32>().ok()) else {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "segment_index parameter is missing or invalid.",
                ));
            };
            let base = m.segment_index_base;
            if index < base || index > base.saturating_add(999) {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "Segment index must be between 0 and 999 inclusive.",
                ));
            }
            let Some(seg) = seg else {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "media parameter is missing.",
                ));
            };
            let md = owned_media(&mut w, &id, &account, now)
                .ok_or_else(|| reply::v1_media(400, V1_UPLOAD, "Invalid mediaId."))?;
            md.put_segment(index, seg)
                .map_err(|f| v1_fail(V1_UPLOAD, f))?;
            Ok(reply::raw(204, "text/plain; charset=utf-8", ""))
        }
        Some("FINALIZE") => {
            let id = get("media_id").unwrap_or_default();
            let processing_ms = processing_ms(ctx, m.processing_ms);
            let exp = w.expiry_final_secs();
            if m.upload_cost_usd > 0.0 && w.out_of_credits() {
                return Err(reply::b8(&m));
            }
            let md = owned_media(&mut w, &id, &account, now)
                .ok_or_else(|| reply::v1_media(400, V1_UPLOAD, "Invalid mediaId."))?;
            md.finalize(
                now,
                m.segment_index_base,
                processing_ms,
                ctx.faults.force_invalid_media,
                exp,
            )
            .map_err(|f| v1_fail(V1_UPLOAD, f))?;
            let v = v1_media_json(md, now, check_after, true);
            w.charge("POST /1.1/media/upload.json", m.upload_cost_usd);
            Ok(reply::json(201, &v))
        }
        Some("STATUS") => {
            let id = get("media_id").unwrap_or_default();
            let md = owned_media(&mut w, &id, &account, now)
                .ok_or_else(|| reply::v1_media(400, V1_UPLOAD, "Invalid mediaId."))?;
            if md.phase == Phase::Uploading {
                return Err(reply::v1_media(
                    400,
                    V1_UPLOAD,
                    "Media id is not finalized.",
                ));
            }
            let v = v1_media_json(md, now, check_after, false);
            Ok(reply::json(200, &v))
        }
        Some(_) => Err(reply::v1_media(400, V1_UPLOAD, "Invalid command.")),
    }
}

fn processing_ms(ctx: &Ctx, base: u64) -> u64 {
    let f = ctx.faults.processing_factor;
    if f > 0.0 {
        (base as f64 * f) as u64
    } else {
        base
    }
}

fn total_cap_error(media_type: &str, category: Option<&str>, total: u64) -> Option<String> {
    let cap = if media_type.starts_with("video/")
        || matches!(category, Some("tweet_video" | "amplify_video" | "dm_video"))
    {
        media::VIDEO_MAX
    } else if media_type == "image/gif" && matches!(category, Some("tweet_gif" | "dm_gif")) {
        media::GIF_MAX
    } else if media_type.starts_with("text/") || category == Some("subtitles") {
        media::SUBTITLES_MAX
    } else {
        media::IMAGE_MAX
    };
    (total > cap).then(|| format!("File size exceeds {cap} bytes."))
}

fn owned_media<'a>(
    w: &'a mut crate::world::World,
    id: &str,
    account: &str,
    now: i64,
) -> Option<&'a mut Media> {
    w.media.get_mut(id).filter(|md| {
        (md.owner == account || md.additional_owners.iter().any(|o| o == account))
            && now < md.expires_ms
    })
}

fn v1_metadata(ctx: &Ctx, body: ReqBody) -> HResult {
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

fn b13m(m: &crate::config::Modes, msg: &str) -> Response {
    reply::invalid_request(m, msg)
}

/// Handles the v2 media routes.
pub async fn v2(ctx: &Ctx, route: &Route, body: ReqBody) -> HResult {
    let m = ctx.modes();
    if m.v2_upload_forbidden {
        return Err(reply::b15(&m, "Forbidden"));
    }
    let level = ctx
        .auth
        .as_ref()
        .map(|a| a.level)
        .unwrap_or(AccessLevel::Read);
    if *route != Route::V2Status && !level.can_write() {
        return Err(reply::b4(&m));
    }
    let account = ctx.account();
    let check_after = m.check_after_secs;
    let bandwidth = ctx.faults.bandwidth_bytes_per_sec;
    match route {
        Route::V2OneShot => {
            let (fields, seg) = match body {
                ReqBody::Multipart(mp) => match read_multipart(mp, media::VIDEO_MAX, bandwidth)
                    .await
                {
                    Ok(p) => (p.fields, p.media),
                    Err(MpError::TooLarge) => return Err(b13m(&m, "File size exceeds the limit.")),
                    Err(MpError::Malformed(e)) => {
                        return Err(b13m(&m, &format!("Invalid multipart body: {e}")))
                    }
                },
                ReqBody::Json(b) => {
                    let v: Value = serde_json::from_slice(&b)
                        .map_err(|_| b13m(&m, "Request body is not valid JSON."))?;
                    let mut fields = Vec::new();
                    for k in [
                        "media_category",
                        "media_type",
                        "additional_owners",
                        "shared",
                    ] {
                        if let Some(x) = v.get(k) {
                            let s = match x {
                                Value::Array(a) => a
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join(","),
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            };
                            fields.push((k.to_string(), s));
                        }
                    }
                    let seg = match v.get("media").and_then(Value::as_str) {
                        Some(b64) => {
                            let bytes = base64::engine::general_purpose::STANDARD
                                .decode(b64.trim())
                                .map_err(|_| b13m(&m, "media is not valid base64."))?;
                            let mut s = Segment::default();
                            add_head(&mut s, &bytes);
                            Some(s)
                        }
                        None => None,
                    };
                    (fields, seg)
                }
                _ => return Err(b13m(&m, "A multipart/form-data or JSON body is required.")),
            };
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            let Some(seg) = seg else {
                return Err(reply::b13(&m, "media", &[], "The media field is required."));
            };
            let Some(category) = get("media_category") else {
                return Err(reply::b13(
                    &m,
                    "media_category",
                    &[],
                    "The media_category field is required.",
                ));
            };
            let allowed: &[&str] = if m.one_shot_strict {
                &["tweet_image", "dm_image", "subtitles"]
            } else {
                media::CATEGORIES
            };
            if !allowed.contains(&category.as_str()) {
                return Err(reply::b13(
                    &m,
                    "media_category",
                    std::slice::from_ref(&category),
                    "Invalid media_category for a one-shot upload.",
                ));
            }
            let mut w = ctx.shared.world();
            let now = w.now_ms();
            let id = w.new_id();
            let exp = w.expiry_final_secs();
            let mut md = Media::new(
                id.clone(),
                account,
                Some(category),
                get("media_type"),
                None,
                UploadRoute::V2,
                now,
                exp,
            );
            md.additional_owners = owners(get("additional_owners"));
            md.put_segment(0, seg).map_err(|f| b13m(&m, &f.message))?;
            md.finalize(
                now,
                0,
                processing_ms(ctx, m.processing_ms),
                ctx.faults.force_invalid_media,
                exp,
            )
            .map_err(|f| b13m(&m, &f.message))?;
            if m.upload_cost_usd > 0.0 && w.out_of_credits() {
                return Err(reply::b8(&m));
            }
            let v = v2_media_json(&md, now, check_after);
            w.insert_media(id, md);
            w.charge("POST /2/media/upload", m.upload_cost_usd);
            Ok(reply::json(200, &json!({ "data": v })))
        }
        Route::V2Init => {
            let ReqBody::Json(b) = body else {
                return Err(b13m(
                    &m,
                    "A JSON body with Content-Type: application/json is required.",
                ));
            };
            let v: Value = serde_json::from_slice(&b)
                .map_err(|_| b13m(&m, "Request body is not valid JSON."))?;
            let Some(o) = v.as_object() else {
                return Err(b13m(&m, "Request body must be a JSON object."));
            };
            for k in o.keys() {
                if ![
                    "media_type",
                    "total_bytes",
                    "media_category",
                    "additional_owners",
                    "shared",
                ]
                .contains(&k.as_str())
                {
                    return Err(b13m(&m, &format!("$.{k}: is not defined in the schema and the schema does not allow additional properties")));
                }
            }
            let Some(media_type) = o
                .get("media_type")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return Err(reply::b13(
                    &m,
                    "media_type",
                    &[],
                    "The media_type field is required.",
                ));
            };
            if !media::MEDIA_TYPES.contains(&media_type.as_str()) {
                return Err(reply::b13(
                    &m,
                    "media_type",
                    std::slice::from_ref(&media_type),
                    "Invalid media_type.",
                ));
            }
            let Some(total) = o
                .get("total_bytes")
                .and_then(Value::as_u64)
                .filter(|t| *t <= media::TOTAL_BYTES_MAX)
            else {
                return Err(reply::b13(
                    &m,
                    "total_bytes",
                    &[],
                    "total_bytes must be an integer between 0 and 17179869184.",
                ));
            };
            let category = match o.get("media_category") {
                None | Some(Value::Null) => None,
                Some(c) => match c.as_str().filter(|c| media::CATEGORIES.contains(c)) {
                    Some(c) => Some(c.to_string()),
                    None => {
                        return Err(reply::b13(
                            &m,
                            "media_category",
                            &[c.to_string()],
                            "Invalid media_category.",
                        ))
                    }
                },
            };
            if let Some(err) = total_cap_error(&media_type, category.as_deref(), total) {
                return Err(b13m(&m, &err));
            }
            let add = o
                .get("additional_owners")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let mut w = ctx.shared.world();
            let now = w.now_ms();
            let id = w.new_id();
            let exp = w.expiry_init_secs(true);
            let mut md = Media::new(
                id.clone(),
                account,
                category,
                Some(media_type),
                Some(total),
                UploadRoute::V2,
                now,
                exp,
            );
            md.additional_owners = add;
            let v = json!({"data":{"id": id, "media_key": md.key, "expires_after_secs": md.expires_after_secs(now)}});
            w.insert_media(id, md);
            Ok(reply::json(200, &v))
        }
        Route::V2Append(id) => {
            let (index, seg) = match body {
                ReqBody::Multipart(mp) => match read_multipart(mp, m.v2_chunk_cap, bandwidth).await
                {
                    Ok(p) => (p.get("segment_index"), p.media),
                    Err(MpError::TooLarge) => {
                        return Err(reply::problem(
                            &m,
                            431,
                            &json!({"title":"Request Header Fields Too Large","detail":"The media segment is too large.","type":"about:blank","status":431}),
                        ));
                    }
                    Err(MpError::Malformed(e)) => {
                        return Err(b13m(&m, &format!("Invalid multipart body: {e}")))
                    }
                },
                ReqBody::Json(b) => {
                    let v: Value = serde_json::from_slice(&b)
                        .map_err(|_| b13m(&m, "Request body is not valid JSON."))?;
                    let idx = v.get("segment_index").map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| i.to_string())
                    });
                    let seg = match v.get("media").and_then(Value::as_str) {
                        Some(b64) => {
                            let bytes = base64::engine::general_purpose::STANDARD
                                .decode(b64.trim())
                                .map_err(|_| b13m(&m, "media is not valid base64."))?;
                            if bytes.len() as u64 > m.v2_chunk_cap {
                                return Err(reply::problem(
                                    &m,
                                    431,
                                    &json!({"title":"Request Header Fields Too Large","detail":"The media segment is too large.","type":"about:blank","status":431}),
                                ));
                            }
                            let mut s = Segment::default();
                            add_head(&mut s, &bytes);
                            Some(s)
                        }
                        None => None,
                    };
                    (idx, seg)
                }
                _ => return Err(b13m(&m, "A multipart/form-data body is required.")),
            };
            let base = m.segment_index_base;
            let Some(index) = index
                .and_then(|s| s.trim().parse::<u32>().ok())
                .filter(|i| *i >= base && *i <= base.saturating_add(999))
            else {
                return Err(reply::b13(
                    &m,
                    "segment_index",
                    &[],
                    "segment_index must be an integer between 0 and 999.",
                ));
            };
            let Some(seg) = seg else {
                return Err(reply::b13(&m, "media", &[], "The media field is required."));
            };
            let mut w = ctx.shared.world();
            let now = w.now_ms();
            let md = owned_media(&mut w, id, &account, now)
                .ok_or_else(|| reply::not_found_v2(&m, "id", id, "media"))?;
            md.put_segment(index, seg)
                .map_err(|f| b13m(&m, &f.message))?;
            let expires_at = md.expires_ms / 1000;
            Ok(reply::json(
                200,
                &json!({"data":{"expires_at": expires_at}}),
            ))
        }
        Route::V2Finalize(id) => {
            let mut w = ctx.shared.world();
            let now = w.now_ms();
            let exp = w.expiry_final_secs();
            if m.upload_cost_usd > 0.0 && w.out_of_credits() {
                return Err(reply::b8(&m));
            }
            let md = owned_media(&mut w, id, &account, now)
                .ok_or_else(|| reply::not_found_v2(&m, "id", id, "media"))?;
            md.finalize(
                now,
                m.segment_index_base,
                processing_ms(ctx, m.processing_ms),
                ctx.faults.force_invalid_media,
                exp,
            )
            .map_err(|f| b13m(&m, &f.message))?;
            let v = v2_media_json(md, now, check_after);
            w.charge("POST /2/media/upload/:id/finalize", m.upload_cost_usd);
            Ok(reply::json(200, &json!({ "data": v })))
        }
        Route::V2Status => {
            let command = ctx
                .query
                .iter()
                .find(|(k, _)| k == "command")
                .map(|(_, v)| v.to_ascii_uppercase());
            if command.as_deref().is_some_and(|c| c != "STATUS") {
                return Err(b13m(&m, "command must be STATUS."));
            }
            let Some(id) = ctx
                .query
                .iter()
                .find(|(k, _)| k == "media_id")
                .map(|(_, v)| v.clone())
            else {
                return Err(reply::b13(
                    &m,
                    "media_id",
                    &[],
                    "The media_id field is required.",
                ));
            };
            let mut w = ctx.shared.world();
            let now = w.now_ms();
            let md = owned_media(&mut w, &id, &account, now)
                .ok_or_else(|| reply::not_found_v2(&m, "media_id", &id, "media"))?;
            Ok(reply::json(
                200,
                &json!({"data": v2_media_json(md, now, check_after)}),
            ))
        }
        Route::V2Metadata => {
            let ReqBody::Json(b) = body else {
                return Err(b13m(
                    &m,
                    "A JSON body with Content-Type: application/json is required.",
                ));
            };
            let v: Value = serde_json::from_slice(&b)
                .map_err(|_| b13m(&m, "Request body is not valid JSON."))?;
            let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) else {
                return Err(reply::b13(&m, "id", &[], "The id field is required."));
            };
            let Some(text) = v
                .pointer("/metadata/alt_text/text")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return Err(reply::b13(
                    &m,
                    "metadata",
                    &[],
                    "metadata.alt_text.text is required.",
                ));
            };
            if text.chars().count() > m.alt_text_limit {
                return Err(reply::b13(
                    &m,
                    "metadata.alt_text.text",
                    std::slice::from_ref(&text),
                    &format!("Alt text must be {} characters or fewer.", m.alt_text_limit),
                ));
            }
            let mut w = ctx.shared.world();
            if m.spending_limit_reached {
                return Err(reply::b15(
                    &m,
                    "Your account has hit its spending limit for this billing cycle",
                ));
            }
            if w.out_of_credits() {
                return Err(reply::b8(&m));
            }
            let now = w.now_ms();
            let md = owned_media(&mut w, &id, &account, now)
                .ok_or_else(|| reply::not_found_v2(&m, "id", &id, "media"))?;
            md.alt_text = Some(text.clone());
            w.charge("POST /2/media/metadata", 0.005);
            Ok(reply::json(
                200,
                &json!({"data":{"id": id, "associated_metadata":{"alt_text":{"text": text}}}}),
            ))
        }
        _ => Err(reply::no_route_v2(&m)),
    }
}
