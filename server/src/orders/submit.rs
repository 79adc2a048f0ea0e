//! Placing an order (the handler): resolve the table, check the location,
//! price the lines against the menu, check the shared cart, then place it
//! in one transaction (`place`) and announce it. The kitchen stream is fed
//! from the outbox after the commit.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use qrorder_shared::admin::Restaurant;
use qrorder_shared::order::{NewOrder, Order};
use qrorder_shared::{MenuItemId, RestaurantId};

use crate::cart::CartRef;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::now_ms;
use crate::infra::ratelimit::{self, Bucket, address_key};
use crate::state::AppState;
use crate::tables::{current_visit, table_by_token};
use crate::{location, menu, restaurant};

use super::idempotency::{Before, before_placing, hash_request, idempotency_key, raced};
use super::place::{self, Placed, Placement, Placing, visit_closed};
use super::rules::price_lines;
use super::{from_cart, outbox};

/// Place an order for the table. Send a unique `Idempotency-Key` per order:
/// repeating it returns the first result (200) and creates nothing.
#[utoipa::path(post, path = "/tables/{token}/orders", tag = "diners", request_body = NewOrder,
    params(("token" = String, Path, description = "the table's token"),
           ("Idempotency-Key" = String, Header, description = "unique per order, 1 to 100 visible ASCII characters")),
    responses(
        (status = 201, body = Order, description = "placed"),
        (status = 200, body = Order, description = "already placed with this Idempotency-Key"),
        (status = 403, body = qrorder_shared::ErrorBody, description = "`outside_restaurant` with `details.reason`"),
        (status = 404, body = qrorder_shared::ErrorBody),
        (status = 409, body = qrorder_shared::ErrorBody, description = "`menu_changed`, `sold_out`, `visit_closed`"),
        (status = 422, body = qrorder_shared::ErrorBody, description = "`invalid_item`, `negative_price`, `invalid_location` (coordinates off the globe), …"),
        (status = 429, body = qrorder_shared::ErrorBody, description = "`too_many_orders`: the restaurant's order limits (`details.limit`: `visit` or `client`)",
         headers(("Retry-After" = u64, description = "seconds until an order would be accepted")))))]
pub(super) async fn place_order(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Json(req): Json<NewOrder>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    let key = idempotency_key(&headers)?;
    let table = table_by_token(&state, &token).await?;
    let r = restaurant::cached(&state, table.restaurant_id).await?;
    let client = location::guard(&r, peer, &headers, req.location.as_ref(), now_ms())?;

    let request_hash = hash_request(&req);
    let visit_id = match before_placing(&state.db, &table, &key, &request_hash).await? {
        Before::Placed(existing) => return Ok((StatusCode::OK, Json(*existing))),
        Before::Visit(Some(open)) => open,
        // None open: the page's visit was closed (this opens the next).
        Before::Visit(None) => current_visit(&state.db, r.id, table.id).await?.id,
    };
    if req.visit_id != visit_id {
        return Err(visit_closed());
    }
    // After the idempotency check: a retry of a placed order is answered
    // above, and one racing the first is counted once (by its key).
    check_order_rate(
        &state,
        &r,
        visit_id,
        &key,
        client.unwrap_or_else(|| peer.ip()),
    )
    .await?;
    let menu = menu::cached_items(&state, &r).await?;
    let lines = match price_lines(&req.items, &menu) {
        // The diner may have a newer menu than this process's cache: ask
        // the database before refusing.
        Err(e) if e.code == "menu_changed" => place::price_afresh(&state, &r, &req.items).await?,
        priced => priced?,
    };
    let cart = CartRef::new(&state.keys, r.id, visit_id);
    let cart_lines = match req.cart_version {
        Some(version) => {
            from_cart::check_and_claim(&state, &cart, version, &req.items, &key).await?
        }
        None => Vec::new(),
    };
    // Who added each line, as the cart says: the table's when not from it.
    let added_by = from_cart::attribute(&req.items, &cart_lines);
    let ordered_lines: Vec<String> = cart_lines.into_iter().map(|l| l.line_id).collect();

    let placing = Placing {
        restaurant: &r,
        table: &table,
        token: Some(&token),
        visit_id,
        key: &key,
        request_hash: &request_hash,
        lines: &lines,
        added_by: &added_by,
        entered_by: None,
    };
    let placed = place::insert(&state, &placing, &req.items).await;
    let placed = match placed {
        Ok(placed) => placed,
        // The same key raced us and won: its order is the answer.
        Err(Placement::DuplicateKey) => {
            return raced(&state.db, &table, &key, &request_hash).await;
        }
        Err(Placement::Refused(e)) => {
            // The cart may be ordered again (after it is fixed).
            if let (Some(version), Ok(mut conn)) = (req.cart_version, state.redis.conn().await) {
                let _ = cart.release(&mut conn, version, &key).await;
            }
            return Err(e);
        }
    };
    let order = dispatch(&state, &r, placed, cart, ordered_lines);
    Ok((StatusCode::CREATED, Json(order)))
}

/// After the commit, for diners' and staff's orders alike: publish the
/// outbox row to the kitchen stream at once (the relay retries when that
/// fails), and announce the order (`announce`).
pub(super) fn dispatch(
    state: &AppState,
    r: &Restaurant,
    placed: Placed,
    cart: CartRef,
    ordered_lines: Vec<String>,
) -> Order {
    let Placed {
        order,
        outbox_id,
        payload,
        limited,
    } = placed;
    if state.config.outbox_immediate_publish {
        tokio::spawn(outbox::publish_now(
            state.clone(),
            outbox_id,
            r.id,
            order.id,
            None,
            payload,
        ));
    }
    tokio::spawn(announce(
        state.clone(),
        r.id,
        cart,
        ordered_lines,
        order.clone(),
        limited,
    ));
    order
}

/// The restaurant's order limits (`OrderLimits`): a token from the
/// visit's bucket and from the client address's, both or neither. 429
/// `too_many_orders` with `Retry-After` and `details.limit` (`visit` or
/// `client`). When Redis is unreachable the limit is not enforced (an
/// outage must not stop a restaurant taking orders) and a warning is logged.
async fn check_order_rate(
    state: &AppState,
    r: &Restaurant,
    visit_id: i64,
    idempotency_key: &str,
    client: IpAddr,
) -> ApiResult<()> {
    let l = r.order_limits;
    let buckets = [
        Bucket::per_minute(
            state.keys.order_rate_visit(r.id, visit_id),
            l.visit_burst,
            l.visit_per_minute,
        ),
        Bucket::per_minute(
            state.keys.order_rate_client(r.id, &address_key(client)),
            l.client_burst,
            l.client_per_minute,
        ),
    ];
    let taken = match state.redis.conn().await {
        Ok(mut conn) => {
            let once = state.keys.order_rate_seen(r.id, visit_id, idempotency_key);
            ratelimit::take(&mut conn, &buckets, Some(&once)).await
        }
        Err(e) => Err(e),
    };
    match taken {
        Ok(None) => Ok(()),
        Ok(Some(refused)) => {
            state.metrics.orders_rate_limited.inc();
            let (limit, message) = if refused.bucket == 0 {
                (
                    "visit",
                    format!(
                        "This table has placed many orders in a short time; please wait {} s before ordering again, or ask the staff.",
                        refused.retry_after_secs
                    ),
                )
            } else {
                (
                    "client",
                    format!(
                        "Too many orders are coming from your network right now; please wait {} s and try again, or ask the staff.",
                        refused.retry_after_secs
                    ),
                )
            };
            let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_orders", message)
                .with_details(serde_json::json!({ "limit": limit }));
            e.retry_after_secs = Some(refused.retry_after_secs);
            Err(e)
        }
        Err(e) => {
            tracing::warn!(error = %e, "order rate limit not enforced: Redis unreachable");
            Ok(())
        }
    }
}

/// After the commit: take the ordered lines out of the shared cart and tell
/// the table, the kitchen screens, and (for limited items) every diner.
async fn announce(
    state: AppState,
    restaurant: RestaurantId,
    cart: CartRef,
    ordered_lines: Vec<String>,
    order: Order,
    limited: Vec<MenuItemId>,
) {
    from_cart::take_ordered(&state, &cart, &ordered_lines).await;
    state.notify().order_placed(restaurant, &order).await;
    // Their remaining portions changed.
    state.notify().menu_changed(restaurant, limited).await;
}
