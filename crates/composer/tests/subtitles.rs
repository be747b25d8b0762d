//! Subtitles in the composer (issue 14 item 5): attached only to a part with a video, kept in
//! the stored draft, uploaded and associated with the video after its upload and before the
//! post; a refusal there stops the part before anything is posted. Also: a video attachment
//! carries its duration and resolution (issue 14 item 4), kept in the stored draft.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::samples;
use composer::{attach, attach_subtitles, PublishOptions, Publisher, Store};
use x_client::ErrorKind;

const VTT: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n";

#[test]
fn subtitles_need_a_video_and_a_real_subtitle_file() {
    let dir = common::tmp_dir("subs-attach");
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let vtt = common::write(&dir, "captions.vtt", VTT);
    let img = common::write(&dir, "pic.png", &samples::png(20, 20, 0));
    let mp4 = common::write(&dir, "clip.mp4", &samples::mp4(64 * 1024));
    let mut d = store.draft().unwrap();

    let e = attach_subtitles(&vtt, &mut d.parts[0], "en").unwrap_err();
    assert!(e.to_string().contains("add the video first"), "{e}");
    let a = attach(&img, &d.parts[0]).unwrap();
    d.parts[0].media.push(a);
    let e = attach_subtitles(&vtt, &mut d.parts[0], "en").unwrap_err();
    assert!(e.to_string().contains("has none"), "{e}");

    d.parts[0].media.clear();
    let a = attach(&mp4, &d.parts[0]).unwrap();
    d.parts[0].media.push(a);
    // Not a subtitle file by name, or by content, or a bad language.
    let e = attach_subtitles(&img, &mut d.parts[0], "en").unwrap_err();
    assert!(e.to_string().contains(".srt or .vtt"), "{e}");
    let fake = common::write(&dir, "fake.srt", b"hello there");
    let e = attach_subtitles(&fake, &mut d.parts[0], "en").unwrap_err();
    assert!(e.to_string().starts_with("fake.srt: "), "{e}");
    let e = attach_subtitles(&vtt, &mut d.parts[0], "english").unwrap_err();
    assert!(e.to_string().contains("language code"), "{e}");
    assert!(d.parts[0].media[0].subtitles.is_none());

    assert_eq!(attach_subtitles(&vtt, &mut d.parts[0], "en").unwrap(), 0);
    let sub = d.parts[0].media[0].subtitles.clone().unwrap();
    assert_eq!(
        (sub.language.as_str(), sub.display_name.as_str()),
        ("en", "English")
    );
    store.save_draft(&d).unwrap();
    assert_eq!(
        store.draft().unwrap().parts[0].media[0].subtitles,
        Some(sub)
    );
    // `attach` itself refuses a subtitle file (it is not media).
    assert!(attach(&vtt, &d.parts[0]).is_err());
}

#[tokio::test]
async fn a_video_posts_with_its_subtitles_and_a_refusal_stops_before_the_post() {
    let s = common::sim().await;
    let dir = common::tmp_dir("subs-publish");
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let vtt = common::write(&dir, "captions.vtt", VTT);
    let mp4 = common::write(&dir, "clip.mp4", &samples::mp4(200 * 1024));
    let mut d = store.draft().unwrap();
    d.parts[0].text = "with captions".into();
    let a = attach(&mp4, &d.parts[0]).unwrap();
    d.parts[0].media.push(a);
    attach_subtitles(&vtt, &mut d.parts[0], "pt-BR").unwrap();
    store.save_draft(&d).unwrap();

    // The file turns bad after it was attached: X is never asked to post.
    std::fs::write(&vtt, b"not subtitles any more").unwrap();
    let pb = Publisher::new(common::client(&s), store.clone(), "demo".into());
    let e = pb
        .publish(&d.id, PublishOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.diagnosis.kind, ErrorKind::MediaInvalid);
    assert!(
        e.diagnosis.detail.contains("captions.vtt"),
        "{}",
        e.diagnosis.detail
    );
    assert!(common::live_posts(&s).is_empty());

    std::fs::write(&vtt, VTT).unwrap();
    let p = pb.publish(&d.id, PublishOptions::default()).await.unwrap();
    let post = common::live_posts(&s)
        .into_iter()
        .find(|x| x.id == p.ids[0])
        .unwrap();
    let video = s
        .media()
        .into_iter()
        .find(|m| m.id == post.media_ids[0])
        .unwrap();
    assert_eq!(video.subtitles.len(), 1);
    assert_eq!(video.subtitles[0].language_code, "PT-BR");
    assert_eq!(video.subtitles[0].display_name, "Português");
    s.shutdown().await;
}

#[test]
fn a_video_attachment_carries_its_duration_and_resolution() {
    let dir = common::tmp_dir("video-info");
    let store = Store::open(&dir.join("c.sqlite3")).unwrap();
    let mp4 = common::write(
        &dir,
        "phone.mov",
        &samples::mp4_video(8192, 95, 1920, 1080, true),
    );
    let mut d = store.draft().unwrap();
    let a = attach(&mp4, &d.parts[0]).unwrap();
    assert_eq!(
        (a.duration_ms, a.width, a.height),
        (Some(95_000), Some(1080), Some(1920))
    );
    d.parts[0].media.push(a);
    store.save_draft(&d).unwrap();
    let back = &store.draft().unwrap().parts[0].media[0];
    assert_eq!(back.duration_ms, Some(95_000));
    assert_eq!(composer::clock(95_000), "1:35");
}

#[test]
fn a_small_gif_previews_as_itself_so_it_animates() {
    let dir = common::tmp_dir("gif-preview");
    let gif = samples::gif(40, 30, 3, 0);
    let small = common::write(&dir, "loop.gif", &gif);
    let url = composer::animated_preview(&small).unwrap().unwrap();
    assert!(
        url.starts_with("data:image/gif;base64,R0lGOD"),
        "{}",
        &url[..40]
    );
    let png = common::write(&dir, "still.png", &samples::png(8, 8, 0));
    assert_eq!(composer::animated_preview(&png).unwrap(), None);
    let mut big = gif.clone();
    big.resize(composer::ANIMATED_PREVIEW_MAX as usize + 1, 0);
    let big = common::write(&dir, "big.gif", &big);
    assert_eq!(composer::animated_preview(&big).unwrap(), None);
}
