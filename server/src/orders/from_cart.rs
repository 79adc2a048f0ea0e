//! An order placed from the table's shared cart: it must be exactly the
//! cart at the version the diner saw, one order per version (claimed), and
//! its lines leave the cart once the order is committed. Each line of the
//! order is attributed to the diner who added it to the cart, as the cart
//! says (never as the request says).

use std::collections::BTreeMap;

use qrorder_shared::MenuItemId;
use qrorder_shared::order::{Diner, NewOrderItem};
use qrorder_shared::ws::CartLine;
use serde_json::json;

use crate::cart::{CartError, CartRef};
use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::to_json;
use crate::state::AppState;

/// Ordering from the shared cart: the items must be exactly the cart at
/// `version`. Returns the cart lines ordered. When Redis is down the order
/// is taken as posted (and is the table's, attributed to nobody): losing an
/// order would be worse than an unchecked cart.
pub(super) async fn check_and_claim(
    state: &AppState,
    cart: &CartRef,
    version: u64,
    items: &[NewOrderItem],
    idempotency_key: &str,
) -> ApiResult<Vec<CartLine>> {
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
    let mut posted: Vec<String> = items.iter().map(posted_key).collect();
    let mut in_cart: Vec<String> = current.lines.iter().map(cart_key).collect();
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
    Ok(current.lines)
}

/// What makes an ordered line the same as a cart line.
fn key(
    id: MenuItemId,
    qty: u32,
    options: &BTreeMap<String, Vec<String>>,
    note: &Option<String>,
) -> String {
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    to_json(&(id, qty, options, note))
}

fn posted_key(i: &NewOrderItem) -> String {
    key(i.menu_item_id, i.qty, &i.options, &i.note)
}

fn cart_key(l: &CartLine) -> String {
    key(l.item_id, l.qty, &l.options, &l.note)
}

/// Who added each of `items` (in their order), from the cart lines they were
/// checked against: every item takes the first cart line like it not taken
/// yet. Two equal lines added by two diners go one to each. `None` for an
/// item no cart line matches (an order not from the cart).
pub(super) fn attribute(items: &[NewOrderItem], lines: &[CartLine]) -> Vec<Option<Diner>> {
    let mut free: Vec<Option<&CartLine>> = lines.iter().map(Some).collect();
    let keys: Vec<String> = lines.iter().map(cart_key).collect();
    items
        .iter()
        .map(|item| {
            let wanted = posted_key(item);
            let slot = (0..free.len()).find(|&i| free[i].is_some() && keys[i] == wanted)?;
            free[slot].take().map(|l| Diner {
                client_id: l.added_by.clone(),
                nickname: l.added_by_name.clone(),
            })
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, item: i64, qty: u32, by: &str) -> CartLine {
        CartLine {
            line_id: id.into(),
            item_id: MenuItemId(item),
            qty,
            options: BTreeMap::new(),
            note: None,
            added_by: by.into(),
            added_by_name: by.to_uppercase(),
        }
    }

    fn item(id: i64, qty: u32) -> NewOrderItem {
        NewOrderItem {
            menu_item_id: MenuItemId(id),
            menu_version: 1,
            qty,
            options: BTreeMap::new(),
            note: Some("  ".into()),
        }
    }

    #[test]
    fn each_item_goes_to_the_diner_whose_cart_line_it_is_and_equal_lines_one_each() {
        let lines = [
            line("L1", 8, 1, "ann"),
            line("L2", 9, 2, "bo"),
            line("L3", 8, 1, "cy"),
        ];
        let got = attribute(&[item(9, 2), item(8, 1), item(8, 1), item(8, 3)], &lines);
        let names: Vec<Option<&str>> = got
            .iter()
            .map(|d| d.as_ref().map(|d| d.client_id.as_str()))
            .collect();
        assert_eq!(names, [Some("bo"), Some("ann"), Some("cy"), None]);
        assert_eq!(got[0].as_ref().map(|d| d.nickname.as_str()), Some("BO"));
        assert!(attribute(&[item(8, 1)], &[]).iter().all(Option::is_none));
    }
}
