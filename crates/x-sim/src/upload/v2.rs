//! The v2 media routes (docs/protocol.md §8): `POST /2/media/upload` (one-shot),
//! `POST /2/media/upload/initialize`, `/{id}/append`, `/{id}/finalize`,
//! `GET /2/media/upload?command=STATUS&media_id=`, `POST /2/media/metadata[/create]` and
//! `POST`/`DELETE /2/media/subtitles`.
//!
//! Contract: [`handle`] refuses every route when `Modes::v2_upload_forbidden` holds (B15) and
//! every route but STATUS for a read-only token (B4), then hands each route to its own
//! function. Errors are v2 problems: B13 invalid-request (docs/protocol.md §5.2), 404
//! resource-not-found for an unknown or foreign id, 431 for an oversized segment, B8 when a
//! billed call finds no credits.
//!
//! Subtitles (docs/protocol.md §8): the video must be the caller's, a video, and processed;
//! the subtitle media the caller's, finalized with category `subtitles`; the language code
//! 2–3 ASCII letters (an optional `-region` part), the display name 1–64 characters. One
//! track per language: associating a language again replaces its track.
//!
//! Subtitles (docs/protocol.md §8.1): the video must be the caller's, a video, and processed;
//! the subtitle media the caller's, finalized with category `subtitles`; the language code
//! 2–3 ASCII letters (an optional `-region` part), the display name 1–64 characters. One
//! track per language: associating a language again replaces its track.

use axum::response::Response;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    owned_media, owners, processing_ms, read_multipart, segment_of, total_cap_error, MpError,
};
use crate::config::{AccessLevel, Modes};
use crate::http::{Ctx, HResult, ReqBody, Route};
use crate::media::{self, Media, Phase, Segment, UploadRoute};
use crate::reply;
use crate::world::World;

/// Keys a v2 INIT body may have.
const INIT_KEYS: &[&str] = &[
    "media_type",
    "total_bytes",
    "media_category",
    "additional_owners",
    "shared",
];
/// Keys of a JSON one-shot body copied as text fields.
const ONE_SHOT_FIELDS: &[&str] = &[
    "media_category",
    "media_type",
    "additional_owners",
    "shared",
];

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

/// The 431 of an oversized segment.
fn segment_too_large(m: &Modes) -> Response {
    reply::problem(
        m,
        431,
        &json!({"title":"Request Header Fields Too Large","detail":"The media segment is too large.","type":"about:blank","status":431}),
    )
}

fn parse_json(m: &Modes, b: &[u8]) -> Result<Value, Response> {
    serde_json::from_slice(b)
        .map_err(|_| reply::invalid_request(m, "Request body is not valid JSON."))
}

/// The base64 `media` of a JSON body, decoded.
fn json_media(m: &Modes, v: &Value) -> Result<Option<Vec<u8>>, Response> {
    match v.get("media").and_then(Value::as_str) {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map(Some)
            .map_err(|_| reply::invalid_request(m, "media is not valid base64.")),
        None => Ok(None),
    }
}

/// Handles the v2 media routes.
pub async fn handle(ctx: &Ctx, route: &Route, body: ReqBody) -> HResult {
    let m = ctx.modes();
    if m.v2_upload_forbidden {
        return Err(reply::forbidden_v2(&m, "Forbidden"));
    }
    let level = ctx
        .auth
        .as_ref()
        .map(|a| a.level)
        .unwrap_or(AccessLevel::Read);
    if *route != Route::V2Status && !level.can_write() {
        return Err(reply::oauth1_permissions(&m));
    }
    match route {
        Route::V2OneShot => one_shot(ctx, &m, body).await,
        Route::V2Init => initialize(ctx, &m, body),
        Route::V2Append(id) => append(ctx, &m, id, body).await,
        Route::V2Finalize(id) => finalize(ctx, &m, id),
        Route::V2Status => status(ctx, &m),
        Route::V2Metadata => metadata(ctx, &m, body),
        Route::V2Subtitles if ctx.method == axum::http::Method::DELETE => {
            subtitles_delete(ctx, &m, body)
        }
        Route::V2Subtitles => subtitles_create(ctx, &m, body),
        _ => Err(reply::no_route_v2(&m)),
    }
}

/// The text fields and file of a one-shot body (multipart, or JSON with base64 `media`).
async fn one_shot_body(
    ctx: &Ctx,
    m: &Modes,
    body: ReqBody,
) -> Result<(Vec<(String, String)>, Option<Segment>), Response> {
    let bandwidth = ctx.faults.bandwidth_bytes_per_sec;
    match body {
        ReqBody::Multipart(mp) => match read_multipart(mp, media::VIDEO_MAX, bandwidth).await {
            Ok(p) => Ok((p.fields, p.media)),
            Err(MpError::TooLarge) => {
                Err(reply::invalid_request(m, "File size exceeds the limit."))
            }
            Err(MpError::Malformed(e)) => Err(reply::invalid_request(
                m,
                &format!("Invalid multipart body: {e}"),
            )),
        },
        ReqBody::Json(b) => {
            let v = parse_json(m, &b)?;
            let mut fields = Vec::new();
            for k in ONE_SHOT_FIELDS {
                if let Some(x) = v.get(*k) {
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
            let seg = json_media(m, &v)?.map(|bytes| segment_of(&bytes));
            Ok((fields, seg))
        }
        _ => Err(reply::invalid_request(
            m,
            "A multipart/form-data or JSON body is required.",
        )),
    }
}

/// `POST /2/media/upload`: the whole file in one request, finalized at once; billed.
async fn one_shot(ctx: &Ctx, m: &Modes, body: ReqBody) -> HResult {
    let (fields, seg) = one_shot_body(ctx, m, body).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let Some(seg) = seg else {
        return Err(reply::invalid_parameter(
            m,
            "media",
            &[],
            "The media field is required.",
        ));
    };
    let Some(category) = get("media_category") else {
        return Err(reply::invalid_parameter(
            m,
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
        return Err(reply::invalid_parameter(
            m,
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
        ctx.account(),
        Some(category),
        get("media_type"),
        None,
        UploadRoute::V2,
        now,
        exp,
    );
    md.additional_owners = owners(get("additional_owners"));
    md.put_segment(0, seg)
        .map_err(|f| reply::invalid_request(m, &f.message))?;
    md.finalize(
        now,
        0,
        processing_ms(ctx, m.processing_ms),
        ctx.faults.force_invalid_media,
        exp,
    )
    .map_err(|f| reply::invalid_request(m, &f.message))?;
    if m.upload_cost_usd > 0.0 && w.out_of_credits() {
        return Err(reply::credits_depleted(m));
    }
    let v = v2_media_json(&md, now, m.check_after_secs);
    w.insert_media(id, md);
    w.charge("POST /2/media/upload", m.upload_cost_usd);
    Ok(reply::json(200, &json!({ "data": v })))
}

/// `POST /2/media/upload/initialize`: a JSON body declaring `media_type`, `total_bytes` and
/// optionally `media_category` and `additional_owners` (no other keys).
fn initialize(ctx: &Ctx, m: &Modes, body: ReqBody) -> HResult {
    let ReqBody::Json(b) = body else {
        return Err(reply::invalid_request(
            m,
            "A JSON body with Content-Type: application/json is required.",
        ));
    };
    let v = parse_json(m, &b)?;
    let Some(o) = v.as_object() else {
        return Err(reply::invalid_request(
            m,
            "Request body must be a JSON object.",
        ));
    };
    if let Some(k) = o.keys().find(|k| !INIT_KEYS.contains(&k.as_str())) {
        return Err(reply::invalid_request(m, &format!("$.{k}: is not defined in the schema and the schema does not allow additional properties")));
    }
    let Some(media_type) = o
        .get("media_type")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(reply::invalid_parameter(
            m,
            "media_type",
            &[],
            "The media_type field is required.",
        ));
    };
    if !media::MEDIA_TYPES.contains(&media_type.as_str()) {
        return Err(reply::invalid_parameter(
            m,
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
        return Err(reply::invalid_parameter(
            m,
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
                return Err(reply::invalid_parameter(
                    m,
                    "media_category",
                    &[c.to_string()],
                    "Invalid media_category.",
                ))
            }
        },
    };
    if let Some(err) = total_cap_error(&media_type, category.as_deref(), total) {
        return Err(reply::invalid_request(m, &err));
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
        ctx.account(),
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

/// The `segment_index` (as sent) and file of an APPEND body (multipart, or JSON with base64
/// `media`).
async fn append_body(
    ctx: &Ctx,
    m: &Modes,
    body: ReqBody,
) -> Result<(Option<String>, Option<Segment>), Response> {
    let bandwidth = ctx.faults.bandwidth_bytes_per_sec;
    match body {
        ReqBody::Multipart(mp) => match read_multipart(mp, m.v2_chunk_cap, bandwidth).await {
            Ok(p) => Ok((p.get("segment_index"), p.media)),
            Err(MpError::TooLarge) => Err(segment_too_large(m)),
            Err(MpError::Malformed(e)) => Err(reply::invalid_request(
                m,
                &format!("Invalid multipart body: {e}"),
            )),
        },
        ReqBody::Json(b) => {
            let v = parse_json(m, &b)?;
            let idx = v.get("segment_index").map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            });
            let seg = match json_media(m, &v)? {
                Some(bytes) if bytes.len() as u64 > m.v2_chunk_cap => {
                    return Err(segment_too_large(m))
                }
                Some(bytes) => Some(segment_of(&bytes)),
                None => None,
            };
            Ok((idx, seg))
        }
        _ => Err(reply::invalid_request(
            m,
            "A multipart/form-data body is required.",
        )),
    }
}

/// `POST /2/media/upload/{id}/append`: one segment at `segment_index` (0–999 from
/// `Modes::segment_index_base`).
async fn append(ctx: &Ctx, m: &Modes, id: &str, body: ReqBody) -> HResult {
    let (index, seg) = append_body(ctx, m, body).await?;
    let base = m.segment_index_base;
    let Some(index) = index
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|i| *i >= base && *i <= base.saturating_add(999))
    else {
        return Err(reply::invalid_parameter(
            m,
            "segment_index",
            &[],
            "segment_index must be an integer between 0 and 999.",
        ));
    };
    let Some(seg) = seg else {
        return Err(reply::invalid_parameter(
            m,
            "media",
            &[],
            "The media field is required.",
        ));
    };
    let account = ctx.account();
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    let md = owned_media(&mut w, id, &account, now)
        .ok_or_else(|| reply::not_found_v2(m, "id", id, "media"))?;
    md.put_segment(index, seg)
        .map_err(|f| reply::invalid_request(m, &f.message))?;
    let expires_at = md.expires_ms / 1000;
    Ok(reply::json(
        200,
        &json!({"data":{"expires_at": expires_at}}),
    ))
}

/// `POST /2/media/upload/{id}/finalize`: checks the segments, sniffs, plans processing;
/// billed.
fn finalize(ctx: &Ctx, m: &Modes, id: &str) -> HResult {
    let account = ctx.account();
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    let exp = w.expiry_final_secs();
    if m.upload_cost_usd > 0.0 && w.out_of_credits() {
        return Err(reply::credits_depleted(m));
    }
    let md = owned_media(&mut w, id, &account, now)
        .ok_or_else(|| reply::not_found_v2(m, "id", id, "media"))?;
    md.finalize(
        now,
        m.segment_index_base,
        processing_ms(ctx, m.processing_ms),
        ctx.faults.force_invalid_media,
        exp,
    )
    .map_err(|f| reply::invalid_request(m, &f.message))?;
    let v = v2_media_json(md, now, m.check_after_secs);
    w.charge("POST /2/media/upload/:id/finalize", m.upload_cost_usd);
    Ok(reply::json(200, &json!({ "data": v })))
}

/// `GET /2/media/upload?command=STATUS&media_id=`: the object's processing state.
fn status(ctx: &Ctx, m: &Modes) -> HResult {
    let query = |key: &str| {
        ctx.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let command = query("command").map(|c| c.to_ascii_uppercase());
    if command.as_deref().is_some_and(|c| c != "STATUS") {
        return Err(reply::invalid_request(m, "command must be STATUS."));
    }
    let Some(id) = query("media_id") else {
        return Err(reply::invalid_parameter(
            m,
            "media_id",
            &[],
            "The media_id field is required.",
        ));
    };
    let account = ctx.account();
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    let md = owned_media(&mut w, &id, &account, now)
        .ok_or_else(|| reply::not_found_v2(m, "media_id", &id, "media"))?;
    Ok(reply::json(
        200,
        &json!({"data": v2_media_json(md, now, m.check_after_secs)}),
    ))
}

/// `POST /2/media/metadata[/create]`: alt text; billed ($0.005), B15 at the spending limit.
fn metadata(ctx: &Ctx, m: &Modes, body: ReqBody) -> HResult {
    let ReqBody::Json(b) = body else {
        return Err(reply::invalid_request(
            m,
            "A JSON body with Content-Type: application/json is required.",
        ));
    };
    let v = parse_json(m, &b)?;
    let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) else {
        return Err(reply::invalid_parameter(
            m,
            "id",
            &[],
            "The id field is required.",
        ));
    };
    let Some(text) = v
        .pointer("/metadata/alt_text/text")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(reply::invalid_parameter(
            m,
            "metadata",
            &[],
            "metadata.alt_text.text is required.",
        ));
    };
    if text.chars().count() > m.alt_text_limit {
        return Err(reply::invalid_parameter(
            m,
            "metadata.alt_text.text",
            std::slice::from_ref(&text),
            &format!("Alt text must be {} characters or fewer.", m.alt_text_limit),
        ));
    }
    let account = ctx.account();
    let mut w = ctx.shared.world();
    if m.spending_limit_reached {
        return Err(reply::forbidden_v2(
            m,
            "Your account has hit its spending limit for this billing cycle",
        ));
    }
    if w.out_of_credits() {
        return Err(reply::credits_depleted(m));
    }
    let now = w.now_ms();
    let md = owned_media(&mut w, &id, &account, now)
        .ok_or_else(|| reply::not_found_v2(m, "id", &id, "media"))?;
    md.alt_text = Some(text.clone());
    w.charge("POST /2/media/metadata", 0.005);
    Ok(reply::json(
        200,
        &json!({"data":{"id": id, "associated_metadata":{"alt_text":{"text": text}}}}),
    ))
}

/// `true` for a BCP-47-ish language code: 2–3 ASCII letters, optionally `-` and 2–8
/// letters or digits (`en`, `EN`, `pt-BR`, `zh-Hant`).
pub(crate) fn valid_language_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    let rest: Vec<&str> = parts.collect();
    lang_ok
        && rest.len() <= 1
        && rest
            .iter()
            .all(|r| (2..=8).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The video `media_category` of a subtitles body: X's snake_case names or the PascalCase
/// of its examples (`TweetVideo`).
fn video_category(m: &Modes, v: &Value) -> Result<String, Response> {
    let raw = v.get("media_category").and_then(Value::as_str);
    match raw.and_then(media::normalize_v1_category) {
        Some(c) if matches!(c.as_str(), "tweet_video" | "amplify_video" | "dm_video") => Ok(c),
        _ => Err(reply::invalid_parameter(
            m,
            "media_category",
            &raw.map(str::to_string).into_iter().collect::<Vec<_>>(),
            "media_category must be the video's category (tweet_video, amplify_video or dm_video).",
        )),
    }
}

/// The caller's processed video `id`, or the error to answer.
fn owned_video<'a>(
    w: &'a mut World,
    m: &Modes,
    id: &str,
    account: &str,
    now: i64,
) -> Result<&'a mut Media, Response> {
    let md = owned_media(w, id, account, now)
        .ok_or_else(|| reply::not_found_v2(m, "id", id, "media"))?;
    if md.kind() != Some(media::MediaKind::Video) {
        return Err(reply::invalid_parameter(
            m,
            "id",
            &[id.to_string()],
            "Subtitles can only be associated with a video.",
        ));
    }
    if !matches!(
        md.proc_state(now),
        media::ProcState::Ready | media::ProcState::Succeeded
    ) {
        return Err(reply::invalid_parameter(
            m,
            "id",
            &[id.to_string()],
            "The video has not finished processing.",
        ));
    }
    Ok(md)
}

/// The JSON object of a subtitles body.
fn json_object(m: &Modes, body: ReqBody) -> Result<Value, Response> {
    let ReqBody::Json(b) = body else {
        return Err(reply::invalid_request(
            m,
            "A JSON body with Content-Type: application/json is required.",
        ));
    };
    let v = parse_json(m, &b)?;
    if !v.is_object() {
        return Err(reply::invalid_request(
            m,
            "Request body must be a JSON object.",
        ));
    }
    Ok(v)
}

/// `POST /2/media/subtitles`: associates an uploaded subtitle file with a video.
fn subtitles_create(ctx: &Ctx, m: &Modes, body: ReqBody) -> HResult {
    let v = json_object(m, body)?;
    let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) else {
        return Err(reply::invalid_parameter(
            m,
            "id",
            &[],
            "The id field is required.",
        ));
    };
    let category = video_category(m, &v)?;
    let Some(sub) = v.get("subtitles").and_then(Value::as_object) else {
        return Err(reply::invalid_parameter(
            m,
            "subtitles",
            &[],
            "The subtitles object is required.",
        ));
    };
    // X's reference example names the subtitle media `id`; older write-ups say `media_id`.
    let Some(sub_id) = sub
        .get("id")
        .or_else(|| sub.get("media_id"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(reply::invalid_parameter(
            m,
            "subtitles.id",
            &[],
            "subtitles.id (the subtitle media id) is required.",
        ));
    };
    let lang = sub
        .get("language_code")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !valid_language_code(&lang) {
        return Err(reply::invalid_parameter(
            m,
            "subtitles.language_code",
            &[lang],
            "language_code must be a BCP-47 language code such as EN.",
        ));
    }
    let name = sub
        .get("display_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(reply::invalid_parameter(
            m,
            "subtitles.display_name",
            &[name],
            "display_name must be 1 to 64 characters.",
        ));
    }
    let account = ctx.account();
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    {
        let sub_md = owned_media(&mut w, &sub_id, &account, now)
            .ok_or_else(|| reply::not_found_v2(m, "subtitles.id", &sub_id, "media"))?;
        if sub_md.category.as_deref() != Some("subtitles")
            || sub_md.kind() != Some(media::MediaKind::Subtitles)
        {
            return Err(reply::invalid_parameter(
                m,
                "subtitles.id",
                std::slice::from_ref(&sub_id),
                "The subtitle media must be an SRT or WebVTT file uploaded with media_category subtitles.",
            ));
        }
    }
    let md = owned_video(&mut w, m, &id, &account, now)?;
    let code = lang.to_ascii_uppercase();
    md.subtitles
        .retain(|t| !t.language_code.eq_ignore_ascii_case(&code));
    md.subtitles.push(media::SubtitleTrack {
        media_id: sub_id,
        language_code: code,
        display_name: name,
    });
    let tracks = json!(md.subtitles);
    Ok(reply::json(
        200,
        &json!({"data":{"id": id, "media_category": category, "associated_subtitles": tracks}}),
    ))
}

/// `DELETE /2/media/subtitles`: removes a video's track for `language_code`.
fn subtitles_delete(ctx: &Ctx, m: &Modes, body: ReqBody) -> HResult {
    let v = json_object(m, body)?;
    let Some(id) = v.get("id").and_then(Value::as_str).map(str::to_string) else {
        return Err(reply::invalid_parameter(
            m,
            "id",
            &[],
            "The id field is required.",
        ));
    };
    video_category(m, &v)?;
    let lang = v
        .get("language_code")
        .or_else(|| v.pointer("/subtitles/language_code"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !valid_language_code(&lang) {
        return Err(reply::invalid_parameter(
            m,
            "language_code",
            &[lang],
            "language_code must be a BCP-47 language code such as EN.",
        ));
    }
    let account = ctx.account();
    let mut w = ctx.shared.world();
    let now = w.now_ms();
    let md = owned_video(&mut w, m, &id, &account, now)?;
    let before = md.subtitles.len();
    md.subtitles
        .retain(|t| !t.language_code.eq_ignore_ascii_case(&lang));
    if md.subtitles.len() == before {
        return Err(reply::not_found_v2(m, "language_code", &lang, "subtitles"));
    }
    Ok(reply::json(200, &json!({"data":{"deleted": true}})))
}

#[cfg(test)]
mod tests {
    use super::valid_language_code;

    #[test]
    fn language_codes() {
        for ok in ["en", "EN", "pt-BR", "zh-Hant", "fil"] {
            assert!(valid_language_code(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_US", "en-", "12", "en-US-x"] {
            assert!(!valid_language_code(bad), "{bad}");
        }
    }
}
