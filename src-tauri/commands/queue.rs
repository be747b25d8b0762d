//! Queue commands: schedule the current draft at a local date and time, list the queue,
//! edit in the composer, cancel, reschedule, post now, settle an item that may have posted, and the cost of a post.
//!
//! Contract: thin wrappers over [`crate::queue`] (which states the rules); each change wakes
//! the app's runner and emits `QueueChanged`. Times arrive as `datetime-local` values read in
//! the system's time zone (`zone` is the page's own, used only when the system names none).

use jiff::Timestamp;
use tauri::State;

use super::blocking;
use crate::error::AppError;
use crate::events::QueueChangeCause;
use crate::queue;
use crate::state::AppState;
use crate::views::{CostView, PartChoice, QueueItemView, QueueView, Scheduled};

/// The item's view with its account's plan.
async fn view_of(state: &AppState, item: composer::Item) -> Result<QueueItemView, AppError> {
    let accounts = state.accounts.clone();
    let plans = blocking(move || queue::plans(&accounts)).await?;
    let plan = item
        .account
        .strip_prefix("profile:")
        .and_then(|n| plans.get(n).copied().flatten());
    Ok(queue::item_view(&item, queue::plan_of(plan)))
}

/// After a change: the runner looks again, the page reads the queue again.
fn changed(app: &tauri::AppHandle, state: &AppState) {
    state.queue.wake();
    queue::changed(app, QueueChangeCause::Edited);
}

/// The queue, by due time.
#[tauri::command]
#[specta::specta]
pub async fn queue_list(
    state: State<'_, AppState>,
    zone: Option<String>,
) -> Result<QueueView, AppError> {
    let q = state.queue.queue(&state.composer)?;
    let accounts = state.accounts.clone();
    blocking(move || {
        let items = q.list()?;
        let plans = queue::plans(&accounts)?;
        let slots = queue::slots(&q, &items, Timestamp::now().as_second())?;
        Ok(queue::queue_view(
            &items,
            &plans,
            queue::zone_name(zone.as_deref()).ok(),
            &slots,
        ))
    })
    .await
}

/// Schedules the current draft `draft` (the id the page shows) from the account in use at
/// `at` (`2026-03-29T09:00`) in the system's time zone, and starts a fresh draft.
#[tauri::command]
#[specta::specta]
pub async fn queue_schedule(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    draft: String,
    at: String,
    zone: Option<String>,
) -> Result<Scheduled, AppError> {
    let due = queue::due_local(&at, &queue::zone_name(zone.as_deref())?)?;
    // The account in use (no sign-in now: the runner signs in when the item is due).
    let accounts = state.accounts.clone();
    let profile = blocking(move || {
        accounts
            .default_profile()?
            .ok_or_else(|| AppError::Account {
                message: "Set up an account first.".into(),
            })
    })
    .await?;
    // Not while this window posts the draft (its parts would be sent twice).
    let _slot = state.composer.begin_publish()?;
    let q = state.queue.queue(&state.composer)?;
    let composer = state.composer.clone();
    let (item, fresh) = blocking(move || {
        queue::schedule_current(&composer, &q, &profile, &draft, due, Timestamp::now())
    })
    .await?;
    changed(&app, &state);
    Ok(Scheduled {
        item: view_of(&state, item).await?,
        draft: state.composer.view(&fresh),
    })
}

/// Cancels an item that was not sent.
#[tauri::command]
#[specta::specta]
pub async fn queue_cancel(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Result<QueueItemView, AppError> {
    let q = state.queue.queue(&state.composer)?;
    let item = blocking(move || q.cancel(&id).map_err(queue::refusal)).await?;
    changed(&app, &state);
    view_of(&state, item).await
}

/// Takes a scheduled, held or failed item out of the queue and into the composer, whose
/// draft it becomes (refused while the composer holds anything).
#[tauri::command]
#[specta::specta]
pub async fn queue_edit(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Result<crate::views::DraftView, AppError> {
    let q = state.queue.queue(&state.composer)?;
    let composer = std::sync::Arc::clone(&state.composer);
    let draft = blocking(move || queue::edit_in_composer(&composer, &q, &id)).await?;
    changed(&app, &state);
    Ok(state.composer.view(&draft))
}

/// Moves a scheduled, held or failed item to `at` (`2026-03-29T09:00`, system time zone).
#[tauri::command]
#[specta::specta]
pub async fn queue_reschedule(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: String,
    at: String,
    zone: Option<String>,
) -> Result<QueueItemView, AppError> {
    let due = queue::due_local(&at, &queue::zone_name(zone.as_deref())?)?;
    let q = state.queue.queue(&state.composer)?;
    let item = blocking(move || q.reschedule(&id, &due).map_err(queue::refusal)).await?;
    changed(&app, &state);
    view_of(&state, item).await
}

/// Sends an item now: a scheduled one is moved to now, a held or failed one goes back to the
/// queue (media checked again before it is sent).
#[tauri::command]
#[specta::specta]
pub async fn queue_post_now(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: String,
) -> Result<QueueItemView, AppError> {
    let q = state.queue.queue(&state.composer)?;
    let item = blocking(move || queue::post_now(&q, &id, Timestamp::now())).await?;
    changed(&app, &state);
    view_of(&state, item).await
}

/// Settles an item that may have posted: "It's on X" (with its link or id when given; nothing
/// is sent) or "Post it again" (the part is sent again by the runner).
#[tauri::command]
#[specta::specta]
pub async fn queue_resolve(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: String,
    choice: PartChoice,
    link: Option<String>,
) -> Result<QueueItemView, AppError> {
    let q = state.queue.queue(&state.composer)?;
    let item = blocking(move || queue::resolve(&q, &id, choice, link, Timestamp::now())).await?;
    changed(&app, &state);
    view_of(&state, item).await
}

/// What posting `texts` (one post each) costs the account in use: only on a pay-per-use
/// plan; nothing on a legacy plan or when the plan is not known.
#[tauri::command]
#[specta::specta]
pub async fn post_cost(
    state: State<'_, AppState>,
    texts: Vec<String>,
) -> Result<Option<CostView>, AppError> {
    let accounts = state.accounts.clone();
    let plan = blocking(move || Ok(accounts.default_profile()?.and_then(|p| p.plan))).await?;
    Ok(queue::cost_of(
        texts.iter().map(String::as_str),
        queue::plan_of(plan),
    ))
}
