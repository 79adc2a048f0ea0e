//! What a kitchen ticket says and how it is laid out on the paper, as plain
//! lines with a style each. No bytes here: [`crate::encode`] turns the lines
//! into ESC/POS. The one invariant: no line is wider than the paper.

use qrorder_shared::stream::OrderPayload;

mod text;

use text::two_columns;
pub use text::{fit_char, local_time, text_columns, wrap};

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
}
