//! Journeys of issue 13 item 8: the queue in the real window against the simulator, with the
//! headless `postbridge` (the same binary with a subcommand) as the CLI runner — a thread with
//! an image scheduled a minute ahead posts on time with the window open, as a reply chain with
//! its media; an item due while the app and two `queue run --once` processes all wake for it is
//! posted once; an item found more than its late limit past due is held (with why, nothing
//! sent) until "Post now" posts it once. Counts and times come from the simulator's posts and
//! request log, the due time from the window's own item. Scheduled, then Quit: the background
//! mode (`postbridge --background`) posts it with no window and its notice reaches D-Bus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use support::compose::{drop_files, media_count, saved, type_text};
use support::{
    app_binary, app_home_env, journey_prepared, keychain_service, picture, seed_account, App, Look,
    Outcome, Sim,
};
use x_sim::SimHandle;

/// The environment of a CLI process that shares the app's home, keychain and simulator: the
/// journey's env (API/upload base, keychain service) plus the app's XDG directories.
fn cli_env(home: &Path, env: &[(String, String)]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = app_home_env(home)
        .into_iter()
        .map(|(k, v)| (k, v.to_string_lossy().into_owned()))
        .collect();
    all.extend(env.iter().cloned());
    all
}

/// The CLI's credential variables, removed so that a runner uses the item's profile only.
const X_VARS: [&str; 5] = [
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_SECRET",
    "X_OAUTH2_ACCESS_TOKEN",
];

/// The headless `postbridge` (the app binary under test, given a subcommand) with `env`.
fn cli_command(env: &[(String, String)], args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(app_binary());
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for k in X_VARS {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// What one CLI run said: its exit code, stdout as JSON, and stderr.
struct CliRun {
    code: Option<i32>,
    json: Value,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for CliRun {
    /// Exit code, stdout and stderr, as a failure message shows them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}, stdout {:?}, stderr {:?}",
            self.code,
            self.stdout.trim(),
            self.stderr.trim()
        )
    }
}

async fn finish(child: tokio::process::Child) -> Result<CliRun, String> {
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .map_err(|_| "the CLI did not finish within 60 s".to_string())?
        .map_err(|e| format!("the CLI: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(CliRun {
        code: out.status.code(),
        json: serde_json::from_str(stdout.trim()).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// `postbridge <args>` run to its end.
async fn cli(env: &[(String, String)], args: &[&str]) -> Result<CliRun, String> {
    let child = cli_command(env, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the CLI: {e}"))?;
    finish(child).await
}

/// `now + secs` as RFC 3339 with the machine's offset, in whole seconds.
fn rfc3339_in(secs: i64) -> (String, i64) {
    let at = jiff::Timestamp::now().as_second() + secs;
    let t = jiff::Timestamp::from_second(at).unwrap();
    let text = t
        .to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    (text, at)
}

/// Unix time now, in milliseconds.
fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Sleeps until unix time `at_ms` (waiting for a due time, the only fixed wait here).
async fn sleep_until_ms(at_ms: i64) {
    let wait = at_ms - now_ms();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
    }
}

/// The calls to `POST /2/tweets` the simulator has seen.
fn tweet_calls(sim: &SimHandle) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.endpoint == "POST /2/tweets")
        .count()
}

/// Waits up to `within` until the queue view shows item `id` in `state`.
async fn wait_item_state(app: &App, id: &str, state: &str, within: Duration) -> Outcome {
    let css = format!("#queue-item-{id}");
    let want = state.to_owned();
    let want = &want;
    app.poll(
        &css,
        &format!("its data-state to be {state}"),
        within,
        |el| async move {
            let got = el.attr("data-state").await?;
            Ok(if got.as_deref() == Some(want.as_str()) {
                Look::Done(())
            } else {
                Look::NotYet(format!("data-state={got:?}"))
            })
        },
    )
    .await
}

/// The due time (unix seconds) the queue view shows for item `id` (its `<time dateTime>`).
async fn due_shown(app: &App, id: &str) -> Result<i64, String> {
    let iso = app
        .attr(&format!("#queue-item-{id}-due"), "datetime")
        .await?
        .ok_or("the item's <time> has no datetime")?;
    let t: jiff::Timestamp = iso
        .parse()
        .map_err(|e| format!("the item's datetime {iso:?}: {e}"))?;
    Ok(t.as_second())
}

/// The item in `postbridge queue list --json` (read by another process, from the same store).
async fn listed(env: &[(String, String)], id: &str) -> Result<Value, String> {
    let run = cli(env, &["queue", "list", "--json"]).await?;
    check!(run.code == Some(0), "queue list: {run:?}");
    run.json["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == id))
        .cloned()
        .ok_or_else(|| format!("queue list does not have {id}: {}", run.stdout))
}

/// Waits up to `within` until `postbridge queue list` shows item `id` in a settled state
/// (not scheduled, not posting); returns its row.
async fn settled(env: &[(String, String)], id: &str, within: Duration) -> Result<Value, String> {
    let started = std::time::Instant::now();
    loop {
        let row = listed(env, id).await?;
        if row["state"] != "scheduled" && row["state"] != "posting" {
            return Ok(row);
        }
        check!(
            started.elapsed() < within,
            "waited {} s for the item to settle: {row}",
            within.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Puts `value` into the composer's #schedule-at as the date picker would (input and change
/// events), and checks that the input kept that time (seconds included).
async fn set_schedule_at(app: &App, value: &str) -> Outcome {
    let script = format!(
        "const el = document.querySelector('#schedule-at');
         if (el === null) return null;
         el.value = {v};
         el.dispatchEvent(new Event('input', {{ bubbles: true }}));
         el.dispatchEvent(new Event('change', {{ bubbles: true }}));
         return el.value;",
        v = serde_json::to_string(value).unwrap()
    );
    let kept = app.exec(&script).await?;
    // A time on a whole minute may come back without its `:00` seconds (the same time).
    let same = kept.as_str() == Some(value)
        || value
            .strip_suffix(":00")
            .is_some_and(|v| kept.as_str() == Some(v));
    check!(same, "#schedule-at did not keep {value:?}: it holds {kept}");
    Ok(())
}

/// The page's wall clock `secs` from now, as a `datetime-local` value with seconds, and that
/// instant in unix seconds (what the person means by the value).
async fn page_local_in(app: &App, secs: i64) -> Result<(String, i64), String> {
    let v = app
        .exec(&format!(
            "const d = new Date(Math.floor(Date.now() / 1000) * 1000 + {ms});
             const p = (n) => String(n).padStart(2, '0');
             return [`${{d.getFullYear()}}-${{p(d.getMonth() + 1)}}-${{p(d.getDate())}}T${{p(d.getHours())}}:${{p(d.getMinutes())}}:${{p(d.getSeconds())}}`, d.getTime() / 1000];",
            ms = secs * 1000
        ))
        .await?;
    let local = v[0].as_str().ok_or("no local time")?.to_owned();
    let unix = v[1].as_i64().ok_or("no unix time")?;
    Ok((local, unix))
}

/// Schedules what the composer holds for `local` with Schedule…, and checks that a fresh,
/// empty draft takes its place; returns the queued item's id.
async fn schedule_draft(app: &App, local: &str) -> Result<String, String> {
    saved(app).await?;
    set_schedule_at(app, local).await?;
    app.click("#schedule").await?;
    let id = app
        .attr("#schedule-result", "data-id")
        .await?
        .filter(|id| !id.is_empty())
        .ok_or("#schedule-result has no item id")?;
    let state = app.attr("#schedule-result", "data-state").await?;
    check!(
        state.as_deref() == Some("scheduled"),
        "scheduled item's state: {state:?}"
    );
    // The composer now shows a fresh draft: one empty part, no media.
    app.wait_js(
        "a fresh, empty draft in the composer",
        support::WAIT,
        "const t = document.querySelector('#part-0-text');
         return t !== null && t.value === '' && document.querySelector('#part-1-text') === null;",
    )
    .await?;
    let media = media_count(app).await?;
    check!(media == 0, "the fresh draft shows {media} attachments");
    Ok(id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thread_with_an_image_scheduled_a_minute_ahead_posts_on_time_with_the_window_open() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.processing_ms = 0);
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "queue-thread-on-time";
    let image = picture(name);
    let service = keychain_service(name);
    let env = sim.app_env(name);
    let alt = "A white bridge under a yellow paper plane";
    let (one, two) = ("Scheduled thread, part one", "Scheduled thread, part two");
    journey_prepared(
        name,
        env.clone(),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let cli_env = cli_env(&app.home, &env);
            type_text(app, 0, one).await?;
            drop_files(app, std::slice::from_ref(&image)).await?;
            app.find(".media img.thumb").await?;
            app.type_into(".media .alt", alt).await?;
            app.click("#part-0-text").await?; // blur saves the alt text
            saved(app).await?;
            app.click("#add-part").await?;
            type_text(app, 1, two).await?;

            let (local, meant) = page_local_in(app, 60).await?;
            let id = schedule_draft(app, &local).await?;
            app.screenshot("scheduled").await?;

            app.click("#nav-queue").await?;
            wait_item_state(app, &id, "scheduled", support::WAIT).await?;
            let due = due_shown(app, &id).await?;
            check!(
                due == meant,
                "the item is due at {due}, but {local:?} on the page's clock is {meant}"
            );
            let card = app.text(&format!("#queue-item-{id}")).await?;
            check!(
                card.contains(one)
                    && card.contains("Thread of 2 parts")
                    && card.contains("bridge.png"),
                "the queue's card: {card:?}"
            );
            let row = listed(&cli_env, &id).await?;
            check!(
                row["state"] == "scheduled" && row["parts"] == 2,
                "queue list: {row}"
            );
            check!(
                handle.posts().is_empty() && tweet_calls(&handle) == 0,
                "something was posted at scheduling time: {:?}",
                handle.posts()
            );
            app.screenshot("queue-scheduled").await?;

            // It posts on its own, with the window open, at its time.
            let deadline = Duration::from_millis(
                u64::try_from((due * 1000 - now_ms()).max(0)).unwrap_or(0) + 45_000,
            );
            wait_item_state(app, &id, "posted", deadline).await?;
            app.screenshot("queue-posted").await?;

            let posts = handle.posts();
            check!(
                posts.len() == 2,
                "the simulator has {} posts: {posts:?}",
                posts.len()
            );
            check!(
                tweet_calls(&handle) == 2,
                "POST /2/tweets was called {} times",
                tweet_calls(&handle)
            );
            let (p1, p2) = (&posts[0], &posts[1]);
            check!(p1.text == one && p2.text == two, "posts: {posts:?}");
            check!(
                p2.in_reply_to_tweet_id.as_deref() == Some(p1.id.as_str()),
                "part two does not reply to part one: {posts:?}"
            );
            check!(
                p1.in_reply_to_tweet_id.is_none(),
                "part one is a reply: {p1:?}"
            );
            let media = serde_json::to_value(handle.media()).unwrap();
            let m = media
                .as_array()
                .and_then(|a| a.last())
                .cloned()
                .ok_or("the simulator got no media")?;
            check!(
                p1.media_ids.len() == 1 && m["id"] == p1.media_ids[0].as_str(),
                "part one does not carry the uploaded image: {p1:?} / {m}"
            );
            check!(m["alt_text"] == alt, "the image's alt text: {m}");
            check!(p2.media_ids.is_empty(), "part two carries media: {p2:?}");
            // On time: not before its due time, and not long after it.
            check!(
                p1.created_at_ms >= due * 1000,
                "part one was posted {} ms before its time",
                due * 1000 - p1.created_at_ms
            );
            check!(
                p1.created_at_ms <= due * 1000 + 15_000,
                "part one was posted {} ms after its time",
                p1.created_at_ms - due * 1000
            );
            let early: Vec<String> = handle
                .requests()
                .iter()
                .filter(|r| r.at_ms < due * 1000)
                .filter(|r| r.endpoint == "POST /2/tweets" || r.endpoint.contains("media"))
                .map(|r| format!("{} at {} ms", r.endpoint, r.at_ms - due * 1000))
                .collect();
            check!(early.is_empty(), "sent before its time: {early:?}");
            // The window and the CLI both see the post ids.
            let card = app.text(&format!("#queue-item-{id}")).await?;
            for p in [p1, p2] {
                check!(
                    card.contains(&p.id),
                    "the card does not link post {}: {card:?}",
                    p.id
                );
            }
            let row = listed(&cli_env, &id).await?;
            check!(
                row["state"] == "posted" && row["post_ids"] == serde_json::json!([p1.id, p2.id]),
                "queue list: {row}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_due_item_with_the_app_and_two_cli_runners_awake_is_posted_once() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.processing_ms = 0);
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "queue-three-runners";
    let service = keychain_service(name);
    let env = sim.app_env(name);
    let text = "Due while three runners wake";
    journey_prepared(
        name,
        env.clone(),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let cli_env = cli_env(&app.home, &env);
            type_text(app, 0, text).await?;
            let (local, _) = page_local_in(app, 12).await?;
            let id = schedule_draft(app, &local).await?;
            app.click("#nav-queue").await?;
            wait_item_state(app, &id, "scheduled", support::WAIT).await?;
            let due = due_shown(app, &id).await?;
            check!(
                due * 1000 > now_ms(),
                "the item was due before the runners could be started"
            );
            check!(
                handle.posts().is_empty(),
                "posted early: {:?}",
                handle.posts()
            );

            // At the due time, two CLI runners start together while the app's runner wakes.
            sleep_until_ms(due * 1000).await;
            let spawn = || {
                cli_command(&cli_env, &["queue", "run", "--once", "--json"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .map_err(|e| format!("cannot start a CLI runner: {e}"))
            };
            let (a, b) = (spawn()?, spawn()?);
            let (a, b) = tokio::join!(finish(a), finish(b));
            let runs = [a?, b?];
            let _ = std::fs::write(
                app.artifacts.join("cli-runners.txt"),
                format!("{runs:#?}\n"),
            );
            for r in &runs {
                check!(r.code == Some(0), "a CLI runner failed: {r:?}");
                for key in ["failed", "unknown"] {
                    check!(
                        r.json[key].as_array().is_some_and(|a| a.is_empty()),
                        "a CLI runner reports {key}: {r:?}"
                    );
                }
            }
            let by_cli: Vec<Value> = runs
                .iter()
                .flat_map(|r| r.json["posted"].as_array().cloned().unwrap_or_default())
                .filter(|p| p["id"] == id.as_str())
                .collect();
            check!(
                by_cli.len() <= 1,
                "both CLI runners say they posted it: {runs:?}"
            );

            // The store settles (whoever has it — the app's runner may still be sending).
            let row = settled(&cli_env, &id, Duration::from_secs(45)).await?;
            check!(row["state"] == "posted", "queue list: {row}");
            let posts: Vec<_> = handle
                .posts()
                .into_iter()
                .filter(|p| p.text == text)
                .collect();
            check!(
                posts.len() == 1,
                "the simulator has {} copies: {posts:?}",
                posts.len()
            );
            check!(
                tweet_calls(&handle) == 1,
                "POST /2/tweets was called {} times",
                tweet_calls(&handle)
            );
            check!(
                posts[0].created_at_ms >= due * 1000,
                "posted {} ms before its time",
                due * 1000 - posts[0].created_at_ms
            );
            if let Some(p) = by_cli.first() {
                check!(
                    p["post_ids"] == serde_json::json!([posts[0].id]),
                    "the CLI's post ids: {p}"
                );
            }
            check!(
                row["post_ids"] == serde_json::json!([posts[0].id]),
                "queue list: {row}"
            );
            // Another run later sends nothing more.
            let again = cli(&cli_env, &["queue", "run", "--once", "--json"]).await?;
            check!(
                again.code == Some(0)
                    && again.json["posted"]
                        .as_array()
                        .is_some_and(|a| a.is_empty()),
                "a later run: {again:?}"
            );
            check!(tweet_calls(&handle) == 1, "a later run posted again");
            // The window shows it posted on its own, whoever posted it — longer than the app's
            // runner sleeps between runs (30 s).
            if let Err(e) = wait_item_state(app, &id, "posted", Duration::from_secs(45)).await {
                let who = if by_cli.is_empty() {
                    "the app's runner"
                } else {
                    "a CLI runner"
                };
                // Is the view only stale? Read the queue again the way a person would.
                app.screenshot("stale-queue").await?;
                app.click("#nav-home").await?;
                app.click("#nav-queue").await?;
                let again = wait_item_state(app, &id, "posted", support::WAIT).await;
                return Err(format!(
                    "APP BUG (the queue view is not read again after another process's run): {who} posted the item, \
                     the window does not show it posted: {e}; after Home → Queue it {}",
                    match again {
                        Ok(()) => "shows posted".to_owned(),
                        Err(e) => format!("still does not: {e}"),
                    }
                ));
            }
            app.screenshot("posted-once").await?;
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

/// The late limit of the late item (seconds).
const LATE_LIMIT: i64 = 5;

#[tokio::test(flavor = "multi_thread")]
async fn a_late_item_is_held_until_post_now_posts_it_once() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.processing_ms = 0);
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "queue-late-held";
    let service = keychain_service(name);
    let env = sim.app_env(name);
    let text = "Late, so held for review";
    let scheduled: std::sync::Mutex<Option<(String, i64)>> = std::sync::Mutex::new(None);
    journey_prepared(
        name,
        env.clone(),
        |home| {
            // With the app not running: the CLI schedules an item a few seconds ahead with a
            // small late limit, into the app's home; the app starts only once it is late.
            seed_account(home, &service, "Work", &demo, &sim.handle);
            let (at, due) = rfc3339_in(3);
            let limit = LATE_LIMIT.to_string();
            let mut cmd = std::process::Command::new(app_binary());
            cmd.args([
                "schedule",
                "--json",
                "--at",
                &at,
                "--late-limit",
                &limit,
                text,
            ]);
            for k in X_VARS {
                cmd.env_remove(k);
            }
            cmd.envs(cli_env(home, &env));
            let out = cmd.output().expect("run postbridge schedule");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "postbridge schedule: {stdout} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Value = serde_json::from_str(stdout.trim()).expect("schedule's JSON");
            let id = v["id"].as_str().expect("an id").to_owned();
            // Waiting for a due time: until it is past its late limit.
            let late_at_ms = (due + LATE_LIMIT + 2) * 1000;
            while now_ms() < late_at_ms {
                std::thread::sleep(Duration::from_millis(
                    u64::try_from(late_at_ms - now_ms()).unwrap_or(0),
                ));
            }
            *scheduled.lock().unwrap() = Some((id, due));
        },
        async |app| {
            let cli_env = cli_env(&app.home, &env);
            let (id, due) = scheduled
                .lock()
                .unwrap()
                .clone()
                .ok_or("nothing was scheduled")?;
            app.click("#nav-queue").await?;
            wait_item_state(app, &id, "held", Duration::from_secs(45)).await?;
            let reason = app.text(&format!("#queue-item-{id}-held")).await?;
            check!(
                reason.contains("late limit") && reason.contains(&format!("{LATE_LIMIT} s")),
                "the held reason: {reason:?}"
            );
            let late = app.text(&format!("#queue-item-{id}-late")).await?;
            check!(late.contains("late"), "lateness shown: {late:?}");
            app.screenshot("held").await?;
            check!(
                handle.posts().is_empty() && tweet_calls(&handle) == 0,
                "a late item was sent: {:?}",
                handle.posts()
            );
            let row = listed(&cli_env, &id).await?;
            check!(row["state"] == "held", "queue list: {row}");
            check!(
                row["late_secs"].as_i64().is_some_and(|l| l > LATE_LIMIT),
                "queue list's late_secs: {row}"
            );
            // A CLI run leaves a held item alone too.
            let run = cli(&cli_env, &["queue", "run", "--once", "--json"]).await?;
            check!(
                run.code == Some(0) && run.json["posted"].as_array().is_some_and(|a| a.is_empty()),
                "a CLI run: {run:?}"
            );
            check!(tweet_calls(&handle) == 0, "a CLI run sent the held item");

            app.click(&format!("#queue-item-{id}-post-now")).await?;
            wait_item_state(app, &id, "posted", Duration::from_secs(30)).await?;
            app.screenshot("posted-after-post-now").await?;
            let posts: Vec<_> = handle
                .posts()
                .into_iter()
                .filter(|p| p.text == text)
                .collect();
            check!(
                posts.len() == 1,
                "the simulator has {} copies: {posts:?}",
                posts.len()
            );
            check!(
                tweet_calls(&handle) == 1,
                "POST /2/tweets was called {} times",
                tweet_calls(&handle)
            );
            check!(
                posts[0].created_at_ms > (due + LATE_LIMIT) * 1000,
                "posted before it was held?"
            );
            let row = listed(&cli_env, &id).await?;
            check!(
                row["state"] == "posted" && row["post_ids"] == serde_json::json!([posts[0].id]),
                "queue list: {row}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

/// Whether process `pid` is still alive (not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Stops a process started by the journey (SIGTERM, then SIGKILL after 5 s).
async fn stop_process(child: &mut tokio::process::Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    if tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

/// Issue 13 items 2, 6 and 8: an item scheduled in the window, then Quit; `postbridge
/// --background` (what "Start at login" runs) posts it at its time without showing a window,
/// and its desktop notice reaches the session's notification service (dunst, D-Bus-activated)
/// as a `Notify` call that `dbus-monitor` sees on the bus.
#[tokio::test(flavor = "multi_thread")]
async fn scheduled_then_quit_the_background_mode_posts_it_and_notifies() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.processing_ms = 0);
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "queue-background";
    let service = keychain_service(name);
    let env = sim.app_env(name);
    let text = "Sent by the background mode after Quit";
    journey_prepared(
        name,
        env.clone(),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let cli_env = cli_env(&app.home, &env);
            type_text(app, 0, text).await?;
            let (local, _) = page_local_in(app, 25).await?;
            let id = schedule_draft(app, &local).await?;
            app.click("#nav-queue").await?;
            wait_item_state(app, &id, "scheduled", support::WAIT).await?;
            let due = due_shown(app, &id).await?;

            // Quit ends the app, window and runner alike.
            let pids = app.app_pids();
            check!(!pids.is_empty(), "no app process before Quit");
            app.screenshot("before-quit").await?;
            // The click's answer may be lost with the app; whether it quit is what counts.
            let _ = app.click("#quit-app").await;
            let started = std::time::Instant::now();
            while pids.iter().any(|p| alive(*p)) {
                check!(
                    started.elapsed() < support::WAIT,
                    "the app still runs {} s after Quit",
                    support::WAIT.as_secs()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            check!(
                due * 1000 > now_ms(),
                "the item fell due before the app had quit"
            );
            check!(
                handle.posts().is_empty() && tweet_calls(&handle) == 0,
                "sent before Quit: {:?}",
                handle.posts()
            );

            // Every Notify call on the session bus, from here on.
            let notify_log = app.artifacts.join("notify-calls.txt");
            let mut monitor = tokio::process::Command::new("dbus-monitor")
                .args([
                    "--session",
                    "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                ])
                .stdout(std::fs::File::create(&notify_log).map_err(|e| e.to_string())?)
                .stderr(std::process::Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("cannot start dbus-monitor: {e}"))?;
            // dbus-monitor prints the bus's greeting once it listens.
            let started = std::time::Instant::now();
            while std::fs::metadata(&notify_log).map_or(0, |m| m.len()) == 0 {
                check!(
                    started.elapsed() < support::WAIT,
                    "dbus-monitor did not start"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }

            let bg_log = std::fs::File::create(app.artifacts.join("background.log"))
                .map_err(|e| e.to_string())?;
            let mut background = cli_command(&cli_env, &["--background"])
                .stdout(bg_log.try_clone().map_err(|e| e.to_string())?)
                .stderr(bg_log)
                .spawn()
                .map_err(|e| format!("cannot start postbridge --background: {e}"))?;
            let outcome: support::Outcome = async {
                let deadline = due * 1000 + 45_000;
                while !handle.posts().iter().any(|p| p.text == text) {
                    check!(
                        now_ms() < deadline,
                        "the background mode did not post within 45 s of the due time"
                    );
                    if let Ok(Some(status)) = background.try_wait() {
                        return Err(format!("postbridge --background exited: {status}"));
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                let posts = handle.posts();
                check!(
                    posts.len() == 1 && tweet_calls(&handle) == 1,
                    "{} posts, {} POST /2/tweets: {posts:?}",
                    posts.len(),
                    tweet_calls(&handle)
                );
                check!(
                    posts[0].created_at_ms >= due * 1000,
                    "posted {} ms before its time",
                    due * 1000 - posts[0].created_at_ms
                );
                let windows = app.window_ids();
                check!(
                    windows.is_empty(),
                    "the background mode shows a window: {windows:?}"
                );
                let row = settled(&cli_env, &id, Duration::from_secs(15)).await?;
                check!(
                    row["state"] == "posted" && row["post_ids"] == serde_json::json!([posts[0].id]),
                    "queue list: {row}"
                );
                // The notice: a Notify call naming the post, answered by a running service.
                let started = std::time::Instant::now();
                loop {
                    let seen = std::fs::read_to_string(&notify_log).unwrap_or_default();
                    if seen.contains("Scheduled post posted") && seen.contains(text) {
                        break;
                    }
                    check!(
                        started.elapsed() < support::WAIT,
                        "no Notify call with the post on the session bus: {seen}"
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                check!(
                    support::bus_name_has_owner("org.freedesktop.Notifications"),
                    "no notification service owns org.freedesktop.Notifications"
                );
                Ok(())
            }
            .await;
            stop_process(&mut background).await;
            let _ = monitor.kill().await;
            outcome
        },
    )
    .await;
    sim.handle.shutdown().await;
}
