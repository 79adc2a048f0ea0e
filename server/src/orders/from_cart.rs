//! An order placed from the table's shared cart: it must be exactly the
//! cart at the version the diner saw, one order per version (claimed), and
//! its lines leave the cart once the order is committed.

use std::collections::BTreeMap;

use qrorder_shared::MenuItemId;
use qrorder_shared::order::NewOrderItem;
use serde_json::json;

use crate::cart::{CartError, CartRef};
use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::to_json;
use crate::state::AppState;

/// Ordering from the shared cart: the items must be exactly the cart at `version`. Returns the ids of the
/// cart lines ordered. When Redis is down the order is taken as posted:
/// losing an order would be worse than an unchecked cart.
pub(super) async fn check_and_claim(
    state: &AppState,
    cart: &CartRef,
    version: u64,
    items: &[NewOrderItem],
    idempotency_key: &str,
) -> ApiResult<Vec<String>> {
    let current = match state.redis.conn().await {
        Ok(mut conn) => match cart.load(&mut conn).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cart not checked: Redis unavailable");
                return Ok(Vec::new());
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "cart not checked: Redis unavailable");
            return Ok(Vec::new());
        }
    };
    let key = |id: MenuItemId,
               qty: u32,
               options: &BTreeMap<String, Vec<String>>,
               note: &Option<String>| {
        let note = note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        to_json(&(id, qty, options, note))
    };
    let mut posted: Vec<String> = items
        .iter()
        .map(|i| key(i.menu_item_id, i.qty, &i.options, &i.note))
        .collect();
    let mut in_cart: Vec<String> = current
        .lines
        .iter()
        .map(|l| key(l.item_id, l.qty, &l.options, &l.note))
        .collect();
    posted.sort();
    in_cart.sort();
    let changed = |message: &str| {
        ApiError::conflict("cart_changed", message.to_owned())
            .with_details(json!({ "cart": current.clone().snapshot(Vec::new()) }))
    };
    if current.version != version || posted != in_cart {
        return Err(changed(
            "The table's cart changed while you were ordering; please check it and order again.",
        ));
    }
    // One order per cart version: two diners tapping "order" at once
    // must not send the same cart to the kitchen twice.
    let claimed = match state.redis.conn().await {
        Ok(mut conn) => cart.claim(&mut conn, version, idempotency_key).await,
        Err(e) => Err(CartError::Redis(e)),
    };
    match claimed {
        Ok(()) => {}
        Err(CartError::Redis(e)) => {
            tracing::warn!(error = %e, "cart not claimed: Redis unavailable");
        }
        Err(_) => {
            return Err(changed(
                "Someone at your table is ordering this cart right now, or it just changed.",
            ));
        }
    }
    Ok(current.lines.into_iter().map(|l| l.line_id).collect())
}

/// Takes the ordered lines out of the shared cart (after the commit).
pub(super) async fn take_ordered(state: &AppState, cart: &CartRef, ordered_lines: &[String]) {
    if ordered_lines.is_empty() {
        return;
    }
    let taken = match state.redis.conn().await {
        Ok(mut conn) => cart.take(&mut conn, ordered_lines).await.map(|_| ()),
        Err(e) => Err(CartError::Redis(e)),
    };
    if let Err(e) = taken {
        tracing::warn!(error = %e, "ordered lines not taken out of the cart");
    }
}
