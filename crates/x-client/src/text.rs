//! Post text: NFC normalisation and the weighted length of docs/protocol.md §10.
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

/// The first invisible control character of `text` that X would reject or drop (C0 controls
/// other than tab, line feed and carriage return, and DEL), as a sentence naming it and its
/// position (1-based, in characters), for a text called `what`.
pub fn control_problem(text: &str, what: &str) -> Option<String> {
    text.chars()
        .enumerate()
        .find(|(_, c)| matches!(*c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'))
        .map(|(i, c)| {
            format!(
                "the {what} contains an invisible control character (U+{:04X}) at position {}; remove it",
                c as u32,
                i + 1
            )
        })
}

/// NFC-normalises `text`.
pub fn normalize(text: &str) -> String {
    text.nfc().collect()
}

/// Longest piece handed to `twitter-text` at once: its parser is superlinear on long runs
/// without whitespace (25,000 letters take seconds), so the text is measured in pieces.
const PIECE: usize = 2048;

/// The weighted length (twitter-text v3).
///
/// The text is cut at whitespace into pieces of at most 2 KiB (URLs and emoji never
/// span whitespace, so the sum is exact); a single run longer than that is cut between
/// characters that cannot join (not before a combining mark, ZWJ or variation selector).
pub fn weighted_length(text: &str) -> usize {
    let config = twitter_text_config::config_v3();
    pieces(text)
        .map(|p| usize::try_from(twitter_text::parse(p, config, true).weighted_length).unwrap_or(0))
        .sum()
}

fn joins(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x200C | 0x200D | 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF
        | 0xE0020..=0xE007F | 0x20D0..=0x20FF)
}

fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        if rest.len() <= PIECE {
            let all = rest;
            rest = "";
            return Some(all);
        }
        // The last whitespace at or before PIECE, else a safe character boundary.
        let mut cut = None;
        let mut fallback = None;
        for (i, c) in rest.char_indices() {
            if i > PIECE {
                break;
            }
            if i > 0 && c.is_whitespace() {
                cut = Some(i);
            }
            if i > 0 && !joins(c) && !rest[..i].ends_with('\u{200D}') {
                fallback = Some(i);
            }
        }
        let at = cut.or(fallback).unwrap_or(rest.len());
        let (head, tail) = rest.split_at(at);
        rest = tail;
        Some(head)
    })
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
    fn control_characters_are_named_with_their_position() {
        assert_eq!(control_problem("fine\ttext\r\nok", "post text"), None);
        let p = control_problem("ab\u{0}c", "post text").unwrap();
        assert!(p.contains("U+0000") && p.contains("position 3"), "{p}");
        assert!(control_problem("x\u{7f}", "alt text")
            .unwrap()
            .contains("alt text"));
    }

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
        // Pieces add up exactly.
        let mixed = format!(
            "{} https://example.com/{} 👨‍👩‍👧‍👦 {}",
            "語".repeat(300),
            "p".repeat(600),
            "x".repeat(5000)
        );
        assert_eq!(weighted_length(&mixed), 600 + 1 + 23 + 1 + 2 + 1 + 5000);
    }
}
