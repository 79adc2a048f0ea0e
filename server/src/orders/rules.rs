//! The pure rules of an order, shared with the cart and the diners'
//! socket (which check a line as it is added): limits, options, pricing and
//! the business day. No I/O here; a lower floor than every handler.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::http::StatusCode;
use qrorder_shared::MenuItemId;
use qrorder_shared::menu::MenuItem;
use qrorder_shared::order::{ChosenOption, NewOrderItem};
use serde_json::json;

use crate::http::error::{ApiError, ApiResult};

pub const MAX_LINES: usize = 50;
pub const MAX_QTY: u32 = 99;
pub const MAX_NOTE_CHARS: usize = 200;

/// An order line, checked against the current menu and priced.
pub struct PricedLine {
    pub item: MenuItem,
    pub qty: u32,
    pub options: Vec<ChosenOption>,
    pub note: Option<String>,
    pub unit_price_minor: i64,
    pub line_total_minor: i64,
}

fn invalid_item(index: usize, message: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_item",
        format!("item {}: {message}", index + 1),
    )
    .with_details(json!({ "index": index }))
}

/// Malformed lines are 422; lines whose item changed, vanished or is
/// unavailable are collected into one 409 `menu_changed`.
pub fn price_lines(items: &[NewOrderItem], menu: &[MenuItem]) -> ApiResult<Vec<PricedLine>> {
    if items.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_order",
            "the order has no items",
        ));
    }
    if items.len() > MAX_LINES {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_items",
            format!("an order may have at most {MAX_LINES} lines"),
        ));
    }
    let by_id: HashMap<MenuItemId, &MenuItem> = menu.iter().map(|m| (m.id, m)).collect();
    let mut changed = Vec::new();
    let mut lines = Vec::new();
    for (index, line) in items.iter().enumerate() {
        if line.qty == 0 || line.qty > MAX_QTY {
            return Err(invalid_item(
                index,
                format!("quantity must be 1 to {MAX_QTY}"),
            ));
        }
        let note = line
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS || n.chars().any(char::is_control))
        {
            return Err(invalid_item(
                index,
                format!("the note must be at most {MAX_NOTE_CHARS} characters of text"),
            ));
        }
        let Some(item) = by_id.get(&line.menu_item_id) else {
            changed.push(json!({ "menu_item_id": line.menu_item_id, "reason": "removed" }));
            continue;
        };
        if item.version != line.menu_version {
            changed.push(json!({ "menu_item_id": item.id, "reason": "changed", "current_version": item.version }));
            continue;
        }
        // Stock that ran out is answered by the stock check: `sold_out`.
        if !item.available {
            changed.push(json!({ "menu_item_id": item.id, "reason": "unavailable" }));
            continue;
        }
        let options = choose_options(item, &line.options).map_err(|e| invalid_item(index, e))?;
        let unit = options.iter().try_fold(item.price.amount_minor, |sum, o| {
            sum.checked_add(o.price_delta_minor)
        });
        let total = unit.and_then(|u| u.checked_mul(i64::from(line.qty)));
        let (Some(unit), Some(total)) = (unit, total) else {
            return Err(invalid_item(index, "the price is out of range"));
        };
        // The menu refuses options that could do this; a row written
        // before that check (or by hand) must still never lower a bill.
        if unit < 0 {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "negative_price",
                format!(
                    "item {}: these options would make its price negative; choose others or ask the staff",
                    index + 1
                ),
            )
            .with_details(json!({ "index": index })));
        }
        lines.push(PricedLine {
            item: (*item).clone(),
            qty: line.qty,
            options,
            note,
            unit_price_minor: unit,
            line_total_minor: total,
        });
    }
    if !changed.is_empty() {
        return Err(ApiError::conflict(
            "menu_changed",
            "Some items changed or are no longer available since the menu was loaded; please review your order.",
        )
        .with_details(json!({ "items": changed })));
    }
    Ok(lines)
}

/// The options a diner chose for `item`, checked against its option groups
/// (known groups and options, none twice, within each group's min and max).
pub fn choose_options(
    item: &MenuItem,
    chosen: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<ChosenOption>, String> {
    for group_id in chosen.keys() {
        if !item.option_groups.iter().any(|g| &g.id == group_id) {
            return Err(format!("`{}` has no option group `{group_id}`", item.id));
        }
    }
    let mut out = Vec::new();
    for group in &item.option_groups {
        let picks = chosen.get(&group.id).map(Vec::as_slice).unwrap_or_default();
        let n = u32::try_from(picks.len()).unwrap_or(u32::MAX);
        if n < group.min || n > group.max {
            let name = group.name.get("en").unwrap_or(&group.id);
            return Err(format!("choose {} to {} of `{name}`", group.min, group.max));
        }
        let mut seen = HashSet::new();
        for pick in picks {
            let option = group
                .options
                .iter()
                .find(|o| &o.id == pick)
                .filter(|_| seen.insert(pick));
            let Some(option) = option else {
                return Err(format!(
                    "`{pick}` is not a choice of `{}` (or is chosen twice)",
                    group.id
                ));
            };
            out.push(ChosenOption {
                group_id: group.id.clone(),
                group: group.name.clone(),
                option_id: option.id.clone(),
                option: option.name.clone(),
                price_delta_minor: option.price_delta_minor,
            });
        }
    }
    Ok(out)
}

/// The restaurant's business day of `at`: its local date, where the day
/// turns at 04:00 so that a late evening's orders stay on one day.
pub fn business_day(timezone: &str, at_ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let at = jiff::Timestamp::from_millisecond(at_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let shifted = at - jiff::SignedDuration::from_hours(4);
    shifted.to_zoned(tz).date().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrorder_shared::menu::{MenuOption, OptionGroup};
    use qrorder_shared::{CategoryId, LocalizedText, Money};

    #[test]
    fn a_unit_price_below_zero_is_never_accepted() {
        let text = |s: &str| LocalizedText::new(&[("en", s)]);
        let item = MenuItem {
            id: MenuItemId(1),
            category_id: CategoryId(1),
            name: text("Rice"),
            description: text(""),
            price: Money::new(100, "KRW".parse().expect("KRW")),
            image_url: None,
            allergens: Vec::new(),
            option_groups: vec![OptionGroup {
                id: "size".into(),
                name: text("Size"),
                min: 0,
                max: 1,
                options: vec![MenuOption {
                    id: "refund".into(),
                    name: text("Refund"),
                    price_delta_minor: -5000,
                }],
            }],
            station: "kitchen".into(),
            available: true,
            stock: None,
            version: 1,
            sort: 0,
        };
        let line = |options: &[&str]| NewOrderItem {
            menu_item_id: item.id,
            menu_version: 1,
            qty: 99,
            options: BTreeMap::from([(
                "size".to_owned(),
                options.iter().map(|o| (*o).to_owned()).collect(),
            )]),
            note: None,
        };
        let err = price_lines(&[line(&["refund"])], std::slice::from_ref(&item))
            .err()
            .expect("a negative unit price is refused");
        assert_eq!(
            (err.status, err.code),
            (StatusCode::UNPROCESSABLE_ENTITY, "negative_price")
        );
        let lines = price_lines(&[line(&[])], std::slice::from_ref(&item)).expect("priced");
        assert_eq!(lines[0].line_total_minor, 9_900);
    }

    #[test]
    fn the_business_day_turns_at_four_in_the_morning_local_time() {
        // 2026-11-25 18:30 UTC is 03:30 on the 26th in Seoul: still the 25th's business.
        let t = 1_795_631_400_000;
        assert_eq!(business_day("Asia/Seoul", t), "2026-11-25");
        // An hour later (04:30 in Seoul) the 26th begins.
        assert_eq!(business_day("Asia/Seoul", t + 3_600_000), "2026-11-26");
        assert_eq!(business_day("UTC", t), "2026-11-25");
    }
}
