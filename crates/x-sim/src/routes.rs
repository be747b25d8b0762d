//! Route handlers for users, posts, v1.1 statuses and the PIN flow; media routes live in
//! [`crate::upload`].
//!
//! Contract: each handler receives an authenticated [`Ctx`] (except the authorize page) and
//! returns an X-shaped response; validation follows docs/protocol.md §3, §4, §10 and §11, in the
//! order production X is observed to apply it. For `POST /2/tweets` that order is the table of
//! contents of [`create_post`]: [`check_permissions`] (write token, account not locked),
//! [`check_schema`] (the body alone: keys, shapes, empty or too-long text), [`check_billing`]
//! (spending limit, credits, usage cap), [`check_content`] (against the world: media, reply
//! target, quote, duplicate). A malformed body is thus a 400 even when the credits are spent.

use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::config::{AccessLevel, Modes};
use crate::http::{Ctx, HResult, ReqBody, Route};
use crate::media::MediaKind;
use crate::reply;
use crate::text;
use crate::world::{Post, RequestToken, World};

/// Dispatches to the handler of `route`.
pub async fn route(ctx: &Ctx, route: &Route, body: ReqBody) -> HResult {
    match route {
        Route::UsersMe => users_me(ctx),
        Route::CreatePost => create_post(ctx, body),
        Route::DeletePost(id) => delete_post(ctx, id),
        Route::GetPost(id) => get_post(ctx, id),
        Route::UserTweets(id) => crate::timeline::user_tweets(ctx, id),
        Route::V1StatusesUpdate => Ok(reply::limited_access_453()),
        Route::RequestToken => request_token(ctx),
        Route::Authorize => authorize(ctx, body),
        Route::AccessToken => access_token(ctx),
        Route::InvalidateToken => invalidate_token(ctx),
        Route::OAuth2Authorize => crate::oauth2::routes::authorize(ctx),
        Route::OAuth2Token => crate::oauth2::routes::token(ctx, body),
        Route::OAuth2Revoke => crate::oauth2::routes::revoke(ctx, body),
        Route::V1Upload | Route::V1Metadata => crate::upload::v1::handle(ctx, route, body).await,
        Route::V2OneShot
        | Route::V2Status
        | Route::V2Init
        | Route::V2Append(_)
        | Route::V2Finalize(_)
        | Route::V2Metadata
        | Route::V2Subtitles => crate::upload::v2::handle(ctx, route, body).await,
        Route::Control(_) | Route::NotFound(_) => Err(reply::no_route_v1()),
    }
}

fn users_me(ctx: &Ctx) -> HResult {
    let w = ctx.shared.world();
    let m = w.effective_modes(&ctx.account());
    let Some(acc) = w.account(&ctx.account()).cloned() else {
        return Err(reply::unauthorized_v2(&m));
    };
    let mut data = Map::new();
    data.insert("id".into(), json!(acc.id));
    data.insert("name".into(), json!(acc.name));
    data.insert("username".into(), json!(acc.username));
    if let Some(fields) = ctx.param("user.fields") {
        for f in fields.split(',') {
            let v = match f {
                "profile_image_url" => {
                    json!("https://pbs.twimg.com/profile_images/0/default_normal.png")
                }
                "verified" => json!(m.premium),
                "verified_type" => json!(if m.premium { "blue" } else { "none" }),
                "subscription_type" => json!(if m.premium { "Premium" } else { "None" }),
                "protected" => json!(false),
                "created_at" => json!("2020-01-01T00:00:00.000Z"),
                "description" => json!(""),
                _ => continue,
            };
            data.insert(f.to_string(), v);
        }
    }
    Ok(reply::json(200, &json!({ "data": data })))
}

const POST_KEYS: &[&str] = &[
    "text",
    "media",
    "reply",
    "quote_tweet_id",
    "poll",
    "reply_settings",
    "for_super_followers_only",
    "nullcast",
    "share_with_followers",
    "made_with_ai",
    "paid_partnership",
    "geo",
    "card_uri",
    "direct_message_deep_link",
    "community_id",
    "edit_options",
];

fn unknown_key(
    m: &Modes,
    obj: &Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
) -> Result<(), Response> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(reply::invalid_request(
                m,
                &format!("$.{prefix}{k}: is not defined in the schema and the schema does not allow additional properties"),
            ));
        }
    }
    Ok(())
}

fn id_string(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

/// A `POST /2/tweets` body that passed [`check_schema`].
struct NewPost {
    text: String,
    media_ids: Vec<String>,
    reply_to: Option<String>,
    quote: Option<String>,
    poll_options: Vec<String>,
}

/// `POST /2/tweets`: [`check_permissions`], [`check_schema`], [`check_billing`],
/// [`check_content`], then the post is stored, billed and echoed.
fn create_post(ctx: &Ctx, body: ReqBody) -> HResult {
    let m = ctx.modes();
    check_permissions(ctx, &m)?;
    let post = check_schema(&m, body)?;
    let account = ctx.account();
    let mut w = ctx.shared.world();
    check_billing(&m, &w)?;
    let now = w.now_ms();
    let summoned = check_content(&m, &w, &post, &account, now)?;
    let id = w.new_id();
    let media_ids_empty = post.media_ids.is_empty();
    let text = post.text.clone();
    let reply_to = post.reply_to.is_some();
    w.push_post(Post {
        id: id.clone(),
        text: post.text,
        author_id: account,
        created_at_ms: now,
        media_ids: post.media_ids,
        in_reply_to_tweet_id: post.reply_to,
        quote_tweet_id: post.quote,
        poll_options: post.poll_options,
        deleted: false,
    });
    w.month_posts += 1;
    let cost = if text::contains_url(&text) {
        0.20
    } else if reply_to && summoned {
        0.01
    } else {
        0.015
    };
    w.charge("POST /2/tweets", cost);
    drop(w);
    Ok(created(ctx, &m, &id, &text, media_ids_empty))
}

/// Permissions: a write token (B4) on an account that is not locked (326).
fn check_permissions(ctx: &Ctx, m: &Modes) -> Result<(), Response> {
    let level = ctx
        .auth
        .as_ref()
        .map(|a| a.level)
        .unwrap_or(AccessLevel::Read);
    if !level.can_write() {
        return Err(reply::oauth1_permissions(m));
    }
    if m.locked {
        return Err(reply::v1(403, 326, "To protect our users from spam and other malicious activity, this account is temporarily locked. Please log in to https://twitter.com to unlock your account."));
    }
    Ok(())
}

/// Schema: a JSON object with only the known keys, each well-formed, no media with a poll,
/// quote or card, some text or media, and text within the weighted limit (docs/protocol.md
/// §4, §10). Nothing here looks at the world.
fn check_schema(m: &Modes, body: ReqBody) -> Result<NewPost, Response> {
    let bytes = match body {
        ReqBody::Json(b) => b,
        _ => {
            return Err(reply::invalid_request(
                m,
                "A JSON body with Content-Type: application/json is required.",
            ))
        }
    };
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| reply::invalid_request(m, &format!("Request body is not valid JSON: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(reply::invalid_request(
            m,
            "Request body must be a JSON object.",
        ));
    };
    unknown_key(m, obj, POST_KEYS, "")?;

    let text = match obj.get("text") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(reply::invalid_request(m, "$.text: string expected")),
    };
    let media_ids = schema_media(m, obj)?;
    let reply_to = schema_reply(m, obj)?;
    let quote = match obj.get("quote_tweet_id") {
        None | Some(Value::Null) => None,
        Some(q) => match id_string(q) {
            Some(id) => Some(id),
            None => {
                return Err(reply::invalid_request(
                    m,
                    "$.quote_tweet_id: a post id string is required",
                ))
            }
        },
    };
    let poll_options = schema_poll(m, obj)?;
    if let Some(rs) = obj.get("reply_settings") {
        if !rs.as_str().is_some_and(|s| {
            ["following", "mentionedUsers", "subscribers", "verified"].contains(&s)
        }) {
            return Err(reply::invalid_request(m, "$.reply_settings: must be one of [following, mentionedUsers, subscribers, verified]"));
        }
    }
    if !media_ids.is_empty()
        && (!poll_options.is_empty() || quote.is_some() || obj.contains_key("card_uri"))
    {
        return Err(reply::invalid_request(
            m,
            "$.media: media cannot be combined with poll, quote_tweet_id or card_uri",
        ));
    }
    if text.trim().is_empty() && media_ids.is_empty() {
        return Err(reply::invalid_parameter(
            m,
            "text",
            std::slice::from_ref(&text),
            "Your Tweet text is empty.",
        ));
    }
    let limit = if m.premium {
        text::MAX_PREMIUM
    } else {
        text::MAX_STANDARD
    };
    if text::weighted_length(&text) > limit {
        return Err(reply::invalid_parameter(m, "text", std::slice::from_ref(&text), "Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text."));
    }
    Ok(NewPost {
        text,
        media_ids,
        reply_to,
        quote,
        poll_options,
    })
}

/// `media`: 1–4 id strings in `media_ids`, at most 10 `tagged_user_ids`.
fn schema_media(m: &Modes, obj: &Map<String, Value>) -> Result<Vec<String>, Response> {
    let Some(media) = obj.get("media") else {
        return Ok(Vec::new());
    };
    let Some(mo) = media.as_object() else {
        return Err(reply::invalid_request(m, "$.media: object expected"));
    };
    unknown_key(m, mo, &["media_ids", "tagged_user_ids"], "media.")?;
    let Some(ids) = mo.get("media_ids").and_then(Value::as_array) else {
        return Err(reply::invalid_request(
            m,
            "$.media.media_ids: array expected",
        ));
    };
    let raw: Vec<String> = ids
        .iter()
        .map(|i| {
            i.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| i.to_string())
        })
        .collect();
    if ids.is_empty() || ids.len() > 4 || ids.iter().any(|i| id_string(i).is_none()) {
        return Err(reply::invalid_parameter(
            m,
            "media.media_ids",
            &raw,
            "Your media IDs are invalid.",
        ));
    }
    if let Some(t) = mo.get("tagged_user_ids") {
        if t.as_array().is_none_or(|a| a.len() > 10) {
            return Err(reply::invalid_request(
                m,
                "$.media.tagged_user_ids: at most 10 ids",
            ));
        }
    }
    Ok(raw)
}

/// `reply`: an `in_reply_to_tweet_id` id string.
fn schema_reply(m: &Modes, obj: &Map<String, Value>) -> Result<Option<String>, Response> {
    let Some(r) = obj.get("reply") else {
        return Ok(None);
    };
    let Some(ro) = r.as_object() else {
        return Err(reply::invalid_request(m, "$.reply: object expected"));
    };
    unknown_key(
        m,
        ro,
        &[
            "in_reply_to_tweet_id",
            "exclude_reply_user_ids",
            "auto_populate_reply_metadata",
        ],
        "reply.",
    )?;
    match ro.get("in_reply_to_tweet_id").and_then(id_string) {
        Some(id) => Ok(Some(id)),
        None => Err(reply::invalid_request(
            m,
            "$.reply.in_reply_to_tweet_id: a post id string is required",
        )),
    }
}

/// `poll`: 2–4 options of 1–25 characters and `duration_minutes` 5–10080.
fn schema_poll(m: &Modes, obj: &Map<String, Value>) -> Result<Vec<String>, Response> {
    let Some(p) = obj.get("poll") else {
        return Ok(Vec::new());
    };
    let Some(po) = p.as_object() else {
        return Err(reply::invalid_request(m, "$.poll: object expected"));
    };
    unknown_key(
        m,
        po,
        &["options", "duration_minutes", "reply_settings"],
        "poll.",
    )?;
    let opts = po
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ok_opts = (2..=4).contains(&opts.len())
        && opts.iter().all(|o| {
            o.as_str()
                .is_some_and(|s| (1..=25).contains(&s.chars().count()))
        });
    let dur = po
        .get("duration_minutes")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if !ok_opts || !(5..=10080).contains(&dur) {
        return Err(reply::invalid_request(
            m,
            "$.poll: 2-4 options of 1-25 characters and duration_minutes 5-10080 are required",
        ));
    }
    Ok(opts
        .iter()
        .filter_map(|o| o.as_str().map(str::to_string))
        .collect())
}

/// Billing: the spending limit (B15), the credit balance (B8) and the monthly usage cap
/// (B11).
fn check_billing(m: &Modes, w: &World) -> Result<(), Response> {
    if m.spending_limit_reached {
        return Err(reply::forbidden_v2(
            m,
            "Your account has hit its spending limit for this billing cycle",
        ));
    }
    if w.out_of_credits() {
        return Err(reply::credits_depleted(m));
    }
    if m.usage_cap.is_some_and(|cap| w.month_posts >= cap) {
        return Err(reply::usage_capped(m));
    }
    Ok(())
}

/// Content, against the world: the media exist, belong to the caller, are processed and mix
/// legally; the reply target and the quoted post are visible and allowed (B14); the text is
/// no duplicate within the window (B12). Returns whether the caller was summoned by the post
/// it replies to (which prices the reply).
fn check_content(
    m: &Modes,
    w: &World,
    post: &NewPost,
    account: &str,
    now: i64,
) -> Result<bool, Response> {
    check_media(m, w, &post.media_ids, account, now)?;
    let summoned = match &post.reply_to {
        Some(target) => check_reply_target(m, w, target, account)?,
        None => false,
    };
    if let Some(q) = &post.quote {
        if !m.quotes_allowed {
            return Err(reply::reply_not_allowed(m, true));
        }
        if !w.posts.iter().any(|p| &p.id == q && !p.deleted) {
            return Err(reply::problem(
                m,
                403,
                &json!({"detail":"You attempted to quote a Tweet that is deleted or not visible to you.","type":"about:blank","title":"Forbidden","status":403}),
            ));
        }
    }
    // `duplicate_window_secs: 0` turns the filter off, whatever the clock does.
    let window = crate::media::secs_to_ms(m.duplicate_window_secs);
    let text = &post.text;
    if m.duplicate_window_secs > 0
        && !text.trim().is_empty()
        && w.posts.iter().any(|p| {
            p.author_id == account
                && !p.deleted
                && p.text == *text
                && now.saturating_sub(p.created_at_ms) < window
        })
    {
        return Err(reply::duplicate_content(m));
    }
    Ok(summoned)
}

/// Media existence, ownership, processing, count and mixing (4 images, or 1 GIF or video).
fn check_media(
    m: &Modes,
    w: &World,
    media_ids: &[String],
    account: &str,
    now: i64,
) -> Result<(), Response> {
    if media_ids.is_empty() {
        return Ok(());
    }
    let invalid = || {
        reply::invalid_parameter(
            m,
            "media.media_ids",
            media_ids,
            "Your media IDs are invalid.",
        )
    };
    let mut kinds = Vec::new();
    for id in media_ids {
        match w.media.get(id) {
            Some(md) if md.usable_by(account, now) => kinds.push(md.kind()),
            _ => return Err(invalid()),
        }
    }
    let images = kinds
        .iter()
        .filter(|k| **k == Some(MediaKind::Image))
        .count();
    if images != kinds.len() && kinds.len() != 1 {
        return Err(invalid());
    }
    // The account's video length limit (docs/protocol.md §15), checked at post time.
    let limit = w
        .account(account)
        .and_then(|a| a.video_max_minutes)
        .unwrap_or(if m.premium { 125 } else { 20 });
    let too_long = media_ids
        .iter()
        .filter_map(|id| w.media.get(id))
        .filter(|md| md.kind() == Some(MediaKind::Video))
        .any(|md| {
            md.duration_ms
                .is_some_and(|ms| ms > u64::from(limit) * 60_000)
        });
    if too_long {
        return Err(reply::problem(
            m,
            403,
            &json!({"title":"Forbidden","detail":format!("This user is not allowed to post a video longer than {limit} minutes."),"type":"about:blank"}),
        ));
    }
    Ok(())
}

/// The post replied to exists and is visible; under `Modes::summoned_only_replies` the caller
/// must be mentioned in it (or, with `self_reply_exempt`, be its author). Returns whether the
/// caller was summoned (mentioned, or replying to its own post).
fn check_reply_target(m: &Modes, w: &World, target: &str, account: &str) -> Result<bool, Response> {
    let username = w
        .account(account)
        .map(|a| a.username.clone())
        .unwrap_or_default();
    let Some(t) = w.posts.iter().find(|p| p.id == target && !p.deleted) else {
        return Err(reply::problem(
            m,
            403,
            &json!({"detail":"You attempted to reply to a Tweet that is deleted or not visible to you.","type":"about:blank","title":"Forbidden","status":403}),
        ));
    };
    let mentioned = !username.is_empty()
        && t.text
            .to_lowercase()
            .contains(&format!("@{}", username.to_lowercase()));
    if m.summoned_only_replies {
        let own = t.author_id == account;
        if !(mentioned || (own && m.self_reply_exempt)) {
            return Err(reply::reply_not_allowed(m, false));
        }
    }
    Ok(mentioned || t.author_id == account)
}

/// The 201 of a created post: `data.id`, the text as echoed (t.co links when
/// `Modes::tco_links`, the same every read shows, [`crate::timeline`]), the edit-history field
/// of `Modes::edit_history`, and `Location`.
fn created(ctx: &Ctx, m: &Modes, id: &str, text: &str, media_ids_empty: bool) -> Response {
    let echoed = if m.tco_links {
        let mut n = 0usize;
        let mut t = text::replace_urls(text, |_| {
            n += 1;
            text::tco_link(id, n - 1)
        });
        if !media_ids_empty {
            if !t.is_empty() {
                t.push(' ');
            }
            t.push_str(&text::tco_link(id, n));
        }
        t
    } else {
        text.to_string()
    };
    let mut data = json!({"id": id, "text": echoed});
    match m.edit_history.as_str() {
        "none" => {}
        "post_ids" => data["edit_history_post_ids"] = json!([id]),
        _ => data["edit_history_tweet_ids"] = json!([id]),
    }
    let mut r = reply::json(201, &json!({ "data": data }));
    let origin = m
        .location_origin
        .clone()
        .unwrap_or_else(|| ctx.origin.clone());
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
        "{}/2/tweets/{}",
        origin.trim_end_matches('/'),
        id
    )) {
        r.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    r
}

fn delete_post(ctx: &Ctx, id: &str) -> HResult {
    let m = ctx.modes();
    let level = ctx
        .auth
        .as_ref()
        .map(|a| a.level)
        .unwrap_or(AccessLevel::Read);
    if !level.can_write() {
        return Err(reply::oauth1_permissions(&m));
    }
    let account = ctx.account();
    let mut w = ctx.shared.world();
    match w.posts.iter_mut().find(|p| p.id == id && !p.deleted) {
        None => Err(reply::not_found_v2(&m, "id", id, "tweet")),
        Some(p) if p.author_id != account => Err(reply::problem(
            &m,
            403,
            &json!({"title":"Forbidden","type":"about:blank","status":403,"detail":"You are not allowed to delete a Tweet that is not authored by you."}),
        )),
        Some(p) => {
            p.deleted = true;
            Ok(reply::json(200, &json!({"data":{"deleted":true}})))
        }
    }
}

fn get_post(ctx: &Ctx, id: &str) -> HResult {
    let m = ctx.modes();
    let w = ctx.shared.world();
    match w.posts.iter().find(|p| p.id == id && !p.deleted) {
        None => Err(reply::not_found_v2(&m, "id", id, "tweet")),
        Some(p) => Ok(reply::json(
            200,
            &json!({"data":{"id":p.id,"text":p.text,"edit_history_tweet_ids":[p.id]}}),
        )),
    }
}

fn token_reply(m: &Modes, pairs: &[(&str, String)]) -> Response {
    if m.token_reply_format == "json" {
        let mut o = Map::new();
        for (k, v) in pairs {
            o.insert((*k).to_string(), json!(v));
        }
        reply::json(200, &Value::Object(o))
    } else {
        let s = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", k, crate::oauth::percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        reply::raw(200, "text/html; charset=utf-8", s)
    }
}

fn request_token(ctx: &Ctx) -> HResult {
    let m = ctx.modes();
    let Some(auth) = &ctx.auth else {
        return Err(reply::v1(400, 215, "Bad authentication data."));
    };
    let mut w = ctx.shared.world();
    let Some(app) = w.app(&auth.consumer_key).cloned() else {
        return Err(reply::v1(401, 416, "Invalid / suspended App."));
    };
    if app.suspended {
        return Err(reply::v1(401, 416, "Invalid / suspended App."));
    }
    let callback = ctx.param("oauth_callback").unwrap_or_default();
    if callback != "oob" {
        if app.native || callback.is_empty() {
            return Err(reply::v1(
                401,
                417,
                "Desktop applications only support the oauth_callback value 'oob'.",
            ));
        }
        if !app.callback_urls.contains(&callback) {
            return Err(reply::v1(403, 415, "Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings"));
        }
    }
    let requested = match ctx.param("x_auth_access_type").as_deref() {
        Some("read") => Some(AccessLevel::Read),
        Some("write") => Some(AccessLevel::ReadWrite),
        _ => None,
    };
    let token = w.rand_string(27);
    let secret = w.rand_string(32);
    w.insert_request_token(
        token.clone(),
        RequestToken {
            secret: secret.clone(),
            consumer_key: app.consumer_key,
            requested,
            approved: None,
            used: false,
        },
    );
    Ok(token_reply(
        &m,
        &[
            ("oauth_token", token),
            ("oauth_token_secret", secret),
            ("oauth_callback_confirmed", "true".into()),
        ],
    ))
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Approves a request token for an account; returns the PIN.
pub fn approve(w: &mut crate::world::World, token: &str, account_id: &str) -> Option<String> {
    let pin = format!("{:07}", w.rand_u64() % 10_000_000);
    let rt = w.request_tokens.get_mut(token)?;
    if rt.used {
        return None;
    }
    if let Some((_, existing)) = &rt.approved {
        return Some(existing.clone());
    }
    rt.approved = Some((account_id.to_string(), pin.clone()));
    Some(pin)
}

fn authorize(ctx: &Ctx, body: ReqBody) -> HResult {
    let mut token = ctx
        .query
        .iter()
        .find(|(k, _)| k == "oauth_token")
        .map(|(_, v)| v.clone());
    let mut approve_now = false;
    if let ReqBody::Form(f) = &body {
        if let Some((_, v)) = f.iter().find(|(k, _)| k == "oauth_token") {
            token = Some(v.clone());
        }
        approve_now = ctx.method == axum::http::Method::POST;
    }
    let mut w = ctx.shared.world();
    let token = token.unwrap_or_default();
    let app_name = match w.request_tokens.get(&token) {
        Some(rt) if !rt.used => w
            .app(&rt.consumer_key)
            .map(|a| a.name.clone())
            .unwrap_or_default(),
        _ => {
            return Ok(reply::raw(400, "text/html; charset=utf-8", "<!DOCTYPE html><html><body><h1>This page is no longer valid.</h1><p>The request token for this page is invalid. It may have already been used, or expired because it is too old.</p></body></html>"));
        }
    };
    if approve_now {
        let demo = w.demo.user_id.clone();
        let pin = approve(&mut w, &token, &demo).unwrap_or_default();
        return Ok(reply::raw(200, "text/html; charset=utf-8", format!(
            "<!DOCTYPE html><html><head><title>Authorize {0}</title></head><body><p>You've granted access to {0}!</p><p>Next, return to {0} and enter this PIN to complete the authorization process:</p><kbd aria-labelledby=\"code-desc\"><code id=\"oauth_pin\">{1}</code></kbd></body></html>",
            html_escape(&app_name), pin)));
    }
    Ok(reply::raw(200, "text/html; charset=utf-8", format!(
        "<!DOCTYPE html><html><head><title>Authorize {0} to access your account?</title></head><body><h1>Authorize {0} to access your account?</h1><form id=\"oauth_form\" action=\"/oauth/authorize\" method=\"post\"><input type=\"hidden\" name=\"oauth_token\" value=\"{1}\"><input type=\"submit\" id=\"allow\" value=\"Authorize app\"></form><p>Signed in as @{2} (X API simulator).</p></body></html>",
        html_escape(&app_name), html_escape(&token), html_escape(&w.demo.username))))
}

fn access_token(ctx: &Ctx) -> HResult {
    let m = ctx.modes();
    let Some(auth) = &ctx.auth else {
        return Err(reply::v1(400, 215, "Bad authentication data."));
    };
    let token = auth.token.clone().unwrap_or_default();
    let verifier = ctx.param("oauth_verifier").unwrap_or_default();
    let mut w = ctx.shared.world();
    let (account_id, requested, ck) = match w.request_tokens.get(&token) {
        Some(rt) => match &rt.approved {
            Some((acc, pin)) if *pin == verifier && !rt.used => {
                (acc.clone(), rt.requested, rt.consumer_key.clone())
            }
            _ => return Err(reply::could_not_authenticate(32)),
        },
        None => return Err(reply::invalid_or_expired_token(m.code89_status)),
    };
    if let Some(rt) = w.request_tokens.get_mut(&token) {
        rt.used = true;
    }
    let app_level = w
        .app(&ck)
        .map(|a| a.permissions)
        .unwrap_or(AccessLevel::Read);
    let level = match requested {
        Some(r) => r.min(app_level),
        None => app_level,
    };
    let Some(creds) = w.issue_token(&ck, &account_id, level) else {
        return Err(reply::could_not_authenticate(32));
    };
    Ok(token_reply(
        &m,
        &[
            ("oauth_token", creds.access_token),
            ("oauth_token_secret", creds.access_token_secret),
            ("user_id", creds.user_id),
            ("screen_name", creds.username),
        ],
    ))
}

fn invalidate_token(ctx: &Ctx) -> HResult {
    let token = ctx
        .auth
        .as_ref()
        .and_then(|a| a.token.clone())
        .unwrap_or_default();
    let mut w = ctx.shared.world();
    if let Some(t) = w.tokens.get_mut(&token) {
        t.revoked = true;
    }
    Ok(reply::json(200, &json!({ "access_token": token })))
}
