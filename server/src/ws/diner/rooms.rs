//! What reaches a diner's socket from its rooms: the table's and the
//! restaurant's events forwarded, a resync followed by a cart snapshot, the
//! table's code checked again, and leaving the rooms and the presence.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use qrorder_shared::ws::{CLOSE_TABLE_GONE, ServerMessage};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::messages::error;
use super::{Session, send};
use crate::infra::pubsub::hub::{Hub, RoomEvent};
use crate::infra::pubsub::notify::{TABLE_RECHECK_PREFIX, table_recheck};
use crate::tables::resolve_token;
use crate::ws::close::close_and_drain;
use crate::ws::seated;

impl Session {
    /// Whether the code this socket joined with still opens its table
    /// (not rotated, the table still in service). When not: the `error`
    /// the API would answer (`table_not_found`), then close 4404, and
    /// false. A database failure keeps the socket (true): an outage must
    /// not empty every table.
    pub(super) async fn table_still_valid(&self, socket: &mut WebSocket) -> bool {
        match resolve_token(&self.state.db, &self.token).await {
            Ok(t) if t.id == self.table => true,
            Ok(_) => {
                self.gone(socket, "This table code is not valid any more.".into())
                    .await;
                false
            }
            Err(e) if e.code == "table_not_found" => {
                self.gone(socket, e.message).await;
                false
            }
            Err(e) => {
                tracing::warn!(code = e.code, "table recheck failed; the socket stays");
                true
            }
        }
    }

    pub(super) async fn gone(&self, socket: &mut WebSocket, message: String) {
        send(socket, error("table_not_found", message)).await;
        close_and_drain(socket, CLOSE_TABLE_GONE, "table_code_changed").await;
    }

    /// Forwards what a room said; `rooms` are all of this socket's rooms.
    /// Table recheck signals are not forwarded; ours sets `recheck_due`.
    pub(super) async fn forward(
        &mut self,
        socket: &mut WebSocket,
        event: Result<RoomEvent, RecvError>,
        rooms: [&mut broadcast::Receiver<RoomEvent>; 2],
    ) -> bool {
        match event {
            Ok(RoomEvent::Message(text)) if text.starts_with(TABLE_RECHECK_PREFIX) => {
                self.recheck_due |= *text == *table_recheck(self.table);
                true
            }
            Ok(RoomEvent::Message(text)) => forward_text(socket, &text).await,
            // Fell behind, or Pub/Sub was interrupted: events without a
            // version (menu, order status) may be lost too, so say so, then
            // start again from a snapshot. A resync reaches every room at
            // once: take what the rooms hold now, so that the page gets one
            // resync and one snapshot, not one per room.
            Ok(RoomEvent::Resync) | Err(RecvError::Lagged(_)) => {
                for room in rooms {
                    loop {
                        match room.try_recv() {
                            Ok(RoomEvent::Message(text))
                                if text.starts_with(TABLE_RECHECK_PREFIX) =>
                            {
                                self.recheck_due |= *text == *table_recheck(self.table);
                            }
                            Ok(RoomEvent::Message(text)) => {
                                if !forward_text(socket, &text).await {
                                    return false;
                                }
                            }
                            Ok(RoomEvent::Resync) | Err(TryRecvError::Lagged(_)) => {}
                            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                        }
                    }
                }
                send(socket, ServerMessage::Resync).await && self.send_snapshot(socket).await
            }
            Err(RecvError::Closed) => false,
        }
    }

    pub(super) async fn send_snapshot(&self, socket: &mut WebSocket) -> bool {
        let load = || async {
            let mut conn = self.state.redis.conn().await?;
            let cart = self.cart.load(&mut conn).await.map_err(|e| match e {
                crate::cart::CartError::Redis(e) => e,
                other => {
                    redis::RedisError::from((redis::ErrorKind::Client, "cart", other.to_string()))
                }
            })?;
            let participants = self.presence.list(&mut conn).await?;
            Ok::<_, redis::RedisError>(cart.snapshot(participants))
        };
        // Once more on failure: right after Redis came back (when resyncs
        // are sent) the first command may meet the connection it broke,
        // and the connection manager reconnects for the second.
        let snapshot = match load().await {
            Ok(message) => Ok(message),
            Err(_) => load().await,
        };
        match snapshot {
            Ok(message) => send(socket, message).await,
            Err(e) => {
                send(
                    socket,
                    error(
                        "cart_unavailable",
                        format!("the shared cart is unavailable right now: {e}"),
                    ),
                )
                .await
            }
        }
    }
}

/// Leaves the rooms and the table's presence.
pub(super) async fn open_rooms_leave(
    hub: &Hub,
    session: &Session,
    table_room: broadcast::Receiver<RoomEvent>,
    restaurant_room: broadcast::Receiver<RoomEvent>,
) {
    drop(table_room);
    drop(restaurant_room);
    hub.leave(&session.presence.channel).await;
    hub.leave(&session.restaurant_channel).await;
    if let Ok(mut conn) = session.state.redis.conn().await {
        let _ = session.presence.remove(&mut conn).await;
        let _ = session.presence.announce(&mut conn).await;
    }
    seated::changed(&session.state, session.seat);
}

async fn forward_text(socket: &mut WebSocket, text: &str) -> bool {
    socket
        .send(Message::Text(Utf8Bytes::from(text)))
        .await
        .is_ok()
}
