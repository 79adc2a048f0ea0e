//! Printer addresses, as the kitchen display's config and the `printer` CLI
//! give them: `tcp://HOST:PORT` (or bare `HOST:PORT`; port 9100 by default),
//! `usb:/dev/usb/lp0` (a printer device file), `serial:/dev/ttyUSB0?baud=19200`,
//! `file:/path` (write-only; for dumps).

use super::device_file::DeviceFileTransport;
use super::file::FileTransport;
use super::serial::SerialTransport;
use super::tcp::TcpTransport;
use super::{Timeouts, Transport, TransportError};

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
