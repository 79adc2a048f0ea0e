//! An incremental ESC/POS parser: bytes in (in any chunks), [`Command`]s out.
//! It knows the argument lengths of the common Epson commands, so unknown
//! ones are skipped without losing sync where possible; nothing it is fed
//! can make it panic or allocate beyond [`MAX_BLOCK`].

use super::command::Command;

/// Largest data block (image, length-prefixed command) we keep; larger
/// declared lengths are skipped as they stream past.
pub const MAX_BLOCK: usize = 1 << 20;

const NUL: u8 = 0x00;
const HT: u8 = 0x09;
const LF: u8 = 0x0A;
const FF: u8 = 0x0C;
const CR: u8 = 0x0D;
const DLE: u8 = 0x10;
const CAN: u8 = 0x18;
const ESC: u8 = 0x1B;
const FS: u8 = 0x1C;
const GS: u8 = 0x1D;

#[derive(Debug, Default)]
pub struct Parser {
    buf: Vec<u8>,
    /// Bytes of an oversized block still to skip.
    skip: usize,
}

enum Step {
    /// Need more bytes.
    More,
    /// Consumed `usize` bytes, produced maybe a command.
    Done(usize, Option<Command>),
    /// Consumed the header; skip `usize` further bytes as they arrive.
    Skip(usize, usize, &'static str),
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Between commands: nothing held back waiting for the rest of a
    /// command, and no oversized block being skipped, so the next byte fed
    /// starts a new command. Otherwise the next bytes are taken as the rest
    /// of the pending command (its arguments or data), as on a printer.
    pub fn is_idle(&self) -> bool {
        self.buf.is_empty() && self.skip == 0
    }

    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Command> {
        let mut input = bytes;
        if self.skip > 0 {
            let n = self.skip.min(input.len());
            self.skip -= n;
            input = &input[n..];
        }
        self.buf.extend_from_slice(input);
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < self.buf.len() {
            match step(&self.buf[pos..]) {
                Step::More => break,
                Step::Done(n, cmd) => {
                    pos += n;
                    out.extend(cmd);
                }
                Step::Skip(header, len, what) => {
                    out.push(Command::Ignored(what));
                    let available = self.buf.len() - pos - header;
                    if available >= len {
                        pos += header + len;
                    } else {
                        self.skip = len - available;
                        pos = self.buf.len();
                    }
                }
            }
        }
        self.buf.drain(..pos);
        out
    }
}

fn le16(lo: u8, hi: u8) -> usize {
    usize::from(lo) | usize::from(hi) << 8
}

/// Parse one command at the start of `b` (never empty).
fn step(b: &[u8]) -> Step {
    let need = |n: usize| b.len() < n;
    let done = |n: usize, c: Command| Step::Done(n, Some(c));
    match b[0] {
        0x20..=0xFF | HT => {
            let n = b
                .iter()
                .position(|&c| c < 0x20 && c != HT)
                .unwrap_or(b.len());
            let text = b[..n]
                .iter()
                .map(|&c| if c == HT { b' ' } else { c })
                .collect();
            done(n, Command::Text(text))
        }
        LF => done(1, Command::LineFeed),
        CR | NUL => Step::Done(1, None),
        FF => done(1, Command::FeedLines(1)),
        CAN => done(1, Command::Ignored("CAN")),
        ESC => {
            if need(2) {
                return Step::More;
            }
            esc(b)
        }
        GS => {
            if need(2) {
                return Step::More;
            }
            gs(b)
        }
        FS => {
            if need(2) {
                return Step::More;
            }
            fs(b)
        }
        DLE => {
            if need(2) {
                return Step::More;
            }
            dle(b)
        }
        other => done(1, Command::Unknown(vec![other])),
    }
}

/// `n` argument bytes after a two-byte command, mapped to a command.
fn args(b: &[u8], n: usize, f: impl FnOnce(&[u8]) -> Command) -> Step {
    if b.len() < 2 + n {
        Step::More
    } else {
        Step::Done(2 + n, Some(f(&b[2..2 + n])))
    }
}

fn esc(b: &[u8]) -> Step {
    use Command::*;
    match b[1] {
        b'@' => Step::Done(2, Some(Init)),
        b'!' => args(b, 1, |a| PrintMode(a[0])),
        b'E' | b'G' => args(b, 1, |a| Bold(a[0] & 1 == 1)),
        b'-' => args(b, 1, |a| Underline(a[0] % 48)),
        b'a' => args(b, 1, |a| Align(a[0] % 48)),
        b'd' => args(b, 1, |a| FeedLines(a[0])),
        b'J' => args(b, 1, |a| FeedDots(a[0])),
        b'M' => args(b, 1, |a| Font(a[0] % 48)),
        b't' => args(b, 1, |a| CodePage(a[0])),
        b'R' => args(b, 1, |a| CharacterSet(a[0])),
        b'2' => Step::Done(2, Some(LineSpacing(None))),
        b'3' => args(b, 1, |a| LineSpacing(Some(a[0]))),
        b'i' => Step::Done(2, Some(Cut { partial: false })),
        b'm' => Step::Done(2, Some(Cut { partial: true })),
        b'V' | b'{' | b' ' | b'=' | b'?' | b'%' | b'K' | b'T' | b'r' | b'u' | b'e' | b'U' => {
            args(b, 1, |_| Ignored("ESC one-byte setting"))
        }
        b'$' | b'\\' | b'c' => args(b, 2, |_| Ignored("ESC two-byte setting")),
        b'p' => args(b, 3, |_| Ignored("ESC p drawer kick")),
        b'W' => args(b, 8, |_| Ignored("ESC W print area")),
        b'L' | b'S' | b'<' => Step::Done(2, Some(Ignored("ESC mode switch"))),
        b'*' => {
            if b.len() < 5 {
                return Step::More;
            }
            let mode = b[2];
            let columns = le16(b[3], b[4]);
            let len = columns * if mode >= 32 { 3 } else { 1 };
            if b.len() < 5 + len {
                return if len > MAX_BLOCK {
                    Step::Skip(5, len, "ESC * oversized")
                } else {
                    Step::More
                };
            }
            Step::Done(
                5 + len,
                Some(BitImage {
                    mode,
                    columns: u16::try_from(columns).unwrap_or(0),
                    data: b[5..5 + len].to_vec(),
                }),
            )
        }
        b'D' => {
            // Tab positions, NUL-terminated (at most 32).
            match b[2..].iter().take(33).position(|&c| c == NUL) {
                Some(i) => Step::Done(2 + i + 1, Some(Ignored("ESC D tabs"))),
                None if b.len() >= 2 + 33 => Step::Done(2, Some(Unknown(b[..2].to_vec()))),
                None => Step::More,
            }
        }
        _ => Step::Done(2, Some(Unknown(b[..2].to_vec()))),
    }
}

fn gs(b: &[u8]) -> Step {
    use Command::*;
    match b[1] {
        b'!' => args(b, 1, |a| Size {
            width: (a[0] >> 4 & 7) + 1,
            height: (a[0] & 7) + 1,
        }),
        b'B' => args(b, 1, |a| Reverse(a[0] & 1 == 1)),
        b'V' => {
            if b.len() < 3 {
                return Step::More;
            }
            match b[2] {
                0 | 1 | 48 | 49 => Step::Done(
                    3,
                    Some(Cut {
                        partial: b[2] % 48 == 1,
                    }),
                ),
                m @ (65 | 66 | 97 | 98 | 103 | 104) => args(b, 2, |_| Cut {
                    partial: m % 2 == 0,
                }),
                _ => Step::Done(3, Some(Unknown(b[..3].to_vec()))),
            }
        }
        b'H' | b'I' | b'a' | b'b' | b'f' | b'h' | b'w' | b'r' | b'/' | b'E' | b'j' | b'T' => {
            args(b, 1, |_| Ignored("GS one-byte setting"))
        }
        b'L' | b'W' | b'P' | b'$' | b'\\' => args(b, 2, |_| Ignored("GS two-byte setting")),
        b':' => Step::Done(2, Some(Ignored("GS : macro"))),
        b'^' => args(b, 3, |_| Ignored("GS ^ macro")),
        b'k' => {
            if b.len() < 3 {
                return Step::More;
            }
            if b[2] <= 6 {
                match b[3..].iter().take(256).position(|&c| c == NUL) {
                    Some(i) => Step::Done(3 + i + 1, Some(Ignored("GS k barcode"))),
                    None if b.len() >= 3 + 256 => Step::Done(3, Some(Unknown(b[..3].to_vec()))),
                    None => Step::More,
                }
            } else {
                if b.len() < 4 {
                    return Step::More;
                }
                let len = usize::from(b[3]);
                if b.len() < 4 + len {
                    Step::More
                } else {
                    Step::Done(4 + len, Some(Ignored("GS k barcode")))
                }
            }
        }
        b'v' => {
            if b.len() < 8 {
                return Step::More;
            }
            if b[2] != b'0' {
                return Step::Done(3, Some(Unknown(b[..3].to_vec())));
            }
            let width_bytes = le16(b[4], b[5]);
            let height = le16(b[6], b[7]);
            let len = width_bytes * height;
            if len > MAX_BLOCK {
                return Step::Skip(8, len, "GS v 0 oversized");
            }
            if b.len() < 8 + len {
                return Step::More;
            }
            Step::Done(
                8 + len,
                Some(Raster {
                    width_bytes: u16::try_from(width_bytes).unwrap_or(0),
                    height: u16::try_from(height).unwrap_or(0),
                    data: b[8..8 + len].to_vec(),
                }),
            )
        }
        b'(' => {
            // GS ( X pL pH data
            if b.len() < 5 {
                return Step::More;
            }
            let len = le16(b[3], b[4]);
            if len > MAX_BLOCK {
                return Step::Skip(5, len, "GS ( oversized");
            }
            if b.len() < 5 + len {
                return Step::More;
            }
            let data = &b[5..5 + len];
            let cmd = match (b[2], data) {
                (b'H', [48, 48, d1, d2, d3, d4]) => ProcessId([*d1, *d2, *d3, *d4]),
                (b'H', _) => Ignored("GS ( H other"),
                (b'L', _) => Ignored("GS ( L graphics"),
                (b'k', _) => Ignored("GS ( k 2D code"),
                _ => Ignored("GS ( other"),
            };
            Step::Done(5 + len, Some(cmd))
        }
        b'8' => {
            // GS 8 L p1 p2 p3 p4 data
            if b.len() < 7 {
                return Step::More;
            }
            let len = usize::from(b[3])
                | usize::from(b[4]) << 8
                | usize::from(b[5]) << 16
                | usize::from(b[6]) << 24;
            if len > MAX_BLOCK {
                return Step::Skip(7, len, "GS 8 L oversized");
            }
            if b.len() < 7 + len {
                return Step::More;
            }
            Step::Done(7 + len, Some(Ignored("GS 8 L graphics")))
        }
        _ => Step::Done(2, Some(Unknown(b[..2].to_vec()))),
    }
}

fn fs(b: &[u8]) -> Step {
    use Command::*;
    match b[1] {
        b'&' => Step::Done(2, Some(Kanji(true))),
        b'.' => Step::Done(2, Some(Kanji(false))),
        b'!' | b'-' | b'C' | b'W' => args(b, 1, |_| Ignored("FS one-byte setting")),
        b'S' => args(b, 2, |_| Ignored("FS S spacing")),
        b'(' => {
            if b.len() < 5 {
                return Step::More;
            }
            let len = le16(b[3], b[4]);
            if b.len() < 5 + len {
                return Step::More;
            }
            Step::Done(5 + len, Some(Ignored("FS ( other")))
        }
        _ => Step::Done(2, Some(Unknown(b[..2].to_vec()))),
    }
}

fn dle(b: &[u8]) -> Step {
    use Command::*;
    match b[1] {
        0x04 => {
            if b.len() < 3 {
                return Step::More;
            }
            match b[2] {
                // n = 7, 8 take one more byte.
                7 | 8 => args(b, 2, |_| Ignored("DLE EOT ink")),
                n => Step::Done(3, Some(StatusRequest(n))),
            }
        }
        0x05 => args(b, 1, |_| Ignored("DLE ENQ")),
        0x14 => {
            if b.len() < 3 {
                return Step::More;
            }
            match b[2] {
                8 => args(b, 8, |a| {
                    if a[1..] == [1, 3, 20, 1, 6, 2, 8] {
                        ClearBuffers
                    } else {
                        Unknown(vec![DLE, 0x14, 8])
                    }
                }),
                7 => args(b, 2, |_| Ignored("DLE DC4 7")),
                _ => args(b, 3, |_| Ignored("DLE DC4 pulse")),
            }
        }
        _ => Step::Done(2, Some(Unknown(b[..2].to_vec()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_across_chunks_are_reassembled() {
        let bytes = [
            &b"ab"[..],
            &[ESC, b'E', 1],
            &[GS, b'(', b'H', 6, 0, 48, 48],
            b"0042",
            &[LF],
        ]
        .concat();
        let mut p = Parser::new();
        let mut got = Vec::new();
        for chunk in bytes.chunks(3) {
            got.extend(p.feed(chunk));
        }
        assert!(p.is_idle(), "every command complete");
        assert!(p.feed(&[GS, b'(', b'H']).is_empty());
        assert!(!p.is_idle(), "waiting for the rest of GS ( H");
        // Text may come in pieces: join adjacent runs for the comparison.
        let mut joined: Vec<Command> = Vec::new();
        for c in got {
            if let (Some(Command::Text(prev)), Command::Text(t)) = (joined.last_mut(), &c) {
                prev.extend_from_slice(t);
            } else {
                joined.push(c);
            }
        }
        assert_eq!(
            joined,
            vec![
                Command::Text(b"ab".to_vec()),
                Command::Bold(true),
                Command::ProcessId(*b"0042"),
                Command::LineFeed
            ]
        );
    }

    #[test]
    fn oversized_blocks_are_skipped_without_buffering() {
        let mut p = Parser::new();
        let cmds = p.feed(&[GS, b'v', b'0', 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        assert_eq!(cmds, vec![Command::Ignored("GS v 0 oversized")]);
        assert!(p.buf.is_empty());
        assert_eq!(p.skip, 0xFFFF * 0xFFFF - 3);
        assert!(!p.is_idle(), "still skipping");
    }
}
