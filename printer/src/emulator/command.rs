//! What the printer is told: the ESC/POS commands the [`super::parser`]
//! recognises and the [`super::page`] executes. The parser produces them;
//! the page, the emulator and the TCP server only consume them, so none of
//! those needs the parser's byte-level state.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ESC @`
    Init,
    /// Printable bytes, decoded by the page (code page / Kanji mode).
    Text(Vec<u8>),
    /// `LF`
    LineFeed,
    /// `ESC d n`: print and feed n lines.
    FeedLines(u8),
    /// `ESC J n`: print and feed n dots.
    FeedDots(u8),
    /// `ESC E n` / `ESC G n`
    Bold(bool),
    /// `ESC - n`
    Underline(u8),
    /// `ESC a n`: 0 left, 1 centre, 2 right.
    Align(u8),
    /// `GS ! n`: width and height magnification (1..=8).
    Size { width: u8, height: u8 },
    /// `ESC ! n`: font B, bold, double height/width, underline in one.
    PrintMode(u8),
    /// `GS B n`
    Reverse(bool),
    /// `ESC M n`
    Font(u8),
    /// `ESC t n`
    CodePage(u8),
    /// `ESC R n`
    CharacterSet(u8),
    /// `FS &` / `FS .`
    Kanji(bool),
    /// `ESC 2` (None) / `ESC 3 n`
    LineSpacing(Option<u8>),
    /// `GS V …`, `ESC i`, `ESC m`
    Cut { partial: bool },
    /// `GS v 0`: raster image, rows of `width_bytes` bytes.
    Raster {
        width_bytes: u16,
        height: u16,
        data: Vec<u8>,
    },
    /// `ESC *`: one band of a column-format bit image.
    BitImage {
        mode: u8,
        columns: u16,
        data: Vec<u8>,
    },
    /// `DLE EOT n`
    StatusRequest(u8),
    /// `GS ( H` fn 48: reply once everything before it is printed.
    ProcessId([u8; 4]),
    /// `DLE DC4 8`: clear buffers.
    ClearBuffers,
    /// A command we recognise and deliberately do nothing with.
    Ignored(&'static str),
    /// Bytes we could not make sense of (logged by the caller).
    Unknown(Vec<u8>),
}

impl Command {
    /// Commands a printer executes the moment they arrive, even while busy
    /// or out of paper.
    pub fn is_real_time(&self) -> bool {
        matches!(self, Command::StatusRequest(_) | Command::ClearBuffers)
    }
}
