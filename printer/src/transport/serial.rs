//! An RS-232 / USB-serial printer through the `serialport` crate.

use std::io::{self, Read, Write};
use std::time::Duration;

use super::{Timeouts, Transport, TransportError, is_timeout};

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
