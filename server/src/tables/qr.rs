//! QR codes of table URLs as SVG, PNG, and a printable PDF sheet of all
//! tables: vector modules, and names in an embedded font with Hangul
//! (`pdf.rs`), so that "창가 3" prints as "창가 3".

use std::fmt::Write as _;

use image::{ImageEncoder, Luma};
use qrcode::{Color, EcLevel, QrCode};

use super::pdf::Document;
use crate::http::error::{ApiError, ApiResult};

/// Error correction M: survives smudges and a little wear on the table.
fn code(url: &str) -> ApiResult<QrCode> {
    QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).map_err(ApiError::internal)
}

pub fn svg(url: &str) -> ApiResult<String> {
    Ok(code(url)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

pub fn png(url: &str) -> ApiResult<Vec<u8>> {
    let img = code(url)?
        .render::<Luma<u8>>()
        .module_dimensions(8, 8)
        .quiet_zone(true)
        .build();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(ApiError::internal)?;
    Ok(out)
}

/// One labelled code on the sheet.
pub struct SheetEntry {
    pub name: String,
    pub url: String,
}

const PAGE_W: f64 = 595.0; // A4 in points
const PAGE_H: f64 = 842.0;
const COLS: usize = 2;
const ROWS: usize = 3;
const CELL_W: f64 = PAGE_W / COLS as f64;
const CELL_H: f64 = (PAGE_H - 60.0) / ROWS as f64;
const CODE_SIDE: f64 = 190.0;

/// An A4 PDF, six tables a page, each code with its table's name under it
/// and the restaurant's name on top of every page.
pub fn sheet_pdf(title: &str, entries: &[SheetEntry]) -> ApiResult<Vec<u8>> {
    let mut doc = Document::new()?;
    for chunk in entries
        .chunks(COLS * ROWS)
        .chain(entries.is_empty().then_some(&[][..]))
    {
        let size = fitted(&doc, title, 20.0, PAGE_W - 80.0);
        doc.text(size, 40.0, PAGE_H - 40.0, title);
        for (i, entry) in chunk.iter().enumerate() {
            let (col, row) = (i % COLS, i / COLS);
            let x0 = col as f64 * CELL_W + (CELL_W - CODE_SIDE) / 2.0;
            let top = PAGE_H - 60.0 - row as f64 * CELL_H - 20.0;
            modules(doc.content(), &code(&entry.url)?, x0, top, CODE_SIDE);
            let size = fitted(&doc, &entry.name, 16.0, CELL_W - 20.0);
            let width = doc.width(&entry.name, size);
            let x = (x0 + (CODE_SIDE - width) / 2.0).max(col as f64 * CELL_W + 10.0);
            doc.text(size, x, top - CODE_SIDE - 22.0, &entry.name);
        }
        doc.end_page();
    }
    doc.finish(PAGE_W, PAGE_H)
}

/// `size`, or smaller (down to 8 pt) so that `s` fits in `room` points.
fn fitted(doc: &Document, s: &str, size: f64, room: f64) -> f64 {
    let width = doc.width(s, size);
    if width <= room {
        size
    } else {
        (size * room / width).max(8.0)
    }
}

/// Dark modules as filled rectangles, merged into horizontal runs.
fn modules(out: &mut String, code: &QrCode, x0: f64, top: f64, side: f64) {
    let n = code.width();
    let quiet = 4;
    let unit = side / (n + 2 * quiet) as f64;
    let colors = code.to_colors();
    out.push_str("0 g\n");
    for y in 0..n {
        let mut x = 0;
        while x < n {
            if colors[y * n + x] == Color::Dark {
                let start = x;
                while x < n && colors[y * n + x] == Color::Dark {
                    x += 1;
                }
                let _ = writeln!(
                    out,
                    "{:.3} {:.3} {:.3} {:.3} re",
                    x0 + (start + quiet) as f64 * unit,
                    top - (y + quiet + 1) as f64 * unit,
                    (x - start) as f64 * unit,
                    unit
                );
            } else {
                x += 1;
            }
        }
    }
    out.push_str("f\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_decodes_back_to_the_url() {
        let url = "http://127.0.0.1:8080/t/0123456789abcdef0123456789abcdef";
        let bytes = png(url).expect("png");
        let img = image::load_from_memory(&bytes)
            .expect("decodable png")
            .to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decodes");
        assert_eq!(content, url);
    }
}
