//! Journeys of issue 6: the composer in the real window against the simulator — a real
//! drag-and-drop, the native picker, a chunked video, the v2 fallback, a thread that fails and
//! resumes, a crash during an upload, and a read-only token's diagnosis leading into the wizard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{journey_prepared, keychain_env, keychain_service, seed_account, App, Outcome, Sim};
use x_client::media::samples;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn env_for(sim: &Sim, journey: &str) -> Vec<(String, String)> {
    sim.app_env(journey)
}

/// Posts what is in the composer and waits for the outcome.
async fn post_and_wait(app: &App, outcome: &str) -> Result<String, String> {
    // A result from an earlier post may still be on screen for a moment: wait for a new one.
    let earlier = app
        .client()
        .find(fantoccini::Locator::Css("#post-result"))
        .await
        .ok()
        .map(|el| el.element_id().to_string());
    app.click("#post").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(el) = app
            .client()
            .find(fantoccini::Locator::Css("#post-result"))
            .await
        {
            if Some(el.element_id().to_string()) == earlier {
                if std::time::Instant::now() > deadline {
                    let button = app
                        .exec("const b = document.querySelector('#post'); return b ? [b.disabled, b.textContent] : null")
                        .await?;
                    return Err(format!("the earlier result stayed; post button: {button}"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            let got = el.attr("data-outcome").await.map_err(|e| e.to_string())?;
            if got.as_deref() == Some(outcome) {
                return el.text().await.map_err(|e| e.to_string());
            }
            if got.is_some() && got.as_deref() != Some(outcome) {
                let text = el.text().await.unwrap_or_default();
                return Err(format!("expected outcome {outcome}, got {got:?}: {text}"));
            }
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("no {outcome} outcome within 60 s"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn type_text(app: &App, part: usize, text: &str) -> Outcome {
    app.type_into(&format!("#part-{part}-text"), text).await
}

/// A real drag: a GTK drag source window, moved onto the app window with xdotool.
async fn drop_files(app: &App, files: &[PathBuf]) -> Outcome {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/drag_source.py");
    let mut source = Command::new("/usr/bin/python3")
        .arg(&script)
        .args(["1000", "100"])
        .args(files)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the drag source: {e}"))?;
    let mut ready = String::new();
    {
        use std::io::BufRead;
        let stdout = source.stdout.take().ok_or("no stdout")?;
        std::io::BufReader::new(stdout)
            .read_line(&mut ready)
            .map_err(|e| e.to_string())?;
    }
    let xdo = |args: &[&str]| {
        Command::new("xdotool")
            .args(args)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    // Drop onto the middle of the app's window, wherever it was placed.
    let target = app
        .window_id()
        .and_then(|id| {
            let out = Command::new("xdotool")
                .args(["getwindowgeometry", "--shell", &id])
                .output()
                .ok()?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let get = |k: &str| -> Option<i32> {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("{k}=")))
                    .and_then(|v| v.trim().parse().ok())
            };
            Some((
                get("X")? + get("WIDTH")? / 3,
                get("Y")? + get("HEIGHT")? / 2,
            ))
        })
        .unwrap_or((480, 360));
    let result = (|| {
        if !ready.contains("ready") {
            return Err("the drag source did not start".to_string());
        }
        // The button fills the source window at (1000,100); the composer is left of it.
        xdo(&["mousemove", "1100", "160"]);
        std::thread::sleep(Duration::from_millis(200));
        xdo(&["mousedown", "1"]);
        let (tx, ty) = target;
        for step in 1..=8 {
            let x = 1100 + (tx - 1100) * step / 8;
            let y = 160 + (ty - 160) * step / 8;
            xdo(&["mousemove", &x.to_string(), &y.to_string()]);
            std::thread::sleep(Duration::from_millis(120));
        }
        xdo(&["mouseup", "1"]);
        Ok(())
    })();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = source.kill();
    let _ = source.wait();
    result
}

#[tokio::test(flavor = "multi_thread")]
async fn drop_an_image_add_alt_text_and_post() {
    let sim = Sim::start().await;
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "drop";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-files")
        .join(name);
    // A real picture: the app's own icon.
    let icon =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/icons/icon.png"))
            .unwrap();
    let image = write(&dir, "bridge.png", &icon);
    let service = keychain_service(name);
    journey_prepared(
        name,
        env_for(&sim, name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        |app: App| async move {
            let outcome: Outcome = async {
                type_text(&app, 0, "Crossing the bridge").await?;
                drop_files(&app, std::slice::from_ref(&image)).await?;
                app.find(".media img.thumb").await?;
                let name_line = app.text(".media .media-name").await?;
                check!(
                    name_line.contains("bridge.png") && name_line.contains("512×512"),
                    "attachment: {name_line:?}"
                );
                app.type_into(".media .alt", "A white bridge under a yellow paper plane")
                    .await?;
                app.click("#part-0-text").await?; // blur saves the alt text
                app.screenshot("dropped").await?;
                let result = post_and_wait(&app, "posted").await?;
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
            }
            .await;
            (app, outcome)
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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-files")
        .join(name);
    let image = write(&dir, "chart.png", &samples::png(800, 600, 1000));
    let service = keychain_service(name);
    journey_prepared(
        name,
        env_for(&sim, name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        |app: App| async move {
            let outcome: Outcome = async {
                type_text(&app, 0, "Chart of the week").await?;
                // The click opens a GTK file chooser; type the path into it as a person would.
                let click = app.click("#part-0-pick");
                let driver = async {
                    let mut dialog = None;
                    for _ in 0..50 {
                        let out = Command::new("xdotool")
                            .args([
                                "search",
                                "--onlyvisible",
                                "--name",
                                "Add images, a GIF or a video",
                            ])
                            .output()
                            .ok();
                        dialog = out.and_then(|o| {
                            String::from_utf8_lossy(&o.stdout)
                                .lines()
                                .next()
                                .map(str::to_owned)
                        });
                        if dialog.is_some() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    let Some(dialog) = dialog else {
                        return Err("the file picker did not open".to_string());
                    };
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    // No window manager here: give the dialog the keyboard focus explicitly.
                    let path = image.display().to_string();
                    for args in [
                        vec!["windowfocus", "--sync", dialog.as_str()],
                        vec!["key", "ctrl+l"],
                        vec!["type", "--delay", "10", &path],
                        vec!["key", "Return"],
                    ] {
                        Command::new("xdotool").args(&args).status().ok();
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Ok(())
                };
                let (clicked, picked) = tokio::join!(click, driver);
                clicked?;
                picked?;
                let name_line = app.text(".media .media-name").await?;
                check!(name_line.contains("chart.png"), "attachment: {name_line:?}");
                post_and_wait(&app, "posted").await?;
                let posts = handle.posts();
                let p = serde_json::to_value(posts.last().ok_or("no post")?).unwrap();
                check!(
                    p["text"] == "Chart of the week"
                        && p["media_ids"].as_array().map(|a| a.len()) == Some(1),
                    "post: {p}"
                );
                Ok(())
            }
            .await;
            (app, outcome)
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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-files")
        .join(name);
    let video = write(&dir, "clip.mp4", &samples::mp4(12 * 1024 * 1024));
    let service = keychain_service(name);
    journey_prepared(
        name,
        env_for(&sim, name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        |app: App| async move {
            let outcome: Outcome = async {
                type_text(&app, 0, "A short clip").await?;
                drop_files(&app, std::slice::from_ref(&video)).await?;
                let line = app.text(".media .media-name").await?;
                check!(line.contains("video"), "attachment: {line:?}");
                app.click("#post").await?;
                app.wait_text("#progress-stage", |t| t.contains("Uploading"))
                    .await?;
                app.find("#overall-progress").await?;
                app.screenshot("uploading").await?;
                app.wait_text("#progress-stage", |t| t.contains("processing"))
                    .await?;
                app.screenshot("processing").await?;
                let deadline = std::time::Instant::now() + Duration::from_secs(60);
                loop {
                    if let Ok(text) = app.text("#post-result").await {
                        check!(text.contains("Posted"), "result: {text:?}");
                        break;
                    }
                    check!(
                        std::time::Instant::now() < deadline,
                        "no result within 60 s"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                let media = serde_json::to_value(handle.media()).unwrap();
                let m = &media[media.as_array().map(|a| a.len()).unwrap_or(1) - 1];
                check!(
                    m["segments"].as_u64().unwrap_or(0) > 1 && m["state"] == "succeeded",
                    "chunked media: {m}"
                );
                Ok(())
            }
            .await;
            (app, outcome)
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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-files")
        .join(name);
    let image = write(&dir, "map.png", &samples::png(300, 200, 500));
    let service = keychain_service(name);
    journey_prepared(
        name,
        env_for(&sim, name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        |app: App| async move {
            let outcome: Outcome = async {
                type_text(&app, 0, "Map of the route").await?;
                drop_files(&app, std::slice::from_ref(&image)).await?;
                app.find(".media img.thumb").await?;
                post_and_wait(&app, "posted").await?;
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
            }
            .await;
            (app, outcome)
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
        env_for(&sim, name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        |app: App| async move {
            let outcome: Outcome = async {
                type_text(&app, 0, "Thread: part one").await?;
                app.click("#add-part").await?;
                type_text(&app, 1, &too_long).await?;
                app.click("#add-part").await?;
                type_text(&app, 2, "Thread: part three").await?;
                let count = app.text("#part-1-count").await?;
                check!(
                    count.contains("needs Premium"),
                    "the counter should warn: {count:?}"
                );
                let failed = post_and_wait(&app, "failed").await?;
                check!(failed.contains("part 2"), "failure text: {failed:?}");
                app.screenshot("thread-failed").await?;
                check!(
                    app.text("#post").await? == "Resume",
                    "the button should offer Resume"
                );
                // Fix part two and resume: part one is not posted again.
                type_text(&app, 1, "Thread: part two").await?;
                post_and_wait(&app, "posted").await?;

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
            }
            .await;
            (app, outcome)
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
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("e2e-files")
        .join(name);
    let video = write(&dir, "long.mp4", &samples::mp4(8 * 1024 * 1024));
    let service = keychain_service(name);
    journey_prepared(name, env_for(&sim, name), |home| seed_account(home, &service, "Work", &demo, &sim.handle), |app: App| async move {
        let text = "Posted exactly once";
        let mut app = app;
        let outcome: Outcome = async {
            type_text(&app, 0, text).await?;
            drop_files(&app, std::slice::from_ref(&video)).await?;
            app.find(".media .media-name").await?;
            app.click("#post").await?;
            app.wait_text("#progress-stage", |t| t.contains("Uploading")).await?;
            Ok(())
        }
        .await;
        if outcome.is_err() {
            return (app, outcome);
        }
        app = app.crash_and_restart().await;
        handle.clear_faults();
        let outcome: Outcome = async {
            let value = {
                let deadline = std::time::Instant::now() + Duration::from_secs(15);
                loop {
                    let v = app
                        .exec("const t = document.querySelector('#part-0-text'); return t ? t.value : null")
                        .await?;
                    if v.as_str() == Some(text) {
                        break v;
                    }
                    check!(std::time::Instant::now() < deadline, "the draft text did not come back: {v}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            };
            check!(value.as_str() == Some(text), "draft text after restart: {value}");
            let media = app.text(".media .media-name").await?;
            check!(media.contains("long.mp4"), "the attachment did not come back: {media:?}");
            app.screenshot("restored").await?;
            post_and_wait(&app, "posted").await?;
            let n = handle.posts().iter().filter(|p| p.text == text).count();
            check!(n == 1, "the post exists {n} times");
            Ok(())
        }
        .await;
        (app, outcome)
    })
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
        |app: App| async move {
            let outcome: Outcome = async {
                type_text(&app, 0, "This will not post").await?;
                let failed = post_and_wait(&app, "failed").await?;
                check!(failed.contains("read-only-token"), "diagnosis: {failed:?}");
                app.screenshot("read-only-diagnosis").await?;
                app.click("#post-result .diagnosis-action").await?;
                let step = app
                    .find("#wizard")
                    .await?
                    .attr("data-step")
                    .await
                    .map_err(|e| e.to_string())?;
                check!(
                    step.as_deref() == Some("permissions"),
                    "the wizard opened at {step:?}"
                );
                Ok(())
            }
            .await;
            (app, outcome)
        },
    )
    .await;
    sim.handle.shutdown().await;
}
