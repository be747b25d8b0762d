#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Subtitles against the simulator (docs/protocol.md §8.1): a video uploaded on either route,
//! an SRT or VTT file attached through v2, the association recorded on the video; a file that
//! is not subtitles refused before anything is sent; X's refusals passed through.

mod common;

use common::*;
use x_client::{ErrorKind, PostRequest, UploadRoute};

const VTT: &[u8] = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n";
const SRT: &[u8] = b"1\n00:00:00,000 --> 00:00:02,000\nHello\n";

#[tokio::test]
async fn subtitles_are_uploaded_and_associated_with_the_video_on_either_route() {
    let s = sim().await;
    let c = client(&s);
    let vtt = tmp("captions.vtt", VTT);
    let srt = tmp("captions.srt", SRT);
    for (route, file, lang, fmt) in [
        (UploadRoute::V1, &vtt, "en", "text/vtt"),
        (UploadRoute::V2, &srt, "pt-BR", "text/srt"),
    ] {
        let v = c
            .upload(&video("sub.mp4", 200 * 1024), opts(route))
            .await
            .unwrap();
        let a = c
            .attach_subtitles(&v.media_id, file, lang, "Captions", None)
            .await
            .unwrap();
        assert_eq!(a.language_code, lang.to_ascii_uppercase());
        let sub = sim_media(&s, &a.subtitles_media_id);
        assert_eq!(sub.category.as_deref(), Some("subtitles"));
        assert_eq!(sub.media_type.as_deref(), Some(fmt));
        assert_eq!(sub.route, x_sim::media::UploadRoute::V2);
        let tracks = sim_media(&s, &v.media_id).subtitles;
        assert_eq!(tracks.len(), 1);
        assert_eq!(tracks[0].media_id, a.subtitles_media_id);
        assert_eq!(tracks[0].display_name, "Captions");
        let mut req = PostRequest::text(format!("subtitled via {}", route.as_str()));
        req.media_ids = vec![v.media_id.clone()];
        c.post(&req).await.unwrap();
    }
    s.shutdown().await;
}

#[tokio::test]
async fn bad_files_are_refused_before_anything_is_sent_and_x_refusals_come_back() {
    let s = sim().await;
    let c = client(&s);
    let v = c
        .upload(&video("sub2.mp4", 100 * 1024), opts(UploadRoute::V2))
        .await
        .unwrap();
    let before = s.requests().len();
    let notes = tmp("notes.vtt", b"these are not subtitles");
    let e = c
        .attach_subtitles(&v.media_id, &notes, "en", "English", None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MediaInvalid);
    assert!(e.to_string().starts_with("notes.vtt: "), "{e}");
    let e = c
        .attach_subtitles(&v.media_id, &tmp("ok.vtt", VTT), "english", "English", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("language code"), "{e}");
    assert_eq!(s.requests().len(), before, "nothing sent");

    // An image is not a video: X's 400 comes back as an API error.
    let img = c
        .upload(&png("p.png"), opts(UploadRoute::V2))
        .await
        .unwrap();
    let e = c
        .attach_subtitles(&img.media_id, &tmp("ok2.vtt", VTT), "en", "English", None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    // An unknown video: 404.
    let e = c
        .attach_subtitles("12345", &tmp("ok3.vtt", VTT), "en", "English", None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
    s.shutdown().await;
}
