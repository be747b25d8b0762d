//! Responsiveness probes in the real window (issue 15 item 3, issue 14's "longest main-thread
//! stall"): real key presses (xdotool) typed into the composer
//!
//! 1. with four images in the draft and its live preview, then
//! 2. into a new part while the post runs: a video of `POSTBRIDGE_PROBE_MB` MB (default 48; the
//!    figures in docs/benchmarks.md use 200) uploading over a 100 Mbit/s, 50 ms simulated link,
//!    with its preview on screen.
//!
//! The page's probes (ui/src/lib/probe.ts) time each keystroke to the end of its input
//! handlers and to the first frame after it, and the longest gap between frames while typing.
//! The test checks behaviour only — every key reached the field and every keystroke was painted —
//! and writes the figures to `<artifacts>/probes/figures.json` and stdout; it never asserts a
//! duration (figures come from the release build: `POSTBRIDGE_E2E_APP=target/release/postbridge`,
//! see docs/benchmarks.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{json, Value};
use support::compose::*;
use support::{artifacts_root, journey_prepared, keychain_service, seed_account, App, Sim};
use testkit::{samples, write};

/// Typed in each phase: 120 characters.
const PHRASE: &str = "The quick brown fox jumps over the lazy dog while the upload runs; ";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Reads and clears the page's probe; returns its summary.
async fn take_probe(app: &App, phase: &str) -> Result<Value, String> {
    let raw = app
        .exec(
            "const p = window.__postbridgeProbe; \
             const out = {handled: p.handled.slice(), painted: p.painted.slice(), maxFrameGap: p.maxFrameGap}; \
             p.handled.length = 0; p.painted.length = 0; p.maxFrameGap = 0; return out;",
        )
        .await?;
    let list = |k: &str| -> Vec<f64> {
        let mut v: Vec<f64> = raw[k]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        v.sort_by(f64::total_cmp);
        v
    };
    let (handled, painted) = (list("handled"), list("painted"));
    Ok(json!({
        "phase": phase,
        "keystrokes": painted.len(),
        "handled_ms": {"p50": percentile(&handled, 50.0), "p99": percentile(&handled, 99.0), "max": handled.last()},
        "painted_ms": {"p50": percentile(&painted, 50.0), "p99": percentile(&painted, 99.0), "max": painted.last()},
        "longest_frame_gap_ms": raw["maxFrameGap"],
    }))
}

/// Types `text` with real key presses into the focused field `css`, checks that every key
/// arrived, and waits until the probe has a frame for each of them.
async fn type_for_real(app: &App, css: &str, text: &str) -> Result<(), String> {
    app.click(css).await?;
    let window = app.window_id().ok_or("no app window")?;
    xdo(&["windowfocus", "--sync", &window])?;
    xdo(&["type", "--delay", "40", text])?;
    let want = text.to_owned();
    let script = format!("return document.querySelector('{css}').value");
    let started = std::time::Instant::now();
    loop {
        let got = app.exec(&script).await?;
        if got.as_str().is_some_and(|v| v.ends_with(&want)) {
            break;
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("typed {want:?}, the field holds {got}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every keystroke's frame (the probe was cleared before typing): waited for, not guessed.
    let n = text.chars().count();
    app.wait_js(
        "every keystroke's frame",
        Duration::from_secs(20),
        &format!("return window.__postbridgeProbe.painted.length >= {n}"),
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn keystrokes_stay_responsive_with_four_images_and_during_a_video_upload() {
    let mb: usize = std::env::var("POSTBRIDGE_PROBE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let sim = Sim::start().await;
    sim.handle.set_link(x_sim::Link {
        uplink_bits_per_sec: 100_000_000,
        rtt_ms: 50,
        ..x_sim::Link::default()
    });
    let demo = sim.handle.demo();
    let name = "probes";
    let dir = support::files_dir(name);
    let images: Vec<_> = (0..4)
        .map(|i| {
            write(
                &dir,
                &format!("photo-{i}.png"),
                &samples::png(4000, 3000, i * 1000),
            )
        })
        .collect();
    let video = write(&dir, "long-take.mp4", &samples::mp4(mb * 1024 * 1024));
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            let phrase = format!("{PHRASE}{PHRASE}")[..120].to_owned();
            // 1. Four images in the draft and the preview.
            drop_files(app, &images).await?;
            app.wait_js(
                "four images in the preview",
                Duration::from_secs(60),
                "return document.querySelectorAll('#preview img').length >= 4",
            )
            .await?;
            take_probe(app, "before").await?; // only the keys typed below
            type_for_real(app, "#part-0-text", &phrase).await?;
            saved(app).await?;
            let images_phase = take_probe(app, "four images in the preview").await?;
            check!(
                images_phase["keystrokes"].as_u64() == Some(phrase.chars().count() as u64),
                "every keystroke painted: {images_phase}"
            );

            // 2. A second part with the video; post, and type into a third part meanwhile.
            app.click("#add-part").await?;
            app.find("#part-1-text").await?;
            type_text(app, 1, "And the long take").await?;
            drop_files(app, std::slice::from_ref(&video)).await?;
            app.start_post().await?;
            app.wait_text("#progress-stage", |t| t.contains("long-take.mp4"))
                .await?;
            app.click("#add-part").await?;
            app.find("#part-2-text").await?;
            take_probe(app, "before").await?; // only the keys typed below
            type_for_real(app, "#part-2-text", &phrase).await?;
            let still_uploading = app.text("#progress-stage").await?;
            let upload_phase = take_probe(app, &format!("during a {mb} MB upload")).await?;
            check!(
                upload_phase["keystrokes"].as_u64() == Some(phrase.chars().count() as u64),
                "every keystroke painted: {upload_phase}"
            );
            app.click("#cancel-post").await?;
            let figures = json!({
                "video_mb": mb,
                "stage_when_typing_ended": still_uploading,
                "phases": [images_phase, upload_phase],
            });
            let out = artifacts_root().join("probes-figures.json");
            std::fs::write(&out, serde_json::to_string_pretty(&figures).unwrap())
                .map_err(|e| e.to_string())?;
            println!("probe figures: {figures}");
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}
