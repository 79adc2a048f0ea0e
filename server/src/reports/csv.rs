//! `GET /reports/orders.csv` and `/reports/lines.csv`: the period's orders
//! and their lines for a spreadsheet. Amounts in the currency's major unit
//! (`12.50`, `9000`); times in the restaurant's time zone; text that a
//! spreadsheet would run as a formula (a diner's note starting with `=`)
//! is prefixed with `'`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qrorder_shared::order::ChosenOption;
use qrorder_shared::{Currency, LocalizedText};
use sqlx::Row;

use super::{Range, check};
use crate::auth::Caller;
use crate::http::error::ApiResult;
use crate::http::extract::Query;
use crate::infra::db::from_json;
use crate::restaurant;
use crate::state::AppState;

/// One row per order, cancelled ones included (see `status`).
#[utoipa::path(get, path = "/reports/orders.csv", tag = "reports", security(("bearer" = [])), params(Range),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn orders_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(range): Query<Range>,
) -> ApiResult<Response> {
    let (from, to) = check(&caller, &range)?;
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let rows = sqlx::query(
        "SELECT id, number, business_day, created_at, table_name, status, subtotal_minor, tax_minor, \
         total_minor FROM orders WHERE restaurant_id = $1 AND business_day >= $2 AND business_day <= $3 \
         ORDER BY id",
    )
    .bind(caller.restaurant_id.0)
    .bind(&from)
    .bind(&to)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Csv::new(&[
        "order_id",
        "number",
        "business_day",
        "placed_at",
        "table",
        "status",
        "subtotal",
        "tax",
        "total",
        "currency",
    ]);
    for row in &rows {
        out.row(&[
            row.try_get::<i64, _>("id")?.to_string(),
            row.try_get::<i64, _>("number")?.to_string(),
            row.try_get("business_day")?,
            local(&r.timezone, row.try_get("created_at")?),
            text(row.try_get("table_name")?),
            row.try_get("status")?,
            amount(row.try_get("subtotal_minor")?, r.currency),
            amount(row.try_get("tax_minor")?, r.currency),
            amount(row.try_get("total_minor")?, r.currency),
            r.currency.code().to_owned(),
        ]);
    }
    Ok(out.respond(&format!("orders-{from}-{to}.csv")))
}

/// One row per order line, cancelled orders' lines and voided lines
/// included: `voided` is the void's reason (empty for a line that stands),
/// with when and by whom. The lines neither voided nor of a cancelled
/// order add up to the orders' subtotals (`orders.csv`) and the sales
/// report's.
#[utoipa::path(get, path = "/reports/lines.csv", tag = "reports", security(("bearer" = [])), params(Range),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn lines_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(range): Query<Range>,
) -> ApiResult<Response> {
    let (from, to) = check(&caller, &range)?;
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let language = r.languages.first().cloned().unwrap_or_else(|| "en".into());
    let name = |names: &LocalizedText| names.get(&language).unwrap_or_default().to_owned();
    let rows = sqlx::query(
        "SELECT o.id, o.number, o.business_day, o.table_name, o.status, i.menu_item_id, i.names, \
         i.options, i.qty, i.unit_price_minor, i.line_total_minor, i.station, i.note, \
         v.reason AS void_reason, v.created_at AS voided_at, v.voided_by_name \
         FROM order_items i JOIN orders o ON o.id = i.order_id \
         LEFT JOIN order_voids v ON v.id = i.void_id \
         WHERE o.restaurant_id = $1 AND o.business_day >= $2 AND o.business_day <= $3 \
         ORDER BY o.id, i.id",
    )
    .bind(caller.restaurant_id.0)
    .bind(&from)
    .bind(&to)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Csv::new(&[
        "order_id",
        "number",
        "business_day",
        "table",
        "status",
        "menu_item_id",
        "item",
        "options",
        "qty",
        "unit_price",
        "line_total",
        "station",
        "note",
        "voided",
        "voided_at",
        "voided_by",
    ]);
    for row in &rows {
        let names: LocalizedText = from_json("names", &row.try_get::<String, _>("names")?)?;
        let options: Vec<ChosenOption> =
            from_json("options", &row.try_get::<String, _>("options")?)?;
        let options = options
            .iter()
            .map(|o| format!("{}: {}", name(&o.group), name(&o.option)))
            .collect::<Vec<_>>()
            .join("; ");
        out.row(&[
            row.try_get::<i64, _>("id")?.to_string(),
            row.try_get::<i64, _>("number")?.to_string(),
            row.try_get("business_day")?,
            text(row.try_get("table_name")?),
            row.try_get("status")?,
            row.try_get::<i64, _>("menu_item_id")?.to_string(),
            text(name(&names)),
            text(options),
            row.try_get::<i64, _>("qty")?.to_string(),
            amount(row.try_get("unit_price_minor")?, r.currency),
            amount(row.try_get("line_total_minor")?, r.currency),
            text(row.try_get("station")?),
            text(
                row.try_get::<Option<String>, _>("note")?
                    .unwrap_or_default(),
            ),
            text(
                row.try_get::<Option<String>, _>("void_reason")?
                    .unwrap_or_default(),
            ),
            row.try_get::<Option<i64>, _>("voided_at")?
                .map(|at| local(&r.timezone, at))
                .unwrap_or_default(),
            text(
                row.try_get::<Option<String>, _>("voided_by_name")?
                    .unwrap_or_default(),
            ),
        ]);
    }
    Ok(out.respond(&format!("lines-{from}-{to}.csv")))
}

/// RFC 4180: comma-separated, CRLF, fields quoted when they need it.
struct Csv(String);

impl Csv {
    fn new(header: &[&str]) -> Self {
        let mut csv = Csv(String::new());
        csv.row(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
        csv
    }

    fn row(&mut self, fields: &[String]) {
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            if field.contains([',', '"', '\r', '\n']) {
                self.0.push('"');
                self.0.push_str(&field.replace('"', "\"\""));
                self.0.push('"');
            } else {
                self.0.push_str(field);
            }
        }
        self.0.push_str("\r\n");
    }

    fn respond(self, file_name: &str) -> Response {
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            self.0,
        )
            .into_response()
    }
}

/// Text from people (table names, dishes, notes): a leading `=`, `+`, `-`,
/// `@`, tab or carriage return would make a spreadsheet run it.
fn text(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

/// `1250` EUR → `12.50`; `9000` KRW → `9000`.
fn amount(minor: i64, currency: Currency) -> String {
    let digits = currency.minor_digits();
    if digits == 0 {
        return minor.to_string();
    }
    let unit = 10i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let (major, rest) = (
        minor.unsigned_abs() / unit.unsigned_abs(),
        minor.unsigned_abs() % unit.unsigned_abs(),
    );
    format!("{sign}{major}.{rest:0width$}", width = digits as usize)
}

/// `YYYY-MM-DD HH:MM:SS` in the restaurant's zone.
fn local(timezone: &str, at_ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(at_ms)
        .map(|t| t.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_formulas_defused_and_amounts_in_major_units() {
        let mut csv = Csv::new(&["a", "b"]);
        csv.row(&[text("=HYPERLINK(\"x\")".into()), "plain".into()]);
        csv.row(&["line\nbreak".into(), "comma, here".into()]);
        assert_eq!(
            csv.0,
            "a,b\r\n\"'=HYPERLINK(\"\"x\"\")\",plain\r\n\"line\nbreak\",\"comma, here\"\r\n"
        );
        let eur: Currency = "EUR".parse().expect("EUR");
        let krw: Currency = "KRW".parse().expect("KRW");
        assert_eq!(amount(1250, eur), "12.50");
        assert_eq!(amount(5, eur), "0.05");
        assert_eq!(amount(-5, eur), "-0.05");
        assert_eq!(amount(9000, krw), "9000");
    }
}
