//! `Idempotency-Key`: a retried order returns the first result and
//! creates nothing; a key reused for another order is refused.

use axum::http::{HeaderMap, StatusCode};
use qrorder_shared::order::{NewOrder, Order};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::infra::db::{Db, to_json};
use crate::tables::TableByToken;

use super::store;

pub(super) fn idempotency_key(headers: &HeaderMap) -> ApiResult<String> {
    idempotency_key_for(headers, "order")
}

/// The `Idempotency-Key` header of a request that must not happen twice
/// (an order, a payment): 1 to 100 visible ASCII characters.
pub fn idempotency_key_for(headers: &HeaderMap, what: &str) -> ApiResult<String> {
    let value = headers.get("idempotency-key").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_required",
            format!("send a unique `Idempotency-Key` header with every {what}, so that a retry cannot make it twice"),
        )
    })?;
    match value.to_str() {
        Ok(k) if (1..=100).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(k.to_owned())
        }
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "the Idempotency-Key must be 1 to 100 visible ASCII characters",
        )),
    }
}

pub(super) fn hash_request(req: &NewOrder) -> String {
    // Location and cart version change between honest retries; the order does not.
    request_hash(&(req.visit_id, &req.items))
}

/// What a request under an `Idempotency-Key` is remembered by: the SHA-256
/// of the parts that must be the same in a retry (an order, a payment).
pub fn request_hash(parts: &impl Serialize) -> String {
    hex::encode(Sha256::digest(to_json(parts).as_bytes()))
}

/// A key seen before must come with the same request; 422 when it was used
/// for a different `what` (order, payment).
pub fn same_request(stored_hash: &str, hash: &str, what: &str) -> ApiResult<()> {
    if stored_hash == hash {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        format!(
            "this Idempotency-Key was already used for a different {what}; use a new key per {what}"
        ),
    ))
}

/// The answer to a placement that lost the race for its key: the order the
/// same key placed a moment before (200).
pub(super) async fn raced(
    db: &Db,
    table: &TableByToken,
    key: &str,
    hash: &str,
) -> ApiResult<(StatusCode, Json<Order>)> {
    by_key(db, table, key, hash)
        .await?
        .map(|o| (StatusCode::OK, Json(o)))
        .ok_or_else(|| ApiError::internal("duplicate idempotency key without an order"))
}

/// What a diner's order needs to know before it is placed, in one
/// statement: the order placed earlier under this key (422 when the key
/// was used for a different order), else the table's open visit (`None`:
/// the table has none open).
pub(super) enum Before {
    Placed(Box<Order>),
    Visit(Option<i64>),
}

pub(super) async fn before_placing(
    db: &Db,
    table: &TableByToken,
    key: &str,
    hash: &str,
) -> ApiResult<Before> {
    let row = sqlx::query(
        "SELECT o.id AS order_id, o.request_hash, \
         (SELECT v.id FROM table_visits v WHERE v.table_id = $1 AND v.closed_at IS NULL) AS visit_id \
         FROM (SELECT 1 AS one) x \
         LEFT JOIN orders o ON o.table_id = $1 AND o.idempotency_key = $2",
    )
    .bind(table.id.0)
    .bind(key)
    .fetch_one(&db.pool)
    .await?;
    match row.try_get::<Option<i64>, _>("order_id")? {
        Some(id) => {
            same_request(&row.try_get::<String, _>("request_hash")?, hash, "order")?;
            Ok(Before::Placed(Box::new(
                store::load(db, table.restaurant_id, id).await?,
            )))
        }
        None => Ok(Before::Visit(row.try_get("visit_id")?)),
    }
}

/// The order placed earlier under this key; 422 when the key was used for
/// a different order.
pub(super) async fn by_key(
    db: &Db,
    table: &TableByToken,
    key: &str,
    hash: &str,
) -> ApiResult<Option<Order>> {
    let row = sqlx::query(
        "SELECT id, request_hash FROM orders WHERE table_id = $1 AND idempotency_key = $2",
    )
    .bind(table.id.0)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    same_request(&row.try_get::<String, _>("request_hash")?, hash, "order")?;
    Ok(Some(
        store::load(db, table.restaurant_id, row.try_get("id")?).await?,
    ))
}
