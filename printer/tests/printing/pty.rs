//! The USB (`usb:` device file) and serial (`serial:`) transports, tested
//! against the virtual printer through a pseudo-terminal: the printer
//! serves the master side (the same per-connection code as its TCP port,
//! via `VirtualPrinter::serve`), the transport opens the slave's path
//! (`/dev/pts/N`) as it would `/dev/usb/lp0` or `/dev/ttyUSB0`.
//!
//! What a pty can and cannot show: a USB printer class device
//! (`/dev/usb/lp0`) is not a terminal, so for `usb:` the test first puts the
//! pty in raw mode (no echo, no line buffering or newline translation) to
//! make it the plain byte pipe that device is; the device file transport
//! itself sets nothing up (on a cooked pty it would time out). For
//! `serial:` the pty is left cooked, as a terminal starts: the transport
//! (the `serialport` crate) opens it exclusively, sets raw mode, 8N1 and the
//! baud rate, and a pty accepts all of that, which is what makes the test
//! pass. But a pty has no line speed, framing or parity errors, flow
//! control or modem lines (no DTR, which Linux raises when a real port is
//! opened): the baud rate is stored, not applied, so a wrong baud rate or a
//! cable fault cannot be tested this way.

use std::ffi::CStr;
use std::io;
use std::os::fd::OwnedFd;

use printer::emulator::Model;
use printer::{Confirm, LayoutOptions, PrintError, Printer, PrinterConfig};
use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;
use rustix::termios::OptionalActions;
use tokio::io::Join;
use tokio::net::unix::pipe;

use crate::support::*;

/// The master side of a pseudo-terminal as one async byte stream.
type Master = Join<pipe::Receiver, pipe::Sender>;

struct Pty {
    master: Master,
    /// `/dev/pts/N`, for the transport to open.
    path: String,
    /// Our own handle on the slave, kept open for the whole test: without
    /// one, reading the master fails (EIO) whenever the transport has the
    /// slave closed, e.g. between reconnects.
    _slave: OwnedFd,
}

/// A pseudo-terminal; `raw`: bytes pass unchanged both ways, otherwise it
/// is left as a terminal starts (cooked: line editing, echo, newline
/// translation), for a transport that must set the line up itself.
fn pty(raw: bool) -> io::Result<Pty> {
    let master = rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY)?;
    rustix::pty::grantpt(&master)?;
    rustix::pty::unlockpt(&master)?;
    let name = rustix::pty::ptsname(&master, Vec::new())?;
    let path = CStr::to_str(&name).map_err(io::Error::other)?.to_owned();
    let slave = rustix::fs::open(
        name.as_c_str(),
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    if raw {
        let mut termios = rustix::termios::tcgetattr(&slave)?;
        termios.make_raw();
        rustix::termios::tcsetattr(&slave, OptionalActions::Now, &termios)?;
    }
    let flags = rustix::fs::fcntl_getfl(&master)?;
    rustix::fs::fcntl_setfl(&master, flags | OFlags::NONBLOCK)?;
    // tokio's pipe ends are plain non-blocking read(2)/write(2) on a
    // descriptor registered with the reactor, which is all a pty master
    // needs (and, unlike `AsyncFd::register`, needs no `unsafe`). The
    // "unchecked" constructors skip only the check that it is a FIFO.
    let reader = pipe::Receiver::from_owned_fd_unchecked(rustix::io::dup(&master)?)?;
    let writer = pipe::Sender::from_owned_fd_unchecked(master)?;
    Ok(Pty {
        master: tokio::io::join(reader, writer),
        path,
        _slave: slave,
    })
}

fn printer_at(address: &str) -> Printer {
    Printer::open(
        address,
        PrinterConfig {
            timeouts: timeouts(),
            confirm: Confirm::ProcessId,
            layout: LayoutOptions::default(),
        },
    )
    .expect("printer address parses")
}

/// Status, a confirmed ticket, and a paper-out refusal through the
/// transport at `address(slave path)`.
async fn prints_and_answers_status_over_a_pty(raw: bool, address: impl Fn(&str) -> String) {
    let vp = virtual_printer(Model::default()).await;
    let pty = pty(raw).expect("a pseudo-terminal");
    let address = address(&pty.path);
    let _served = vp.serve(pty.master);
    let printer = printer_at(&address);

    let status = printer.status().await.expect("status over the pty");
    assert!(status.online && !status.paper_end, "{address}: {status:?}");

    let receipt = printer
        .print(&ticket())
        .await
        .unwrap_or_else(|e| panic!("{address}: confirmed print, got {e:?}"));
    assert!(
        receipt.process_id.is_some(),
        "{address}: confirmed by the process-ID reply"
    );
    let text = only_ticket_text(&vp).await;
    for expected in ["2 x 비빔밥", "NOTE: 계란 빼주세요", "1 x French Fries"] {
        assert!(
            text.contains(expected),
            "{address}: no {expected:?} in\n{text}"
        );
    }

    // The status really comes from the printer: it changes with it.
    set_state(&vp, r#"{"paper_out": true}"#).await;
    let status = printer.status().await.expect("status over the pty");
    assert!(status.paper_end && !status.online, "{address}: {status:?}");
    let err = printer
        .print(&ticket())
        .await
        .expect_err("no paper, no print");
    assert!(
        matches!(err, PrintError::PaperOut { sent: false }),
        "{address}: {err:?}"
    );
    assert_eq!(
        tickets(&vp).await.len(),
        1,
        "{address}: nothing more printed"
    );
}

#[tokio::test]
async fn usb_device_file_transport_prints_and_confirms_through_a_pty() {
    // A printer device file is a byte pipe, not a terminal: make the pty one.
    prints_and_answers_status_over_a_pty(true, |path| format!("usb:{path}")).await;
}

#[tokio::test]
async fn serial_transport_sets_up_the_line_and_prints_through_a_pty() {
    // Left cooked: the transport's own setup (raw, 8N1, 9600 baud) must
    // make the line carry binary ESC/POS, as on a real serial port.
    prints_and_answers_status_over_a_pty(false, |path| format!("serial:{path}?baud=9600")).await;
}

/// Open descriptors of this process on `path`.
fn descriptors_on(path: &str) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| std::fs::read_link(e.path()).is_ok_and(|l| l.to_str() == Some(path)))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn usb_device_file_transport_keeps_one_file_across_resets_and_loses_no_reply() {
    // A reset (after any failed exchange) keeps the device file open:
    // reopening clears nothing on a printer, `usblp` allows one open at a
    // time, and a reader thread parked on the old file would hold it and
    // could take the next reply. Every status reply arrives, and the
    // descriptors on the device stay as many as after the first exchange.
    let vp = virtual_printer(Model::default()).await;
    let pty = pty(true).expect("a pseudo-terminal");
    let path = pty.path.clone();
    let address = format!("usb:{path}");
    let _served = vp.serve(pty.master);
    let mut transport =
        printer::transport::address::open(&address, timeouts()).expect("address parses");
    tokio::task::spawn_blocking(move || {
        let mut open_after_first = 0;
        for round in 0..8 {
            // DLE EOT 1: the printer's status, one byte.
            transport
                .write_all(&[0x10, 0x04, 0x01])
                .unwrap_or_else(|e| panic!("round {round}: write: {e}"));
            let mut reply = [0u8; 8];
            let n = transport
                .read_some(&mut reply, std::time::Duration::from_secs(2))
                .unwrap_or_else(|e| panic!("round {round}: the status reply was lost: {e}"));
            assert_eq!(n, 1, "round {round}: one status byte");
            transport.reset();
            let open = descriptors_on(&path);
            if round == 0 {
                open_after_first = open;
                assert!(open >= 2, "the transport has the device open ({open})");
            }
            assert_eq!(open, open_after_first, "round {round}: descriptors leak");
        }
    })
    .await
    .expect("the rounds finish");
}
