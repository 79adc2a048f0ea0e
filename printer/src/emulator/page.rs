//! The print mechanism: applies commands to the paper — modes (style,
//! alignment, code page, Kanji), the line buffer, wrapping, feeds, images —
//! laying down rows of the roll, and at each cut hands back the finished
//! ticket (a [`Printout`]).

use crate::glyphs::{Bitmap, glyph_columns};

use super::command::Command;
use super::printout::{Cell, CharStyle, Printout, Row};

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
        Printout::cut(&rows, self.model.width_dots)
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
