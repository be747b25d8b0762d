//! What posting costs on X's pay-per-use plans (docs/protocol.md §15).
//!
//! Contract:
//! - Prices are integers in micro-dollars (no floating point): a post is [`POST_MICROS`]
//!   ($0.015), a post whose text contains a URL is [`POST_WITH_URL_MICROS`] ($0.20), and each
//!   part of a thread is billed as a post of its own.
//! - A URL is what twitter-text's extractor finds, **bare domains included** (`example.com`,
//!   `t.co/x`), the same extractor X's own counter and our read-back use (billing proxies
//!   treat bare domains and t.co links as URLs). Failed calls are free, so only what is sent
//!   counts.
//! - [`Plan::Legacy`] (Free/Basic/Pro subscriptions) is not billed per post: every cost is 0.

use serde::{Deserialize, Serialize};
use twitter_text::extractor::Extractor;

/// A post without a URL: $0.015.
pub const POST_MICROS: u64 = 15_000;
/// A post whose text contains a URL: $0.20.
pub const POST_WITH_URL_MICROS: u64 = 200_000;

/// How the account pays for the API.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// Pay-per-use (2026): each post is billed.
    #[default]
    PayPerUse,
    /// A legacy subscription tier: posts are not billed per call.
    Legacy,
}

/// The cost of one post or thread.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Cost {
    /// Total, in micro-dollars.
    pub micros: u64,
    /// Parts billed.
    pub posts: usize,
    /// Of those, parts billed at the URL price.
    pub with_url: usize,
}

impl Cost {
    /// The total in dollars as text, e.g. `$0.215`.
    pub fn dollars(&self) -> String {
        let whole = self.micros / 1_000_000;
        let frac = format!("{:06}", self.micros % 1_000_000);
        let frac = frac.trim_end_matches('0');
        let frac = if frac.len() < 2 {
            format!("{frac:0<2}")
        } else {
            frac.to_owned()
        };
        format!("${whole}.{frac}")
    }

    /// The sum of two costs.
    pub fn plus(self, other: Cost) -> Cost {
        Cost {
            micros: self.micros + other.micros,
            posts: self.posts + other.posts,
            with_url: self.with_url + other.with_url,
        }
    }
}

/// Whether `text` contains a URL as twitter-text sees it (bare domains included).
pub fn contains_url(text: &str) -> bool {
    !Extractor::new().extract_urls(text).is_empty()
}

/// The cost of one post with `text` on `plan`.
pub fn post_cost(text: &str, plan: Plan) -> Cost {
    if plan == Plan::Legacy {
        return Cost {
            posts: 1,
            ..Cost::default()
        };
    }
    let url = contains_url(text);
    Cost {
        micros: if url {
            POST_WITH_URL_MICROS
        } else {
            POST_MICROS
        },
        posts: 1,
        with_url: usize::from(url),
    }
}

/// The cost of a thread (or a day of the queue): every text is one billed post.
pub fn thread_cost<'a>(texts: impl IntoIterator<Item = &'a str>, plan: Plan) -> Cost {
    texts
        .into_iter()
        .map(|t| post_cost(t, plan))
        .fold(Cost::default(), Cost::plus)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_twitter_text_finds_them() {
        for t in [
            "see https://example.com/a",
            "see example.com",
            "mail me at docs.rs/jiff or later",
            "t.co/abc",
            "http://localhost:8080 is not a URL but www.example.org is",
        ] {
            assert!(contains_url(t), "{t}");
        }
        for t in [
            "no link here",
            "a.b is not a domain",
            "version 1.2.3",
            "e-mail: hello@example",
            "",
        ] {
            assert!(!contains_url(t), "{t}");
        }
    }

    #[test]
    fn prices_per_part() {
        assert_eq!(post_cost("hello", Plan::PayPerUse).micros, 15_000);
        assert_eq!(
            post_cost("hello example.com", Plan::PayPerUse).micros,
            200_000
        );
        let c = thread_cost(["one", "two example.com", "three"], Plan::PayPerUse);
        assert_eq!((c.micros, c.posts, c.with_url), (230_000, 3, 1));
        assert_eq!(c.dollars(), "$0.23");
        assert_eq!(post_cost("x", Plan::PayPerUse).dollars(), "$0.015");
        assert_eq!(post_cost("x.com", Plan::PayPerUse).dollars(), "$0.20");
        assert_eq!(thread_cost(["a example.com"], Plan::Legacy).micros, 0);
        assert_eq!(Cost::default().dollars(), "$0.00");
    }
}
