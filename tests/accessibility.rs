//! Journey of issue 14 item 7: axe-core (WCAG 2.0/2.1 A and AA rules) runs inside the real
//! window on each screen and state a person reaches — the first run, the wizard's steps, the
//! composer empty, with an image, with a video (its first frame), an error and the preview,
//! the history after a post, the queue and the accounts — and the journey fails on any
//! violation, naming the rule, its impact and the elements. axe-core comes from the UI's locked
//! npm packages (`ui/node_modules/axe-core`), injected through WebDriver; the page itself never
//! loads it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use support::compose::{drop_files, post_and_wait, saved, type_text};
use support::{journey, keychain_env, picture, App, Outcome};

/// The rules: every WCAG 2.0 and 2.1 rule at levels A and AA.
const TAGS: &str = r#"["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]"#;

/// Runs axe-core on the page as it is now; the violations as readable lines (none: empty).
async fn audit(app: &App, state: &str) -> Result<Vec<String>, String> {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/node_modules/axe-core/axe.min.js"),
    )
    .map_err(|e| format!("axe-core is not installed (run scripts/setup.sh): {e}"))?;
    app.exec(&format!(
        "if (window.axe === undefined) {{ {source}\n }} return typeof window.axe;"
    ))
    .await?;
    let script = format!(
        "const done = arguments[arguments.length - 1];
         window.axe.run(document, {{ runOnly: {{ type: 'tag', values: {TAGS} }}, resultTypes: ['violations'] }})
           .then((r) => done(JSON.stringify(r.violations.map((v) => ({{
             id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' ')),
           }})))), (e) => done('axe failed: ' + e));"
    );
    let out = app
        .client()
        .execute_async(&script, vec![])
        .await
        .map_err(|e| format!("axe on {state}: {e}"))?;
    let text = out.as_str().unwrap_or_default().to_owned();
    let violations: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|_| format!("axe on {state}: {text}"))?;
    let lines: Vec<String> = violations
        .iter()
        .map(|v| {
            format!(
                "[{state}] {} ({}): {} — {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
                    .as_array()
                    .map(|n| n
                        .iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "))
                    .unwrap_or_default()
            )
        })
        .collect();
    let _ = std::fs::write(
        app.artifacts.join(format!("axe-{state}.txt")),
        lines.join("\n") + "\n",
    );
    Ok(lines)
}

/// Audits `state` and adds its violations to `all`.
async fn sweep(app: &App, state: &str, all: &mut Vec<String>) -> Outcome {
    all.extend(audit(app, state).await?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_screen_passes_axe_core_wcag_2_1_aa_in_light_mode() {
    every_screen_passes("accessibility-light", false).await;
}

/// The same sweep with the desktop in dark mode (GTK's dark Adwaita, which WebKitGTK reports as
/// `prefers-color-scheme: dark`): the dark palette passes contrast too.
#[tokio::test(flavor = "multi_thread")]
async fn every_screen_passes_axe_core_wcag_2_1_aa_in_dark_mode() {
    every_screen_passes("accessibility-dark", true).await;
}

async fn every_screen_passes(name: &str, dark: bool) {
    let image = picture(name);
    let video = testkit::write(
        &support::files_dir(name),
        "clip.mp4",
        &testkit::h264::mp4_bytes(&testkit::h264::Video::new(320, 240)),
    );
    let mut env = vec![keychain_env(name)];
    if dark {
        env.push(("GTK_THEME".into(), "Adwaita:dark".into()));
    }
    journey(name, env, async |app| {
        let mut all = Vec::new();
        app.find("#start-sandbox").await?;
        let is_dark = app
            .exec("return window.matchMedia('(prefers-color-scheme: dark)').matches;")
            .await?;
        check!(
            is_dark == serde_json::Value::Bool(dark),
            "the page's prefers-color-scheme: dark is {is_dark}, wanted {dark}"
        );
        // The audit can fail: an image without alt text, there for a moment, is found.
        app.exec(
            "const i = document.createElement('img'); i.id = 'axe-canary';
                 i.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
                 document.body.append(i); return null;",
        )
        .await?;
        let canary = audit(app, "canary").await?;
        check!(
            canary
                .iter()
                .any(|l| l.contains("image-alt") && l.contains("#axe-canary")),
            "axe did not find an image without alt text: {canary:?}"
        );
        app.exec("document.getElementById('axe-canary').remove(); return null;")
            .await?;
        sweep(app, "first-run", &mut all).await?;
        // The wizard's steps, by the pasted-keys path, then back to the start.
        app.click("#start-keys").await?;
        app.find("label[for=plan-free]").await?;
        sweep(app, "wizard-plan", &mut all).await?;
        app.click("label[for=plan-free]").await?;
        app.click("#plan-continue").await?;
        app.find("#permissions-continue").await?;
        sweep(app, "wizard-permissions", &mut all).await?;
        app.click("#permissions-continue").await?;
        app.find("#regenerate-continue").await?;
        sweep(app, "wizard-regenerate", &mut all).await?;
        app.click("#regenerate-continue").await?;
        app.find("#paste-form").await?;
        sweep(app, "wizard-paste", &mut all).await?;
        app.click("#paste-continue").await?; // empty: the form's errors
        sweep(app, "wizard-paste-errors", &mut all).await?;

        // The sandbox: the composer, empty, then with media, typed text and the preview.
        app.exec("location.reload(); return null;").await?;
        app.click("#start-sandbox").await?;
        app.wait_text("#wizard-done", |t| t.contains("is ready"))
            .await?;
        sweep(app, "wizard-done", &mut all).await?;
        app.click("#wizard-finish").await?;
        app.find("#part-0-text").await?;
        sweep(app, "composer-empty", &mut all).await?;
        type_text(app, 0, "Checking with axe at example.com").await?;
        drop_files(app, std::slice::from_ref(&image)).await?;
        app.find(".media img.thumb").await?;
        saved(app).await?;
        sweep(app, "composer-media", &mut all).await?;
        app.exec(
            "document.querySelector('#preview').scrollIntoView({block: 'center'}); return null;",
        )
        .await?;
        app.screenshot("composer-preview").await?;
        app.click("#add-part").await?;
        // An error: the added part is empty, so the draft cannot be posted.
        app.find("#draft-problems li").await?;
        sweep(app, "composer-error", &mut all).await?;
        app.click(".part[data-part=\"1\"] .remove-part").await?;
        app.wait_js(
            "one part left",
            support::WAIT,
            "return document.querySelector('#part-1-text') === null;",
        )
        .await?;
        let result = post_and_wait(app, "posted").await?;
        check!(result.contains("Posted"), "result: {result:?}");
        sweep(app, "composer-posted-history", &mut all).await?;
        // A video in the new draft: its first frame with a play mark, the subtitles button,
        // and the preview's video cell with its duration.
        drop_files(app, std::slice::from_ref(&video)).await?;
        app.find("#composer .media .thumb-video img").await?;
        app.find(".preview-cell.is-video img").await?;
        saved(app).await?;
        sweep(app, "composer-video", &mut all).await?;

        app.click("#nav-queue").await?;
        app.find("#queue").await?;
        sweep(app, "queue", &mut all).await?;
        app.click("#nav-accounts").await?;
        app.find("#accounts .account").await?;
        sweep(app, "accounts", &mut all).await?;

        check!(
            all.is_empty(),
            "{} accessibility violations:\n{}",
            all.len(),
            all.join("\n")
        );
        Ok(())
    })
    .await;
}
