//! `GET /reports/sales`: the period's totals, cancellations and voids,
//! dishes (voided lines left out), hours and prep times.

use axum::extract::State;
use qrorder_shared::bill::tax_and_total;
use qrorder_shared::payment::PaymentMethod;
use qrorder_shared::report::{HourSales, ItemSales, MethodPayments, SalesReport, StationPrep};
use qrorder_shared::{LocalizedText, MenuItemId, Money};
use sqlx::Row;

use super::{Range, check};
use crate::auth::Caller;
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::infra::db::from_json;
use crate::restaurant;
use crate::state::AppState;

/// The orders of the period's business days, `$1` the restaurant, `$2` and
/// `$3` the first and last day (a macro: sqlx takes only static SQL).
macro_rules! period {
    () => {
        "o.restaurant_id = $1 AND o.business_day >= $2 AND o.business_day <= $3"
    };
}

/// Sales of the business days `from..=to` (owner only).
#[utoipa::path(get, path = "/reports/sales", tag = "reports", security(("bearer" = [])), params(Range),
    responses((status = 200, body = SalesReport), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn sales_report(
    State(state): State<AppState>,
    caller: Caller,
    Query(range): Query<Range>,
) -> ApiResult<Json<SalesReport>> {
    let (from, to) = check(&caller, &range)?;
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let money = |amount| Money::new(amount, r.currency);
    let pool = &state.db.pool;
    let id = caller.restaurant_id.0;
    // A query over the period's orders, its `$1`..`$3` bound.
    let in_period = |sql: &'static str| {
        sqlx::query(sql)
            .bind(id)
            .bind(from.clone())
            .bind(to.clone())
    };

    // Per visit, as its bill computes tax and total: a closed bill with the
    // tax it was closed with, an open one with today's settings.
    let visits = in_period(concat!(
        "SELECT o.visit_id, COUNT(*) AS n, CAST(SUM(o.subtotal_minor) AS BIGINT) AS subtotal, \
         MAX(v.tax_rate_bp) AS rate, MAX(v.tax_included) AS included \
         FROM orders o JOIN table_visits v ON v.id = o.visit_id WHERE ",
        period!(),
        " AND o.status <> 'cancelled' GROUP BY o.visit_id"
    ))
    .fetch_all(pool)
    .await?;
    let (mut orders, mut subtotal, mut tax, mut total) = (0u64, 0i64, 0i64, 0i64);
    for row in &visits {
        let visit_subtotal: i64 = row.try_get("subtotal")?;
        let rate = row
            .try_get::<Option<i64>, _>("rate")?
            .and_then(|bp| u32::try_from(bp).ok())
            .unwrap_or(r.tax_rate_bp);
        let included = row
            .try_get::<Option<i64>, _>("included")?
            .map_or(r.tax_included, |i| i != 0);
        let (visit_tax, visit_total) = tax_and_total(visit_subtotal, rate, included);
        orders += u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
        subtotal += visit_subtotal;
        tax += visit_tax;
        total += visit_total;
    }

    let cancelled = in_period(concat!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(o.total_minor), 0) AS BIGINT) AS total \
         FROM orders o WHERE ",
        period!(),
        " AND o.status = 'cancelled'"
    ))
    .fetch_one(pool)
    .await?;

    let voids = in_period(concat!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(v.amount_minor), 0) AS BIGINT) AS total \
         FROM order_voids v JOIN orders o ON o.id = v.order_id WHERE ",
        period!()
    ))
    .fetch_one(pool)
    .await?;

    let items = in_period(concat!(
        "SELECT i.menu_item_id, MAX(i.names) AS names, CAST(SUM(i.qty) AS BIGINT) AS qty, \
         CAST(SUM(i.line_total_minor) AS BIGINT) AS revenue \
         FROM order_items i JOIN orders o ON o.id = i.order_id \
         WHERE ",
        period!(),
        " AND o.status <> 'cancelled' AND i.void_id IS NULL GROUP BY i.menu_item_id \
         ORDER BY qty DESC, revenue DESC, i.menu_item_id"
    ))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(ItemSales {
            menu_item_id: MenuItemId(row.try_get("menu_item_id")?),
            name: from_json::<LocalizedText>("names", &row.try_get::<String, _>("names")?)?,
            qty: u64::try_from(row.try_get::<i64, _>("qty")?).unwrap_or(0),
            revenue: money(row.try_get("revenue")?),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;

    // By UTC hour in SQL; each UTC hour is one local hour (offsets are
    // whole hours or, where not, the hour it starts in).
    let tz = jiff::tz::TimeZone::get(&r.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut by_hour: Vec<HourSales> = (0..24)
        .map(|hour| HourSales {
            hour,
            orders: 0,
            total: money(0),
        })
        .collect();
    let hours = in_period(concat!(
        "SELECT o.created_at / 3600000 AS utc_hour, COUNT(*) AS n, \
         CAST(SUM(o.total_minor) AS BIGINT) AS total \
         FROM orders o WHERE ",
        period!(),
        " AND o.status <> 'cancelled' GROUP BY o.created_at / 3600000"
    ))
    .fetch_all(pool)
    .await?;
    for row in &hours {
        let utc_hour: i64 = row.try_get("utc_hour")?;
        let at = jiff::Timestamp::from_second(utc_hour.saturating_mul(3600))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let local = usize::try_from(at.to_zoned(tz.clone()).hour()).unwrap_or(0) % 24;
        by_hour[local].orders += u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
        by_hour[local].total.amount_minor += row.try_get::<i64, _>("total")?;
    }

    let prep_times = in_period(concat!(
        "SELECT t.station, COUNT(*) AS n, CAST(SUM(t.ready_at - t.created_at) AS BIGINT) AS ms \
         FROM (SELECT DISTINCT o.id, i.station, o.created_at, o.ready_at \
               FROM orders o JOIN order_items i ON i.order_id = o.id \
               WHERE ",
        period!(),
        " AND o.status <> 'cancelled' AND i.void_id IS NULL AND o.ready_at IS NOT NULL) t \
         GROUP BY t.station ORDER BY t.station"
    ))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let n: i64 = row.try_get("n")?;
        let ms: i64 = row.try_get("ms")?;
        Ok(StationPrep {
            station: row.try_get("station")?,
            orders: u64::try_from(n).unwrap_or(0),
            average_ms: if n > 0 { ms / n } else { 0 },
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;

    // Payments by the business day they were taken on.
    let paid = sqlx::query(
        "SELECT method, COUNT(*) AS n, CAST(SUM(amount_minor) AS BIGINT) AS amount FROM bill_payments \
         WHERE restaurant_id = $1 AND business_day >= $2 AND business_day <= $3 GROUP BY method",
    )
    .bind(id)
    .bind(from.clone())
    .bind(to.clone())
    .fetch_all(pool)
    .await?;
    let mut payments: Vec<MethodPayments> = PaymentMethod::ALL
        .into_iter()
        .map(|method| MethodPayments {
            method,
            count: 0,
            amount: money(0),
        })
        .collect();
    for row in &paid {
        let method: String = row.try_get("method")?;
        if let Some(m) = payments.iter_mut().find(|m| m.method.as_str() == method) {
            m.count = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
            m.amount = money(row.try_get("amount")?);
        }
    }

    Ok(Json(SalesReport {
        from,
        to,
        orders,
        subtotal: money(subtotal),
        tax: money(tax),
        total: money(total),
        average_order: money(if orders > 0 {
            total / i64::try_from(orders).unwrap_or(1)
        } else {
            0
        }),
        cancelled_orders: u64::try_from(cancelled.try_get::<i64, _>("n")?).unwrap_or(0),
        cancelled_total: money(cancelled.try_get("total")?),
        voids: u64::try_from(voids.try_get::<i64, _>("n")?).unwrap_or(0),
        voided_total: money(voids.try_get("total")?),
        items,
        by_hour,
        prep_times,
        payments,
    }))
}
