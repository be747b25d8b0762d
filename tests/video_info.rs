//! Journey of issue 14 item 4 (video preview and info, and the account's video limit): a real
//! 90 s H.264 video dropped on the composer shows its first frame (decoded in Rust; checked by
//! its colours in the page) with a play mark, and says its duration and resolution, in the
//! item and in the preview; the
//! account may post only 1 minute, so X refuses the post with its 403; the failure is
//! `video-too-long`, the draft stays, and the composer now warns with the limit X gave —
//! without disabling Post.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::compose::*;
use support::{journey_prepared, keychain_service, seed_account, Sim};
use testkit::h264::{mp4_bytes, Video};
use testkit::write;

/// The colour at (`fx`, `fy`) (fractions of the picture) of the first `img` matching `css`, as
/// the page draws it: JavaScript that returns `[r, g, b, width, height]`, or `null` until the
/// image is loaded.
fn pixel_js(css: &str, fx: f64, fy: f64) -> String {
    format!(
        "const img = document.querySelector({css:?}); \
         if (!img || !img.complete || img.naturalWidth === 0) return null; \
         const c = document.createElement('canvas'); \
         c.width = img.naturalWidth; c.height = img.naturalHeight; \
         const g = c.getContext('2d'); g.drawImage(img, 0, 0); \
         const d = g.getImageData(Math.floor(c.width * {fx}), Math.floor(c.height * {fy}), 1, 1).data; \
         return [d[0], d[1], d[2], img.naturalWidth, img.naturalHeight];"
    )
}

fn near(got: &serde_json::Value, want: [u8; 3]) -> bool {
    (0..3).all(|i| {
        got[i]
            .as_u64()
            .is_some_and(|g| g.abs_diff(u64::from(want[i])) <= 24)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_video_shows_its_length_and_x_s_limit_for_the_account_is_remembered() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.processing_ms = 500);
    assert!(sim
        .handle
        .update_account("demo", |a| a.video_max_minutes = Some(1)));
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "video-info";
    let dir = support::files_dir(name);
    // 90 s at 10 fps: three encoded frames, repeated. Fast start, so that the simulator (which
    // keeps only a file's first 64 KiB) knows its length and refuses it as X does.
    let clip = Video {
        frames: 900,
        encoded: 3,
        faststart: true,
        ..Video::new(1280, 720)
    };
    let video = write(&dir, "talk.mp4", &mp4_bytes(&clip));
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "A talk, a bit long").await?;
            drop_files(app, std::slice::from_ref(&video)).await?;
            let line = app.text("#composer .media .media-name").await?;
            check!(
                line.starts_with("talk.mp4 · video · 1:30 · 1280×720 · "),
                "media line: {line:?}"
            );
            let badge = app.text(".preview-duration").await?;
            check!(badge == "1:30", "preview duration: {badge:?}");
            app.find(".preview-play").await?;
            // The first frame, decoded in Rust, in the item and in the preview: red on the
            // left, blue on the right, 16:9.
            for css in [
                "#composer .media .thumb-video img",
                ".preview-cell.is-video img",
            ] {
                let left = app
                    .wait_js(
                        "the video's first frame",
                        std::time::Duration::from_secs(10),
                        &pixel_js(css, 0.25, 0.5),
                    )
                    .await?;
                let right = app.exec(&pixel_js(css, 0.75, 0.5)).await?;
                check!(near(&left, clip.left), "{css} left half: {left}");
                check!(near(&right, clip.right), "{css} right half: {right}");
                let (w, h) = (left[3].as_u64().unwrap_or(0), left[4].as_u64().unwrap_or(1));
                check!(w * 9 == h * 16, "{css} is 16:9: {w}×{h}");
            }
            app.find("#composer .media .thumb-play").await?;
            app.exec("document.querySelector('.preview-cell.is-video').scrollIntoView({block: 'center'}); return true")
                .await?;
            app.screenshot("video-preview").await?;
            // 1:30 is under X's documented 20 minutes: no warning yet.
            let problems_hidden = app
                .exec("return document.querySelector('#draft-problems').hidden")
                .await?;
            check!(
                problems_hidden == serde_json::Value::Bool(true),
                "no warning before X says anything"
            );
            let failed = post_and_wait(app, "failed").await?;
            let kind = app
                .exec("return document.querySelector('#post-result').dataset.kind")
                .await?;
            check!(
                kind == serde_json::Value::String("video-too-long".into()),
                "failure kind {kind}: {failed:?}"
            );
            check!(
                handle.posts().iter().all(|p| p.deleted),
                "nothing was posted"
            );
            app.wait_text("#draft-problems li.warning", |t| {
                t.contains(
                    "talk.mp4 is 1:30 long; X told this account it may post videos up to 1 minutes",
                )
            })
            .await?;
            let post_disabled = app
                .exec("return document.querySelector('#post').disabled")
                .await?;
            check!(
                post_disabled == serde_json::Value::Bool(false),
                "a warning never disables Post"
            );
            app.screenshot("video-limit-warning").await?;
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}
