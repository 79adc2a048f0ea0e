//! A diner's socket: `GET /ws/tables/{token}`. Checks the table and the
//! restaurant network before upgrading, then: `hello` → cart snapshot and
//! presence; cart ops applied in Redis (and so heard by every diner of the
//! table, on any instance); room events forwarded; errors answered with an
//! `error` message, the connection kept unless the client is abusive.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use qrorder_shared::location::LocationPolicy;
use qrorder_shared::ws::{CLOSE_REFUSED, CLOSE_TOO_MANY, ClientMessage, ServerMessage};
use qrorder_shared::{RestaurantId, TableId};
use rand::RngCore;

mod messages;
mod rooms;

use messages::{clean_nickname, error};
use rooms::open_rooms_leave;

use super::caps::hold_diner;
use super::close::{close, close_and_drain};
use crate::cart::CartRef;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Path;
use crate::infra::db::to_json;
use crate::location;
use crate::restaurant;
use crate::state::AppState;
use crate::tables::{current_visit, resolve_token};
use crate::ws::presence::{Presence, REFRESH_SECS};
use crate::ws::seated::{self, Seat};

/// Largest text message we read; the transport closes beyond `FRAME_LIMIT`.
pub const MESSAGE_LIMIT: usize = 4096;
pub const FRAME_LIMIT: usize = 64 * 1024;
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Token bucket: a burst of this many messages, refilled at `RATE_PER_SEC`.
const BURST: f64 = 30.0;
const RATE_PER_SEC: f64 = 10.0;
/// Messages refused for rate or size before the socket is closed as abusive.
const STRIKES_BEFORE_CLOSE: u32 = 50;

/// Join a table's shared cart. 404 for an unknown token. When the
/// restaurant's policy needs its network and the diner is not on it, the
/// socket opens, says `error` `outside_restaurant` (with `details.reason`)
/// and closes with code 4403 (`shared::ws::CLOSE_REFUSED`). Beyond the
/// sockets this instance holds per client address or per table: `error`
/// `too_many_sockets`, then close code 4429 (`CLOSE_TOO_MANY`).
#[utoipa::path(get, path = "/ws/tables/{token}", tag = "ws",
    params(("token" = String, Path, description = "the table's token")),
    responses((status = 101, description = "WebSocket; messages in `shared::ws`"),
              (status = 404, body = qrorder_shared::ErrorBody)))]
pub async fn diner_socket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(super::close::not_a_websocket)?;
    let table = resolve_token(&state.db, &token).await?;
    let r = restaurant::load(&state.db, table.restaurant_id).await?;
    let client = location::client_of(&r, peer, &headers)?;
    // Only the network can be proven at join; GPS is checked with the order.
    if matches!(
        r.location_policy,
        LocationPolicy::Network | LocationPolicy::NetworkAndGps
    ) && let Err(refusal) = location::check_network(&r, client)
    {
        // Refused over the socket, not with an HTTP 403: a browser's
        // WebSocket cannot read an HTTP answer, so the page could only
        // retry for ever. It gets the reason and a close code that
        // tells it to stop.
        let e = ApiError::from(refusal);
        let message = ServerMessage::Error {
            code: e.code.to_owned(),
            message: e.message,
            details: e.details,
        };
        return Ok(limits(upgrade).on_upgrade(move |mut socket| async move {
            send(&mut socket, message).await;
            close_and_drain(&mut socket, CLOSE_REFUSED, "outside_restaurant").await;
        }));
    }
    // A trusted proxy that names no client counts as itself.
    let client = client.unwrap_or(peer.ip().to_canonical());
    let held = match hold_diner(&state, r.id, table.id, client) {
        Ok(held) => held,
        Err(message) => {
            return Ok(limits(upgrade).on_upgrade(move |mut socket| async move {
                send(&mut socket, *message).await;
                close_and_drain(&mut socket, CLOSE_TOO_MANY, "too_many_sockets").await;
            }));
        }
    };
    let visit = current_visit(&state.db, r.id, table.id).await?;
    let session = Session {
        cart: CartRef::new(&state.keys, r.id, visit.id),
        restaurant_channel: state.keys.restaurant_channel(r.id),
        presence: Presence {
            key: state.keys.presence(r.id, visit.id),
            channel: state.keys.visit_channel(r.id, visit.id),
            field: String::new(),
        },
        restaurant: r.id,
        table: table.id,
        seat: Seat {
            restaurant: r.id,
            table: table.id,
            visit: visit.id,
        },
        token,
        recheck_due: false,
        state,
        client_id: String::new(),
        nickname: String::new(),
    };
    Ok(limits(upgrade).on_upgrade(move |socket| async move {
        // Counted for as long as the socket lives.
        let _held = held;
        session.run(socket).await
    }))
}

fn limits(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .max_message_size(FRAME_LIMIT)
        .max_frame_size(FRAME_LIMIT)
        .read_buffer_size(4096)
        .write_buffer_size(4096)
}

struct Session {
    state: AppState,
    restaurant: RestaurantId,
    /// The table and the code it was joined with: checked again when the
    /// table's access changes (`table_recheck`).
    table: TableId,
    seat: Seat,
    token: String,
    /// Our table's recheck signal was heard (while forwarding a resync).
    recheck_due: bool,
    cart: CartRef,
    restaurant_channel: String,
    presence: Presence,
    client_id: String,
    nickname: String,
}

async fn send(socket: &mut WebSocket, message: impl Into<ServerMessage>) -> bool {
    let text = to_json(&message.into());
    socket.send(Message::Text(text.into())).await.is_ok()
}

/// A name shown to the table when the diner gave none.
fn default_nickname(client_id: &str) -> String {
    let n = client_id
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 1000;
    format!("Guest {n:03}")
}

impl Session {
    async fn run(mut self, mut socket: WebSocket) {
        // 1. hello
        let hello = tokio::time::timeout(HELLO_TIMEOUT, async {
            loop {
                match socket.recv().await {
                    Some(Ok(Message::Text(text))) => {
                        match serde_json::from_str::<ClientMessage>(&text) {
                            Ok(ClientMessage::Hello {
                                client_id,
                                nickname,
                                ..
                            }) => return Some((client_id, nickname)),
                            Ok(_) => {
                                send(
                                    &mut socket,
                                    ServerMessage::from(error("hello_first", "send `hello` first")),
                                )
                                .await;
                            }
                            Err(e) => {
                                send(
                                    &mut socket,
                                    error("invalid_message", format!("not a message: {e}")),
                                )
                                .await;
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        let Ok(Some((client_id, nickname))) = hello else {
            close(&mut socket, close_code::POLICY, "no hello").await;
            return;
        };
        if !(1..=64).contains(&client_id.len())
            || !client_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            send(
                &mut socket,
                error(
                    "invalid_client_id",
                    "client_id must be 1 to 64 of A-Z, a-z, 0-9, `-`, `_`",
                ),
            )
            .await;
            close(&mut socket, close_code::POLICY, "bad hello").await;
            return;
        }
        self.nickname = nickname
            .as_deref()
            .and_then(clean_nickname)
            .unwrap_or_else(|| default_nickname(&client_id));
        self.client_id = client_id;
        let mut conn_id = [0u8; 6];
        rand::rng().fill_bytes(&mut conn_id);
        self.presence.field = format!("{}|{}", self.client_id, hex::encode(conn_id));

        // 2. join, announce, snapshot
        let hub = self.state.hub.clone();
        let (_guard, mut closing) = hub.session();
        let mut table_room = hub.join(&self.presence.channel).await;
        let mut restaurant_room = hub.join(&self.restaurant_channel).await;
        if let Ok(mut conn) = self.state.redis.conn().await {
            let _ = self
                .presence
                .set(&mut conn, &self.client_id, &self.nickname)
                .await;
            let _ = self.presence.announce(&mut conn).await;
        }
        seated::changed(&self.state, self.seat);
        // Subscribed now, so a rotation from here on is heard; one that
        // came between the upgrade's check and now is caught here.
        if !self.table_still_valid(&mut socket).await {
            open_rooms_leave(&hub, &self, table_room, restaurant_room).await;
            return;
        }
        let mut open = self.send_snapshot(&mut socket).await;

        // 3. the conversation
        let mut tokens = BURST;
        let mut last_refill = Instant::now();
        let mut strikes = 0u32;
        let mut refresh = tokio::time::interval(Duration::from_secs(REFRESH_SECS));
        refresh.tick().await;
        let mut last_heard = Instant::now();
        while open {
            tokio::select! {
                incoming = socket.recv() => {
                    if matches!(incoming, Some(Ok(_))) {
                        last_heard = Instant::now();
                    }
                    match incoming {
                    Some(Ok(Message::Text(text))) => {
                        let now = Instant::now();
                        tokens = (tokens + now.duration_since(last_refill).as_secs_f64() * RATE_PER_SEC).min(BURST);
                        last_refill = now;
                        let refusal = if text.len() > MESSAGE_LIMIT {
                            Some(error("message_too_large", format!("messages may be at most {MESSAGE_LIMIT} bytes")))
                        } else if tokens < 1.0 {
                            Some(error("rate_limited", "too many messages; slow down"))
                        } else {
                            tokens -= 1.0;
                            None
                        };
                        if let Some(refusal) = refusal {
                            strikes += 1;
                            if strikes > STRIKES_BEFORE_CLOSE {
                                close(&mut socket, close_code::POLICY, "abusive client").await;
                                break;
                            }
                            open = send(&mut socket, refusal).await;
                            continue;
                        }
                        open = self.handle(&mut socket, &text).await;
                    }
                    Some(Ok(Message::Binary(_))) => {
                        open = send(&mut socket, ServerMessage::from(error("unsupported", "send JSON text messages"))).await;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {} // ping/pong: answered by the transport
                    }
                }
                event = table_room.recv() => {
                    open = self.forward(&mut socket, event, [&mut table_room, &mut restaurant_room]).await;
                }
                event = restaurant_room.recv() => {
                    open = self.forward(&mut socket, event, [&mut table_room, &mut restaurant_room]).await;
                }

                _ = refresh.tick() => {
                    // A phone gone from the Wi-Fi leaves a half-open socket:
                    // ping it, and let it go when nothing came back.
                    if last_heard.elapsed() > Duration::from_secs(2 * REFRESH_SECS) {
                        close(&mut socket, close_code::AWAY, "no answer to pings").await;
                        break;
                    }
                    open = tokio::time::timeout(Duration::from_secs(5), socket.send(Message::Ping(Default::default())))
                        .await
                        .is_ok_and(|r| r.is_ok());
                    if let Ok(mut conn) = self.state.redis.conn().await {
                        let _ = self.presence.set(&mut conn, &self.client_id, &self.nickname).await;
                        let _ = seated::tell_if_changed(&self.state, &mut conn, self.seat).await;
                    }
                }
                _ = closing.changed() => {
                    close(&mut socket, close_code::AWAY, "server shutting down; reconnect").await;
                    break;
                }
            }
            // Heard our table's recheck signal: is our code still good?
            if self.recheck_due {
                self.recheck_due = false;
                if !self.table_still_valid(&mut socket).await {
                    break;
                }
            }
        }

        // 4. leave
        open_rooms_leave(&hub, &self, table_room, restaurant_room).await;
    }
}
