//! Reading orders back: one order, the orders of a visit, filtered lists
//! in pages (keyset: `after_id`, the last id of the page before).
//! Items are snapshots taken when the order was placed.

use std::collections::HashMap;

use qrorder_shared::order::{
    ChosenOption, Diner, LineVoid, Order, OrderLine, OrderStatus, StaffMember,
};
use qrorder_shared::{Currency, MenuItemId, Money, RestaurantId, TableId};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::{Db, from_json, placeholders};

const ORDER_COLUMNS: &str = "id, table_id, visit_id, table_name, number, status, currency, subtotal_minor, \
     tax_minor, total_minor, created_at, accepted_at, preparing_at, ready_at, served_at, cancelled_at, kitchen_confirmed_at";

/// Which orders a list returns; every field narrows it.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub statuses: Vec<OrderStatus>,
    pub table_id: Option<TableId>,
    pub visit_id: Option<i64>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
    /// Only orders after this one (a page's `next_cursor`).
    pub after_id: Option<i64>,
    /// The page size, 1 to [`MAX_PAGE`].
    pub limit: i64,
}

/// The most orders one page holds.
pub const MAX_PAGE: i64 = 1000;

/// One page of a list, oldest first, and where the next one starts when
/// more orders match: lists never stop silently.
#[derive(Debug)]
pub struct Page {
    pub orders: Vec<Order>,
    /// Pass as `after_id` for the next page; `None` on the last one.
    pub next_cursor: Option<i64>,
}

/// The order, if it is the restaurant's; else 404.
pub async fn load(db: &Db, restaurant: RestaurantId, id: i64) -> ApiResult<Order> {
    let filter = Filter {
        limit: 1,
        ..Filter::default()
    };
    list_where(db, restaurant, &filter, Some(id))
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("order"))
}

/// A page of the orders matching `filter`, oldest first.
pub async fn list(db: &Db, restaurant: RestaurantId, filter: &Filter) -> ApiResult<Page> {
    let limit = filter.limit.clamp(1, MAX_PAGE);
    // One more than the page, to know whether another page follows.
    let probe = Filter {
        limit: limit + 1,
        ..filter.clone()
    };
    let mut orders = list_where(db, restaurant, &probe, None).await?;
    let more = orders.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    orders.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        orders.last().map(|o| o.id)
    } else {
        None
    };
    Ok(Page {
        orders,
        next_cursor,
    })
}

/// Every order matching `filter`, however many: page after page until the
/// last (a bill must count them all).
pub async fn list_all(db: &Db, restaurant: RestaurantId, filter: &Filter) -> ApiResult<Vec<Order>> {
    let mut page_filter = Filter {
        limit: MAX_PAGE,
        ..filter.clone()
    };
    let mut all = Vec::new();
    loop {
        let page = list(db, restaurant, &page_filter).await?;
        all.extend(page.orders);
        match page.next_cursor {
            Some(after) => page_filter.after_id = Some(after),
            None => return Ok(all),
        }
    }
}

async fn list_where(
    db: &Db,
    restaurant: RestaurantId,
    f: &Filter,
    id: Option<i64>,
) -> ApiResult<Vec<Order>> {
    // Only placeholders are generated; every value is bound.
    let mut sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE restaurant_id = $1");
    let mut ints: Vec<i64> = vec![restaurant.0];
    let mut push = |sql: &mut String, clause: &str, value: i64| {
        ints.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", ints.len())));
    };
    if let Some(id) = id {
        push(&mut sql, " AND id = ?", id);
    }
    if let Some(t) = f.table_id {
        push(&mut sql, " AND table_id = ?", t.0);
    }
    if let Some(v) = f.visit_id {
        push(&mut sql, " AND visit_id = ?", v);
    }
    if let Some(s) = f.since {
        push(&mut sql, " AND created_at >= ?", s);
    }
    if let Some(u) = f.until {
        push(&mut sql, " AND created_at < ?", u);
    }
    if let Some(a) = f.after_id {
        push(&mut sql, " AND id > ?", a);
    }
    let first_status = ints.len() + 1;
    if !f.statuses.is_empty() {
        sql.push_str(&format!(
            " AND status IN ({})",
            placeholders(first_status, f.statuses.len())
        ));
    }
    // `list` asks for one more than a page.
    sql.push_str(&format!(
        " ORDER BY id LIMIT {}",
        f.limit.clamp(1, MAX_PAGE + 1)
    ));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for v in &ints {
        query = query.bind(*v);
    }
    for s in &f.statuses {
        query = query.bind(s.as_str());
    }
    let rows = query.fetch_all(&db.pool).await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut lines = lines_of(db, &ids).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            from_row(r, lines.remove(&id).unwrap_or_default())
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

async fn lines_of(db: &Db, order_ids: &[i64]) -> ApiResult<HashMap<i64, Vec<OrderLine>>> {
    let mut out: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for chunk in order_ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT i.id, i.order_id, i.menu_item_id, i.names, i.qty, i.unit_price_minor, i.options, i.note, i.station, \
             i.line_total_minor, i.added_by_client, i.added_by_name, i.entered_by_user, i.entered_by_name, \
             i.void_id, v.reason AS void_reason, v.created_at AS voided_at, v.voided_by_user, v.voided_by_name, \
             o.currency FROM order_items i JOIN orders o ON o.id = i.order_id LEFT JOIN order_voids v ON v.id = i.void_id \
             WHERE i.order_id IN ({}) ORDER BY i.id",
            marks.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&db.pool).await? {
            let currency = currency_of(&row)?;
            let line = OrderLine {
                id: row.try_get("id")?,
                menu_item_id: MenuItemId(row.try_get("menu_item_id")?),
                name: from_json("names", &row.try_get::<String, _>("names")?)?,
                qty: u32::try_from(row.try_get::<i64, _>("qty")?).unwrap_or(0),
                unit_price: Money::new(row.try_get("unit_price_minor")?, currency),
                options: from_json::<Vec<ChosenOption>>(
                    "options",
                    &row.try_get::<String, _>("options")?,
                )?,
                note: row.try_get("note")?,
                station: row.try_get("station")?,
                line_total: Money::new(row.try_get("line_total_minor")?, currency),
                added_by: match (
                    row.try_get::<Option<String>, _>("added_by_client")?,
                    row.try_get::<Option<String>, _>("added_by_name")?,
                ) {
                    (Some(client_id), nickname) => Some(Diner {
                        client_id,
                        nickname: nickname.unwrap_or_default(),
                    }),
                    (None, _) => None,
                },
                entered_by: staff(&row, "entered_by_user", "entered_by_name")?,
                voided: match row.try_get::<Option<i64>, _>("void_id")? {
                    Some(void_id) => Some(LineVoid {
                        void_id,
                        reason: row.try_get("void_reason")?,
                        at: row.try_get("voided_at")?,
                        by: staff(&row, "voided_by_user", "voided_by_name")?.unwrap_or_else(|| {
                            StaffMember {
                                user_id: 0,
                                name: String::new(),
                            }
                        }),
                    }),
                    None => None,
                },
            };
            out.entry(row.try_get("order_id")?).or_default().push(line);
        }
    }
    Ok(out)
}

/// A staff member from a user id and a name column, when the id is set.
fn staff(row: &AnyRow, id: &str, name: &str) -> Result<Option<StaffMember>, sqlx::Error> {
    Ok(match row.try_get::<Option<i64>, _>(id)? {
        Some(user_id) => Some(StaffMember {
            user_id,
            name: row.try_get::<Option<String>, _>(name)?.unwrap_or_default(),
        }),
        None => None,
    })
}

fn currency_of(row: &AnyRow) -> Result<Currency, sqlx::Error> {
    let code: String = row.try_get("currency")?;
    code.parse().map_err(
        |e: qrorder_shared::money::UnknownCurrency| sqlx::Error::ColumnDecode {
            index: "currency".into(),
            source: Box::new(e),
        },
    )
}

fn from_row(row: &AnyRow, items: Vec<OrderLine>) -> Result<Order, sqlx::Error> {
    let currency = currency_of(row)?;
    let status: String = row.try_get("status")?;
    Ok(Order {
        id: row.try_get("id")?,
        number: u32::try_from(row.try_get::<i64, _>("number")?).unwrap_or(0),
        table_id: TableId(row.try_get("table_id")?),
        table_name: row.try_get("table_name")?,
        visit_id: row.try_get("visit_id")?,
        status: OrderStatus::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "status".into(),
            source: format!("unknown status {status}").into(),
        })?,
        items,
        subtotal: Money::new(row.try_get("subtotal_minor")?, currency),
        tax: Money::new(row.try_get("tax_minor")?, currency),
        total: Money::new(row.try_get("total_minor")?, currency),
        created_at: row.try_get("created_at")?,
        accepted_at: row.try_get("accepted_at")?,
        preparing_at: row.try_get("preparing_at")?,
        ready_at: row.try_get("ready_at")?,
        served_at: row.try_get("served_at")?,
        cancelled_at: row.try_get("cancelled_at")?,
        kitchen_confirmed_at: row.try_get("kitchen_confirmed_at")?,
    })
}
