//! Ticket → ESC/POS bytes, a pure function built on the `escpos` crate.
//! Korean text goes either through the printer's KS X 1001 Kanji mode or,
//! for printers without it, as raster images drawn with [`crate::glyphs`].

use std::sync::{Arc, Mutex};

use escpos::driver::Driver;
use escpos::printer::Printer as EscPos;
use escpos::printer_options::PrinterOptions;
use escpos::utils::{CharacterSet, Encoder, JustifyMode, Protocol};

use crate::glyphs::{Bitmap, CELL_HEIGHT, CELL_WIDTH};
use crate::ticket::{Align, KoreanText, LayoutOptions, Line, Style, Ticket, layout};

pub const FS: u8 = 0x1C;
pub const GS: u8 = 0x1D;

/// Why a ticket could not be encoded. Inputs are sanitised first, so this
/// means a bug in the layout rather than bad data.
#[derive(Debug, thiserror::Error)]
#[error("encoding the ticket failed: {0}")]
pub struct EncodeError(String);

impl From<escpos::errors::PrinterError> for EncodeError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        EncodeError(e.to_string())
    }
}

/// An `escpos` driver that only collects the bytes.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<u8>>>);

impl Collect {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Vec<u8>>, EncodeError> {
        self.0
            .lock()
            .map_err(|_| EncodeError("poisoned buffer".into()))
    }
}

impl Driver for Collect {
    fn name(&self) -> String {
        "collect".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0
            .lock()
            .map_err(|_| escpos::errors::PrinterError::Io("poisoned".into()))?
            .extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

impl Ticket {
    /// The ESC/POS bytes of this ticket: init, lines, feed, cut.
    pub fn encode(&self, options: &LayoutOptions) -> Result<Vec<u8>, EncodeError> {
        encode_lines(&layout(self, options), options)
    }
}

/// Encode already laid-out lines (also used for the CLI's test page).
pub fn encode_lines(lines: &[Line], options: &LayoutOptions) -> Result<Vec<u8>, EncodeError> {
    let sink = Collect::default();
    let protocol = match options.korean {
        KoreanText::CodePage => Protocol::new(Encoder::new(encoding_rs::EUC_KR)),
        KoreanText::Raster => Protocol::default(),
    };
    let cols = u8::try_from(options.paper.columns()).unwrap_or(u8::MAX);
    let mut p = EscPos::new(
        sink.clone(),
        protocol,
        Some(PrinterOptions::new(None, None, cols)),
    );
    p.init()?;
    if options.korean == KoreanText::CodePage {
        // Korean character set and Kanji (double-byte) mode on.
        p.character_set(CharacterSet::Korea)?.custom(&[FS, b'&'])?;
    }
    // Styles are sent only when they change: `init` leaves left alignment,
    // normal size, bold and reverse off.
    let mut cur = Style::NORMAL;
    let mut text = String::new();
    for line in lines {
        let raster = options.korean == KoreanText::Raster && !line.text.is_ascii();
        if raster {
            let (width_bytes, data) =
                rasterise(line, options.paper.width_dots()).into_packed_rows();
            let height = rasterised_height(line);
            // The image goes straight to the output, after what `escpos`
            // holds so far (its `custom` would copy the data three times).
            p.print()?;
            let mut out = sink.lock()?;
            out.extend_from_slice(&[GS, b'v', b'0', 0]);
            out.extend_from_slice(&u16::try_from(width_bytes).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&u16::try_from(height).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&data);
            continue;
        }
        set_style(&mut p, &mut cur, line.style)?;
        // The text and its line feed (LF: print the line) in one command.
        text.clear();
        text.push_str(&line.text);
        text.push('\n');
        p.write(&text)?;
    }
    set_style(&mut p, &mut cur, Style::NORMAL)?;
    p.feeds(3)?;
    if options.korean == KoreanText::CodePage {
        p.custom(&[FS, b'.'])?;
    }
    p.print_cut()?;
    drop(p);
    let bytes = std::mem::take(&mut *sink.lock()?);
    Ok(bytes)
}

/// Send what differs between the printer's text style `cur` and `want`.
fn set_style(p: &mut EscPos<Collect>, cur: &mut Style, want: Style) -> Result<(), EncodeError> {
    if want.align != cur.align {
        p.justify(match want.align {
            Align::Left => JustifyMode::LEFT,
            Align::Center => JustifyMode::CENTER,
        })?;
    }
    if want.bold != cur.bold {
        p.bold(want.bold)?;
    }
    if want.reverse != cur.reverse {
        p.reverse(want.reverse)?;
    }
    if (want.width, want.height) != (cur.width, cur.height) {
        if (want.width, want.height) == (1, 1) {
            p.reset_size()?;
        } else {
            p.size(want.width, want.height)?;
        }
    }
    *cur = want;
    Ok(())
}

/// Dots of white under a rasterised line: text lines are 30 dots apart
/// (the `ESC 2` default) with 24-dot characters, and pictures should match.
const RASTER_LINE_GAP: u32 = 6;

fn rasterised_height(line: &Line) -> u32 {
    CELL_HEIGHT * u32::from(line.style.height) + RASTER_LINE_GAP
}

/// Draw a line the way the printer would print it as text: cells of 12×24
/// dots, magnified, aligned within the paper width.
pub fn rasterise(line: &Line, width_dots: u32) -> Bitmap {
    let (wmul, hmul) = (u32::from(line.style.width), u32::from(line.style.height));
    let text_dots = line.columns() * CELL_WIDTH;
    let x = match line.style.align {
        Align::Left => 0,
        // Centre on whole cells, as a printer does with character columns.
        Align::Center => (width_dots.saturating_sub(text_dots) / 2) / CELL_WIDTH * CELL_WIDTH,
    };
    let (mut bitmap, end) = Bitmap::text_line(
        width_dots,
        rasterised_height(line),
        x,
        &line.text,
        wmul,
        hmul,
        line.style.bold,
    );
    if line.style.reverse {
        bitmap.invert(x, 0, end - x, CELL_HEIGHT * hmul);
    }
    bitmap
}
