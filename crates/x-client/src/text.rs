//! Post text: NFC normalisation and the weighted length of x-api-notes §10.
//!
//! Contract: [`normalize`] is applied to every text before it is sent; [`weighted_length`] counts
//! like X (twitter-text v3 config: URLs 23, emoji 2, CJK 2, Latin 1) using the `twitter-text`
//! crate. [`check_length`] warns above 280 (Premium needed) and refuses only above 25,000.

use unicode_normalization::UnicodeNormalization;

use crate::error::ClientError;

/// The standard limit.
pub const MAX_WEIGHTED: usize = 280;
/// The Premium long-post limit (hard limit here; the server decides below it).
pub const MAX_PREMIUM: usize = 25_000;

/// NFC-normalises `text`.
pub fn normalize(text: &str) -> String {
    text.nfc().collect()
}

/// The weighted length (twitter-text v3).
pub fn weighted_length(text: &str) -> usize {
    let config = twitter_text_config::config_v3();
    let r = twitter_text::parse(text, config, true);
    usize::try_from(r.weighted_length).unwrap_or(0)
}

/// How a text compares with the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthCheck {
    /// Within 280.
    Ok(usize),
    /// Above 280 but within 25,000: needs Premium (warn, don't block).
    NeedsPremium(usize),
}

/// Checks `text` against §10's rules; an error only above 25,000.
pub fn check_length(text: &str) -> Result<LengthCheck, ClientError> {
    let n = weighted_length(text);
    if n > MAX_PREMIUM {
        Err(ClientError::TextTooLong {
            weighted: n,
            limit: MAX_PREMIUM,
        })
    } else if n > MAX_WEIGHTED {
        Ok(LengthCheck::NeedsPremium(n))
    } else {
        Ok(LengthCheck::Ok(n))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        assert_eq!(weighted_length("cafe\u{301}"), 4);
        assert_eq!(normalize("cafe\u{301}"), "caf\u{e9}");
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(weighted_length("\u{2014}"), 1);
        assert_eq!(weighted_length("\u{2026}"), 2);
        assert_eq!(weighted_length("€"), 2);
        assert_eq!(
            weighted_length("https://example.com/a/very/long/path/indeed/yes"),
            23
        );
        assert_eq!(weighted_length("👨‍👩‍👧‍👦"), 2);
        assert_eq!(weighted_length(&"語".repeat(140)), 280);
        assert_eq!(
            check_length(&"a".repeat(281)).unwrap(),
            LengthCheck::NeedsPremium(281)
        );
        assert!(check_length(&"a".repeat(25_001)).is_err());
    }
}
