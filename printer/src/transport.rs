//! Ways bytes reach a printer, behind one blocking trait with bounded
//! timeouts. [`crate::print::Printer`] runs them on tokio's blocking pool, so
//! async callers never block the runtime.
//!
//! Addresses: `tcp://HOST:PORT` (or bare `HOST:PORT`; port 9100 by default),
//! `usb:/dev/usb/lp0` (a printer device file), `serial:/dev/ttyUSB0?baud=19200`,
//! `file:/path` (write-only; for dumps).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Upper bounds on every blocking step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub write: Duration,
    /// Waiting for a status reply.
    pub read: Duration,
    /// Waiting for a ticket to finish printing (process-ID reply).
    pub confirm: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(5),
            read: Duration::from_secs(2),
            confirm: Duration::from_secs(20),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect to {target}: {source}")]
    Connect { target: String, source: io::Error },
    #[error("no progress within {0:?}")]
    Timeout(Duration),
    #[error("the printer closed the connection")]
    Closed,
    #[error("this transport cannot read from the printer")]
    WriteOnly,
    #[error("bad printer address `{0}`")]
    BadAddress(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// A byte pipe to a printer. Implementations reconnect lazily after
/// [`Transport::reset`], and never block longer than their timeouts.
pub trait Transport: Send + 'static {
    /// For logs and errors: `tcp://10.0.0.5:9100`.
    fn describe(&self) -> String;

    /// Whether replies can be read (status, confirmation). A write-only
    /// transport can print but never confirm.
    fn can_read(&self) -> bool {
        true
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError>;

    /// Read at least one byte, waiting at most `timeout`
    /// ([`TransportError::Timeout`] otherwise).
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;

    /// Throw away bytes that arrived unasked (late replies of an earlier,
    /// failed exchange).
    fn discard_input(&mut self) -> Result<(), TransportError>;

    /// Drop the connection; the next call opens a new one.
    fn reset(&mut self);
}

/// Open a transport from its address (see the module docs).
pub fn open(address: &str, timeouts: Timeouts) -> Result<Box<dyn Transport>, TransportError> {
    if let Some(rest) = address.strip_prefix("tcp://") {
        return Ok(Box::new(TcpTransport::new(rest, timeouts)));
    }
    if let Some(path) = address
        .strip_prefix("usb:")
        .or_else(|| address.strip_prefix("dev:"))
    {
        return Ok(Box::new(DeviceFileTransport::new(path, timeouts)));
    }
    if let Some(rest) = address.strip_prefix("serial:") {
        let (path, baud) = match rest.split_once("?baud=") {
            Some((p, b)) => (
                p,
                b.parse()
                    .map_err(|_| TransportError::BadAddress(address.into()))?,
            ),
            None => (rest, 19_200),
        };
        return Ok(Box::new(SerialTransport::new(path, baud, timeouts)));
    }
    if let Some(path) = address.strip_prefix("file:") {
        return Ok(Box::new(FileTransport::new(path)));
    }
    if address.contains("://") || address.is_empty() {
        return Err(TransportError::BadAddress(address.into()));
    }
    Ok(Box::new(TcpTransport::new(address, timeouts)))
}

// ---------------------------------------------------------------- TCP 9100

/// Raw TCP, the way network receipt printers listen on port 9100.
pub struct TcpTransport {
    target: String,
    timeouts: Timeouts,
    stream: Option<TcpStream>,
}

impl TcpTransport {
    /// `host:port`, or `host` for port 9100.
    pub fn new(target: &str, timeouts: Timeouts) -> Self {
        let target = if target
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            target.to_owned()
        } else {
            format!("{target}:9100")
        };
        Self {
            target,
            timeouts,
            stream: None,
        }
    }

    fn stream(&mut self) -> Result<&mut TcpStream, TransportError> {
        if self.stream.is_none() {
            let connect_err = |source| TransportError::Connect {
                target: self.target.clone(),
                source,
            };
            let addrs = self.target.to_socket_addrs().map_err(connect_err)?;
            let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
            let mut found = None;
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, self.timeouts.connect) {
                    Ok(s) => {
                        found = Some(s);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            let stream = found.ok_or_else(|| TransportError::Connect {
                target: self.target.clone(),
                source: last,
            })?;
            stream.set_nodelay(true)?;
            stream.set_write_timeout(Some(self.timeouts.write))?;
            self.stream = Some(stream);
        }
        self.stream.as_mut().ok_or(TransportError::Closed)
    }

    fn fail<T>(&mut self, e: io::Error, timeout: Duration) -> Result<T, TransportError> {
        self.stream = None;
        Err(if is_timeout(&e) {
            TransportError::Timeout(timeout)
        } else {
            TransportError::Io(e)
        })
    }
}

impl Transport for TcpTransport {
    fn describe(&self) -> String {
        format!("tcp://{}", self.target)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let timeout = self.timeouts.write;
        let result = self.stream()?.write_all(bytes);
        result.or_else(|e| self.fail(e, timeout))
    }

    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let stream = self.stream()?;
        stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        match stream.read(buf) {
            Ok(0) => {
                self.stream = None;
                Err(TransportError::Closed)
            }
            Ok(n) => Ok(n),
            Err(e) if is_timeout(&e) => Err(TransportError::Timeout(timeout)),
            Err(e) => self.fail(e, timeout),
        }
    }

    fn discard_input(&mut self) -> Result<(), TransportError> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        stream.set_nonblocking(true)?;
        let mut buf = [0u8; 256];
        let outcome = loop {
            match stream.read(&mut buf) {
                Ok(0) => break Err(()),
                Ok(_) => continue,
                Err(e) if is_timeout(&e) => break Ok(()),
                Err(_) => break Err(()),
            }
        };
        if outcome.is_err() {
            // Closed by the printer: connect afresh next time.
            self.stream = None;
            return Ok(());
        }
        stream.set_nonblocking(false)?;
        Ok(())
    }

    fn reset(&mut self) {
        self.stream = None;
    }
}

// ------------------------------------------------------- USB device file

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

// ------------------------------------------------------------------ serial

/// An RS-232 / USB-serial printer (8N1, the given baud rate).
pub struct SerialTransport {
    path: String,
    baud: u32,
    timeouts: Timeouts,
    port: Option<Box<dyn serialport::SerialPort>>,
}

impl SerialTransport {
    pub fn new(path: &str, baud: u32, timeouts: Timeouts) -> Self {
        Self {
            path: path.into(),
            baud,
            timeouts,
            port: None,
        }
    }

    fn port(&mut self) -> Result<&mut Box<dyn serialport::SerialPort>, TransportError> {
        if self.port.is_none() {
            let port = serialport::new(&self.path, self.baud)
                .timeout(self.timeouts.write)
                .open()
                .map_err(|e| TransportError::Connect {
                    target: self.path.clone(),
                    source: io::Error::other(e.to_string()),
                })?;
            self.port = Some(port);
        }
        self.port.as_mut().ok_or(TransportError::Closed)
    }
}

impl Transport for SerialTransport {
    fn describe(&self) -> String {
        format!("serial:{}?baud={}", self.path, self.baud)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let timeout = self.timeouts.write;
        let port = self.port()?;
        port.set_timeout(timeout)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let r = port.write_all(bytes).and_then(|()| port.flush());
        r.map_err(|e| {
            self.port = None;
            if is_timeout(&e) {
                TransportError::Timeout(timeout)
            } else {
                TransportError::Io(e)
            }
        })
    }

    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let port = self.port()?;
        port.set_timeout(timeout)
            .map_err(|e| io::Error::other(e.to_string()))?;
        match port.read(buf) {
            Ok(0) => Err(TransportError::Timeout(timeout)),
            Ok(n) => Ok(n),
            Err(e) if is_timeout(&e) => Err(TransportError::Timeout(timeout)),
            Err(e) => {
                self.port = None;
                Err(TransportError::Io(e))
            }
        }
    }

    fn discard_input(&mut self) -> Result<(), TransportError> {
        if let Some(port) = self.port.as_mut() {
            port.clear(serialport::ClearBuffer::Input)
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.port = None;
    }
}

// -------------------------------------------------------------- plain file

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

// --------------------------------------------------------------- in memory

/// An in-memory printer for unit tests: the virtual printer's parser and
/// page model behind a [`Transport`], answering status and process-ID
/// queries at once. Clone the handle to flip faults and read the tickets.
#[derive(Clone)]
pub struct MemoryTransport {
    inner: Arc<Mutex<crate::emulator::Emulator>>,
    replies: Arc<Mutex<VecDeque<u8>>>,
}

impl MemoryTransport {
    pub fn new(model: crate::emulator::Model) -> Self {
        Self {
            inner: Arc::new(Mutex::new(crate::emulator::Emulator::new(model))),
            replies: Arc::default(),
        }
    }

    /// Run `f` on the emulated printer (set faults, read tickets).
    pub fn with<R>(&self, f: impl FnOnce(&mut crate::emulator::Emulator) -> R) -> R {
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

impl Transport for MemoryTransport {
    fn describe(&self) -> String {
        "memory".into()
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let reply = self.with(|e| e.feed(bytes));
        self.replies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(reply);
        Ok(())
    }

    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let mut q = self
            .replies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.is_empty() {
            // Nothing will ever arrive without a write: report the timeout
            // at once instead of waiting it out.
            return Err(TransportError::Timeout(timeout));
        }
        let mut n = 0;
        while n < buf.len() {
            let Some(b) = q.pop_front() else { break };
            buf[n] = b;
            n += 1;
        }
        Ok(n)
    }

    fn discard_input(&mut self) -> Result<(), TransportError> {
        self.replies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        Ok(())
    }

    fn reset(&mut self) {}
}
