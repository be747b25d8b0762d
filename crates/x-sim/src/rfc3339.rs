//! RFC 3339 date-times as X's v2 API writes and reads them, without a date-time dependency.
//!
//! Contract: [`format_ms`] writes a UTC instant (ms since the Unix epoch) the way X writes
//! `created_at`: `2026-12-02T05:34:35.000Z` (always milliseconds, always `Z`). [`parse_ms`]
//! accepts any RFC 3339 `date-time` — `YYYY-MM-DDTHH:MM:SS`, an optional fraction (kept to
//! the millisecond, truncated), then `Z` or a `±HH:MM` offset; `T`/`Z` in either case — and
//! returns `None` for anything else, including out-of-range fields (month 13, 30 February,
//! hour 24, second 60) and years outside 0000–9999. Neither function panics.

/// Days from 1970-01-01 to `y-m-d` in the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `2026-12-02T05:34:35.000Z` for `ms` since the epoch.
pub fn format_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn num(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter()
        .try_fold(0i64, |acc, b| Some(acc * 10 + i64::from(b - b'0')))
}

/// The instant of an RFC 3339 date-time, in ms since the epoch (see the module docs).
pub fn parse_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    let shaped = sep(4, b'-')
        && sep(7, b'-')
        && matches!(b[10], b'T' | b't')
        && sep(13, b':')
        && sep(16, b':');
    if !shaped {
        return None;
    }
    let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (h, mi, se) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 {
        return None;
    }
    if se > 59 {
        return None; // leap seconds are not accepted
    }
    let mut i = 19;
    let mut frac_ms = 0i64;
    if b[i] == b'.' {
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == start {
            return None;
        }
        let digits = &b[start..j.min(start + 3)];
        frac_ms = num(digits)? * 10i64.pow(3 - digits.len() as u32);
        i = j;
    }
    let offset_min = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let oh = num(&[*oh1, *oh2])?;
            let om = num(&[*om1, *om2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 60 + om;
            if *sign == b'+' {
                v
            } else {
                -v
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000 + frac_ms)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_x() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_795_066_475_000), "2026-11-19T05:34:35.000Z");
        assert_eq!(format_ms(1_796_189_675_123), "2026-12-02T05:34:35.123Z");
        assert_eq!(format_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_ms("2026-11-19T05:34:35Z"), Some(1_795_066_475_000));
        assert_eq!(
            parse_ms("2026-12-02T05:34:35.123Z"),
            Some(1_796_189_675_123)
        );
        assert_eq!(
            parse_ms("2026-12-02T05:34:35.1239Z"),
            Some(1_796_189_675_123)
        );
        assert_eq!(parse_ms("2026-12-02T05:34:35.5z"), Some(1_796_189_675_500));
        assert_eq!(
            parse_ms("2026-12-02T06:34:35+01:00"),
            Some(1_796_189_675_000)
        );
        assert_eq!(
            parse_ms("2026-12-02T04:04:35-01:30"),
            Some(1_796_189_675_000)
        );
        for ms in [0, 951_782_400_000, 1_796_189_675_123, 4_102_444_799_999] {
            assert_eq!(parse_ms(&format_ms(ms)), Some(ms));
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "bogus",
            "2026-12-02",
            "2026-12-02 05:34:35Z",
            "2026-12-02T05:34:35",
            "2026-13-02T05:34:35Z",
            "2026-02-30T05:34:35Z",
            "2025-02-29T00:00:00Z",
            "2026-12-02T24:00:00Z",
            "2026-12-02T05:60:00Z",
            "2026-12-02T05:34:60Z",
            "2026-12-02T05:34:35.Z",
            "2026-12-02T05:34:35+0100",
            "2026-12-02T05:34:35+01:00x",
            "1712-12-02T05:34:35ZZ",
            "+026-12-02T05:34:35Z",
            "2026-12-02T05:34:35Zé",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }
}
