//! Operations endpoints: liveness, readiness (database and Redis reachable)
//! and Prometheus metrics. Served by every role. `/metrics` says how busy
//! the restaurants are and which routes fail, so it answers only the
//! configured `metrics_token` (`QRORDER__METRICS_TOKEN`, as
//! `Authorization: Bearer`); without one configured it answers no one.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::bearer;
use crate::http::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database and Redis answer within a second each, else 503
/// naming what is down.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let limit = Duration::from_secs(1);
    let database = match tokio::time::timeout(limit, state.db.ping()).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "error: timed out".to_owned(),
    };
    let redis =
        match tokio::time::timeout(limit, async { state.redis.conn().await?.ping().await }).await {
            Ok(Ok(_)) => "ok".to_owned(),
            Ok(Err(e)) => format!("error: {e}"),
            Err(_) => "error: timed out".to_owned(),
        };
    let ready = database == "ok" && redis == "ok";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "database": database,
        "redis": redis,
    });
    (status, Json(body))
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "metrics_disabled",
            "metrics are served only with a token: set QRORDER__METRICS_TOKEN and scrape with \
             `Authorization: Bearer <token>`",
        )
        .into_response();
    };
    // Digests compared, so the time taken says nothing about the token.
    let shown = bearer(&headers).map(|t| Sha256::digest(t.as_bytes()));
    if shown != Some(Sha256::digest(expected.as_bytes())) {
        return ApiError::unauthorized("send the metrics token as `Authorization: Bearer <token>`")
            .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
