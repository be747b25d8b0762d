//! A DC-only decoder for baseline JPEGs: the 1/8-scale image straight from each block's DC
//! coefficient (its mean), without inverse DCTs or AC values — only the Huffman codes of the
//! AC coefficients are walked. This is what makes a 24-megapixel preview fast.
//!
//! Contract: [`decode_eighth`] returns `None` for anything it does not handle (progressive,
//! arithmetic-coded, 12-bit, CMYK/Adobe, multi-scan or malformed files); the caller then uses
//! the general decoder. It never panics on bad input: corrupt entropy data just decodes to
//! wrong pixels (a seeded property test feeds it truncated and bit-flipped files). The returned
//! image is `ceil(w/8)` × `ceil(h/8)`, gray or RGB (JFIF YCbCr).
//!
//! Why it is hand-written: the crates in the tree are too slow for the 150 ms preview target.
//! `examples/thumb_bench.rs` (release), 6000×4000 q90 4:2:0 JPEG → 400×267 preview, grainy
//! 9.1 MB file, 2-core AMD EPYC VM at load ≈ 3 (other builds running), median of 15 runs:
//!
//! | path | CPU | wall |
//! |---|---|---|
//! | `composer::thumbnail` (this decoder) | 156 ms | 204 ms |
//! | `jpeg-decoder` with `Decoder::scale()` (1/8 IDCT, the fallback in `media.rs`) | 233 ms | 259 ms |
//! | full decode + resize with `image` (3 runs) | 433 ms | 466 ms |
//!
//! Huffman decoding dominates, and `scale()` still decodes every AC coefficient; this decoder
//! only walks their codes. (Smooth 2.3 MB file: 102 / 109 / 448 ms CPU.) `image` decodes with
//! `zune-jpeg`, which has no scaled decoding yet: revisit, and delete this file, when it ships
//! downscaling (zune-image PR #412, issue #434) and meets the target.

use image::{DynamicImage, GrayImage, RgbImage};

/// A Huffman table: 10-bit lookahead plus the canonical slow path for longer codes.
struct Huffman {
    /// `(symbol, length)` for codes up to 10 bits; length 0 = longer code.
    fast: Box<[(u8, u8); 1 << LOOKAHEAD]>,
    /// For AC use: `(bits to drop = code length + value bits, zig-zag advance)`; advance 0 is
    /// end-of-block; bits 0 = longer code (slow path).
    ac_fast: Box<[(u8, u8); 1 << LOOKAHEAD]>,
    maxcode: [i32; 18],
    valptr: [i32; 17],
    mincode: [i32; 17],
    values: Vec<u8>,
}

const LOOKAHEAD: u32 = 10;

impl Huffman {
    fn new(counts: &[u8; 16], values: Vec<u8>) -> Option<Huffman> {
        let mut fast = Box::new([(0u8, 0u8); 1 << LOOKAHEAD]);
        let mut ac_fast = Box::new([(0u8, 0u8); 1 << LOOKAHEAD]);
        let mut maxcode = [-1i32; 18];
        let mut valptr = [0i32; 17];
        let mut mincode = [0i32; 17];
        let mut code = 0i32;
        let mut k = 0usize;
        for len in 1..=16usize {
            let n = usize::from(counts[len - 1]);
            valptr[len] = i32::try_from(k).ok()?;
            mincode[len] = code;
            for _ in 0..n {
                let sym = *values.get(k)?;
                if len as u32 <= LOOKAHEAD {
                    let shift = LOOKAHEAD - len as u32;
                    let base = usize::try_from(code).ok()? << shift;
                    for e in fast.get_mut(base..base + (1 << shift))? {
                        *e = (sym, len as u8);
                    }
                    let (r, s) = (sym >> 4, sym & 15);
                    let adv = match (r, s) {
                        (15, 0) => 16,
                        (_, 0) => 0,
                        _ => r + 1,
                    };
                    for e in ac_fast.get_mut(base..base + (1 << shift))? {
                        *e = (len as u8 + s, adv);
                    }
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                maxcode[len] = code - 1;
            }
            if code > (1 << len) {
                return None;
            }
            code <<= 1;
        }
        maxcode[17] = i32::MAX;
        Some(Huffman {
            fast,
            ac_fast,
            maxcode,
            valptr,
            mincode,
            values,
        })
    }
}

/// MSB-first bit reader over entropy-coded data (byte stuffing, markers stop the stream).
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u64,
    count: u32,
    marker: bool,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Bits {
            data,
            pos,
            buf: 0,
            count: 0,
            marker: false,
        }
    }

    /// Fills the buffer to more than 56 bits (zeros after a marker or the end).
    #[inline]
    fn refill(&mut self) {
        // Fast path: eight bytes with no 0xFF among them (no stuffing, no marker).
        if !self.marker {
            if let Some(chunk) = self.data.get(self.pos..self.pos + 8) {
                let mut b = [0u8; 8];
                b.copy_from_slice(chunk);
                let word = u64::from_be_bytes(b);
                let inv = !word;
                let has_ff =
                    inv.wrapping_sub(0x0101_0101_0101_0101) & !inv & 0x8080_8080_8080_8080 != 0;
                if !has_ff {
                    let n = (64 - self.count) / 8; // whole bytes that fit (≥ 1: count ≤ 56)
                    self.buf |= (word >> (64 - 8 * n)) << (64 - self.count - 8 * n);
                    self.count += 8 * n;
                    self.pos += n as usize;
                    return;
                }
            }
        }
        while self.count <= 56 {
            let mut byte = 0u8;
            if !self.marker {
                match self.data.get(self.pos) {
                    Some(&0xFF) => match self.data.get(self.pos + 1) {
                        Some(0) => {
                            byte = 0xFF;
                            self.pos += 2;
                        }
                        _ => self.marker = true,
                    },
                    Some(&b) => {
                        byte = b;
                        self.pos += 1;
                    }
                    None => self.marker = true,
                }
            }
            self.buf |= u64::from(byte) << (56 - self.count);
            self.count += 8;
        }
    }

    #[inline]
    fn peek(&mut self, n: u32) -> u32 {
        if self.count < n {
            self.refill();
        }
        (self.buf >> (64 - n)) as u32
    }

    #[inline]
    fn skip(&mut self, n: u32) {
        if self.count < n {
            self.refill();
        }
        self.buf <<= n;
        self.count -= n;
    }

    #[inline]
    fn get(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek(n);
        self.skip(n);
        v
    }

    /// The next symbol and its code length, without consuming it. Needs ≥ 16 bits buffered.
    #[inline]
    fn look(&self, h: &Huffman) -> Option<(u8, u32)> {
        let (sym, len) = h.fast[(self.buf >> (64 - LOOKAHEAD)) as usize];
        if len > 0 {
            return Some((sym, u32::from(len)));
        }
        let word = (self.buf >> 48) as i32;
        for len in (LOOKAHEAD as usize + 1)..=16 {
            let code = word >> (16 - len);
            if code <= h.maxcode[len] {
                let idx = h.valptr[len] + code - h.mincode[len];
                return Some((*h.values.get(usize::try_from(idx).ok()?)?, len as u32));
            }
        }
        None
    }

    #[inline]
    fn decode(&mut self, h: &Huffman) -> Option<u8> {
        if self.count < 16 {
            self.refill();
        }
        let (sym, len) = self.look(h)?;
        self.skip(len);
        Some(sym)
    }

    /// Walks one block's AC codes (values skipped, not decoded).
    #[inline]
    fn skip_ac(&mut self, h: &Huffman) -> Option<()> {
        let mut k = 1u32;
        loop {
            if self.count < 32 {
                self.refill();
            }
            let (drop, adv) = h.ac_fast[(self.buf >> (64 - LOOKAHEAD)) as usize];
            let (drop, adv) = if drop > 0 {
                (u32::from(drop), u32::from(adv))
            } else {
                let (rs, len) = self.look(h)?;
                let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
                let adv = match (r, s) {
                    (15, 0) => 16,
                    (_, 0) => 0,
                    _ => r + 1,
                };
                (len + s, adv)
            };
            // drop ≤ 16 + 15: within the ≥ 32 buffered bits.
            self.buf <<= drop;
            self.count -= drop;
            if adv == 0 {
                return Some(());
            }
            k += adv;
            if k >= 64 {
                return Some(());
            }
        }
    }

    /// Drops buffered bits and skips the next RSTn marker.
    fn restart(&mut self) {
        self.buf = 0;
        self.count = 0;
        self.marker = false;
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
    }
}

#[inline]
fn extend(v: u32, s: u32) -> i32 {
    if s == 0 {
        return 0;
    }
    let v = v as i32;
    if v < (1 << (s - 1)) {
        v - (1 << s) + 1
    } else {
        v
    }
}

struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
    td: usize,
    ta: usize,
}

fn be16(d: &[u8], i: usize) -> Option<usize> {
    Some(usize::from(*d.get(i)?) << 8 | usize::from(*d.get(i + 1)?))
}

/// The 1/8-scale image of a baseline JPEG, plus its EXIF chunk (TIFF header first).
/// `None` also when the 1/8 image would be smaller than `max_side` on its longest side (the
/// preview needs more detail than the DC coefficients hold).
pub(crate) fn decode_eighth(
    data: &[u8],
    max_side: usize,
) -> Option<(DynamicImage, Option<Vec<u8>>)> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut pos = 2;
    let mut dc_quant = [0i32; 4];
    let mut dc_tables: [Option<Huffman>; 4] = [None, None, None, None];
    let mut ac_tables: [Option<Huffman>; 4] = [None, None, None, None];
    let mut comps: Vec<Component> = Vec::new();
    let (mut width, mut height) = (0usize, 0usize);
    let mut restart_interval = 0usize;
    let mut exif = None;
    loop {
        while *data.get(pos)? != 0xFF {
            pos += 1;
        }
        while *data.get(pos)? == 0xFF {
            pos += 1;
        }
        let marker = *data.get(pos)?;
        pos += 1;
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            continue;
        }
        let len = be16(data, pos)?;
        let seg = data.get(pos + 2..pos + len)?;
        match marker {
            0xDB => {
                let mut i = 0;
                while i < seg.len() {
                    let pq = seg[i] >> 4;
                    let tq = usize::from(seg[i] & 15).min(3);
                    dc_quant[tq] = if pq == 0 {
                        i32::from(*seg.get(i + 1)?)
                    } else {
                        i32::try_from(be16(seg, i + 1)?).ok()?
                    };
                    i += 1 + if pq == 0 { 64 } else { 128 };
                }
            }
            0xC4 => {
                let mut i = 0;
                while i < seg.len() {
                    let class = seg[i] >> 4;
                    let id = usize::from(seg[i] & 15).min(3);
                    let counts: [u8; 16] = seg.get(i + 1..i + 17)?.try_into().ok()?;
                    let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let values = seg.get(i + 17..i + 17 + n)?.to_vec();
                    let t = Huffman::new(&counts, values)?;
                    if class == 0 {
                        dc_tables[id] = Some(t);
                    } else {
                        ac_tables[id] = Some(t);
                    }
                    i += 17 + n;
                }
            }
            0xC0 | 0xC1 => {
                if *seg.first()? != 8 {
                    return None;
                }
                height = be16(seg, 1)?;
                width = be16(seg, 3)?;
                let n = usize::from(*seg.get(5)?);
                if !(n == 1 || n == 3) || width == 0 || height == 0 {
                    return None;
                }
                for c in 0..n {
                    let b = seg.get(6 + c * 3..9 + c * 3)?;
                    let (h, v) = (usize::from(b[1] >> 4), usize::from(b[1] & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return None;
                    }
                    comps.push(Component {
                        id: b[0],
                        h,
                        v,
                        tq: usize::from(b[2]).min(3),
                        td: 0,
                        ta: 0,
                    });
                }
                if n == 1 {
                    comps[0].h = 1;
                    comps[0].v = 1;
                }
                if width.max(height).div_ceil(8) < max_side {
                    return None;
                }
            }
            // Progressive, lossless, hierarchical, arithmetic: the general decoder's job.
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => return None,
            0xDD => restart_interval = be16(seg, 0)?,
            0xE1 if seg.starts_with(b"Exif\0\0") => exif = Some(seg[6..].to_vec()),
            // Adobe: may mean RGB or CMYK without YCbCr; leave it to the general decoder.
            0xEE if seg.starts_with(b"Adobe") => return None,
            0xDA => {
                let ns = usize::from(*seg.first()?);
                if ns != comps.len() {
                    return None; // non-interleaved multi-scan file
                }
                for k in 0..ns {
                    let b = seg.get(1 + k * 2..3 + k * 2)?;
                    let c = comps.iter_mut().find(|c| c.id == b[0])?;
                    c.td = usize::from(b[1] >> 4).min(3);
                    c.ta = usize::from(b[1] & 15).min(3);
                }
                pos += len;
                break;
            }
            0xD9 => return None,
            _ => {}
        }
        pos += len;
    }
    if comps.is_empty() {
        return None;
    }
    let hmax = comps.iter().map(|c| c.h).max()?;
    let vmax = comps.iter().map(|c| c.v).max()?;
    let mcux = width.div_ceil(8 * hmax);
    let mcuy = height.div_ceil(8 * vmax);
    let mut planes: Vec<Vec<u8>> = comps
        .iter()
        .map(|c| vec![0u8; mcux * c.h * mcuy * c.v])
        .collect();
    let mut preds = vec![0i32; comps.len()];
    let mut bits = Bits::new(data, pos);
    let tables: Vec<(&Huffman, &Huffman, i32)> = comps
        .iter()
        .map(|c| {
            Some((
                dc_tables[c.td].as_ref()?,
                ac_tables[c.ta].as_ref()?,
                dc_quant[c.tq],
            ))
        })
        .collect::<Option<_>>()?;
    let mut mcus_left = restart_interval;
    for my in 0..mcuy {
        for mx in 0..mcux {
            if restart_interval > 0 {
                if mcus_left == 0 {
                    bits.restart();
                    preds.iter_mut().for_each(|p| *p = 0);
                    mcus_left = restart_interval;
                }
                mcus_left -= 1;
            }
            for (ci, c) in comps.iter().enumerate() {
                let (dc, ac, q) = tables[ci];
                let stride = mcux * c.h;
                for by in 0..c.v {
                    for bx in 0..c.h {
                        let s = u32::from(bits.decode(dc)?);
                        if s > 16 {
                            return None;
                        }
                        preds[ci] += extend(bits.get(s), s);
                        bits.skip_ac(ac)?;
                        let mean = (preds[ci] * q + 4).div_euclid(8) + 128;
                        let idx = (my * c.v + by) * stride + mx * c.h + bx;
                        planes[ci][idx] = mean.clamp(0, 255) as u8;
                    }
                }
            }
        }
    }
    let (ow, oh) = (width.div_ceil(8), height.div_ceil(8));
    let sample = |ci: usize, x: usize, y: usize| -> u8 {
        let c = &comps[ci];
        let stride = mcux * c.h;
        planes[ci][(y * c.v / vmax) * stride + x * c.h / hmax]
    };
    let (w32, h32) = (u32::try_from(ow).ok()?, u32::try_from(oh).ok()?);
    let img = if comps.len() == 1 {
        let mut px = Vec::with_capacity(ow * oh);
        for y in 0..oh {
            for x in 0..ow {
                px.push(sample(0, x, y));
            }
        }
        DynamicImage::ImageLuma8(GrayImage::from_raw(w32, h32, px)?)
    } else {
        let mut px = Vec::with_capacity(ow * oh * 3);
        for y in 0..oh {
            for x in 0..ow {
                let yy = f32::from(sample(0, x, y));
                let cb = f32::from(sample(1, x, y)) - 128.0;
                let cr = f32::from(sample(2, x, y)) - 128.0;
                let to8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
                px.push(to8(yy + 1.402 * cr));
                px.push(to8(yy - 0.344_136 * cb - 0.714_136 * cr));
                px.push(to8(yy + 1.772 * cb));
            }
        }
        DynamicImage::ImageRgb8(RgbImage::from_raw(w32, h32, px)?)
    };
    Some((img, exif))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn encode(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(img)
            .unwrap();
        out
    }

    fn reference(data: &[u8]) -> Vec<u8> {
        let mut d = jpeg_decoder::Decoder::new(data);
        d.read_info().unwrap();
        let info = d.info().unwrap();
        d.scale(info.width.div_ceil(8), info.height.div_ceil(8))
            .unwrap();
        d.decode().unwrap()
    }

    fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(x.abs_diff(*y)))
            .sum::<f64>()
            / a.len() as f64
    }

    #[test]
    fn matches_the_general_decoder_at_one_eighth() {
        let (w, h) = (803u32, 611u32); // not multiples of 8 or 16
        let rgb = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 255 / w) as u8,
                (y * 255 / h) as u8,
                if (x / 40 + y / 40) % 2 == 0 { 220 } else { 30 },
            ])
        });
        let data = encode(&DynamicImage::ImageRgb8(rgb.clone()));
        let (img, exif) = decode_eighth(&data, 50).unwrap();
        assert!(exif.is_none());
        assert_eq!((img.width(), img.height()), (101, 77));
        let diff = mean_abs_diff(img.as_bytes(), &reference(&data));
        assert!(diff < 3.0, "mean difference {diff}");

        let gray = DynamicImage::ImageLuma8(image::imageops::grayscale(&rgb));
        let data = encode(&gray);
        let (img, _) = decode_eighth(&data, 50).unwrap();
        let diff = mean_abs_diff(img.as_bytes(), &reference(&data));
        assert!(diff < 2.0, "mean difference {diff}");

        // Too small for the preview asked for: the general decoder's job.
        assert!(decode_eighth(&data, 200).is_none());
        // Garbage and truncation never panic.
        assert!(decode_eighth(b"\xFF\xD8\xFF", 1).is_none());
        for cut in [10, 200, 700, data.len() / 2] {
            let _ = decode_eighth(&data[..cut], 1);
        }
        let mut bad = data.clone();
        for i in (400..bad.len()).step_by(97) {
            bad[i] ^= 0x5A;
        }
        let _ = decode_eighth(&bad, 1);
    }

    /// A hand-made grayscale JPEG with restart markers every `ri` blocks; every block's DC
    /// difference is +1, so block j of an interval has mean 128 + j + 1 (DC quant 8).
    fn restart_jpeg(w: u16, h: u16, ri: u16) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00];
        out.push(8);
        out.extend_from_slice(&[1u8; 63]);
        out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        out.extend_from_slice(&h.to_be_bytes());
        out.extend_from_slice(&w.to_be_bytes());
        out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        // DC: "0" → category 0, "10" → category 1. AC: "0" → EOB.
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x15, 0x00, 1, 1]);
        out.extend_from_slice(&[0u8; 14]);
        out.extend_from_slice(&[0, 1]);
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, 0x10, 1]);
        out.extend_from_slice(&[0u8; 15]);
        out.push(0);
        out.extend_from_slice(&[0xFF, 0xDD, 0x00, 0x04]);
        out.extend_from_slice(&ri.to_be_bytes());
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        let blocks = usize::from(w.div_ceil(8)) * usize::from(h.div_ceil(8));
        let (mut acc, mut n) = (0u32, 0u32);
        let flush = |out: &mut Vec<u8>, acc: &mut u32, n: &mut u32, pad: bool| {
            if pad && !(*n).is_multiple_of(8) {
                let k = 8 - *n % 8;
                *acc = (*acc << k) | ((1 << k) - 1);
                *n += k;
            }
            while *n >= 8 {
                let b = (*acc >> (*n - 8)) as u8;
                out.push(b);
                if b == 0xFF {
                    out.push(0);
                }
                *n -= 8;
            }
        };
        let mut rst = 0u8;
        for b in 0..blocks {
            if b > 0 && b % usize::from(ri) == 0 {
                flush(&mut out, &mut acc, &mut n, true);
                out.extend_from_slice(&[0xFF, 0xD0 + rst]);
                rst = (rst + 1) % 8;
            }
            acc = (acc << 4) | 0b1010; // "10" category 1, "1" = +1, "0" EOB
            n += 4;
            flush(&mut out, &mut acc, &mut n, false);
        }
        flush(&mut out, &mut acc, &mut n, true);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    #[test]
    fn restart_intervals_reset_the_prediction() {
        let data = restart_jpeg(160, 80, 7);
        let (img, _) = decode_eighth(&data, 1).unwrap();
        assert_eq!((img.width(), img.height()), (20, 10));
        let expected: Vec<u8> = (0..200).map(|b| 128 + (b % 7) as u8 + 1).collect();
        assert_eq!(img.as_bytes(), expected.as_slice());
        assert_eq!(reference(&data), expected);
    }

    /// Property: for any truncation or corruption of a JPEG it handles, `decode_eighth` does
    /// not panic and returns `None` or a non-empty image whose buffer matches its size. Seeded
    /// (reproducible) random cases over colour 4:2:0, gray and restart-interval files: cuts at
    /// any length, 1–16 flipped bits, stray `0xFF` marker bytes, and both at once.
    #[test]
    fn truncated_and_bit_flipped_files_never_panic() {
        let (w, h) = (211u32, 157u32);
        let rgb = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 5 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        let gray = DynamicImage::ImageLuma8(image::imageops::grayscale(&rgb));
        let sources = [
            encode(&DynamicImage::ImageRgb8(rgb)),
            encode(&gray),
            restart_jpeg(160, 80, 7),
        ];
        let mut rng = fastrand::Rng::with_seed(0x6A70_6567_5F64_6321);
        let (mut some, mut none) = (0u32, 0u32);
        for source in &sources {
            assert!(
                decode_eighth(source, 1).is_some(),
                "the intact file decodes"
            );
            for case in 0..1500 {
                let mut data = source.clone();
                if case % 3 != 1 {
                    data.truncate(rng.usize(0..=data.len()));
                }
                if case % 3 != 0 && !data.is_empty() {
                    for _ in 0..rng.usize(1..=16) {
                        let i = rng.usize(..data.len());
                        if rng.u8(..8) == 0 {
                            data[i] = 0xFF;
                        } else {
                            data[i] ^= 1 << rng.u8(..8);
                        }
                    }
                }
                match decode_eighth(&data, 1) {
                    Some((img, _)) => {
                        some += 1;
                        assert!(img.width() > 0 && img.height() > 0);
                        let channels = usize::from(img.color().channel_count());
                        assert_eq!(
                            img.as_bytes().len(),
                            img.width() as usize * img.height() as usize * channels
                        );
                    }
                    None => none += 1,
                }
            }
        }
        // Both outcomes occur, so the cases reach the entropy decoder and not just the header.
        assert!(some > 100 && none > 100, "{some} images, {none} refusals");
    }
}
