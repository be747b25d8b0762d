//! Settling an unknown outcome by reading the account's own posts, never by re-sending
//! (docs/protocol.md §6.5).
//!
//! Contract:
//! - [`XClient::find_post`] reads `GET /2/users/:id/tweets` (the user id from
//!   `GET /2/users/me`, cached per client) with `start_time` one minute before the moment the
//!   post was armed, and looks for a post that matches the request: same text by
//!   [`match_key`], same number of media, same reply target. Ids in `exclude` (parts already
//!   accounted for) never match. It reads up to [`ClientConfig::read_back_attempts`] times,
//!   [`ClientConfig::read_back_delay`] apart (timelines lag), and up to
//!   [`MAX_PAGES`] pages each time. Long posts are matched on `note_tweet.text` (their
//!   `text` is cut short). An answer without `data` (an empty timeline, or X's `errors`
//!   body) finds nothing.
//! - `Ok(Some(id))`: the post exists. `Ok(None)`: not found after every attempt (the post
//!   probably does not exist, but only the person can be sure). `Err(_)`: the read itself was
//!   refused or failed (403/429/402, network); nothing can be concluded.
//! - Nothing here ever sends `POST /2/tweets`.
//!
//! [`ClientConfig::read_back_attempts`]: crate::ClientConfig::read_back_attempts
//! [`ClientConfig::read_back_delay`]: crate::ClientConfig::read_back_delay

use std::time::{Duration, SystemTime};

use serde_json::Value;
use twitter_text::extractor::Extractor;

use crate::client::{PostRequest, XClient};
use crate::error::ClientError;
use crate::text;

/// Pages of 100 read per attempt (a person posting more than 300 times in the window is
/// beyond what this check covers; it then answers "not found" and the person decides).
pub const MAX_PAGES: usize = 3;

/// How far before the arm the read starts (clock differences between here and X).
pub const START_SLACK: Duration = Duration::from_secs(60);

/// The form of a post's text that survives X's rewriting: NFC, the five HTML entities X
/// uses decoded, every URL (X returns t.co links) replaced by one placeholder, runs of
/// whitespace collapsed, trimmed.
pub fn match_key(s: &str) -> String {
    let decoded = decode_entities(&text::normalize(s));
    let mut out = String::with_capacity(decoded.len());
    let mut rest = decoded.as_str();
    for url in Extractor::new().extract_urls(&decoded) {
        if let Some(i) = rest.find(url.as_str()) {
            out.push_str(&rest[..i]);
            out.push_str(" \u{FFFC} ");
            rest = &rest[i + url.len()..];
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Whether timeline entry `t` is the post `req` created.
fn matches(t: &Value, req: &PostRequest, want: &str) -> bool {
    let media = t["attachments"]["media_keys"]
        .as_array()
        .map(Vec::len)
        .or_else(|| t["attachments"]["media_ids"].as_array().map(Vec::len))
        .unwrap_or(0);
    if media != req.media_ids.len() {
        return false;
    }
    let replied_to = t["referenced_tweets"].as_array().and_then(|refs| {
        refs.iter()
            .find(|r| r["type"] == "replied_to")
            .and_then(|r| id_of(&r["id"]))
    });
    if replied_to != req.reply_to {
        return false;
    }
    // A long post's full text is in `note_tweet.text`; `text` is then cut short.
    let Some(got) = t["note_tweet"]["text"]
        .as_str()
        .or_else(|| t["text"].as_str())
    else {
        return false;
    };
    let got = match_key(got);
    if got == want {
        return true;
    }
    // X appends a t.co link to the media to the text of a post with media.
    media > 0
        && got
            .strip_suffix('\u{FFFC}')
            .map(str::trim_end)
            .is_some_and(|g| g == want)
}

/// A post id as X writes it (a string of digits; a number is accepted).
pub(crate) fn id_of(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_u64() => n.to_string(),
        _ => return None,
    };
    (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// RFC 3339 in UTC, whole seconds (`2026-12-02T05:34:35Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl XClient {
    /// The account's user id (`GET /2/users/me`, cached).
    pub async fn user_id(&self) -> Result<String, ClientError> {
        if let Some(id) = self
            .inner
            .user_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(id);
        }
        let me = self.me().await?;
        *self.inner.user_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(me.id.clone());
        Ok(me.id)
    }

    /// Looks for the post `req` created on or after `armed_at` (see the module docs).
    pub async fn find_post(
        &self,
        req: &PostRequest,
        armed_at: SystemTime,
        exclude: &[String],
    ) -> Result<Option<String>, ClientError> {
        let user = self.user_id().await?;
        let start = rfc3339(armed_at.checked_sub(START_SLACK).unwrap_or(armed_at));
        let want = match_key(&req.text);
        let attempts = self.inner.config.read_back_attempts.max(1);
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(self.inner.config.read_back_delay).await;
            }
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let mut url = self.api_url(&format!(
                    "/2/users/{user}/tweets?max_results=100&start_time={start}&tweet.fields=created_at,attachments,referenced_tweets,note_tweet"
                ));
                if let Some(t) = &token {
                    url.push_str("&pagination_token=");
                    url.push_str(&crate::sign::percent_encode(t));
                }
                let r = self.get(&url).await?;
                let v = r.json("/2/users/:id/tweets")?;
                let found = v["data"].as_array().and_then(|posts| {
                    posts
                        .iter()
                        .filter(|t| matches(t, req, &want))
                        .filter_map(|t| id_of(&t["id"]))
                        .find(|id| !exclude.contains(id))
                });
                if found.is_some() {
                    return Ok(found);
                }
                token = v["meta"]["next_token"].as_str().map(str::to_owned);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_survive_x_rewriting() {
        assert_eq!(
            match_key("Tom &amp; Jerry see https://t.co/abcdefghij now"),
            match_key("Tom & Jerry see https://example.com/a?b=c now")
        );
        assert_eq!(match_key("cafe\u{301}  \n x"), match_key("caf\u{e9} x"));
        assert_ne!(match_key("hello"), match_key("hello!"));
        assert_eq!(
            match_key("a example.com b"),
            match_key("a https://t.co/x1y2z3 b")
        );
    }

    #[test]
    fn matching_needs_media_count_and_reply_target() {
        let mut req = PostRequest::text("hi & bye");
        let want = match_key(&req.text);
        let plain = json!({"id":"1","text":"hi &amp; bye"});
        assert!(matches(&plain, &req, &want));
        req.media_ids = vec!["5".into()];
        assert!(!matches(&plain, &req, &want), "media count differs");
        let with_media = json!({"id":"2","text":"hi &amp; bye https://t.co/AbCdEfGhIj",
            "attachments":{"media_keys":["3_5"]}});
        assert!(matches(&with_media, &req, &want));
        req.reply_to = Some("9".into());
        assert!(!matches(&with_media, &req, &want), "not a reply");
        let reply = json!({"id":"3","text":"hi &amp; bye https://t.co/AbCdEfGhIj",
            "attachments":{"media_keys":["3_5"]},
            "referenced_tweets":[{"type":"replied_to","id":"9"}]});
        assert!(matches(&reply, &req, &want));
        let other_parent = json!({"id":"4","text":"hi &amp; bye https://t.co/AbCdEfGhIj",
            "attachments":{"media_keys":["3_5"]},
            "referenced_tweets":[{"type":"replied_to","id":"8"}]});
        assert!(!matches(&other_parent, &req, &want));
    }

    #[test]
    fn ids_and_dates() {
        assert_eq!(id_of(&json!("123")), Some("123".into()));
        assert_eq!(id_of(&json!(123)), Some("123".into()));
        assert_eq!(id_of(&json!("")), None);
        assert_eq!(id_of(&json!("12a")), None);
        assert_eq!(id_of(&json!(-1)), None);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_066_475);
        assert_eq!(rfc3339(t), "2026-11-19T05:34:35Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
