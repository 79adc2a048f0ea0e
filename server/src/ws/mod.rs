//! The ws role: diners' shared carts and presence, kitchen screens, all fed
//! through Redis Pub/Sub so that any number of instances serve one table.

mod diner;
pub mod hub;
mod kitchen;
pub mod notify;
mod presence;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub use diner::{FRAME_LIMIT, MESSAGE_LIMIT};

/// A plain HTTP request to a WebSocket endpoint: the error body, not
/// axum's plain text.
fn not_a_websocket(
    r: axum::extract::ws::rejection::WebSocketUpgradeRejection,
) -> crate::error::ApiError {
    use axum::response::IntoResponse;
    crate::error::ApiError::new(
        r.into_response().status(),
        "websocket_required",
        "this endpoint speaks WebSocket only; open it with a WebSocket client",
    )
}

/// Closes a socket with a code and a reason, waiting at most a second.
async fn close(socket: &mut axum::extract::ws::WebSocket, code: u16, reason: &'static str) {
    use axum::extract::ws::{CloseFrame, Message};
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        socket.send(Message::Close(Some(frame))),
    )
    .await;
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(diner::diner_socket))
        .routes(routes!(kitchen::kitchen_socket))
}
