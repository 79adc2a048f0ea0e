//! What a kitchen ticket says and how it is laid out on the paper, as plain
//! lines with a style each. No bytes here: [`crate::encode`] turns the lines
//! into ESC/POS. The one invariant: no line is wider than the paper.

use qrorder_shared::stream::OrderPayload;

use crate::glyphs::glyph_columns;

/// A ticket for one station: the order from the kitchen stream, the station
/// and device printing it, and whether it was (maybe) printed before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub order: OrderPayload,
    pub station: String,
    pub device: String,
    /// Printed with a REPRINT banner: the device may have printed it already.
    pub reprint: bool,
    /// A void ticket: `order`'s items were taken off the order, for this
    /// reason. Printed under a VOID banner, so no one cooks them.
    pub void_reason: Option<String>,
}

impl Ticket {
    pub fn new(
        order: OrderPayload,
        station: impl Into<String>,
        device: impl Into<String>,
        reprint: bool,
    ) -> Self {
        Self {
            order,
            station: station.into(),
            device: device.into(),
            reprint,
            void_reason: None,
        }
    }

    /// The same ticket as a void: its items are no longer wanted.
    pub fn voided(mut self, reason: impl Into<String>) -> Self {
        self.void_reason = Some(reason.into());
        self
    }

    /// Whether any item of the order is prepared at this ticket's station.
    pub fn has_items(&self) -> bool {
        self.order.items.iter().any(|i| i.station == self.station)
    }
}

/// Paper roll width, as characters per line of font A (12 dots each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm roll, 384 dots: 32 columns.
    Mm58,
    /// 80 mm roll on a 512-dot head: 42 columns.
    Mm80Cols42,
    /// 80 mm roll, 576 dots: 48 columns.
    Mm80,
}

impl Paper {
    pub fn columns(self) -> u32 {
        match self {
            Paper::Mm58 => 32,
            Paper::Mm80Cols42 => 42,
            Paper::Mm80 => 48,
        }
    }

    pub fn width_dots(self) -> u32 {
        self.columns() * crate::glyphs::CELL_WIDTH
    }

    /// `58`, `80`, `80-42`, or a column count `32`, `42`, `48`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "58" | "32" => Some(Paper::Mm58),
            "80-42" | "42" => Some(Paper::Mm80Cols42),
            "80" | "48" => Some(Paper::Mm80),
            _ => None,
        }
    }
}

/// How text outside ASCII (Korean above all) reaches the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KoreanText {
    /// The printer's Korean character set: KS X 1001 (EUC-KR) double-byte
    /// characters in Kanji mode (`FS &`). Korean-market TM models do this.
    /// Characters outside KS X 1001 print as `?`.
    CodePage,
    /// Lines with non-ASCII text are drawn as bitmaps (`GS v 0`) with an
    /// embedded font: works on any ESC/POS printer, a little slower.
    Raster,
}

impl KoreanText {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "codepage" | "code-page" => Some(KoreanText::CodePage),
            "raster" => Some(KoreanText::Raster),
            _ => None,
        }
    }
}

/// Everything that shapes the layout besides the ticket itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutOptions {
    pub paper: Paper,
    pub korean: KoreanText,
    /// Language of item names and options on the ticket (falls back to
    /// English, then any).
    pub language: String,
    /// Offset of the restaurant's local time from UTC, for the printed time.
    pub utc_offset_minutes: i32,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        Self {
            paper: Paper::Mm80,
            korean: KoreanText::CodePage,
            language: "ko".into(),
            utc_offset_minutes: 9 * 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Character magnification, 1 or 2 (`GS !`).
    pub width: u8,
    pub height: u8,
    pub bold: bool,
    /// White on black: notes and the REPRINT banner.
    pub reverse: bool,
    pub align: Align,
}

impl Style {
    /// Normal size, left, no bold or reverse: what `ESC @` (init) leaves.
    pub const NORMAL: Style = Style {
        width: 1,
        height: 1,
        bold: false,
        reverse: false,
        align: Align::Left,
    };
}

/// One printed line: text already fitted to the paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub style: Style,
}

impl Line {
    /// Columns this line takes on paper, magnification included.
    pub fn columns(&self) -> u32 {
        text_columns(&self.text) * u32::from(self.style.width)
    }
}

/// Columns a fitted text takes (see [`fit_char`]).
pub fn text_columns(text: &str) -> u32 {
    text.chars().map(|c| glyph_columns(c).unwrap_or(1)).sum()
}

/// The character that will actually be printed for `c`: control characters
/// become spaces, and characters the chosen path cannot print become `?`.
pub fn fit_char(c: char, korean: KoreanText) -> char {
    if c.is_control() {
        return ' ';
    }
    if c.is_ascii() {
        return c;
    }
    match korean {
        KoreanText::Raster => {
            if glyph_columns(c).is_some() {
                c
            } else {
                '?'
            }
        }
        // Only characters of KS X 1001 (EUC-KR proper: two bytes, each in
        // 0xA1..=0xFE) whose glyph is full-width print as one two-column
        // character on a Korean printer.
        KoreanText::CodePage => {
            if glyph_columns(c) == Some(2) && euc_kr_double_byte(c) {
                c
            } else {
                '?'
            }
        }
    }
}

/// encoding_rs's EUC-KR is the WHATWG one, i.e. Windows-949 (UHC): it also
/// encodes the 8,822 Hangul syllables outside KS X 1001 (e.g. '궞' as 0x82
/// 0xB1), which a KS X 1001 printer reads as one single-byte character and a
/// lead byte that swallows the next character. Only both bytes in
/// 0xA1..=0xFE are KS X 1001.
fn euc_kr_double_byte(c: char) -> bool {
    let (mut utf8, mut euc_kr) = ([0u8; 4], [0u8; 8]);
    let src = c.encode_utf8(&mut utf8);
    // A fresh encoder on the stack: no allocation per character.
    let (result, _, written) = encoding_rs::EUC_KR
        .new_encoder()
        .encode_from_utf8_without_replacement(src, &mut euc_kr, true);
    let ks_x_1001 = |b: u8| (0xA1..=0xFE).contains(&b);
    result == encoding_rs::EncoderResult::InputEmpty
        && written == 2
        && ks_x_1001(euc_kr[0])
        && ks_x_1001(euc_kr[1])
}

/// Lay the ticket out for the paper: every line fits its width.
pub fn layout(ticket: &Ticket, options: &LayoutOptions) -> Vec<Line> {
    let cols = options.paper.columns();
    let fit = |s: &str| -> String { s.chars().map(|c| fit_char(c, options.korean)).collect() };
    let mut out = Vec::new();
    let banner = Style {
        width: 2,
        height: 2,
        bold: true,
        reverse: true,
        align: Align::Center,
    };
    if ticket.reprint {
        out.push(Line {
            text: " REPRINT ".into(),
            style: banner,
        });
    }

    if ticket.void_reason.is_some() {
        out.push(Line {
            text: " VOID ".into(),
            style: banner,
        });
    }

    let big = Style {
        width: 2,
        height: 2,
        bold: true,
        reverse: false,
        align: Align::Center,
    };
    let order = &ticket.order;
    for text in wrap(&fit(&order.table_name), cols / 2, 0) {
        out.push(Line { text, style: big });
    }
    out.push(Line {
        text: format!("#{}", order.number),
        style: big,
    });
    out.push(Line {
        text: two_columns(
            &local_time(order.placed_at, options.utc_offset_minutes),
            &fit(&ticket.station),
            cols,
        ),
        style: Style::NORMAL,
    });
    out.push(rule(cols));

    let item_style = Style {
        height: 2,
        bold: true,
        ..Style::NORMAL
    };
    let mut count = 0u64;
    for item in order.items.iter().filter(|i| i.station == ticket.station) {
        count += u64::from(item.qty);
        let lang = options.language.as_str();
        let prefix = format!("{} x ", item.qty);
        let indent = text_columns(&prefix);
        let name = fit(item.name.get(lang).unwrap_or("?"));
        for text in wrap(&format!("{prefix}{name}"), cols, indent.min(cols / 2)) {
            out.push(Line {
                text,
                style: item_style,
            });
        }
        for option in &item.options {
            let text = format!(
                "- {}: {}",
                fit(option.group.get(lang).unwrap_or("")),
                fit(option.option.get(lang).unwrap_or("?"))
            );
            for text in wrap(&text, cols.saturating_sub(4), 2) {
                out.push(Line {
                    text: format!("    {text}"),
                    style: Style::NORMAL,
                });
            }
        }
        if let Some(note) = item.note.as_deref().filter(|n| !n.trim().is_empty()) {
            for text in wrap(&format!("NOTE: {}", fit(note)), cols, 0) {
                out.push(Line {
                    text,
                    style: Style {
                        bold: true,
                        reverse: true,
                        ..Style::NORMAL
                    },
                });
            }
        }
    }
    out.push(rule(cols));
    if let Some(reason) = &ticket.void_reason {
        for text in wrap(&format!("REASON: {}", fit(reason)), cols, 0) {
            out.push(Line {
                text,
                style: Style {
                    bold: true,
                    ..Style::NORMAL
                },
            });
        }
    }
    out.push(Line {
        text: two_columns(
            &if ticket.void_reason.is_some() {
                format!("{count} item(s) VOID")
            } else {
                format!("{count} item(s)")
            },
            &format!("order {}", order.order_id),
            cols,
        ),
        style: Style::NORMAL,
    });
    for text in wrap(&format!("device {}", fit(&ticket.device)), cols, 0) {
        out.push(Line {
            text,
            style: Style::NORMAL,
        });
    }
    if ticket.reprint {
        out.push(Line {
            text: " REPRINT ".into(),
            style: banner,
        });
    }
    out
}

fn rule(cols: u32) -> Line {
    Line {
        text: "-".repeat(cols as usize),
        style: Style::NORMAL,
    }
}

/// `left` and `right` on one line, right-aligned; the right part is dropped
/// or the left cut when they do not both fit.
fn two_columns(left: &str, right: &str, cols: u32) -> String {
    let (lw, rw) = (text_columns(left), text_columns(right));
    if lw + 1 + rw <= cols {
        let gap = (cols - lw - rw) as usize;
        format!("{left}{}{right}", " ".repeat(gap))
    } else {
        truncate(left, cols)
    }
}

fn truncate(s: &str, cols: u32) -> String {
    let mut used = 0;
    s.chars()
        .take_while(|&c| {
            used += glyph_columns(c).unwrap_or(1);
            used <= cols
        })
        .collect()
}

/// Word-wrap to `cols` columns; continuation lines are indented by `indent`
/// spaces. Words longer than a line are broken.
pub fn wrap(text: &str, cols: u32, indent: u32) -> Vec<String> {
    let cols = cols.max(2);
    // Leave room for one full-width character after the indent.
    let indent = indent.min(cols - 2);
    let pad = " ".repeat(indent as usize);
    let mut lines = Vec::new();
    let mut line = String::new();
    let (mut used, mut start) = (0u32, 0u32);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let ww = text_columns(word);
        if used > start && used + 1 + ww <= cols {
            line.push(' ');
            line.push_str(word);
            used += 1 + ww;
            continue;
        }
        if used > start {
            lines.push(std::mem::replace(&mut line, pad.clone()));
            (used, start) = (indent, indent);
        }
        for c in word.chars() {
            let w = glyph_columns(c).unwrap_or(1);
            if used + w > cols && used > start {
                lines.push(std::mem::replace(&mut line, pad.clone()));
                (used, start) = (indent, indent);
            }
            line.push(c);
            used += w;
        }
    }
    if used > start || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `YYYY-MM-DD HH:MM` of a Unix time in milliseconds at a UTC offset.
pub fn local_time(unix_ms: i64, utc_offset_minutes: i32) -> String {
    let secs = unix_ms.div_euclid(1000) + i64::from(utc_offset_minutes) * 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_void_ticket_says_void_and_why_and_stays_within_the_paper() {
        use qrorder_shared::stream::{ORDER_PAYLOAD_SCHEMA, OrderPayloadItem};
        use qrorder_shared::{LocalizedText, MenuItemId, RestaurantId};
        let order = OrderPayload {
            schema: ORDER_PAYLOAD_SCHEMA,
            restaurant_id: RestaurantId(1),
            order_id: 9,
            number: 12,
            table_name: "T3".into(),
            placed_at: 0,
            items: vec![OrderPayloadItem {
                menu_item_id: MenuItemId(1),
                name: LocalizedText::new(&[("en", "Bibimbap")]),
                qty: 2,
                options: vec![],
                note: None,
                station: "kitchen".into(),
            }],
        };
        let options = LayoutOptions {
            language: "en".into(),
            ..LayoutOptions::default()
        };
        let plain = layout(
            &Ticket::new(order.clone(), "kitchen", "kds-1", false),
            &options,
        );
        assert!(!plain.iter().any(|l| l.text.contains("VOID")));
        let void = Ticket::new(order, "kitchen", "kds-1", false)
            .voided("wrong table, entered twice by mistake at the till");
        let lines = layout(&void, &options);
        let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(text[0].trim(), "VOID", "{text:?}");
        assert!(text.iter().any(|t| t.contains("2 x Bibimbap")), "{text:?}");
        assert!(
            text.iter().any(|t| t.starts_with("REASON: wrong table")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("2 item(s) VOID")),
            "{text:?}"
        );
        let cols = options.paper.columns();
        assert!(lines.iter().all(|l| l.columns() <= cols));
    }

    #[test]
    fn local_time_applies_the_offset() {
        // 2024-05-01T03:04:00Z is 12:04 in Seoul.
        assert_eq!(local_time(1_714_532_640_000, 540), "2024-05-01 12:04");
        assert_eq!(local_time(0, 0), "1970-01-01 00:00");
    }

    #[test]
    fn wrap_breaks_at_words_and_indents_continuations() {
        assert_eq!(
            wrap("2 x Spicy pork bulgogi", 12, 4),
            vec!["2 x Spicy", "    pork", "    bulgogi"]
        );
        assert_eq!(wrap("abcdefghij", 4, 0), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("비빔밥비빔밥", 5, 0), vec!["비빔", "밥비", "빔밥"]);
    }

    #[test]
    fn code_page_text_replaces_what_euc_kr_cannot_print() {
        assert_eq!(fit_char('김', KoreanText::CodePage), '김');
        assert_eq!(fit_char('쐴', KoreanText::CodePage), '쐴');
        // Windows-949 extension syllables are not KS X 1001.
        assert_eq!(fit_char('궞', KoreanText::CodePage), '?');
        assert_eq!(fit_char('궞', KoreanText::Raster), '궞');
        assert_eq!(fit_char('😀', KoreanText::CodePage), '?');
        assert_eq!(fit_char('é', KoreanText::CodePage), '?');
        assert_eq!(fit_char('é', KoreanText::Raster), 'é');
        assert_eq!(fit_char('\t', KoreanText::Raster), ' ');
    }
}
