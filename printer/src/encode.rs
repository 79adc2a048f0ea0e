//! Ticket → ESC/POS bytes, a pure function. Every command byte comes from
//! the `escpos` crate; Korean text goes either through the printer's
//! KS X 1001 Kanji mode or, for printers without it, as raster images drawn
//! with [`crate::glyphs`].
//!
//! The `escpos` crate keeps each command as a heap-allocated instruction
//! (a name and its byte vectors) until it is flushed: three allocations per
//! style change, the largest cost of a ticket when it was called per line.
//! The commands a ticket uses are few and fixed, so each is built through
//! `escpos` once per process ([`Commands`]) and the lines are written
//! straight into one output buffer.

use std::sync::{Arc, Mutex, OnceLock};

use escpos::driver::Driver;
use escpos::printer::Printer as EscPos;
use escpos::utils::{CharacterSet, JustifyMode, Protocol};

use crate::glyphs::{Bitmap, CELL_HEIGHT, CELL_WIDTH, MAX_MAGNIFICATION};
use crate::ticket::{Align, KoreanText, LayoutOptions, Line, Style, Ticket, layout};

pub const FS: u8 = 0x1C;
pub const GS: u8 = 0x1D;

/// Why a ticket could not be encoded. Inputs are sanitised first, so this
/// means a bug in the layout rather than bad data.
#[derive(Debug, Clone, thiserror::Error)]
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

/// The bytes `escpos` produces for what `build` asks of its printer.
fn escpos_bytes(
    build: impl FnOnce(&mut EscPos<Collect>) -> escpos::errors::Result<&mut EscPos<Collect>>,
) -> Result<Vec<u8>, EncodeError> {
    let sink = Collect::default();
    let mut p = EscPos::new(sink.clone(), Protocol::default(), None);
    build(&mut p)?.print()?;
    drop(p);
    let bytes = std::mem::take(
        &mut *sink
            .0
            .lock()
            .map_err(|_| EncodeError("poisoned buffer".into()))?,
    );
    Ok(bytes)
}

/// Character magnifications ESC/POS accepts (`GS !`), each way: the same
/// bound the glyph drawing uses.
const MAX_SIZE: u8 = MAX_MAGNIFICATION as u8;

/// The command bytes a ticket is made of, built once through `escpos`.
struct Commands {
    /// Init; for the code page also the Korean character set and Kanji
    /// (double-byte) mode on.
    start: Vec<u8>,
    /// Three lines of feed, Kanji mode off for the code page, full cut.
    end: Vec<u8>,
    /// By [`Align`]: left, centre.
    align: [Vec<u8>; 2],
    /// By `bool`: off, on.
    bold: [Vec<u8>; 2],
    reverse: [Vec<u8>; 2],
    /// By `(width - 1) * MAX_SIZE + height - 1`.
    size: Vec<Vec<u8>>,
}

impl Commands {
    fn build(korean: KoreanText) -> Result<Self, EncodeError> {
        let code_page = korean == KoreanText::CodePage;
        let mut size = Vec::with_capacity(usize::from(MAX_SIZE * MAX_SIZE));
        for w in 1..=MAX_SIZE {
            for h in 1..=MAX_SIZE {
                size.push(escpos_bytes(|p| {
                    if (w, h) == (1, 1) {
                        p.reset_size()
                    } else {
                        p.size(w, h)
                    }
                })?);
            }
        }
        Ok(Self {
            start: escpos_bytes(|p| {
                p.init()?;
                if code_page {
                    p.character_set(CharacterSet::Korea)?.custom(&[FS, b'&'])?;
                }
                Ok(p)
            })?,
            end: escpos_bytes(|p| {
                p.feeds(3)?;
                if code_page {
                    p.custom(&[FS, b'.'])?;
                }
                p.cut()
            })?,
            align: [
                escpos_bytes(|p| p.justify(JustifyMode::LEFT))?,
                escpos_bytes(|p| p.justify(JustifyMode::CENTER))?,
            ],
            bold: [
                escpos_bytes(|p| p.bold(false))?,
                escpos_bytes(|p| p.bold(true))?,
            ],
            reverse: [
                escpos_bytes(|p| p.reverse(false))?,
                escpos_bytes(|p| p.reverse(true))?,
            ],
            size,
        })
    }

    fn get(korean: KoreanText) -> Result<&'static Self, EncodeError> {
        static CODE_PAGE: OnceLock<Result<Commands, EncodeError>> = OnceLock::new();
        static RASTER: OnceLock<Result<Commands, EncodeError>> = OnceLock::new();
        let cell = match korean {
            KoreanText::CodePage => &CODE_PAGE,
            KoreanText::Raster => &RASTER,
        };
        cell.get_or_init(|| Commands::build(korean))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Append what differs between the printer's text style `cur` and `want`.
    fn set_style(
        &self,
        out: &mut Vec<u8>,
        cur: &mut Style,
        want: Style,
    ) -> Result<(), EncodeError> {
        if want.align != cur.align {
            out.extend_from_slice(&self.align[usize::from(want.align == Align::Center)]);
        }
        if want.bold != cur.bold {
            out.extend_from_slice(&self.bold[usize::from(want.bold)]);
        }
        if want.reverse != cur.reverse {
            out.extend_from_slice(&self.reverse[usize::from(want.reverse)]);
        }
        if (want.width, want.height) != (cur.width, cur.height) {
            let valid = 1..=MAX_SIZE;
            if !valid.contains(&want.width) || !valid.contains(&want.height) {
                return Err(EncodeError(format!(
                    "text size {}×{} is outside 1–{MAX_SIZE}",
                    want.width, want.height
                )));
            }
            let i =
                usize::from(want.width - 1) * usize::from(MAX_SIZE) + usize::from(want.height - 1);
            out.extend_from_slice(&self.size[i]);
        }
        *cur = want;
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
    let commands = Commands::get(options.korean)?;
    let text_bytes: usize = lines.iter().map(|l| l.text.len() + 8).sum();
    let mut out = Vec::with_capacity(commands.start.len() + text_bytes + commands.end.len());
    out.extend_from_slice(&commands.start);
    // KS X 1001 in Kanji mode is EUC-KR; the raster path sends only ASCII
    // as text (the `escpos` default, UTF-8, leaves it as it is).
    let mut euc_kr = match options.korean {
        KoreanText::CodePage => Some(encoding_rs::EUC_KR.new_encoder()),
        KoreanText::Raster => None,
    };
    // Styles are sent only when they change: init leaves left alignment,
    // normal size, bold and reverse off.
    let mut cur = Style::NORMAL;
    for line in lines {
        if euc_kr.is_none() && !line.text.is_ascii() {
            let (width_bytes, data) =
                rasterise(line, options.paper.width_dots()).into_packed_rows();
            let height = rasterised_height(line);
            out.extend_from_slice(&[GS, b'v', b'0', 0]);
            out.extend_from_slice(&u16::try_from(width_bytes).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&u16::try_from(height).unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&data);
            continue;
        }
        commands.set_style(&mut out, &mut cur, line.style)?;
        match &mut euc_kr {
            Some(encoder) => encode_euc_kr(encoder, &line.text, &mut out)?,
            None => out.extend_from_slice(line.text.as_bytes()),
        }
        // LF: print the line.
        out.push(b'\n');
    }
    commands.set_style(&mut out, &mut cur, Style::NORMAL)?;
    out.extend_from_slice(&commands.end);
    Ok(out)
}

/// Append `text` in EUC-KR. The layout has replaced what EUC-KR cannot
/// encode, so a failure here is a bug.
fn encode_euc_kr(
    encoder: &mut encoding_rs::Encoder,
    text: &str,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let room = encoder
        .max_buffer_length_from_utf8_without_replacement(text.len())
        .ok_or_else(|| EncodeError("line too long".into()))?;
    out.reserve(room);
    match encoder.encode_from_utf8_to_vec_without_replacement(text, out, false) {
        (encoding_rs::EncoderResult::InputEmpty, _) => Ok(()),
        (encoding_rs::EncoderResult::Unmappable(c), _) => {
            Err(EncodeError(format!("{c:?} has no EUC-KR code")))
        }
        (encoding_rs::EncoderResult::OutputFull, _) => {
            Err(EncodeError("EUC-KR output buffer too small".into()))
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(width: u8, height: u8) -> Line {
        Line {
            text: "A".into(),
            style: Style {
                width,
                height,
                ..Style::NORMAL
            },
        }
    }

    #[test]
    fn every_text_size_is_sent_as_gs_bang_and_out_of_range_is_an_error() {
        let opts = LayoutOptions::default();
        for w in 1..=MAX_SIZE {
            for h in 1..=MAX_SIZE {
                let bytes = encode_lines(&[line(w, h)], &opts).expect("encodes");
                let size = [GS, b'!', ((w - 1) << 4) | (h - 1)];
                let found = bytes.windows(3).any(|c| c == size);
                // 1×1 is what init leaves: nothing to send.
                assert_eq!(found, (w, h) != (1, 1), "{w}×{h}");
            }
        }
        for (w, h) in [(0, 1), (1, 0), (9, 1), (1, 9)] {
            let err = encode_lines(&[line(w, h)], &opts).expect_err("out of range");
            assert!(err.to_string().contains("outside 1–8"), "{err}");
        }
    }
}
