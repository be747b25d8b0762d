//! Journeys of issue 6: the composer in the real window against the simulator — a real
//! drag-and-drop, the native picker, a chunked video, the v2 fallback, a thread that fails and
//! resumes, a crash during an upload, and a read-only token's diagnosis leading into the wizard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use support::compose::*;
use support::{journey_prepared, keychain_env, keychain_service, seed_account, Outcome, Sim};
use testkit::{samples, write};

/// Drives the GTK file chooser the way a person does: waits for it to open, gives it the
/// keyboard focus (there is no window manager), opens its location field, types `path`, and
/// presses Return until the chooser closes (the first Return may only accept a completion).
async fn pick_in_file_chooser(path: &Path) -> Outcome {
    const TITLE: &str = "Add images, a GIF or a video";
    let dialog = wait_window(TITLE, support::WAIT)
        .await
        .ok_or("the file picker did not open within 15 s")?;
    xdo(&["windowfocus", "--sync", &dialog])?;
    xdo(&["key", "ctrl+l"])?;
    let path = path.display().to_string();
    xdo(&["type", "--delay", "10", &path])?;
    for _ in 0..3 {
        xdo(&["key", "Return"])?;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if wait_window(TITLE, Duration::ZERO).await.is_none() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Err(format!(
        "the file picker stayed open after typing {path} and Return"
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_an_image_add_alt_text_and_post() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "drop";
    let dir = support::files_dir(name);
    // A real picture: the app's own icon.
    let icon =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/icons/icon.png"))
            .unwrap();
    let image = write(&dir, "bridge.png", &icon);
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "Crossing the bridge").await?;
            drop_files(app, std::slice::from_ref(&image)).await?;
            app.find(".media img.thumb").await?;
            let name_line = app.text(".media .media-name").await?;
            check!(
                name_line.contains("bridge.png") && name_line.contains("512×512"),
                "attachment: {name_line:?}"
            );
            app.type_into(".media .alt", "A white bridge under a yellow paper plane")
                .await?;
            app.click("#part-0-text").await?; // blur saves the alt text
            saved(app).await?;
            app.screenshot("dropped").await?;
            let result = post_and_wait(app, "posted").await?;
            check!(result.contains("Posted"), "result: {result:?}");
            app.screenshot("posted").await?;
            let media = handle.media();
            let m = media.last().ok_or("the simulator got no media")?;
            let m = serde_json::to_value(m).unwrap();
            check!(
                m["alt_text"] == "A white bridge under a yellow paper plane",
                "media in the simulator: {m}"
            );
            check!(
                m["route"]
                    .as_str()
                    .map(|r| r.starts_with("v1"))
                    .unwrap_or(false),
                "upload route: {m}"
            );
            let posts = handle.posts();
            let p = serde_json::to_value(posts.last().ok_or("no post")?).unwrap();
            check!(p["text"] == "Crossing the bridge", "post: {p}");
            check!(
                p["media_ids"][0] == m["id"],
                "the post does not carry the uploaded media id: {p} / {m}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

/// Issue 14 item 3: an image over X's limits (a 9000-pixel-wide panorama; X takes 8192) is not
/// refused but fitted in Rust: the attachment shows before → after under the original's name,
/// the post carries the copy (8192 pixels wide), and the original file is unchanged.
#[tokio::test(flavor = "multi_thread")]
async fn an_image_over_x_limits_is_fitted_then_posted() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "fit";
    let dir = support::files_dir(name);
    let original = samples::png(9000, 300, 0);
    let image = write(&dir, "panorama.png", &original);
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "A very wide view").await?;
            drop_files(app, std::slice::from_ref(&image)).await?;
            let note = app.text(".media .fit-note").await?;
            check!(
                note.contains("9000×300 → ")
                    && note.contains("8192×273")
                    && note.contains("original file is unchanged"),
                "the fit note: {note:?}"
            );
            let name_line = app.text(".media .media-name").await?;
            check!(
                name_line.contains("panorama.png") && name_line.contains("8192×273"),
                "attachment: {name_line:?}"
            );
            app.find(".media img.thumb").await?;
            saved(app).await?;
            app.exec("document.querySelector('.media .fit-note').scrollIntoView({block: 'center'}); return null;")
                .await?;
            app.screenshot("fitted").await?;
            // The live preview (issue 14 item 2) shows the text as typed and the fitted image.
            app.find("#preview .preview-media[data-count=\"1\"] img").await?;
            type_text(app, 0, "A very wide view from docs.rs").await?;
            app.wait_text("#preview .preview-text", |t| t == "A very wide view from docs.rs")
                .await?;
            let link = app.text("#preview .preview-link").await?;
            check!(link == "docs.rs", "the preview's link: {link:?}");
            app.exec("document.querySelector('#preview').scrollIntoView({block: 'center'}); return null;")
                .await?;
            app.screenshot("preview").await?;
            // Keep the original instead: it is attached as it is, with X's refusal shown, and
            // the draft cannot be posted until it is removed.
            app.click(".media .keep-original").await?;
            let kept = app.text(".media .kept-note").await?;
            check!(
                kept.contains("X refuses it") && kept.contains("8192"),
                "the kept original's note: {kept:?}"
            );
            let name_line = app.text(".media .media-name").await?;
            check!(
                name_line.contains("panorama.png") && name_line.contains("9000×300"),
                "attachment: {name_line:?}"
            );
            saved(app).await?;
            // Nothing of the draft can be sent while it holds it: Post is disabled, and why.
            app.wait_text("#draft-problems", |t| t.contains("over X's limits as it is"))
                .await?;
            let disabled = app.attr("#post", "disabled").await?;
            check!(disabled.is_some(), "Post is enabled with the original kept");
            check!(
                handle.media().is_empty() && handle.posts().is_empty(),
                "something was sent: {:?} {:?}",
                handle.media(),
                handle.posts()
            );
            // Remove it and drop it again: fitted again.
            app.click(".media .remove-media").await?;
            app.wait_js(
                "the attachment removed",
                support::WAIT,
                "return document.querySelector('.media') === null;",
            )
            .await?;
            drop_files(app, std::slice::from_ref(&image)).await?;
            app.find(".media .fit-note").await?;
            saved(app).await?;
            let result = post_and_wait(app, "posted").await?;
            check!(result.contains("Posted"), "result: {result:?}");
            let media = handle.media();
            let m =
                serde_json::to_value(media.last().ok_or("the simulator got no media")?).unwrap();
            let got = m["received_bytes"].as_u64().unwrap_or(0);
            check!(
                got > 0 && got != original.len() as u64,
                "the simulator got {got} bytes, the original has {}: {m}",
                original.len()
            );
            let posts = handle.posts();
            let p = serde_json::to_value(posts.last().ok_or("no post")?).unwrap();
            check!(p["media_ids"][0] == m["id"], "post {p} / media {m}");
            check!(
                std::fs::read(&image).map_err(|e| e.to_string())? == original,
                "the original file changed"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

/// The id of the element that has the keyboard focus in the page, and whether it shows a visible
/// focus ring (its computed outline is not `none`).
async fn focused(app: &support::App) -> Result<(String, bool), String> {
    let v = app
        .exec(
            "const el = document.activeElement;
             if (el === null) return ['', false];
             const cls = el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : '';
             return [el.id ? '#' + el.id : el.tagName.toLowerCase() + cls,
                     getComputedStyle(el).outlineStyle !== 'none'];",
        )
        .await?;
    Ok((
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_bool().unwrap_or(false),
    ))
}

/// Presses `key` (xdotool's name: "Tab", "shift+Tab") until the focused element matches `want`
/// (a `#id` or `tag.class` as [`focused`] names it), at most `max` times; every stop on the way
/// must show a visible focus ring. Returns the stops, in order.
async fn key_to(
    app: &support::App,
    key: &str,
    want: &str,
    max: usize,
) -> Result<Vec<String>, String> {
    let mut stops = Vec::new();
    for _ in 0..max {
        let (was, _) = focused(app).await?;
        xdo(&["key", key])?;
        // The key reaches the page a moment after xdotool returns: wait for the focus to move.
        let started = std::time::Instant::now();
        let (mut now, mut ring) = focused(app).await?;
        while now == was && started.elapsed() < Duration::from_secs(3) {
            tokio::time::sleep(Duration::from_millis(30)).await;
            (now, ring) = focused(app).await?;
        }
        check!(
            ring,
            "{now} has the focus but no visible focus ring (after {stops:?})"
        );
        stops.push(now.clone());
        if now == want || now.starts_with(&format!("{want}.")) {
            return Ok(stops);
        }
    }
    Err(format!(
        "{want} never got the focus; {key} went through {stops:?}"
    ))
}

/// Issue 14 item 7: a thread with an image and alt text, written and posted with the keyboard
/// only — real key presses (xdotool) into the window, no click and no drag: Tab to the text,
/// type, Tab to "Add images or video…" and Enter (the native picker, also by keyboard), Tab to
/// the alt text, back to the text with Shift+Tab, Ctrl+Shift+Enter adds a part (the caret moves
/// into it), Ctrl+Enter posts. Every focus stop shows a visible focus ring.
#[tokio::test(flavor = "multi_thread")]
async fn a_thread_with_an_image_and_alt_text_by_keyboard_only() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "keyboard-only";
    let dir = support::files_dir(name);
    let image = write(&dir, "chart.png", &samples::png(800, 600, 1000));
    let service = keychain_service(name);
    let (one, two, alt) = (
        "Written without a mouse",
        "And a second part",
        "A blank chart",
    );
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            app.find("#part-0-text").await?;
            let window = app.window_id().ok_or("no app window")?;
            xdo(&["windowfocus", "--sync", &window])?;
            key_to(app, "Tab", "#part-0-text", 20).await?;
            xdo(&["type", "--delay", "15", one])?;
            saved(app).await?;
            key_to(app, "Tab", "#part-0-pick", 10).await?;
            xdo(&["key", "Return"])?;
            pick_in_file_chooser(&image).await?;
            xdo(&["windowfocus", "--sync", &window])?;
            app.find(".media img.thumb").await?;
            // The picker gives the focus back to the page; from the text, Tab reaches the alt text.
            let (now, _) = focused(app).await?;
            if now != "#part-0-text" {
                key_to(app, "shift+Tab", "#part-0-text", 20).await?;
            }
            key_to(app, "Tab", "#part-0-media-0-alt", 10).await?;
            xdo(&["type", "--delay", "15", alt])?;
            key_to(app, "shift+Tab", "#part-0-text", 10).await?; // leaving the alt text saves it
            saved(app).await?;
            xdo(&["key", "ctrl+shift+Return"])?;
            app.find("#part-1-text").await?;
            let mut now = String::new();
            for _ in 0..50 {
                now = focused(app).await?.0;
                if now == "#part-1-text" {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            check!(
                now == "#part-1-text",
                "after Ctrl+Shift+Enter the focus is on {now}"
            );
            xdo(&["type", "--delay", "15", two])?;
            saved(app).await?;
            let before = app.post_attempts().await?;
            xdo(&["key", "ctrl+Return"])?;
            let result = wait_outcome(app, before + 1, "posted").await?;
            check!(
                result.contains("Thread posted (2 parts)"),
                "result: {result:?}"
            );
            app.screenshot("posted-by-keyboard").await?;

            let posts = handle.posts();
            check!(posts.len() == 2, "posts: {posts:?}");
            check!(
                posts[0].text == one && posts[1].text == two,
                "posts: {posts:?}"
            );
            check!(
                posts[1].in_reply_to_tweet_id.as_deref() == Some(posts[0].id.as_str()),
                "not a thread: {posts:?}"
            );
            let media = serde_json::to_value(handle.media()).unwrap();
            let m = media.as_array().and_then(|a| a.last()).ok_or("no media")?;
            check!(m["alt_text"] == alt, "media: {m}");
            check!(
                posts[0].media_ids.len() == 1 && m["id"] == posts[0].media_ids[0].as_str(),
                "part one does not carry the image: {posts:?}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pick_a_file_with_the_native_picker_and_post() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "picker";
    let dir = support::files_dir(name);
    let image = write(&dir, "chart.png", &samples::png(800, 600, 1000));
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "Chart of the week").await?;
            // The click opens a GTK file chooser; type the path into it as a person would.
            let click = app.click("#part-0-pick");
            let driver = pick_in_file_chooser(&image);
            let (clicked, picked) = tokio::join!(click, driver);
            clicked?;
            picked?;
            let name_line = app.text(".media .media-name").await?;
            check!(name_line.contains("chart.png"), "attachment: {name_line:?}");
            post_and_wait(app, "posted").await?;
            let posts = handle.posts();
            let p = serde_json::to_value(posts.last().ok_or("no post")?).unwrap();
            check!(
                p["text"] == "Chart of the week"
                    && p["media_ids"].as_array().map(|a| a.len()) == Some(1),
                "post: {p}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_video_uploads_in_chunks_with_progress_then_posts() {
    let sim = Sim::start().await;
    // Slow enough to see: processing takes a few seconds, the upload is paced.
    sim.handle.update_modes(|m| m.processing_ms = 3_000);
    sim.handle.set_faults(
        "POST /1.1/media/upload.json",
        x_sim::Faults {
            bandwidth_bytes_per_sec: 8 * 1024 * 1024,
            ..Default::default()
        },
    );
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "video";
    let dir = support::files_dir(name);
    let video = write(&dir, "clip.mp4", &samples::mp4(12 * 1024 * 1024));
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "A short clip").await?;
            drop_files(app, std::slice::from_ref(&video)).await?;
            let line = app.text(".media .media-name").await?;
            check!(line.contains("video"), "attachment: {line:?}");
            let attempt = app.start_post().await?;
            app.wait_text("#progress-stage", |t| t.contains("Uploading"))
                .await?;
            app.find("#overall-progress").await?;
            app.screenshot("uploading").await?;
            app.wait_text("#progress-stage", |t| t.contains("processing"))
                .await?;
            app.screenshot("processing").await?;
            let text = wait_outcome(app, attempt, "posted").await?;
            check!(text.contains("Posted"), "result: {text:?}");
            let media = serde_json::to_value(handle.media()).unwrap();
            let m = &media[media.as_array().map(|a| a.len()).unwrap_or(1) - 1];
            check!(
                m["segments"].as_u64().unwrap_or(0) > 1 && m["state"] == "succeeded",
                "chunked media: {m}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_v1_retired_the_upload_goes_through_v2_and_is_remembered() {
    let sim = Sim::start().await;
    sim.handle.set_v1_retired(x_sim::V1Retired::Forbidden453);
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "v2-fallback";
    let dir = support::files_dir(name);
    let image = write(&dir, "map.png", &samples::png(300, 200, 500));
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "Map of the route").await?;
            drop_files(app, std::slice::from_ref(&image)).await?;
            app.find(".media img.thumb").await?;
            post_and_wait(app, "posted").await?;
            let media = serde_json::to_value(handle.media()).unwrap();
            let last = media
                .as_array()
                .and_then(|a| a.last())
                .cloned()
                .unwrap_or_default();
            check!(
                last["route"] == "v2",
                "the upload should have gone through v2: {last}"
            );
            // The account remembers the decision, with its reason.
            app.click("#nav-accounts").await?;
            let card = app
                .wait_text(".account", |t| t.contains("Uploads via"))
                .await?;
            check!(
                card.contains("Uploads via v2") && card.contains("453"),
                "account card: {card:?}"
            );
            let profiles =
                std::fs::read_to_string(app.home.join("config/postbridge/profiles.json"))
                    .unwrap_or_default();
            check!(
                profiles.contains("\"route\": \"v2\""),
                "profiles.json: {profiles}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thread_whose_second_part_fails_resumes_without_reposting() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "thread";
    let service = keychain_service(name);
    let too_long = format!("Part two {}", "x".repeat(300));
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "Thread: part one").await?;
            app.click("#add-part").await?;
            type_text(app, 1, &too_long).await?;
            app.click("#add-part").await?;
            type_text(app, 2, "Thread: part three").await?;
            app.wait_text("#part-1-count", |t| t.contains("needs Premium"))
                .await
                .map_err(|e| format!("the counter should warn: {e}"))?;
            let failed = post_and_wait(app, "failed").await?;
            check!(failed.contains("part 2"), "failure text: {failed:?}");
            app.screenshot("thread-failed").await?;
            app.wait_text("#post", |t| t == "Resume")
                .await
                .map_err(|e| format!("the button should offer Resume: {e}"))?;
            // Fix part two and resume: part one is not posted again.
            type_text(app, 1, "Thread: part two").await?;
            post_and_wait(app, "posted").await?;

            let posts = handle.posts();
            for text in ["Thread: part one", "Thread: part two", "Thread: part three"] {
                let n = posts.iter().filter(|p| p.text == text).count();
                check!(n == 1, "{text:?} exists {n} times");
            }
            let by_text = |t: &str| posts.iter().find(|p| p.text == t).cloned();
            let (one, two, three) = (
                by_text("Thread: part one").ok_or("no part one")?,
                by_text("Thread: part two").ok_or("no part two")?,
                by_text("Thread: part three").ok_or("no part three")?,
            );
            check!(
                two.in_reply_to_tweet_id.as_deref() == Some(one.id.as_str()),
                "part two does not reply to part one"
            );
            check!(
                three.in_reply_to_tweet_id.as_deref() == Some(two.id.as_str()),
                "part three does not reply to part two"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killing_the_app_during_an_upload_loses_nothing_and_posts_once() {
    let sim = Sim::start().await;
    // A slow upload, so the kill lands in the middle of it.
    sim.handle.set_faults(
        "POST /1.1/media/upload.json",
        x_sim::Faults {
            bandwidth_bytes_per_sec: 1024 * 1024,
            ..Default::default()
        },
    );
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "crash";
    let dir = support::files_dir(name);
    let video = write(&dir, "long.mp4", &samples::mp4(8 * 1024 * 1024));
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let text = "Posted exactly once";
            type_text(app, 0, text).await?;
            drop_files(app, std::slice::from_ref(&video)).await?;
            app.find(".media .media-name").await?;
            app.start_post().await?;
            app.wait_text("#progress-stage", |t| t.contains("Uploading"))
                .await?;
            app.crash_and_restart().await;
            handle.clear_faults();
            let script = format!(
            "const t = document.querySelector('#part-0-text'); return t !== null && t.value === {}",
            serde_json::to_string(text).unwrap()
        );
            app.wait_js("the draft text to come back", support::WAIT, &script)
                .await?;
            let value = app
                .exec("return document.querySelector('#part-0-text').value")
                .await?;
            check!(
                value.as_str() == Some(text),
                "draft text after restart: {value}"
            );
            let media = app.text(".media .media-name").await?;
            check!(
                media.contains("long.mp4"),
                "the attachment did not come back: {media:?}"
            );
            app.screenshot("restored").await?;
            post_and_wait(app, "posted").await?;
            let n = handle.posts().iter().filter(|p| p.text == text).count();
            check!(n == 1, "the post exists {n} times");
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_token_is_diagnosed_and_its_button_opens_the_wizard() {
    let sim = Sim::start().await;
    let read_only = sim
        .handle
        .issue_token("demo", x_sim::AccessLevel::Read)
        .unwrap();
    let name = "read-only-post";
    let service = keychain_service(name);
    let env = vec![keychain_env(name)];
    journey_prepared(
        name,
        env,
        |home| seed_account(home, &service, "Work", &read_only, &sim.handle),
        async |app| {
            type_text(app, 0, "This will not post").await?;
            let failed = post_and_wait(app, "failed").await?;
            check!(failed.contains("read-only-token"), "diagnosis: {failed:?}");
            app.screenshot("read-only-diagnosis").await?;
            app.click("#post-result .diagnosis-action").await?;
            app.wait_attr("#wizard", "data-step", |s| s == Some("permissions"))
                .await
                .map_err(|e| format!("the wizard should open at permissions: {e}"))?;
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}
