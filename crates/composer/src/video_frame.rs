//! A video's first frame, decoded in Rust, for its preview.
//!
//! Contract:
//! - [`first_frame`] reads an MP4/MOV's `moov` (wherever it is in the file: the `mdat` before
//!   it is skipped, not read), finds the first H.264 (`avc1`) video track, reads its samples in
//!   order from the first until OpenH264 gives a picture (at most [`MAX_SAMPLES`] samples of at
//!   most [`MAX_SAMPLE_BYTES`] each), turns it as the track's display matrix says (a phone's
//!   portrait video), and returns it as a JPEG data URL that fits in `max_side`. Only the
//!   container's header and those samples are read, so the time does not grow with the file.
//! - Anything it cannot show is [`ComposerError::VideoPreview`] naming why: no video track,
//!   another codec (HEVC, VP9 …), a fragmented file, a sample table that points outside the
//!   file, a picture the decoder refuses. The caller shows a video tile instead. A panic in the
//!   demuxer on a malformed file is caught and reported the same way; nothing is written.
//! - It is blocking CPU work (tens of milliseconds for 1080p): call it off the UI thread.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use image::{DynamicImage, RgbImage};
use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use openh264::OpenH264API;

use crate::error::ComposerError;
use crate::media::Thumbnail;

/// Most samples fed to the decoder before giving up on a picture.
pub const MAX_SAMPLES: u32 = 30;
/// Largest sample read (a 4K intra frame is a few MB).
pub const MAX_SAMPLE_BYTES: u32 = 64 * 1024 * 1024;

fn refused(path: &Path, reason: impl Into<String>) -> ComposerError {
    ComposerError::VideoPreview {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// The display rotation of a `tkhd` matrix's `a, b, c, d` (16.16 fixed point), in clockwise
/// quarter turns (0–3).
fn quarter_turns(a: i32, b: i32, c: i32, d: i32) -> u8 {
    let one = 0x0001_0000;
    match (a, b, c, d) {
        (0, b, c, 0) if b == one && c == -one => 1,
        (a, 0, 0, d) if a == -one && d == -one => 2,
        (0, b, c, 0) if b == -one && c == one => 3,
        _ => 0,
    }
}

/// The first frame of the video at `path`, fitted in `max_side` (see the module docs).
pub fn first_frame(path: &Path, max_side: u32) -> Result<Thumbnail, ComposerError> {
    let (img, turns) = match std::panic::catch_unwind(|| decode_first(path)) {
        Ok(r) => r?,
        Err(_) => return Err(refused(path, "its container could not be read")),
    };
    let img = match turns {
        1 => image::imageops::rotate90(&img),
        2 => image::imageops::rotate180(&img),
        3 => image::imageops::rotate270(&img),
        _ => img,
    };
    crate::media::encode_fitted(path, DynamicImage::ImageRgb8(img), max_side)
}

/// Demuxes and decodes the first picture: its pixels and the track's quarter turns.
fn decode_first(path: &Path) -> Result<(RgbImage, u8), ComposerError> {
    let file = File::open(path).map_err(|e| ComposerError::io(path, e))?;
    let size = file
        .metadata()
        .map_err(|e| ComposerError::io(path, e))?
        .len();
    let mut mp4 = mp4::Mp4Reader::read_header(BufReader::new(file), size)
        .map_err(|e| refused(path, format!("its container could not be read ({e})")))?;
    if mp4.is_fragmented() {
        return Err(refused(path, "it is a fragmented MP4"));
    }
    let mut ids: Vec<u32> = mp4.tracks().keys().copied().collect();
    ids.sort_unstable();
    let video = ids.iter().copied().find(|id| {
        mp4.tracks()
            .get(id)
            .is_some_and(|t| matches!(t.track_type(), Ok(mp4::TrackType::Video)))
    });
    let Some(id) = video else {
        return Err(refused(path, "it has no video track"));
    };
    let (mut annexb_head, length_size, sizes, count, turns) = {
        let track = &mp4.tracks()[&id];
        let stbl = &track.trak.mdia.minf.stbl;
        let Some(avc1) = stbl.stsd.avc1.as_ref() else {
            let codec = track
                .box_type()
                .map_or_else(|_| "an unknown codec".to_owned(), |t| t.to_string());
            return Err(refused(
                path,
                format!("its video is {codec}, and previews are made for H.264 only"),
            ));
        };
        // SPS and PPS first, as Annex B: the decoder needs them before any picture.
        let mut head = Vec::new();
        for nal in avc1
            .avcc
            .sequence_parameter_sets
            .iter()
            .chain(&avc1.avcc.picture_parameter_sets)
        {
            head.extend_from_slice(&[0, 0, 0, 1]);
            head.extend_from_slice(&nal.bytes);
        }
        let stsz = &stbl.stsz;
        (
            head,
            usize::from(avc1.avcc.length_size_minus_one & 3) + 1,
            (stsz.sample_size, stsz.sample_sizes.clone()),
            track.sample_count(),
            {
                let m = &track.trak.tkhd.matrix;
                quarter_turns(m.a, m.b, m.c, m.d)
            },
        )
    };
    let mut decoder = Decoder::with_api_config(
        OpenH264API::from_source(),
        openh264::decoder::DecoderConfig::new(),
    )
    .map_err(|e| refused(path, format!("the H.264 decoder did not start ({e})")))?;
    let mut packet = Vec::new();
    for sample_id in 1..=count.min(MAX_SAMPLES) {
        let bytes = if sizes.0 > 0 {
            sizes.0
        } else {
            sizes
                .1
                .get(sample_id as usize - 1)
                .copied()
                .unwrap_or(u32::MAX)
        };
        if bytes > MAX_SAMPLE_BYTES || u64::from(bytes) > size {
            return Err(refused(path, "its sample table is not valid"));
        }
        let sample = match mp4.read_sample(id, sample_id) {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(e) => return Err(refused(path, format!("a frame could not be read ({e})"))),
        };
        packet.clear();
        packet.append(&mut annexb_head);
        to_annex_b(&sample.bytes, length_size, &mut packet)
            .ok_or_else(|| refused(path, "a frame's data is not valid"))?;
        match decoder.decode(&packet) {
            Ok(Some(yuv)) => return Ok((to_rgb(&yuv, path)?, turns)),
            Ok(None) => {}
            // A broken picture after a good start: try the next sample.
            Err(_) if sample_id > 1 => {}
            Err(e) => {
                return Err(refused(
                    path,
                    format!("the first frame is not valid H.264 ({e})"),
                ))
            }
        }
    }
    if let Some(yuv) = decoder
        .flush_remaining()
        .map_err(|e| refused(path, format!("the decoder failed ({e})")))?
        .into_iter()
        .next()
    {
        return to_rgb(&yuv, path).map(|img| (img, turns));
    }
    Err(refused(path, "no frame could be decoded"))
}

/// Appends the length-prefixed NAL units of `sample` to `out` with Annex B start codes.
/// `None` when a length runs past the sample.
fn to_annex_b(sample: &[u8], length_size: usize, out: &mut Vec<u8>) -> Option<()> {
    let mut rest = sample;
    while !rest.is_empty() {
        let (len, body) = rest.split_at_checked(length_size)?;
        let n = len.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
        let (nal, tail) = body.split_at_checked(n)?;
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
        rest = tail;
    }
    Some(())
}

fn to_rgb(yuv: &openh264::decoder::DecodedYUV<'_>, path: &Path) -> Result<RgbImage, ComposerError> {
    let (w, h) = yuv.dimensions();
    let mut rgb = vec![0u8; w * h * 3];
    yuv.write_rgb8(&mut rgb);
    let (w, h) = (
        u32::try_from(w).map_err(|_| refused(path, "its frame is too large"))?,
        u32::try_from(h).map_err(|_| refused(path, "its frame is too large"))?,
    );
    RgbImage::from_raw(w, h, rgb).ok_or_else(|| refused(path, "its frame has the wrong size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixed_units_become_annex_b() {
        let mut out = Vec::new();
        to_annex_b(&[0, 0, 0, 2, 0x65, 1, 0, 0, 0, 1, 0x41], 4, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 1, 0, 0, 0, 1, 0x41]);
        let mut out = Vec::new();
        to_annex_b(&[0, 3, 0x65, 1, 2], 2, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 1, 2]);
        // A length past the end of the sample.
        assert!(to_annex_b(&[0, 0, 0, 9, 0x65], 4, &mut Vec::new()).is_none());
        assert!(to_annex_b(&[0, 0], 4, &mut Vec::new()).is_none());
    }

    #[test]
    fn matrices_give_quarter_turns() {
        let one = 0x0001_0000;
        assert_eq!(quarter_turns(one, 0, 0, one), 0);
        assert_eq!(quarter_turns(0, one, -one, 0), 1);
        assert_eq!(quarter_turns(-one, 0, 0, -one), 2);
        assert_eq!(quarter_turns(0, -one, one, 0), 3);
    }
}
