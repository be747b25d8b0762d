//! Rate-limit headers (docs/protocol.md §6.1), read from every response.
//!
//! Contract: every header is optional; [`RateLimit::from_headers`] returns `None` when none of
//! them is present, so a result can carry "unknown" honestly.

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

/// One window: `limit`, `remaining`, and `reset` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// When the window resets (Unix seconds).
    pub reset: Option<u64>,
}

impl Window {
    fn read(headers: &HeaderMap, prefix: &str) -> Option<Window> {
        let get = |name: &str| -> Option<u64> {
            headers
                .get(format!("{prefix}{name}"))
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse().ok())
        };
        let w = Window {
            limit: get("limit"),
            remaining: get("remaining"),
            reset: get("reset"),
        };
        (w.limit.is_some() || w.remaining.is_some() || w.reset.is_some()).then_some(w)
    }
}

/// The rate-limit state reported by one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// The endpoint's window (`x-rate-limit-*`, usually 15 minutes).
    pub window: Option<Window>,
    /// The app's 24-hour cap (`x-app-limit-24hour-*`), when sent.
    pub app_24h: Option<Window>,
    /// The user's 24-hour cap (`x-user-limit-24hour-*`), when sent.
    pub user_24h: Option<Window>,
}

impl RateLimit {
    /// Reads all rate-limit headers; `None` when the response had none.
    pub fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        let r = RateLimit {
            window: Window::read(headers, "x-rate-limit-"),
            app_24h: Window::read(headers, "x-app-limit-24hour-"),
            user_24h: Window::read(headers, "x-user-limit-24hour-"),
        };
        (r.window.is_some() || r.app_24h.is_some() || r.user_24h.is_some()).then_some(r)
    }

    /// The latest reset among exhausted windows (what a 429 must wait for), else the window's.
    pub fn reset_at(&self) -> Option<u64> {
        let exhausted = [self.window, self.app_24h, self.user_24h]
            .into_iter()
            .flatten()
            .filter(|w| w.remaining == Some(0))
            .filter_map(|w| w.reset)
            .max();
        exhausted.or(self.window.and_then(|w| w.reset))
    }

    /// "N of M left" style summary of the main window.
    pub fn summary(&self) -> Option<String> {
        let w = self.window?;
        match (w.remaining, w.limit) {
            (Some(r), Some(l)) => Some(format!("{r} of {l} left")),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn parses_all_windows() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", HeaderValue::from_static("200"));
        h.insert("x-rate-limit-remaining", HeaderValue::from_static("199"));
        h.insert("x-rate-limit-reset", HeaderValue::from_static("1635976418"));
        h.insert("x-user-limit-24hour-limit", HeaderValue::from_static("17"));
        h.insert(
            "x-user-limit-24hour-remaining",
            HeaderValue::from_static("0"),
        );
        h.insert(
            "x-user-limit-24hour-reset",
            HeaderValue::from_static("1635999999"),
        );
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!(r.window.unwrap().remaining, Some(199));
        assert_eq!(r.user_24h.unwrap().limit, Some(17));
        assert!(r.app_24h.is_none());
        assert_eq!(r.reset_at(), Some(1635999999));
        assert_eq!(r.summary().unwrap(), "199 of 200 left");
        assert!(RateLimit::from_headers(&HeaderMap::new()).is_none());
    }
}
