//! The one bitmap font both sides agree on: GNU Unifont, scaled to the
//! printer's 12×24-dot cell (Epson font A). The ticket encoder uses it to
//! rasterise text a printer cannot print from a code page; the virtual
//! printer uses it to draw its PNGs. Also owns how many columns a character
//! takes, so layout and rendering count the same way.
//!
//! Pictures are packed 8 dots a byte, as `GS v 0` sends them, and text is
//! drawn a row at a time, not dot by dot: each byte of a Unifont row (8
//! source dots) widens to `12 × wmul` dots through a table computed at
//! compile time and is shifted into the packed row whole. A line of text
//! ([`Bitmap::text_line`]) draws each of the 16 source rows once and copies
//! it to the magnified rows that repeat it.

use unifont::Glyph;

/// Dots per half-width column (Epson font A is 12×24).
pub const CELL_WIDTH: u32 = 12;
/// Dots per text line of font A.
pub const CELL_HEIGHT: u32 = 24;

/// Largest magnification (`GS !` allows 1–8 each way).
pub const MAX_MAGNIFICATION: u32 = 8;

/// A one-bit picture stored the way `GS v 0` sends it: rows of
/// `width.div_ceil(8)` bytes, the first dot in the high bit. Dots past
/// `width` in a row's last byte are always white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    /// Bytes per row.
    stride: usize,
    bits: Vec<u8>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Self {
        let stride = width.div_ceil(8) as usize;
        Self {
            width,
            height,
            stride,
            bits: vec![0; stride * height as usize],
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width
            && y < self.height
            && self.bits[y as usize * self.stride + (x / 8) as usize] & (0x80 >> (x % 8)) != 0
    }

    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x < self.width && y < self.height {
            let byte = &mut self.bits[y as usize * self.stride + (x / 8) as usize];
            let bit = 0x80 >> (x % 8);
            if black {
                *byte |= bit;
            } else {
                *byte &= !bit;
            }
        }
    }

    /// Invert the dots in a rectangle (reverse-video text).
    pub fn invert(&mut self, x0: u32, y0: u32, w: u32, h: u32) {
        let x1 = x0.saturating_add(w).min(self.width);
        let y1 = y0.saturating_add(h).min(self.height);
        if x0 >= x1 {
            return;
        }
        let (first, last) = ((x0 / 8) as usize, ((x1 - 1) / 8) as usize);
        let head = 0xFFu8 >> (x0 % 8);
        let tail = 0xFFu8 << (7 - (x1 - 1) % 8);
        for y in y0..y1 {
            let row = self.row_mut(y);
            if first == last {
                row[first] ^= head & tail;
            } else {
                row[first] ^= head;
                for b in &mut row[first + 1..last] {
                    *b ^= 0xFF;
                }
                row[last] ^= tail;
            }
        }
    }

    /// Rows packed 8 dots a byte, most significant bit first: the data of
    /// `GS v 0`. The width is rounded up to whole bytes.
    pub fn packed_rows(&self) -> (u32, Vec<u8>) {
        (self.stride_u32(), self.bits.clone())
    }

    /// [`Bitmap::packed_rows`] without the copy.
    pub fn into_packed_rows(self) -> (u32, Vec<u8>) {
        (self.stride_u32(), self.bits)
    }

    fn stride_u32(&self) -> u32 {
        self.width.div_ceil(8)
    }

    fn row_mut(&mut self, y: u32) -> &mut [u8] {
        let start = y as usize * self.stride;
        &mut self.bits[start..start + self.stride]
    }

    /// A picture of one line of text: `text` drawn from `(x, 0)` in cells
    /// magnified `wmul`×`hmul` (1–8), the rest white. Returns the picture
    /// and the dot where the text ended. The same dots as [`draw_char`]
    /// character by character, but each distinct glyph row is drawn once
    /// and copied to the rows that repeat it.
    pub fn text_line(
        width: u32,
        height: u32,
        x: u32,
        text: &str,
        wmul: u32,
        hmul: u32,
        bold: bool,
    ) -> (Self, u32) {
        let mut b = Self::new(width, height);
        let (wmul, hmul) = (clamp_magnification(wmul), clamp_magnification(hmul));
        let cell_h = CELL_HEIGHT * hmul;
        let glyphs: Vec<Option<&Glyph>> = text.chars().map(glyph_or_question_mark).collect();
        let end = glyphs
            .iter()
            .fold(x, |end, &g| end.saturating_add(advance(g, wmul)));
        // Rows dy with the same source row (dy * 16 / cell_h) are equal.
        let mut dy = 0;
        for sy in 0..16 {
            let run_end = ((sy + 1) * cell_h).div_ceil(16);
            if dy >= height {
                break;
            }
            draw_row(b.row_mut(dy), width, x, &glyphs, sy, wmul, bold);
            let start = dy as usize * b.stride;
            for copy in dy + 1..run_end.min(height) {
                b.bits
                    .copy_within(start..start + b.stride, copy as usize * b.stride);
            }
            dy = run_end;
        }
        (b, end)
    }
}

fn clamp_magnification(m: u32) -> u32 {
    m.clamp(1, MAX_MAGNIFICATION)
}

fn glyph_or_question_mark(c: char) -> Option<&'static Glyph> {
    unifont::get_glyph(c).or_else(|| unifont::get_glyph('?'))
}

/// Dots a glyph's cell takes at magnification `wmul`.
fn advance(glyph: Option<&Glyph>, wmul: u32) -> u32 {
    let cols = match glyph {
        Some(g) if g.is_fullwidth() => 2,
        _ => 1,
    };
    CELL_WIDTH * cols * wmul
}

/// Columns a character takes in font A: 2 for full-width glyphs (Hangul,
/// CJK), 1 otherwise. `None` when the font has no glyph for it.
pub fn glyph_columns(c: char) -> Option<u32> {
    if c.is_ascii() {
        return (!c.is_ascii_control()).then_some(1);
    }
    unifont::get_glyph(c).map(|g| if g.is_fullwidth() { 2 } else { 1 })
}

/// `WIDEN[m - 1][b]`: the 8 dots of source byte `b` widened to `12 × m`
/// dots (dot `d` takes source dot `d × 8 / (12 × m)`, as the cell scaling
/// does), the first dot in bit 127.
static WIDEN: [[u128; 256]; MAX_MAGNIFICATION as usize] = widen_table();

const fn widen_table() -> [[u128; 256]; MAX_MAGNIFICATION as usize] {
    let mut table = [[0u128; 256]; MAX_MAGNIFICATION as usize];
    let mut m = 0;
    while m < MAX_MAGNIFICATION as usize {
        let dots = 12 * (m + 1);
        let mut byte = 0;
        while byte < 256 {
            let mut widened = 0u128;
            let mut d = 0;
            while d < dots {
                if byte & (0x80 >> (d * 8 / dots)) != 0 {
                    widened |= 1 << (127 - d);
                }
                d += 1;
            }
            table[m][byte] = widened;
            byte += 1;
        }
        m += 1;
    }
    table
}

/// ORs dots into a packed row, left to right: dots are gathered in a
/// register and written to the row four bytes at a time, each byte once,
/// so no write waits on the one before it. Bytes past the row are dropped.
struct RowWriter<'a> {
    row: &'a mut [u8],
    /// The byte of the row that bit 127 of `acc` stands for.
    base: usize,
    acc: u128,
}

impl<'a> RowWriter<'a> {
    fn new(row: &'a mut [u8], x: u32) -> Self {
        Self {
            row,
            base: (x / 8) as usize,
            acc: 0,
        }
    }

    /// OR up to 97 `dots` (the first in bit 127) from dot `at`, which is
    /// never left of the bytes already written.
    fn put(&mut self, at: u32, dots: u128) {
        let mut off = (at as usize).saturating_sub(self.base * 8);
        // Keep `off` ≤ 31 so that the 97 dots fit after it.
        while off >= 32 {
            self.flush_word();
            off -= 32;
        }
        self.acc |= dots >> off;
    }

    /// Write the first 32 bits of `acc` and move on by four bytes.
    fn flush_word(&mut self) {
        let word = (self.acc >> 96) as u32;
        if word != 0 {
            let end = self.base.saturating_add(4);
            match self
                .row
                .get_mut(self.base..end)
                .and_then(|c| <&mut [u8; 4]>::try_from(c).ok())
            {
                Some(out) => *out = (u32::from_be_bytes(*out) | word).to_be_bytes(),
                None => {
                    let tail = self.row.iter_mut().skip(self.base);
                    for (b, w) in tail.zip(word.to_be_bytes()) {
                        *b |= w;
                    }
                }
            }
        }
        self.acc <<= 32;
        self.base = self.base.saturating_add(4);
    }

    /// Write what is left.
    fn finish(mut self) {
        while self.acc != 0 {
            self.flush_word();
        }
    }
}

/// Draw source row `sy` of `glyphs`, their cells side by side from dot
/// `x`, widened `wmul` times (1–8), into a packed row of `width` dots.
fn draw_row(
    row: &mut [u8],
    width: u32,
    x: u32,
    glyphs: &[Option<&Glyph>],
    sy: u32,
    wmul: u32,
    bold: bool,
) {
    let widen = &WIDEN[(wmul - 1) as usize];
    let part = 12 * wmul;
    let mut out = RowWriter::new(row, x);
    let mut put = |at: u32, byte: u8| {
        if byte != 0 {
            let dots = widen[usize::from(byte)];
            // A bold dot also blackens the dot to its right, even past its
            // cell (at most 96 + 1 dots).
            out.put(at, if bold { dots | dots >> 1 } else { dots });
        }
    };
    let mut at = x;
    for &glyph in glyphs {
        match glyph {
            Some(Glyph::Halfwidth(rows)) => put(at, rows[sy as usize]),
            Some(Glyph::Fullwidth(rows)) => {
                let [hi, lo] = rows[sy as usize].to_be_bytes();
                put(at, hi);
                put(at.saturating_add(part), lo);
            }
            None => {}
        }
        at = at.saturating_add(advance(glyph, wmul));
    }
    out.finish();
    // Keep the dots past the width white.
    if !width.is_multiple_of(8)
        && let Some(last) = row.last_mut()
    {
        *last &= 0xFF << (8 - width % 8);
    }
}

/// Draw `c` with its top-left corner at `(x, y)`, magnified `wmul`×`hmul`
/// (1–8, as `GS !` allows; other values are taken as the nearest) over the
/// 12×24 cell. Returns the dots it advanced.
pub fn draw_char(
    bitmap: &mut Bitmap,
    x: u32,
    y: u32,
    c: char,
    wmul: u32,
    hmul: u32,
    bold: bool,
) -> u32 {
    let (wmul, hmul) = (clamp_magnification(wmul), clamp_magnification(hmul));
    let glyph = glyph_or_question_mark(c);
    if glyph.is_some() {
        let cell_h = CELL_HEIGHT * hmul;
        let width = bitmap.width;
        for dy in 0..cell_h.min(bitmap.height.saturating_sub(y)) {
            let row = bitmap.row_mut(y + dy);
            draw_row(row, width, x, &[glyph], dy * 16 / cell_h, wmul, bold);
        }
    }
    advance(glyph, wmul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_is_two_columns_and_latin_one() {
        assert_eq!(glyph_columns('비'), Some(2));
        assert_eq!(glyph_columns('A'), Some(1));
        assert_eq!(glyph_columns('é'), Some(1));
        assert_eq!(glyph_columns('\n'), None);
    }

    #[test]
    fn a_drawn_letter_leaves_black_dots_inside_its_cell_only() {
        let mut b = Bitmap::new(48, 24);
        let advanced = draw_char(&mut b, 12, 0, '한', 1, 1, false);
        assert_eq!(advanced, 24);
        let black: Vec<(u32, u32)> = (0..24)
            .flat_map(|y| (0..48).map(move |x| (x, y)))
            .filter(|&(x, y)| b.get(x, y))
            .collect();
        assert!(black.len() > 20);
        assert!(black.iter().all(|&(x, _)| (12..36).contains(&x)));
    }

    #[test]
    fn packed_rows_put_the_first_dot_in_the_high_bit() {
        let mut b = Bitmap::new(10, 1);
        b.set(0, 0, true);
        b.set(9, 0, true);
        assert_eq!(b.packed_rows(), (2, vec![0x80, 0x40]));
    }

    #[test]
    fn a_text_line_is_the_same_dots_as_its_characters_drawn_one_by_one() {
        for (wmul, hmul, bold) in [(1, 1, false), (2, 2, true), (1, 2, true), (3, 5, false)] {
            // Spaces at both ends, and (magnified) text cut at a width
            // that ends mid-byte.
            let text = "  가A é한  ";
            let (line, end) = Bitmap::text_line(236, 130, 6, text, wmul, hmul, bold);
            let mut chars = Bitmap::new(236, 130);
            let mut x = 6;
            for c in text.chars() {
                x += draw_char(&mut chars, x, 0, c, wmul, hmul, bold);
            }
            assert_eq!(end, x);
            assert_eq!(line, chars, "{wmul}×{hmul} bold {bold}");
        }
    }
}
