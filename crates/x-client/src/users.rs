//! The account: who the token belongs to and what it may do.
//!
//! Contract: [`XClient::me`] is `GET /2/users/me` (retried, §6.4) with the access level from
//! `x-access-level` and the clock skew from `Date`; [`XClient::check`] is the one credential
//! check of the setup wizard and `postbridge doctor` (healthy = no problems, every problem a
//! [`Diagnosis`]; with OAuth 2.0 a grant without every scope Postbridge asks for is a
//! `missing-scope` problem); [`XClient::invalidate_token`] revokes an OAuth 1.0a access token
//! (an OAuth 2.0 token is revoked through [`crate::oauth2::TokenClient::revoke`]).

use reqwest::header::HeaderMap;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::XClient;
use crate::diagnosis::{Diagnosis, ErrorKind};
use crate::error::{now_secs, ClientError};
use crate::ratelimit::RateLimit;
use crate::transport::Payload;

/// Permission level of the token (`x-access-level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    /// `read`: cannot post (stale token, §11).
    Read,
    /// `read-write`.
    ReadWrite,
    /// `read-write-directmessages`.
    #[serde(rename = "read-write-directmessages")]
    ReadWriteDirectMessages,
    /// Header missing or unknown.
    Unknown,
}

impl AccessLevel {
    /// Parses the header value.
    pub fn parse(s: Option<&str>) -> AccessLevel {
        match s.map(str::trim) {
            Some("read") => AccessLevel::Read,
            Some("read-write") => AccessLevel::ReadWrite,
            Some("read-write-directmessages") => AccessLevel::ReadWriteDirectMessages,
            _ => AccessLevel::Unknown,
        }
    }

    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Read => "read",
            AccessLevel::ReadWrite => "read-write",
            AccessLevel::ReadWriteDirectMessages => "read-write-directmessages",
            AccessLevel::Unknown => "unknown",
        }
    }

    /// Whether the token can post.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            AccessLevel::ReadWrite | AccessLevel::ReadWriteDirectMessages
        )
    }
}

/// The authenticated user (`GET /2/users/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// User id.
    pub id: String,
    /// `@` handle without the `@`.
    pub username: String,
    /// Display name.
    pub name: String,
    /// From `x-access-level`.
    pub access_level: AccessLevel,
    /// Rate-limit headers.
    pub rate_limit: Option<RateLimit>,
    /// Server `Date` minus local time, in seconds, when X sent a `Date` header.
    pub clock_skew_secs: Option<i64>,
}

/// The result of [`XClient::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The account, when the credentials work.
    pub me: Option<Me>,
    /// Problems found (empty = healthy).
    pub problems: Vec<Diagnosis>,
    /// Rate-limit headers of the check.
    pub rate_limit: Option<RateLimit>,
}

impl Health {
    /// No problems.
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl XClient {
    /// `GET /2/users/me`: the user and the token's access level. Retried (§6.4).
    pub async fn me(&self) -> Result<Me, ClientError> {
        let r = self.get(&self.api_url("/2/users/me")).await?;
        let v = r.json("/2/users/me")?;
        let data = &v["data"];
        let get = |k: &str| data[k].as_str().map(str::to_owned);
        let (Some(id), Some(username)) = (get("id"), get("username")) else {
            return Err(ClientError::Unexpected {
                path: "/2/users/me".into(),
                message: "no data.id / data.username".into(),
            });
        };
        Ok(Me {
            id,
            username,
            name: get("name").unwrap_or_default(),
            access_level: AccessLevel::parse(
                r.headers
                    .get("x-access-level")
                    .and_then(|v| v.to_str().ok()),
            ),
            rate_limit: r.rate_limit(),
            clock_skew_secs: server_date(&r.headers).map(|server| {
                let local = i64::try_from(now_secs()).unwrap_or(i64::MAX);
                i64::try_from(server)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(local)
            }),
        })
    }

    /// The credential check of the setup wizard and `postbridge doctor`: `GET /2/users/me`,
    /// then what its answer reveals (read-only token, clock skew). Healthy = no problems.
    pub async fn check(&self) -> Health {
        match self.me().await {
            Ok(me) => {
                let mut problems = Vec::new();
                if me.access_level == AccessLevel::Read {
                    problems.push(Diagnosis::new(
                        ErrorKind::ReadOnlyToken,
                        None,
                        "x-access-level: read — this token cannot post",
                    ));
                }
                if let Some(skew) = me
                    .clock_skew_secs
                    .filter(|s| s.unsigned_abs() > crate::error::CLOCK_SKEW_SECS)
                {
                    problems.push(Diagnosis::new(
                        ErrorKind::ClockSkew,
                        None,
                        format!(
                            "this clock differs from X's by {skew} s; signed requests may start failing"
                        ),
                    ));
                }
                if let Some(granted) = self.granted_scopes() {
                    let tokens = crate::oauth2::TokenSet {
                        access_token: String::new(),
                        expires_at: 0,
                        refresh_token: None,
                        scopes: granted.to_vec(),
                    };
                    problems.extend(tokens.scope_problem());
                }
                let rate_limit = me.rate_limit;
                Health {
                    me: Some(me),
                    problems,
                    rate_limit,
                }
            }
            Err(e) => {
                let d = e.diagnosis();
                Health {
                    me: None,
                    rate_limit: d.rate_limit,
                    problems: vec![d],
                }
            }
        }
    }

    /// `POST /1.1/oauth/invalidate_token`: revokes this access token (disconnecting the account).
    pub async fn invalidate_token(&self) -> Result<(), ClientError> {
        if self.uses_oauth2() {
            return Err(ClientError::Config(
                "an OAuth 2.0 token is revoked through the token endpoint (TokenClient::revoke)"
                    .into(),
            ));
        }
        let url = self.api_url("/1.1/oauth/invalidate_token");
        self.send_retrying(
            Method::POST,
            &url,
            &Payload::Form(Vec::new()),
            None,
            ClientError::is_transient,
        )
        .await
        .result?;
        Ok(())
    }
}

/// The `Date` header as Unix seconds.
fn server_date(headers: &HeaderMap) -> Option<u64> {
    let s = headers.get("date")?.to_str().ok()?;
    let t = httpdate::parse_http_date(s).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn access_levels() {
        assert_eq!(AccessLevel::parse(Some("read")), AccessLevel::Read);
        assert!(!AccessLevel::Read.can_write());
        assert!(AccessLevel::parse(Some("read-write-directmessages")).can_write());
        assert_eq!(
            serde_json::to_string(&AccessLevel::ReadWriteDirectMessages).unwrap(),
            "\"read-write-directmessages\""
        );
    }
}
