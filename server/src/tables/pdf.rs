//! A small PDF writer for the QR sheet: pages of vector drawing and text
//! in one embedded font with Hangul and Latin (`server/data/fonts/`, a
//! renamed subset of NanumGothic Bold under the SIL OFL). Each PDF carries
//! only the glyphs it uses (subset again with `subsetter`), as a Type 0 /
//! CIDFontType2 font with Identity-H encoding, and a ToUnicode map so that
//! the text can be searched and copied. A character the font lacks is drawn
//! as `?`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use subsetter::GlyphRemapper;

use crate::http::error::{ApiError, ApiResult};

static FONT: &[u8] = include_bytes!("../../data/fonts/qrorder-hangul-bold.ttf");
/// The name the font goes by in the PDF: a subset tag and its own name.
const FONT_NAME: &str = "QRORDR+QROrderHangul-Bold";

/// A document being drawn: pages of content, and the glyphs they use.
pub struct Document {
    face: ttf_parser::Face<'static>,
    remapper: GlyphRemapper,
    /// New glyph id → (the character it shows, its advance in 1/1000 em).
    used: BTreeMap<u16, (char, u32)>,
    pages: Vec<String>,
    page: String,
}

impl Document {
    pub fn new() -> ApiResult<Self> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(ApiError::internal)?;
        Ok(Self {
            face,
            remapper: GlyphRemapper::new(),
            used: BTreeMap::new(),
            pages: Vec::new(),
            page: String::new(),
        })
    }

    /// The page being drawn, as PDF content operators.
    pub fn content(&mut self) -> &mut String {
        &mut self.page
    }

    pub fn end_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
    }

    /// The width of `s` at `size` points.
    pub fn width(&self, s: &str, size: f64) -> f64 {
        s.chars()
            .map(|c| {
                let (gid, _) = self.glyph(c);
                f64::from(self.advance(gid)) * size / 1000.0
            })
            .sum()
    }

    /// `s` at (`x`, `y`), `size` points.
    pub fn text(&mut self, size: f64, x: f64, y: f64, s: &str) {
        let mut hex = String::with_capacity(s.len() * 4);
        for c in s.chars() {
            let (old, shown) = self.glyph(c);
            let advance = self.advance(old);
            let new = self.remapper.remap(old.0);
            self.used.entry(new).or_insert((shown, advance));
            let _ = write!(hex, "{new:04X}");
        }
        let _ = writeln!(self.page, "BT /F1 {size} Tf {x:.2} {y:.2} Td <{hex}> Tj ET");
    }

    /// The glyph of `c` and the character it shows: `?` where the font has
    /// none, a space for a control character.
    fn glyph(&self, c: char) -> (ttf_parser::GlyphId, char) {
        let c = if c.is_control() { ' ' } else { c };
        match self.face.glyph_index(c) {
            Some(gid) => (gid, c),
            None => (
                self.face.glyph_index('?').unwrap_or(ttf_parser::GlyphId(0)),
                '?',
            ),
        }
    }

    /// Advance width in 1/1000 em.
    fn advance(&self, gid: ttf_parser::GlyphId) -> u32 {
        let units = u32::from(self.face.glyph_hor_advance(gid).unwrap_or(0));
        units * 1000 / u32::from(self.face.units_per_em().max(1))
    }

    /// The finished PDF, `width` × `height` points a page.
    pub fn finish(mut self, width: f64, height: f64) -> ApiResult<Vec<u8>> {
        if !self.page.is_empty() || self.pages.is_empty() {
            self.end_page();
        }
        let font = subsetter::subset(FONT, 0, &self.remapper)
            .map_err(|e| ApiError::internal(format!("subsetting the sheet's font: {e}")))?;
        let mut w = Writer::default();
        // 1 catalog, 2 page tree, 3–7 the font, then a page and its content each.
        let first_page = 8;
        let kids: Vec<String> = (0..self.pages.len())
            .map(|i| format!("{} 0 R", first_page + 2 * i))
            .collect();
        w.object(b"<< /Type /Catalog /Pages 2 0 R >>");
        w.object(
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                self.pages.len()
            )
            .as_bytes(),
        );
        w.object(
            format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont /{FONT_NAME} /Encoding /Identity-H \
                 /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>"
            )
            .as_bytes(),
        );
        let widths: Vec<String> = self
            .used
            .iter()
            .map(|(gid, (_, advance))| format!("{gid} [{advance}]"))
            .collect();
        w.object(
            format!(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{FONT_NAME} \
                 /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                 /FontDescriptor 5 0 R /DW 1000 /W [{}] /CIDToGIDMap /Identity >>",
                widths.join(" ")
            )
            .as_bytes(),
        );
        let scale = |v: i16| i32::from(v) * 1000 / i32::from(self.face.units_per_em().max(1));
        let bbox = self.face.global_bounding_box();
        w.object(
            format!(
                "<< /Type /FontDescriptor /FontName /{FONT_NAME} /Flags 4 \
                 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} \
                 /CapHeight {} /StemV 120 /FontFile2 6 0 R >>",
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
                scale(self.face.ascender()),
                scale(self.face.descender()),
                scale(self.face.capital_height().unwrap_or(self.face.ascender())),
            )
            .as_bytes(),
        );
        w.stream(&format!("/Length1 {}", font.len()), &font);
        w.stream("", to_unicode(&self.used).as_bytes());
        for (i, content) in self.pages.iter().enumerate() {
            w.object(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] \
                     /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                    first_page + 1 + 2 * i
                )
                .as_bytes(),
            );
            w.stream("", content.as_bytes());
        }
        Ok(w.finish())
    }
}

/// The CMap from glyph ids back to the characters they show.
fn to_unicode(used: &BTreeMap<u16, (char, u32)>) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<_> = used.iter().collect();
    // At most 100 entries a block, as the CMap format asks.
    for block in entries.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", block.len());
        for (gid, (c, _)) in block {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(out, "<{gid:04X}> <{hex}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

/// Objects numbered from 1 in the order written, and the cross-reference
/// table of their offsets.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn object(&mut self, body: &[u8]) {
        self.offsets.push(self.out.len());
        let number = format!("{} 0 obj\n", self.offsets.len());
        self.out.extend_from_slice(number.as_bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, extra: &str, data: &[u8]) {
        let mut body = format!("<< /Length {} {extra}>>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(&body);
    }

    fn finish(self) -> Vec<u8> {
        let Writer { out: body, offsets } = self;
        // A binary comment line after the header, as PDF readers expect of
        // a file with binary streams.
        let header = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
        let mut out = header.to_vec();
        out.extend_from_slice(&body);
        let xref = out.len();
        let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
        for off in &offsets {
            let _ = writeln!(tail, "{:010} 00000 n ", off + header.len());
        }
        let _ = write!(
            tail,
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        );
        out.extend_from_slice(tail.as_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_hangul_and_latin_and_draws_what_it_lacks_as_a_question_mark() {
        let mut doc = Document::new().expect("font");
        assert!(doc.width("창가 3", 10.0) > doc.width("ab", 10.0));
        doc.text(12.0, 10.0, 10.0, "창가 3 Café 😀");
        let shown: String = doc.used.values().map(|(c, _)| *c).collect();
        for c in ['창', '가', ' ', '3', 'C', 'a', 'f', 'é', '?'] {
            assert!(shown.contains(c), "{c} in {shown}");
        }
        assert!(!shown.contains('😀'));
        let pdf = doc.finish(595.0, 842.0).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        // Only the glyphs used travel: far smaller than the whole font.
        assert!(pdf.len() < FONT.len() / 20, "{} bytes", pdf.len());
    }
}
