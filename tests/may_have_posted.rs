//! Journeys of "never twice" in the real window: X's answer to a post is lost, the part "may
//! have posted", and only the person's choice settles it.
//!
//! - Nothing was created (503 before the post was made; the account's posts read fine): the
//!   part waits with the profile link and both choices; Post sends nothing; "Post it again",
//!   then Post, creates exactly one post.
//! - The post was created but the answer was lost and the account's posts cannot be read
//!   (403): "It's on X" (with the post's link) closes the draft without sending anything;
//!   exactly one post exists.
//! - While a post is on its way, the part being sent is read-only ("Sending…"); a part added
//!   and written meanwhile is not sent and becomes the next draft.
//!
//! In the first two the simulator's duplicate filter is off (`duplicate_window_secs = 0`), so a
//! second send would really create a second post: only the app's own rule prevents it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::compose::saved;
use support::{journey_prepared, keychain_service, seed_account, App, Look, Outcome, Sim};

/// How long a post may take to get its result.
const POST_WITHIN: Duration = Duration::from_secs(60);

/// Posts and waits for the result of that post: `(outcome, kind, text)`.
async fn post(app: &App) -> Result<(String, Option<String>, String), String> {
    let attempt = app.start_post().await?;
    let css = format!("#post-result[data-attempt=\"{attempt}\"]");
    let (outcome, kind, text) = app
        .poll(&css, "the post's result", POST_WITHIN, |el| async move {
            let outcome = el.attr("data-outcome").await?.unwrap_or_default();
            let kind = el.attr("data-kind").await?;
            let text = el.text().await?;
            Ok(Look::Done((outcome, kind, text)))
        })
        .await?;
    // The page reads the draft again once the post has settled.
    app.wait_attr("#composer", "aria-busy", |v| v == Some("false"))
        .await?;
    saved(app).await?;
    Ok((outcome, kind, text))
}

/// Waits until part `part` shows status `status`.
async fn part_status(app: &App, part: usize, status: &str) -> Outcome {
    app.wait_attr(
        &format!("#composer .part[data-part=\"{part}\"]"),
        "data-status",
        |v| v == Some(status),
    )
    .await
    .map(|_| ())
}

/// Posts in the simulator with `text`, deleted ones included.
fn posts_with(sim: &x_sim::SimHandle, text: &str) -> Vec<x_sim::Post> {
    sim.posts().into_iter().filter(|p| p.text == text).collect()
}

/// How many `POST /2/tweets` requests the simulator received.
fn create_requests(sim: &x_sim::SimHandle) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/tweets")
        .count()
}

/// Checks the "may have posted" state of part 0: the sentence, the profile link and both
/// choices, and that the part is read-only.
async fn shows_may_have_posted(app: &App, username: &str) -> Outcome {
    part_status(app, 0, "mayHavePosted").await?;
    let said = app
        .wait_text("#part-0-unknown", |t| {
            t.contains("X's answer was lost. This part may already be on X.")
        })
        .await?;
    check!(said.contains("Open your profile"), "the box: {said:?}");
    let href = app.attr("#part-0-profile", "href").await?;
    let want = format!("https://x.com/{username}");
    check!(
        href.as_deref() == Some(want.as_str()),
        "profile link {href:?}, expected {want}"
    );
    app.wait_text("#part-0-on-x", |t| t == "It's on X").await?;
    app.wait_text("#part-0-post-again", |t| t == "Post it again")
        .await?;
    let editable = app
        .exec("return !document.querySelector('#part-0-text').disabled")
        .await?;
    check!(
        editable == serde_json::Value::Bool(false),
        "the part that may have posted must be read-only"
    );
    let remove = app
        .exec("return document.querySelector('.part[data-part=\"0\"] .remove-part') !== null")
        .await?;
    check!(
        remove == serde_json::Value::Bool(false),
        "no \"Remove this part\" on it"
    );
    Ok(())
}

/// Types `text` into part 0 and waits until it is saved.
async fn write(app: &App, text: &str) -> Outcome {
    app.type_into("#part-0-text", text).await?;
    saved(app).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_with_nothing_created_waits_then_post_it_again_posts_once() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.duplicate_window_secs = 0);
    sim.handle.set_faults(
        "POST /2/tweets",
        x_sim::Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: false,
            ..Default::default()
        },
    );
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "may-have-posted-again";
    let service = keychain_service(name);
    let username = demo.username.clone();
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let text = "Did this reach X?";
            write(app, text).await?;
            let (outcome, kind, said) = post(app).await?;
            check!(
                outcome == "failed" && kind.as_deref() == Some("outcome-unknown"),
                "expected an unknown outcome, got {outcome} / {kind:?}: {said}"
            );
            shows_may_have_posted(app, &username).await?;
            app.screenshot("may-have-posted").await?;
            let n = posts_with(&handle, text).len();
            check!(n == 0, "the simulator created nothing, yet has {n} posts");

            // Post again: the engine refuses to send a part that may have posted.
            let sent_before = create_requests(&handle);
            let (outcome, kind, said) = post(app).await?;
            check!(
                outcome == "failed" && kind.as_deref() == Some("outcome-unknown"),
                "Post on a part that may have posted: {outcome} / {kind:?}: {said}"
            );
            let sent_after = create_requests(&handle);
            check!(
                sent_after == sent_before,
                "Post sent {} request(s) for a part that may have posted",
                sent_after - sent_before
            );
            check!(posts_with(&handle, text).is_empty(), "a post appeared");
            shows_may_have_posted(app, &username).await?;

            // It is not there: make it a draft again, then post it.
            handle.clear_faults();
            app.click("#part-0-post-again").await?;
            part_status(app, 0, "draft").await?;
            app.wait_text("#composer-notice", |t| t.contains("draft again"))
                .await?;
            check!(
                create_requests(&handle) == sent_after,
                "\"Post it again\" must not send anything by itself"
            );
            let kept = app
                .exec("return document.querySelector('#part-0-text').value")
                .await?;
            check!(
                kept.as_str() == Some(text),
                "the text after the choice: {kept}"
            );
            let (outcome, _, said) = post(app).await?;
            check!(outcome == "posted", "the post: {outcome}: {said}");
            let n = posts_with(&handle, text).len();
            check!(n == 1, "expected exactly one post, found {n}");
            part_status(app, 0, "draft").await?;
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_that_created_the_post_is_settled_by_its_on_x() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| {
        m.duplicate_window_secs = 0;
        m.reads_refused = Some(403);
    });
    sim.handle.set_faults(
        "POST /2/tweets",
        x_sim::Faults {
            error_rate: 1.0,
            error_status: 503,
            error_after_commit: true,
            ..Default::default()
        },
    );
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "may-have-posted-on-x";
    let service = keychain_service(name);
    let username = demo.username.clone();
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let text = "This one did reach X";
            write(app, text).await?;
            let (outcome, kind, said) = post(app).await?;
            check!(
                outcome == "failed" && kind.as_deref() == Some("outcome-unknown"),
                "expected an unknown outcome, got {outcome} / {kind:?}: {said}"
            );
            shows_may_have_posted(app, &username).await?;
            let created = posts_with(&handle, text);
            check!(
                created.len() == 1,
                "the simulator has {} posts",
                created.len()
            );
            let id = created[0].id.clone();

            // The person finds it on the profile and says so, with its link.
            let sent_before = create_requests(&handle);
            app.type_into(
                "#part-0-post-link",
                &format!("https://x.com/{username}/status/{id}"),
            )
            .await?;
            app.click("#part-0-on-x").await?;
            app.wait_text("#composer-notice", |t| t.contains("the draft is done"))
                .await?;
            part_status(app, 0, "draft").await?;
            let left = app
                .exec("return document.querySelector('#part-0-text').value")
                .await?;
            check!(left.as_str() == Some(""), "the next draft is empty: {left}");
            app.screenshot("on-x").await?;
            check!(
                create_requests(&handle) == sent_before,
                "\"It's on X\" must not send anything"
            );
            let n = posts_with(&handle, text).len();
            check!(n == 1, "expected exactly one post, found {n}");
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_part_added_while_posting_is_kept_for_the_next_draft() {
    let sim = Sim::start().await;
    // A slow answer, so there is time to write while the post is on its way.
    sim.handle.set_faults(
        "POST /2/tweets",
        x_sim::Faults {
            latency_ms: 3_000,
            ..Default::default()
        },
    );
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "write-while-posting";
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let first = "Sent first";
            let later = "Written while the first was on its way";
            write(app, first).await?;
            let attempt = app.start_post().await?;
            // The part being sent is read-only and marked.
            app.wait_text("#part-0-status", |t| t == "Sending…").await?;
            let editable = app
                .exec("return !document.querySelector('#part-0-text').disabled")
                .await?;
            check!(
                editable == serde_json::Value::Bool(false),
                "the part being sent must be read-only"
            );
            app.click("#add-part").await?;
            part_status(app, 1, "draft").await?;
            app.type_into("#part-1-text", later).await?;
            app.screenshot("writing-while-posting").await?;
            let css = format!("#post-result[data-attempt=\"{attempt}\"]");
            let got = app
                .poll(&css, "the post's result", POST_WITHIN, |el| async move {
                    Ok(Look::Done(el.attr("data-outcome").await?))
                })
                .await?;
            check!(got.as_deref() == Some("posted"), "outcome {got:?}");
            app.wait_attr("#composer", "aria-busy", |v| v == Some("false"))
                .await?;
            saved(app).await?;
            // The next draft holds what was written meanwhile, and it was not posted.
            let script = format!(
                "const t = document.querySelector('#part-0-text'); return t !== null && !t.disabled && t.value === {}",
                serde_json::to_string(later).unwrap()
            );
            app.wait_js("the new draft to hold the later part", support::WAIT, &script)
                .await?;
            check!(posts_with(&handle, first).len() == 1, "the first part posts once");
            check!(posts_with(&handle, later).is_empty(), "the later part was not sent");
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}
