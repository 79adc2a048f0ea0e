//! What a diner's socket does with each message after `hello`: cart ops
//! checked against the order rules and applied in Redis, renames, syncs;
//! a refusal goes back to its sender as an `error`.

use std::collections::BTreeMap;

use axum::extract::ws::WebSocket;
use qrorder_shared::MenuItemId;
use qrorder_shared::ws::{ClientMessage, ServerMessage};

use super::{Session, send};
use crate::cart::NewLine;
use crate::infra::redis::RedisConn;
use crate::menu;
use crate::orders::rules::{MAX_NOTE_CHARS, MAX_QTY, choose_options};

/// Why a message was not applied; sent to its sender as an `error`.
pub(super) struct Refusal {
    code: &'static str,
    message: String,
}

pub(super) fn error(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

impl From<Refusal> for ServerMessage {
    fn from(r: Refusal) -> Self {
        ServerMessage::Error {
            code: r.code.to_owned(),
            message: r.message,
            details: None,
        }
    }
}

pub(super) fn clean_nickname(name: &str) -> Option<String> {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(24)
        .collect();
    (!name.is_empty()).then_some(name)
}

impl Session {
    /// Applies one message; false when the socket is gone.
    pub(super) async fn handle(&mut self, socket: &mut WebSocket, text: &str) -> bool {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(m) => m,
            Err(e) => {
                let code = if e.to_string().contains("unknown variant") {
                    "unknown_type"
                } else {
                    "invalid_message"
                };
                return send(
                    socket,
                    error(code, format!("could not read the message: {e}")),
                )
                .await;
            }
        };
        let mut conn = match self.state.redis.conn().await {
            Ok(c) => c,
            Err(e) => {
                return send(
                    socket,
                    error(
                        "cart_unavailable",
                        format!("the shared cart is unavailable: {e}"),
                    ),
                )
                .await;
            }
        };
        let result: Result<(), Refusal> = match message {
            ClientMessage::Hello { nickname, .. } => {
                if let Some(n) = nickname.as_deref().and_then(clean_nickname) {
                    self.nickname = n;
                }
                self.share_nickname(&mut conn).await;
                return self.send_snapshot(socket).await;
            }
            ClientMessage::Sync => return self.send_snapshot(socket).await,
            ClientMessage::Rename { nickname } => match clean_nickname(&nickname) {
                Some(n) => {
                    self.nickname = n;
                    self.share_nickname(&mut conn).await;
                    Ok(())
                }
                None => Err(error(
                    "invalid_nickname",
                    "the nickname must have 1 to 24 visible characters",
                )),
            },
            ClientMessage::Add {
                item_id,
                options,
                qty,
                note,
            } => match self.check_add(item_id, &options, qty, note).await {
                Ok(note) => self
                    .cart
                    .add(
                        &mut conn,
                        NewLine {
                            item_id,
                            options,
                            qty,
                            note,
                            added_by: self.client_id.clone(),
                            added_by_name: self.nickname.clone(),
                        },
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| error(e.code(), e.to_string())),
                Err(refusal) => Err(refusal),
            },
            ClientMessage::SetQty { line_id, qty } => {
                if qty == 0 || qty > MAX_QTY {
                    Err(error(
                        "invalid_qty",
                        format!("quantity must be 1 to {MAX_QTY}; use `remove` to take a line out"),
                    ))
                } else {
                    self.cart
                        .set_qty(&mut conn, &line_id, qty)
                        .await
                        .map(|_| ())
                        .map_err(|e| error(e.code(), e.to_string()))
                }
            }
            ClientMessage::SetNote { line_id, note } => match check_note(note) {
                Ok(note) => self
                    .cart
                    .set_note(&mut conn, &line_id, note)
                    .await
                    .map(|_| ())
                    .map_err(|e| error(e.code(), e.to_string())),
                Err(refusal) => Err(refusal),
            },
            ClientMessage::Remove { line_id } => self
                .cart
                .remove(&mut conn, &line_id)
                .await
                .map(|_| ())
                .map_err(|e| error(e.code(), e.to_string())),
            ClientMessage::Clear => self
                .cart
                .clear(&mut conn)
                .await
                .map(|_| ())
                .map_err(|e| error(e.code(), e.to_string())),
        };
        // Success is heard through the room, like everyone else hears it.
        match result {
            Ok(()) => true,
            Err(refusal) => send(socket, refusal).await,
        }
    }

    /// Records this diner's nickname in the table's presence and tells the
    /// table (best effort: presence is refreshed anyway).
    async fn share_nickname(&self, conn: &mut RedisConn) {
        let _ = self
            .presence
            .set(conn, &self.client_id, &self.nickname)
            .await;
        let _ = self.presence.announce(conn).await;
    }

    async fn check_add(
        &self,
        item_id: MenuItemId,
        options: &BTreeMap<String, Vec<String>>,
        qty: u32,
        note: Option<String>,
    ) -> Result<Option<String>, Refusal> {
        if qty == 0 || qty > MAX_QTY {
            return Err(error(
                "invalid_qty",
                format!("quantity must be 1 to {MAX_QTY}"),
            ));
        }
        let note = check_note(note)?;
        let item = menu::load_item(&self.state.db, self.restaurant, item_id)
            .await
            .map_err(|_| error("unknown_item", format!("there is no menu item {item_id}")))?;
        if !item.available || item.stock == Some(0) {
            return Err(error("unavailable", "this item is not available right now"));
        }
        choose_options(&item, options).map_err(|e| error("invalid_options", e))?;
        Ok(note)
    }
}

fn check_note(note: Option<String>) -> Result<Option<String>, Refusal> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS || n.chars().any(char::is_control))
    {
        return Err(error(
            "invalid_note",
            format!("notes may be at most {MAX_NOTE_CHARS} characters of text"),
        ));
    }
    Ok(note)
}
