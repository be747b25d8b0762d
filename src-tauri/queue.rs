//! The app's side of scheduling: the composer's draft scheduled at a wall-clock time, the
//! queue as the page sees it, and the runner that sends due items while the app runs.
//!
//! Contract:
//! - **Storage and exactly-once** are [`composer::queue`]'s: the same `queue` table in the
//!   app's database as `postbridge queue …`, each item claimed in SQLite under its OS lock
//!   before it is sent, so the app's runner and any number of CLI runners post it once.
//! - **Scheduling** ([`schedule_current`]) takes the current draft (the id the page shows;
//!   refused when it is no longer current), copies its parts, media (with alt texts) and reply
//!   target into a queued item (media checked again by [`composer::Queue::schedule`]: a file
//!   gone or breaking X's limits is refused as [`AppError::Composer`] naming it; a time too far
//!   in the past, an empty part or a blocking problem as [`AppError::InvalidInput`]), then
//!   gives the draft up, so a fresh draft starts and the item alone owns the text. Refused for
//!   a draft with parts already sent (they would be sent again), a poll or reply settings (a
//!   queued item has neither; they would be lost), and while the draft is being posted. The
//!   item's account is `profile:<name>` of the account in use.
//! - **Time.** A `datetime-local` value (`2026-03-29T09:00`) is read in the system's IANA time
//!   zone ([`zone_name`]; the page's zone when the system names none) and stored with it, so
//!   it keeps its wall-clock time across daylight-saving changes ([`composer::Due::local`]: a
//!   time skipped by spring-forward moves on by the gap, a repeated one is the first).
//! - **Actions**: edit in the composer ([`edit_in_composer`]), cancel, reschedule, post now (a scheduled item is moved to now; a held or
//!   failed one goes back to the queue, due now) and the person's word on an item that may
//!   have posted ([`composer::Queue::resolve`]). Each wakes the runner.
//! - **The runner** ([`start_runner`]): while the app runs it calls
//!   [`composer::Queue::run_due`] with the account of each item ([`AppConnector`]: its
//!   profile's session as the composer's posting builds it, see [`crate::session`]; an item
//!   scheduled with the CLI's `X_*` variables runs on the saved profile of the same X user,
//!   else it waits for a CLI runner), then sleeps until the next due time or [`RUN_INTERVAL`]
//!   seconds, or until woken. After a run that did something, and after every action, it
//!   emits [`QueueChanged`], and also when another process (a CLI runner, `postbridge
//!   schedule`) changed the store, which it looks for every [`WATCH_INTERVAL`] while it sleeps
//!   (SQLite's `data_version`), then runs again; what a run posted, failed, held or may have
//!   posted is also a desktop notification ([`crate::notify`]). A video X refused as too
//!   long for its account (`video-too-long`, §15) leaves X's minutes on that account's
//!   profile, as the composer's Post does, so the composer warns with them.
//! - **Cost** is shown only for an account whose plan is pay-per-use; on a legacy plan and
//!   when the plan is not known there is none ([`plan_of`]).

use std::collections::HashMap;
use std::sync::Mutex;

use composer::queue::{Connected, Connector, Due, Item, ItemState, NewItem, NewPart};
use composer::{ArmedResolution, ComposerError, Draft, Queue, RunReport};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use tokio::sync::Notify;
use x_client::{Diagnosis, ErrorKind, UploadRoute};

use crate::composer::Composer;
use crate::error::AppError;
use crate::events::{QueueChangeCause, QueueChanged};
use crate::state::AppState;
use crate::views::{
    CostView, DiagnosisView, PartChoice, QueueItemView, QueueView, QueuedPartView, SlotLimit,
    SlotWait,
};

/// Longest sleep of the runner between runs (seconds).
pub const RUN_INTERVAL: u64 = 30;

/// How often the sleeping runner looks whether another process changed the store.
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// How many characters of the first part the queue view's preview shows.
const PREVIEW_CHARS: usize = 80;

/// The queue over the composer's database, opened once, and the runner's wake-up call.
#[derive(Default)]
pub struct QueueService {
    queue: Mutex<Option<Queue>>,
    wake: Notify,
}

impl QueueService {
    /// The queue in the composer's database (its tables created on first use).
    pub fn queue(&self, composer: &Composer) -> Result<Queue, AppError> {
        let mut slot = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = slot.as_ref() {
            return Ok(q.clone());
        }
        let q = Queue::new(composer.store()?)?;
        *slot = Some(q.clone());
        Ok(q)
    }

    /// Wakes the runner (an item was scheduled or changed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// A refusal of the queue as a sentence for the page: media problems are the composer's
/// (they name the file and the limit), everything else is the person's input.
pub fn refusal(err: ComposerError) -> AppError {
    match err {
        ComposerError::MediaRefused(msg) => AppError::Composer {
            message: format!("Not scheduled: {}", sentence(&msg)),
        },
        e @ ComposerError::Io { .. } => AppError::Composer {
            message: format!("Not scheduled: {}", sentence(&e.to_string())),
        },
        ComposerError::Schedule(msg) | ComposerError::ReadOnly(msg) => {
            AppError::invalid(sentence(&msg))
        }
        ComposerError::NoQueueItem(_) => {
            AppError::invalid("This queued post no longer exists; the queue was read again.")
        }
        ComposerError::Busy => AppError::invalid(
            "This draft is being posted right now (here, or by another Postbridge window or command); wait until that finishes.",
        ),
        other => other.into(),
    }
}

fn sentence(msg: &str) -> String {
    let mut chars = msg.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    let s = format!("{}{}", first.unwrap_or_default(), chars.as_str());
    if s.ends_with(['.', '!', '?']) {
        s
    } else {
        format!("{s}.")
    }
}

/// The IANA zone new times are read in: the system's, else `page` (the page's
/// `Intl.DateTimeFormat().resolvedOptions().timeZone`, when jiff could not name the system's).
pub fn zone_name(page: Option<&str>) -> Result<String, AppError> {
    let system = TimeZone::try_system()
        .ok()
        .and_then(|tz| tz.iana_name().map(str::to_owned));
    resolve_zone(system, page)
}

fn resolve_zone(system: Option<String>, page: Option<&str>) -> Result<String, AppError> {
    if let Some(z) = system.filter(|z| !z.is_empty()) {
        return Ok(z);
    }
    match page.map(str::trim).filter(|z| !z.is_empty()) {
        Some(z) if TimeZone::get(z).is_ok() => Ok(z.to_owned()),
        _ => Err(AppError::invalid(
            "Postbridge cannot tell which time zone this computer is in (set the system's time zone, or TZ to a name like Europe/Berlin).",
        )),
    }
}

/// A `datetime-local` value (`2026-03-29T09:00`, seconds optional) in `zone`.
pub fn due_local(local: &str, zone: &str) -> Result<Due, AppError> {
    let t = local.trim();
    if t.is_empty() {
        return Err(AppError::invalid("Choose a date and time."));
    }
    let dt: DateTime = t.parse().map_err(|_| {
        AppError::invalid(format!(
            "{t:?} is not a date and time (like 2026-03-29T09:00)."
        ))
    })?;
    Due::local(dt, zone).map_err(refusal)
}

/// The plan cost is shown on: pay-per-use; `Legacy` on a legacy plan; `None` when the person
/// did not say (or said "unknown").
pub fn plan_of(plan: Option<accounts::Plan>) -> Option<composer::Plan> {
    match plan? {
        accounts::Plan::PayPerUse => Some(composer::Plan::PayPerUse),
        accounts::Plan::Free | accounts::Plan::Basic | accounts::Plan::Pro => {
            Some(composer::Plan::Legacy)
        }
        accounts::Plan::Unknown => None,
    }
}

/// The cost of `texts` (one post each) to show: only on pay-per-use.
pub fn cost_of<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    plan: Option<composer::Plan>,
) -> Option<CostView> {
    match plan {
        Some(composer::Plan::PayPerUse) => {
            Some(composer::thread_cost(texts, composer::Plan::PayPerUse).into())
        }
        _ => None,
    }
}

/// The queued item for `draft`, posted from `profile` at `due` (see the module docs for what
/// is refused).
pub fn new_item(draft: &Draft, profile: &accounts::Profile, due: Due) -> Result<NewItem, AppError> {
    if draft.started() {
        return Err(AppError::invalid(
            "Part of this draft was already sent; finish it with Resume (a queued post would send those parts again).",
        ));
    }
    if draft.poll.is_some() {
        return Err(AppError::invalid(
            "A post with a poll cannot be scheduled yet; remove the poll or post it now.",
        ));
    }
    if draft.reply_settings.is_some() {
        return Err(AppError::invalid(
            "\"Who can reply\" cannot be scheduled yet; set it to everyone or post it now.",
        ));
    }
    let parts: Vec<NewPart> = draft
        .parts
        .iter()
        .map(|p| NewPart {
            text: p.text.clone(),
            media: p
                .media
                .iter()
                .map(|a| (a.path.clone(), a.alt.clone()))
                .collect(),
        })
        .collect();
    Ok(NewItem {
        account: format!("profile:{}", profile.name),
        username: profile.username.clone(),
        parts,
        reply_to: draft.reply_to.clone(),
        upload_route: UploadRoute::Auto,
        due,
        late_limit: None,
    })
}

/// Schedules the current draft `draft_id` from `profile` at `due` and starts a fresh draft
/// (blocking: SQLite and file checks). Returns the item and the new current draft.
pub fn schedule_current(
    composer: &Composer,
    queue: &Queue,
    profile: &accounts::Profile,
    draft_id: &str,
    due: Due,
    now: Timestamp,
) -> Result<(Item, Draft), AppError> {
    let store = composer.store()?;
    let _edit = composer.edit_lock();
    let draft = store.draft()?;
    if draft.id != draft_id {
        return Err(AppError::invalid(
            "The draft changed (it was posted or discarded) before it could be scheduled; nothing was scheduled.",
        ));
    }
    let item = queue
        .schedule(new_item(&draft, profile, due)?, now)
        .map_err(refusal)?;
    match store.discard_draft(&draft.id) {
        Ok(fresh) => Ok((item, fresh)),
        Err(e) => {
            // The draft is still current: take the item back, so its text is in one place.
            let _ = queue.cancel(&item.id);
            Err(refusal(e))
        }
    }
}

/// "Edit": a scheduled, held or failed item goes back into the composer as the current draft
/// (its parts, media with alt texts, reply target) and leaves the queue, so the person edits
/// it there and posts or schedules it again (blocking: SQLite and file checks). Refused while
/// the composer holds anything (nothing typed is overwritten), for an item with parts already
/// posted (they would be sent again) or one being sent. The draft is written before the item
/// is cancelled: if the cancel is refused (a runner took the item meanwhile), the empty draft
/// is put back, so the text is never in neither place. Returns the new current draft.
pub fn edit_in_composer(composer: &Composer, queue: &Queue, id: &str) -> Result<Draft, AppError> {
    let store = composer.store()?;
    let _edit = composer.edit_lock();
    let current = store.draft()?;
    let untouched = current.reply_to.is_none()
        && current.poll.is_none()
        && current.reply_settings.is_none()
        && current
            .parts
            .iter()
            .all(|p| p.text.trim().is_empty() && p.media.is_empty());
    if !untouched {
        return Err(AppError::invalid(
            "The composer has a draft in it; post, schedule or discard it first, then edit this one. Nothing was changed.",
        ));
    }
    let item = queue.get(id).map_err(refusal)?;
    if !matches!(
        item.state,
        ItemState::Scheduled | ItemState::Held | ItemState::Failed
    ) {
        return Err(AppError::invalid(format!(
            "A post that is {} cannot be edited.",
            item.state.as_str()
        )));
    }
    if !item.post_ids.is_empty() {
        return Err(AppError::invalid(
            "Part of this thread is already on X; editing it would post those parts again. Cancel it, or use Post now for the rest.",
        ));
    }
    let mut draft = current.clone();
    draft.parts = Vec::new();
    for p in &item.content.parts {
        let mut part = composer::Part {
            text: p.text.clone(),
            ..composer::Part::default()
        };
        for m in &p.media {
            let mut a = composer::attach(&m.path, &part).map_err(|e| AppError::Composer {
                message: format!("It stays in the queue: {e}"),
            })?;
            a.alt = m.alt.clone();
            part.media.push(a);
        }
        draft.parts.push(part);
    }
    if draft.parts.is_empty() {
        draft.parts.push(composer::Part::default());
    }
    draft.reply_to = item.content.reply_to.clone();
    store.save_draft(&draft)?;
    if let Err(e) = queue.cancel(id) {
        // The item stays in the queue (a runner may be sending it): the composer goes back
        // to the empty draft it had, so the text is in one place.
        let _ = store.save_draft(&current);
        return Err(refusal(e));
    }
    Ok(store.draft()?)
}

/// "Post now": a scheduled item is moved to `now`; a held or failed one goes back to the
/// queue, due `now` ([`Queue::post_now`]).
pub fn post_now(queue: &Queue, id: &str, now: Timestamp) -> Result<Item, AppError> {
    let item = queue.get(id).map_err(refusal)?;
    if item.state == ItemState::Scheduled {
        let due = Due {
            at: now,
            text: now.to_string(),
            zone: None,
        };
        return queue.reschedule(id, &due).map_err(refusal);
    }
    queue.post_now(id, now).map_err(refusal)
}

/// The person's word on an item that may have posted.
pub fn resolve(
    queue: &Queue,
    id: &str,
    choice: PartChoice,
    link: Option<String>,
    now: Timestamp,
) -> Result<Item, AppError> {
    let resolution = match choice {
        PartChoice::OnX => ArmedResolution::Posted {
            id: link.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()),
        },
        PartChoice::PostAgain => ArmedResolution::NotPosted,
    };
    queue.resolve(id, resolution, now).map_err(refusal)
}

/// The wall-clock time of `at` in `zone` (else in the system's zone) as a `datetime-local`
/// value.
fn local_text(at: Timestamp, zone: Option<&str>) -> String {
    let tz = zone
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or_else(TimeZone::system);
    at.to_zoned_datetime(tz)
        .datetime()
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

fn account_label(item: &Item) -> String {
    match item.account.strip_prefix("profile:") {
        Some(name) => name.to_owned(),
        None => item
            .username
            .as_ref()
            .map(|u| format!("@{u}"))
            .unwrap_or_else(|| item.account.clone()),
    }
}

fn post_link(username: Option<&str>, id: &str) -> String {
    match username {
        Some(u) => format!("https://x.com/{u}/status/{id}"),
        None => format!("https://x.com/i/web/status/{id}"),
    }
}

/// The page's view of `item`; `plan` is its account's (see [`plan_of`]).
pub fn item_view(item: &Item, plan: Option<composer::Plan>) -> QueueItemView {
    let first = item
        .content
        .parts
        .first()
        .map(|p| p.text.as_str())
        .unwrap_or("");
    let mut preview: String = first.chars().take(PREVIEW_CHARS).collect();
    if first.chars().count() > PREVIEW_CHARS {
        preview.push('…');
    }
    let diagnosis: Option<Diagnosis> = item
        .error
        .clone()
        .and_then(|e| serde_json::from_value(e).ok());
    let profile_link = item
        .error
        .as_ref()
        .and_then(|e| e.get("profile_link"))
        .and_then(|l| l.as_str())
        .map(str::to_owned)
        .or_else(|| {
            (item.state == ItemState::MayHavePosted)
                .then(|| item.username.as_ref().map(|u| format!("https://x.com/{u}")))
                .flatten()
        });
    let held = item.state == ItemState::Held;
    QueueItemView {
        id: item.id.clone(),
        state: item.state.into(),
        account: account_label(item),
        due_at: u32::try_from(item.due.unix()).unwrap_or(0),
        due_local: local_text(item.due.at, item.due.zone.as_deref()),
        zone: item.due.zone.clone(),
        due_text: item.due.text.clone(),
        preview,
        parts: item
            .content
            .parts
            .iter()
            .map(|p| QueuedPartView {
                text: p.text.clone(),
                media: p
                    .media
                    .iter()
                    .map(|m| {
                        m.path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    })
                    .collect(),
            })
            .collect(),
        links: item
            .post_ids
            .iter()
            .map(|id| post_link(item.username.as_deref(), id))
            .collect(),
        post_ids: item.post_ids.clone(),
        late_secs: item.late_secs.map(|l| u32::try_from(l).unwrap_or(u32::MAX)),
        late_limit: u32::try_from(item.late_limit).unwrap_or(u32::MAX),
        held_reason: if held {
            diagnosis.as_ref().map(|d| sentence(&d.detail))
        } else {
            None
        },
        diagnosis: if held {
            None
        } else {
            diagnosis.map(DiagnosisView::from)
        },
        profile_link,
        cost: cost_of(item.content.parts.iter().map(|p| p.text.as_str()), plan),
    }
}

/// The queue as the page shows it; `plans` gives each profile's plan.
pub fn queue_view(
    items: &[Item],
    plans: &HashMap<String, Option<accounts::Plan>>,
    zone: Option<String>,
    slots: &HashMap<String, composer::pacing::Slot>,
) -> QueueView {
    let mut waits: Vec<SlotWait> = slots
        .iter()
        .filter_map(|(account, slot)| {
            let (limit, at) = match *slot {
                composer::pacing::Slot::Now => return None,
                composer::pacing::Slot::Window { at } => (SlotLimit::FifteenMinutes, at),
                composer::pacing::Slot::Daily { at } => (SlotLimit::Daily, at),
            };
            let ts = Timestamp::from_second(i64::try_from(at).ok()?).ok()?;
            Some(SlotWait {
                account: account
                    .strip_prefix("profile:")
                    .unwrap_or(account)
                    .to_owned(),
                limit,
                at: u32::try_from(at).ok()?,
                at_local: local_text(ts, zone.as_deref()),
            })
        })
        .collect();
    waits.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.account.cmp(&b.account)));
    QueueView {
        waits,
        items: items
            .iter()
            .map(|i| {
                let plan = i
                    .account
                    .strip_prefix("profile:")
                    .and_then(|name| plans.get(name).copied().flatten());
                item_view(i, plan_of(plan))
            })
            .collect(),
        zone,
    }
}

/// The next slot of each account that has an upcoming item ([`Queue::next_slot`]).
pub fn slots(
    queue: &Queue,
    items: &[Item],
    now: i64,
) -> Result<HashMap<String, composer::pacing::Slot>, AppError> {
    let mut out = HashMap::new();
    for i in items.iter().filter(|i| i.state == ItemState::Scheduled) {
        if !out.contains_key(&i.account) {
            out.insert(i.account.clone(), queue.next_slot(&i.account, now)?);
        }
    }
    Ok(out)
}

/// Each saved profile's plan.
pub fn plans(
    accounts: &accounts::Accounts,
) -> Result<HashMap<String, Option<accounts::Plan>>, AppError> {
    Ok(accounts
        .book()?
        .profiles
        .into_iter()
        .map(|p| (p.name, p.plan))
        .collect())
}

/// How long the runner sleeps after a run at `now` (seconds): until `next_due`, at least 1
/// and at most [`RUN_INTERVAL`].
pub fn sleep_secs(now: i64, next_due: Option<i64>) -> u64 {
    let next = next_due.unwrap_or(i64::MAX);
    u64::try_from(next.saturating_sub(now))
        .unwrap_or(0)
        .clamp(1, RUN_INTERVAL)
}

fn diagnosis_of(err: AppError) -> Diagnosis {
    let kind = match &err {
        AppError::SignInRequired { .. } => ErrorKind::SignInRequired,
        _ => ErrorKind::LocalError,
    };
    Diagnosis::new(kind, None, err.to_string())
}

/// The app's [`Connector`]: each item's account, signed in once per run.
pub struct AppConnector<'a> {
    state: &'a AppState,
    cache: tokio::sync::Mutex<HashMap<String, Result<Connected, Diagnosis>>>,
}

impl<'a> AppConnector<'a> {
    /// A connector over the app's accounts.
    pub fn new(state: &'a AppState) -> Self {
        Self {
            state,
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    async fn resolve(&self, item: &Item) -> Result<Connected, Diagnosis> {
        let profile = self.profile_of(item).await?;
        let active = crate::session::signed_in(self.state, profile)
            .await
            .map_err(diagnosis_of)?;
        Ok(Connected {
            username: active.profile.username.clone().or(item.username.clone()),
            client: active.client,
        })
    }

    async fn profile_of(&self, item: &Item) -> Result<accounts::Profile, Diagnosis> {
        let accounts = self.state.accounts.clone();
        let account = item.account.clone();
        let username = item.username.clone();
        crate::commands::blocking(move || {
            if let Some(name) = account.strip_prefix("profile:") {
                return Ok(Ok(accounts.profile(name)?));
            }
            let Some(user) = account.strip_prefix("user:") else {
                return Ok(Err(Diagnosis::new(
                    ErrorKind::LocalError,
                    None,
                    format!("the item's account {account:?} is not known"),
                )));
            };
            let found = accounts
                .book()?
                .profiles
                .into_iter()
                .find(|p| p.user_id.as_deref() == Some(user));
            Ok(found.ok_or_else(|| {
                let who = username
                    .map(|u| format!("@{u} (user {user})"))
                    .unwrap_or_else(|| format!("user {user}"));
                Diagnosis::new(
                    ErrorKind::AccountMismatch,
                    None,
                    format!(
                        "this post was scheduled from the command line for {who}, and no account saved in Postbridge signs in as that user; run `postbridge queue run --once` with those credentials, or add the account; nothing was sent"
                    ),
                )
            }))
        })
        .await
        .map_err(diagnosis_of)?
    }
}

impl Connector for AppConnector<'_> {
    async fn connect(&self, item: &Item) -> Result<Connected, Diagnosis> {
        let mut cache = self.cache.lock().await;
        if let Some(hit) = cache.get(&item.account) {
            return hit.clone();
        }
        let r = self.resolve(item).await;
        cache.insert(item.account.clone(), r.clone());
        r
    }
}

/// One run of the due items with the app's accounts. A video X refused as too long for its
/// account (`video-too-long`, §15) teaches the account its limit, as the composer's Post does.
pub async fn run_once(state: &AppState) -> Result<RunReport, AppError> {
    let queue = state.queue.queue(&state.composer)?;
    let connector = AppConnector::new(state);
    let report = queue
        .run_due(&connector, composer::RunOptions::default())
        .await?;
    remember_video_limits(state, &queue, &report).await;
    Ok(report)
}

/// Saves the video limits X named in `report` on their accounts' profiles
/// ([`RunReport::video_limits_told`]), then reads the account in use's limit into the
/// composer. A profile that cannot be written keeps X's documented limit (the warning is
/// advice; X decides), and says so on stderr.
async fn remember_video_limits(state: &AppState, queue: &Queue, report: &RunReport) {
    let told = report.video_limits_told(queue);
    if told.is_empty() {
        return;
    }
    let accounts = state.accounts.clone();
    // Each account on its own: one that cannot be written does not keep the others'.
    let _ = crate::commands::blocking(move || {
        for (account, minutes) in told {
            if let Err(e) = accounts.remember_video_limit(&account, minutes) {
                eprintln!(
                    "postbridge: X's video limit for {account} ({minutes} minutes) could not be saved: {e}"
                );
            }
        }
        Ok(())
    })
    .await;
    crate::commands::composer::refresh_video_limit(state).await;
}

/// Tells the page the queue changed.
pub fn changed(app: &tauri::AppHandle, cause: QueueChangeCause) {
    use tauri_specta::Event;
    let _ = QueueChanged { cause }.emit(app);
}

/// Starts the runner for the app's life (see the module docs).
pub fn start_runner(app: tauri::AppHandle) {
    use tauri::Manager;
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            // Read before the run: what another process commits from here on is seen below.
            let seen = data_version(&state);
            let next = match run_once(&state).await {
                Ok(report) => {
                    if report != RunReport::default() {
                        changed(&app, QueueChangeCause::Ran);
                        let queue = state.queue.queue(&state.composer).ok();
                        let text_of = |id: &str| {
                            let item = queue.as_ref()?.get(id).ok()?;
                            item.content.parts.first().map(|p| p.text.clone())
                        };
                        crate::notify::show(&app, &crate::notify::notices(&report, text_of));
                    }
                    state
                        .queue
                        .queue(&state.composer)
                        .and_then(|q| Ok(q.next_due()?))
                        .ok()
                        .flatten()
                }
                Err(e) => {
                    eprintln!("postbridge: the queue run failed: {e}");
                    None
                }
            };
            let until = tokio::time::Instant::now()
                + std::time::Duration::from_secs(sleep_secs(Timestamp::now().as_second(), next));
            // Sleep until then, or until woken; every WATCH_INTERVAL, look whether another
            // process changed the store: then the page reads the queue again, and the runner
            // runs again (that process may have scheduled an earlier item, or sent one).
            loop {
                let left = until.saturating_duration_since(tokio::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                let woken = tokio::select! {
                    _ = tokio::time::sleep(left.min(WATCH_INTERVAL)) => false,
                    _ = state.queue.wake.notified() => true,
                };
                if data_version(&state) != seen {
                    changed(&app, QueueChangeCause::Elsewhere);
                    break;
                }
                if woken {
                    break;
                }
            }
        }
    });
}

/// The store's [`composer::Store::data_version`] (`None` when the store cannot be read).
fn data_version(state: &AppState) -> Option<i64> {
    state.composer.store().ok()?.data_version().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use composer::Store;

    fn image(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("postbridge-queue-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, testkit::samples::png(64, 48, 10)).unwrap();
        path
    }

    fn profile() -> accounts::Profile {
        let mut p = accounts::Profile::new("Work");
        p.username = Some("worker".into());
        p
    }

    /// `secs` from now, in whole seconds (the queue stores seconds).
    fn in_secs(secs: i64) -> Due {
        let at = Timestamp::from_second(Timestamp::now().as_second() + secs).unwrap();
        Due::parse(&at.to_string()).unwrap()
    }

    /// A composer over an in-memory store, and its queue.
    fn setup() -> (Composer, Queue) {
        let composer = Composer::default();
        let store = Store::open_in_memory().unwrap();
        composer.use_store(store.clone());
        (composer, Queue::new(store).unwrap())
    }

    #[test]
    fn a_local_time_is_read_in_its_zone_and_keeps_the_zone() {
        let due = due_local("2026-03-29T09:00", "Europe/Berlin").unwrap();
        assert_eq!(due.zone.as_deref(), Some("Europe/Berlin"));
        // After the spring-forward change: CEST, +02:00.
        assert_eq!(due.at.to_string(), "2026-03-29T07:00:00Z");
        assert_eq!(due.text, "2026-03-29T09:00:00+02:00[Europe/Berlin]");
        // The day before it is CET, +01:00: the same wall-clock time is 23 hours earlier.
        let before = due_local("2026-03-28T09:00", "Europe/Berlin").unwrap();
        assert_eq!(due.at.as_second() - before.at.as_second(), 23 * 3600);
        // Seconds are accepted; the view shows the time back on the zone's wall clock.
        let with_secs = due_local("2026-10-25T09:00:30", "America/New_York").unwrap();
        assert_eq!(with_secs.at.to_string(), "2026-10-25T13:00:30Z");
        assert_eq!(local_text(due.at, due.zone.as_deref()), "2026-03-29T09:00");
        for bad in ["", "tomorrow", "2026-02-30T09:00", "2026-03-29 9am"] {
            assert!(
                matches!(
                    due_local(bad, "Europe/Berlin"),
                    Err(AppError::InvalidInput { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            due_local("2026-03-29T09:00", "Mars/Olympus"),
            Err(AppError::InvalidInput { .. })
        ));
    }

    #[test]
    fn the_system_zone_wins_and_the_page_zone_is_the_fallback() {
        assert_eq!(
            resolve_zone(Some("Europe/Berlin".into()), Some("Asia/Tokyo")).unwrap(),
            "Europe/Berlin"
        );
        assert_eq!(
            resolve_zone(None, Some(" Asia/Tokyo ")).unwrap(),
            "Asia/Tokyo"
        );
        assert!(resolve_zone(None, Some("Not/AZone")).is_err());
        assert!(resolve_zone(Some(String::new()), None).is_err());
    }

    #[test]
    fn the_view_says_when_an_account_waiting_for_its_limits_can_post_next() {
        use composer::pacing::Slot;
        let at = 1_800_000_000_u64; // 2027-01-15T08:00:00Z
        let slots = HashMap::from([
            ("profile:Work".to_owned(), Slot::Window { at }),
            ("profile:Home".to_owned(), Slot::Now),
            ("profile:Night".to_owned(), Slot::Daily { at: at + 3600 }),
        ]);
        let v = queue_view(&[], &HashMap::new(), Some("Europe/Berlin".into()), &slots);
        assert_eq!(
            v.waits.len(),
            2,
            "an account that may post now waits for nothing"
        );
        assert_eq!(v.waits[0].account, "Work");
        assert_eq!(v.waits[0].limit, SlotLimit::FifteenMinutes);
        assert_eq!(v.waits[0].at_local, "2027-01-15T09:00");
        assert_eq!(v.waits[1].account, "Night");
        assert_eq!(v.waits[1].limit, SlotLimit::Daily);
    }

    #[test]
    fn edit_brings_a_queued_thread_back_into_an_empty_composer_and_out_of_the_queue() {
        let (composer, queue) = setup();
        let store = composer.store().unwrap();
        let cat = image("edit-cat.png");
        composer.attach(0, std::slice::from_ref(&cat)).unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "First, with a cat".into();
        d.parts[0].media[0].alt = Some("A cat".into());
        d.parts.push(composer::Part {
            text: "Second".into(),
            ..Default::default()
        });
        d.reply_to = Some("1234567890".into());
        store.save_draft(&d).unwrap();
        let (item, _) = schedule_current(
            &composer,
            &queue,
            &profile(),
            &d.id,
            in_secs(3600),
            Timestamp::now(),
        )
        .unwrap();

        // Something typed in the composer meanwhile is never overwritten.
        let mut typed = store.draft().unwrap();
        typed.parts[0].text = "Half a thought".into();
        store.save_draft(&typed).unwrap();
        let refused = edit_in_composer(&composer, &queue, &item.id).unwrap_err();
        assert!(
            refused.to_string().contains("has a draft in it"),
            "{refused}"
        );
        assert_eq!(store.draft().unwrap().parts[0].text, "Half a thought");
        assert_eq!(queue.get(&item.id).unwrap().state, ItemState::Scheduled);

        typed.parts[0].text.clear();
        store.save_draft(&typed).unwrap();
        let draft = edit_in_composer(&composer, &queue, &item.id).unwrap();
        assert_eq!(draft.parts.len(), 2);
        assert_eq!(draft.parts[0].text, "First, with a cat");
        assert_eq!(draft.parts[0].media.len(), 1);
        assert_eq!(draft.parts[0].media[0].alt.as_deref(), Some("A cat"));
        assert_eq!(draft.parts[1].text, "Second");
        assert_eq!(draft.reply_to.as_deref(), Some("1234567890"));
        assert_eq!(
            store.draft().unwrap().id,
            draft.id,
            "it is the current draft"
        );
        assert_eq!(queue.get(&item.id).unwrap().state, ItemState::Cancelled);
        // Only once: the item is no longer in the queue to edit.
        store.discard_draft(&draft.id).unwrap();
        assert!(edit_in_composer(&composer, &queue, &item.id).is_err());
    }

    #[test]
    fn an_item_whose_file_vanished_stays_in_the_queue_when_edited() {
        let (composer, queue) = setup();
        let store = composer.store().unwrap();
        let gone = image("edit-gone.png");
        composer.attach(0, std::slice::from_ref(&gone)).unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "Its picture will vanish".into();
        store.save_draft(&d).unwrap();
        let (item, fresh) = schedule_current(
            &composer,
            &queue,
            &profile(),
            &d.id,
            in_secs(3600),
            Timestamp::now(),
        )
        .unwrap();
        std::fs::remove_file(&gone).unwrap();
        let refused = edit_in_composer(&composer, &queue, &item.id).unwrap_err();
        assert!(
            refused.to_string().contains("stays in the queue"),
            "{refused}"
        );
        assert_eq!(queue.get(&item.id).unwrap().state, ItemState::Scheduled);
        assert_eq!(store.draft().unwrap().id, fresh.id);
    }

    #[test]
    fn a_thread_with_media_scheduled_from_the_draft_keeps_its_parts_and_a_fresh_draft_starts() {
        let (composer, queue) = setup();
        let store = composer.store().unwrap();
        let cat = image("cat.png");
        let dog = image("dog.png");
        composer.attach(0, std::slice::from_ref(&cat)).unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "Part one, see example.com".into();
        d.parts[0].media[0].alt = Some("A cat".into());
        d.parts.push(composer::Part {
            text: "Part two".into(),
            ..Default::default()
        });
        d.reply_to = Some("1234567890".into());
        store.save_draft(&d).unwrap();
        composer.attach(1, std::slice::from_ref(&dog)).unwrap();

        let now = Timestamp::now();
        let due = in_secs(2 * 3600);
        let (item, fresh) =
            schedule_current(&composer, &queue, &profile(), &d.id, due.clone(), now).unwrap();
        assert_eq!(item.state, ItemState::Scheduled);
        assert_eq!(item.account, "profile:Work");
        assert_eq!(item.due, due);
        let parts = &item.content.parts;
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].text, "Part one, see example.com");
        assert_eq!(parts[1].text, "Part two");
        assert_eq!(parts[0].media.len(), 1);
        assert_eq!(parts[0].media[0].path, std::fs::canonicalize(&cat).unwrap());
        assert_eq!(parts[0].media[0].alt.as_deref(), Some("A cat"));
        assert_eq!(parts[1].media[0].path, std::fs::canonicalize(&dog).unwrap());
        assert_eq!(item.content.reply_to.as_deref(), Some("1234567890"));
        // The item's own draft holds the parts; the composer has a fresh, empty one.
        let queued = store.draft_by_id(&item.draft_id).unwrap();
        assert_eq!(queued.parts.len(), 2);
        assert_eq!(queued.parts[1].media.len(), 1);
        assert_ne!(fresh.id, d.id);
        assert_eq!(store.draft().unwrap().id, fresh.id);
        assert!(fresh
            .parts
            .iter()
            .all(|p| p.text.is_empty() && p.media.is_empty()));

        // The view: both parts, media by name only, the cost on pay-per-use (URL + plain).
        let view = item_view(&item, Some(composer::Plan::PayPerUse));
        assert_eq!(view.parts[0].media, ["cat.png"]);
        assert_eq!(view.account, "Work");
        let cost = view.cost.unwrap();
        assert_eq!((cost.micros, cost.posts, cost.with_url), (215_000, 2, 1));
        assert_eq!(cost.dollars, "$0.215");
        assert_eq!(item_view(&item, Some(composer::Plan::Legacy)).cost, None);
        assert_eq!(item_view(&item, None).cost, None);
    }

    #[test]
    fn scheduling_refuses_what_it_would_lose_or_send_twice_and_keeps_the_draft() {
        let (composer, queue) = setup();
        let store = composer.store().unwrap();
        let now = Timestamp::now();
        let later = in_secs(3600);
        let mut d = store.draft().unwrap();
        d.parts[0].text = "Keep me".into();
        d.poll = Some(composer::PollDraft {
            options: vec!["a".into(), "b".into()],
            duration_minutes: 60,
        });
        store.save_draft(&d).unwrap();
        let err =
            schedule_current(&composer, &queue, &profile(), &d.id, later.clone(), now).unwrap_err();
        assert!(err.to_string().contains("poll"), "{err}");
        d.poll = None;
        store.save_draft(&d).unwrap();
        // Not the current draft any more (the page showed an older one).
        assert!(
            schedule_current(&composer, &queue, &profile(), "other", later.clone(), now).is_err()
        );
        // Too far in the past: the queue's own refusal, as invalid input.
        let past = in_secs(-2 * 3600);
        let err = schedule_current(&composer, &queue, &profile(), &d.id, past, now).unwrap_err();
        assert!(matches!(err, AppError::InvalidInput { .. }), "{err:?}");
        // A media file gone since it was attached: the composer's refusal, naming it.
        let gone = image("gone.png");
        composer.attach(0, std::slice::from_ref(&gone)).unwrap();
        std::fs::remove_file(&gone).unwrap();
        let err = schedule_current(&composer, &queue, &profile(), &d.id, later, now).unwrap_err();
        assert!(matches!(err, AppError::Composer { .. }), "{err:?}");
        assert!(err.to_string().contains("gone.png"), "{err}");
        // Nothing was queued and the draft, with its text, is still the current one.
        assert!(queue.list().unwrap().is_empty());
        let still = store.draft().unwrap();
        assert_eq!(still.id, d.id);
        assert_eq!(still.parts[0].text, "Keep me");
    }

    #[test]
    fn post_now_moves_a_scheduled_item_to_now_and_actions_follow_the_state() {
        let (composer, queue) = setup();
        let store = composer.store().unwrap();
        let now = Timestamp::now();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "Soon".into();
        store.save_draft(&d).unwrap();
        let due = due_local(
            &local_text(in_secs(3 * 3600).at, Some("Europe/Berlin")),
            "Europe/Berlin",
        )
        .unwrap();
        let (item, _) = schedule_current(&composer, &queue, &profile(), &d.id, due, now).unwrap();
        let moved = post_now(&queue, &item.id, now).unwrap();
        assert_eq!(moved.state, ItemState::Scheduled);
        assert_eq!(moved.due.at.as_second(), now.as_second());
        assert_eq!(queue.next_due().unwrap(), Some(now.as_second()));
        let cancelled = queue.cancel(&item.id).unwrap();
        let view = item_view(&cancelled, None);
        assert_eq!(view.state, crate::views::QueueStateView::Cancelled);
        assert!(matches!(
            post_now(&queue, &item.id, now),
            Err(AppError::InvalidInput { .. })
        ));
        assert!(matches!(
            resolve(&queue, &item.id, PartChoice::OnX, None, now),
            Err(AppError::InvalidInput { .. })
        ));
        assert!(matches!(
            post_now(&queue, "nope", now),
            Err(AppError::InvalidInput { .. })
        ));
    }

    #[test]
    fn plans_decide_whether_a_cost_is_shown() {
        assert_eq!(
            plan_of(Some(accounts::Plan::PayPerUse)),
            Some(composer::Plan::PayPerUse)
        );
        for legacy in [
            accounts::Plan::Free,
            accounts::Plan::Basic,
            accounts::Plan::Pro,
        ] {
            assert_eq!(plan_of(Some(legacy)), Some(composer::Plan::Legacy));
        }
        assert_eq!(plan_of(Some(accounts::Plan::Unknown)), None);
        assert_eq!(plan_of(None), None);
        assert_eq!(
            cost_of(["hi"], Some(composer::Plan::PayPerUse))
                .unwrap()
                .micros,
            15_000
        );
        assert_eq!(cost_of(["hi"], Some(composer::Plan::Legacy)), None);
    }

    /// The runner's path end to end against the sandbox's simulator: a thread with an image
    /// scheduled from the composer is posted once on its profile (a second run sends nothing),
    /// and items whose account the app does not have wait, with why.
    #[tokio::test]
    async fn the_runner_posts_a_due_thread_once_on_its_profile() {
        let dir = std::env::temp_dir().join(format!("postbridge-queue-run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state = AppState::new(
            std::sync::Arc::new(keychain::MemoryStore::new()),
            dir.clone(),
        );
        crate::commands::sandbox::start(&state).await.unwrap();
        let profile = state.accounts.default_profile().unwrap().unwrap();
        assert!(profile.sandbox);
        let store = Store::open_in_memory().unwrap();
        state.composer.use_store(store.clone());
        let queue = state.queue.queue(&state.composer).unwrap();

        let cat = image("run-cat.png");
        state
            .composer
            .attach(0, std::slice::from_ref(&cat))
            .unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "Scheduled, part one".into();
        d.parts.push(composer::Part {
            text: "Scheduled, part two".into(),
            ..Default::default()
        });
        store.save_draft(&d).unwrap();
        let now = Timestamp::now();
        let (item, _) =
            schedule_current(&state.composer, &queue, &profile, &d.id, in_secs(0), now).unwrap();
        let mut elsewhere = new_item(&Draft::new(), &profile, in_secs(0)).unwrap();
        elsewhere.parts[0].text = "For a removed account".into();
        elsewhere.account = "profile:Gone".into();
        let gone = queue.schedule(elsewhere.clone(), now).unwrap();
        elsewhere.account = "user:999".into();
        let stranger = queue.schedule(elsewhere, now).unwrap();

        let report = run_once(&state).await.unwrap();
        assert_eq!(report.posted.len(), 1, "{report:?}");
        assert_eq!(report.posted[0].id, item.id);
        let failed: Vec<&str> = report.failed.iter().map(|r| r.id.as_str()).collect();
        assert!(failed.contains(&gone.id.as_str()) && failed.contains(&stranger.id.as_str()));
        let sim = state.sandbox.ensure().await.unwrap();
        let posts = sim.posts();
        assert_eq!(posts.len(), 2, "{posts:?}");
        assert_eq!(posts[0].text, "Scheduled, part one");
        assert_eq!(posts[0].media_ids.len(), 1);
        assert_eq!(
            posts[1].in_reply_to_tweet_id.as_deref(),
            Some(posts[0].id.as_str())
        );

        let again = run_once(&state).await.unwrap();
        assert!(again.posted.is_empty(), "{again:?}");
        assert_eq!(sim.posts().len(), 2, "nothing is sent twice");
        let posted = item_view(&queue.get(&item.id).unwrap(), None);
        assert_eq!(posted.state, crate::views::QueueStateView::Posted);
        assert_eq!(posted.post_ids, [posts[0].id.clone(), posts[1].id.clone()]);
        assert_eq!(posted.links.len(), 2);
        // The others wait for their account, and say why.
        for (id, kind) in [
            (&gone.id, ErrorKind::LocalError),
            (&stranger.id, ErrorKind::AccountMismatch),
        ] {
            let v = item_view(&queue.get(id).unwrap(), None);
            assert_eq!(v.state, crate::views::QueueStateView::Scheduled);
            assert_eq!(v.diagnosis.map(|d| d.kind), Some(kind), "{id}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A scheduled video X refuses as too long for its account: the item fails with
    /// `video-too-long`, nothing is posted, and the account now carries X's limit — the
    /// composer warns with it, as after the composer's own Post.
    #[tokio::test]
    async fn a_queued_video_x_refuses_as_too_long_teaches_the_account_its_limit() {
        let dir =
            std::env::temp_dir().join(format!("postbridge-queue-video-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let state = AppState::new(
            std::sync::Arc::new(keychain::MemoryStore::new()),
            dir.clone(),
        );
        crate::commands::sandbox::start(&state).await.unwrap();
        let sim = state.sandbox.ensure().await.unwrap();
        assert!(sim.update_account("demo", |a| a.video_max_minutes = Some(1)));
        let profile = state.accounts.default_profile().unwrap().unwrap();
        assert_eq!(profile.video_limit_minutes, None);
        let store = Store::open_in_memory().unwrap();
        state.composer.use_store(store.clone());
        let queue = state.queue.queue(&state.composer).unwrap();
        let video = testkit::write(
            &dir,
            "talk.mp4",
            &testkit::samples::mp4_video(16 * 1024, 90, 1280, 720, false),
        );
        state
            .composer
            .attach(0, std::slice::from_ref(&video))
            .unwrap();
        let mut d = store.draft().unwrap();
        d.parts[0].text = "A scheduled talk".into();
        store.save_draft(&d).unwrap();
        let warned = |state: &AppState| {
            state
                .composer
                .problems(&store.draft().unwrap())
                .iter()
                .any(|p| p.message.contains("up to 1 minutes"))
        };
        assert!(!warned(&state), "no warning before X says anything");
        let (item, _) = schedule_current(
            &state.composer,
            &queue,
            &profile,
            &d.id,
            in_secs(0),
            Timestamp::now(),
        )
        .unwrap();

        let report = run_once(&state).await.unwrap();
        assert_eq!(report.failed.len(), 1, "{report:?}");
        assert_eq!(report.failed[0].id, item.id);
        assert!(sim.posts().iter().all(|p| p.deleted), "nothing was posted");
        let saved = state.accounts.profile(&profile.name).unwrap();
        assert_eq!(saved.video_limit_minutes, Some(1));
        // Scheduling started a fresh draft; the same video in it now warns with X's limit.
        state
            .composer
            .attach(0, std::slice::from_ref(&video))
            .unwrap();
        assert!(
            warned(&state),
            "{:?}",
            state.composer.problems(&store.draft().unwrap())
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_runner_sleeps_until_the_next_due_time_within_bounds() {
        assert_eq!(sleep_secs(100, None), RUN_INTERVAL);
        assert_eq!(sleep_secs(100, Some(110)), 10);
        assert_eq!(sleep_secs(100, Some(100)), 1);
        assert_eq!(sleep_secs(100, Some(50)), 1);
        assert_eq!(sleep_secs(100, Some(100_000)), RUN_INTERVAL);
    }
}
