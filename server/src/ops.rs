//! Operations endpoints: liveness, readiness (database and Redis reachable)
//! and Prometheus metrics. Served by every role.

use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

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
    let redis = match tokio::time::timeout(limit, async {
        let mut conn = state.redis.conn().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    })
    .await
    {
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

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
