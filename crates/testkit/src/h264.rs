//! Real H.264 videos in MP4 for tests, examples and benches, encoded here (no assets shipped).
//!
//! Contract:
//! - [`write_mp4`] encodes frames with OpenH264 (Constrained Baseline, as a phone or screen
//!   recorder might) and muxes them into an MP4 whose `moov` comes after its `mdat`, as most
//!   recorders write it. Each picture is split down the middle: [`Video::left`] on the left,
//!   [`Video::right`] on the right, so a decoded first frame can be checked by its colours; a
//!   band sweeps across the later frames so they differ; [`Video::noise`] adds grain, which
//!   makes the frames as costly to code as a camera's.
//! - Only [`Video::encoded`] frames are encoded; the rest of [`Video::frames`] repeats them
//!   (the encoded run starts with an IDR, so every repeat is decodable from its start). That
//!   makes a large file quick to produce with a realistic sample table.
//! - [`mp4_bytes`] makes the file in memory; with [`Video::rotation`] it writes the track's
//!   display matrix (0, 90, 180 or 270 degrees
//!   clockwise), as a phone records a portrait video: coded `width`×`height`, shown rotated.
//!   [`write_mp4`] writes any size to any writer, unrotated. [`Video::faststart`] puts the
//!   `moov` first (in memory only), as `qt-faststart` does.
//! - Helpers panic with a message naming what failed (they are for tests).

use std::io::{Seek, Write};

use openh264::encoder::{Encoder, EncoderConfig, FrameType};
use openh264::formats::YUVBuffer;
use openh264::OpenH264API;

/// What [`write_mp4`] makes.
#[derive(Clone, Debug)]
pub struct Video {
    /// Coded width in pixels (even).
    pub width: u16,
    /// Coded height in pixels (even).
    pub height: u16,
    /// Frames in the file.
    pub frames: u32,
    /// Frames actually encoded (the rest repeat them); at least 1.
    pub encoded: u32,
    /// Frames per second.
    pub fps: u32,
    /// RGB of the left half.
    pub left: [u8; 3],
    /// RGB of the right half.
    pub right: [u8; 3],
    /// Grain amplitude (0: flat colours).
    pub noise: u8,
    /// Display rotation, clockwise degrees: 0, 90, 180 or 270.
    pub rotation: u16,
    /// `moov` before `mdat` ("fast start", as `qt-faststart` or ffmpeg's `+faststart` lay it
    /// out), instead of after it.
    pub faststart: bool,
}

impl Video {
    /// A short flat video: `width`×`height`, 10 frames at 10 fps, red on the left and blue on
    /// the right, no grain, no rotation.
    pub fn new(width: u16, height: u16) -> Self {
        Self {
            width,
            height,
            frames: 10,
            encoded: 10,
            fps: 10,
            left: [220, 30, 30],
            right: [30, 60, 220],
            noise: 0,
            rotation: 0,
            faststart: false,
        }
    }
}

/// An RGB picture of frame `i` (see the module docs).
fn picture(v: &Video, i: u32, seed: &mut u32) -> Vec<u8> {
    let (w, h) = (usize::from(v.width), usize::from(v.height));
    let mut rgb = vec![0u8; w * h * 3];
    let band = if i == 0 {
        usize::MAX
    } else {
        (i as usize * 7) % w.max(1)
    };
    for y in 0..h {
        for x in 0..w {
            let mut c = if x < w / 2 { v.left } else { v.right };
            if x.abs_diff(band) < 4 && y > h / 4 && y < h * 3 / 4 {
                c = [240, 240, 240];
            }
            if v.noise > 0 {
                // xorshift32: deterministic grain.
                *seed ^= *seed << 13;
                *seed ^= *seed >> 17;
                *seed ^= *seed << 5;
                let n = (*seed % (u32::from(v.noise) * 2 + 1)) as i16 - i16::from(v.noise);
                c = c.map(|ch| (i16::from(ch) + n).clamp(0, 255) as u8);
            }
            let at = (y * w + x) * 3;
            rgb[at..at + 3].copy_from_slice(&c);
        }
    }
    rgb
}

/// One encoded picture as MP4 wants it: the SPS and PPS apart, the other NAL units each
/// prefixed with its 4-byte length.
struct Sample {
    sps: Option<Vec<u8>>,
    pps: Option<Vec<u8>>,
    avcc: Vec<u8>,
    sync: bool,
}

fn encode(enc: &mut Encoder, rgb: &[u8], v: &Video) -> Sample {
    let yuv = YUVBuffer::from_rgb8_source(openh264::formats::RgbSliceU8::new(
        rgb,
        (usize::from(v.width), usize::from(v.height)),
    ));
    let bits = enc
        .encode(&yuv)
        .unwrap_or_else(|e| panic!("H.264 encode failed: {e}"));
    let mut out = Sample {
        sps: None,
        pps: None,
        avcc: Vec::new(),
        sync: matches!(bits.frame_type(), FrameType::IDR | FrameType::I),
    };
    for l in 0..bits.num_layers() {
        let Some(layer) = bits.layer(l) else { continue };
        for n in 0..layer.nal_count() {
            let Some(nal) = layer.nal_unit(n) else {
                continue;
            };
            // Strip the Annex B start code (3 or 4 bytes).
            let body = nal
                .strip_prefix(&[0, 0, 0, 1])
                .or_else(|| nal.strip_prefix(&[0, 0, 1]))
                .unwrap_or(nal);
            match body.first().map(|b| b & 0x1f) {
                Some(7) => out.sps = Some(body.to_vec()),
                Some(8) => out.pps = Some(body.to_vec()),
                Some(_) => {
                    let len = u32::try_from(body.len()).unwrap_or_else(|_| panic!("NAL too big"));
                    out.avcc.extend_from_slice(&len.to_be_bytes());
                    out.avcc.extend_from_slice(body);
                }
                None => {}
            }
        }
    }
    out
}

/// Encodes `v` into an MP4 written to `out` (see the module docs).
pub fn write_mp4<W: Write + Seek>(v: &Video, out: W) -> W {
    assert!(
        v.rotation == 0 && !v.faststart,
        "rotation and fast start are applied by mp4_bytes only"
    );
    assert!(v.encoded >= 1 && v.frames >= 1, "a video needs frames");
    let config = EncoderConfig::new()
        .max_frame_rate(openh264::encoder::FrameRate::from_hz(v.fps as f32))
        .rate_control_mode(openh264::encoder::RateControlMode::Off)
        .qp(openh264::encoder::QpRange::new(20, 28))
        .skip_frames(false);
    let mut enc = Encoder::with_api_config(OpenH264API::from_source(), config)
        .unwrap_or_else(|e| panic!("OpenH264 encoder: {e}"));
    let mut seed = 0x9E37_79B9u32;
    let mut samples = Vec::new();
    let (mut sps, mut pps) = (None, None);
    for i in 0..v.encoded.min(v.frames) {
        let s = encode(&mut enc, &picture(v, i, &mut seed), v);
        sps = sps.or(s.sps.clone());
        pps = pps.or(s.pps.clone());
        samples.push(s);
    }
    let (Some(sps), Some(pps)) = (sps, pps) else {
        panic!("the encoder gave no SPS/PPS");
    };
    let config = mp4::Mp4Config {
        major_brand: str::parse("isom").unwrap_or_else(|_| panic!("brand")),
        minor_version: 512,
        compatible_brands: ["isom", "iso2", "avc1", "mp41"]
            .iter()
            .map(|b| str::parse(b).unwrap_or_else(|_| panic!("brand")))
            .collect(),
        timescale: 1000,
    };
    let mut w =
        mp4::Mp4Writer::write_start(out, &config).unwrap_or_else(|e| panic!("mp4 start: {e}"));
    w.add_track(&mp4::TrackConfig {
        track_type: mp4::TrackType::Video,
        timescale: v.fps * 1000,
        language: "und".into(),
        media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
            width: v.width,
            height: v.height,
            seq_param_set: sps,
            pic_param_set: pps,
        }),
    })
    .unwrap_or_else(|e| panic!("mp4 track: {e}"));
    let first_sync = samples.first().is_some_and(|s| s.sync);
    assert!(first_sync, "the first encoded frame is not an IDR");
    for i in 0..v.frames {
        let s = &samples[(i % v.encoded) as usize];
        w.write_sample(
            1,
            &mp4::Mp4Sample {
                start_time: u64::from(i) * 1000,
                duration: 1000,
                rendering_offset: 0,
                is_sync: s.sync,
                bytes: bytes::Bytes::copy_from_slice(&s.avcc),
            },
        )
        .unwrap_or_else(|e| panic!("mp4 sample: {e}"));
    }
    w.write_end().unwrap_or_else(|e| panic!("mp4 end: {e}"));
    w.into_writer()
}

/// [`write_mp4`] into memory, with [`Video::rotation`] applied.
pub fn mp4_bytes(v: &Video) -> Vec<u8> {
    let mut bytes = write_mp4(
        &Video {
            rotation: 0,
            faststart: false,
            ..v.clone()
        },
        std::io::Cursor::new(Vec::new()),
    )
    .into_inner();
    if v.rotation != 0 {
        rotate(&mut bytes, v.rotation);
    }
    if v.faststart {
        bytes = faststart(&bytes);
    }
    bytes
}

/// The top-level boxes of `mp4`: (type, start, size).
fn top_level(mp4: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut boxes = Vec::new();
    let mut at = 0;
    while at + 8 <= mp4.len() {
        let size = u32::from_be_bytes([mp4[at], mp4[at + 1], mp4[at + 2], mp4[at + 3]]) as usize;
        assert!(size >= 8, "the writer wrote a box of size {size}");
        let kind = [mp4[at + 4], mp4[at + 5], mp4[at + 6], mp4[at + 7]];
        boxes.push((kind, at, size));
        at += size;
    }
    boxes
}

/// `[ftyp][mdat][moov]` as `[ftyp][moov][mdat]`, its chunk offsets (`stco`) moved by the
/// size of `moov`, as `qt-faststart` does.
fn faststart(mp4: &[u8]) -> Vec<u8> {
    let boxes = top_level(mp4);
    let find = |k: &[u8; 4]| {
        boxes
            .iter()
            .find(|b| &b.0 == k)
            .map(|b| (b.1, b.2))
            .unwrap_or_else(|| panic!("no {} box", String::from_utf8_lossy(k)))
    };
    let ((fs, fl), (ms, ml), (vs, vl)) = (find(b"ftyp"), find(b"mdat"), find(b"moov"));
    assert!(vs > ms, "moov is already first");
    let mut moov = mp4[vs..vs + vl].to_vec();
    let at = moov
        .windows(4)
        .position(|w| w == b"stco")
        .unwrap_or_else(|| panic!("no stco (a co64 file is not made here)"));
    let count = u32::from_be_bytes([moov[at + 8], moov[at + 9], moov[at + 10], moov[at + 11]]);
    let shift = u32::try_from(vl).unwrap_or_else(|_| panic!("moov too big"));
    for i in 0..count as usize {
        let o = at + 12 + i * 4;
        let v = u32::from_be_bytes([moov[o], moov[o + 1], moov[o + 2], moov[o + 3]]);
        moov[o..o + 4].copy_from_slice(&(v + shift).to_be_bytes());
    }
    let mut out = Vec::with_capacity(mp4.len());
    out.extend_from_slice(&mp4[fs..fs + fl]);
    out.extend_from_slice(&moov);
    out.extend_from_slice(&mp4[ms..ms + ml]);
    out
}

/// Rewrites the matrix of the (single, version 0) `tkhd` in `mp4` for `degrees` clockwise.
fn rotate(mp4: &mut [u8], degrees: u16) {
    let one = 0x0001_0000i32;
    let (a, b, c, d) = match degrees {
        90 => (0, one, -one, 0),
        180 => (-one, 0, 0, -one),
        270 => (0, -one, one, 0),
        other => panic!("rotation {other} is not 0, 90, 180 or 270"),
    };
    // Inside the moov only: the media data before it may hold the same four bytes.
    let (_, moov_at, moov_len) = top_level(mp4)
        .into_iter()
        .find(|b| &b.0 == b"moov")
        .unwrap_or_else(|| panic!("no moov in the written MP4"));
    let at = moov_at
        + mp4[moov_at..moov_at + moov_len]
            .windows(4)
            .position(|w| w == b"tkhd")
            .unwrap_or_else(|| panic!("no tkhd in the written MP4"));
    assert_eq!(mp4[at + 4], 0, "tkhd is not version 0");
    // After the type: version/flags 4, times 8, track id 4, reserved 4, duration 4,
    // reserved 8, layer 2, alternate group 2, volume 2, reserved 2 = 40 bytes.
    let matrix = at + 4 + 40;
    for (i, v) in [a, b, 0, c, d].into_iter().enumerate() {
        let o = matrix + [0, 4, 8, 12, 16][i];
        mp4[o..o + 4].copy_from_slice(&v.to_be_bytes());
    }
}
