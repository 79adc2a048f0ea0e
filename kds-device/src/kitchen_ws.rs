//! The push half of status sync: a client of the server's `/ws/kitchen`.
//!
//! Status changes made elsewhere (a cancel in the admin API, another
//! screen's bump) arrive here as `order_status` and go to
//! [`crate::status_sync::StatusSync`] as [`StatusUpdate::Changed`]. The
//! server's first message on every (re)connect is `resync`, sent once the
//! socket is subscribed, and it sends `resync` again when it lost messages:
//! each asks for a reload of the open orders, so nothing missed while away
//! stays on screen. While the socket is down the device says so (the red
//! API banner) and reconnects with back-off.

use std::time::Duration;

use futures::StreamExt;
use qrorder_shared::ws::ServerMessage;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::status_sync::{Source, StatusUpdate};

/// The server pings every 30 s; silence for longer than this means the
/// connection is dead even if TCP has not noticed.
const SILENCE: Duration = Duration::from_secs(75);
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// A socket up this long was healthy: the next reconnect starts quickly again.
const HEALTHY: Duration = Duration::from_secs(10);

/// `ws://…/ws/kitchen` from the configured URL, or from the admin API's
/// base URL when none is configured (`http` → `ws`, `https` → `wss`).
pub fn kitchen_url(ws_url: &str, api_url: &str) -> String {
    let base = if ws_url.trim().is_empty() {
        let api = api_url.trim();
        if let Some(rest) = api.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = api.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            api.to_owned()
        }
    } else {
        ws_url.trim().to_owned()
    };
    format!("{}/ws/kitchen", base.trim_end_matches('/'))
}

/// Runs until `updates` is dropped, or until the server refuses the token
/// (401: the device was revoked), which it reports as
/// [`StatusUpdate::Removed`] instead of trying again for ever.
pub async fn listen(url: String, token: String, updates: mpsc::UnboundedSender<StatusUpdate>) {
    let mut backoff = BACKOFF_FIRST;
    loop {
        let ended = match connect(&url, &token, Duration::from_secs(5)).await {
            Err(Refusal::Revoked(why)) => {
                tracing::error!(url = %url, "{why}: this display was removed");
                let _ = push(&updates, Source::Push, false, why);
                let _ = updates.send(StatusUpdate::Removed);
                return;
            }
            Err(Refusal::Down(e)) => Err(e),
            Ok(socket) => Ok(socket),
        };
        let ended = match ended {
            Ok(socket) => {
                if push(&updates, Source::Push, true, String::new()).is_err() {
                    return;
                }
                let connected = std::time::Instant::now();
                let why = serve(socket, &updates).await;
                // A server that accepts and drops at once is not hammered.
                if connected.elapsed() >= HEALTHY {
                    backoff = BACKOFF_FIRST;
                }
                why
            }
            Err(e) => e,
        };
        tracing::warn!(url = %url, error = %ended, "kitchen socket down; reconnecting");
        if push(&updates, Source::Push, false, ended).is_err() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

fn push(
    updates: &mpsc::UnboundedSender<StatusUpdate>,
    source: Source,
    up: bool,
    detail: String,
) -> Result<(), ()> {
    updates
        .send(StatusUpdate::Reachable { source, up, detail })
        .map_err(drop)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why the socket could not be opened.
enum Refusal {
    /// Unreachable, timed out, any other refusal: try again.
    Down(String),
    /// 401: the server does not know this token (any more).
    Revoked(String),
}

async fn connect(url: &str, token: &str, timeout: Duration) -> Result<Socket, Refusal> {
    let mut request = url
        .into_client_request()
        .map_err(|e| Refusal::Down(format!("bad kitchen socket URL {url}: {e}")))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Refusal::Down("the API token is not a valid header value".to_owned()))?;
    request.headers_mut().insert("authorization", bearer);
    match tokio::time::timeout(timeout, tokio_tungstenite::connect_async(request)).await {
        Err(_) => Err(Refusal::Down(format!(
            "no answer from {url} within {timeout:?}"
        ))),
        Ok(Err(tungstenite::Error::Http(resp)))
            if resp.status() == tungstenite::http::StatusCode::UNAUTHORIZED =>
        {
            Err(Refusal::Revoked(format!(
                "{url} refused this display's token (HTTP 401)"
            )))
        }
        Ok(Err(tungstenite::Error::Http(resp))) => Err(Refusal::Down(format!(
            "{url} refused the kitchen socket: HTTP {}",
            resp.status()
        ))),
        Ok(Err(e)) => Err(Refusal::Down(format!("cannot reach {url}: {e}"))),
        Ok(Ok((socket, _))) => Ok(socket),
    }
}

/// Forward what the server says until the socket ends; returns why.
async fn serve(mut socket: Socket, updates: &mpsc::UnboundedSender<StatusUpdate>) -> String {
    loop {
        let next = match tokio::time::timeout(SILENCE, socket.next()).await {
            Err(_) => return format!("no word from the server for {SILENCE:?}"),
            Ok(None) => return "the server closed the kitchen socket".to_owned(),
            Ok(Some(Err(e))) => return format!("kitchen socket failed: {e}"),
            Ok(Some(Ok(m))) => m,
        };
        let update = match next {
            Message::Text(text) => match serde_json::from_str::<ServerMessage>(&text) {
                Ok(ServerMessage::OrderStatus { order_id, status }) => {
                    Some(StatusUpdate::Changed { order_id, status })
                }
                Ok(ServerMessage::Resync) => Some(StatusUpdate::Reload),
                // New orders come from the stream; menu changes do not show.
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "unreadable kitchen socket message");
                    None
                }
            },
            // Pings are answered by tungstenite itself.
            Message::Close(frame) => {
                return match frame {
                    Some(f) => format!("the server closed the kitchen socket: {}", f.reason),
                    None => "the server closed the kitchen socket".to_owned(),
                };
            }
            _ => None,
        };
        if let Some(update) = update
            && updates.send(update).is_err()
        {
            return "the device is stopping".to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kitchen_url;

    #[test]
    fn the_socket_url_follows_the_api_unless_configured() {
        assert_eq!(
            kitchen_url("", "http://10.0.0.2:8080/"),
            "ws://10.0.0.2:8080/ws/kitchen"
        );
        assert_eq!(
            kitchen_url("", "https://pos.example"),
            "wss://pos.example/ws/kitchen"
        );
        assert_eq!(
            kitchen_url("ws://10.0.0.3:8090", "http://10.0.0.2:8080"),
            "ws://10.0.0.3:8090/ws/kitchen"
        );
    }
}
