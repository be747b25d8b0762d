//! Publishing a draft: uploads, then each part posted as a reply chain, never twice.
//!
//! Contract of [`Publisher::publish`] (docs/protocol.md §4.2, §6.4–6.5):
//! - Only one publisher of a draft runs at a time, across processes ([`Store::begin_publish`]);
//!   a second gets a `local-error` diagnosis ("another Postbridge window or command is posting
//!   this right now"), nothing sent.
//! - The parts to send are the draft's parts when publish starts (the *snapshot*); they are
//!   read-only until it ends ([`Store`] keeps their stored form). Parts added meanwhile are
//!   kept and become the new current draft when the publish finishes.
//! - A draft bound to another account (it was started there) is refused before anything is
//!   sent: the person must choose (the app asks).
//! - Blocking [`crate::validate()`] problems of the unposted parts stop it before anything is
//!   sent.
//! - Per part: each attachment without a fresh media id is uploaded (alt text set through the
//!   upload) and its media id is stored at once, so a retry within [`MEDIA_REUSE`] reuses it;
//!   changed alt text on a reused id is re-sent. A video's subtitles
//!   ([`crate::Attachment::subtitles`]) are uploaded and associated with its media id next
//!   (again on every publish that reaches the part: associating a language again replaces its
//!   track, docs/protocol.md §8.1); a failure there stops the part before it is armed, so
//!   nothing of it is posted. Then the part is **armed** in SQLite with the
//!   exact `POST /2/tweets` request, sent **once** through [`XClient::post_armed_at`], and
//!   **confirmed** with its id and a history row in one transaction. The first part replies to
//!   `Draft::reply_to`, each later one to the previous part.
//! - A definite refusal disarms the part (nothing was created) and returns [`PublishError`]
//!   with the diagnosis; media refused as invalid are forgotten so the retry re-uploads them.
//! - **Never twice.** An unknown outcome (timeout, reset, 5xx, 2xx without id) is settled by
//!   reading the account's own posts ([`XClient::find_post`]), never by sending again. Found →
//!   confirmed with its id. Not found, or the read refused → the part becomes
//!   [`PartStatus::MayHavePosted`] and publishing stops with kind `outcome-unknown`; no later
//!   publish sends it until the person settles it ([`Store::resolve_armed`]: "It's on X" or
//!   "Post it again"). A part found armed when publish starts (the process died after arming)
//!   is settled by the same read-back.
//! - A reply is never sent to an unknown parent: when a part marked posted has no id, its id
//!   is read back first; if that fails, publishing stops and asks for the post's link.
//! - When every part is posted the draft is marked published, a new current draft is started
//!   (see above), and [`Published`] is returned. Calling publish again on it returns the same
//!   result without sending anything.
//! - Progress goes to [`PublishOptions::on_event`]; nothing is printed. Cancelling stops uploads and
//!   processing waits; a part already sent is never cancelled half-way.

// `PublishError` is returned by value by design (the app's command serialises it as is); a
// publish happens once per post, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use x_client::{
    CancellationToken, ClientError, Confirmation, Diagnosis, ErrorKind, PostRequest, Progress,
    RateLimit, RouteDecision, UploadOptions, UploadRoute, XClient,
};

use crate::draft::{parse_post_ref, Draft, Part, PartStatus};
use crate::store::{now_secs, HistoryKind, MediaRecord, NewHistory, PartRecord, Store};
use crate::validate::validate;
use crate::ComposerError;

/// How long an uploaded media id is reused (X gives 24 h; older docs 1 h — stay under both).
pub const MEDIA_REUSE: Duration = Duration::from_secs(50 * 60);

/// Progress of a publish, for the UI.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "stage", rename_all = "camelCase")]
pub enum PublishEvent {
    /// Bytes of a file acknowledged by X.
    Uploading {
        /// Part (0-based).
        part: usize,
        /// The file's path.
        file: String,
        /// Bytes sent so far.
        bytes_sent: u64,
        /// Bytes in total.
        total: u64,
    },
    /// X is processing a file (GIF, video).
    Processing {
        /// Part (0-based).
        part: usize,
        /// The file's path.
        file: String,
        /// Percent done, when X says.
        percent: Option<u8>,
    },
    /// The network is away during an upload: nothing is sent, and it goes on by itself when X
    /// answers again (the next `Uploading` event).
    Paused {
        /// Part (0-based).
        part: usize,
        /// The file's path.
        file: String,
        /// Bytes X has so far.
        bytes_sent: u64,
        /// Bytes in total.
        total: u64,
    },
    /// A video's subtitle file is being uploaded and associated with it.
    Subtitles {
        /// Part (0-based).
        part: usize,
        /// The subtitle file's name.
        file: String,
    },
    /// The part is being sent (or an earlier send is being checked).
    Posting {
        /// Part (0-based).
        part: usize,
    },
    /// The part is posted.
    Posted {
        /// Part (0-based).
        part: usize,
        /// Its id (`None` when X confirmed it but the id could not be read).
        id: Option<String>,
    },
}

/// A published draft.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Published {
    /// Post ids in thread order (parts whose id is unknown are left out; see `id_unknown`).
    pub ids: Vec<String>,
    /// Links to the posts, in the same order.
    pub links: Vec<String>,
    /// Rate-limit state after the last post sent in this call.
    pub rate_limit: Option<RateLimit>,
    /// A route decision for the account to remember (from an upload's Auto route).
    pub route_decision: Option<RouteDecision>,
    /// Parts (0-based) marked posted by the person without a link (their id is unknown).
    pub id_unknown: Vec<usize>,
}

/// Why a publish stopped.
#[derive(Serialize, Clone, Debug, PartialEq, thiserror::Error)]
#[error("part {} was not posted: {}", .part + 1, .diagnosis.detail)]
pub struct PublishError {
    /// The part (0-based) that failed; earlier parts are posted.
    pub part: usize,
    /// Kind, cause, fix and wizard step.
    pub diagnosis: Diagnosis,
    /// Ids of the parts posted so far, in order.
    pub posted: Vec<String>,
    /// A route decision to remember even though publishing failed.
    pub route_decision: Option<RouteDecision>,
    /// For kind `outcome-unknown`: the profile to check (`https://x.com/<username>`).
    pub profile_link: Option<String>,
}

/// A progress callback of [`Publisher::publish`].
pub type EventFn = Arc<dyn Fn(PublishEvent) + Send + Sync>;

/// How one [`Publisher::publish`] runs. `Default`: the Auto route, no remembered route
/// decision, no progress callback, not cancellable.
#[derive(Clone, Default)]
pub struct PublishOptions {
    /// The upload route for the draft's media (default Auto).
    pub route: UploadRoute,
    /// The account's remembered route decision (Auto uses it while fresh).
    pub remembered: Option<RouteDecision>,
    /// Progress: uploading, processing, posting, posted.
    pub on_event: Option<EventFn>,
    /// Cancels uploads and processing waits (a part already sent is never cancelled half-way).
    pub cancel: Option<CancellationToken>,
}

impl std::fmt::Debug for PublishOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishOptions")
            .field("route", &self.route)
            .field("remembered", &self.remembered)
            .finish_non_exhaustive()
    }
}

/// Publishes drafts of one account (see the module docs).
#[derive(Clone, Debug)]
pub struct Publisher {
    client: XClient,
    store: Store,
    account: String,
    username: Option<String>,
    thread_delay: Duration,
    reply_retry_delay: Duration,
}

/// State carried through one publish.
struct Run {
    draft: Draft,
    posted: Vec<String>,
    id_unknown: Vec<usize>,
    remembered: Option<RouteDecision>,
    decision: Option<RouteDecision>,
    rate_limit: Option<RateLimit>,
    events: EventFn,
    cancel: CancellationToken,
    route: UploadRoute,
}

fn local(kind: ErrorKind, detail: impl Into<String>) -> Diagnosis {
    Diagnosis::new(kind, None, detail)
}

fn reply_target_not_visible(e: &ClientError) -> bool {
    e.api().is_some_and(|a| {
        a.code == Some(385)
            || [&a.detail, &a.title]
                .into_iter()
                .flatten()
                .chain(a.messages.iter())
                .any(|m| m.to_ascii_lowercase().contains("deleted or not visible"))
    })
}

impl Publisher {
    /// A publisher posting as `account` (the profile name recorded in history).
    pub fn new(client: XClient, store: Store, account: String) -> Self {
        Publisher {
            client,
            store,
            account,
            username: None,
            thread_delay: Duration::ZERO,
            reply_retry_delay: Duration::from_secs(5),
        }
    }

    /// The account's `@` handle (without `@`), for `https://x.com/<username>/status/<id>` links.
    pub fn with_username(mut self, username: Option<String>) -> Self {
        self.username = username.filter(|u| !u.trim().is_empty());
        self
    }

    /// A pause before each reply of a thread (default none). X has answered "deleted or not
    /// visible" (code 385) to instant replies (docs/protocol.md §4.2); that answer is also retried
    /// once after [`Self::with_reply_retry_delay`].
    pub fn with_thread_delay(mut self, delay: Duration) -> Self {
        self.thread_delay = delay;
        self
    }

    /// The wait before the single retry of a reply refused with code 385 (default 5 s).
    pub fn with_reply_retry_delay(mut self, delay: Duration) -> Self {
        self.reply_retry_delay = delay;
        self
    }

    /// The link to post `id`.
    pub fn link(&self, id: &str) -> String {
        match &self.username {
            Some(u) => format!("https://x.com/{u}/status/{id}"),
            None => format!("https://x.com/i/web/status/{id}"),
        }
    }

    fn profile_link(&self) -> Option<String> {
        self.username.as_ref().map(|u| format!("https://x.com/{u}"))
    }

    /// Publishes draft `draft_id` (see the module docs).
    pub async fn publish(
        &self,
        draft_id: &str,
        options: PublishOptions,
    ) -> Result<Published, PublishError> {
        let PublishOptions {
            route,
            remembered,
            on_event,
            cancel,
        } = options;
        let fail = |part: usize, diagnosis: Diagnosis| PublishError {
            part,
            diagnosis,
            posted: Vec::new(),
            route_decision: None,
            profile_link: None,
        };
        let _guard = self
            .store
            .begin_publish(draft_id)
            .map_err(|e| fail(0, local_err(e)))?;
        let draft = self
            .store
            .draft_by_id(draft_id)
            .map_err(|e| fail(0, local_err(e)))?;
        if let Some(bound) = draft.account.as_deref().filter(|a| *a != self.account) {
            if draft.started() {
                return Err(fail(
                    draft.first_unposted().min(draft.parts.len().saturating_sub(1)),
                    local(
                        ErrorKind::LocalError,
                        format!(
                            "this draft was started from the account \"{bound}\"; switch back to it to continue, or start a new draft for \"{}\"",
                            self.account
                        ),
                    ),
                ));
            }
        }
        if !draft.started() {
            self.store
                .rebind_account(draft_id, &self.account)
                .map_err(|e| fail(0, local_err(e)))?;
        }
        let snapshot = draft.parts.len();
        self.store.freeze(draft_id, snapshot);
        let mut run = Run {
            posted: Vec::new(),
            id_unknown: Vec::new(),
            remembered,
            decision: None,
            rate_limit: None,
            events: on_event.unwrap_or_else(|| Arc::new(|_| {})),
            cancel: cancel.unwrap_or_default(),
            route,
            draft,
        };
        let published = self
            .store
            .is_published(draft_id)
            .map_err(|e| fail(0, local_err(e)))?;
        if !published {
            let start = run.draft.first_unposted();
            if let Some(p) = validate(&run.draft, true)
                .into_iter()
                .find(|p| p.blocking && p.part >= start)
            {
                return Err(fail(p.part, local(ErrorKind::InvalidRequest, p.message)));
            }
            self.post_parts(&mut run).await?;
            self.store
                .finish(draft_id, snapshot)
                .map_err(|e| self.error(&run, run.draft.parts.len(), local_err(e)))?;
        } else {
            for (i, p) in run.draft.parts.iter().enumerate() {
                match &p.posted_id {
                    Some(id) => run.posted.push(id.clone()),
                    None => run.id_unknown.push(i),
                }
            }
        }
        Ok(Published {
            links: run.posted.iter().map(|id| self.link(id)).collect(),
            ids: run.posted,
            rate_limit: run.rate_limit,
            route_decision: run.decision,
            id_unknown: run.id_unknown,
        })
    }

    fn error(&self, run: &Run, part: usize, diagnosis: Diagnosis) -> PublishError {
        let profile_link = (diagnosis.kind == ErrorKind::OutcomeUnknown)
            .then(|| self.profile_link())
            .flatten();
        PublishError {
            part,
            diagnosis,
            posted: run.posted.clone(),
            route_decision: run.decision.clone(),
            profile_link,
        }
    }

    fn history(&self, run: &Run, part: usize, body: &Part) -> NewHistory {
        NewHistory {
            account: self.account.clone(),
            draft_id: Some(run.draft.id.clone()),
            part: Some(part),
            text: body.text.clone(),
            media_count: body.media.len(),
            ..NewHistory::default()
        }
    }

    /// Records a failure in history (not for cancellations) and builds the error.
    fn failed(&self, run: &Run, part: usize, body: &Part, d: Diagnosis) -> PublishError {
        if d.kind != ErrorKind::Cancelled {
            let mut h = self.history(run, part, body);
            h.diagnosis = Some(d.clone());
            // History is best effort here: the failure itself is what the caller must see.
            let _ = self.store.add_history(HistoryKind::Failed, &h);
        }
        self.error(run, part, d)
    }

    async fn post_parts(&self, run: &mut Run) -> Result<(), PublishError> {
        let records = self
            .store
            .part_records(&run.draft.id)
            .map_err(|e| self.error(run, 0, local_err(e)))?;
        let mut prev: Option<String> = run.draft.reply_to.as_deref().and_then(parse_post_ref);
        let mut sent_in_this_run = false;
        for i in 0..run.draft.parts.len() {
            let part = run.draft.parts[i].clone();
            match part.status {
                PartStatus::Posted => {
                    match part.posted_id {
                        Some(id) => {
                            prev = Some(id.clone());
                            run.posted.push(id);
                        }
                        None => {
                            run.id_unknown.push(i);
                            let more = i + 1 < run.draft.parts.len()
                                && run.draft.parts[i + 1].status != PartStatus::Posted;
                            if more {
                                prev = Some(self.id_of_posted(run, i, records.get(&i)).await?);
                            }
                        }
                    }
                    continue;
                }
                PartStatus::Armed => {
                    let Some(rec) = records.get(&i) else {
                        return Err(self.error(
                            run,
                            i,
                            local(ErrorKind::LocalError, "armed part has no stored request"),
                        ));
                    };
                    prev = Some(self.settle_armed(run, i, rec).await?);
                    sent_in_this_run = true;
                    continue;
                }
                PartStatus::MayHavePosted => {
                    return Err(self.error(
                        run,
                        i,
                        Diagnosis::new(
                            ErrorKind::OutcomeUnknown,
                            None,
                            format!(
                                "part {} may have been posted already: check the profile, then choose \"It's on X\" or \"Post it again\"",
                                i + 1
                            ),
                        ),
                    ));
                }
                PartStatus::Draft => {}
            }
            if run.cancel.is_cancelled() {
                return Err(self.error(run, i, ClientError::Cancelled.diagnosis()));
            }
            let media_ids = self.upload_part(run, i, &part).await?;
            if sent_in_this_run && !self.thread_delay.is_zero() {
                tokio::time::sleep(self.thread_delay).await;
            }
            if run.cancel.is_cancelled() {
                return Err(self.error(run, i, ClientError::Cancelled.diagnosis()));
            }
            let req = PostRequest {
                text: part.text.clone(),
                media_ids,
                reply_to: prev.clone(),
                reply_settings: run.draft.reply_settings,
                poll: (i == 0)
                    .then(|| run.draft.poll.clone())
                    .flatten()
                    .map(|p| x_client::Poll {
                        options: p.options.iter().map(|o| o.trim().to_owned()).collect(),
                        duration_minutes: p.duration_minutes,
                    }),
            };
            prev = Some(self.send(run, i, &part, &req).await?);
            sent_in_this_run = true;
        }
        Ok(())
    }

    /// ARM → POST → CONFIRM for one part. Returns its id.
    async fn send(
        &self,
        run: &mut Run,
        i: usize,
        part: &Part,
        req: &PostRequest,
    ) -> Result<String, PublishError> {
        let mut retried_385 = false;
        loop {
            let armed_at = self
                .store
                .arm_part(&run.draft.id, i, part, req, &self.account)
                .map_err(|e| self.error(run, i, local_err(e)))?;
            (run.events)(PublishEvent::Posting { part: i });
            let result = self.client.post_armed_at(req, secs_to_time(armed_at)).await;
            match result {
                Ok(p) => {
                    run.rate_limit = p.rate_limit.or(run.rate_limit);
                    let note = (p.confirmation == Confirmation::ReadBack).then(|| {
                        "X's answer was lost; the post was found among the account's posts".into()
                    });
                    return self.record_posted(run, i, part, p.id, p.confirmation, note);
                }
                Err(e @ ClientError::UnknownOutcome { .. }) => {
                    return Err(self.may_have_posted(run, i, part, e.diagnosis()));
                }
                Err(e) => {
                    // A definite refusal: nothing was created.
                    self.store
                        .disarm(&run.draft.id, i)
                        .map_err(|e| self.error(run, i, local_err(e)))?;
                    if reply_target_not_visible(&e) && !retried_385 {
                        retried_385 = true;
                        tokio::time::sleep(self.reply_retry_delay).await;
                        continue;
                    }
                    if e.kind() == ErrorKind::MediaInvalid {
                        let paths: Vec<&std::path::Path> =
                            part.media.iter().map(|a| a.path.as_path()).collect();
                        let _ = self.store.forget_media(&run.draft.id, &paths);
                    }
                    return Err(self.failed(run, i, part, e.diagnosis()));
                }
            }
        }
    }

    /// CONFIRM: records part `i` as posted with `id`.
    fn record_posted(
        &self,
        run: &mut Run,
        i: usize,
        part: &Part,
        id: String,
        how: Confirmation,
        note: Option<String>,
    ) -> Result<String, PublishError> {
        let mut h = self.history(run, i, part);
        h.link = Some(self.link(&id));
        h.note = note;
        if let Err(e) = self
            .store
            .confirm(&run.draft.id, i, Some(id.clone()), how.as_str(), h)
        {
            // It IS on X: say so, so nobody posts it again (PB-33).
            return Err(self.error(
                run,
                i,
                local(
                    ErrorKind::LocalError,
                    format!(
                        "part {} was posted ({}) but could not be recorded here: {e}. Do not post it again",
                        i + 1,
                        self.link(&id)
                    ),
                ),
            ));
        }
        run.posted.push(id.clone());
        (run.events)(PublishEvent::Posted {
            part: i,
            id: Some(id.clone()),
        });
        Ok(id)
    }

    /// Marks part `i` "may have posted" and builds the error that stops the publish.
    fn may_have_posted(&self, run: &Run, i: usize, part: &Part, d: Diagnosis) -> PublishError {
        if let Err(e) = self.store.mark_unknown(&run.draft.id, i) {
            // It stays armed, which the next publish settles the same way.
            return self.error(run, i, local_err(e));
        }
        self.failed(run, i, part, d)
    }

    /// Settles a part found armed (the process died after arming): read back, never re-send.
    async fn settle_armed(
        &self,
        run: &mut Run,
        i: usize,
        rec: &PartRecord,
    ) -> Result<String, PublishError> {
        let body = rec.body.clone();
        let req: PostRequest = rec
            .request
            .clone()
            .and_then(|v| serde_json::from_value(v).ok())
            .ok_or_else(|| {
                self.error(
                    run,
                    i,
                    local(ErrorKind::LocalError, "the armed request could not be read"),
                )
            })?;
        (run.events)(PublishEvent::Posting { part: i });
        let exclude = run.posted.clone();
        match self
            .client
            .find_post(&req, secs_to_time(rec.armed_at), &exclude)
            .await
        {
            Ok(Some(id)) => self.record_posted(
                run,
                i,
                &body,
                id,
                Confirmation::ReadBack,
                Some("an earlier send was interrupted; the post was found among the account's posts".into()),
            ),
            Ok(None) => Err(self.may_have_posted(
                run,
                i,
                &body,
                Diagnosis::new(
                    ErrorKind::OutcomeUnknown,
                    None,
                    "an earlier send of this part was interrupted and the post was not found among the account's recent posts; it may still appear",
                ),
            )),
            Err(e) => Err(self.may_have_posted(
                run,
                i,
                &body,
                Diagnosis::new(
                    ErrorKind::OutcomeUnknown,
                    e.status(),
                    format!(
                        "an earlier send of this part was interrupted, and the account's posts could not be read to check ({e})"
                    ),
                ),
            )),
        }
    }

    /// The id of part `i`, marked posted without one, read back so a reply can follow it.
    async fn id_of_posted(
        &self,
        run: &Run,
        i: usize,
        rec: Option<&PartRecord>,
    ) -> Result<String, PublishError> {
        let req: Option<PostRequest> = rec
            .and_then(|r| r.request.clone())
            .and_then(|v| serde_json::from_value(v).ok());
        if let (Some(req), Some(rec)) = (req, rec) {
            if let Ok(Some(id)) = self
                .client
                .find_post(&req, secs_to_time(rec.armed_at), &run.posted)
                .await
            {
                return Ok(id);
            }
        }
        Err(self.error(
            run,
            i + 1,
            local(
                ErrorKind::LocalError,
                format!(
                    "part {} replies to part {}, whose link is unknown; open part {} on X and give its link, so the thread does not break",
                    i + 2,
                    i + 1,
                    i + 1
                ),
            ),
        ))
    }

    /// Uploads the part's media that have no fresh id; returns the media ids in order.
    async fn upload_part(
        &self,
        run: &mut Run,
        i: usize,
        part: &Part,
    ) -> Result<Vec<String>, PublishError> {
        let mut ids = Vec::with_capacity(part.media.len());
        let now = now_secs();
        for a in &part.media {
            let alt = a
                .alt
                .clone()
                .filter(|s| !s.trim().is_empty() && a.kind != "video");
            let known = self
                .store
                .media_record(&run.draft.id, &a.path)
                .map_err(|e| self.error(run, i, local_err(e)))?
                .filter(|m| {
                    m.size == a.size && now.saturating_sub(m.uploaded_at) < MEDIA_REUSE.as_secs()
                });
            if let Some(mut m) = known {
                if alt.is_some() && alt != m.alt_sent {
                    let route = m.route.parse().unwrap_or(UploadRoute::V2);
                    let text = alt.clone().unwrap_or_default();
                    self.client
                        .set_alt_text(route, &m.media_id, &text, Some(&run.cancel))
                        .await
                        .map_err(|e| self.failed(run, i, part, e.diagnosis()))?;
                    m.alt_sent = alt;
                    self.store
                        .record_media(&run.draft.id, &a.path, &m)
                        .map_err(|e| self.error(run, i, local_err(e)))?;
                }
                self.attach_subtitles(run, i, part, a, &m.media_id).await?;
                ids.push(m.media_id);
                continue;
            }
            let events = run.events.clone();
            let file = a.path.display().to_string();
            let a_size = a.size;
            // Bytes acknowledged so far, for the Paused event.
            let acked = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let acked_in = acked.clone();
            let progress: x_client::ProgressFn = Arc::new(move |p| {
                let at = |bytes_sent, total| PublishEvent::Uploading {
                    part: i,
                    file: file.clone(),
                    bytes_sent,
                    total,
                };
                match p {
                    Progress::Checked { total, .. } => {
                        acked_in.store(0, std::sync::atomic::Ordering::Relaxed);
                        events(at(0, total));
                    }
                    Progress::Sent { sent, total } | Progress::Continuing { sent, total } => {
                        acked_in.store(sent, std::sync::atomic::Ordering::Relaxed);
                        events(at(sent, total));
                    }
                    Progress::Paused { .. } => events(PublishEvent::Paused {
                        part: i,
                        file: file.clone(),
                        bytes_sent: acked_in.load(std::sync::atomic::Ordering::Relaxed),
                        total: a_size,
                    }),
                    Progress::Unpaused => events(at(
                        acked_in.load(std::sync::atomic::Ordering::Relaxed),
                        a_size,
                    )),
                    Progress::Processing { percent } => events(PublishEvent::Processing {
                        part: i,
                        file: file.clone(),
                        percent,
                    }),
                    _ => {}
                }
            });
            // An interrupted upload of this file continues where X stopped acknowledging
            // (same media id); every acknowledged segment is kept for the next try.
            let resume = self
                .store
                .upload_checkpoint(&self.account, &a.path)
                .map_err(|e| self.error(run, i, local_err(e)))?;
            let (store, account, path) = (self.store.clone(), self.account.clone(), a.path.clone());
            let on_checkpoint: x_client::CheckpointFn = Arc::new(move |cp| {
                // Failing to keep a checkpoint costs a restart from byte 0 later, not the post.
                let _ = store.save_upload_checkpoint(&account, &path, cp);
            });
            let uploaded = self
                .client
                .upload(
                    &a.path,
                    UploadOptions {
                        route: run.route,
                        alt_text: alt.clone(),
                        remembered: run.remembered.clone(),
                        progress: Some(progress),
                        cancel: Some(run.cancel.clone()),
                        resume,
                        on_checkpoint: Some(on_checkpoint),
                    },
                )
                .await;
            // Keep the checkpoint only while the upload may still continue.
            let keep = matches!(&uploaded, Err(e) if e.keeps_upload_checkpoint());
            if !keep {
                self.store
                    .forget_upload_checkpoint(&self.account, &a.path)
                    .map_err(|e| self.error(run, i, local_err(e)))?;
            }
            let up = uploaded.map_err(|e| self.failed(run, i, part, e.diagnosis()))?;
            if let Some(r) = up.remember {
                run.remembered = Some(r.clone());
                run.decision = Some(r);
            }
            let rec = MediaRecord {
                size: a.size,
                media_id: up.media_id.clone(),
                uploaded_at: now_secs(),
                route: up.route_used.as_str().to_owned(),
                alt_sent: alt,
            };
            self.store
                .record_media(&run.draft.id, &a.path, &rec)
                .map_err(|e| self.error(run, i, local_err(e)))?;
            self.attach_subtitles(run, i, part, a, &up.media_id).await?;
            ids.push(up.media_id);
        }
        Ok(ids)
    }

    /// Uploads and associates `a`'s subtitles with its uploaded video `media_id` (nothing when
    /// it has none).
    async fn attach_subtitles(
        &self,
        run: &mut Run,
        i: usize,
        part: &Part,
        a: &crate::draft::Attachment,
        media_id: &str,
    ) -> Result<(), PublishError> {
        let Some(sub) = a.subtitles.as_ref().filter(|_| a.kind == "video") else {
            return Ok(());
        };
        (run.events)(PublishEvent::Subtitles {
            part: i,
            file: x_client::media::shown_name(&sub.path),
        });
        self.client
            .attach_subtitles(
                media_id,
                &sub.path,
                &sub.language,
                &sub.display_name,
                Some(&run.cancel),
            )
            .await
            .map_err(|e| self.failed(run, i, part, e.diagnosis()))?;
        Ok(())
    }
}

fn local_err(e: ComposerError) -> Diagnosis {
    local(ErrorKind::LocalError, e.to_string())
}

fn secs_to_time(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}
