//! How the ws role turns a socket away: the error body for a plain HTTP
//! request, and a close frame with a code and a reason.

/// A plain HTTP request to a WebSocket endpoint: the error body, not
/// axum's plain text.
pub(super) fn not_a_websocket(
    r: axum::extract::ws::rejection::WebSocketUpgradeRejection,
) -> crate::http::error::ApiError {
    use axum::response::IntoResponse;
    crate::http::error::ApiError::new(
        r.into_response().status(),
        "websocket_required",
        "this endpoint speaks WebSocket only; open it with a WebSocket client",
    )
}

/// Closes a socket with a code and a reason, waiting at most a second.
pub(super) async fn close(
    socket: &mut axum::extract::ws::WebSocket,
    code: u16,
    reason: &'static str,
) {
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

/// Closes with a code and a reason, then reads what the page sent
/// meanwhile until its close answer (at most 2 s): dropping unread data
/// would reset the connection, and the page might see 1006 instead of the
/// code.
pub(super) async fn close_and_drain(
    socket: &mut axum::extract::ws::WebSocket,
    code: u16,
    reason: &'static str,
) {
    close(socket, code, reason).await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        while let Some(Ok(m)) = socket.recv().await {
            if matches!(m, axum::extract::ws::Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}
