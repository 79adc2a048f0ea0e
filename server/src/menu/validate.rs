//! The checks every menu item passes, new or as it would be after a
//! patch: names, price, category, station, stock and option groups.

use std::collections::HashSet;

use qrorder_shared::RestaurantId;
use qrorder_shared::menu::{NewMenuItem, OptionGroup};

use axum::http::StatusCode;
use serde_json::json;

use crate::devices::validate_station;
use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::Db;

const MAX_PRICE_MINOR: i64 = 10_000_000_000;
const MAX_STOCK: i64 = 1_000_000;

/// Checks every field of an item (new, or as it would be after a patch).
pub async fn validate_new_item(
    db: &Db,
    restaurant: RestaurantId,
    mut item: NewMenuItem,
) -> ApiResult<NewMenuItem> {
    super::categories::load(db, restaurant, item.category_id)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "category_id",
                format!("there is no category {}", item.category_id),
            )
        })?;
    if let Some(p) = item.name.problem(200) {
        return Err(ApiError::invalid("name", p));
    }
    if let Some(p) = item.description.problem_allow_empty(2000) {
        return Err(ApiError::invalid("description", p));
    }
    if !(0..=MAX_PRICE_MINOR).contains(&item.price_minor) {
        return Err(ApiError::invalid(
            "price_minor",
            format!("must be 0 to {MAX_PRICE_MINOR}"),
        ));
    }
    if item.allergens.len() > 20
        || item.allergens.iter().any(|a| {
            !(1..=32).contains(&a.len())
                || !a
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-')
        })
    {
        return Err(ApiError::invalid(
            "allergens",
            "at most 20 codes of a-z, `_`, `-` (e.g. `gluten`, `tree_nuts`)",
        ));
    }
    validate_option_groups(&item.option_groups)?;
    check_lowest_price(item.price_minor, &item.option_groups)?;
    item.station = validate_station(&item.station)?;
    if let Some(stock) = item.stock.filter(|s| !(0..=MAX_STOCK).contains(s)) {
        return Err(ApiError::invalid(
            "stock",
            format!("{stock} is outside 0 to {MAX_STOCK}; use null for unlimited"),
        ));
    }
    Ok(item)
}

fn validate_option_groups(groups: &[OptionGroup]) -> ApiResult<()> {
    let field = "option_groups";
    let mut group_ids = HashSet::new();
    for g in groups {
        let slug_ok = |s: &str| {
            (1..=40).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !slug_ok(&g.id) || !group_ids.insert(g.id.as_str()) {
            return Err(ApiError::invalid(
                field,
                format!(
                    "group id `{}` must be unique, 1 to 40 of a-z, 0-9, `-`, `_`",
                    g.id
                ),
            ));
        }
        if let Some(p) = g.name.problem(100) {
            return Err(ApiError::invalid(
                field,
                format!("group `{}` name {p}", g.id),
            ));
        }
        if g.options.is_empty() || g.options.len() > 50 {
            return Err(ApiError::invalid(
                field,
                format!("group `{}` needs 1 to 50 options", g.id),
            ));
        }
        let n = u32::try_from(g.options.len()).unwrap_or(u32::MAX);
        if g.max == 0 || g.min > g.max || g.max > n {
            return Err(ApiError::invalid(
                field,
                format!(
                    "group `{}` needs 0 ≤ min ≤ max, 1 ≤ max ≤ {n} (the number of options)",
                    g.id
                ),
            ));
        }
        let mut option_ids = HashSet::new();
        for o in &g.options {
            if !slug_ok(&o.id) || !option_ids.insert(o.id.as_str()) {
                return Err(ApiError::invalid(
                    field,
                    format!(
                        "option id `{}` in `{}` must be unique, 1 to 40 of a-z, 0-9, `-`, `_`",
                        o.id, g.id
                    ),
                ));
            }
            if let Some(p) = o.name.problem(100) {
                return Err(ApiError::invalid(
                    field,
                    format!("option `{}` name {p}", o.id),
                ));
            }
            if o.price_delta_minor.abs() > MAX_PRICE_MINOR {
                return Err(ApiError::invalid(
                    field,
                    format!("option `{}` price_delta_minor is too large", o.id),
                ));
            }
        }
    }
    Ok(())
}

/// The lowest unit price a diner can reach by choosing options (each
/// group's `min` cheapest options, plus every further discount up to its
/// `max`) must not be below zero: a negative delta is a discount, never a
/// refund. Checked for a new item and after every patch, so a lower item
/// price cannot turn an existing option negative either.
fn check_lowest_price(price_minor: i64, groups: &[OptionGroup]) -> ApiResult<()> {
    let mut lowest = i128::from(price_minor);
    // The options of that cheapest choice that lower the price.
    let mut discounts = Vec::new();
    for g in groups {
        let mut by_delta: Vec<_> = g.options.iter().collect();
        by_delta.sort_by_key(|o| o.price_delta_minor);
        for (n, o) in by_delta.iter().enumerate() {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            let must = n < g.min;
            let may = n < g.max && o.price_delta_minor < 0;
            if !(must || may) {
                break;
            }
            lowest += i128::from(o.price_delta_minor);
            if o.price_delta_minor < 0 {
                discounts.push((g, *o));
            }
        }
    }
    if lowest >= 0 {
        return Ok(());
    }
    let lowest = i64::try_from(lowest).unwrap_or(i64::MIN);
    let named: Vec<String> = discounts
        .iter()
        .map(|(g, o)| format!("`{}` ({}) of `{}`", o.id, o.price_delta_minor, g.id))
        .collect();
    let which = if named.len() == 1 {
        format!("option {}", named[0])
    } else {
        format!("options {} together", named.join(", "))
    };
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "negative_price",
        format!(
            "{which} would make the item's price negative ({price_minor} + options = {lowest}); \
             an option may lower the price to 0 at most"
        ),
    )
    .with_details(json!({
        "field": "option_groups",
        "lowest_price_minor": lowest,
        "options": discounts
            .iter()
            .map(|(g, o)| json!({ "group_id": g.id, "option_id": o.id }))
            .collect::<Vec<_>>(),
    })))
}
