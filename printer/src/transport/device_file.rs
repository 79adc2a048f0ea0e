//! A printer device file (`/dev/usb/lp0`), read and written on helper
//! threads so that a stuck device never blocks the caller.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use super::{Timeouts, Transport, TransportError};

/// A printer device file such as `/dev/usb/lp0`. Files have no timeouts, so
/// reads and writes happen on helper threads and we wait for them with one;
/// a stuck device costs a parked thread, never a stuck caller.
///
/// The file stays open across [`Transport::reset`] (reopening a device
/// file clears nothing on the printer, and `usblp` allows one open at a
/// time); it is reopened only after an I/O error, its end, or a write that
/// did not finish. Then a reader thread of the old file may still be parked
/// in `read()` on the same device, and the kernel hands the next reply to
/// whichever thread asks first. So every reader thread sends into one
/// channel owned by the transport, tagged with its generation: bytes from
/// any generation reach the current one, an old generation's end or error
/// is not taken for the current file's, and a retired reader stops after
/// its next read (releasing its handle on the device).
pub struct DeviceFileTransport {
    path: PathBuf,
    timeouts: Timeouts,
    io: Option<ThreadedIo>,
    generation: u64,
    read_tx: mpsc::Sender<(u64, io::Result<Vec<u8>>)>,
    read_rx: mpsc::Receiver<(u64, io::Result<Vec<u8>>)>,
    pending: VecDeque<u8>,
}

struct ThreadedIo {
    write_tx: mpsc::Sender<Vec<u8>>,
    written_rx: mpsc::Receiver<io::Result<()>>,
    retired: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for ThreadedIo {
    fn drop(&mut self) {
        // The writer ends with its channel; the reader after its next read.
        self.retired
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl ThreadedIo {
    fn spawn(
        file: File,
        generation: u64,
        read_tx: mpsc::Sender<(u64, io::Result<Vec<u8>>)>,
    ) -> io::Result<Self> {
        let mut reader = file.try_clone()?;
        let mut writer = file;
        let (write_tx, write_rx) = mpsc::channel::<Vec<u8>>();
        let (written_tx, written_rx) = mpsc::channel();
        let retired = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader_retired = retired.clone();
        std::thread::Builder::new()
            .name("printer-write".into())
            .spawn(move || {
                for bytes in write_rx {
                    let r = writer.write_all(&bytes).and_then(|()| writer.flush());
                    if written_tx.send(r).is_err() {
                        break;
                    }
                }
            })?;
        std::thread::Builder::new()
            .name("printer-read".into())
            .spawn(move || {
                let mut buf = [0u8; 64];
                loop {
                    let r = reader.read(&mut buf).map(|n| buf[..n].to_vec());
                    let stop = matches!(&r, Ok(v) if v.is_empty())
                        || r.is_err()
                        || reader_retired.load(std::sync::atomic::Ordering::SeqCst);
                    if read_tx.send((generation, r)).is_err() || stop {
                        break;
                    }
                }
            })?;
        Ok(Self {
            write_tx,
            written_rx,
            retired,
        })
    }
}

impl DeviceFileTransport {
    pub fn new(path: impl Into<PathBuf>, timeouts: Timeouts) -> Self {
        let (read_tx, read_rx) = mpsc::channel();
        Self {
            path: path.into(),
            timeouts,
            io: None,
            generation: 0,
            read_tx,
            read_rx,
            pending: VecDeque::new(),
        }
    }

    fn io(&mut self) -> Result<&mut ThreadedIo, TransportError> {
        if self.io.is_none() {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&self.path)
                .map_err(|source| TransportError::Connect {
                    target: self.path.display().to_string(),
                    source,
                })?;
            self.generation += 1;
            self.io = Some(ThreadedIo::spawn(
                file,
                self.generation,
                self.read_tx.clone(),
            )?);
        }
        self.io.as_mut().ok_or(TransportError::Closed)
    }

    /// Take one message of the reader threads: bytes of any generation are
    /// kept; the end or an error counts only for the current file.
    fn take(&mut self, message: (u64, io::Result<Vec<u8>>)) -> Result<(), TransportError> {
        let (generation, result) = message;
        match result {
            Ok(bytes) if !bytes.is_empty() => {
                self.pending.extend(bytes);
                Ok(())
            }
            _ if generation != self.generation => Ok(()),
            Ok(_) => {
                self.io = None;
                Err(TransportError::Closed)
            }
            Err(e) => {
                self.io = None;
                Err(TransportError::Io(e))
            }
        }
    }
}

impl Transport for DeviceFileTransport {
    fn describe(&self) -> String {
        format!("usb:{}", self.path.display())
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let timeout = self.timeouts.write;
        let io = self.io()?;
        io.write_tx
            .send(bytes.to_vec())
            .map_err(|_| TransportError::Closed)?;
        let result = match io.written_rx.recv_timeout(timeout) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(TransportError::Io(e)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(TransportError::Timeout(timeout)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(TransportError::Closed),
        };
        if result.is_err() {
            self.io = None;
        }
        result
    }

    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        self.io()?;
        let deadline = std::time::Instant::now() + timeout;
        while self.pending.is_empty() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.read_rx.recv_timeout(left) {
                Ok(message) => self.take(message)?,
                // The transport holds a sender itself: never disconnected.
                Err(_) => return Err(TransportError::Timeout(timeout)),
            }
        }
        let mut n = 0;
        while n < buf.len() {
            let Some(b) = self.pending.pop_front() else {
                break;
            };
            buf[n] = b;
            n += 1;
        }
        Ok(n)
    }

    fn discard_input(&mut self) -> Result<(), TransportError> {
        self.pending.clear();
        while let Ok(message) = self.read_rx.try_recv() {
            if self.take(message).is_err() {
                break;
            }
            self.pending.clear();
        }
        Ok(())
    }

    fn reset(&mut self) {
        // Keep the file (see the type's docs); forget what arrived so far.
        let _ = self.discard_input();
    }
}
