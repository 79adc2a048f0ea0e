//! The paper: applies parsed commands to a roll of rows (text cells and
//! images), and at each cut hands back the finished ticket as text and as a
//! picture.

use crate::glyphs::{Bitmap, CELL_HEIGHT, CELL_WIDTH, draw_char, glyph_columns};

use super::parser::Command;

/// What the emulated printer model can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// Paper width in dots (384 for 58 mm, 576 for 80 mm).
    pub width_dots: u32,
    /// Prints KS X 1001 (EUC-KR) double-byte text in Kanji mode, like the
    /// Korean-market TM models. Without it, such bytes print as garbage.
    pub korean: bool,
    /// Answers `GS ( H` process-ID requests.
    pub process_id: bool,
}

impl Default for Model {
    fn default() -> Self {
        Self {
            width_dots: 576,
            korean: true,
            process_id: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct CharStyle {
    bold: bool,
    underline: bool,
    reverse: bool,
    width: u8,
    height: u8,
}

#[derive(Debug, Clone)]
struct Cell {
    ch: char,
    /// Columns of 12 dots before magnification (2 for Hangul).
    cols: u32,
    style: CharStyle,
}

impl Cell {
    fn dots(&self) -> u32 {
        self.cols * CELL_WIDTH * u32::from(self.style.width)
    }
}

#[derive(Debug, Clone)]
enum Row {
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

#[derive(Debug, Clone)]
pub struct Page {
    model: Model,
    style: CharStyle,
    align: u8,
    kanji: bool,
    code_page: u8,
    spacing: Option<u8>,
    /// First byte of a double-byte character split across chunks.
    lead: Option<u8>,
    line: Vec<Cell>,
    line_align: Option<u8>,
    rows: Vec<Row>,
    pub unknown: Vec<Vec<u8>>,
}

impl Page {
    pub fn new(model: Model) -> Self {
        Self {
            model,
            style: CharStyle {
                width: 1,
                height: 1,
                ..Default::default()
            },
            align: 0,
            kanji: false,
            code_page: 0,
            spacing: None,
            lead: None,
            line: Vec::new(),
            line_align: None,
            rows: Vec::new(),
            unknown: Vec::new(),
        }
    }

    fn reset_modes(&mut self) {
        self.style = CharStyle {
            width: 1,
            height: 1,
            ..Default::default()
        };
        self.align = 0;
        self.kanji = false;
        self.code_page = 0;
        self.spacing = None;
        self.lead = None;
        self.line.clear();
        self.line_align = None;
    }

    /// Whether anything is waiting to be cut off.
    pub fn is_blank(&self) -> bool {
        self.rows.iter().all(|r| matches!(r, Row::Blank(_))) && self.line.is_empty()
    }

    /// Apply one command; returns the finished ticket on a cut.
    pub fn apply(&mut self, cmd: Command) -> Option<Printout> {
        match cmd {
            Command::Init => self.reset_modes(),
            Command::Text(bytes) => self.text(&bytes),
            Command::LineFeed => self.print_line(),
            Command::FeedLines(n) => {
                // The first line fed is the one the buffer prints on.
                self.print_line();
                for _ in 1..n {
                    self.rows.push(Row::Blank(self.line_height()));
                }
            }
            Command::FeedDots(n) => {
                if self.line.is_empty() {
                    self.rows.push(Row::Blank(u32::from(n)));
                } else {
                    self.print_line();
                }
            }
            Command::Bold(on) => self.style.bold = on,
            Command::Underline(n) => self.style.underline = n > 0,
            Command::Align(n) => self.align = n.min(2),
            Command::Size { width, height } => {
                self.style.width = width;
                self.style.height = height;
            }
            Command::PrintMode(n) => {
                self.style.bold = n & 0x08 != 0;
                self.style.height = if n & 0x10 != 0 { 2 } else { 1 };
                self.style.width = if n & 0x20 != 0 { 2 } else { 1 };
                self.style.underline = n & 0x80 != 0;
            }
            Command::Reverse(on) => self.style.reverse = on,
            Command::Font(_) | Command::CharacterSet(_) => {}
            Command::CodePage(n) => self.code_page = n,
            Command::Kanji(on) => {
                self.kanji = on;
                self.lead = None;
            }
            Command::LineSpacing(s) => self.spacing = s,
            Command::Cut { .. } => return Some(self.cut()),
            Command::Raster {
                width_bytes,
                height,
                data,
            } => {
                self.print_line_if_any();
                let w = u32::from(width_bytes) * 8;
                let mut bitmap = Bitmap::new(w.min(self.model.width_dots), u32::from(height));
                for y in 0..u32::from(height) {
                    for x in 0..bitmap.width() {
                        let byte = data[(y * u32::from(width_bytes) + x / 8) as usize];
                        bitmap.set(x, y, byte & (0x80 >> (x % 8)) != 0);
                    }
                }
                self.rows.push(Row::Image(bitmap));
            }
            Command::BitImage {
                mode,
                columns,
                data,
            } => {
                self.print_line_if_any();
                let rows_per_col: u32 = if mode >= 32 { 24 } else { 8 };
                let bytes_per_col = rows_per_col / 8;
                let w = u32::from(columns).min(self.model.width_dots);
                let mut bitmap = Bitmap::new(w, rows_per_col);
                for x in 0..w {
                    for y in 0..rows_per_col {
                        let byte = data[(x * bytes_per_col + y / 8) as usize];
                        bitmap.set(x, y, byte & (0x80 >> (y % 8)) != 0);
                    }
                }
                self.rows.push(Row::Image(bitmap));
            }
            Command::Unknown(bytes) => self.unknown.push(bytes),
            Command::StatusRequest(_)
            | Command::ProcessId(_)
            | Command::ClearBuffers
            | Command::Ignored(_) => {}
        }
        None
    }

    fn line_height(&self) -> u32 {
        self.spacing.map_or(30, u32::from)
    }

    fn text(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if let Some(lead) = self.lead.take() {
                self.push_char(decode_euc_kr(lead, b));
                continue;
            }
            if self.kanji && self.model.korean && (0xA1..=0xFE).contains(&b) {
                self.lead = Some(b);
                continue;
            }
            let c = if b < 0x80 {
                char::from(b)
            } else if self.code_page == 16 {
                // WPC1252
                let byte = [b];
                let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
                s.chars().next().unwrap_or('\u{FFFD}')
            } else {
                '\u{FFFD}'
            };
            self.push_char(c);
        }
    }

    fn push_char(&mut self, ch: char) {
        let cols = glyph_columns(ch).unwrap_or(1);
        let cell = Cell {
            ch,
            cols,
            style: self.style,
        };
        let used: u32 = self.line.iter().map(Cell::dots).sum();
        if used + cell.dots() > self.model.width_dots && !self.line.is_empty() {
            self.finish_line(true);
        }
        if self.line.is_empty() {
            self.line_align = Some(self.align);
        }
        self.line.push(cell);
    }

    fn print_line_if_any(&mut self) {
        if !self.line.is_empty() {
            self.finish_line(false);
        }
    }

    fn print_line(&mut self) {
        if self.line.is_empty() {
            self.rows.push(Row::Blank(self.line_height()));
        } else {
            self.finish_line(false);
        }
    }

    fn finish_line(&mut self, wrapped: bool) {
        let cells = std::mem::take(&mut self.line);
        let align = self.line_align.take().unwrap_or(self.align);
        self.rows.push(Row::Text {
            cells,
            align,
            wrapped,
            spacing: self.line_height(),
        });
    }

    fn cut(&mut self) -> Printout {
        // A cut prints what is still in the line buffer first.
        self.print_line_if_any();
        let rows = std::mem::take(&mut self.rows);
        let lines = rows.iter().filter_map(printed_line).collect();
        Printout {
            lines,
            picture: render(&rows, self.model.width_dots),
            cut: true,
        }
    }
}

fn decode_euc_kr(lead: u8, trail: u8) -> char {
    let bytes = [lead, trail];
    let (s, _, had_errors) = encoding_rs::EUC_KR.decode(&bytes);
    if had_errors {
        '\u{FFFD}'
    } else {
        s.chars().next().unwrap_or('\u{FFFD}')
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
