//! The one bitmap font both sides agree on: GNU Unifont, scaled to the
//! printer's 12×24-dot cell (Epson font A). The ticket encoder uses it to
//! rasterise text a printer cannot print from a code page; the virtual
//! printer uses it to draw its PNGs. Also owns how many columns a character
//! takes, so layout and rendering count the same way.

/// Dots per half-width column (Epson font A is 12×24).
pub const CELL_WIDTH: u32 = 12;
/// Dots per text line of font A.
pub const CELL_HEIGHT: u32 = 24;

/// A one-bit picture, one byte per dot (0 = white, 1 = black), row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub dots: Vec<u8>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            dots: vec![0; (width as usize) * (height as usize)],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.dots[(y * self.width + x) as usize] != 0
    }

    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x < self.width && y < self.height {
            self.dots[(y * self.width + x) as usize] = u8::from(black);
        }
    }

    /// Invert the dots in a rectangle (reverse-video text).
    pub fn invert(&mut self, x0: u32, y0: u32, w: u32, h: u32) {
        for y in y0..(y0 + h).min(self.height) {
            for x in x0..(x0 + w).min(self.width) {
                let i = (y * self.width + x) as usize;
                self.dots[i] ^= 1;
            }
        }
    }

    /// Rows packed 8 dots a byte, most significant bit first: the data of
    /// `GS v 0`. The width is rounded up to whole bytes.
    pub fn packed_rows(&self) -> (u32, Vec<u8>) {
        let width_bytes = self.width.div_ceil(8);
        let mut out = vec![0u8; (width_bytes * self.height) as usize];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    out[(y * width_bytes + x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        (width_bytes, out)
    }
}

/// Columns a character takes in font A: 2 for full-width glyphs (Hangul,
/// CJK), 1 otherwise. `None` when the font has no glyph for it.
pub fn glyph_columns(c: char) -> Option<u32> {
    if c.is_ascii() {
        return (!c.is_ascii_control()).then_some(1);
    }
    unifont::get_glyph(c).map(|g| if g.is_fullwidth() { 2 } else { 1 })
}

/// Draw `c` with its top-left corner at `(x, y)`, magnified `wmul`×`hmul`
/// over the 12×24 cell. Returns the dots it advanced.
pub fn draw_char(
    bitmap: &mut Bitmap,
    x: u32,
    y: u32,
    c: char,
    wmul: u32,
    hmul: u32,
    bold: bool,
) -> u32 {
    let glyph = unifont::get_glyph(c).or_else(|| unifont::get_glyph('?'));
    let Some(glyph) = glyph else {
        return CELL_WIDTH * wmul;
    };
    let src_w = glyph.get_width() as u32;
    let cols = if glyph.is_fullwidth() { 2 } else { 1 };
    let cell_w = CELL_WIDTH * cols * wmul;
    let cell_h = CELL_HEIGHT * hmul;
    for dy in 0..cell_h {
        let sy = dy * 16 / cell_h;
        for dx in 0..cell_w {
            let sx = dx * src_w / cell_w;
            if glyph.get_pixel(sx as usize, sy as usize) {
                bitmap.set(x + dx, y + dy, true);
                if bold {
                    bitmap.set(x + dx + 1, y + dy, true);
                }
            }
        }
    }
    cell_w
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
}
