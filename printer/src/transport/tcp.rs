//! Raw TCP to a network printer (port 9100).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{Timeouts, Transport, TransportError, is_timeout};

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
