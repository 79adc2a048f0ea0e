//! Orders as staff and kitchen devices handle them: lists, details and
//! status changes. Cancelling gives the stock back.

use axum::extract::State;
use axum::http::HeaderMap;
use qrorder_shared::TableId;
use qrorder_shared::admin::Role;
use qrorder_shared::order::{Order, OrderStatus, StatusChange};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
use crate::infra::db::now_ms;
use crate::state::AppState;

use super::store::{self, Filter};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(super) struct ListQuery {
    /// Comma-separated statuses, e.g. `placed,accepted,preparing`.
    #[param(value_type = Option<Vec<OrderStatus>>, style = Form, explode = false)]
    status: Option<String>,
    table_id: Option<i64>,
    /// Unix milliseconds, inclusive.
    since: Option<i64>,
    /// Unix milliseconds, exclusive.
    until: Option<i64>,
    /// At most this many (default 200, at most 1000), oldest first.
    limit: Option<i64>,
    /// The `Next-Cursor` of the page before: the orders after it.
    cursor: Option<i64>,
}

/// Orders, oldest first, a page at a time: `Next-Cursor` says that more follow.
#[utoipa::path(get, path = "/orders", tag = "orders", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<Order>,
               headers(("Next-Cursor" = i64, description = "more orders match: ask again with `cursor` set to this"))),
              (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn list_orders(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<(HeaderMap, Json<Vec<Order>>)> {
    let statuses = match q.status.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| {
                OrderStatus::parse(s.trim()).ok_or_else(|| {
                    ApiError::invalid("status", format!("`{s}` is not an order status"))
                })
            })
            .collect::<ApiResult<_>>()?,
    };
    let filter = Filter {
        statuses,
        table_id: q.table_id.map(TableId),
        visit_id: None,
        since: q.since,
        until: q.until,
        after_id: q.cursor,
        limit: q.limit.unwrap_or(200),
    };
    Ok(super::paged(
        store::list(&state.db, caller.restaurant_id, &filter).await?,
    ))
}

#[utoipa::path(get, path = "/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = i64, Path, description = "order id")),
    responses((status = 200, body = Order), (status = 404, body = qrorder_shared::ErrorBody)))]
pub(super) async fn get_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Order>> {
    Ok(Json(
        store::load(&state.db, caller.restaurant_id, id).await?,
    ))
}

/// Move an order along placed → accepted → preparing → ready → served
/// (steps may be skipped; `ready → preparing` recalls), or cancel it before
/// it is served, which returns its stock. Devices may set `preparing` and
/// `ready` only.
#[utoipa::path(patch, path = "/orders/{id}", tag = "orders", security(("bearer" = [])), request_body = StatusChange,
    params(("id" = i64, Path, description = "order id")),
    responses((status = 200, body = Order), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody, description = "`illegal_transition`")))]
pub(super) async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(change): Json<StatusChange>,
) -> ApiResult<Json<Order>> {
    let next = change.status;
    if caller.role == Role::Device && !matches!(next, OrderStatus::Preparing | OrderStatus::Ready) {
        return Err(ApiError::forbidden(
            "a kitchen device may only mark orders preparing or ready",
        ));
    }
    let column = match next {
        OrderStatus::Placed => "created_at",
        OrderStatus::Accepted => "accepted_at",
        OrderStatus::Preparing => "preparing_at",
        OrderStatus::Ready => "ready_at",
        OrderStatus::Served => "served_at",
        OrderStatus::Cancelled => "cancelled_at",
    };
    // Compare-and-set on the status we checked: of two concurrent changes
    // only one applies; the other is judged again against the new status
    // (a bump to ready stays legal after someone else accepted the order).
    let mut attempts = 0;
    let mut tx = loop {
        attempts += 1;
        let current = store::load(&state.db, caller.restaurant_id, id).await?;
        if !current.status.can_become(next) {
            return Err(illegal(current.status, next));
        }
        let mut tx = state.db.pool.begin().await?;
        let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE orders SET status = $1, {column} = $2 WHERE id = $3 AND restaurant_id = $4 AND status = $5"
        )))
        .bind(next.as_str())
        .bind(now_ms())
        .bind(id)
        .bind(caller.restaurant_id.0)
        .bind(current.status.as_str())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 1 {
            break tx;
        }
        if attempts >= 5 {
            return Err(ApiError::unavailable(
                "the order is being changed by others; try again",
            ));
        }
    };
    if next == OrderStatus::Cancelled {
        super::stock::give_back(
            &mut tx,
            caller.restaurant_id,
            super::stock::Returned::Order(id),
        )
        .await?;
    }
    tx.commit().await?;
    let order = store::load(&state.db, caller.restaurant_id, id).await?;
    let (state2, restaurant, visit) = (state.clone(), caller.restaurant_id, order.visit_id);
    let items: Vec<_> = order.items.iter().map(|l| l.menu_item_id).collect();
    tokio::spawn(async move {
        state2
            .notify()
            .order_status(restaurant, visit, id, next)
            .await;
        if next == OrderStatus::Cancelled {
            let limited = super::stock::limited_items(&state2.db, restaurant, items).await;
            state2.notify().menu_changed(restaurant, limited).await;
        }
    });
    Ok(Json(order))
}

fn illegal(from: OrderStatus, to: OrderStatus) -> ApiError {
    ApiError::conflict(
        qrorder_shared::error::codes::ILLEGAL_TRANSITION,
        format!(
            "an order that is {} cannot become {}",
            from.as_str(),
            to.as_str()
        ),
    )
    .with_details(json!({ "current_status": from, "requested_status": to }))
}
