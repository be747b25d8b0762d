//! The command line's send journal: every `postbridge post` is recorded, durably, in the same
//! SQLite file as the app's drafts, so that an unknown outcome is never "fixed" by sending the
//! same post again (docs/protocol.md §6.5).
//!
//! Contract:
//! - A send is identified by its account and a *fingerprint* of what the person asked for
//!   (text, files with their sizes, alt texts, reply target), computed before anything is
//!   uploaded ([`fingerprint`]).
//! - [`Store::journal_claim`] runs inside `BEGIN IMMEDIATE`, so two processes claiming the same
//!   fingerprint at once are serialised: one gets [`Claim::Fresh`], the other sees the first's
//!   entry. An entry blocks a new identical send while it is claimed by a live process, armed
//!   (sent, outcome not recorded) or "may have posted"; `force` supersedes those of dead
//!   processes and the "may have posted" ones (the person said "post it again"), never one a
//!   live process is sending right now. A claim left by a process that died before arming
//!   sent nothing and is dropped.
//! - [`Store::journal_arm`] records the exact request with `synchronous=FULL` before it is
//!   sent; [`Store::journal_settle`] records the outcome.
//! - Liveness of a process is read from `/proc` on Linux; elsewhere every process counts as
//!   alive, so a stale entry blocks until `--force`.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::error::ComposerError;
use crate::store::{now_secs, Store};

/// State of a journal entry.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SendState {
    /// Claimed; nothing sent yet (uploads may be running).
    Claimed,
    /// `POST /2/tweets` is being (or was) sent; outcome not recorded.
    Armed,
    /// Posted (id known).
    Posted,
    /// Sent, answer lost, not found by reading back: may have posted.
    Unknown,
    /// Refused by X or locally: nothing was created.
    Failed,
    /// Replaced by a forced new send.
    Superseded,
}

impl SendState {
    fn as_str(self) -> &'static str {
        match self {
            SendState::Claimed => "claimed",
            SendState::Armed => "armed",
            SendState::Posted => "posted",
            SendState::Unknown => "unknown",
            SendState::Failed => "failed",
            SendState::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> SendState {
        match s {
            "claimed" => SendState::Claimed,
            "armed" => SendState::Armed,
            "posted" => SendState::Posted,
            "unknown" => SendState::Unknown,
            "superseded" => SendState::Superseded,
            _ => SendState::Failed,
        }
    }
}

/// One recorded send.
#[derive(Clone, Debug, PartialEq)]
pub struct SendEntry {
    /// Its number.
    pub seq: i64,
    /// State.
    pub state: SendState,
    /// The exact request, once armed.
    pub request: Option<x_client::PostRequest>,
    /// When it was armed (Unix seconds).
    pub armed_at: Option<u64>,
    /// The process that made it.
    pub pid: u32,
    /// Whether that process is still running.
    pub live: bool,
}

/// The answer of [`Store::journal_claim`].
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// A new entry: go ahead and send.
    Fresh(i64),
    /// An identical earlier send is unresolved (or being sent by a live process).
    Unresolved(SendEntry),
}

/// The fingerprint of a send request: its canonical JSON (NFC text trimmed, files with sizes,
/// alt texts, reply target), so two requests match exactly when they ask for the same post.
pub fn fingerprint(
    text: &str,
    media: &[(String, u64)],
    alts: &[String],
    reply_to: Option<&str>,
) -> String {
    serde_json::json!([
        x_client::text::normalize(text).trim(),
        media,
        alts,
        reply_to
    ])
    .to_string()
}

/// Whether process `pid` is running (see the module docs).
pub fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        // A zombie (killed, not yet reaped) is dead for our purpose.
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => !stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
            Err(_) => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

/// A `sends` row as read: seq, state, request, armed_at, pid.
type SendRow = (i64, String, Option<String>, Option<i64>, i64);

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Store {
    /// Claims a send of `fingerprint` for `account` (see the module docs).
    pub fn journal_claim(
        &self,
        account: &str,
        fingerprint: &str,
        force: bool,
    ) -> Result<Claim, ComposerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows: Vec<SendRow> = {
            let mut stmt = tx.prepare(
                "SELECT seq, state, request, armed_at, pid FROM sends
                 WHERE account = ?1 AND fingerprint = ?2
                   AND state IN ('claimed', 'armed', 'unknown') ORDER BY seq",
            )?;
            let it = stmt.query_map(params![account, fingerprint], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            it.collect::<Result<_, _>>()?
        };
        for (seq, state, request, armed_at, pid) in rows {
            let pid = u32::try_from(pid).unwrap_or(0);
            let live = process_alive(pid);
            let state = SendState::parse(&state);
            let entry = SendEntry {
                seq,
                state,
                request: request.and_then(|r| serde_json::from_str(&r).ok()),
                armed_at: armed_at.and_then(|t| u64::try_from(t).ok()),
                pid,
                live,
            };
            let dropped = match state {
                // Died before sending anything.
                SendState::Claimed if !live => Some(SendState::Failed),
                SendState::Claimed | SendState::Armed if live => None,
                _ if force => Some(SendState::Superseded),
                _ => None,
            };
            match dropped {
                Some(to) => {
                    tx.execute(
                        "UPDATE sends SET state = ?2 WHERE seq = ?1",
                        params![seq, to.as_str()],
                    )?;
                }
                None => {
                    tx.commit()?;
                    return Ok(Claim::Unresolved(entry));
                }
            }
        }
        tx.execute(
            "INSERT INTO sends (account, fingerprint, state, pid, created_at)
             VALUES (?1, ?2, 'claimed', ?3, ?4)",
            params![
                account,
                fingerprint,
                i64::from(std::process::id()),
                i64_of(now_secs())
            ],
        )?;
        let seq = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Claim::Fresh(seq))
    }

    /// Records, durably, that entry `seq` is about to send `request`. Returns the arm time.
    pub fn journal_arm(
        &self,
        seq: i64,
        request: &x_client::PostRequest,
    ) -> Result<u64, ComposerError> {
        let conn = self.conn();
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        let at = now_secs();
        let r = conn.execute(
            "UPDATE sends SET state = 'armed', request = ?2, armed_at = ?3, pid = ?4 WHERE seq = ?1",
            params![
                seq,
                serde_json::to_string(request).map_err(|e| ComposerError::Corrupt(e.to_string()))?,
                i64_of(at),
                i64::from(std::process::id())
            ],
        );
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        r?;
        Ok(at)
    }

    /// Records the outcome of entry `seq`.
    pub fn journal_settle(
        &self,
        seq: i64,
        state: SendState,
        posted_id: Option<&str>,
    ) -> Result<(), ComposerError> {
        let conn = self.conn();
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        let r = conn.execute(
            "UPDATE sends SET state = ?2, posted_id = COALESCE(?3, posted_id) WHERE seq = ?1",
            params![seq, state.as_str(), posted_id],
        );
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        r?;
        Ok(())
    }

    /// Entry `seq`, if stored.
    pub fn journal_entry(&self, seq: i64) -> Result<Option<SendEntry>, ComposerError> {
        let conn = self.conn();
        let row: Option<(String, Option<String>, Option<i64>, i64)> = conn
            .query_row(
                "SELECT state, request, armed_at, pid FROM sends WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.map(|(state, request, armed_at, pid)| {
            let pid = u32::try_from(pid).unwrap_or(0);
            SendEntry {
                seq,
                state: SendState::parse(&state),
                request: request.and_then(|r| serde_json::from_str(&r).ok()),
                armed_at: armed_at.and_then(|t| u64::try_from(t).ok()),
                pid,
                live: process_alive(pid),
            }
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn claims_block_identical_sends_until_settled_or_forced() {
        let s = Store::open_in_memory().unwrap();
        let fp = fingerprint("hi", &[], &[], None);
        assert_ne!(fp, fingerprint("hi!", &[], &[], None));
        assert_ne!(fp, fingerprint("hi", &[], &[], Some("1")));
        let Claim::Fresh(a) = s.journal_claim("me", &fp, false).unwrap() else {
            panic!("first claim")
        };
        // Same process, still claimed: blocks (this process is alive).
        assert!(matches!(
            s.journal_claim("me", &fp, false).unwrap(),
            Claim::Unresolved(SendEntry {
                state: SendState::Claimed,
                ..
            })
        ));
        // Another account is independent.
        assert!(matches!(
            s.journal_claim("other", &fp, false).unwrap(),
            Claim::Fresh(_)
        ));
        s.journal_arm(a, &x_client::PostRequest::text("hi"))
            .unwrap();
        s.journal_settle(a, SendState::Unknown, None).unwrap();
        let Claim::Unresolved(e) = s.journal_claim("me", &fp, false).unwrap() else {
            panic!("unknown blocks")
        };
        assert_eq!(e.state, SendState::Unknown);
        assert_eq!(e.request.unwrap().text, "hi");
        assert!(matches!(
            s.journal_claim("me", &fp, true).unwrap(),
            Claim::Fresh(_)
        ));
        assert_eq!(
            s.journal_entry(a).unwrap().unwrap().state,
            SendState::Superseded
        );
    }

    #[test]
    fn dead_processes_claims_are_dropped() {
        let s = Store::open_in_memory().unwrap();
        let fp = fingerprint("x", &[("/a.png".into(), 3)], &["alt".into()], None);
        {
            let c = s.conn();
            c.execute(
                "INSERT INTO sends (account, fingerprint, state, pid, created_at)
                 VALUES ('me', ?1, 'claimed', 999999999, 0)",
                [&fp],
            )
            .unwrap();
        }
        assert!(!process_alive(999_999_999));
        assert!(matches!(
            s.journal_claim("me", &fp, false).unwrap(),
            Claim::Fresh(_)
        ));
    }
}
