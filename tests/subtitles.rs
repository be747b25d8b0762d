//! Journey of issue 14 item 5: a video and its `.vtt` subtitles dropped on the composer
//! together in the real window; the item shows the subtitle file and its language, the
//! language is changed, the post goes out, and the simulator has the subtitles associated
//! with the posted video (uploaded through v2 with category `subtitles`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::compose::*;
use support::{journey_prepared, keychain_service, seed_account, Sim};
use testkit::{samples, write};

const VTT: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello from the subtitles\n";

#[tokio::test(flavor = "multi_thread")]
async fn a_video_dropped_with_its_subtitles_posts_with_them_attached() {
    let sim = Sim::start().await;
    sim.handle.update_modes(|m| m.processing_ms = 1_000);
    let demo = sim.handle.demo();
    let handle = sim.handle.clone();
    let name = "subtitles";
    let dir = support::files_dir(name);
    let video = write(&dir, "clip.mp4", &samples::mp4(512 * 1024));
    let vtt = write(&dir, "captions.vtt", VTT);
    let service = keychain_service(name);
    journey_prepared(
        name,
        sim.app_env(name),
        |home| seed_account(home, &service, "Work", &demo, &sim.handle),
        async |app| {
            type_text(app, 0, "A clip with subtitles").await?;
            // One real drag of both files: the video becomes the attachment, the .vtt its
            // subtitles (keep the drag source alive until the page shows them).
            let script =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/drag_source.py");
            let before = media_count(app).await?;
            let mut source = Command::new("/usr/bin/python3")
                .arg(&script)
                .args(["1000", "100"])
                .arg(&video)
                .arg(&vtt)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start the drag source: {e}"))?;
            let dropped = drag(app, &mut source, 1, before).await;
            let shown = match dropped {
                Ok(()) => {
                    app.wait_js(
                        "the subtitles on the video item",
                        Duration::from_secs(15),
                        "return document.querySelector('#composer .media .subtitles-note') !== null",
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            let _ = source.kill();
            let _ = source.wait();
            shown?;
            check!(media_count(app).await? == 1, "the .vtt is not a second attachment");
            let note = app.text("#composer .media .subtitles-note").await?;
            check!(
                note.starts_with("Subtitles: captions.vtt · ") && !note.contains('/'),
                "subtitles note: {note:?}"
            );
            app.find("#part-0-media-0-remove-subtitles").await?;
            // Choose German in the item's language select.
            app.exec(
                "const s = document.querySelector('#part-0-media-0-subtitle-language'); \
                 s.value = 'de'; s.dispatchEvent(new Event('change')); return true",
            )
            .await?;
            app.wait_text("#composer .media .subtitles-note", |t| t.contains("Deutsch (de)"))
                .await?;
            app.screenshot("subtitles-attached").await?;
            let attempt = app.start_post().await?;
            let text = wait_outcome(app, attempt, "posted").await?;
            check!(text.contains("Posted"), "result: {text:?}");
            let posts: Vec<_> = handle.posts().into_iter().filter(|p| !p.deleted).collect();
            check!(posts.len() == 1, "one post: {posts:?}");
            let media = handle.media();
            let video_media = media
                .iter()
                .find(|m| posts[0].media_ids.first() == Some(&m.id))
                .ok_or("the post's video is not in the simulator")?;
            check!(
                video_media.subtitles.len() == 1
                    && video_media.subtitles[0].language_code == "DE"
                    && video_media.subtitles[0].display_name == "Deutsch",
                "subtitles of the posted video: {:?}",
                video_media.subtitles
            );
            let sub = media
                .iter()
                .find(|m| m.id == video_media.subtitles[0].media_id)
                .ok_or("the subtitle media is not in the simulator")?;
            check!(
                sub.category.as_deref() == Some("subtitles")
                    && sub.media_type.as_deref() == Some("text/vtt")
                    && sub.crc32 == x_sim::media::crc32(VTT),
                "subtitle media: {sub:?}"
            );
            Ok(())
        },
    )
    .await;
    sim.handle.shutdown().await;
}
