//! The transaction that places an order: the visit still open, the items
//! as they were priced, stock taken, the day's number, the order with its
//! lines and its outbox row. Each backend writes it its own way
//! (`postgres`, `sqlite`) with the statements of `sql`.

mod postgres;
mod sql;
mod sqlite;

use qrorder_shared::admin::Restaurant;
use qrorder_shared::bill::tax_and_total;
use qrorder_shared::order::{Diner, NewOrderItem, Order, OrderLine, StaffMember};
use qrorder_shared::stream::OrderPayload;
use qrorder_shared::{MenuItemId, Money};

use crate::http::error::{ApiError, ApiResult};
use crate::infra::db::{Backend, Db, now_ms, to_json};
use crate::menu;
use crate::state::AppState;
use crate::tables::TableByToken;

use super::rules::{PricedLine, business_day, price_lines};

/// The visit's bill was closed since the page was opened.
pub(super) fn visit_closed() -> ApiError {
    ApiError::conflict(
        "visit_closed",
        "This table's bill has been closed since the page was opened. Scan the code on your table again to order.",
    )
}

/// A committed order, its outbox row and that row's payload.
pub(super) struct Placed {
    pub order: Order,
    pub outbox_id: i64,
    pub payload: String,
    /// Its items with limited stock (their remaining count changed).
    pub limited: Vec<MenuItemId>,
}

pub(super) enum Placement {
    DuplicateKey,
    Refused(ApiError),
}

impl<E: Into<ApiError>> From<E> for Placement {
    fn from(e: E) -> Self {
        Placement::Refused(e.into())
    }
}

/// What is to be placed: checked, priced lines for an open visit.
pub(super) struct Placing<'a> {
    pub restaurant: &'a Restaurant,
    pub table: &'a TableByToken,
    /// The token the diner ordered with (`None`: staff, by the table's id).
    pub token: Option<&'a str>,
    pub visit_id: i64,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub lines: &'a [PricedLine],
    /// Who added each of `lines` to the shared cart (`None`: the table).
    pub added_by: &'a [Option<Diner>],
    /// The staff member who entered the order from the console.
    pub entered_by: Option<&'a StaffMember>,
}

/// Places the order (`insert_once`). When the menu its lines were priced
/// against (this process's cache) turns out older than the database, the
/// cache forgets it and the request's `items` are priced again against
/// the database, once: a changed item is then the diner's 409
/// `menu_changed`, an unchanged one is ordered.
pub(super) async fn insert(
    state: &AppState,
    p: &Placing<'_>,
    items: &[NewOrderItem],
) -> Result<Placed, Placement> {
    if let Some(placed) = insert_once(&state.db, p).await? {
        return Ok(placed);
    }
    let lines = price_afresh(state, p.restaurant, items).await?;
    insert_once(
        &state.db,
        &Placing {
            lines: &lines,
            ..*p
        },
    )
    .await?
    // Changed again within these milliseconds: the diner reviews it.
    .ok_or_else(|| {
        ApiError::conflict(
            "menu_changed",
            "Some items changed while the order was being placed; please review your order.",
        )
        .into()
    })
}

/// The cached menu of `r` was found older than the database: forget it and
/// price `items` against the menu read again.
pub(super) async fn price_afresh(
    state: &AppState,
    r: &Restaurant,
    items: &[NewOrderItem],
) -> ApiResult<Vec<PricedLine>> {
    state.caches.menu_changed(r.id);
    price_lines(items, &menu::cached_items(state, r).await?)
}

/// An order's sums and business day, computed before it is written.
struct Sums {
    now: i64,
    subtotal: i64,
    tax: i64,
    total: i64,
    day: String,
}

/// The ids the order's writes gave it: its own, its number, its lines'
/// (in the order of its lines).
struct Ids {
    order_id: i64,
    number: i64,
    line_ids: Vec<i64>,
}

/// Checks the items, takes stock, numbers the order, writes it with its
/// items and its outbox row, all or nothing (on PostgreSQL the number
/// before, in a statement of its own). `None`: an item is no longer as
/// the lines were priced (a cached menu was older than the database), and
/// nothing was written. SQLite writes it in two hand-offs to its
/// connection's thread (`sqlite`), PostgreSQL in one statement after the
/// number's (`postgres`).
async fn insert_once(db: &Db, p: &Placing<'_>) -> Result<Option<Placed>, Placement> {
    let r = p.restaurant;
    let now = now_ms();
    let subtotal = p
        .lines
        .iter()
        .try_fold(0i64, |s, l| s.checked_add(l.line_total_minor));
    let subtotal =
        subtotal.ok_or_else(|| ApiError::invalid("items", "the order total is out of range"))?;
    let (tax, total) = tax_and_total(subtotal, r.tax_rate_bp, r.tax_included);
    let sums = Sums {
        now,
        subtotal,
        tax,
        total,
        day: business_day(&r.timezone, now),
    };
    match db.backend {
        Backend::Sqlite => sqlite::insert_once(db, p, &sums).await,
        Backend::Postgres => postgres::insert_once(db, p, &sums).await,
    }
}

/// The order as written, and its stream payload (its outbox row's).
fn written(p: &Placing<'_>, sums: &Sums, ids: Ids) -> (Order, String) {
    let currency = p.restaurant.currency;
    let items = p
        .lines
        .iter()
        .zip(ids.line_ids)
        .enumerate()
        .map(|(index, (l, id))| OrderLine {
            id,
            menu_item_id: l.item.id,
            name: l.item.name.clone(),
            qty: l.qty,
            unit_price: Money::new(l.unit_price_minor, currency),
            options: l.options.clone(),
            note: l.note.clone(),
            station: l.item.station.clone(),
            line_total: Money::new(l.line_total_minor, currency),
            added_by: p.added_by.get(index).cloned().flatten(),
            entered_by: p.entered_by.cloned(),
            voided: None,
        })
        .collect();
    let order = Order {
        id: ids.order_id,
        number: u32::try_from(ids.number).unwrap_or(u32::MAX),
        table_id: p.table.id,
        table_name: p.table.name.clone(),
        visit_id: p.visit_id,
        status: qrorder_shared::order::OrderStatus::Placed,
        items,
        subtotal: Money::new(sums.subtotal, currency),
        tax: Money::new(sums.tax, currency),
        total: Money::new(sums.total, currency),
        created_at: sums.now,
        accepted_at: None,
        preparing_at: None,
        ready_at: None,
        served_at: None,
        cancelled_at: None,
        kitchen_confirmed_at: None,
    };
    let payload = to_json(&OrderPayload::of(p.restaurant.id, &order));
    (order, payload)
}

/// The committed order as placed.
fn placed(order: Order, outbox_id: i64, payload: String, lines: &[PricedLine]) -> Placed {
    let mut limited: Vec<MenuItemId> = lines
        .iter()
        .filter(|l| l.item.stock.is_some())
        .map(|l| l.item.id)
        .collect();
    limited.sort();
    limited.dedup();
    Placed {
        order,
        outbox_id,
        payload,
        limited,
    }
}
