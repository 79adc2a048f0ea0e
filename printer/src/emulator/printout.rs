//! The printed paper: rows of text cells, images and feeds as the page
//! lays them down, and at a cut the [`Printout`] made of them, the lines as
//! the tests see them and a picture of the paper.

use crate::glyphs::{Bitmap, CELL_HEIGHT, CELL_WIDTH, draw_char};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct CharStyle {
    pub(super) bold: bool,
    pub(super) underline: bool,
    pub(super) reverse: bool,
    pub(super) width: u8,
    pub(super) height: u8,
}

#[derive(Debug, Clone)]
pub(super) struct Cell {
    pub(super) ch: char,
    /// Columns of 12 dots before magnification (2 for Hangul).
    pub(super) cols: u32,
    pub(super) style: CharStyle,
}

impl Cell {
    pub(super) fn dots(&self) -> u32 {
        self.cols * CELL_WIDTH * u32::from(self.style.width)
    }
}

/// One row of the roll, in the order the paper came out.
#[derive(Debug, Clone)]
pub(super) enum Row {
    Text {
        cells: Vec<Cell>,
        align: u8,
        wrapped: bool,
        spacing: u32,
    },
    Image(Bitmap),
    Blank(u32),
}

/// One printed line as the tests see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrintedLine {
    pub text: String,
    /// Width used, in 12-dot columns.
    pub columns: u32,
    /// The printer had to break this line because it was too wide.
    pub wrapped: bool,
    pub bold: bool,
    pub reverse: bool,
    pub double_width: bool,
    pub double_height: bool,
    /// A raster image rather than text.
    pub image: bool,
}

/// A ticket as it came out of the printer, up to the cut.
#[derive(Debug, Clone)]
pub struct Printout {
    pub lines: Vec<PrintedLine>,
    pub picture: Bitmap,
    pub cut: bool,
}

impl Printout {
    /// The ticket made of the rows printed since the last cut, on paper
    /// `width` dots wide.
    pub(super) fn cut(rows: &[Row], width: u32) -> Self {
        Self {
            lines: rows.iter().filter_map(printed_line).collect(),
            picture: render(rows, width),
            cut: true,
        }
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.text);
            s.push('\n');
        }
        s
    }

    /// The first `#123` on the ticket.
    pub fn order_number(&self) -> Option<u32> {
        self.lines.iter().find_map(|l| {
            let rest = l.text.trim().strip_prefix('#')?;
            rest.parse().ok()
        })
    }

    /// The first double-size text line that is not a banner or a number.
    pub fn table(&self) -> Option<String> {
        self.lines
            .iter()
            .filter(|l| l.double_width && !l.image && !l.reverse)
            .map(|l| l.text.trim().to_owned())
            .find(|t| !t.starts_with('#') && !t.is_empty())
    }
}

fn printed_line(row: &Row) -> Option<PrintedLine> {
    match row {
        Row::Text { cells, wrapped, .. } => {
            let text: String = cells.iter().map(|c| c.ch).collect();
            let first = cells.first().map(|c| c.style).unwrap_or_default();
            Some(PrintedLine {
                text: text.trim_end().to_owned(),
                columns: cells
                    .iter()
                    .map(|c| c.cols * u32::from(c.style.width))
                    .sum(),
                wrapped: *wrapped,
                bold: cells.iter().any(|c| c.style.bold),
                reverse: cells.iter().any(|c| c.style.reverse && c.ch != ' ') || first.reverse,
                double_width: cells.iter().any(|c| c.style.width >= 2),
                double_height: cells.iter().any(|c| c.style.height >= 2),
                image: false,
            })
        }
        Row::Image(b) => Some(PrintedLine {
            text: format!("[image {}x{}]", b.width(), b.height()),
            columns: b.width().div_ceil(CELL_WIDTH),
            wrapped: false,
            bold: false,
            reverse: false,
            double_width: false,
            double_height: false,
            image: true,
        }),
        Row::Blank(_) => None,
    }
}

const MARGIN: u32 = 16;

/// Draw the rows onto a picture of the paper.
fn render(rows: &[Row], width: u32) -> Bitmap {
    let height_of = |r: &Row| match r {
        Row::Text { cells, spacing, .. } => {
            let tallest = cells
                .iter()
                .map(|c| u32::from(c.style.height))
                .max()
                .unwrap_or(1)
                * CELL_HEIGHT;
            (tallest + 6).max(*spacing)
        }
        Row::Image(b) => b.height(),
        Row::Blank(h) => *h,
    };
    let total: u32 = rows.iter().map(height_of).sum::<u32>() + 2 * MARGIN;
    let mut out = Bitmap::new(width, total.min(20_000));
    let mut y = MARGIN;
    for row in rows {
        let h = height_of(row);
        match row {
            Row::Text { cells, align, .. } => {
                let used: u32 = cells.iter().map(Cell::dots).sum();
                let mut x = match align {
                    1 => width.saturating_sub(used) / 2,
                    2 => width.saturating_sub(used),
                    _ => 0,
                };
                let tallest = cells
                    .iter()
                    .map(|c| u32::from(c.style.height))
                    .max()
                    .unwrap_or(1)
                    * CELL_HEIGHT;
                for c in cells {
                    let (wm, hm) = (u32::from(c.style.width), u32::from(c.style.height));
                    let top = y + tallest - CELL_HEIGHT * hm;
                    let w = c.dots();
                    draw_char(&mut out, x, top, c.ch, wm, hm, c.style.bold);
                    if c.style.underline {
                        for dx in 0..w {
                            out.set(x + dx, top + CELL_HEIGHT * hm - 1, true);
                        }
                    }
                    if c.style.reverse {
                        out.invert(x, top, w, CELL_HEIGHT * hm);
                    }
                    x += w;
                }
            }
            Row::Image(b) => {
                for by in 0..b.height() {
                    for bx in 0..b.width() {
                        if b.get(bx, by) {
                            out.set(bx, y + by, true);
                        }
                    }
                }
            }
            Row::Blank(_) => {}
        }
        y += h;
    }
    // A dashed line where the cutter went.
    for x in (0..width).step_by(8) {
        for dx in 0..4 {
            out.set(x + dx, total.saturating_sub(2), true);
        }
    }
    out
}
