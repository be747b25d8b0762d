//! Pacing posts under the rate-limit windows an account has seen (docs/protocol.md §6.1–6.2).
//!
//! Contract: [`next_slot`] takes the last [`RateLimit`] seen on the account's
//! `POST /2/tweets` answers (15-minute window, and the 24-hour ones when X sent them) and the
//! time now (Unix seconds), and answers when the next post may go: now, unless a window
//! has no request left and has not reset yet — then that window's reset (the latest of such
//! windows). A window whose reset has passed counts as fresh; missing fields count as "no
//! limit known". It never guesses limits that were not seen. Pure functions, no I/O.

use serde::Serialize;
use x_client::{RateLimit, Window};

/// Why the next slot is where it is.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Slot {
    /// A post may go now.
    Now,
    /// The 15-minute window is used up until `at`.
    Window {
        /// Unix seconds.
        at: u64,
    },
    /// A 24-hour cap is used up until `at`.
    Daily {
        /// Unix seconds.
        at: u64,
    },
}

impl Slot {
    /// When the slot opens (Unix seconds): `now` for [`Slot::Now`].
    pub fn at(self, now: u64) -> u64 {
        match self {
            Slot::Now => now,
            Slot::Window { at } | Slot::Daily { at } => at,
        }
    }
}

fn blocked_until(w: Option<&Window>, now: u64) -> Option<u64> {
    let w = w?;
    match (w.remaining, w.reset) {
        (Some(0), Some(reset)) if reset > now => Some(reset),
        _ => None,
    }
}

/// When the account may post next (see the module docs).
pub fn next_slot(seen: Option<&RateLimit>, now: u64) -> Slot {
    let Some(r) = seen else {
        return Slot::Now;
    };
    let window = blocked_until(r.window.as_ref(), now);
    let daily = [r.user_24h.as_ref(), r.app_24h.as_ref()]
        .into_iter()
        .filter_map(|w| blocked_until(w, now))
        .max();
    match (window, daily) {
        (_, Some(d)) if window.is_none_or(|w| d >= w) => Slot::Daily { at: d },
        (Some(w), _) => Slot::Window { at: w },
        _ => Slot::Now,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn w(remaining: u64, reset: u64) -> Option<Window> {
        Some(Window {
            limit: Some(100),
            remaining: Some(remaining),
            reset: Some(reset),
        })
    }

    #[test]
    fn slots() {
        assert_eq!(next_slot(None, 10), Slot::Now);
        let mut r = RateLimit {
            window: w(3, 900),
            app_24h: None,
            user_24h: None,
        };
        assert_eq!(next_slot(Some(&r), 10), Slot::Now);
        r.window = w(0, 900);
        assert_eq!(next_slot(Some(&r), 10), Slot::Window { at: 900 });
        assert_eq!(next_slot(Some(&r), 900), Slot::Now, "reset passed");
        r.user_24h = w(0, 80_000);
        assert_eq!(next_slot(Some(&r), 10), Slot::Daily { at: 80_000 });
        assert_eq!(next_slot(Some(&r), 10).at(10), 80_000);
        r.user_24h = w(5, 80_000);
        assert_eq!(next_slot(Some(&r), 10).at(10), 900);
    }
}
