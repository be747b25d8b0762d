//! A video's first frame, decoded in Rust, for its preview.
//!
//! Contract:
//! - [`first_frame`] finds the `moov` of an MP4/MOV by its top-level box headers, wherever it
//!   is in the file (the `mdat` before it is skipped, not read), takes the first H.264
//!   (`avc1`/`avc3`) video track's decoder configuration (`avcC`), display matrix (`tkhd`)
//!   and sample table (`stsz`, `stsc`, `stco`/`co64`), reads its samples in order from the
//!   first until OpenH264 gives a picture (at most [`MAX_SAMPLES`] samples of at most
//!   [`MAX_SAMPLE_BYTES`] each, [`MAX_READ_BYTES`] in all), turns it as the matrix says (a phone's portrait video), and
//!   returns it as a JPEG data URL that fits in `max_side`. Only the container's header and
//!   those samples are read, so the time does not grow with the file.
//! - Anything it cannot show is [`ComposerError::VideoPreview`] naming why: no `moov` or video
//!   track, another codec (HEVC, VP9 …), a box or sample table that does not fit the file, a
//!   picture the decoder refuses. The caller shows a video tile instead. A file that cannot be
//!   read (gone, no permission) is [`ComposerError::Io`]. Nothing is written.
//! - It is blocking CPU work (about 30 ms for 1080p): call it off the UI thread.
//! - The first frame is the first one decoded: an edit list (`elst`) that starts playback
//!   later (a clip trimmed without re-encoding) is not followed, so such a file shows a frame
//!   from before its cut.
//!
//! The container is read here, not by the `mp4` crate: that crate refuses a whole file when any
//! track's sample description is QuickTime's (an iPhone's or ffmpeg's `.mov` with audio:
//! `tests/fixtures/portrait.mov`), and it panics on some damaged tables. Only the boxes named
//! above are read, each bounds-checked.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
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
/// Most bytes of samples read in all before giving up on a picture.
pub const MAX_READ_BYTES: u64 = 128 * 1024 * 1024;

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
    let (img, turns) = decode_first(path)?;
    // Scaled first, then turned: a quarter turn of the preview, not of the whole frame.
    let img = crate::media::fit(DynamicImage::ImageRgb8(img), max_side.clamp(1, 4096));
    let img = match turns {
        1 => img.rotate90(),
        2 => img.rotate180(),
        3 => img.rotate270(),
        _ => img,
    };
    crate::media::encode(path, img)
}

/// Largest `moov` read (a three-hour video's sample tables are a few MB).
const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;

/// The boxes directly inside `body`: (type, contents). Stops at the first box that does not
/// fit (a damaged file shows what came before it).
fn children(mut body: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        let head = body.get(..8)?;
        let kind = [head[4], head[5], head[6], head[7]];
        let (size, hlen) = match u32::from_be_bytes([head[0], head[1], head[2], head[3]]) {
            0 => (body.len(), 8),
            1 => (
                usize::try_from(u64::from_be_bytes(body.get(8..16)?.try_into().ok()?)).ok()?,
                16,
            ),
            n => (usize::try_from(n).ok()?, 8),
        };
        let inner = body.get(hlen..size)?;
        body = &body[size..];
        Some((kind, inner))
    })
}

fn child<'a>(body: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    children(body).find(|(k, _)| k == kind).map(|(_, b)| b)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Reads the top-level `moov` of `file` (`size` bytes).
fn read_moov(file: &mut File, size: u64, path: &Path) -> Result<Vec<u8>, ComposerError> {
    let io = |e: std::io::Error| ComposerError::io(path, e);
    let mut pos = 0u64;
    while pos.saturating_add(8) <= size {
        file.seek(SeekFrom::Start(pos)).map_err(io)?;
        let mut h = [0u8; 16];
        file.read_exact(&mut h[..8]).map_err(io)?;
        let (len, hlen) = match u32::from_be_bytes([h[0], h[1], h[2], h[3]]) {
            0 => (size - pos, 8),
            1 => {
                if size - pos < 16 {
                    break;
                }
                file.read_exact(&mut h[8..]).map_err(io)?;
                (
                    u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]),
                    16,
                )
            }
            n => (u64::from(n), 8),
        };
        if len < hlen || len > size - pos {
            break;
        }
        if &h[4..8] == b"moov" {
            if len > MAX_MOOV_BYTES {
                return Err(refused(path, "its index (moov) is too large"));
            }
            let mut moov = vec![0u8; usize::try_from(len - hlen).unwrap_or(0)];
            file.read_exact(&mut moov).map_err(io)?;
            return Ok(moov);
        }
        pos += len;
    }
    Err(refused(
        path,
        "its container could not be read (no moov box)",
    ))
}

/// What decoding needs of the video track.
struct Track {
    /// SPS and PPS as Annex B.
    parameter_sets: Vec<u8>,
    /// Bytes of each NAL unit's length prefix.
    length_size: usize,
    /// (offset, size) of the first samples, in decoding order.
    samples: Vec<(u64, u32)>,
    /// Clockwise quarter turns of the display matrix.
    turns: u8,
}

/// The first video track of `moov`, or why there is none to decode.
fn video_track(moov: &[u8]) -> Result<Track, String> {
    // Why the first video track that could not be used was not (a later one may be).
    let mut first_reason = None;
    for (kind, trak) in children(moov) {
        if &kind != b"trak" {
            continue;
        }
        let Some(mdia) = child(trak, b"mdia") else {
            continue;
        };
        // hdlr: version/flags 4, pre_defined 4, handler type.
        if child(mdia, b"hdlr").and_then(|h| h.get(8..12)) != Some(b"vide") {
            continue;
        }
        match h264_track(trak, mdia) {
            Ok(track) => return Ok(track),
            Err(why) => {
                first_reason.get_or_insert(why);
            }
        }
    }
    Err(first_reason.unwrap_or_else(|| "it has no video track".to_owned()))
}

/// What decoding needs of one video `trak` (its `mdia` given), or why it cannot be used.
fn h264_track(trak: &[u8], mdia: &[u8]) -> Result<Track, String> {
    let stbl = child(mdia, b"minf")
        .and_then(|m| child(m, b"stbl"))
        .ok_or("its video track has no sample table")?;
    // stsd: version/flags 4, entry count 4, then the first sample entry.
    let (entry_kind, entry) = child(stbl, b"stsd")
        .and_then(|s| children(s.get(8..)?).next())
        .ok_or("its video track has no sample description")?;
    if &entry_kind != b"avc1" && &entry_kind != b"avc3" {
        let codec = String::from_utf8_lossy(&entry_kind).trim().to_owned();
        return Err(format!(
            "its video is {codec}, and previews are made for H.264 only"
        ));
    }
    // A visual sample entry's fixed fields are 78 bytes; its boxes follow.
    let avcc = entry
        .get(78..)
        .and_then(|b| child(b, b"avcC"))
        .ok_or("its H.264 track has no decoder configuration (avcC)")?;
    let tkhd = child(trak, b"tkhd").ok_or("its video track has no header (tkhd)")?;
    Ok(Track {
        parameter_sets: parameter_sets(avcc).ok_or("its H.264 configuration is not valid")?,
        length_size: usize::from(avcc.get(4).ok_or("its H.264 configuration is empty")? & 3) + 1,
        samples: first_samples(stbl).ok_or("its sample table is not valid")?,
        turns: turns_of(tkhd).unwrap_or(0),
    })
}

/// The SPS and PPS of an `avcC` as Annex B.
fn parameter_sets(avcc: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 5;
    for mask in [0x1f, 0xff] {
        let n = avcc.get(at)? & mask;
        at += 1;
        for _ in 0..n {
            let len = usize::from(u16::from_be_bytes(avcc.get(at..at + 2)?.try_into().ok()?));
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(avcc.get(at + 2..at + 2 + len)?);
            at += 2 + len;
        }
    }
    Some(out)
}

/// The display matrix's clockwise quarter turns, from a `tkhd` body.
fn turns_of(tkhd: &[u8]) -> Option<u8> {
    // Version 1 has 64-bit times and duration: 12 more bytes before the matrix.
    let at = 4 + if *tkhd.first()? == 1 { 32 } else { 20 } + 16;
    let be = |o: usize| u32_at(tkhd, at + o).map(|v| v as i32);
    Some(quarter_turns(be(0)?, be(4)?, be(12)?, be(16)?))
}

/// (offset, size) of the first [`MAX_SAMPLES`] samples, from `stsz`, `stsc` and
/// `stco`/`co64`.
fn first_samples(stbl: &[u8]) -> Option<Vec<(u64, u32)>> {
    let stsz = child(stbl, b"stsz")?;
    let (fixed, count) = (u32_at(stsz, 4)?, u32_at(stsz, 8)?);
    let size = |i: u32| {
        if fixed > 0 {
            Some(fixed)
        } else {
            u32_at(stsz, 12 + 4 * usize::try_from(i).ok()?)
        }
    };
    let offsets: Box<dyn Fn(u32) -> Option<u64>> = if let Some(stco) = child(stbl, b"stco") {
        let n = u32_at(stco, 4)?;
        Box::new(move |c| (c < n).then(|| u32_at(stco, 8 + 4 * c as usize).map(u64::from))?)
    } else {
        let co64 = child(stbl, b"co64")?;
        let n = u32_at(co64, 4)?;
        Box::new(move |c| (c < n).then(|| u64_at(co64, 8 + 8 * c as usize))?)
    };
    // stsc: runs of (first chunk, 1-based; samples per chunk; description index).
    let stsc = child(stbl, b"stsc")?;
    let runs = u32_at(stsc, 4)?;
    let run = |r: u32| {
        Some((
            u32_at(stsc, 8 + 12 * r as usize)?,
            u32_at(stsc, 12 + 12 * r as usize)?,
        ))
    };
    let mut out = Vec::new();
    let (mut sample, mut chunk, mut r) = (0u32, 0u32, 0u32);
    // A table shorter than it says ends the list (the samples before that still count).
    'runs: while sample < count.min(MAX_SAMPLES) && r < runs {
        let Some((_, per_chunk)) = run(r) else { break };
        let next_first = match run(r + 1) {
            Some((first, _)) if r + 1 < runs => first,
            _ => u32::MAX,
        };
        if per_chunk == 0 || next_first <= chunk + 1 {
            r += 1;
            continue;
        }
        let Some(mut at) = offsets(chunk) else { break };
        for _ in 0..per_chunk {
            if sample >= count.min(MAX_SAMPLES) {
                break;
            }
            let Some(n) = size(sample) else {
                break 'runs;
            };
            out.push((at, n));
            let Some(next) = at.checked_add(u64::from(n)) else {
                break 'runs;
            };
            at = next;
            sample += 1;
        }
        chunk += 1;
    }
    (!out.is_empty()).then_some(out)
}

/// Demuxes and decodes the first picture: its pixels and the track's quarter turns.
fn decode_first(path: &Path) -> Result<(RgbImage, u8), ComposerError> {
    let mut file = File::open(path).map_err(|e| ComposerError::io(path, e))?;
    let size = file
        .metadata()
        .map_err(|e| ComposerError::io(path, e))?
        .len();
    let moov = read_moov(&mut file, size, path)?;
    let track = video_track(&moov).map_err(|why| refused(path, why))?;
    let mut decoder = Decoder::with_api_config(
        OpenH264API::from_source(),
        openh264::decoder::DecoderConfig::new(),
    )
    .map_err(|e| refused(path, format!("the H.264 decoder did not start ({e})")))?;
    let mut head = track.parameter_sets;
    let mut sample = Vec::new();
    let mut packet = Vec::new();
    let mut read = 0u64;
    for (i, &(offset, bytes)) in track.samples.iter().enumerate() {
        if bytes > MAX_SAMPLE_BYTES || offset.saturating_add(u64::from(bytes)) > size {
            return Err(refused(path, "its sample table points outside the file"));
        }
        read += u64::from(bytes);
        if read > MAX_READ_BYTES {
            break;
        }
        sample.resize(bytes as usize, 0);
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut sample))
            .map_err(|e| ComposerError::io(path, e))?;
        packet.clear();
        packet.append(&mut head);
        to_annex_b(&sample, track.length_size, &mut packet)
            .ok_or_else(|| refused(path, "a frame's data is not valid"))?;
        match decoder.decode(&packet) {
            Ok(Some(yuv)) => return Ok((to_rgb(&yuv, path)?, track.turns)),
            Ok(None) => {}
            // A broken picture after a good start: try the next sample.
            Err(_) if i > 0 => {}
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
        return to_rgb(&yuv, path).map(|img| (img, track.turns));
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
#[allow(clippy::unwrap_used)]
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

    fn boxed(kind: &[u8; 4], body: &[u32]) -> Vec<u8> {
        let mut b = (8 + 4 * body.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        for v in body {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b
    }

    #[test]
    fn samples_are_found_through_chunks_and_runs() {
        // Runs: chunks 1–2 hold 2 samples each, chunk 3 on hold 1.
        let mut stbl = boxed(b"stsz", &[0, 0, 5, 10, 20, 30, 40, 50]);
        stbl.extend(boxed(b"stsc", &[0, 2, 1, 2, 1, 3, 1, 1]));
        stbl.extend(boxed(b"stco", &[0, 4, 100, 200, 300, 400]));
        assert_eq!(
            first_samples(&stbl).unwrap(),
            [(100, 10), (110, 20), (200, 30), (230, 40), (300, 50)]
        );
        // A table that names more samples than its chunks hold: what they hold.
        let mut short = boxed(b"stsz", &[0, 0, 3, 10, 20, 30]);
        short.extend(boxed(b"stsc", &[0, 1, 1, 1, 1]));
        short.extend(boxed(b"stco", &[0, 1, 100]));
        assert_eq!(first_samples(&short).unwrap(), [(100, 10)]);
        // No chunk offsets at all.
        assert_eq!(first_samples(&boxed(b"stsz", &[0, 7, 1])), None);
    }

    #[test]
    fn chunk_offsets_may_be_64_bit() {
        let mut stbl = boxed(b"stsz", &[0, 7, 2]);
        stbl.extend(boxed(b"stsc", &[0, 1, 1, 2, 1]));
        // co64: version/flags, one entry of 5 GiB + 16.
        stbl.extend(boxed(b"co64", &[0, 1, 1, 16]));
        assert_eq!(
            first_samples(&stbl).unwrap(),
            [(4_294_967_312, 7), (4_294_967_319, 7)]
        );
    }

    #[test]
    fn a_version_1_track_header_keeps_its_matrix_further_on() {
        let one = 0x0001_0000u32;
        // Version 1: 64-bit times and duration, so the matrix starts at byte 52.
        let mut tkhd = vec![1, 0, 0, 0];
        tkhd.extend([0u8; 32 + 16]);
        for v in [0, one, 0, (-0x0001_0000i32) as u32, 0] {
            tkhd.extend(v.to_be_bytes());
        }
        assert_eq!(turns_of(&tkhd), Some(1));
        tkhd[0] = 0;
        assert_ne!(
            turns_of(&tkhd),
            Some(1),
            "read as version 0, the matrix is elsewhere"
        );
    }

    #[test]
    fn moov_is_found_past_a_large_size_mdat_and_a_cut_header_is_no_moov() {
        let dir = std::env::temp_dir().join(format!("composer-moov-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("large-size.mp4");
        let mut bytes = boxed(b"ftyp", &[0x6973_6f6d, 0]);
        // mdat with size field 1 and a 64-bit size of 16 + 8 bytes.
        bytes.extend(1u32.to_be_bytes());
        bytes.extend(b"mdat");
        bytes.extend(24u64.to_be_bytes());
        bytes.extend([0xAA; 8]);
        bytes.extend(boxed(b"moov", &[7]));
        std::fs::write(&path, &bytes).unwrap();
        let size = bytes.len() as u64;
        let moov = read_moov(&mut File::open(&path).unwrap(), size, &path).unwrap();
        assert_eq!(moov, 7u32.to_be_bytes());
        // A file that ends inside a 16-byte header: a refusal, not an I/O error.
        let cut = dir.join("cut.mp4");
        std::fs::write(&cut, &bytes[..26]).unwrap();
        let len = std::fs::metadata(&cut).unwrap().len();
        let e = read_moov(&mut File::open(&cut).unwrap(), len, &cut).unwrap_err();
        assert!(matches!(e, ComposerError::VideoPreview { .. }), "{e:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_box_that_runs_past_its_parent_ends_the_walk() {
        let mut body = boxed(b"free", &[1]);
        body.extend(boxed(b"moov", &[2]));
        let mut broken = boxed(b"trak", &[3]);
        broken[3] = 200;
        body.extend(broken);
        let kinds: Vec<[u8; 4]> = children(&body).map(|(k, _)| k).collect();
        assert_eq!(kinds, [*b"free", *b"moov"]);
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
