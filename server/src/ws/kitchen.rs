//! The restaurant's live feed, read-only: its order events and menu changes.
//! - `GET /ws/kitchen`: kitchen screens, with a device (or staff) token;
//! - `GET /ws/staff`: the console, with an owner's or staff's session token
//!   only (a device's token is refused: a kitchen screen is not a console).
//!
//! The token comes in the `Authorization` header or, for browsers,
//! `?token=`. The first message is `resync`, sent once the socket's room is
//! subscribed: the screen loads open orders then, and every later change
//! reaches it.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::close::close;
use crate::auth::{Caller, bearer, caller_for_token};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Query;
use crate::infra::db::to_json;
use crate::infra::pubsub::hub::RoomEvent;
use crate::infra::pubsub::notify::KITCHEN_RECHECK;
use crate::state::AppState;
use qrorder_shared::admin::Role;
use qrorder_shared::ws::ServerMessage;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct KitchenQuery {
    /// The token, when it cannot be sent as `Authorization: Bearer`.
    token: Option<String>,
}

/// The bearer token, or `?token=`.
fn token(headers: &HeaderMap, q: KitchenQuery, what: &str) -> ApiResult<String> {
    bearer(headers)
        .map(str::to_owned)
        .or(q.token)
        .ok_or_else(|| ApiError::unauthorized(format!("send the {what} token")))
}

/// Order placed/status and menu changes of the caller's restaurant.
#[utoipa::path(get, path = "/ws/kitchen", tag = "ws", params(KitchenQuery),
    responses((status = 101, description = "WebSocket of `order_placed`, `order_status`, `menu_changed`"),
              (status = 401, body = qrorder_shared::ErrorBody)))]
pub async fn kitchen_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<KitchenQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(super::close::not_a_websocket)?;
    let token = token(&headers, q, "device")?;
    let caller = caller_for_token(&state, &token).await?;
    Ok(feed(state, upgrade, caller, token))
}

/// The console's live orders: the same feed, for owners and staff only.
#[utoipa::path(get, path = "/ws/staff", tag = "ws", params(KitchenQuery),
    responses((status = 101, description = "WebSocket of `resync`, `order_placed`, `order_status`, `menu_changed`"),
              (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, description = "a device token", body = qrorder_shared::ErrorBody)))]
pub async fn staff_socket(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<KitchenQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let upgrade = upgrade.map_err(super::close::not_a_websocket)?;
    let token = token(&headers, q, "session")?;
    let caller = caller_for_token(&state, &token).await?;
    caller.require(&[Role::Owner, Role::Staff], "open the staff console's feed")?;
    Ok(feed(state, upgrade, caller, token))
}

fn feed(state: AppState, upgrade: WebSocketUpgrade, caller: Caller, token: String) -> Response {
    let channel = state.keys.kitchen_channel(caller.restaurant_id);
    let device = caller.role == Role::Device;
    upgrade
        .max_message_size(super::diner::FRAME_LIMIT)
        .on_upgrade(move |socket| run(state, socket, channel, token, device))
}

/// How often a kitchen socket's token is checked again (expired sessions
/// are shut out; a revoked device is at once, by `KITCHEN_RECHECK`) and
/// the socket pinged.
const RECHECK: Duration = Duration::from_secs(30);

/// `device`: a kitchen screen, noted as seen when its socket opens and at
/// each check (the console shows when each screen was last seen).
async fn run(state: AppState, mut socket: WebSocket, channel: String, token: String, device: bool) {
    if device {
        crate::devices::seen(&state, &token).await;
    }
    let hub = state.hub.clone();
    let (_guard, mut closing) = hub.session();
    let mut room = hub.join(&channel).await;
    // Subscribed now: the screen (re)loads open orders on `resync`, so
    // nothing that happened before this moment is missed.
    let subscribed = Utf8Bytes::from(to_json(&ServerMessage::Resync));
    if socket.send(Message::Text(subscribed)).await.is_err() {
        drop(room);
        hub.leave(&channel).await;
        return;
    }
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => last_heard = Instant::now(), // nothing to say to us but pongs
            },
            event = room.recv() => {
                let text = match event {
                    // Access changed somewhere in the restaurant: is ours still good?
                    Ok(RoomEvent::Message(text)) if text.as_ref() == KITCHEN_RECHECK => {
                        if !still_allowed(&state, &mut socket, &token).await {
                            break;
                        }
                        continue;
                    }
                    Ok(RoomEvent::Message(text)) => Utf8Bytes::from(text.as_ref()),
                    // Lost messages: the screen reloads open orders from the admin API.
                    Ok(RoomEvent::Resync) | Err(RecvError::Lagged(_)) => Utf8Bytes::from(to_json(&ServerMessage::Resync)),
                    Err(RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
            _ = recheck.tick() => {
                if !still_allowed(&state, &mut socket, &token).await {
                    break;
                }
                if device {
                    crate::devices::seen(&state, &token).await;
                }
                if last_heard.elapsed() > 2 * RECHECK {
                    close(&mut socket, close_code::AWAY, "no answer to pings").await;
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            _ = closing.changed() => {
                close(&mut socket, close_code::AWAY, "server shutting down; reconnect").await;
                break;
            }
        }
    }
    drop(room);
    hub.leave(&channel).await;
}

/// Whether the socket's token still opens the feed; if not, the socket is
/// closed with 1008.
async fn still_allowed(state: &AppState, socket: &mut WebSocket, token: &str) -> bool {
    if caller_for_token(state, token).await.is_ok() {
        return true;
    }
    close(socket, close_code::POLICY, "token revoked or expired").await;
    false
}
