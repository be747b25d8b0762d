//! Weighted post length by the twitter-text v3 rules (docs/protocol.md §10).
//!
//! Contract: [`weighted_length`] NFC-normalises its input, counts every URL as 23, every
//! emoji sequence as 2, code points in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and
//! U+2032–U+2037 as 1 and everything else as 2. URL detection is a compact re-implementation
//! of twitter-text's extractor (scheme URLs, `www.` and bare domains with a known TLD).
//! The `twitter-text` crate, which x-client counts with, is deliberately not used here: the
//! simulator is the client's test oracle, and an oracle sharing the client's counting code
//! would let a shared counting bug pass (crate docs, "Why x-sim re-implements").
//! [`tco_link`] gives the stable t.co link of a post's n-th URL and [`escape_x`] the HTML
//! escaping X applies to post text on reads.

use unicode_normalization::UnicodeNormalization;

/// Limit for accounts without Premium.
pub const MAX_STANDARD: usize = 280;
/// Limit for Premium accounts (long posts).
pub const MAX_PREMIUM: usize = 25_000;
/// Weight of any URL (t.co length).
const URL_LENGTH: usize = 23;

const TLDS: &[&str] = &[
    "com", "org", "net", "io", "co", "dev", "app", "ai", "me", "info", "biz", "edu", "gov", "uk",
    "de", "fr", "jp", "ly", "tv", "us", "ca", "eu", "it", "es", "nl", "ru", "ch", "au", "in",
    "xyz", "site", "online", "tech", "blog", "news", "page", "gg", "fm", "so", "to", "be", "at",
];

/// The weighted length of `text` in the units of the 280 limit.
pub fn weighted_length(text: &str) -> usize {
    let nfc: Vec<char> = text.nfc().collect();
    let mut weight = 0usize;
    let mut i = 0;
    while i < nfc.len() {
        if let Some(end) = url_at(&nfc, i) {
            weight += URL_LENGTH * 100;
            i = end;
            continue;
        }
        if let Some(end) = emoji_at(&nfc, i) {
            weight += 200;
            i = end;
            continue;
        }
        weight += char_weight(nfc[i]);
        i += 1;
    }
    weight / 100
}

fn char_weight(c: char) -> usize {
    let cp = c as u32;
    if cp <= 4351
        || (8192..=8205).contains(&cp)
        || (8208..=8223).contains(&cp)
        || (8242..=8247).contains(&cp)
    {
        100
    } else {
        200
    }
}

fn is_pictographic(c: char) -> bool {
    let cp = c as u32;
    matches!(cp,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
        | 0x2190..=0x21FF | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE
        | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x24C2 | 0x25AA..=0x25FE | 0x2934 | 0x2935)
}

fn is_modifier(c: char) -> bool {
    let cp = c as u32;
    matches!(cp, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0x20E3 | 0xE0020..=0xE007F)
}

/// If an emoji sequence starts at `i`, returns the index after it.
fn emoji_at(s: &[char], i: usize) -> Option<usize> {
    let c = s[i];
    let cp = c as u32;
    // Keycaps: [0-9#*] FE0F? 20E3
    if c.is_ascii_digit() || c == '#' || c == '*' {
        let mut j = i + 1;
        if s.get(j) == Some(&'\u{FE0F}') {
            j += 1;
        }
        return (s.get(j) == Some(&'\u{20E3}')).then_some(j + 1);
    }
    // Flags: two regional indicators.
    if (0x1F1E6..=0x1F1FF).contains(&cp) {
        let next = s.get(i + 1).map(|c| *c as u32);
        return Some(match next {
            Some(n) if (0x1F1E6..=0x1F1FF).contains(&n) => i + 2,
            _ => i + 1,
        });
    }
    if !is_pictographic(c) {
        return None;
    }
    // Text-presentation symbols in the weight-1 ranges stay text unless followed by FE0F.
    if cp <= 4351 && s.get(i + 1) != Some(&'\u{FE0F}') {
        return None;
    }
    let mut j = i + 1;
    loop {
        while j < s.len() && is_modifier(s[j]) {
            j += 1;
        }
        if s.get(j) == Some(&'\u{200D}') && s.get(j + 1).is_some_and(|c| is_pictographic(*c)) {
            j += 2;
            continue;
        }
        break;
    }
    Some(j)
}

fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

fn is_boundary(s: &[char], i: usize) -> bool {
    i == 0
        || !(s[i - 1].is_alphanumeric()
            || matches!(s[i - 1], '@' | '#' | '$' | '.' | '/' | '-' | '_'))
}

/// If a URL starts at `i`, returns the index after it.
fn url_at(s: &[char], i: usize) -> Option<usize> {
    if !is_boundary(s, i) {
        return None;
    }
    let rest: String = s[i..s.len().min(i + 8)]
        .iter()
        .collect::<String>()
        .to_ascii_lowercase();
    let mut j = i;
    let has_scheme = if rest.starts_with("https://") {
        j += 8;
        true
    } else if rest.starts_with("http://") {
        j += 7;
        true
    } else {
        false
    };
    // Host: labels separated by dots.
    let host_start = j;
    let mut last_label_start = j;
    let mut dots = 0;
    while j < s.len() {
        if is_domain_char(s[j]) {
            j += 1;
        } else if s[j] == '.' && j + 1 < s.len() && is_domain_char(s[j + 1]) && j > host_start {
            dots += 1;
            j += 1;
            last_label_start = j;
        } else {
            break;
        }
    }
    if j == host_start || dots == 0 {
        return None;
    }
    if !has_scheme {
        let tld: String = s[last_label_start..j]
            .iter()
            .collect::<String>()
            .to_lowercase();
        if !TLDS.contains(&tld.as_str()) {
            return None;
        }
    }
    // Port.
    if s.get(j) == Some(&':') && s.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
        j += 1;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
    }
    // Path/query: up to whitespace, dropping trailing punctuation.
    if s.get(j) == Some(&'/') || s.get(j) == Some(&'?') {
        while j < s.len() && !s[j].is_whitespace() {
            j += 1;
        }
        while j > i
            && matches!(
                s[j - 1],
                '.' | ',' | '!' | '?' | ';' | ':' | '"' | '\'' | ')'
            )
        {
            j -= 1;
        }
    }
    Some(j)
}

/// Replaces every URL in `text` (NFC-normalised) with `replacement(url)`, e.g. a t.co link.
pub fn replace_urls(text: &str, mut replacement: impl FnMut(&str) -> String) -> String {
    let chars: Vec<char> = text.nfc().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some(end) = url_at(&chars, i) {
            let url: String = chars[i..end].iter().collect();
            out.push_str(&replacement(&url));
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Whether `text` contains a URL (pay-per-use bills such posts higher).
pub fn contains_url(text: &str) -> bool {
    let chars: Vec<char> = text.nfc().collect();
    (0..chars.len()).any(|i| url_at(&chars, i).is_some())
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The t.co link (`https://t.co/` + 10 alphanumerics, 23 characters) of the `n`-th link of
/// the post `post_id`: a pure function of both, so every read of a post shows the same links.
pub fn tco_link(post_id: &str, n: usize) -> String {
    // FNV-1a over "id:n", then splitmix64 steps for the characters.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in post_id.bytes().chain([b':']).chain(n.to_string().bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut out = String::from("https://t.co/");
    for _ in 0..10 {
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push(char::from(ALNUM[(z % ALNUM.len() as u64) as usize]));
    }
    out
}

/// X's escaping of post text in API replies: `&`, `<` and `>` become `&amp;`, `&lt;` and
/// `&gt;` (quotes are left alone).
pub fn escape_x(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn derived_vectors() {
        assert_eq!(weighted_length("cafe\u{301}"), 4);
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(weighted_length("—"), 1);
        assert_eq!(weighted_length("…"), 2);
        assert_eq!(weighted_length("€"), 2);
        assert_eq!(
            weighted_length("https://example.com/a/very/long/path?x=1&y=2"),
            23
        );
        assert_eq!(weighted_length("see example.com now"), 4 + 23 + 4);
        assert_eq!(weighted_length(&"字".repeat(140)), 280);
        assert_eq!(weighted_length("hello"), 5);
    }

    #[test]
    fn emoji_weigh_two() {
        assert_eq!(weighted_length("👨‍👩‍👧‍👦"), 2);
        assert_eq!(weighted_length("👍🏽"), 2);
        assert_eq!(weighted_length("🇯🇵"), 2);
        assert_eq!(weighted_length("1️⃣"), 2);
        assert_eq!(weighted_length("❤️"), 2);
        assert_eq!(weighted_length("a😀b"), 4);
    }

    #[test]
    fn url_replacement() {
        let out = replace_urls("a https://example.com/x b www.rust-lang.org", |_| {
            "https://t.co/abc".into()
        });
        assert_eq!(out, "a https://t.co/abc b https://t.co/abc");
    }

    #[test]
    fn tco_links_are_stable_and_shaped() {
        let a = tco_link("1800000000000000001", 0);
        assert_eq!(a, tco_link("1800000000000000001", 0));
        assert_ne!(a, tco_link("1800000000000000001", 1));
        assert_ne!(a, tco_link("1800000000000000002", 0));
        assert_eq!(a.len(), 23);
        assert!(a.starts_with("https://t.co/"));
        assert!(a[13..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(escape_x("a&b <c> \"d\""), "a&amp;b &lt;c&gt; \"d\"");
    }

    #[test]
    fn urls() {
        assert!(contains_url("go to https://x.com"));
        assert!(!contains_url("no url here."));
        assert!(!contains_url("foo.bar"));
        assert_eq!(weighted_length("x https://a.b/c."), 2 + 23 + 1);
    }
}
