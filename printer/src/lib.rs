//! Kitchen tickets on thermal printers, printed for certain or visibly not.
//!
//! - [`ticket`]: what a ticket says and its layout (pure);
//! - [`encode`]: the layout as ESC/POS bytes (pure, via the `escpos` crate);
//! - [`transport`]: TCP 9100, USB device file, serial, file (and in-memory,
//!   with `emulator`);
//! - [`status`]: `DLE EOT` status and `GS ( H` completion replies;
//! - [`print`]: [`Printer`]: check, send, confirm;
//! - [`glyphs`]: the bitmap font for raster text and the emulator's pictures;
//! - `emulator` (feature `emulator`): the virtual printer used by the demo
//!   and the tests;
//! - `cli` (feature `cli`): the `printer` and `virtual-printer` command
//!   lines.
//!
//! Both features are on by default, for the binaries; the kitchen display
//! uses the library without them.

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod encode;
pub mod glyphs;
pub mod print;
pub mod status;
pub mod ticket;
pub mod transport;

pub use print::{Confirm, PrintError, PrintReceipt, Printer, PrinterConfig};
pub use status::{PrinterStatus, Problem};
pub use ticket::{KoreanText, LayoutOptions, Paper, Ticket};
pub use transport::{Timeouts, Transport, TransportError};
