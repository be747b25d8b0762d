//! `GET /2/users/:id/tweets`: a user's timeline as X's v2 API serves it, the read-back that
//! settles "did my post go through?" (docs/protocol.md §6.5).
//!
//! Contract:
//! - Authentication, rate limits (own bucket, endpoint key [`ENDPOINT`]), enrolment, the
//!   `reads_refused` mode and faults are applied by [`crate::http::dispatch`] before
//!   [`user_tweets`] runs.
//! - Validation first, every bad parameter in one B13-shaped 400 (`errors[]` with
//!   `parameters` and X's messages): `:id` must match `^[0-9]{1,19}$`; unknown query
//!   parameters, `max_results` outside 5..=100 (default 10), ids that are not ids, `start_time`
//!   / `end_time` that are not RFC 3339 (or before 2010-11-06T00:00:01Z, or start ≥ end),
//!   unknown `tweet.fields` or `exclude` values and pagination tokens this endpoint did not
//!   issue (for this user) are all rejected. `expansions`, `media.fields`, `user.fields`,
//!   `poll.fields` and `place.fields` are accepted and ignored (no `includes`).
//! - Then billing (B15 spending limit, B8 out of credits), then the user: an unknown `:id`
//!   answers **200** with X's partial-error body (`errors[0].type` … `resource-not-found`,
//!   no `data`).
//! - Result: the user's non-deleted posts, newest first (by id, which orders by creation),
//!   the 3,200 most recent only; `since_id` / `until_id` exclusive, `start_time` inclusive
//!   and `end_time` exclusive at second granularity. A page is `{"data":[…],"meta":
//!   {"result_count","newest_id","oldest_id","next_token"?,"previous_token"?}}`; an empty
//!   one is exactly `{"meta":{"result_count":0}}`. Tokens are opaque, stable, and give
//!   pages without duplicates or gaps.
//! - Each post: `id`, `text`, the edit-history field of `Modes::edit_history`, and the
//!   requested `tweet.fields` the sim knows (`created_at`, `author_id`, `conversation_id`,
//!   `in_reply_to_user_id`, `referenced_tweets`, `attachments`, `note_tweet`); other valid
//!   names are accepted and omitted. `text` is rendered as X renders it: NFC, every URL as
//!   a stable `https://t.co/` + 10 alphanumerics link, one more such link appended (after a
//!   space) when the post has media, then `&`, `<`, `>` escaped as `&amp;`, `&lt;`, `&gt;`.
//!   Posts over 280 weighted characters show a cut `text` (⚠ approximation: the first 270
//!   characters, cut back to a word boundary, no ellipsis) and carry the whole rendered text
//!   in `note_tweet.text` when that field is asked for.
//! - Pay-per-use bills the posts returned (⚠ assumption, X publishes no per-endpoint read
//!   price here): $0.001 per post of the caller's own ("owned reads"), $0.005 per post of
//!   another user; an empty page is free; no 24-hour de-duplication of billed reads.

use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::config::Modes;
use crate::http::{Ctx, HResult};
use crate::reply;
use crate::rfc3339;
use crate::text;
use crate::world::{Post, World};

/// Endpoint key for faults, rate limits and the ledger.
pub const ENDPOINT: &str = "GET /2/users/:id/tweets";

/// X serves only the most recent posts of a user timeline.
const TIMELINE_CAP: usize = 3200;
/// USD per own post returned (assumption, see the module docs).
const OWN_READ_USD: f64 = 0.001;
/// USD per post of another user returned (assumption).
const OTHER_READ_USD: f64 = 0.005;
/// Characters shown in `text` of a long post (approximation).
const LONG_TEXT_CUT: usize = 270;
/// `start_time` / `end_time` may not be earlier than this (2010-11-06T00:00:01Z).
const EARLIEST_MS: i64 = 1_289_001_601_000;

const QUERY_PARAMS: &[&str] = &[
    "id",
    "since_id",
    "until_id",
    "max_results",
    "pagination_token",
    "exclude",
    "expansions",
    "tweet.fields",
    "media.fields",
    "poll.fields",
    "user.fields",
    "place.fields",
    "start_time",
    "end_time",
];

const TWEET_FIELDS: &[&str] = &[
    "article",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "media_metadata",
    "non_public_metrics",
    "note_tweet",
    "organic_metrics",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "text",
    "withheld",
];

const EXCLUDE: &[&str] = &["replies", "retweets"];

/// Which slice of the filtered timeline a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    /// The newest `max_results`.
    First,
    /// Older than this id (a `next_token`).
    Older(u64),
    /// Newer than this id (a `previous_token`).
    Newer(u64),
}

#[derive(Debug)]
struct Query {
    max: usize,
    since_id: Option<u64>,
    until_id: Option<u64>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    page: Page,
    fields: Vec<String>,
    exclude_replies: bool,
}

/// Collected B13 entries.
struct Invalid(Vec<Value>);

impl Invalid {
    fn push(&mut self, param: &str, value: &str, message: String) {
        let mut p = Map::new();
        p.insert(param.to_string(), json!([value]));
        self.0.push(json!({"parameters": p, "message": message}));
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

fn id_pattern_message(param: &str, value: &str) -> String {
    format!("The `{param}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$")
}

// ---- pagination tokens -------------------------------------------------------------

const TOKEN_MASK: u128 = 0x5a17_c0de_9e37_79b9_7f4a_7c15_f39c_c060;
const TOKEN_BODY: usize = 25;
const TOKEN_CHECK: usize = 5;

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn base36(mut v: u128, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(v % 36) as usize];
        v /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn unbase36(s: &str) -> Option<u128> {
    s.bytes().try_fold(0u128, |acc, b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            _ => return None,
        };
        acc.checked_mul(36)?.checked_add(u128::from(d))
    })
}

/// An opaque token for the page older (`newer = false`) or newer than `boundary`, bound to
/// the user whose timeline it pages.
fn encode_token(user: &str, newer: bool, boundary: u64) -> String {
    let v = ((u128::from(boundary) << 1) | u128::from(newer)) ^ TOKEN_MASK;
    let check = fnv(&[user.as_bytes(), &v.to_le_bytes()]) % 36u64.pow(TOKEN_CHECK as u32);
    format!(
        "{}{}",
        base36(v, TOKEN_BODY),
        base36(u128::from(check), TOKEN_CHECK)
    )
}

fn decode_token(user: &str, token: &str) -> Option<Page> {
    if token.len() != TOKEN_BODY + TOKEN_CHECK || !token.is_ascii() {
        return None;
    }
    let (body, check) = token.split_at(TOKEN_BODY);
    let v = unbase36(body)?;
    let want = fnv(&[user.as_bytes(), &v.to_le_bytes()]) % 36u64.pow(TOKEN_CHECK as u32);
    if unbase36(check)? != u128::from(want) {
        return None;
    }
    let raw = v ^ TOKEN_MASK;
    let boundary = u64::try_from(raw >> 1).ok()?;
    Some(if raw & 1 == 1 {
        Page::Newer(boundary)
    } else {
        Page::Older(boundary)
    })
}

// ---- validation --------------------------------------------------------------------

fn parse_query(m: &Modes, user_id: &str, query: &[(String, String)]) -> Result<Query, Response> {
    let mut bad = Invalid(Vec::new());
    if !is_id(user_id) {
        bad.push("id", user_id, id_pattern_message("id", user_id));
    }
    let mut q = Query {
        max: 10,
        since_id: None,
        until_id: None,
        start_ms: None,
        end_ms: None,
        page: Page::First,
        fields: Vec::new(),
        exclude_replies: false,
    };
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in query {
        // OAuth parameters may travel in the query string; they are the verifier's.
        if k.starts_with("oauth_") || seen.contains(&k.as_str()) {
            continue;
        }
        seen.push(k.as_str());
        parse_param(&mut q, &mut bad, user_id, k, v);
    }
    if let (Some(s), Some(e)) = (q.start_ms, q.end_ms) {
        if s >= e {
            let sv = query
                .iter()
                .find(|(k, _)| k == "start_time")
                .map(|(_, v)| v.as_str())
                .unwrap_or_default();
            bad.push(
                "start_time",
                sv,
                format!("Invalid 'start_time':'{sv}'. 'start_time' must be before 'end_time'"),
            );
        }
    }
    if bad.0.is_empty() {
        Ok(q)
    } else {
        Err(reply::problem(
            m,
            400,
            &json!({"errors": bad.0, "title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":reply::ptype(m, "invalid-request")}),
        ))
    }
}

/// Parses one query parameter into `q`, or records why it is bad.
fn parse_param(q: &mut Query, bad: &mut Invalid, user_id: &str, k: &str, v: &str) {
    match k {
        "max_results" => match v.parse::<usize>() {
            Ok(n) if (5..=100).contains(&n) => q.max = n,
            _ => bad.push(
                k,
                v,
                format!("The `max_results` query parameter value [{v}] is not between 5 and 100"),
            ),
        },
        "since_id" | "until_id" => match v.parse::<u64>() {
            Ok(n) if is_id(v) => {
                if k == "since_id" {
                    q.since_id = Some(n);
                } else {
                    q.until_id = Some(n);
                }
            }
            _ => bad.push(k, v, id_pattern_message(k, v)),
        },
        "start_time" | "end_time" => match rfc3339::parse_ms(v) {
            Some(ms) if ms >= EARLIEST_MS => {
                if k == "start_time" {
                    q.start_ms = Some(ms);
                } else {
                    q.end_ms = Some(ms);
                }
            }
            Some(_) => bad.push(
                k,
                v,
                format!("Invalid '{k}':'{v}'. '{k}' must be on or after 2010-11-06T00:00:01Z"),
            ),
            None => bad.push(
                k,
                v,
                format!("The `{k}` query parameter value [{v}] is not a valid RFC 3339 date-time"),
            ),
        },
        "pagination_token" => match decode_token(user_id, v) {
            Some(p) => q.page = p,
            None => bad.push(
                k,
                v,
                format!("The `pagination_token` query parameter value [{v}] is not a valid token"),
            ),
        },
        "tweet.fields" => {
            for f in v.split(',') {
                if TWEET_FIELDS.contains(&f) {
                    q.fields.push(f.to_string());
                } else {
                    bad.push(
                        k,
                        f,
                        format!(
                            "The `tweet.fields` query parameter value [{f}] is not one of [{}]",
                            TWEET_FIELDS.join(",")
                        ),
                    );
                }
            }
        }
        "exclude" => {
            for e in v.split(',') {
                if EXCLUDE.contains(&e) {
                    q.exclude_replies |= e == "replies";
                } else {
                    bad.push(
                        k,
                        e,
                        format!(
                            "The `exclude` query parameter value [{e}] is not one of [{}]",
                            EXCLUDE.join(",")
                        ),
                    );
                }
            }
        }
        "id" | "expansions" | "media.fields" | "poll.fields" | "user.fields" | "place.fields" => {}
        _ => bad.push(
            k,
            v,
            format!(
                "The query parameter [{k}] is not one of [{}]",
                QUERY_PARAMS.join(",")
            ),
        ),
    }
}

// ---- rendering ---------------------------------------------------------------------

/// Cuts `s` to at most `n` characters, backing up to a word boundary when that cuts a word.
fn cut(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    if !chars[n].is_whitespace() {
        if let Some(ws) = chars[..n].iter().rposition(|c| c.is_whitespace()) {
            end = ws;
        }
    }
    chars[..end]
        .iter()
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// `(text, full text of a long post)` as X renders them (see the module docs).
pub fn display_text(p: &Post) -> (String, Option<String>) {
    let mut n = 0usize;
    let body = text::replace_urls(&p.text, |_| {
        let l = text::tco_link(&p.id, n);
        n += 1;
        l
    });
    let media_link = (!p.media_ids.is_empty()).then(|| text::tco_link(&p.id, n));
    let join = |t: &str| match &media_link {
        Some(l) if t.is_empty() => l.clone(),
        Some(l) => format!("{t} {l}"),
        None => t.to_string(),
    };
    let full = text::escape_x(&join(&body));
    if text::weighted_length(&p.text) > text::MAX_STANDARD {
        (
            text::escape_x(&join(&cut(&body, LONG_TEXT_CUT))),
            Some(full),
        )
    } else {
        (full, None)
    }
}

fn post_by_id<'a>(w: &'a World, id: &str) -> Option<&'a Post> {
    w.posts.iter().find(|p| p.id == id)
}

fn conversation_id(w: &World, p: &Post) -> String {
    let mut cur = p;
    for _ in 0..1000 {
        match cur
            .in_reply_to_tweet_id
            .as_deref()
            .and_then(|id| post_by_id(w, id))
        {
            Some(parent) => cur = parent,
            None => break,
        }
    }
    cur.id.clone()
}

fn render(w: &World, m: &Modes, p: &Post, fields: &[String]) -> Value {
    let (text, full) = display_text(p);
    let mut o = Map::new();
    o.insert("id".into(), json!(p.id));
    o.insert("text".into(), json!(text));
    match m.edit_history.as_str() {
        "none" => {}
        "post_ids" => {
            o.insert("edit_history_post_ids".into(), json!([p.id]));
        }
        _ => {
            o.insert("edit_history_tweet_ids".into(), json!([p.id]));
        }
    }
    for f in fields {
        let v = match f.as_str() {
            "created_at" => json!(rfc3339::format_ms(p.created_at_ms)),
            "author_id" => json!(p.author_id),
            "conversation_id" => json!(conversation_id(w, p)),
            "in_reply_to_user_id" => match p
                .in_reply_to_tweet_id
                .as_deref()
                .and_then(|id| post_by_id(w, id))
            {
                Some(parent) => json!(parent.author_id),
                None => continue,
            },
            "referenced_tweets" => {
                let mut refs = Vec::new();
                if let Some(id) = &p.in_reply_to_tweet_id {
                    refs.push(json!({"type": "replied_to", "id": id}));
                }
                if let Some(id) = &p.quote_tweet_id {
                    refs.push(json!({"type": "quoted", "id": id}));
                }
                if refs.is_empty() {
                    continue;
                }
                Value::Array(refs)
            }
            "attachments" if !p.media_ids.is_empty() => {
                let keys: Vec<String> = p
                    .media_ids
                    .iter()
                    .map(|id| {
                        w.media
                            .get(id)
                            .map(|md| md.key.clone())
                            .unwrap_or_else(|| format!("3_{id}"))
                    })
                    .collect();
                json!({ "media_keys": keys })
            }
            "note_tweet" => match &full {
                Some(t) => json!({ "text": t }),
                None => continue,
            },
            _ => continue,
        };
        o.insert(f.clone(), v);
    }
    Value::Object(o)
}

fn num_id(p: &Post) -> u64 {
    p.id.parse().unwrap_or(0)
}

// ---- the handler -------------------------------------------------------------------

/// `GET /2/users/:id/tweets` (see the module docs).
pub fn user_tweets(ctx: &Ctx, user_id: &str) -> HResult {
    let m = ctx.modes();
    let q = parse_query(&m, user_id, &ctx.query)?;
    let caller = ctx.account();
    let mut w = ctx.shared.world();
    if m.spending_limit_reached {
        return Err(reply::forbidden_v2(
            &m,
            "Your account has hit its spending limit for this billing cycle",
        ));
    }
    if w.out_of_credits() {
        return Err(reply::credits_depleted(&m));
    }
    if w.account(user_id).is_none() {
        return Ok(reply::json(
            200,
            &json!({"errors":[{"value":user_id,"detail":format!("Could not find user with id: [{user_id}]."),"title":"Not Found Error","resource_type":"user","parameter":"id","resource_id":user_id,"type":reply::ptype(&m, "resource-not-found")}]}),
        ));
    }

    let mut timeline: Vec<&Post> = w
        .posts
        .iter()
        .filter(|p| p.author_id == user_id && !p.deleted)
        .collect();
    timeline.sort_by_key(|p| std::cmp::Reverse(num_id(p)));
    timeline.truncate(TIMELINE_CAP);
    let filtered: Vec<&Post> = timeline
        .into_iter()
        .filter(|p| {
            let id = num_id(p);
            let secs_ms = p.created_at_ms.div_euclid(1000) * 1000;
            q.since_id.is_none_or(|s| id > s)
                && q.until_id.is_none_or(|u| id < u)
                && q.start_ms
                    .is_none_or(|s| secs_ms >= s.div_euclid(1000) * 1000)
                && q.end_ms.is_none_or(|e| secs_ms < e.div_euclid(1000) * 1000)
                && !(q.exclude_replies && p.in_reply_to_tweet_id.is_some())
        })
        .collect();
    let page: Vec<&Post> = match q.page {
        Page::First => filtered.iter().take(q.max).copied().collect(),
        Page::Older(b) => filtered
            .iter()
            .filter(|p| num_id(p) < b)
            .take(q.max)
            .copied()
            .collect(),
        Page::Newer(b) => {
            let newer: Vec<&Post> = filtered.iter().filter(|p| num_id(p) > b).copied().collect();
            let skip = newer.len().saturating_sub(q.max);
            newer.into_iter().skip(skip).collect()
        }
    };
    let (Some(newest), Some(oldest)) = (page.first(), page.last()) else {
        return Ok(reply::json(200, &json!({"meta":{"result_count":0}})));
    };
    let mut meta = Map::new();
    meta.insert("result_count".into(), json!(page.len()));
    meta.insert("newest_id".into(), json!(newest.id));
    meta.insert("oldest_id".into(), json!(oldest.id));
    if filtered.iter().any(|p| num_id(p) < num_id(oldest)) {
        meta.insert(
            "next_token".into(),
            json!(encode_token(user_id, false, num_id(oldest))),
        );
    }
    if filtered.iter().any(|p| num_id(p) > num_id(newest)) {
        meta.insert(
            "previous_token".into(),
            json!(encode_token(user_id, true, num_id(newest))),
        );
    }
    let data: Vec<Value> = page.iter().map(|p| render(&w, &m, p, &q.fields)).collect();
    let price = if user_id == caller {
        OWN_READ_USD
    } else {
        OTHER_READ_USD
    };
    let cost = price * data.len() as f64;
    w.charge(ENDPOINT, cost);
    drop(w);
    Ok(reply::json(200, &json!({"data": data, "meta": meta})))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_the_user() {
        for (newer, b) in [
            (false, 1u64),
            (true, 1_800_000_000_000_000_123),
            (false, u64::MAX),
        ] {
            let t = encode_token("17", newer, b);
            assert_eq!(t.len(), TOKEN_BODY + TOKEN_CHECK);
            assert!(t
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
            let want = if newer {
                Page::Newer(b)
            } else {
                Page::Older(b)
            };
            assert_eq!(decode_token("17", &t), Some(want));
            assert_eq!(decode_token("18", &t), None);
        }
        let t = encode_token("17", false, 42);
        let mut tampered = t.clone().into_bytes();
        tampered[3] = if tampered[3] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            decode_token("17", std::str::from_utf8(&tampered).unwrap()),
            None
        );
        for bad in [
            "",
            "bogus",
            &t[1..],
            &format!("{t}0"),
            &t.to_uppercase(),
            "é",
        ] {
            assert_eq!(decode_token("17", bad), None, "{bad}");
        }
    }

    fn post(text: &str, media: usize) -> Post {
        Post {
            id: "1800000000000000001".into(),
            text: text.into(),
            author_id: "1".into(),
            created_at_ms: 0,
            media_ids: (0..media).map(|i| format!("9{i}")).collect(),
            in_reply_to_tweet_id: None,
            quote_tweet_id: None,
            poll_options: Vec::new(),
            deleted: false,
        }
    }

    #[test]
    fn text_is_rendered_like_x() {
        let (t, full) = display_text(&post(
            "Tom & Jerry <3> see https://example.com/?a=1&b=2 ok",
            0,
        ));
        let link = text::tco_link("1800000000000000001", 0);
        assert_eq!(t, format!("Tom &amp; Jerry &lt;3&gt; see {link} ok"));
        assert_eq!(full, None);
        let (t, _) = display_text(&post("pics", 2));
        assert_eq!(t, format!("pics {link}"));
        let (t, _) = display_text(&post("", 1));
        assert_eq!(t, link);
        let (t, _) = display_text(&post("a.com b.com", 1));
        let l1 = text::tco_link("1800000000000000001", 1);
        let l2 = text::tco_link("1800000000000000001", 2);
        assert_eq!(t, format!("{link} {l1} {l2}"));
    }

    #[test]
    fn long_posts_are_cut_with_the_whole_text_in_note_tweet() {
        let long = "word ".repeat(100) + "&end";
        let (t, full) = display_text(&post(&long, 0));
        assert!(t.chars().count() <= LONG_TEXT_CUT, "{}", t.len());
        assert!(t.ends_with("word"), "{t}");
        assert_eq!(
            full.as_deref(),
            Some(text::escape_x(long.trim_end()).as_str())
        );
        assert_eq!(cut("abc def", 5), "abc");
        assert_eq!(cut("abcdefgh", 5), "abcde");
        assert_eq!(cut("abc", 5), "abc");
    }
}
