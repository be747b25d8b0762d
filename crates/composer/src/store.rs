//! Drafts, publish state and history in one SQLite file.
//!
//! Contract:
//! - [`Store`] is `Clone` (an `Arc` inside) and safe to use from several threads; every call is
//!   one short transaction. The file uses WAL and a busy timeout, so a second process (the CLI)
//!   may open it too.
//! - There is one *current* draft ([`Store::draft`]); [`Store::save_draft`] makes the saved
//!   draft current and is cheap enough to call on every keystroke.
//! - Publish state is authoritative here, not in what the app saves: parts that are armed or
//!   posted are read-only (`save_draft` keeps their stored text and media), and uploaded media
//!   ids are kept per file (path + size) and overlaid on every read. Saving a draft that was
//!   already published is ignored, so a late save from the UI cannot resurrect it.
//! - Arming (docs/protocol.md §6.5) is written with `synchronous=FULL` before the post is sent, so it
//!   survives a crash or power loss; confirmation and its history row are one transaction, also
//!   `synchronous=FULL`.
//! - **One writer per draft across processes.** [`Store::begin_publish`] takes an OS file lock
//!   (`locks/<draft>.lock` beside the database; the OS drops it when a process dies, even by
//!   SIGKILL) and an in-process mark; a second publisher of the same draft, in this process or
//!   another, gets [`ComposerError::Busy`]. Arming is also conditional, inside `BEGIN
//!   IMMEDIATE`: a part another writer armed or posted is never armed again.
//! - A draft is bound to an account (profile name, [`Draft::account`]): the first one saved
//!   with it, and whichever account arms its first part. Once a part is armed the binding is
//!   fixed; it is stored apart from the body, so later saves cannot change it.
//! - While a draft is being published, the parts being sent (the snapshot taken when Post was
//!   clicked) keep their stored text and media whatever the app saves; parts added meanwhile
//!   are kept and, when the publish finishes, become a new current draft.
//! - The database and its directory are private to the user (0600 / 0700 on Unix).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use x_client::{Diagnosis, UploadCheckpoint};

use crate::draft::{Draft, Part, PartStatus};
use crate::error::ComposerError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    current INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS parts (
    draft_id TEXT NOT NULL,
    part INTEGER NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    request TEXT,
    posted_id TEXT,
    confirmation TEXT,
    armed_at INTEGER,
    posted_at INTEGER,
    PRIMARY KEY (draft_id, part)
);
CREATE TABLE IF NOT EXISTS media (
    draft_id TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_id TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    route TEXT NOT NULL,
    alt_sent TEXT,
    PRIMARY KEY (draft_id, path)
);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    draft_id TEXT,
    part INTEGER,
    excerpt TEXT NOT NULL,
    media_count INTEGER NOT NULL,
    post_id TEXT,
    link TEXT,
    diagnosis TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS drafts_current ON drafts (current);
";

/// Schema version 2: the draft's account binding and the CLI's send journal.
const SCHEMA_V2: &str = "
ALTER TABLE drafts ADD COLUMN account TEXT;
CREATE TABLE IF NOT EXISTS sends (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    request TEXT,
    armed_at INTEGER,
    posted_id TEXT,
    pid INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sends_fingerprint ON sends (account, fingerprint);
";

/// Schema version 3: checkpoints of interrupted chunked uploads (issue 15), per account and
/// file, so an upload continues after a restart with the same media id.
const SCHEMA_V3: &str = "
CREATE TABLE IF NOT EXISTS uploads (
    account TEXT NOT NULL,
    path TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account, path)
);
";

/// How often, and how long apart, a taken draft lock is tried again (about 0.3 s in all).
const LOCK_RETRIES: u32 = 12;
const LOCK_RETRY_PAUSE: Duration = Duration::from_millis(25);

/// The schema version this build writes.
const SCHEMA_VERSION: i64 = 3;

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "postbridge.sqlite3";

/// Where Postbridge keeps its data, for the app and the CLI alike: `override_dir` (the
/// `POSTBRIDGE_DATA_DIR` variable, read by `accounts::Env`) when given, else the platform's
/// data directory + `postbridge` (`~/.local/share/postbridge` on Linux).
pub fn data_dir(override_dir: Option<PathBuf>) -> PathBuf {
    override_dir.unwrap_or_else(|| {
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("postbridge")
    })
}

/// Longest excerpt kept in history (characters).
const EXCERPT_CHARS: usize = 100;

/// The composer's SQLite store (see the module docs).
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    conn: Mutex<Connection>,
    publishing: Mutex<HashSet<String>>,
    /// Drafts being published here → number of parts in the snapshot being sent.
    frozen: Mutex<HashMap<String, usize>>,
    /// The database file (None in memory): lock files live beside it.
    path: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// A history row: a posted part, or a failure with its diagnosis.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    /// Row number (increasing).
    pub seq: i64,
    /// When (Unix seconds).
    pub at: u64,
    /// Account (profile name) it was posted from.
    pub account: String,
    /// `posted` or `failed`.
    pub kind: HistoryKind,
    /// The draft it came from.
    pub draft_id: Option<String>,
    /// The part of that draft (0-based).
    pub part: Option<usize>,
    /// The start of the text.
    pub excerpt: String,
    /// Number of media files.
    pub media_count: usize,
    /// The post id (posted; `None` when X confirmed the post but its id is unknown).
    pub post_id: Option<String>,
    /// Link to the post (or, when its id is unknown, to the profile).
    pub link: Option<String>,
    /// Why it failed (failed).
    pub diagnosis: Option<Diagnosis>,
    /// Remarks, e.g. how an unknown outcome was resolved.
    pub note: Option<String>,
}

/// Kind of a [`HistoryEntry`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum HistoryKind {
    /// A part was posted.
    Posted,
    /// Publishing failed.
    Failed,
}

impl HistoryKind {
    fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Posted => "posted",
            HistoryKind::Failed => "failed",
        }
    }
}

/// How the user resolved an armed part whose outcome could not be checked automatically
/// (a post without text cannot be probed; see [`Store::resolve_armed`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum ArmedResolution {
    /// It is on X (id if the user found it): the part is marked posted.
    Posted {
        /// The post id, if known.
        id: Option<String>,
    },
    /// It is not on X: the part goes back to draft and will be sent again.
    NotPosted,
}

/// Stored publish state of one part.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PartRecord {
    pub state: PartStatus,
    pub body: Part,
    pub request: Option<serde_json::Value>,
    pub posted_id: Option<String>,
    /// When it was armed (Unix seconds).
    pub armed_at: u64,
}

/// An uploaded file remembered for reuse.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MediaRecord {
    pub size: u64,
    pub media_id: String,
    pub uploaded_at: u64,
    pub route: String,
    pub alt_sent: Option<String>,
}

/// A history row to add.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewHistory {
    pub account: String,
    pub draft_id: Option<String>,
    pub part: Option<usize>,
    pub text: String,
    pub media_count: usize,
    pub post_id: Option<String>,
    pub link: Option<String>,
    pub diagnosis: Option<Diagnosis>,
    pub note: Option<String>,
}

pub(crate) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn excerpt(text: &str) -> String {
    let t = text.trim();
    let mut out: String = t.chars().take(EXCERPT_CHARS).collect();
    if t.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn corrupt(e: impl std::fmt::Display) -> ComposerError {
    ComposerError::Corrupt(e.to_string())
}

fn status_of(s: &str) -> PartStatus {
    match s {
        "posted" => PartStatus::Posted,
        "armed" => PartStatus::Armed,
        "unknown" => PartStatus::MayHavePosted,
        _ => PartStatus::Draft,
    }
}

/// The right to publish one draft (see the module docs). Dropping it — also by a panic or
/// the process dying — releases the draft.
pub struct PublishGuard {
    store: Store,
    id: String,
    /// Held with an exclusive OS lock while the guard lives.
    _lock: Option<File>,
}

impl std::fmt::Debug for PublishGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishGuard")
            .field("draft", &self.id)
            .finish()
    }
}

impl Drop for PublishGuard {
    fn drop(&mut self) {
        self.store
            .inner
            .publishing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
        self.store
            .inner
            .frozen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

/// Makes `path` readable by its owner only (Unix); elsewhere the profile folder's rights apply.
fn make_private(path: &Path, dir: bool) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if dir { 0o700 } else { 0o600 };
        // Best effort: a file system without Unix modes keeps its own rules.
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, dir);
}

impl Store {
    /// Opens (creating if needed, with its directory) the store at `path`.
    pub fn open(path: &Path) -> Result<Store, ComposerError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| ComposerError::io(dir, e))?;
            make_private(dir, true);
        }
        let conn = Connection::open(path)?;
        make_private(path, false);
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// A store in memory (tests, previews).
    pub fn open_in_memory() -> Result<Store, ComposerError> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(conn: Connection, path: Option<PathBuf>) -> Result<Store, ComposerError> {
        let wal = path.is_some();
        conn.busy_timeout(Duration::from_secs(5))?;
        if wal {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(ComposerError::Database(format!(
                    "cannot switch the database to WAL mode (it stays in {mode})"
                )));
            }
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(ComposerError::Corrupt(format!(
                "the database has schema version {version}; this version of Postbridge knows {SCHEMA_VERSION}"
            )));
        }
        if version < SCHEMA_VERSION {
            // Two processes may open a new database at once: migrate under a write lock.
            let tx = conn.unchecked_transaction()?;
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if now < 2 {
                tx.execute_batch(SCHEMA)?;
                tx.execute_batch(SCHEMA_V2)?;
            }
            if now < 3 {
                tx.execute_batch(SCHEMA_V3)?;
            }
            if now < SCHEMA_VERSION {
                tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
            }
            tx.commit()?;
        }
        Ok(Store {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                publishing: Mutex::new(HashSet::new()),
                frozen: Mutex::new(HashMap::new()),
                path,
            }),
        })
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction (SQLite rolls
        // back), so the connection stays usable.
        self.inner.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current draft with its publish state (a new empty draft, stored, if there is none).
    pub fn draft(&self) -> Result<Draft, ComposerError> {
        let conn = self.conn();
        let id: Option<String> = conn
            .query_row(
                "SELECT id FROM drafts WHERE current = 1 AND status = 'open'
                 ORDER BY updated_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => load_draft(&conn, &id),
            None => {
                let d = Draft::new();
                write_draft(&conn, &d)?;
                Ok(d)
            }
        }
    }

    /// A stored draft by id, with its publish state.
    pub fn draft_by_id(&self, id: &str) -> Result<Draft, ComposerError> {
        load_draft(&self.conn(), id)
    }

    /// Saves `draft` and makes it the current one (see the module docs for what is kept).
    pub fn save_draft(&self, draft: &Draft) -> Result<(), ComposerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM drafts WHERE id = ?1",
                [&draft.id],
                |r| r.get(0),
            )
            .optional()?;
        if matches!(status.as_deref(), Some("published" | "discarded")) {
            return Ok(());
        }
        let frozen = self
            .inner
            .frozen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&draft.id)
            .copied();
        match frozen {
            Some(n) => {
                // The parts being sent keep their stored form; later parts are the app's.
                let mut d = draft.clone();
                let stored = load_draft(&tx, &draft.id)?;
                let mut parts: Vec<Part> = stored.parts.into_iter().take(n).collect();
                parts.extend(draft.parts.iter().skip(n).cloned());
                d.parts = parts;
                write_draft(&tx, &d)?;
            }
            None => write_draft(&tx, draft)?,
        }
        tx.commit()?;
        Ok(())
    }

    /// SQLite's `PRAGMA data_version` on this store's connection: it changes when another
    /// connection (another process: a CLI runner, `postbridge schedule`) commits to the
    /// database, and never for this store's own writes. The app polls it to notice the queue
    /// changing under it.
    pub fn data_version(&self) -> Result<i64, ComposerError> {
        let conn = self.conn();
        let v: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok(v)
    }

    /// Whether `post_id` is a post this store recorded as posted by `account` (a profile name;
    /// `None`: by any of its accounts): a reply to it from that account is a thread or a reply to
    /// oneself, which X's 2026 reply rule leaves alone. A post of another account is someone
    /// else's to X.
    pub fn posted_here(&self, post_id: &str, account: Option<&str>) -> Result<bool, ComposerError> {
        let conn = self.conn();
        let found: bool = conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM history
                           WHERE kind = 'posted' AND post_id = ?1 AND (?2 IS NULL OR account = ?2))",
            params![post_id, account],
            |r| r.get(0),
        )?;
        Ok(found)
    }

    /// History, newest first.
    pub fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ComposerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT seq, at, account, kind, draft_id, part, excerpt, media_count, post_id, link,
                    diagnosis, note
             FROM history ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([to_i64(limit as u64)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, Option<String>>(11)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, account, kind, draft_id, part, ex, media, post_id, link, diag, note) =
                row?;
            out.push(HistoryEntry {
                seq,
                at: u64::try_from(at).unwrap_or(0),
                account,
                kind: if kind == "posted" {
                    HistoryKind::Posted
                } else {
                    HistoryKind::Failed
                },
                draft_id,
                part: part.and_then(|p| usize::try_from(p).ok()),
                excerpt: ex,
                media_count: usize::try_from(media).unwrap_or(0),
                post_id,
                link,
                diagnosis: diag
                    .map(|d| serde_json::from_str(&d))
                    .transpose()
                    .map_err(corrupt)?,
                note,
            });
        }
        Ok(out)
    }

    /// Records that part `part` of `draft_id` is about to be sent by `account` with `request`
    /// (the exact `POST /2/tweets` body), durably, before it is sent (docs/protocol.md §6.5), and
    /// binds the draft to `account` if it is not bound yet. Conditional: a part already armed,
    /// "may have posted" or posted (by this or another process) is refused with
    /// [`ComposerError::Busy`]. `body` is the part as sent (it becomes read-only). Returns the
    /// arm time (Unix seconds). The publisher calls this; it is public for recovery tools and
    /// tests.
    pub fn arm_part(
        &self,
        draft_id: &str,
        part: usize,
        body: &Part,
        request: &x_client::PostRequest,
        account: &str,
    ) -> Result<u64, ComposerError> {
        let mut conn = self.conn();
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        let armed_at = now_secs();
        let result = (|| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT state FROM parts WHERE draft_id = ?1 AND part = ?2",
                    params![draft_id, to_i64(part as u64)],
                    |r| r.get(0),
                )
                .optional()?;
            if existing.is_some() {
                return Err(ComposerError::Busy);
            }
            let mut locked = body.clone();
            locked.status = PartStatus::Armed;
            locked.posted_id = None;
            tx.execute(
                "INSERT INTO parts (draft_id, part, state, body, request, armed_at)
                 VALUES (?1, ?2, 'armed', ?3, ?4, ?5)",
                params![
                    draft_id,
                    to_i64(part as u64),
                    serde_json::to_string(&locked).map_err(corrupt)?,
                    serde_json::to_string(request).map_err(corrupt)?,
                    to_i64(armed_at),
                ],
            )?;
            tx.execute(
                "UPDATE drafts SET account = ?2 WHERE id = ?1 AND account IS NULL",
                params![draft_id, account],
            )?;
            tx.commit()?;
            Ok::<u64, ComposerError>(armed_at)
        })();
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        result
    }

    /// Binds a draft that has not started (nothing armed or posted) to `account`.
    pub(crate) fn rebind_account(
        &self,
        draft_id: &str,
        account: &str,
    ) -> Result<(), ComposerError> {
        self.conn().execute(
            "UPDATE drafts SET account = ?2 WHERE id = ?1
             AND NOT EXISTS (SELECT 1 FROM parts WHERE draft_id = ?1)",
            params![draft_id, account],
        )?;
        Ok(())
    }

    /// Marks an armed part "may have posted" (its outcome could not be read back).
    pub(crate) fn mark_unknown(&self, draft_id: &str, part: usize) -> Result<(), ComposerError> {
        self.conn().execute(
            "UPDATE parts SET state = 'unknown' WHERE draft_id = ?1 AND part = ?2 AND state = 'armed'",
            params![draft_id, to_i64(part as u64)],
        )?;
        Ok(())
    }

    /// Settles, by the person's word, a part that "may have posted" (or is armed with nobody
    /// sending it): [`ArmedResolution::Posted`] ("It's on X", with the post's id or link if
    /// they have it) marks it posted; [`ArmedResolution::NotPosted`] ("Post it again") makes
    /// it a draft part again, to be sent by the next publish. Refused with
    /// [`ComposerError::Busy`] while the draft is being published.
    pub fn resolve_armed(
        &self,
        draft_id: &str,
        part: usize,
        resolution: ArmedResolution,
    ) -> Result<(), ComposerError> {
        let _guard = self.begin_publish(draft_id)?;
        let rec = self
            .part_records(draft_id)?
            .remove(&part)
            .filter(|r| matches!(r.state, PartStatus::Armed | PartStatus::MayHavePosted))
            .ok_or_else(|| {
                ComposerError::ReadOnly(format!(
                    "part {} is not waiting for a decision (it is a draft or already posted)",
                    part + 1
                ))
            })?;
        match resolution {
            ArmedResolution::NotPosted => {
                self.conn().execute(
                    "DELETE FROM parts WHERE draft_id = ?1 AND part = ?2
                     AND state IN ('armed', 'unknown')",
                    params![draft_id, to_i64(part as u64)],
                )?;
                Ok(())
            }
            ArmedResolution::Posted { id } => {
                let id = match id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(s) => Some(crate::draft::parse_post_ref(s).ok_or_else(|| {
                        ComposerError::ReadOnly(format!(
                            "{s:?} is not a post link or id (like https://x.com/you/status/123)"
                        ))
                    })?),
                };
                let account = self.draft_by_id(draft_id)?.account.unwrap_or_default();
                self.confirm(
                    draft_id,
                    part,
                    id,
                    "user",
                    NewHistory {
                        account,
                        draft_id: Some(draft_id.to_owned()),
                        part: Some(part),
                        text: rec.body.text.clone(),
                        media_count: rec.body.media.len(),
                        note: Some("marked as posted by the person (\"It's on X\")".into()),
                        ..NewHistory::default()
                    },
                )
            }
        }
    }

    /// Gives up a draft (kept in the database, no longer current) and returns the new current
    /// one. Refused while it is being published; parts that may have posted stay recorded in
    /// history as they are.
    pub fn discard_draft(&self, draft_id: &str) -> Result<Draft, ComposerError> {
        let _guard = self.begin_publish(draft_id)?;
        {
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE drafts SET status = 'discarded', current = 0, updated_at = ?2
                 WHERE id = ?1 AND status = 'open'",
                params![draft_id, to_i64(now_secs())],
            )?;
            tx.execute("DELETE FROM media WHERE draft_id = ?1", [draft_id])?;
            tx.commit()?;
        }
        self.draft()
    }

    /// Removes part `index` of a draft. Only a draft part after every part that has publish
    /// state can go (removing an earlier one would shift the parts being or already sent);
    /// the last remaining part is emptied instead. Returns the draft.
    pub fn remove_part(&self, draft_id: &str, index: usize) -> Result<Draft, ComposerError> {
        if self
            .inner
            .frozen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(draft_id)
            .is_some_and(|n| index < *n)
        {
            return Err(ComposerError::ReadOnly(format!(
                "part {} is being posted and cannot be removed now",
                index + 1
            )));
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last_recorded: Option<i64> = tx.query_row(
            "SELECT MAX(part) FROM parts WHERE draft_id = ?1",
            [draft_id],
            |r| r.get(0),
        )?;
        if last_recorded.is_some_and(|m| to_i64(index as u64) <= m) {
            return Err(ComposerError::ReadOnly(format!(
                "part {} was sent (or may have been) and cannot be removed",
                index + 1
            )));
        }
        let mut d = load_draft(&tx, draft_id)?;
        if index >= d.parts.len() {
            return Err(ComposerError::ReadOnly(format!(
                "there is no part {}",
                index + 1
            )));
        }
        if d.parts.len() == 1 {
            d.parts[0] = Part::default();
        } else {
            d.parts.remove(index);
        }
        write_draft(&tx, &d)?;
        tx.commit()?;
        drop(conn);
        self.draft_by_id(draft_id)
    }

    /// The right to publish (or settle) `draft_id`: in this process and, through an OS file
    /// lock, in every other process using this database. [`ComposerError::Busy`] when taken.
    pub fn begin_publish(&self, draft_id: &str) -> Result<PublishGuard, ComposerError> {
        self.begin_publish_tries(draft_id, LOCK_RETRIES)
    }

    /// [`Store::begin_publish`] without waiting: a taken lock is [`ComposerError::Busy`] at
    /// once (the queue's runners skip an item another runner holds; a lock that only lingers
    /// is retried by the next run).
    pub fn try_begin_publish(&self, draft_id: &str) -> Result<PublishGuard, ComposerError> {
        self.begin_publish_tries(draft_id, 0)
    }

    fn begin_publish_tries(
        &self,
        draft_id: &str,
        retries: u32,
    ) -> Result<PublishGuard, ComposerError> {
        {
            let mut set = self
                .inner
                .publishing
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if !set.insert(draft_id.to_owned()) {
                return Err(ComposerError::Busy);
            }
        }
        let mut guard = PublishGuard {
            store: self.clone(),
            id: draft_id.to_owned(),
            _lock: None,
        };
        if let Some(db) = &self.inner.path {
            let dir = db
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join("locks");
            std::fs::create_dir_all(&dir).map_err(|e| ComposerError::io(&dir, e))?;
            let name: String = draft_id
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(64)
                .collect();
            let path = dir.join(format!("{name}.lock"));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| ComposerError::io(&path, e))?;
            // A lock just released can linger for a moment: a child process being spawned
            // (the browser, a helper) shares the lock's file until it execs. So a taken lock
            // is retried briefly before the draft counts as busy.
            let mut tries = 0;
            loop {
                match file.try_lock() {
                    Ok(()) => {
                        guard._lock = Some(file);
                        break;
                    }
                    Err(std::fs::TryLockError::WouldBlock) if tries < retries => {
                        tries += 1;
                        std::thread::sleep(LOCK_RETRY_PAUSE);
                    }
                    Err(std::fs::TryLockError::WouldBlock) => return Err(ComposerError::Busy),
                    Err(std::fs::TryLockError::Error(e)) => {
                        return Err(ComposerError::io(&path, e))
                    }
                }
            }
        }
        Ok(guard)
    }

    /// Protects the first `parts` parts of a draft being published from the app's saves.
    pub(crate) fn freeze(&self, draft_id: &str, parts: usize) {
        self.inner
            .frozen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(draft_id.to_owned(), parts);
    }

    pub(crate) fn part_records(
        &self,
        draft_id: &str,
    ) -> Result<HashMap<usize, PartRecord>, ComposerError> {
        part_records(&self.conn(), draft_id)
    }

    /// Marks an armed part posted (CONFIRM) and adds its history row, in one transaction.
    pub(crate) fn confirm(
        &self,
        draft_id: &str,
        part: usize,
        posted_id: Option<String>,
        confirmation: &str,
        mut history: NewHistory,
    ) -> Result<(), ComposerError> {
        let mut conn = self.conn();
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        let result = confirm_tx(
            &mut conn,
            draft_id,
            part,
            posted_id,
            confirmation,
            &mut history,
        );
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        result
    }

    /// Forgets an armed part (its request provably created nothing).
    pub(crate) fn disarm(&self, draft_id: &str, part: usize) -> Result<(), ComposerError> {
        self.conn().execute(
            "DELETE FROM parts WHERE draft_id = ?1 AND part = ?2 AND state = 'armed'",
            params![draft_id, to_i64(part as u64)],
        )?;
        Ok(())
    }

    pub(crate) fn add_history(
        &self,
        kind: HistoryKind,
        entry: &NewHistory,
    ) -> Result<(), ComposerError> {
        insert_history(&self.conn(), kind, entry)
    }

    pub(crate) fn media_record(
        &self,
        draft_id: &str,
        path: &Path,
    ) -> Result<Option<MediaRecord>, ComposerError> {
        media_record(&self.conn(), draft_id, &path.to_string_lossy())
    }

    pub(crate) fn record_media(
        &self,
        draft_id: &str,
        path: &Path,
        rec: &MediaRecord,
    ) -> Result<(), ComposerError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO media (draft_id, path, size, media_id, uploaded_at, route,
                                           alt_sent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                draft_id,
                path.to_string_lossy(),
                to_i64(rec.size),
                rec.media_id,
                to_i64(rec.uploaded_at),
                rec.route,
                rec.alt_sent
            ],
        )?;
        Ok(())
    }

    /// The checkpoint of an interrupted chunked upload of `path` by `account`, if any (a row
    /// that no longer parses is ignored: the upload then starts again).
    pub fn upload_checkpoint(
        &self,
        account: &str,
        path: &Path,
    ) -> Result<Option<UploadCheckpoint>, ComposerError> {
        let row: Option<String> = self
            .conn()
            .query_row(
                "SELECT checkpoint FROM uploads WHERE account = ?1 AND path = ?2",
                params![account, path.to_string_lossy()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(row.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Keeps the latest checkpoint of a chunked upload (replacing the previous one).
    pub fn save_upload_checkpoint(
        &self,
        account: &str,
        path: &Path,
        cp: &UploadCheckpoint,
    ) -> Result<(), ComposerError> {
        let json = serde_json::to_string(cp)
            .map_err(|e| ComposerError::Database(format!("checkpoint: {e}")))?;
        self.conn().execute(
            "INSERT OR REPLACE INTO uploads (account, path, checkpoint, updated_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![account, path.to_string_lossy(), json, to_i64(now_secs())],
        )?;
        Ok(())
    }

    /// Forgets the checkpoint of `path` (the upload finished, or X refused the file).
    pub fn forget_upload_checkpoint(
        &self,
        account: &str,
        path: &Path,
    ) -> Result<(), ComposerError> {
        self.conn().execute(
            "DELETE FROM uploads WHERE account = ?1 AND path = ?2",
            params![account, path.to_string_lossy()],
        )?;
        Ok(())
    }

    pub(crate) fn forget_media(
        &self,
        draft_id: &str,
        paths: &[&Path],
    ) -> Result<(), ComposerError> {
        let conn = self.conn();
        for p in paths {
            conn.execute(
                "DELETE FROM media WHERE draft_id = ?1 AND path = ?2",
                params![draft_id, p.to_string_lossy()],
            )?;
        }
        Ok(())
    }

    /// Marks the draft published and starts a new current draft: empty, or holding the parts
    /// the person added after the first `sent` parts while they were being posted.
    pub(crate) fn finish(&self, draft_id: &str, sent: usize) -> Result<Draft, ComposerError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let body: Option<String> = tx
            .query_row("SELECT body FROM drafts WHERE id = ?1", [draft_id], |r| {
                r.get(0)
            })
            .optional()?;
        let stored: Option<Draft> = body.and_then(|b| serde_json::from_str(&b).ok());
        let extra: Vec<Part> = stored
            .map(|d| d.parts.into_iter().skip(sent).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !p.text.trim().is_empty() || !p.media.is_empty())
            .collect();
        tx.execute(
            "UPDATE drafts SET status = 'published', current = 0, updated_at = ?2 WHERE id = ?1",
            params![draft_id, to_i64(now_secs())],
        )?;
        let none_current: bool = tx
            .query_row(
                "SELECT COUNT(*) FROM drafts WHERE current = 1 AND status = 'open'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n == 0)?;
        let mut fresh = Draft::new();
        // Parts added during the post are always kept, media-only ones included.
        let keep = !extra.is_empty();
        if keep {
            fresh.parts = extra;
        }
        if none_current || keep {
            write_draft(&tx, &fresh)?;
        }
        tx.execute("DELETE FROM media WHERE draft_id = ?1", [draft_id])?;
        tx.commit()?;
        Ok(fresh)
    }

    pub(crate) fn is_published(&self, draft_id: &str) -> Result<bool, ComposerError> {
        let s: Option<String> = self
            .conn()
            .query_row("SELECT status FROM drafts WHERE id = ?1", [draft_id], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(s.as_deref() == Some("published"))
    }
}

fn confirm_tx(
    conn: &mut Connection,
    draft_id: &str,
    part: usize,
    posted_id: Option<String>,
    confirmation: &str,
    history: &mut NewHistory,
) -> Result<(), ComposerError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "UPDATE parts SET state = 'posted', posted_id = ?3, confirmation = ?4, posted_at = ?5
         WHERE draft_id = ?1 AND part = ?2 AND state IN ('armed', 'unknown')",
        params![
            draft_id,
            to_i64(part as u64),
            posted_id,
            confirmation,
            to_i64(now_secs())
        ],
    )?;
    if n == 0 {
        return Err(ComposerError::Database(format!(
            "part {} was posted{} but could not be recorded: it was not armed",
            part + 1,
            posted_id
                .as_deref()
                .map(|i| format!(" as {i}"))
                .unwrap_or_default()
        )));
    }
    history.post_id = posted_id;
    insert_history(&tx, HistoryKind::Posted, history)?;
    tx.commit()?;
    Ok(())
}

fn insert_history(
    conn: &Connection,
    kind: HistoryKind,
    e: &NewHistory,
) -> Result<(), ComposerError> {
    conn.execute(
        "INSERT INTO history (at, account, kind, draft_id, part, excerpt, media_count, post_id,
                              link, diagnosis, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            to_i64(now_secs()),
            e.account,
            kind.as_str(),
            e.draft_id,
            e.part.map(|p| to_i64(p as u64)),
            excerpt(&e.text),
            to_i64(e.media_count as u64),
            e.post_id,
            e.link,
            e.diagnosis
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(corrupt)?,
            e.note,
        ],
    )?;
    Ok(())
}

fn write_draft(conn: &Connection, draft: &Draft) -> Result<(), ComposerError> {
    let mut d = draft.clone();
    if d.parts.is_empty() {
        d.parts.push(Part::default());
    }
    // Publish state is not taken from the app: it is overlaid from `parts`/`media` on load.
    for p in &mut d.parts {
        p.status = PartStatus::Draft;
        p.posted_id = None;
    }
    let body = serde_json::to_string(&d).map_err(corrupt)?;
    let now = to_i64(now_secs());
    conn.execute(
        "UPDATE drafts SET current = 0 WHERE current = 1 AND id <> ?1",
        [&d.id],
    )?;
    conn.execute(
        "INSERT INTO drafts (id, body, status, current, updated_at, account)
         VALUES (?1, ?2, 'open', 1, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET body = excluded.body, current = 1,
                                       updated_at = excluded.updated_at,
                                       account = COALESCE(drafts.account, excluded.account)",
        params![d.id, body, now, d.account],
    )?;
    Ok(())
}

fn part_records(
    conn: &Connection,
    draft_id: &str,
) -> Result<HashMap<usize, PartRecord>, ComposerError> {
    let mut stmt = conn.prepare(
        "SELECT part, state, body, request, posted_id, armed_at FROM parts WHERE draft_id = ?1",
    )?;
    let rows = stmt.query_map([draft_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (part, state, body, request, posted_id, armed_at) = row?;
        let mut body: Part = serde_json::from_str(&body).map_err(corrupt)?;
        let state = status_of(&state);
        body.status = state;
        body.posted_id = posted_id.clone();
        out.insert(
            usize::try_from(part).map_err(corrupt)?,
            PartRecord {
                state,
                body,
                request: request
                    .map(|r| serde_json::from_str(&r))
                    .transpose()
                    .map_err(corrupt)?,
                posted_id,
                armed_at: armed_at.and_then(|t| u64::try_from(t).ok()).unwrap_or(0),
            },
        );
    }
    Ok(out)
}

fn media_record(
    conn: &Connection,
    draft_id: &str,
    path: &str,
) -> Result<Option<MediaRecord>, ComposerError> {
    Ok(conn
        .query_row(
            "SELECT size, media_id, uploaded_at, route, alt_sent FROM media
             WHERE draft_id = ?1 AND path = ?2",
            params![draft_id, path],
            |r| {
                Ok(MediaRecord {
                    size: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    media_id: r.get(1)?,
                    uploaded_at: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    route: r.get(3)?,
                    alt_sent: r.get(4)?,
                })
            },
        )
        .optional()?)
}

fn load_draft(conn: &Connection, id: &str) -> Result<Draft, ComposerError> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT body, account FROM drafts WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (body, account) = row.ok_or_else(|| ComposerError::NoDraft(id.to_owned()))?;
    let mut d: Draft = serde_json::from_str(&body).map_err(corrupt)?;
    d.account = account;
    let records = part_records(conn, id)?;
    if let Some(max) = records.keys().max() {
        while d.parts.len() <= *max {
            d.parts.push(Part::default());
        }
    }
    for (i, part) in d.parts.iter_mut().enumerate() {
        if let Some(rec) = records.get(&i) {
            *part = rec.body.clone();
            continue;
        }
        for a in &mut part.media {
            a.media_id = None;
            a.uploaded_at = None;
            a.route = None;
            if let Some(m) = media_record(conn, id, &a.path.to_string_lossy())? {
                if m.size == a.size {
                    a.media_id = Some(m.media_id);
                    a.uploaded_at = Some(m.uploaded_at);
                    a.route = Some(m.route);
                }
            }
        }
    }
    Ok(d)
}
