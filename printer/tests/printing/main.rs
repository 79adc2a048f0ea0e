//! Integration tests: tickets printed to the virtual printer over real TCP
//! on 127.0.0.1 (and through pseudo-terminals for the USB and serial
//! transports), asserting on what it rendered.

#[cfg(feature = "cli")] // runs the `printer` binary
mod cli;
mod faults;
mod layout;
mod parser_fuzz;
mod pty;
mod raster;
mod rendering;
mod support;
