//! Request classification: the [`Route`] of a method and path, its endpoint key (the key of
//! faults, rate limits and the request log) and its error [`Family`].
//!
//! Contract: [`Route::classify`] is total (anything unknown is [`Route::NotFound`] in the family
//! its path prefix implies) and never panics; [`Route::endpoint`] uses `:id` for path ids, so
//! `"POST /2/media/upload/:id/append"` names every append.

use axum::http::Method;

/// The family of a route, which decides error shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/2/…`: problem bodies.
    V2,
    /// `/1.1/…` and `/oauth/…`: `errors` envelopes.
    V1,
}

/// A classified route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/_sim/…` control API (sub-path after `/_sim/`).
    Control(String),
    /// `POST /oauth/request_token`
    RequestToken,
    /// `GET|POST /oauth/authorize` (and `/oauth/authenticate`)
    Authorize,
    /// `POST /oauth/access_token`
    AccessToken,
    /// `POST /1.1/oauth/invalidate_token`
    InvalidateToken,
    /// `GET /i/oauth2/authorize` (OAuth 2.0 consent page; approves at once)
    OAuth2Authorize,
    /// `POST /2/oauth2/token` (code, refresh and token-exchange grants)
    OAuth2Token,
    /// `POST /2/oauth2/revoke`
    OAuth2Revoke,
    /// `GET /2/users/me`
    UsersMe,
    /// `POST /2/tweets`
    CreatePost,
    /// `DELETE /2/tweets/:id`
    DeletePost(String),
    /// `GET /2/tweets/:id`
    GetPost(String),
    /// `GET /2/users/:id/tweets` (user timeline)
    UserTweets(String),
    /// `POST /1.1/statuses/update.json`
    V1StatusesUpdate,
    /// `POST|GET /1.1/media/upload.json`
    V1Upload,
    /// `POST /1.1/media/metadata/create.json`
    V1Metadata,
    /// `POST /2/media/upload` (one-shot)
    V2OneShot,
    /// `GET /2/media/upload` (STATUS)
    V2Status,
    /// `POST /2/media/upload/initialize`
    V2Init,
    /// `POST /2/media/upload/:id/append`
    V2Append(String),
    /// `POST /2/media/upload/:id/finalize`
    V2Finalize(String),
    /// `POST /2/media/metadata[/create]`
    V2Metadata,
    /// `POST /2/media/subtitles` (associate) and `DELETE /2/media/subtitles` (remove)
    V2Subtitles,
    /// Anything else.
    NotFound(Family),
}

impl Route {
    /// Classifies a method and path.
    pub fn classify(method: &Method, path: &str) -> Route {
        let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let m = method.as_str();
        match (m, segs.as_slice()) {
            (_, ["_sim", rest @ ..]) => Route::Control(rest.join("/")),
            ("POST", ["oauth", "request_token"]) => Route::RequestToken,
            ("GET" | "POST", ["oauth", "authorize" | "authenticate"]) => Route::Authorize,
            ("POST", ["oauth", "access_token"]) => Route::AccessToken,
            ("POST", ["1.1", "oauth", "invalidate_token" | "invalidate_token.json"]) => {
                Route::InvalidateToken
            }
            ("GET", ["i", "oauth2", "authorize"]) => Route::OAuth2Authorize,
            ("POST", ["2", "oauth2", "token"]) => Route::OAuth2Token,
            ("POST", ["2", "oauth2", "revoke"]) => Route::OAuth2Revoke,
            ("GET", ["2", "users", "me"]) => Route::UsersMe,
            ("GET", ["2", "users", id, "tweets"]) => Route::UserTweets((*id).to_string()),
            ("POST", ["2", "tweets"]) => Route::CreatePost,
            ("DELETE", ["2", "tweets", id]) => Route::DeletePost((*id).to_string()),
            ("GET", ["2", "tweets", id]) => Route::GetPost((*id).to_string()),
            ("POST", ["1.1", "statuses", "update.json"]) => Route::V1StatusesUpdate,
            ("POST" | "GET", ["1.1", "media", "upload.json"]) => Route::V1Upload,
            ("POST", ["1.1", "media", "metadata", "create.json"]) => Route::V1Metadata,
            ("POST", ["2", "media", "upload"]) => Route::V2OneShot,
            ("GET", ["2", "media", "upload"]) => Route::V2Status,
            ("POST", ["2", "media", "upload", "initialize"]) => Route::V2Init,
            ("POST", ["2", "media", "upload", id, "append"]) => Route::V2Append((*id).to_string()),
            ("POST", ["2", "media", "upload", id, "finalize"]) => {
                Route::V2Finalize((*id).to_string())
            }
            ("POST", ["2", "media", "metadata"] | ["2", "media", "metadata", "create"]) => {
                Route::V2Metadata
            }
            ("POST" | "DELETE", ["2", "media", "subtitles"]) => Route::V2Subtitles,
            (_, ["2", ..]) => Route::NotFound(Family::V2),
            _ => Route::NotFound(Family::V1),
        }
    }

    /// The endpoint key used for faults, rate limits and the log.
    pub fn endpoint(&self, method: &Method) -> String {
        let s = match self {
            Route::Control(_) => "/_sim",
            Route::RequestToken => "POST /oauth/request_token",
            Route::Authorize => "GET /oauth/authorize",
            Route::AccessToken => "POST /oauth/access_token",
            Route::InvalidateToken => "POST /1.1/oauth/invalidate_token",
            Route::OAuth2Authorize => "GET /i/oauth2/authorize",
            Route::OAuth2Token => "POST /2/oauth2/token",
            Route::OAuth2Revoke => "POST /2/oauth2/revoke",
            Route::UsersMe => "GET /2/users/me",
            Route::CreatePost => "POST /2/tweets",
            Route::DeletePost(_) => "DELETE /2/tweets/:id",
            Route::GetPost(_) => "GET /2/tweets/:id",
            Route::UserTweets(_) => crate::timeline::ENDPOINT,
            Route::V1StatusesUpdate => "POST /1.1/statuses/update.json",
            Route::V1Upload => {
                return format!("{} /1.1/media/upload.json", method.as_str());
            }
            Route::V1Metadata => "POST /1.1/media/metadata/create.json",
            Route::V2OneShot => "POST /2/media/upload",
            Route::V2Status => "GET /2/media/upload",
            Route::V2Init => "POST /2/media/upload/initialize",
            Route::V2Append(_) => "POST /2/media/upload/:id/append",
            Route::V2Finalize(_) => "POST /2/media/upload/:id/finalize",
            Route::V2Metadata => "POST /2/media/metadata",
            Route::V2Subtitles => {
                return format!("{} /2/media/subtitles", method.as_str());
            }
            Route::NotFound(_) => "unknown",
        };
        s.to_string()
    }

    /// Error family.
    pub fn family(&self) -> Family {
        match self {
            Route::UsersMe
            | Route::CreatePost
            | Route::DeletePost(_)
            | Route::GetPost(_)
            | Route::UserTweets(_)
            | Route::V2OneShot
            | Route::V2Status
            | Route::V2Init
            | Route::V2Append(_)
            | Route::V2Finalize(_)
            | Route::V2Metadata
            | Route::V2Subtitles
            | Route::OAuth2Token
            | Route::OAuth2Revoke
            | Route::NotFound(Family::V2) => Family::V2,
            _ => Family::V1,
        }
    }

    /// Whether this is a legacy v1.1 media route (subject to the retirement switch).
    pub fn is_v1_media(&self) -> bool {
        matches!(self, Route::V1Upload | Route::V1Metadata)
    }

    /// Whether this is a v2 media route.
    pub fn is_v2_media(&self) -> bool {
        matches!(
            self,
            Route::V2OneShot
                | Route::V2Status
                | Route::V2Init
                | Route::V2Append(_)
                | Route::V2Finalize(_)
                | Route::V2Metadata
                | Route::V2Subtitles
        )
    }

    /// Whether the caller is a user (an access token): rate limits, enrolment and the access
    /// level apply. The PIN-flow routes are called by the app alone.
    pub fn caller_is_user(&self) -> bool {
        !matches!(
            self,
            Route::RequestToken
                | Route::AccessToken
                | Route::Authorize
                | Route::OAuth2Authorize
                | Route::OAuth2Token
                | Route::OAuth2Revoke
        )
    }

    /// Whether the route authenticates itself (no OAuth 1.0a signature, no Bearer token):
    /// the consent pages and the OAuth 2.0 token and revoke endpoints.
    pub fn is_unsigned(&self) -> bool {
        matches!(
            self,
            Route::Authorize | Route::OAuth2Authorize | Route::OAuth2Token | Route::OAuth2Revoke
        )
    }

    /// The OAuth 2.0 scopes a user token needs here (docs/protocol.md §14); `None` where a
    /// Bearer user token is not accepted at all (v1.1 and the PIN flow need OAuth 1.0a).
    pub fn oauth2_scopes(&self) -> Option<&'static [&'static str]> {
        const READ: &[&str] = &["tweet.read", "users.read"];
        const WRITE: &[&str] = &["tweet.read", "tweet.write", "users.read"];
        const MEDIA: &[&str] = &["media.write"];
        match self {
            Route::UsersMe | Route::GetPost(_) | Route::UserTweets(_) => Some(READ),
            Route::CreatePost | Route::DeletePost(_) => Some(WRITE),
            r if r.is_v2_media() => Some(MEDIA),
            _ => None,
        }
    }
}
