//! Media checks on generated files: the type is sniffed from the content, not the name, and
//! each limit (size, sides, GIF frames and pixels, video duration, images per post, no mixing)
//! is refused with a message naming it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use testkit::samples;
use x_client::media::{check_media, inspect, MediaKind};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    testkit::write(dir, name, bytes)
}

fn tmpdir(tag: &str) -> PathBuf {
    testkit::tmp_dir(&format!("xclient-media-{tag}"))
}

#[test]
fn sniff_not_extension_and_limits() {
    let d = tmpdir("a");
    // A PNG named .jpg is a PNG.
    let p = write(&d, "cat.jpg", &samples::png(64, 48, 0));
    let i = inspect(&p).unwrap();
    assert_eq!(i.mime, "image/png");
    assert_eq!((i.width, i.height), (Some(64), Some(48)));
    assert_eq!(i.category(), "tweet_image");

    let mut bytes = samples::png(64, 48, 0);
    bytes.resize(6 * 1024 * 1024, 0);
    let big = write(&d, "big.png", &bytes);
    let e = inspect(&big).unwrap_err().to_string();
    assert!(e.contains("the limit is 5 MB"), "{e}");

    let tiny = write(&d, "tiny.png", &samples::png(2, 2, 0));
    assert!(inspect(&tiny).unwrap_err().to_string().contains("4–8192"));

    let txt = write(&d, "note.png", b"hello, not an image at all");
    assert!(inspect(&txt)
        .unwrap_err()
        .to_string()
        .contains("unrecognised"));

    let g = write(&d, "a.gif", &samples::gif(100, 80, 3, 0));
    let i = inspect(&g).unwrap();
    assert_eq!((i.kind, i.frames), (MediaKind::Gif, Some(3)));
    let g1 = write(&d, "s.gif", &samples::gif(100, 80, 1, 0));
    assert_eq!(inspect(&g1).unwrap().kind, MediaKind::Image);
    let wide = write(&d, "w.gif", &samples::gif(1300, 80, 2, 0));
    assert!(inspect(&wide)
        .unwrap_err()
        .to_string()
        .contains("1280×1080"));
    let many = write(&d, "m.gif", &samples::gif(10, 10, 351, 0));
    assert!(inspect(&many)
        .unwrap_err()
        .to_string()
        .contains("350 frames"));
    let px = write(&d, "p.gif", &samples::gif(1280, 1080, 300, 0));
    assert!(inspect(&px)
        .unwrap_err()
        .to_string()
        .contains("300 million"));

    let v = write(&d, "clip.bin", &samples::mp4(4096));
    let i = inspect(&v).unwrap();
    assert_eq!((i.kind, i.mime.as_str()), (MediaKind::Video, "video/mp4"));
    assert!(i.warnings[0].contains("duration unknown"));
    let ok = write(&d, "ok.mp4", &samples::mp4_with_duration(4096, 30));
    assert!(inspect(&ok).unwrap().warnings.is_empty());
    // Ten minutes: within every account's limit today (§15: 20 min, 125 with Premium); the
    // composer warns with the account's own limit, not inspect.
    let long = write(&d, "long.mp4", &samples::mp4_with_duration(4096, 600));
    let i = inspect(&long).unwrap();
    assert!(i.warnings.is_empty(), "{:?}", i.warnings);
    assert_eq!(i.duration_ms, Some(600_000));
    // Resolution from the first video track's tkhd (an audio track has none); a portrait
    // phone video's 90° matrix swaps the sides.
    let wide = write(
        &d,
        "wide.mp4",
        &samples::mp4_video(4096, 75, 1920, 1080, false),
    );
    let i = inspect(&wide).unwrap();
    assert_eq!(
        (i.width, i.height, i.duration_ms),
        (Some(1920), Some(1080), Some(75_000))
    );
    let tall = write(
        &d,
        "tall.mov",
        &samples::mp4_video(4096, 5, 1920, 1080, true),
    );
    let i = inspect(&tall).unwrap();
    assert_eq!((i.width, i.height), (Some(1080), Some(1920)));
    // A truncated tkhd leaves the size unknown, never panics.
    let mut cut = samples::mp4_video(4096, 5, 640, 360, false);
    cut.truncate(cut.len() - 20);
    let i = inspect(&write(&d, "cut.mp4", &cut)).unwrap();
    assert_eq!(i.width, None);
}

#[test]
fn mix_and_count() {
    let d = tmpdir("b");
    let img = write(&d, "i.png", &samples::png(10, 10, 0));
    let vid = write(&d, "v.mp4", &samples::mp4(2048));
    assert_eq!(check_media(&vec![img.clone(); 4]).unwrap().len(), 4);
    let e = check_media(&vec![img.clone(); 5]).unwrap_err().to_string();
    assert!(e.contains("limit is 4 images"), "{e}");
    let e = check_media(&[img, vid.clone()]).unwrap_err().to_string();
    assert!(e.contains("1 GIF or 1 video"), "{e}");
    assert_eq!(check_media(&[vid]).unwrap().len(), 1);
}
