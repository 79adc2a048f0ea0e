//! Payments against a visit's bill: `POST /tables/{id}/bill/payments`.
//! Recorded once per `Idempotency-Key`, never more than a share or the
//! bill still owes, only on the total staff were shown; the payment that
//! pays the bill in full ends the visit in the same transaction (as
//! closing it does).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use qrorder_shared::bill::Bill;
use qrorder_shared::payment::{NewPayment, Payment, PaymentMethod, PaymentReceipt};
use qrorder_shared::{Money, RestaurantId, TableId};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::shares::Split;
use super::{BILLING, SplitQuery, announce, bill_changed, bill_for_table, visit_total};
use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Backend, Db, is_unique_violation, now_ms};
use crate::orders::business_day;
use crate::orders::{idempotency_key_for, request_hash, same_request};
use crate::state::AppState;
use crate::{restaurant, tables};

/// The columns `from_row` reads (a macro: sqlx takes only static SQL).
macro_rules! columns {
    () => {
        "id, visit_id, share, amount_minor, currency, method, created_at"
    };
}

fn from_row(row: &AnyRow) -> Result<Payment, sqlx::Error> {
    let currency: String = row.try_get("currency")?;
    let method: String = row.try_get("method")?;
    Ok(Payment {
        id: row.try_get("id")?,
        visit_id: row.try_get("visit_id")?,
        share: row.try_get("share")?,
        amount: Money::new(
            row.try_get("amount_minor")?,
            currency.parse().map_err(|_| sqlx::Error::ColumnDecode {
                index: "currency".into(),
                source: "unknown currency".into(),
            })?,
        ),
        method: PaymentMethod::parse(&method).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "method".into(),
            source: "unknown payment method".into(),
        })?,
        created_at: row.try_get("created_at")?,
    })
}

/// The visit's payments, oldest first.
pub async fn of_visit(db: &Db, visit_id: i64) -> ApiResult<Vec<Payment>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM bill_payments WHERE visit_id = $1 ORDER BY id"
    );
    let rows = sqlx::query(sql).bind(visit_id).fetch_all(&db.pool).await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The payment taken earlier under this key at this table, and the receipt
/// it got (the visit's standing now); 422 when the key paid something else.
async fn by_key(
    db: &Db,
    table: TableId,
    key: &str,
    hash: &str,
) -> ApiResult<Option<PaymentReceipt>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        ", request_hash FROM bill_payments WHERE table_id = $1 AND idempotency_key = $2"
    );
    let Some(row) = sqlx::query(sql)
        .bind(table.0)
        .bind(key)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    same_request(&row.try_get::<String, _>("request_hash")?, hash, "payment")?;
    let payment = from_row(&row)?;
    let visit = sqlx::query(
        "SELECT v.closed_at, CAST(COALESCE((SELECT SUM(p.amount_minor) FROM bill_payments p WHERE p.visit_id = v.id), 0) AS BIGINT) AS paid \
         FROM table_visits v WHERE v.id = $1",
    )
    .bind(payment.visit_id)
    .fetch_one(&db.pool)
    .await?;
    let currency = payment.amount.currency;
    let closed = visit.try_get::<Option<i64>, _>("closed_at")?.is_some();
    let paid: i64 = visit.try_get("paid")?;
    Ok(Some(PaymentReceipt {
        payment,
        paid: Money::new(paid, currency),
        // A closed visit owes nothing more; an open one's due is counted by the caller.
        due: Money::new(0, currency),
        closed,
    }))
}

fn overpays(
    code: &'static str,
    what: &str,
    due: i64,
    currency: qrorder_shared::Currency,
) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        format!(
            "that is more than {what} still owes ({}); nothing was recorded",
            Money::new(due, currency)
        ),
    )
    .with_details(json!({ "due_minor": due }))
}

/// Record a payment against a share of the bill (or the whole bill). The
/// one that pays the bill in full closes it: the visit ends, a new one begins.
#[utoipa::path(post, path = "/tables/{id}/bill/payments", tag = "billing", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id"),
           ("Idempotency-Key" = String, Header, description = "unique per payment: a retry records nothing twice")),
    request_body = NewPayment,
    responses((status = 201, body = PaymentReceipt, description = "recorded"),
              (status = 200, body = PaymentReceipt, description = "this key's payment, recorded before"),
              (status = 400, body = qrorder_shared::ErrorBody, description = "`idempotency_key_required`, `invalid_idempotency_key`"),
              (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody, description = "a device"),
              (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody, description = "`bill_changed` (not the total shown), `already_closed`"),
              (status = 422, body = qrorder_shared::ErrorBody, description = "`overpays_share`, `overpays_bill` (with `details.due_minor`), `unknown_share`, `idempotency_key_reused`, `invalid_field`")))]
pub(super) async fn pay(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(req): Json<NewPayment>,
) -> ApiResult<(StatusCode, Json<PaymentReceipt>)> {
    caller.require_people(BILLING)?;
    let key = idempotency_key_for(&headers, "payment")?;
    let table = tables::load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    let request_hash = request_hash(&req);
    if let Some(first) =
        receipt_of_key(&state, caller.restaurant_id, table.id, &key, &request_hash).await?
    {
        return Ok((StatusCode::OK, Json(first)));
    }
    if req.amount_minor <= 0 {
        return Err(ApiError::invalid(
            "amount_minor",
            "a payment is more than 0",
        ));
    }
    let query = match req.share.as_deref().map(|s| (s, Split::of_share(s))) {
        None => SplitQuery::default(),
        Some((_, Some(Split::Person))) => SplitQuery::of("person", None),
        Some((_, Some(Split::Even(n)))) => SplitQuery::of("even", Some(n as u32)),
        Some((_, Some(Split::Items))) => SplitQuery::of("items", None),
        Some((s, None)) => return Err(unknown_share(s)),
    };
    let bill = bill_for_table(&state, caller.restaurant_id, table.id, &query).await?;
    let currency = bill.total.currency;
    if bill.total.amount_minor != req.expected_total_minor {
        return Err(bill_changed(bill.total.amount_minor));
    }
    let share_total = match &req.share {
        None => None,
        Some(s) => Some(
            bill.shares
                .iter()
                .flatten()
                .find(|sh| &sh.id == s)
                .ok_or_else(|| unknown_share(s))?
                .total
                .amount_minor,
        ),
    };
    let r = restaurant::load(&state.db, caller.restaurant_id).await?;
    let now = now_ms();
    let turn = state.db.sqlite_writer().await;
    let mut tx = match state.db.backend {
        Backend::Sqlite => state.db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => state.db.pool.begin().await?,
    };
    // The visit's row first, as closing and ordering take it: the sums read
    // below are the sums when this payment is written.
    let open =
        sqlx::query("UPDATE table_visits SET paid = paid WHERE id = $1 AND closed_at IS NULL")
            .bind(bill.visit_id)
            .execute(&mut *tx)
            .await?;
    if open.rows_affected() == 0 {
        // Closed meanwhile — perhaps by a copy of this very request (a
        // double tap on the last share): then that is the answer.
        drop(tx);
        if let Some(first) =
            receipt_of_key(&state, caller.restaurant_id, table.id, &key, &request_hash).await?
        {
            return Ok((StatusCode::OK, Json(first)));
        }
        return Err(ApiError::conflict(
            "already_closed",
            "this bill was closed a moment ago; nothing was recorded",
        ));
    }
    // A copy of this request (a double tap) that held the row before us
    // recorded it: answer that one.
    let taken =
        sqlx::query("SELECT id FROM bill_payments WHERE table_id = $1 AND idempotency_key = $2")
            .bind(table.id.0)
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        drop(tx);
        return match receipt_of_key(&state, caller.restaurant_id, table.id, &key, &request_hash)
            .await?
        {
            Some(first) => Ok((StatusCode::OK, Json(first))),
            None => Err(ApiError::unavailable(
                "the payment could not be recorded; try again",
            )),
        };
    }
    let total = visit_total(&mut tx, bill.visit_id, r.tax_rate_bp, r.tax_included).await?;
    if total != req.expected_total_minor {
        return Err(bill_changed(total));
    }
    let paid_row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS paid, \
         CAST(COALESCE(SUM(CASE WHEN share = $2 THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS share_paid \
         FROM bill_payments WHERE visit_id = $1",
    )
    .bind(bill.visit_id)
    .bind(req.share.clone().unwrap_or_default())
    .fetch_one(&mut *tx)
    .await?;
    let paid: i64 = paid_row.try_get("paid")?;
    if let Some(share_total) = share_total {
        let share_due = share_total - paid_row.try_get::<i64, _>("share_paid")?;
        if req.amount_minor > share_due {
            return Err(overpays(
                "overpays_share",
                "this share",
                share_due.max(0),
                currency,
            ));
        }
    }
    if req.amount_minor > total - paid {
        return Err(overpays(
            "overpays_bill",
            "the bill",
            (total - paid).max(0),
            currency,
        ));
    }
    let inserted = sqlx::query(concat!(
        "INSERT INTO bill_payments (restaurant_id, table_id, visit_id, share, amount_minor, currency, method, \
         business_day, idempotency_key, request_hash, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
        columns!()
    ))
    .bind(caller.restaurant_id.0)
    .bind(table.id.0)
    .bind(bill.visit_id)
    .bind(req.share.clone())
    .bind(req.amount_minor)
    .bind(currency.code().to_owned())
    .bind(req.method.as_str())
    .bind(business_day(&r.timezone, now))
    .bind(&key)
    .bind(&request_hash)
    .bind(now)
    .bind(caller.user_id.map(|u| u.0))
    .fetch_one(&mut *tx)
    .await;
    let payment = match inserted {
        Ok(row) => from_row(&row)?,
        // The same key at once from a double tap: the other one won.
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            return match receipt_of_key(&state, caller.restaurant_id, table.id, &key, &request_hash)
                .await?
            {
                Some(first) => Ok((StatusCode::OK, Json(first))),
                None => Err(ApiError::unavailable(
                    "the payment could not be recorded; try again",
                )),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let paid = paid + req.amount_minor;
    let closed = paid == total;
    if closed {
        // With the tax it is closed with, as `close_bill` does.
        sqlx::query(
            "UPDATE table_visits SET closed_at = $1, paid = 1, tax_rate_bp = $3, \
             tax_included = $4 WHERE id = $2",
        )
        .bind(now)
        .bind(bill.visit_id)
        .bind(i64::from(r.tax_rate_bp))
        .bind(i64::from(r.tax_included))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    drop(turn);
    let receipt = PaymentReceipt {
        payment,
        paid: Money::new(paid, currency),
        due: Money::new(total - paid, currency),
        closed,
    };
    announce(
        &state,
        caller.restaurant_id,
        table.id,
        bill.visit_id,
        paid,
        total - paid,
        closed,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

fn unknown_share(s: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_share",
        format!("`{s}` is not a share of this bill; take the share's `id` from the split bill"),
    )
}

/// A retry's receipt: the first payment, and the visit's standing now.
async fn receipt_of_key(
    state: &AppState,
    restaurant: RestaurantId,
    table: TableId,
    key: &str,
    hash: &str,
) -> ApiResult<Option<PaymentReceipt>> {
    let Some(mut receipt) = by_key(&state.db, table, key, hash).await? else {
        return Ok(None);
    };
    if !receipt.closed {
        let r = restaurant::load(&state.db, restaurant).await?;
        let mut conn = state.db.pool.acquire().await?;
        let total = visit_total(
            &mut conn,
            receipt.payment.visit_id,
            r.tax_rate_bp,
            r.tax_included,
        )
        .await?;
        receipt.due.amount_minor = (total - receipt.paid.amount_minor).max(0);
    }
    Ok(Some(receipt))
}

/// Paid and due of a bill from its payments.
pub fn standing(bill: &mut Bill) {
    let paid: i64 = bill.payments.iter().map(|p| p.amount.amount_minor).sum();
    bill.paid = Money::new(paid, bill.total.currency);
    bill.due = Money::new((bill.total.amount_minor - paid).max(0), bill.total.currency);
}
