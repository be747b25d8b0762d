//! The schedule-and-queue engine: posts that go out at a set time, exactly once, whoever runs
//! the queue (the app, its background mode, any number of `postbridge queue run` processes).
//!
//! Contract:
//! - **Storage.** Items live in the app's database (the [`Store`]'s file), table `queue`,
//!   created here on first use (`CREATE TABLE IF NOT EXISTS`, so an older build that does not
//!   know it still opens the database). Each item has its own *detached* draft in `drafts`
//!   (status `queued`, never the composer's current draft), which the [`Publisher`] sends, so
//!   uploads, reply chains, arm → confirm and read-back are the composer's own. The item keeps
//!   its content (text, media paths, sizes and modification times, alt texts, reply target,
//!   upload route) whatever happens: nothing is deleted, a cancelled item is only marked.
//! - **Time.** The due time is an instant plus the text it was given: an RFC 3339 time with an
//!   offset, or a zoned time (`2026-03-29T09:00:00+02:00[Europe/Berlin]`, see [`Due::local`],
//!   [`Due::next_local`]) whose wall-clock time is kept across daylight-saving changes.
//! - **States** ([`ItemState`]): `scheduled` → `posting` → `posted` | `failed` |
//!   `may-have-posted`; `scheduled` → `held` (late) or `cancelled`. A `held` or `failed` item
//!   goes back to `scheduled` by [`Queue::post_now`]; a `may-have-posted` one by
//!   [`Queue::resolve`] (the person's "It's on X" / "Post it again").
//! - **Exactly once.** A runner first takes the item's OS lock (`locks/queue-<id>.lock`, see
//!   [`Store::try_begin_publish`]; the OS drops it when the process dies; a taken lock means
//!   another runner has the item, and it is skipped at once), then claims the item
//!   in SQLite (`UPDATE … WHERE state = 'scheduled'` inside `BEGIN IMMEDIATE`), and holds
//!   both until the item is settled. A runner that finds an item `posting` holds its lock, so
//!   the runner that claimed it is gone: the item is resumed through [`Publisher::publish`],
//!   which reads armed parts back from the account's posts and never re-sends them; it ends
//!   `posted` (with the ids found) or `may-have-posted`.
//! - **Late.** An item more than its `late_limit` seconds ([`DEFAULT_LATE_LIMIT`]) past due is
//!   `held`, not posted; within the limit it is posted and `late_secs` (also the history note)
//!   says how late. [`Queue::schedule`] refuses a time already more than the limit past.
//! - **Media** are checked when scheduled ([`crate::attach`], X's limits) and again before
//!   sending: a file gone or changed (size or modification time) makes the item `failed` with
//!   an error naming the file and what changed.
//! - **Accounts.** The runner's [`Connector`] gives the client of an item's account, or a
//!   diagnosis (then the item stays `scheduled`, and the error is recorded on it).
//! - **Pacing.** The rate-limit windows seen on an account's posts are kept (`queue_limits`);
//!   while [`crate::pacing::next_slot`] says the account must wait, its items stay scheduled
//!   and the run reports them as `waiting`.
//! - Nothing here prints or depends on a GUI; every call is short except [`Queue::run_due`].

// A `Diagnosis` is returned by value, as the publisher does: it is what the run reports and
// stores, once per item.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime as Zoned};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use x_client::{Diagnosis, ErrorKind, RateLimit, UploadRoute, XClient};

use crate::cost::{thread_cost, Cost, Plan};
use crate::draft::{new_id, parse_post_ref, Draft, Part, PartStatus};
use crate::error::ComposerError;
use crate::media::attach;
use crate::pacing::{next_slot, Slot};
use crate::publish::{PublishOptions, Publisher};
use crate::store::{ArmedResolution, Store};
use crate::validate::validate;

/// How late an item may go out, by default (1 hour).
pub const DEFAULT_LATE_LIMIT: u64 = 3600;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS queue (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    username TEXT,
    draft_id TEXT NOT NULL,
    content TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    due_text TEXT NOT NULL,
    due_zone TEXT,
    state TEXT NOT NULL,
    post_ids TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    late_limit INTEGER NOT NULL DEFAULT 3600,
    late_secs INTEGER,
    claimed_by TEXT,
    claimed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS queue_due ON queue (state, due_at);
CREATE TABLE IF NOT EXISTS queue_limits (
    account TEXT PRIMARY KEY,
    rate_limit TEXT NOT NULL,
    seen_at INTEGER NOT NULL
);
";

/// Where an item is.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ItemState {
    /// Waiting for its time.
    Scheduled,
    /// Claimed by a runner that is sending it (or died sending it: the next run reads back).
    Posting,
    /// Posted; `post_ids` has every part's id.
    Posted,
    /// Not posted: it was more than its late limit past due when a runner came.
    Held,
    /// Not posted (or only partly, see `post_ids`): `error` says why.
    Failed,
    /// Sent, but the answer was lost and the read-back did not find it: check the profile.
    MayHavePosted,
    /// Cancelled by the person (kept, never sent).
    Cancelled,
}

impl ItemState {
    /// The stored and wire name (`may-have-posted` …).
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Scheduled => "scheduled",
            ItemState::Posting => "posting",
            ItemState::Posted => "posted",
            ItemState::Held => "held",
            ItemState::Failed => "failed",
            ItemState::MayHavePosted => "may-have-posted",
            ItemState::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Result<ItemState, ComposerError> {
        Ok(match s {
            "scheduled" => ItemState::Scheduled,
            "posting" => ItemState::Posting,
            "posted" => ItemState::Posted,
            "held" => ItemState::Held,
            "failed" => ItemState::Failed,
            "may-have-posted" => ItemState::MayHavePosted,
            "cancelled" => ItemState::Cancelled,
            other => {
                return Err(ComposerError::Corrupt(format!(
                    "unknown queue state {other:?}"
                )))
            }
        })
    }
}

impl std::fmt::Display for ItemState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When an item is due: the instant, the text it was given, and its IANA zone when it was
/// scheduled by wall-clock time.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The instant.
    pub at: Timestamp,
    /// The RFC 3339 text given (or, for a zoned time, RFC 9557 with the zone in brackets).
    pub text: String,
    /// The IANA zone (`Europe/Berlin`) of a wall-clock schedule.
    pub zone: Option<String>,
}

fn schedule_err(msg: impl Into<String>) -> ComposerError {
    ComposerError::Schedule(msg.into())
}

impl Due {
    /// Parses an RFC 3339 time with an offset (`2026-03-29T09:00:00+02:00`, `…Z`), or the same
    /// with an IANA zone annotation (`…+02:00[Europe/Berlin]`). A time without an offset is
    /// refused: it would be read in whatever zone the runner is in.
    pub fn parse(s: &str) -> Result<Due, ComposerError> {
        let t = s.trim();
        let bad = |e: jiff::Error| {
            schedule_err(format!(
                "{t:?} is not an RFC 3339 time with an offset (like 2026-03-29T09:00:00+02:00 or 2026-03-29T07:00:00Z): {e}"
            ))
        };
        if t.ends_with(']') {
            let z: Zoned = t.parse().map_err(bad)?;
            return Ok(Due {
                at: z.timestamp(),
                zone: z.time_zone().iana_name().map(str::to_owned),
                text: z.to_string(),
            });
        }
        let at: Timestamp = t.parse().map_err(bad)?;
        Ok(Due {
            at,
            text: t.to_owned(),
            zone: None,
        })
    }

    /// The wall-clock time `local` in zone `zone` (an IANA name). A time that does not exist
    /// (skipped by a spring-forward change) moves forward by the gap; an ambiguous one (the
    /// repeated hour in autumn) is the first of the two.
    pub fn local(local: DateTime, zone: &str) -> Result<Due, ComposerError> {
        let tz = TimeZone::get(zone)
            .map_err(|e| schedule_err(format!("unknown time zone {zone:?}: {e}")))?;
        let z = local
            .to_zoned_datetime(tz)
            .map_err(|e| schedule_err(format!("{local} in {zone}: {e}")))?;
        Ok(Due {
            at: z.timestamp(),
            text: z.to_string(),
            zone: Some(zone.to_owned()),
        })
    }

    /// The first `time` on the wall clock of `zone` after `after` (e.g. "tomorrow 09:00"
    /// asked at 10:00): the same local time whatever daylight-saving change lies between.
    pub fn next_local(after: Timestamp, time: Time, zone: &str) -> Result<Due, ComposerError> {
        let tz = TimeZone::get(zone)
            .map_err(|e| schedule_err(format!("unknown time zone {zone:?}: {e}")))?;
        let mut date = after.to_zoned_datetime(tz).date();
        for _ in 0..3 {
            let due = Due::local(date.to_datetime(time), zone)?;
            if due.at > after {
                return Ok(due);
            }
            date = date
                .tomorrow()
                .map_err(|e| schedule_err(format!("no day after {date}: {e}")))?;
        }
        Err(schedule_err(format!("no {time} after {after} in {zone}")))
    }

    /// The instant in Unix seconds.
    pub fn unix(&self) -> i64 {
        self.at.as_second()
    }
}

/// A media file of a queued part, as checked when it was scheduled.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ItemMedia {
    /// The file (absolute when it could be resolved).
    pub path: PathBuf,
    /// Alt text.
    pub alt: Option<String>,
    /// Size in bytes when scheduled.
    pub size: u64,
    /// Modification time when scheduled (nanoseconds since the Unix epoch), when known.
    pub modified_ns: Option<u64>,
}

/// One part (post) of a queued item.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ItemPart {
    /// The text.
    pub text: String,
    /// Its media.
    pub media: Vec<ItemMedia>,
}

/// What an item posts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Content {
    /// The parts: one post, or a thread.
    pub parts: Vec<ItemPart>,
    /// The post the first part replies to.
    pub reply_to: Option<String>,
    /// `auto`, `v1` or `v2`.
    pub upload_route: String,
}

/// A queued item.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Item {
    /// Its id.
    pub id: String,
    /// The account: `profile:<name>` or `user:<id>` (scheduled with the `X_*` variables).
    pub account: String,
    /// The account's `@` handle, when known.
    pub username: Option<String>,
    /// The detached draft the publisher sends.
    pub draft_id: String,
    /// What it posts.
    pub content: Content,
    /// When it is due.
    pub due: Due,
    /// Where it is.
    pub state: ItemState,
    /// Ids of the parts posted, in order.
    pub post_ids: Vec<String>,
    /// Why it failed, was held or may have posted (a diagnosis: `kind`, `detail`, …).
    pub error: Option<Value>,
    /// Seconds past due after which it is held.
    pub late_limit: u64,
    /// How late it went out (or was held), in seconds.
    pub late_secs: Option<u64>,
    /// The runner that claimed it.
    pub claimed_by: Option<String>,
    /// When it was claimed (Unix seconds).
    pub claimed_at: Option<i64>,
}

impl Item {
    /// What the item costs on `plan` (every part is one billed post).
    pub fn cost(&self, plan: Plan) -> Cost {
        thread_cost(self.content.parts.iter().map(|p| p.text.as_str()), plan)
    }
}

/// A part to schedule.
#[derive(Clone, Debug, Default)]
pub struct NewPart {
    /// The text.
    pub text: String,
    /// Media files with their alt texts.
    pub media: Vec<(PathBuf, Option<String>)>,
}

/// An item to schedule.
#[derive(Clone, Debug)]
pub struct NewItem {
    /// See [`Item::account`].
    pub account: String,
    /// The account's `@` handle, when known.
    pub username: Option<String>,
    /// One part, or a thread.
    pub parts: Vec<NewPart>,
    /// A post id or link the first part replies to.
    pub reply_to: Option<String>,
    /// The upload route.
    pub upload_route: UploadRoute,
    /// When.
    pub due: Due,
    /// Seconds late after which it is held ([`DEFAULT_LATE_LIMIT`] when `None`).
    pub late_limit: Option<u64>,
}

/// The client a runner posts an item with.
#[derive(Clone, Debug)]
pub struct Connected {
    /// The client of the item's account.
    pub client: XClient,
    /// Its `@` handle, for links.
    pub username: Option<String>,
}

/// Gives the client of an item's account (the CLI: the item's profile, or the `X_*` variables
/// checked against the item's user; the app: its account's session).
pub trait Connector {
    /// The client for `item`, or why there is none (the item then stays scheduled).
    fn connect(&self, item: &Item) -> impl Future<Output = Result<Connected, Diagnosis>> + Send;
}

/// How one item of a run ended.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ItemResult {
    /// The item.
    pub id: String,
    /// Ids of its parts posted (all of them when posted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_ids: Option<Vec<String>>,
    /// How late it went out, or was when held (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub late_secs: Option<u64>,
    /// A failure's or an unknown outcome's diagnosis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    /// `true` when the item was resumed after a runner died while sending it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resumed: bool,
    /// For an item waiting for a rate-limit window: when it opens (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
}

impl ItemResult {
    fn of(id: &str) -> ItemResult {
        ItemResult {
            id: id.to_owned(),
            post_ids: None,
            late_secs: None,
            error: None,
            resumed: false,
            until: None,
        }
    }
}

/// What [`Queue::run_due`] did (the `queue run --once --json` object).
#[derive(Serialize, Clone, Debug, Default, PartialEq)]
pub struct RunReport {
    /// Posted now (or found posted by read-back).
    pub posted: Vec<ItemResult>,
    /// Held: too late.
    pub held: Vec<ItemResult>,
    /// Failed (media changed, refused by X, no credentials for its account …).
    pub failed: Vec<ItemResult>,
    /// May have posted: check the profile.
    pub unknown: Vec<ItemResult>,
    /// Left scheduled until the account's rate-limit window opens.
    pub waiting: Vec<ItemResult>,
}

impl RunReport {
    /// For each failed item X refused as a video too long for its account (`video-too-long`,
    /// §15): the item's [`Item::account`] and the minutes X named. What the runner's caller
    /// remembers on that account, so that the composer warns with X's limit next time.
    pub fn video_limits_told(&self, queue: &Queue) -> Vec<(String, u32)> {
        self.failed
            .iter()
            .filter_map(|r| {
                let e = r.error.as_ref()?;
                if e["kind"] != "video-too-long" {
                    return None;
                }
                let minutes = x_client::video_limit_minutes(e["detail"].as_str()?)?;
                Some((queue.get(&r.id).ok()?.account, minutes))
            })
            .collect()
    }
}

/// Options of one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// The time to run at (tests); the clock when `None`.
    pub now: Option<Timestamp>,
}

impl RunOptions {
    fn now(&self) -> i64 {
        self.now.unwrap_or_else(Timestamp::now).as_second()
    }
}

/// The queue of one database (see the module docs). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Queue {
    store: Store,
    runner: String,
}

fn to_json<T: Serialize>(v: &T) -> Result<String, ComposerError> {
    serde_json::to_string(v).map_err(|e| ComposerError::Corrupt(e.to_string()))
}

fn modified_ns(meta: &std::fs::Metadata) -> Option<u64> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
}

fn diag_json(d: &Diagnosis) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

fn local_diag(kind: ErrorKind, detail: impl Into<String>) -> Diagnosis {
    Diagnosis::new(kind, None, detail)
}

fn late_of(now: i64, due: i64) -> u64 {
    u64::try_from(now.saturating_sub(due)).unwrap_or(0)
}

const COLUMNS: &str = "id, account, username, draft_id, content, due_at, due_text, due_zone, state,
                       post_ids, error, late_limit, late_secs, claimed_by, claimed_at";

fn read_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawItem> {
    Ok(RawItem {
        id: r.get(0)?,
        account: r.get(1)?,
        username: r.get(2)?,
        draft_id: r.get(3)?,
        content: r.get(4)?,
        due_at: r.get(5)?,
        due_text: r.get(6)?,
        due_zone: r.get(7)?,
        state: r.get(8)?,
        post_ids: r.get(9)?,
        error: r.get(10)?,
        late_limit: r.get(11)?,
        late_secs: r.get(12)?,
        claimed_by: r.get(13)?,
        claimed_at: r.get(14)?,
    })
}

struct RawItem {
    id: String,
    account: String,
    username: Option<String>,
    draft_id: String,
    content: String,
    due_at: i64,
    due_text: String,
    due_zone: Option<String>,
    state: String,
    post_ids: String,
    error: Option<String>,
    late_limit: i64,
    late_secs: Option<i64>,
    claimed_by: Option<String>,
    claimed_at: Option<i64>,
}

impl RawItem {
    fn item(self) -> Result<Item, ComposerError> {
        let corrupt = |e: serde_json::Error| ComposerError::Corrupt(e.to_string());
        Ok(Item {
            content: serde_json::from_str(&self.content).map_err(corrupt)?,
            due: Due {
                at: Timestamp::from_second(self.due_at)
                    .map_err(|e| ComposerError::Corrupt(e.to_string()))?,
                text: self.due_text,
                zone: self.due_zone,
            },
            state: ItemState::parse(&self.state)?,
            post_ids: serde_json::from_str(&self.post_ids).map_err(corrupt)?,
            error: self
                .error
                .map(|e| serde_json::from_str(&e))
                .transpose()
                .map_err(corrupt)?,
            late_limit: u64::try_from(self.late_limit).unwrap_or(0),
            late_secs: self.late_secs.and_then(|s| u64::try_from(s).ok()),
            id: self.id,
            account: self.account,
            username: self.username,
            draft_id: self.draft_id,
            claimed_by: self.claimed_by,
            claimed_at: self.claimed_at,
        })
    }
}

/// What a runner decided about one item under its lock.
enum Step {
    Skip,
    Held(u64),
    Send { resumed: bool },
}

impl Queue {
    /// The queue of `store`'s database (its tables are created if needed).
    pub fn new(store: Store) -> Result<Queue, ComposerError> {
        store.conn().execute_batch(SCHEMA)?;
        let runner = format!("pid:{}:{}", std::process::id(), &new_id()[..8]);
        Ok(Queue { store, runner })
    }

    /// The store it works on.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Schedules `new` (see the module docs): media checked against X's limits, the time not
    /// more than the late limit in the past (measured against `now`).
    pub fn schedule(&self, new: NewItem, now: Timestamp) -> Result<Item, ComposerError> {
        let late_limit = new.late_limit.unwrap_or(DEFAULT_LATE_LIMIT);
        let past = late_of(now.as_second(), new.due.unix());
        if past > late_limit {
            return Err(schedule_err(format!(
                "{} is {past} s in the past, more than the late limit ({late_limit} s); give a later time",
                new.due.text
            )));
        }
        if new.parts.is_empty() {
            return Err(schedule_err("nothing to schedule: no parts"));
        }
        let reply_to = match new.reply_to.as_deref() {
            None => None,
            Some(r) => Some(parse_post_ref(r).ok_or_else(|| {
                schedule_err(format!(
                    "{r:?} is not a post id or link (like https://x.com/you/status/123)"
                ))
            })?),
        };
        let mut draft = Draft::new();
        draft.account = Some(new.account.clone());
        draft.reply_to = reply_to.clone();
        draft.parts.clear();
        let mut parts = Vec::with_capacity(new.parts.len());
        for (i, p) in new.parts.iter().enumerate() {
            if p.text.trim().is_empty() && p.media.is_empty() {
                return Err(schedule_err(format!(
                    "part {} is empty: give a text or media",
                    i + 1
                )));
            }
            let mut part = Part {
                text: p.text.clone(),
                ..Part::default()
            };
            let mut media = Vec::new();
            for (path, alt) in &p.media {
                let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                let mut a = attach(&abs, &part)?;
                a.alt = alt.clone().filter(|s| !s.trim().is_empty());
                let meta = std::fs::metadata(&abs).map_err(|e| ComposerError::io(&abs, e))?;
                media.push(ItemMedia {
                    path: abs,
                    alt: a.alt.clone(),
                    size: meta.len(),
                    modified_ns: modified_ns(&meta),
                });
                part.media.push(a);
            }
            parts.push(ItemPart {
                text: p.text.clone(),
                media,
            });
            draft.parts.push(part);
        }
        if let Some(p) = validate(&draft, true).into_iter().find(|p| p.blocking) {
            return Err(schedule_err(if draft.parts.len() > 1 {
                format!("part {}: {}", p.part + 1, p.message)
            } else {
                p.message
            }));
        }
        let content = Content {
            parts,
            reply_to,
            upload_route: new.upload_route.as_str().to_owned(),
        };
        let id = new_id();
        let now_s = now.as_second();
        let body = to_json(&draft)?;
        {
            let mut conn = self.store.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO drafts (id, body, status, current, updated_at, account)
                 VALUES (?1, ?2, 'queued', 0, ?3, ?4)",
                params![draft.id, body, now_s, new.account],
            )?;
            tx.execute(
                "INSERT INTO queue (id, account, username, draft_id, content, due_at, due_text,
                                    due_zone, state, late_limit, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'scheduled', ?9, ?10, ?10)",
                params![
                    id,
                    new.account,
                    new.username,
                    draft.id,
                    to_json(&content)?,
                    new.due.unix(),
                    new.due.text,
                    new.due.zone,
                    i64::try_from(late_limit).unwrap_or(i64::MAX),
                    now_s
                ],
            )?;
            tx.commit()?;
        }
        self.get(&id)
    }

    /// One item.
    pub fn get(&self, id: &str) -> Result<Item, ComposerError> {
        let raw = self
            .store
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM queue WHERE id = ?1"),
                [id],
                read_item,
            )
            .optional()?;
        raw.ok_or_else(|| ComposerError::NoQueueItem(id.to_owned()))?
            .item()
    }

    /// Every item, by due time.
    pub fn list(&self) -> Result<Vec<Item>, ComposerError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM queue ORDER BY due_at, created_at, id"
        ))?;
        let raws = stmt
            .query_map([], read_item)?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        drop(conn);
        raws.into_iter().map(RawItem::item).collect()
    }

    /// The earliest due time of a scheduled item (Unix seconds).
    pub fn next_due(&self) -> Result<Option<i64>, ComposerError> {
        Ok(self.store.conn().query_row(
            "SELECT MIN(due_at) FROM queue WHERE state = 'scheduled'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Cancels an item that has not been sent (scheduled, held, failed or may-have-posted:
    /// the person's choice). A posting or posted item is refused with [`ComposerError::ReadOnly`].
    pub fn cancel(&self, id: &str) -> Result<Item, ComposerError> {
        self.transition(
            id,
            &["scheduled", "held", "failed", "may-have-posted"],
            "cancelled",
        )?;
        self.get(id)
    }

    /// Puts a held or failed item back in the queue, due `now` ("post now"); the next run
    /// sends it (media checked again).
    pub fn post_now(&self, id: &str, now: Timestamp) -> Result<Item, ComposerError> {
        {
            let conn = self.store.conn();
            let n = conn.execute(
                "UPDATE queue SET state = 'scheduled', due_at = ?2, due_text = ?3, due_zone = NULL,
                        late_secs = NULL, error = NULL, updated_at = ?2
                 WHERE id = ?1 AND state IN ('held', 'failed')",
                params![id, now.as_second(), now.to_string()],
            )?;
            if n == 0 {
                drop(conn);
                let item = self.get(id)?;
                return Err(ComposerError::ReadOnly(format!(
                    "the item is {}; only a held or failed item can be posted now",
                    item.state
                )));
            }
        }
        self.get(id)
    }

    /// Settles an item that "may have posted" by the person's word, for its part whose
    /// outcome is unknown ([`ArmedResolution::Posted`]: "It's on X", with the post's id or link
    /// if they have it; [`ArmedResolution::NotPosted`]: "Post it again"). The item goes back
    /// to `scheduled`, due `now`: the next run sends only what is left (nothing, when that was
    /// the last part; it then ends `posted`).
    pub fn resolve(
        &self,
        id: &str,
        resolution: ArmedResolution,
        now: Timestamp,
    ) -> Result<Item, ComposerError> {
        let item = self.get(id)?;
        if item.state != ItemState::MayHavePosted {
            return Err(ComposerError::ReadOnly(format!(
                "the item is {}; only an item that may have posted is settled this way",
                item.state
            )));
        }
        let draft = self.store.draft_by_id(&item.draft_id)?;
        let part = draft
            .parts
            .iter()
            .position(|p| matches!(p.status, PartStatus::MayHavePosted | PartStatus::Armed))
            .ok_or_else(|| {
                ComposerError::ReadOnly("no part of the item is waiting to be settled".into())
            })?;
        let resolution = match resolution {
            ArmedResolution::Posted { id: Some(r) } => ArmedResolution::Posted {
                id: Some(parse_post_ref(&r).unwrap_or(r)),
            },
            other => other,
        };
        self.store.resolve_armed(&item.draft_id, part, resolution)?;
        self.store.conn().execute(
            "UPDATE queue SET state = 'scheduled', due_at = ?2, error = NULL, late_secs = NULL,
                    updated_at = ?2
             WHERE id = ?1 AND state = 'may-have-posted'",
            params![id, now.as_second()],
        )?;
        self.get(id)
    }

    /// Moves a scheduled, held or failed item to `due`.
    pub fn reschedule(&self, id: &str, due: &Due) -> Result<Item, ComposerError> {
        {
            let conn = self.store.conn();
            let n = conn.execute(
                "UPDATE queue SET state = 'scheduled', due_at = ?2, due_text = ?3, due_zone = ?4,
                        late_secs = NULL, error = NULL
                 WHERE id = ?1 AND state IN ('scheduled', 'held', 'failed')",
                params![id, due.unix(), due.text, due.zone],
            )?;
            if n == 0 {
                drop(conn);
                let item = self.get(id)?;
                return Err(ComposerError::ReadOnly(format!(
                    "the item is {}; it cannot be rescheduled",
                    item.state
                )));
            }
        }
        self.get(id)
    }

    fn transition(&self, id: &str, from: &[&str], to: &str) -> Result<(), ComposerError> {
        let conn = self.store.conn();
        let list = from
            .iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let n = conn.execute(
            &format!("UPDATE queue SET state = ?2 WHERE id = ?1 AND state IN ({list})"),
            params![id, to],
        )?;
        drop(conn);
        if n == 0 {
            let item = self.get(id)?;
            return Err(ComposerError::ReadOnly(format!(
                "the item is {}; it cannot become {to}",
                item.state
            )));
        }
        Ok(())
    }

    /// The last rate-limit state seen on `account`'s posts.
    pub fn seen_limits(&self, account: &str) -> Result<Option<RateLimit>, ComposerError> {
        let s: Option<String> = self
            .store
            .conn()
            .query_row(
                "SELECT rate_limit FROM queue_limits WHERE account = ?1",
                [account],
                |r| r.get(0),
            )
            .optional()?;
        Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Records the rate-limit state of `account`'s latest post (best effort).
    pub fn record_limits(&self, account: &str, limits: &RateLimit, now: i64) {
        if let Ok(s) = serde_json::to_string(limits) {
            let _ = self.store.conn().execute(
                "INSERT OR REPLACE INTO queue_limits (account, rate_limit, seen_at)
                 VALUES (?1, ?2, ?3)",
                params![account, s, now],
            );
        }
    }

    /// When `account` may post next, from the windows it has seen.
    pub fn next_slot(&self, account: &str, now: i64) -> Result<Slot, ComposerError> {
        let seen = self.seen_limits(account)?;
        Ok(next_slot(seen.as_ref(), u64::try_from(now).unwrap_or(0)))
    }

    fn candidates(&self, now: i64) -> Result<Vec<String>, ComposerError> {
        let conn = self.store.conn();
        let mut stmt = conn.prepare(
            "SELECT id FROM queue WHERE (state = 'scheduled' AND due_at <= ?1) OR state = 'posting'
             ORDER BY due_at, created_at, id",
        )?;
        let ids = stmt
            .query_map([now], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    /// Sends every due item once (see the module docs) and says what became of each.
    /// Items another runner holds are left to it.
    pub async fn run_due<C: Connector + Sync>(
        &self,
        connector: &C,
        options: RunOptions,
    ) -> Result<RunReport, ComposerError> {
        let mut report = RunReport::default();
        let mut waiting: HashMap<String, u64> = HashMap::new();
        for id in self.candidates(options.now())? {
            self.run_one(&id, connector, options, &mut report, &mut waiting)
                .await?;
        }
        Ok(report)
    }

    async fn run_one<C: Connector + Sync>(
        &self,
        id: &str,
        connector: &C,
        options: RunOptions,
        report: &mut RunReport,
        waiting: &mut HashMap<String, u64>,
    ) -> Result<(), ComposerError> {
        // Cheap look first: skip what another runner settled meanwhile, without waiting on
        // its lock.
        let item = self.get(id)?;
        if !matches!(item.state, ItemState::Scheduled | ItemState::Posting) {
            return Ok(());
        }
        let _lock = match self.store.try_begin_publish(&format!("queue-{id}")) {
            Ok(g) => g,
            Err(ComposerError::Busy) => return Ok(()),
            Err(e) => return Err(e),
        };
        let now = options.now();
        let item = self.get(id)?;
        let step = self.decide(&item, now)?;
        let resumed = match step {
            Step::Skip => return Ok(()),
            Step::Held(late) => {
                let mut r = ItemResult::of(id);
                r.late_secs = Some(late);
                report.held.push(r);
                return Ok(());
            }
            Step::Send { resumed } => resumed,
        };
        if !resumed {
            if let Some(until) = waiting.get(&item.account).copied().or_else(|| {
                match self.next_slot(&item.account, now) {
                    Ok(Slot::Now) | Err(_) => None,
                    Ok(s) => Some(s.at(u64::try_from(now).unwrap_or(0))),
                }
            }) {
                waiting.insert(item.account.clone(), until);
                let mut r = ItemResult::of(id);
                r.until = Some(until);
                report.waiting.push(r);
                return Ok(());
            }
        }
        let connected = match connector.connect(&item).await {
            Ok(c) => c,
            Err(d) => {
                // Nothing was sent; the item waits for a runner with its account.
                let _ = self.store.conn().execute(
                    "UPDATE queue SET error = ?2 WHERE id = ?1",
                    params![id, to_json(&d)?],
                );
                let mut r = ItemResult::of(id);
                r.error = Some(diag_json(&d));
                r.resumed = resumed;
                report.failed.push(r);
                return Ok(());
            }
        };
        if !self.claim(&item, now, resumed)? {
            return Ok(());
        }
        let item = self.get(id)?;
        let late = late_of(now, item.due.unix());
        if let Err(d) = self.check_media(&item) {
            self.settle(id, ItemState::Failed, &[], Some(&d), Some(late))?;
            let mut r = ItemResult::of(id);
            r.error = Some(diag_json(&d));
            r.resumed = resumed;
            report.failed.push(r);
            return Ok(());
        }
        let route = item.content.upload_route.parse().unwrap_or_default();
        let publisher = Publisher::new(connected.client, self.store.clone(), item.account.clone())
            .with_username(connected.username.or(item.username.clone()));
        let result = publisher
            .publish(
                &item.draft_id,
                PublishOptions {
                    route,
                    ..PublishOptions::default()
                },
            )
            .await;
        let mut r = ItemResult::of(id);
        r.resumed = resumed;
        match result {
            Ok(p) => {
                if let Some(l) = &p.rate_limit {
                    self.record_limits(&item.account, l, now);
                }
                self.settle(id, ItemState::Posted, &p.ids, None, Some(late))?;
                self.note_history(&item.draft_id, late, resumed);
                r.post_ids = Some(p.ids);
                r.late_secs = Some(late);
                report.posted.push(r);
            }
            // Every part is confirmed with its id; only the bookkeeping after it failed (e.g.
            // a busy database while marking the draft done): the item is posted.
            Err(e) if e.posted.len() == item.content.parts.len() => {
                self.settle(id, ItemState::Posted, &e.posted, None, Some(late))?;
                self.note_history(&item.draft_id, late, resumed);
                r.post_ids = Some(e.posted);
                r.late_secs = Some(late);
                report.posted.push(r);
            }
            Err(e) => {
                if let Some(l) = &e.diagnosis.rate_limit {
                    self.record_limits(&item.account, l, now);
                }
                let state = if e.diagnosis.kind == ErrorKind::OutcomeUnknown {
                    ItemState::MayHavePosted
                } else {
                    ItemState::Failed
                };
                self.settle(id, state, &e.posted, Some(&e.diagnosis), Some(late))?;
                let mut d = diag_json(&e.diagnosis);
                if let (Some(obj), Some(link)) = (d.as_object_mut(), e.profile_link) {
                    obj.insert("profile_link".into(), Value::String(link));
                }
                r.post_ids = Some(e.posted);
                r.error = Some(d);
                if state == ItemState::MayHavePosted {
                    report.unknown.push(r);
                } else {
                    report.failed.push(r);
                }
            }
        }
        Ok(())
    }

    /// Under the item's lock: what to do with it now.
    fn decide(&self, item: &Item, now: i64) -> Result<Step, ComposerError> {
        let late = late_of(now, item.due.unix());
        match item.state {
            ItemState::Scheduled if item.due.unix() > now => Ok(Step::Skip),
            ItemState::Scheduled if late > item.late_limit => {
                Ok(self.hold(item, late, "scheduled")?)
            }
            ItemState::Scheduled => Ok(Step::Send { resumed: false }),
            ItemState::Posting => {
                // Its runner is gone (we hold its lock). Parts it armed are read back by the
                // publisher; if it sent nothing, a late item is held like any other.
                let draft = self.store.draft_by_id(&item.draft_id)?;
                let started = draft.started() || self.store.is_published(&item.draft_id)?;
                if !started && late > item.late_limit {
                    return self.hold(item, late, "posting");
                }
                Ok(Step::Send { resumed: true })
            }
            _ => Ok(Step::Skip),
        }
    }

    fn hold(&self, item: &Item, late: u64, from: &str) -> Result<Step, ComposerError> {
        let d = local_diag(
            ErrorKind::LocalError,
            format!(
                "held: {late} s past its time ({}), more than its late limit of {} s; post it now or cancel it",
                item.due.text, item.late_limit
            ),
        );
        let n = self.store.conn().execute(
            "UPDATE queue SET state = 'held', late_secs = ?3, error = ?4, updated_at = ?5
             WHERE id = ?1 AND state = ?2",
            params![
                item.id,
                from,
                i64::try_from(late).unwrap_or(i64::MAX),
                to_json(&d)?,
                Timestamp::now().as_second()
            ],
        )?;
        Ok(if n == 1 { Step::Held(late) } else { Step::Skip })
    }

    /// The atomic claim: `scheduled` → `posting` by this runner (or, resuming, re-owning a
    /// `posting` item whose runner is gone). `false` when another runner got it first.
    fn claim(&self, item: &Item, now: i64, resumed: bool) -> Result<bool, ComposerError> {
        let mut conn = self.store.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let from = if resumed { "posting" } else { "scheduled" };
        let n = tx.execute(
            "UPDATE queue SET state = 'posting', claimed_by = ?3, claimed_at = ?4, updated_at = ?4
             WHERE id = ?1 AND state = ?2",
            params![item.id, from, self.runner, now],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn settle(
        &self,
        id: &str,
        state: ItemState,
        post_ids: &[String],
        error: Option<&Diagnosis>,
        late: Option<u64>,
    ) -> Result<(), ComposerError> {
        let conn = self.store.conn();
        conn.execute_batch("PRAGMA synchronous=FULL")?;
        let result = conn.execute(
            "UPDATE queue SET state = ?2, post_ids = ?3, error = ?4, late_secs = ?5, updated_at = ?6
             WHERE id = ?1 AND state = 'posting'",
            params![
                id,
                state.as_str(),
                to_json(&post_ids)?,
                error.map(to_json).transpose()?,
                late.map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
                Timestamp::now().as_second()
            ],
        );
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
        result?;
        Ok(())
    }

    /// Adds "scheduled for …, posted N s late" to the history rows of the item's draft.
    fn note_history(&self, draft_id: &str, late: u64, resumed: bool) {
        let mut note = format!("scheduled post, sent {late} s after its time");
        if resumed {
            note.push_str(" (resumed after an interrupted run)");
        }
        let _ = self.store.conn().execute(
            "UPDATE history SET note = CASE WHEN note IS NULL OR note = '' THEN ?2
                                            ELSE note || '; ' || ?2 END
             WHERE draft_id = ?1 AND kind = 'posted'",
            params![draft_id, note],
        );
    }

    /// The media of the parts not yet posted are still the files that were scheduled.
    fn check_media(&self, item: &Item) -> Result<(), Diagnosis> {
        let draft = self
            .store
            .draft_by_id(&item.draft_id)
            .map_err(|e| local_diag(ErrorKind::LocalError, e.to_string()))?;
        let many = item.content.parts.len() > 1;
        for (i, part) in item.content.parts.iter().enumerate() {
            if draft
                .parts
                .get(i)
                .is_some_and(|p| p.status != PartStatus::Draft)
            {
                continue;
            }
            let prefix = if many {
                format!("part {}: ", i + 1)
            } else {
                String::new()
            };
            for m in &part.media {
                let name = m.path.display();
                let meta = match std::fs::metadata(&m.path) {
                    Ok(meta) => meta,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(local_diag(
                            ErrorKind::MediaInvalid,
                            format!(
                                "{prefix}{name} is gone: it was there when the post was scheduled; put it back (or reschedule without it); nothing was sent"
                            ),
                        ))
                    }
                    Err(e) => {
                        return Err(local_diag(
                            ErrorKind::LocalError,
                            format!("{prefix}cannot read {name}: {e}; nothing was sent"),
                        ))
                    }
                };
                if meta.len() != m.size {
                    return Err(local_diag(
                        ErrorKind::MediaInvalid,
                        format!(
                            "{prefix}{name} changed since the post was scheduled ({} bytes then, {} now); nothing was sent",
                            m.size,
                            meta.len()
                        ),
                    ));
                }
                if m.modified_ns.is_some() && modified_ns(&meta) != m.modified_ns {
                    return Err(local_diag(
                        ErrorKind::MediaInvalid,
                        format!(
                            "{prefix}{name} was modified since the post was scheduled (same size, newer file); nothing was sent"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};
    use jiff::{SignedDuration, ToSpan};

    fn berlin(z: &Due) -> Zoned {
        z.at.to_zoned_datetime(TimeZone::get("Europe/Berlin").unwrap())
    }

    #[test]
    fn rfc3339_needs_an_offset() {
        let d = Due::parse("2026-03-29T09:00:00+02:00").unwrap();
        assert_eq!(d.at.to_string(), "2026-03-29T07:00:00Z");
        assert_eq!(d.text, "2026-03-29T09:00:00+02:00");
        assert_eq!(d.zone, None);
        assert_eq!(
            Due::parse("2026-03-29T07:00:00Z").unwrap().at,
            Due::parse("2026-03-29T09:00:00+02:00").unwrap().at
        );
        assert!(Due::parse("2026-03-29T09:00:00").is_err());
        assert!(Due::parse("tomorrow").is_err());
        let z = Due::parse("2026-03-29T09:00:00+02:00[Europe/Berlin]").unwrap();
        assert_eq!(z.zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(z.at, d.at);
        assert_eq!(
            Due::parse(&z.text).unwrap(),
            z,
            "the stored text round-trips"
        );
    }

    /// Spring forward (2026-03-29, 02:00 → 03:00 in Berlin): a schedule made the day before
    /// for 09:00 local lands at 09:00 local, 23 hours later, not 24.
    #[test]
    fn dst_spring_forward_keeps_the_wall_clock_time() {
        let zone = "Europe/Berlin";
        let made = date(2026, 3, 28)
            .at(9, 30, 0, 0)
            .to_zoned_datetime(TimeZone::get(zone).unwrap())
            .unwrap();
        let due = Due::next_local(made.timestamp(), time(9, 0, 0, 0), zone).unwrap();
        let local = berlin(&due);
        assert_eq!(local.date(), date(2026, 3, 29));
        assert_eq!(local.time(), time(9, 0, 0, 0));
        assert_eq!(local.offset().seconds(), 2 * 3600, "CEST");
        assert_eq!(due.at.to_string(), "2026-03-29T07:00:00Z");
        assert_eq!(due.text, "2026-03-29T09:00:00+02:00[Europe/Berlin]");
        // 09:00 the day before, plus a naive 24 h, would be 10:00 local.
        let day_before = Due::local(date(2026, 3, 28).at(9, 0, 0, 0), zone).unwrap();
        assert_eq!(
            due.at.duration_since(day_before.at),
            SignedDuration::from_hours(23)
        );
        let naive = berlin(&day_before).timestamp() + 24.hours();
        assert_eq!(
            naive.to_zoned_datetime(TimeZone::get(zone).unwrap()).hour(),
            10
        );
        // The stored form parses back to the same instant and zone.
        assert_eq!(Due::parse(&due.text).unwrap(), due);
    }

    /// Fall back (2026-10-25, 03:00 → 02:00): 09:00 local the next day is 25 hours later.
    #[test]
    fn dst_fall_back_keeps_the_wall_clock_time() {
        let zone = "Europe/Berlin";
        let day_before = Due::local(date(2026, 10, 24).at(9, 0, 0, 0), zone).unwrap();
        let due = Due::next_local(day_before.at, time(9, 0, 0, 0), zone).unwrap();
        let local = berlin(&due);
        assert_eq!(
            (local.date(), local.time()),
            (date(2026, 10, 25), time(9, 0, 0, 0))
        );
        assert_eq!(local.offset().seconds(), 3600, "CET");
        assert_eq!(
            due.at.duration_since(day_before.at),
            SignedDuration::from_hours(25)
        );
        // A time in the skipped hour moves forward by the gap; the repeated hour is the first.
        let gap = Due::local(date(2026, 3, 29).at(2, 30, 0, 0), zone).unwrap();
        assert_eq!(berlin(&gap).time(), time(3, 30, 0, 0));
        let fold = Due::local(date(2026, 10, 25).at(2, 30, 0, 0), zone).unwrap();
        assert_eq!(berlin(&fold).offset().seconds(), 2 * 3600);
        assert!(Due::local(date(2026, 1, 1).at(9, 0, 0, 0), "Mars/Olympus").is_err());
    }

    fn item(at: Timestamp, text: &str) -> NewItem {
        NewItem {
            account: "profile:test".into(),
            username: Some("tester".into()),
            parts: vec![NewPart {
                text: text.into(),
                media: vec![],
            }],
            reply_to: None,
            upload_route: UploadRoute::Auto,
            due: Due {
                at,
                text: at.to_string(),
                zone: None,
            },
            late_limit: None,
        }
    }

    #[test]
    fn schedule_list_cancel_and_the_late_limit() {
        let q = Queue::new(Store::open_in_memory().unwrap()).unwrap();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let a = q.schedule(item(now + 60.seconds(), "later"), now).unwrap();
        let b = q
            .schedule(item(now - 3600.seconds(), "an hour ago is fine"), now)
            .unwrap();
        let err = q
            .schedule(item(now - 3601.seconds(), "too old"), now)
            .unwrap_err();
        assert!(matches!(err, ComposerError::Schedule(_)), "{err}");
        assert!(err.to_string().contains("late limit"), "{err}");
        let list = q.list().unwrap();
        assert_eq!(
            list.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            [b.id.as_str(), a.id.as_str()]
        );
        assert!(list.iter().all(|i| i.state == ItemState::Scheduled));
        assert_eq!(q.next_due().unwrap(), Some(b.due.unix()));
        // The queue's drafts never become the composer's current draft.
        let current = q.store().draft().unwrap();
        assert_ne!(current.id, a.draft_id);
        assert_eq!(q.cancel(&a.id).unwrap().state, ItemState::Cancelled);
        assert!(matches!(q.cancel(&a.id), Err(ComposerError::ReadOnly(_))));
        assert!(matches!(
            q.cancel("nope"),
            Err(ComposerError::NoQueueItem(_))
        ));
        assert_eq!(a.cost(Plan::PayPerUse).micros, 15_000);
    }

    struct NoAccount;
    impl Connector for NoAccount {
        async fn connect(&self, _item: &Item) -> Result<Connected, Diagnosis> {
            Err(local_diag(ErrorKind::AccountMismatch, "not this one"))
        }
    }

    #[tokio::test]
    async fn late_items_are_held_and_post_now_brings_them_back() {
        let q = Queue::new(Store::open_in_memory().unwrap()).unwrap();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let mut new = item(now, "held");
        new.late_limit = Some(60);
        let a = q.schedule(new, now).unwrap();
        let later = RunOptions {
            now: Some(now + 61.seconds()),
        };
        let r = q.run_due(&NoAccount, later).await.unwrap();
        assert_eq!(r.held.len(), 1);
        assert_eq!(r.held[0].late_secs, Some(61));
        let held = q.get(&a.id).unwrap();
        assert_eq!(held.state, ItemState::Held);
        assert!(held.error.is_some());
        // Post now: scheduled again; without its account it stays scheduled, error recorded.
        let back = q.post_now(&a.id, now + 61.seconds()).unwrap();
        assert_eq!(back.state, ItemState::Scheduled);
        let r = q.run_due(&NoAccount, later).await.unwrap();
        assert_eq!(r.failed.len(), 1);
        assert_eq!(
            r.failed[0].error.as_ref().unwrap()["kind"],
            "account-mismatch"
        );
        let still = q.get(&a.id).unwrap();
        assert_eq!(still.state, ItemState::Scheduled);
        assert!(still.error.is_some());
    }

    #[tokio::test]
    async fn an_account_out_of_posts_waits_for_its_window() {
        let q = Queue::new(Store::open_in_memory().unwrap()).unwrap();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let a = q.schedule(item(now, "paced"), now).unwrap();
        let reset = 1_800_000_600u64;
        q.record_limits(
            &a.account,
            &RateLimit {
                window: Some(x_client::Window {
                    limit: Some(100),
                    remaining: Some(0),
                    reset: Some(reset),
                }),
                app_24h: None,
                user_24h: None,
            },
            now.as_second(),
        );
        let r = q
            .run_due(&NoAccount, RunOptions { now: Some(now) })
            .await
            .unwrap();
        assert_eq!(r.waiting.len(), 1);
        assert_eq!(r.waiting[0].until, Some(reset));
        assert_eq!(q.get(&a.id).unwrap().state, ItemState::Scheduled);
    }
}
