//! The virtual printer on the network: ESC/POS on a TCP port (9100 by
//! default) and on any other byte stream handed to [`VirtualPrinter::serve`]
//! (a serial line, a pseudo-terminal), and a small HTTP control port:
//!
//! - `GET /state` → the current [`Faults`] as JSON, plus `busy`: tickets
//!   received and not yet printed;
//! - `POST /state` with any subset of
//!   `{"paper_out", "paper_near_end", "cover_open", "offline", "error": bool, "delay_ms": n}`;
//! - `GET /tickets` → every ticket printed so far: `seq`, `order_number`,
//!   `table`, `text`, `png`, `txt` and the printed `lines`.
//!
//! Each ticket is written to the output folder as `ticket-NNNN.txt` and
//! `ticket-NNNN.png` when it is cut. Print data waits while paper is out, the
//! cover is open or an error is set, and `delay_ms` is how long printing one
//! ticket takes; real-time status requests are answered at once either way.
//! Offline: connections are accepted but everything is ignored, so nothing
//! is printed and nothing answered.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::command::Command;
use super::page::Page;
use super::parser::Parser;
use super::printout::{PrintedLine, Printout};
use super::{Faults, FaultsPatch, Model, status_reply};
use crate::status::process_id_reply;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub control: SocketAddr,
    pub out_dir: PathBuf,
    pub model: Model,
}

/// One printed ticket, as `GET /tickets` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRecord {
    pub seq: u32,
    pub order_number: Option<u32>,
    pub table: Option<String>,
    pub text: String,
    pub png: PathBuf,
    pub txt: PathBuf,
    pub lines: Vec<PrintedLine>,
}

struct Shared {
    faults: watch::Sender<Faults>,
    page: Mutex<Page>,
    tickets: Mutex<Vec<TicketRecord>>,
    out_dir: PathBuf,
    model: Model,
    /// Jobs received and not yet printed or discarded.
    busy: AtomicUsize,
}

/// A running virtual printer; stops when dropped.
pub struct VirtualPrinter {
    pub printer_addr: SocketAddr,
    pub control_addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl VirtualPrinter {
    /// Bind both ports (port 0 picks free ones) and start serving.
    pub async fn start(config: Config) -> io::Result<Self> {
        std::fs::create_dir_all(&config.out_dir)?;
        let printer = TcpListener::bind(config.listen).await?;
        let control = TcpListener::bind(config.control).await?;
        let shared = Arc::new(Shared {
            faults: watch::Sender::new(Faults::default()),
            page: Mutex::new(Page::new(config.model)),
            tickets: Mutex::new(Vec::new()),
            out_dir: config.out_dir,
            model: config.model,
            busy: AtomicUsize::new(0),
        });
        let (s1, s2) = (shared.clone(), shared.clone());
        Ok(Self {
            printer_addr: printer.local_addr()?,
            control_addr: control.local_addr()?,
            shared,
            tasks: vec![
                tokio::spawn(async move {
                    while let Ok((stream, peer)) = printer.accept().await {
                        tracing::info!(%peer, "printer connection");
                        tokio::spawn(connection(stream, s1.clone()));
                    }
                }),
                tokio::spawn(async move {
                    while let Ok((stream, _)) = control.accept().await {
                        let shared = s2.clone();
                        tokio::spawn(async move {
                            let outcome =
                                tokio::time::timeout(Duration::from_secs(5), http(stream, shared))
                                    .await;
                            if let Ok(Err(e)) = outcome {
                                tracing::debug!(error = %e, "control request failed");
                            }
                        });
                    }
                }),
            ],
        })
    }

    /// Serve one more byte stream besides the TCP port — a serial line, a
    /// pseudo-terminal — exactly like a TCP connection: same paper, faults,
    /// tickets and control port. Runs until the stream ends.
    pub fn serve<S>(&self, stream: S) -> JoinHandle<()>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        tokio::spawn(connection(stream, self.shared.clone()))
    }

    pub fn faults(&self) -> Faults {
        *self.shared.faults.borrow()
    }

    pub fn set_faults(&self, patch: FaultsPatch) -> Faults {
        self.shared.faults.send_modify(|f| f.apply(patch));
        self.faults()
    }

    /// Tickets received and waiting to print (delay or fault).
    pub fn busy(&self) -> usize {
        self.shared.busy.load(Ordering::SeqCst)
    }

    pub fn tickets(&self) -> Vec<TicketRecord> {
        self.shared
            .tickets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for VirtualPrinter {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// One byte stream to the printer (a TCP connection, a serial line, a
/// pseudo-terminal): commands in, status and completion replies out.
async fn connection<S>(stream: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (reply_tx, mut reply_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(async move {
        while let Some(bytes) = reply_rx.recv().await {
            if wr.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    let (job_tx, job_rx) = mpsc::unbounded_channel::<(u64, Vec<Command>)>();
    let (epoch_tx, epoch_rx) = watch::channel(0u64);
    let engine = tokio::spawn(engine(job_rx, reply_tx.clone(), shared.clone(), epoch_rx));

    let mut parser = Parser::new();
    let mut pending = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        let n = match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let faults = *shared.faults.borrow();
        if faults.offline {
            continue;
        }
        for cmd in parser.feed(&buf[..n]) {
            match cmd {
                Command::StatusRequest(n) => {
                    if let Some(b) = status_reply(n, &faults) {
                        let _ = reply_tx.send(vec![b]);
                    }
                }
                Command::ClearBuffers => {
                    pending.clear();
                    epoch_tx.send_modify(|e| *e += 1);
                }
                cmd @ (Command::Cut { .. } | Command::ProcessId(_)) => {
                    pending.push(cmd);
                    shared.busy.fetch_add(1, Ordering::SeqCst);
                    let _ = job_tx.send((*epoch_tx.borrow(), std::mem::take(&mut pending)));
                }
                Command::Unknown(bytes) => {
                    tracing::warn!(?bytes, "unknown ESC/POS bytes");
                    pending.push(Command::Unknown(bytes));
                }
                cmd => pending.push(cmd),
            }
        }
    }
    // Whatever arrived before the connection closed prints, as on paper.
    if !pending.is_empty() {
        shared.busy.fetch_add(1, Ordering::SeqCst);
        let _ = job_tx.send((*epoch_tx.borrow(), pending));
    }
    drop((job_tx, reply_tx));
    let _ = engine.await;
    let _ = writer.await;
}

/// Prints jobs one by one: waits while a fault stops the mechanism, takes
/// `delay_ms` per ticket, and drops jobs cleared by `DLE DC4 8`.
async fn engine(
    mut jobs: mpsc::UnboundedReceiver<(u64, Vec<Command>)>,
    replies: mpsc::UnboundedSender<Vec<u8>>,
    shared: Arc<Shared>,
    mut epoch: watch::Receiver<u64>,
) {
    let mut faults = shared.faults.subscribe();
    while let Some((job_epoch, cmds)) = jobs.recv().await {
        let prints = cmds.iter().any(|c| {
            matches!(
                c,
                Command::Text(_)
                    | Command::Cut { .. }
                    | Command::Raster { .. }
                    | Command::BitImage { .. }
            )
        });
        let mut waited = !prints;
        let go = loop {
            if *epoch.borrow_and_update() != job_epoch {
                break false;
            }
            let f = *faults.borrow_and_update();
            if f.stops_printing() {
                tokio::select! {
                    r = faults.changed() => if r.is_err() { break false },
                    r = epoch.changed() => if r.is_err() { break false },
                }
                continue;
            }
            if !waited && f.delay_ms > 0 {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(f.delay_ms)) => waited = true,
                    r = faults.changed() => if r.is_err() { break false },
                    r = epoch.changed() => if r.is_err() { break false },
                }
                continue;
            }
            break true;
        };
        if !go {
            tracing::info!("job discarded");
            shared.busy.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        for cmd in cmds {
            if let Command::ProcessId(id) = cmd {
                if shared.model.process_id {
                    let _ = replies.send(process_id_reply(id).to_vec());
                }
                continue;
            }
            let printout = shared
                .page
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .apply(cmd);
            if let Some(p) = printout
                && let Err(e) = save(&shared, p).await
            {
                tracing::error!(error = %e, "cannot save ticket");
            }
        }
        shared.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn save(shared: &Shared, p: Printout) -> io::Result<()> {
    let seq = u32::try_from(
        shared
            .tickets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
            + 1,
    )
    .unwrap_or(0);
    let png = shared.out_dir.join(format!("ticket-{seq:04}.png"));
    let txt = shared.out_dir.join(format!("ticket-{seq:04}.txt"));
    let text = p.text();
    let record = TicketRecord {
        seq,
        order_number: p.order_number(),
        table: p.table(),
        text: text.clone(),
        png: png.clone(),
        txt: txt.clone(),
        lines: p.lines.clone(),
    };
    let picture = p.picture;
    tokio::task::spawn_blocking(move || write_files(&png, &txt, &text, &picture))
        .await
        .map_err(io::Error::other)??;
    tracing::info!(seq, order = ?record.order_number, "ticket printed");
    shared
        .tickets
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(record);
    Ok(())
}

fn write_files(
    png: &Path,
    txt: &Path,
    text: &str,
    picture: &crate::glyphs::Bitmap,
) -> io::Result<()> {
    std::fs::write(txt, text)?;
    let img = image::GrayImage::from_fn(picture.width(), picture.height(), |x, y| {
        image::Luma([if picture.get(x, y) { 0 } else { 255 }])
    });
    img.save(png).map_err(io::Error::other)
}

async fn http(mut stream: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 16 * 1024 {
            return respond(&mut stream, 431, "{\"error\":\"header too large\"}").await;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request = lines.next().unwrap_or("").split(' ');
    let (method, path) = (request.next().unwrap_or(""), request.next().unwrap_or(""));
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    if length > 64 * 1024 {
        return respond(&mut stream, 413, "{\"error\":\"body too large\"}").await;
    }
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end..buf.len().min(head_end + length)];
    match (method, path) {
        ("GET", "/state") => {
            let now = *shared.faults.borrow();
            let mut v = serde_json::to_value(now).unwrap_or_default();
            v["busy"] = shared.busy.load(Ordering::SeqCst).into();
            respond(&mut stream, 200, &v.to_string()).await
        }
        ("POST", "/state") => match serde_json::from_slice::<FaultsPatch>(body) {
            Ok(patch) => {
                shared.faults.send_modify(|f| f.apply(patch));
                tracing::info!(faults = ?*shared.faults.borrow(), "state changed");
                let now = *shared.faults.borrow();
                respond(&mut stream, 200, &json(&now)).await
            }
            Err(e) => {
                let msg = serde_json::json!({ "error": e.to_string() }).to_string();
                respond(&mut stream, 400, &msg).await
            }
        },
        ("GET", "/tickets") => {
            let tickets = shared
                .tickets
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            respond(&mut stream, 200, &json(&tickets)).await
        }
        _ => respond(&mut stream, 404, "{\"error\":\"not found\"}").await,
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
}

async fn respond(stream: &mut TcpStream, code: u16, body: &str) -> io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        _ => "Request Header Fields Too Large",
    };
    let msg = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(msg.as_bytes()).await?;
    stream.shutdown().await
}
