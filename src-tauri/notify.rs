//! Desktop notifications of what the queue did while the person was elsewhere.
//!
//! Contract:
//! - [`notices`] turns one run of the queue ([`composer::RunReport`]) into one notice per item
//!   that was posted, failed, held for review or may have posted; items left waiting for a
//!   rate-limit window say nothing (they are still scheduled). The body starts with the
//!   item's text (cut at [`PREVIEW_CHARS`]), so the person knows which post it is; a failure
//!   says X's or Postbridge's reason, a held item how late it was.
//! - [`show`] hands each notice to the OS (tauri-plugin-notification: on Linux a `Notify`
//!   call to the session's `org.freedesktop.Notifications` service). A notice that cannot
//!   be shown (no notification service) is reported on stderr; the queue view still has it.
//! - Nothing secret is ever in a notice: only post text, counts and X's error wording.

use composer::queue::ItemResult;
use composer::RunReport;

/// How many characters of an item's first part a notice shows.
pub const PREVIEW_CHARS: usize = 60;

/// Which outcome a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Posted (or found posted by read-back).
    Posted,
    /// Not posted: it needs the person.
    Failed,
    /// Held for review: too late to post unasked.
    Held,
    /// May have posted: check the account.
    MayHavePosted,
}

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// Its title.
    pub title: String,
    /// Its body.
    pub body: String,
}

/// The notices of one run; `text_of` gives an item's first part's text by id.
pub fn notices(report: &RunReport, text_of: impl Fn(&str) -> Option<String>) -> Vec<Notice> {
    let preview = |r: &ItemResult| {
        let text = text_of(&r.id).unwrap_or_default();
        let text = text.trim();
        let mut cut: String = text.chars().take(PREVIEW_CHARS).collect();
        if text.chars().count() > PREVIEW_CHARS {
            cut.push('…');
        }
        if cut.is_empty() {
            "(a post with media only)".to_owned()
        } else {
            format!("“{cut}”")
        }
    };
    let mut out = Vec::new();
    for r in &report.posted {
        let late = r
            .late_secs
            .filter(|s| *s >= 60)
            .map(|s| format!(" ({} late)", minutes(s)))
            .unwrap_or_default();
        let parts = r.post_ids.as_ref().map_or(0, Vec::len);
        let title = if parts > 1 {
            format!("Scheduled thread posted{late}")
        } else {
            format!("Scheduled post posted{late}")
        };
        out.push(Notice {
            kind: NoticeKind::Posted,
            title,
            body: preview(r),
        });
    }
    for r in &report.failed {
        out.push(Notice {
            kind: NoticeKind::Failed,
            title: "A scheduled post was not posted".into(),
            body: format!("{} — {}", preview(r), reason(r)),
        });
    }
    for r in &report.held {
        let late = r
            .late_secs
            .map(|s| format!("{} late", minutes(s)))
            .unwrap_or_else(|| "late".into());
        out.push(Notice {
            kind: NoticeKind::Held,
            title: "A scheduled post is held for review".into(),
            body: format!(
                "{} — {late}, so it was not posted unasked. Open the queue to post it now or reschedule it.",
                preview(r)
            ),
        });
    }
    for r in &report.unknown {
        out.push(Notice {
            kind: NoticeKind::MayHavePosted,
            title: "A scheduled post may have posted".into(),
            body: format!(
                "{} — X did not answer in time and reading the account back did not settle it. Open the queue to say whether it is on X.",
                preview(r)
            ),
        });
    }
    out
}

/// A failure's reason: the diagnosis's detail, else its kind.
fn reason(r: &ItemResult) -> String {
    let Some(e) = &r.error else {
        return "see the queue for why".into();
    };
    e["detail"]
        .as_str()
        .filter(|d| !d.is_empty())
        .or_else(|| e["kind"].as_str())
        .unwrap_or("see the queue for why")
        .to_owned()
}

/// `secs` as "N min" (at least 1) or "N h M min".
fn minutes(secs: u64) -> String {
    let m = (secs / 60).max(1);
    if m < 60 {
        format!("{m} min")
    } else {
        format!("{} h {} min", m / 60, m % 60)
    }
}

/// Shows `notices` on the desktop (module docs).
pub fn show(app: &tauri::AppHandle, notices: &[Notice]) {
    use tauri_plugin_notification::NotificationExt;
    for n in notices {
        if let Err(e) = app
            .notification()
            .builder()
            .title(&n.title)
            .body(&n.body)
            .show()
        {
            eprintln!(
                "postbridge: the notification “{}” could not be shown: {e}",
                n.title
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn result(id: &str) -> ItemResult {
        ItemResult {
            id: id.into(),
            post_ids: None,
            late_secs: None,
            error: None,
            resumed: false,
            until: None,
        }
    }

    #[test]
    fn each_outcome_that_needs_saying_gets_one_notice_naming_its_post() {
        let mut posted = result("a");
        posted.post_ids = Some(vec!["1".into(), "2".into()]);
        posted.late_secs = Some(150);
        let mut failed = result("b");
        failed.error = Some(
            serde_json::json!({"kind": "duplicate-content", "detail": "X says this is a duplicate."}),
        );
        let mut held = result("c");
        held.late_secs = Some(2 * 3600 + 5 * 60);
        let report = RunReport {
            posted: vec![posted],
            failed: vec![failed],
            held: vec![held],
            unknown: vec![result("d")],
            waiting: vec![result("e")],
        };
        let long = "x".repeat(PREVIEW_CHARS + 10);
        let text = |id: &str| {
            Some(match id {
                "a" => "Thread opener".to_owned(),
                "b" => "Same again".to_owned(),
                "c" => long.clone(),
                _ => String::new(),
            })
        };
        let n = notices(&report, text);
        let kinds: Vec<_> = n.iter().map(|n| n.kind).collect();
        assert_eq!(
            kinds,
            [
                NoticeKind::Posted,
                NoticeKind::Failed,
                NoticeKind::Held,
                NoticeKind::MayHavePosted
            ],
            "nothing for the item waiting for its rate-limit window"
        );
        assert_eq!(n[0].title, "Scheduled thread posted (2 min late)");
        assert_eq!(n[0].body, "“Thread opener”");
        assert!(
            n[1].body.contains("Same again") && n[1].body.contains("duplicate"),
            "{:?}",
            n[1]
        );
        assert!(n[2].body.contains("2 h 5 min late"), "{:?}", n[2]);
        assert!(
            n[2].body
                .contains(&format!("{}…", "x".repeat(PREVIEW_CHARS))),
            "cut: {:?}",
            n[2]
        );
        assert!(
            n[3].body.starts_with("(a post with media only)"),
            "{:?}",
            n[3]
        );
    }

    #[test]
    fn an_on_time_single_post_says_nothing_of_lateness() {
        let mut posted = result("a");
        posted.post_ids = Some(vec!["1".into()]);
        posted.late_secs = Some(20);
        let report = RunReport {
            posted: vec![posted],
            ..RunReport::default()
        };
        let n = notices(&report, |_| Some("Hello".into()));
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "Scheduled post posted");
    }
}
