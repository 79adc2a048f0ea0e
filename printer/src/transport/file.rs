//! A plain file as a write-only printer, for dumps.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use super::{Transport, TransportError};

/// Appends to a plain file: for dumps and debugging. It cannot read, so a
/// [`crate::print::Printer`] on it refuses to claim a confirmed print.
pub struct FileTransport {
    path: PathBuf,
}

impl FileTransport {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl Transport for FileTransport {
    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }

    fn can_read(&self) -> bool {
        false
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(bytes)?;
        Ok(())
    }

    fn read_some(&mut self, _buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
        Err(TransportError::WriteOnly)
    }

    fn discard_input(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    fn reset(&mut self) {}
}
