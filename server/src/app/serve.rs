//! Serving HTTP/1.1 with the limits axum's `serve` cannot set: a
//! header-read timeout (hyper's; it also ends a kept-alive connection idle
//! that long, as hyper starts it whenever it waits for a request's
//! headers, the first byte included), and a bound on open sockets.
//! HTTP/1.1 only, on purpose: cleartext HTTP/2 (h2c) is spoken by no
//! browser, and guessing the version first would wait for a silent
//! client's first byte with no timeout at all.
//!
//! The bound: `max_connections` sockets are served normally; beyond them
//! `reserve_connections` more are accepted but kept on a short leash (a
//! 1 s header timeout, no keep-alive: one request, then closed), so that a
//! health check still gets its answer while the normal budget is held by
//! idle or slow clients; beyond both, accepting waits (new connections wait
//! in the kernel's backlog). A permit is held by the socket itself, so an
//! upgraded WebSocket counts for as long as it is open.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

/// The header timeout of a connection served from the reserve.
const RESERVE_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
    pub reserve_connections: usize,
}

/// A socket and its place in the budget (given back when it is dropped).
struct Counted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets every
/// connection finish its request (idle ones close) and returns when all
/// are gone.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let normal = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let reserve = Arc::new(Semaphore::new(limits.reserve_connections));
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        // A place first (the normal budget before the reserve), then a socket.
        let (permit, reserved) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            p = normal.clone().acquire_owned() => (p, false),
            p = reserve.clone().acquire_owned() => (p, true),
        };
        let Ok(permit) = permit else { break };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or the peer gave up: not fatal.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Counted {
            stream,
            _permit: permit,
        });
        let service = TowerToHyperService::new(app.clone().map_request(
            move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(axum::body::Body::new)
            },
        ));
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(if reserved {
                    RESERVE_HEADER_TIMEOUT
                } else {
                    limits.header_read_timeout
                })
                .keep_alive(!reserved);
            let conn = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::trace!(error = %e, %peer, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(());
    drop(done_rx);
    done_tx.closed().await;
}

/// Raises this process' limit of open files to its hard limit (a server
/// holds a socket per client), and says what it is.
pub fn raise_open_files_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let lim = getrlimit(Resource::Nofile);
        let before = lim.current;
        // `None` is "unlimited"; Linux refuses that for open files, so
        // an unlimited hard limit is taken as 2^20 (its usual ceiling).
        let target = lim.maximum.unwrap_or(1 << 20);
        if before.is_some_and(|c| c < target) {
            let raised = Rlimit {
                current: Some(target),
                maximum: lim.maximum,
            };
            if let Err(e) = setrlimit(Resource::Nofile, raised) {
                tracing::warn!(error = %e, soft = ?before, hard = ?lim.maximum, "cannot raise the open files limit");
                return;
            }
        }
        let now = getrlimit(Resource::Nofile);
        tracing::info!(
            open_files = ?now.current,
            was = ?before,
            "open files limit (RLIMIT_NOFILE)"
        );
    }
}
