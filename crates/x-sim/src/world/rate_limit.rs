//! Rate limiting: the per-user and per-app windows of each plan (docs/protocol.md §6.2,
//! §6.3) and the buckets that count requests in them.
//!
//! Contract: [`World::rate_limit`] counts one request against the caller's window and the
//! app's, on the virtual clock; a request over the limit is not counted. Unknown endpoints and
//! the `unlimited` plan have no limits.

use super::World;
use crate::config::Plan;

/// One window's count.
#[derive(Debug, Clone)]
pub(super) struct Bucket {
    window_start_ms: i64,
    count: u64,
}

/// `(limit, window seconds)`.
type Limit = (u64, i64);

/// Rate-limit state returned to the route layer.
#[derive(Debug, Clone, Default)]
pub struct RateInfo {
    /// `(limit, remaining, reset epoch secs)` of the per-user window.
    pub user: Option<(u64, u64, i64)>,
    /// The 24-hour app window, if the plan has one.
    pub app24: Option<(u64, u64, i64)>,
    /// The 24-hour user window, if the plan has one.
    pub user24: Option<(u64, u64, i64)>,
    /// Exceeded.
    pub exceeded: bool,
}

impl World {
    /// Per-user and per-app limits `(limit, window secs)` for `endpoint` under the plan.
    fn limits(&self, endpoint: &str) -> (Option<Limit>, Option<Limit>) {
        const M15: i64 = 900;
        const H24: i64 = 86_400;
        use Plan::*;
        let plan = self.modes.plan;
        let u = |l, w| Some((l, w));
        match (plan, endpoint) {
            (Unlimited, _) => (None, None),
            (Free, "POST /2/tweets") => (u(17, H24), u(17, H24)),
            (Basic, "POST /2/tweets") => (u(100, H24), u(1667, H24)),
            (Pro | PayPerUse, "POST /2/tweets") => (u(100, M15), u(10_000, H24)),
            (Free, "DELETE /2/tweets/:id") => (u(17, H24), u(17, H24)),
            (Basic, "DELETE /2/tweets/:id") => (u(5, M15), None),
            (_, "DELETE /2/tweets/:id") => (u(50, M15), None),
            (Free, "GET /2/users/me") => (u(25, H24), None),
            (Basic, "GET /2/users/me") => (u(250, H24), None),
            (_, "GET /2/users/me") => (u(75, M15), None),
            // User timeline. §6.3 lists only GET /2/tweets; these follow X's published
            // per-user timeline limits (Free 1, Basic 5, Pro 900 per 15 min); pay-per-use
            // takes Pro's. The per-app windows (Basic 10, Pro 1,500 per 15 min) are not
            // modelled: app windows here are 24-hour ones.
            (Free, "GET /2/users/:id/tweets") => (u(1, M15), None),
            (Basic, "GET /2/users/:id/tweets") => (u(5, M15), None),
            (_, "GET /2/users/:id/tweets") => (u(900, M15), None),
            (_, "POST /2/media/upload") => (u(500, M15), u(50_000, H24)),
            (_, "GET /2/media/upload") => (u(1000, M15), u(100_000, H24)),
            (
                _,
                "POST /2/media/upload/initialize"
                | "POST /2/media/upload/:id/append"
                | "POST /2/media/upload/:id/finalize",
            ) => (u(1875, M15), u(180_000, H24)),
            (_, "POST /2/media/metadata") => (u(500, M15), u(50_000, H24)),
            (_, "POST /1.1/media/upload.json") => (u(1875, M15), None),
            (_, "GET /1.1/media/upload.json") => (u(1000, M15), None),
            _ => (None, None),
        }
    }

    fn bump(
        &mut self,
        key: (String, String),
        limit: u64,
        window: i64,
        now: i64,
    ) -> ((u64, u64, i64), bool) {
        let b = self.buckets.entry(key).or_insert(Bucket {
            window_start_ms: now,
            count: 0,
        });
        if now >= b.window_start_ms.saturating_add(window * 1000) {
            b.window_start_ms = now;
            b.count = 0;
        }
        let exceeded = b.count >= limit;
        if !exceeded {
            b.count += 1;
        }
        let reset = b.window_start_ms.saturating_add(window * 1000) / 1000;
        ((limit, limit.saturating_sub(b.count), reset), exceeded)
    }

    /// Counts one request of `user` (account id) through app `app` at `endpoint`.
    pub fn rate_limit(&mut self, endpoint: &str, user: &str, app: &str) -> RateInfo {
        let now = self.now_ms();
        let (per_user, per_app) = self.limits(endpoint);
        let mut info = RateInfo::default();
        if let Some((l, w)) = per_user {
            let (hdr, ex) = self.bump((format!("u:{user}"), endpoint.to_string()), l, w, now);
            info.exceeded |= ex;
            if w == 86_400 {
                info.user24 = Some(hdr);
            }
            info.user = Some(hdr);
        }
        if let Some((l, w)) = per_app {
            let (hdr, ex) = self.bump((format!("a:{app}"), endpoint.to_string()), l, w, now);
            info.exceeded |= ex;
            info.app24 = Some(hdr);
            if info.user.is_none() {
                info.user = Some(hdr);
            }
        }
        info
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::Modes;

    fn limit_of(plan: Plan, endpoint: &str) -> Option<u64> {
        let mut w = World::new(
            1,
            Modes {
                plan,
                ..Modes::default()
            },
        );
        w.rate_limit(endpoint, "u", "a").user.map(|(l, _, _)| l)
    }

    #[test]
    fn plan_limits_follow_the_notes() {
        assert_eq!(limit_of(Plan::Free, "POST /2/tweets"), Some(17));
        assert_eq!(limit_of(Plan::Basic, "POST /2/tweets"), Some(100));
        assert_eq!(limit_of(Plan::Pro, "POST /2/tweets"), Some(100));
        assert_eq!(limit_of(Plan::Basic, "DELETE /2/tweets/:id"), Some(5));
        assert_eq!(limit_of(Plan::Pro, "DELETE /2/tweets/:id"), Some(50));
        assert_eq!(limit_of(Plan::Free, "GET /2/users/me"), Some(25));
        assert_eq!(limit_of(Plan::Basic, "GET /2/users/me"), Some(250));
        assert_eq!(limit_of(Plan::Pro, "GET /2/users/me"), Some(75));
        assert_eq!(
            limit_of(Plan::PayPerUse, "POST /2/media/upload/:id/append"),
            Some(1875)
        );
        assert_eq!(limit_of(Plan::Unlimited, "POST /2/tweets"), None);
        assert_eq!(limit_of(Plan::Free, "GET /2/users/:id/tweets"), Some(1));
        assert_eq!(limit_of(Plan::Basic, "GET /2/users/:id/tweets"), Some(5));
        assert_eq!(limit_of(Plan::Pro, "GET /2/users/:id/tweets"), Some(900));
        assert_eq!(
            limit_of(Plan::PayPerUse, "GET /2/users/:id/tweets"),
            Some(900)
        );
    }

    #[test]
    fn basic_delete_window_exhausts_and_app_window_is_24h() {
        let mut w = World::new(
            1,
            Modes {
                plan: Plan::Basic,
                ..Modes::default()
            },
        );
        for _ in 0..5 {
            assert!(!w.rate_limit("DELETE /2/tweets/:id", "u", "a").exceeded);
        }
        assert!(w.rate_limit("DELETE /2/tweets/:id", "u", "a").exceeded);
        // another user has its own bucket
        assert!(!w.rate_limit("DELETE /2/tweets/:id", "v", "a").exceeded);
        let info = w.rate_limit("POST /2/tweets", "u", "a");
        assert_eq!(info.app24.map(|(l, _, _)| l), Some(1667));
        assert_eq!(info.user24.map(|(l, _, _)| l), Some(100));
    }
}
