//! Small valid media files for tests, examples and benches, generated (no assets shipped).
//!
//! Contract: every generator returns the bytes of one well-formed file of the asked size and
//! shape, made instantly even for large sizes (debug builds included); none is meant to be
//! viewed, only to be sniffed, inspected, thumbnailed and uploaded.

/// A PNG of `w`×`h` (1-bit grayscale, uncompressed deflate), optionally padded with a
/// trailing ancillary chunk to about `pad` extra bytes.
pub fn png(w: u32, h: u32, pad: usize) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    fn adler(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &d in data {
            a = (a + u32::from(d)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let row = 1 + (w as usize).div_ceil(8);
    let raw = vec![0u8; row * h as usize];
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(u8::from(last));
        let len = u16::try_from(block.len()).unwrap_or(0);
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(block);
    }
    if raw.is_empty() {
        z.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    z.extend_from_slice(&adler(&raw).to_be_bytes());
    chunk(&mut out, b"IDAT", &z);
    if pad > 0 {
        chunk(&mut out, b"tEXt", &vec![b'a'; pad]);
    }
    chunk(&mut out, b"IEND", &[]);
    out
}

/// An animated GIF of `w`×`h` with `frames` frames (each a 1×1-pixel LZW image block),
/// optionally padded with a comment extension of about `pad` bytes.
pub fn gif(w: u16, h: u16, frames: u32, pad: usize) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2 entries
    out.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    // NETSCAPE looping extension.
    out.extend_from_slice(&[0x21, 0xFF, 0x0B]);
    out.extend_from_slice(b"NETSCAPE2.0");
    out.extend_from_slice(&[3, 1, 0, 0, 0]);
    let mut left = pad;
    while left > 0 {
        let n = left.min(255);
        out.extend_from_slice(&[0x21, 0xFE]);
        out.push(u8::try_from(n).unwrap_or(255));
        out.extend(std::iter::repeat_n(b'x', n));
        out.push(0);
        left -= n;
    }
    for _ in 0..frames {
        out.extend_from_slice(&[0x21, 0xF9, 4, 0, 10, 0, 0, 0]);
        out.push(0x2C);
        out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0, 0]);
        out.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]);
    }
    out.push(0x3B);
    out
}

/// [`mp4`] followed by a `moov` box whose `mvhd` says `secs` seconds.
pub fn mp4_with_duration(size: usize, secs: u32) -> Vec<u8> {
    let mut out = mp4(size);
    let mut mvhd = Vec::new();
    mvhd.extend_from_slice(&108u32.to_be_bytes());
    mvhd.extend_from_slice(b"mvhd");
    mvhd.extend_from_slice(&[0, 0, 0, 0]); // version 0, flags
    mvhd.extend_from_slice(&[0; 8]); // creation, modification
    mvhd.extend_from_slice(&1000u32.to_be_bytes()); // timescale
    mvhd.extend_from_slice(&(secs * 1000).to_be_bytes()); // duration
    mvhd.resize(108, 0);
    out.extend_from_slice(&(8 + 108u32).to_be_bytes());
    out.extend_from_slice(b"moov");
    out.extend_from_slice(&mvhd);
    out
}

/// [`mp4`] with a `moov` after the media data holding an `mvhd` of `secs` seconds and a video
/// track (`trak/tkhd`, version 0) of `w`×`h` pixels, rotated 90° when `rotated` (a phone's
/// portrait video), after an audio track with no size.
pub fn mp4_video(size: usize, secs: u32, w: u16, h: u16, rotated: bool) -> Vec<u8> {
    let mut out = mp4(size);
    let boxed = |kind: &[u8], body: &[u8]| {
        let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    };
    let mut mvhd = vec![0u8; 12];
    mvhd.extend_from_slice(&1000u32.to_be_bytes());
    mvhd.extend_from_slice(&(secs * 1000).to_be_bytes());
    mvhd.resize(100, 0);
    let tkhd = |w: u16, h: u16, rotated: bool| {
        let mut t = vec![0u8; 4 + 20 + 16];
        let one = 0x0001_0000i32;
        let m: [i32; 9] = if rotated {
            [0, one, 0, -one, 0, 0, 0, 0, 0x4000_0000]
        } else {
            [one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000]
        };
        for v in m {
            t.extend_from_slice(&v.to_be_bytes());
        }
        t.extend_from_slice(&(u32::from(w) << 16).to_be_bytes());
        t.extend_from_slice(&(u32::from(h) << 16).to_be_bytes());
        boxed(b"tkhd", &t)
    };
    let audio = boxed(b"trak", &tkhd(0, 0, false));
    let video = boxed(b"trak", &tkhd(w, h, rotated));
    let moov = boxed(b"moov", &[boxed(b"mvhd", &mvhd), audio, video].concat());
    out.extend_from_slice(&moov);
    out
}

/// A minimal MP4 (`ftyp` + `mdat`) of about `size` bytes; enough for type sniffing and
/// uploading to a simulator, not a playable video.
pub fn mp4(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size.max(64));
    out.extend_from_slice(&[0, 0, 0, 0x20]);
    out.extend_from_slice(b"ftypisom");
    out.extend_from_slice(&[0, 0, 2, 0]);
    out.extend_from_slice(b"isomiso2avc1mp41");
    let body = size.saturating_sub(out.len() + 8).max(8);
    out.extend_from_slice(&u32::try_from(body + 8).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.extend((0..body).map(|i| (i % 251) as u8));
    out
}

/// A valid baseline grayscale JPEG of `w`×`h` (flat gray), built by hand so that a
/// 24-megapixel file is made instantly in debug builds: one-symbol Huffman tables, every block
/// "DC diff 0, end of block" = two zero bits.
pub fn gray_jpeg(w: u16, h: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // DQT: table 0, all ones.
    out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    out.extend_from_slice(&[1u8; 64]);
    // SOF0: 8-bit, h × w, one component (id 1, 1×1 sampling, table 0).
    out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
    out.extend_from_slice(&h.to_be_bytes());
    out.extend_from_slice(&w.to_be_bytes());
    out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
    // DHT: DC table 0 and AC table 0, each with one 1-bit code for symbol 0.
    for class in [0x00u8, 0x10] {
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class]);
        let mut counts = [0u8; 16];
        counts[0] = 1;
        out.extend_from_slice(&counts);
        out.push(0x00);
    }
    // SOS: one component, tables 0/0, spectral 0–63.
    out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    let blocks = u64::from(w).div_ceil(8) * u64::from(h).div_ceil(8);
    let bits = blocks * 2;
    let full = usize::try_from(bits / 8).unwrap_or(usize::MAX);
    out.extend(std::iter::repeat_n(0u8, full));
    let rest = bits % 8;
    if rest > 0 {
        out.push(0xFFu8 >> rest); // pad with one bits (0xFF never appears: rest ≥ 1)
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}
