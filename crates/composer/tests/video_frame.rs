//! A video's first frame: real H.264 in MP4, decoded in Rust (issue 14 item 4).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use composer::{first_frame, thumbnail, ComposerError};
use testkit::h264::{mp4_bytes, Video};

/// The RGB pixel at (`x`, `y`) of a preview's JPEG data URL, and the picture's size.
fn pixel(data_url: &str, x: u32, y: u32) -> ([u8; 3], (u32, u32)) {
    let b64 = data_url
        .strip_prefix("data:image/jpeg;base64,")
        .expect("a JPEG data URL");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
    (img.get_pixel(x, y).0, img.dimensions())
}

fn near(got: [u8; 3], want: [u8; 3]) -> bool {
    got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 24)
}

#[test]
fn the_first_frame_of_an_h264_mp4_is_its_preview() {
    let dir = common::tmp_dir("video-frame");
    // moov after mdat (as recorders write it) and before it ("fast start").
    for faststart in [false, true] {
        let v = Video {
            faststart,
            ..Video::new(320, 240)
        };
        let bytes = mp4_bytes(&v);
        let moov = bytes.windows(4).position(|w| w == b"moov").unwrap();
        let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
        assert_eq!(moov < mdat, faststart);
        let path = common::write(&dir, &format!("clip-{faststart}.mp4"), &bytes);
        a_frame_red_on_the_left_blue_on_the_right(&path, &v);
    }
}

fn a_frame_red_on_the_left_blue_on_the_right(path: &std::path::Path, v: &Video) {
    let path = path.to_path_buf();
    let t = thumbnail(&path, 400).unwrap();
    assert_eq!((t.width, t.height), (320, 240));
    let (left, _) = pixel(&t.data_url, 40, 120);
    let (right, _) = pixel(&t.data_url, 280, 120);
    assert!(near(left, v.left), "left half {left:?}, want {:?}", v.left);
    assert!(
        near(right, v.right),
        "right half {right:?}, want {:?}",
        v.right
    );
    // The first frame, not a later one: the sweeping band is absent from frame 0.
    let (mid, _) = pixel(&t.data_url, 7, 120);
    assert!(near(mid, v.left), "frame 0 has no band: {mid:?}");
    // Fitted, keeping the aspect ratio.
    let small = first_frame(&path, 100).unwrap();
    assert_eq!((small.width, small.height), (100, 75));
}

#[test]
fn a_portrait_phone_video_is_turned_as_its_matrix_says() {
    let dir = common::tmp_dir("video-frame-rotated");
    let v = Video {
        rotation: 90,
        ..Video::new(320, 240)
    };
    let path = common::write(&dir, "portrait.mp4", &mp4_bytes(&v));
    let t = first_frame(&path, 400).unwrap();
    assert_eq!(
        (t.width, t.height),
        (240, 320),
        "shown as x-client inspects it"
    );
    let info = x_client::inspect(&path).unwrap();
    assert_eq!((info.width, info.height), (Some(240), Some(320)));
    // Turned 90° clockwise: the left half is now on top.
    let (top, _) = pixel(&t.data_url, 120, 40);
    let (bottom, _) = pixel(&t.data_url, 120, 280);
    assert!(near(top, v.left), "top {top:?}");
    assert!(near(bottom, v.right), "bottom {bottom:?}");
}

#[test]
fn a_video_without_a_decodable_frame_says_why_and_never_panics() {
    let dir = common::tmp_dir("video-frame-bad");
    // No moov at all (the test kit's placeholder video).
    let fake = common::write(&dir, "fake.mp4", &common::samples::mp4(4096));
    match thumbnail(&fake, 100) {
        Err(ComposerError::VideoPreview { reason, .. }) => {
            assert!(reason.contains("container"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Cut before its moov: the container cannot be read.
    let good = mp4_bytes(&Video::new(160, 120));
    let cut = common::write(&dir, "cut.mp4", &good[..good.len() / 2]);
    assert!(matches!(
        first_frame(&cut, 100),
        Err(ComposerError::VideoPreview { .. })
    ));
    // Damage anywhere, in ours and in ffmpeg's MOV: a preview or a VideoPreview refusal, never
    // a panic or another error.
    let mov = std::fs::read(fixture("portrait.mov")).unwrap();
    let mut rng = fastrand::Rng::with_seed(14);
    for round in 0..300 {
        let mut bytes = if round % 2 == 0 {
            good.clone()
        } else {
            mov.clone()
        };
        for _ in 0..1 + round % 4 {
            let at = rng.usize(..bytes.len());
            bytes[at] = rng.u8(..);
        }
        let path = common::write(&dir, "damaged.mp4", &bytes);
        match first_frame(&path, 100) {
            Ok(t) => assert!(t.width > 0 && t.height > 0),
            Err(ComposerError::VideoPreview { .. }) => {}
            Err(e) => panic!("round {round}: {e:?}"),
        }
    }
}

/// Files from a real encoder (ffmpeg 5.1 with x264 / x265, `tests/fixtures/README.md`):
/// red left half, blue right half in frame 0, the hue turning after it.
fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn x264_high_profile_with_b_frames_and_aac_audio() {
    let t = first_frame(&fixture("high-bframes-aac.mp4"), 400).unwrap();
    assert_eq!((t.width, t.height), (320, 240));
    let (left, _) = pixel(&t.data_url, 40, 120);
    let (right, _) = pixel(&t.data_url, 280, 120);
    assert!(near(left, [220, 30, 30]), "left {left:?}");
    assert!(near(right, [30, 60, 220]), "right {right:?}");
}

#[test]
fn a_quicktime_mov_turned_by_its_matrix_as_ffmpeg_shows_it() {
    // Its tkhd matrix is (0, -1, 1, 0): 90° counter-clockwise; ffmpeg shows the right half on
    // top.
    let t = first_frame(&fixture("portrait.mov"), 400).unwrap();
    assert_eq!((t.width, t.height), (240, 320));
    let (top, _) = pixel(&t.data_url, 120, 40);
    let (bottom, _) = pixel(&t.data_url, 120, 280);
    assert!(near(top, [30, 60, 220]), "top {top:?}");
    assert!(near(bottom, [220, 30, 30]), "bottom {bottom:?}");
}

#[test]
fn hevc_gets_a_tile_and_the_reason() {
    match first_frame(&fixture("hevc.mp4"), 400) {
        Err(ComposerError::VideoPreview { reason, .. }) => {
            assert!(reason.contains("H.264 only"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
