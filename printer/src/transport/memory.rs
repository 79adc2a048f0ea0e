//! The emulator in memory behind a [`Transport`], for tests (the `emulator`
//! feature).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Transport, TransportError};

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
