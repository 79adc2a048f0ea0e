//! Integration tests: tickets printed to the virtual printer over real TCP
//! on 127.0.0.1, asserting on what it rendered.

mod cli;
mod faults;
mod layout;
mod parser_fuzz;
mod raster;
mod rendering;
mod support;
