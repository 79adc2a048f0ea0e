//! Text on the paper: how many columns a string takes, which characters a
//! code page can print, wrapping and truncating to the paper's width, and
//! the ticket's local time.

use crate::glyphs::glyph_columns;

use super::KoreanText;

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

/// `left` and `right` on one line, right-aligned; the right part is dropped
/// or the left cut when they do not both fit.
pub(super) fn two_columns(left: &str, right: &str, cols: u32) -> String {
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
