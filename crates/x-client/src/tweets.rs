//! Posts: the body of `POST /2/tweets` ([`PostRequest`]), posting without ever posting twice
//! ([`XClient::post`]) and deleting ([`XClient::delete`]).
//!
//! Contract: the post is sent once and settled by read-back when its outcome is unknown, as the
//! retry contract in [`crate::client`]'s module docs says (docs/protocol.md §6.5); text is
//! NFC-normalised and its weighted length checked before anything is sent; deleting is retried
//! (deleting twice is harmless).

use std::time::SystemTime;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::XClient;
use crate::error::{ClientError, NetworkFailure};
use crate::ratelimit::RateLimit;
use crate::text;
use crate::transport::{is_unknown_outcome, Payload, Resp};

/// Who may reply (`reply_settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ReplySettings {
    /// `following`
    #[serde(rename = "following")]
    Following,
    /// `mentionedUsers`
    #[serde(rename = "mentionedUsers")]
    MentionedUsers,
    /// `subscribers`
    #[serde(rename = "subscribers")]
    Subscribers,
    /// `verified`
    #[serde(rename = "verified")]
    Verified,
}

/// A poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Poll {
    /// 2–4 options of 1–25 characters.
    pub options: Vec<String>,
    /// 5–10080 minutes.
    pub duration_minutes: u32,
}

/// What to post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostRequest {
    /// The text (NFC-normalised before sending).
    pub text: String,
    /// Uploaded media ids (1–4).
    pub media_ids: Vec<String>,
    /// Post being replied to.
    pub reply_to: Option<String>,
    /// Who may reply.
    pub reply_settings: Option<ReplySettings>,
    /// A poll (not with media).
    pub poll: Option<Poll>,
}

impl PostRequest {
    /// A text-only post.
    pub fn text(text: impl Into<String>) -> Self {
        PostRequest {
            text: text.into(),
            ..PostRequest::default()
        }
    }

    /// The JSON body of `POST /2/tweets`.
    pub fn to_json(&self) -> Value {
        let mut body = serde_json::Map::new();
        let text = text::normalize(&self.text);
        if !text.is_empty() || self.media_ids.is_empty() {
            body.insert("text".into(), json!(text));
        }
        if !self.media_ids.is_empty() {
            body.insert("media".into(), json!({ "media_ids": self.media_ids }));
        }
        if let Some(r) = &self.reply_to {
            body.insert("reply".into(), json!({ "in_reply_to_tweet_id": r }));
        }
        if let Some(s) = self.reply_settings {
            body.insert("reply_settings".into(), json!(s));
        }
        if let Some(p) = &self.poll {
            body.insert(
                "poll".into(),
                json!({ "options": p.options, "duration_minutes": p.duration_minutes }),
            );
        }
        Value::Object(body)
    }
}

/// How a post was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confirmation {
    /// X answered 201 with the id.
    Created,
    /// The answer was lost or unreadable; the post was found among the account's own posts
    /// (§6.5 read-back).
    ReadBack,
}

impl Confirmation {
    /// The wire name (`created`, `read-back`).
    pub fn as_str(self) -> &'static str {
        match self {
            Confirmation::Created => "created",
            Confirmation::ReadBack => "read-back",
        }
    }
}

/// A created post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    /// Post id.
    pub id: String,
    /// The text X echoed (may differ: t.co links).
    pub text: String,
    /// How the outcome was established.
    pub confirmation: Confirmation,
    /// Rate-limit headers.
    pub rate_limit: Option<RateLimit>,
}

impl XClient {
    /// `DELETE /2/tweets/:id`. Retried (deleting twice is harmless).
    pub async fn delete(&self, id: &str) -> Result<(), ClientError> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ClientError::Config(format!("not a post id: {id:?}")));
        }
        let url = self.api_url(&format!("/2/tweets/{id}"));
        self.send_retrying(
            Method::DELETE,
            &url,
            &Payload::None,
            None,
            ClientError::is_transient,
        )
        .await
        .result?;
        Ok(())
    }

    /// `POST /2/tweets`, never creating a post twice (module docs, §6.5).
    pub async fn post(&self, req: &PostRequest) -> Result<Posted, ClientError> {
        self.post_armed_at(req, SystemTime::now()).await
    }

    /// As [`Self::post`], for a request armed (durably recorded) at `armed_at`: the read-back
    /// of an unknown outcome starts from there.
    pub async fn post_armed_at(
        &self,
        req: &PostRequest,
        armed_at: SystemTime,
    ) -> Result<Posted, ClientError> {
        text::check_length(&text::normalize(&req.text))?;
        if let Some(problem) = text::control_problem(&req.text, "post text") {
            return Err(ClientError::TextRefused(problem));
        }
        let url = self.api_url("/2/tweets");
        let payload = Payload::Json {
            body: req.to_json(),
            charset: false,
        };
        // Only a request that provably never left is sent again.
        let first = self
            .send_retrying(Method::POST, &url, &payload, None, |e| {
                matches!(
                    e,
                    ClientError::Network {
                        failure: NetworkFailure::Connect,
                        ..
                    }
                )
            })
            .await
            .result;
        let (unknown, status) = match first {
            Ok(r) => match parse_posted(&r) {
                Ok(p) => return Ok(p),
                Err(e) => (e, Some(r.status)),
            },
            Err(e) if is_unknown_outcome(&e) => {
                let status = e.status();
                (e, status)
            }
            Err(e) => return Err(e),
        };
        self.settle_unknown(req, armed_at, &unknown, status).await
    }

    /// Reads back a post whose send had the unknown outcome `unknown` (§6.5).
    async fn settle_unknown(
        &self,
        req: &PostRequest,
        armed_at: SystemTime,
        unknown: &ClientError,
        status: Option<u16>,
    ) -> Result<Posted, ClientError> {
        match self.find_post(req, armed_at, &[]).await {
            Ok(Some(id)) => Ok(Posted {
                id,
                text: text::normalize(&req.text),
                confirmation: Confirmation::ReadBack,
                rate_limit: None,
            }),
            Ok(None) => Err(ClientError::UnknownOutcome {
                status,
                message: format!(
                    "{unknown}. The post was not found among the account's recent posts, but X may show it later; check the profile before posting it again"
                ),
            }),
            Err(read) => Err(ClientError::UnknownOutcome {
                status,
                message: format!(
                    "{unknown}. The account's posts could not be read to check ({read}); check the profile before posting it again"
                ),
            }),
        }
    }
}

/// The created post of a 2xx answer; a body without a readable `data.id` is an
/// [`ClientError::Unexpected`] — an unknown outcome, since X may have created the post.
fn parse_posted(r: &Resp) -> Result<Posted, ClientError> {
    let v = r.json("/2/tweets")?;
    let id = crate::readback::id_of(&v["data"]["id"]);
    match id {
        Some(id) => Ok(Posted {
            id,
            text: v["data"]["text"].as_str().unwrap_or_default().to_owned(),
            confirmation: Confirmation::Created,
            rate_limit: r.rate_limit(),
        }),
        None => Err(ClientError::Unexpected {
            path: "/2/tweets".into(),
            message: "no data.id in the answer".into(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn post_body() {
        let mut r = PostRequest::text("cafe\u{301}");
        r.media_ids = vec!["1".into()];
        r.reply_to = Some("9".into());
        r.reply_settings = Some(ReplySettings::MentionedUsers);
        assert_eq!(
            r.to_json(),
            json!({"text":"caf\u{e9}","media":{"media_ids":["1"]},"reply":{"in_reply_to_tweet_id":"9"},"reply_settings":"mentionedUsers"})
        );
        let m = PostRequest {
            media_ids: vec!["2".into()],
            ..PostRequest::default()
        };
        assert_eq!(m.to_json(), json!({"media":{"media_ids":["2"]}}));
    }
}
