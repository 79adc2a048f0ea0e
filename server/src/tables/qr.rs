//! QR codes of table URLs as SVG, PNG, and a printable PDF sheet of all
//! tables. The PDF is written by hand (vector modules, a built-in font):
//! small, deterministic, no font files to ship.

use std::fmt::Write as _;

use image::{ImageEncoder, Luma};
use qrcode::{Color, EcLevel, QrCode};

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
    let mut pages = Vec::new();
    for chunk in entries
        .chunks(COLS * ROWS)
        .chain(entries.is_empty().then_some(&[][..]))
    {
        let mut content = String::new();
        text(&mut content, 20.0, 40.0, PAGE_H - 40.0, title);
        for (i, entry) in chunk.iter().enumerate() {
            let (col, row) = (i % COLS, i / COLS);
            let x0 = col as f64 * CELL_W + (CELL_W - CODE_SIDE) / 2.0;
            let top = PAGE_H - 60.0 - row as f64 * CELL_H - 20.0;
            modules(&mut content, &code(&entry.url)?, x0, top, CODE_SIDE);
            // Centred by an average Helvetica glyph width (about half the size).
            let width = entry.name.chars().count() as f64 * 16.0 * 0.52;
            let x = (x0 + (CODE_SIDE - width) / 2.0).max(col as f64 * CELL_W + 10.0);
            text(&mut content, 16.0, x, top - CODE_SIDE - 22.0, &entry.name);
        }
        pages.push(content);
    }
    Ok(pdf(&pages))
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

fn text(out: &mut String, size: f64, x: f64, y: f64, s: &str) {
    let _ = writeln!(
        out,
        "BT /F1 {size} Tf {x:.2} {y:.2} Td ({}) Tj ET",
        pdf_string(s)
    );
}

/// A literal string in the font's WinAnsi encoding: Latin-1 characters as
/// they are, others (the built-in font has no glyphs for them) as `?`.
fn pdf_string(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if (c as u32) >= 0xA0 && (c as u32) <= 0xFF => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            _ => out.push('?'),
        }
    }
    out
}

fn pdf(pages: &[String]) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    // 1 catalog, 2 page tree, 3 font, then a page and its content per page.
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    );
    for (i, content) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}endstream",
            content.len()
        ));
    }
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{obj}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(out, "{off:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
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

    #[test]
    fn pdf_strings_escape_delimiters_and_replace_what_the_font_lacks() {
        assert_eq!(pdf_string("T(1)\\"), "T\\(1\\)\\\\");
        assert_eq!(pdf_string("Café"), "Caf\\351");
        assert_eq!(pdf_string("창가 1"), "?? 1");
    }
}
