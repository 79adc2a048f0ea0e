//! Dining tables: names, the secret token in each table's QR code (rotated
//! by staff to void old codes), and the codes themselves (SVG, PNG, a PDF
//! sheet of all tables).

mod pdf;
mod public;
mod qr;
mod visits;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use qrorder_shared::admin::{NewTable, Table, TablePatch};
use qrorder_shared::{RestaurantId, TableId};
use rand::RngCore;
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Db, flag, is_unique_violation, now_ms};
use crate::state::AppState;

pub use visits::{
    TableByToken, Visit, current_visit, open_visit, resolve_token, table_by_token, table_not_found,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tables, create_table))
        .routes(routes!(get_table, patch_table, delete_table))
        .routes(routes!(rotate_token))
        .routes(routes!(qr_svg))
        .routes(routes!(qr_png))
        .routes(routes!(qr_sheet))
}

/// The table as diners see it (client-api role).
pub fn public_router() -> OpenApiRouter<AppState> {
    public::router()
}

const MANAGE: &str = "manage tables";

/// 128 random bits, hex: unguessable, and safe in a URL path.
pub fn new_table_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[utoipa::path(get, path = "/tables", tag = "tables", security(("bearer" = [])),
    responses((status = 200, body = Vec<Table>)))]
async fn list_tables(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Table>>> {
    caller.require_people(MANAGE)?;
    Ok(Json(
        list(&state.db, caller.restaurant_id, &state.public_base_url()).await?,
    ))
}

#[utoipa::path(post, path = "/tables", tag = "tables", security(("bearer" = [])), request_body = NewTable,
    responses((status = 201, body = Table), (status = 409, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn create_table(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewTable>,
) -> ApiResult<(StatusCode, Json<Table>)> {
    caller.require_people(MANAGE)?;
    let table = create(
        &state.db,
        caller.restaurant_id,
        &new.name,
        &state.public_base_url(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(table)))
}

#[utoipa::path(get, path = "/tables/{id}", tag = "tables", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, body = Table), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn get_table(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Table>> {
    caller.require_people(MANAGE)?;
    Ok(Json(
        load(
            &state.db,
            caller.restaurant_id,
            TableId(id),
            &state.public_base_url(),
        )
        .await?,
    ))
}

/// Rename a table, or take it out of service (`active: false`: its diners'
/// open sockets are closed at once with 4404, `shared::ws::CLOSE_TABLE_GONE`).
#[utoipa::path(patch, path = "/tables/{id}", tag = "tables", security(("bearer" = [])), request_body = TablePatch,
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, body = Table), (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody)))]
async fn patch_table(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(patch): Json<TablePatch>,
) -> ApiResult<Json<Table>> {
    caller.require_people(MANAGE)?;
    let base = state.public_base_url();
    let mut table = load(&state.db, caller.restaurant_id, TableId(id), &base).await?;
    if let Some(name) = patch.name {
        table.name = validate_name(&name)?;
    }
    if let Some(active) = patch.active {
        table.active = active;
    }
    sqlx::query(
        "UPDATE dining_tables SET name = $1, active = $2 WHERE id = $3 AND restaurant_id = $4",
    )
    .bind(&table.name)
    .bind(flag(table.active))
    .bind(id)
    .bind(caller.restaurant_id.0)
    .execute(&state.db.pool)
    .await
    .map_err(|e| name_taken(e, &table.name))?;
    if !table.active {
        // Out of service: its open diner sockets close now, on every instance.
        state
            .notify()
            .table_access_changed(caller.restaurant_id, table.id)
            .await;
    }
    Ok(Json(table))
}

#[utoipa::path(delete, path = "/tables/{id}", tag = "tables", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 204), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn delete_table(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_people(MANAGE)?;
    load(&state.db, caller.restaurant_id, TableId(id), "").await?;
    let orders: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orders WHERE table_id = $1")
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?
        .try_get("n")?;
    if orders > 0 {
        return Err(ApiError::conflict(
            "table_has_orders",
            "the table has orders on record; deactivate it (`active: false`) instead of deleting it",
        ));
    }
    let mut tx = state.db.pool.begin().await?;
    sqlx::query("DELETE FROM table_visits WHERE table_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM dining_tables WHERE id = $1 AND restaurant_id = $2")
        .bind(id)
        .bind(caller.restaurant_id.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // Its diners' open sockets close now, as after a rotation.
    state
        .notify()
        .table_access_changed(caller.restaurant_id, TableId(id))
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Give the table a new token: its old QR code (and any photo of it) stops
/// working at once, and sockets opened with it are closed (an `error`
/// `table_not_found`, then 4404, `shared::ws::CLOSE_TABLE_GONE`). Print the
/// new code.
#[utoipa::path(post, path = "/tables/{id}/rotate-token", tag = "tables", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, body = Table), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn rotate_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Table>> {
    caller.require_people(MANAGE)?;
    let row = sqlx::query(
        "UPDATE dining_tables SET token = $1, token_rotated_at = $2 WHERE id = $3 AND restaurant_id = $4 \
         RETURNING id, name, token, token_rotated_at, active",
    )
    .bind(new_table_token())
    .bind(now_ms())
    .bind(id)
    .bind(caller.restaurant_id.0)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("table"))?;
    let table = from_row(&row, &state.public_base_url())?;
    // Sockets opened with the old code close now, on every instance.
    state
        .notify()
        .table_access_changed(caller.restaurant_id, table.id)
        .await;
    Ok(Json(table))
}

#[utoipa::path(get, path = "/tables/{id}/qr.svg", tag = "tables", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, content_type = "image/svg+xml", description = "QR code of the table's URL")))]
async fn qr_svg(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    let url = managed_table_url(&state, &caller, id).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], qr::svg(&url)?))
}

#[utoipa::path(get, path = "/tables/{id}/qr.png", tag = "tables", security(("bearer" = [])),
    params(("id" = i64, Path, description = "table id")),
    responses((status = 200, content_type = "image/png", description = "QR code of the table's URL")))]
async fn qr_png(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<impl IntoResponse> {
    let url = managed_table_url(&state, &caller, id).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], qr::png(&url)?))
}

/// The public URL of a table the caller may manage (what its QR encodes).
async fn managed_table_url(state: &AppState, caller: &Caller, id: i64) -> ApiResult<String> {
    caller.require_people(MANAGE)?;
    let table = load(
        &state.db,
        caller.restaurant_id,
        TableId(id),
        &state.public_base_url(),
    )
    .await?;
    Ok(table.url)
}

/// An A4 PDF with the QR code of every active table, its name under it.
#[utoipa::path(get, path = "/tables/qr-sheet.pdf", tag = "tables", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "printable sheet")))]
async fn qr_sheet(State(state): State<AppState>, caller: Caller) -> ApiResult<impl IntoResponse> {
    caller.require_people(MANAGE)?;
    let restaurant = crate::restaurant::load(&state.db, caller.restaurant_id).await?;
    let entries: Vec<qr::SheetEntry> =
        list(&state.db, caller.restaurant_id, &state.public_base_url())
            .await?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| qr::SheetEntry {
                name: t.name,
                url: t.url,
            })
            .collect();
    let pdf = tokio::task::spawn_blocking(move || qr::sheet_pdf(&restaurant.name, &entries))
        .await
        .map_err(ApiError::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"tables.pdf\"",
            ),
        ],
        pdf,
    ))
}

fn validate_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(ApiError::invalid("name", "must be 1 to 50 characters"));
    }
    Ok(name.to_owned())
}

fn name_taken(e: sqlx::Error, name: &str) -> ApiError {
    if is_unique_violation(&e) {
        ApiError::conflict(
            "name_taken",
            format!("there is already a table named `{name}`"),
        )
    } else {
        e.into()
    }
}

pub async fn create(
    db: &Db,
    restaurant: RestaurantId,
    name: &str,
    base_url: &str,
) -> ApiResult<Table> {
    let name = validate_name(name)?;
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO dining_tables (restaurant_id, name, token, token_rotated_at, created_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id, name, token, token_rotated_at, active",
    )
    .bind(restaurant.0)
    .bind(&name)
    .bind(new_table_token())
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| name_taken(e, &name))?;
    Ok(from_row(&row, base_url)?)
}

pub async fn list(db: &Db, restaurant: RestaurantId, base_url: &str) -> ApiResult<Vec<Table>> {
    let rows = sqlx::query(
        "SELECT id, name, token, token_rotated_at, active FROM dining_tables WHERE restaurant_id = $1 ORDER BY id",
    )
    .bind(restaurant.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| from_row(r, base_url))
        .collect::<Result<_, _>>()?)
}

pub async fn load(
    db: &Db,
    restaurant: RestaurantId,
    id: TableId,
    base_url: &str,
) -> ApiResult<Table> {
    let row = sqlx::query(
        "SELECT id, name, token, token_rotated_at, active FROM dining_tables WHERE id = $1 AND restaurant_id = $2",
    )
    .bind(id.0)
    .bind(restaurant.0)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("table"))?;
    Ok(from_row(&row, base_url)?)
}

/// The URL a table's QR code encodes.
pub fn table_url(base_url: &str, token: &str) -> String {
    format!("{base_url}/t/{token}")
}

fn from_row(row: &AnyRow, base_url: &str) -> Result<Table, sqlx::Error> {
    let token: String = row.try_get("token")?;
    Ok(Table {
        id: TableId(row.try_get("id")?),
        name: row.try_get("name")?,
        active: row.try_get::<i64, _>("active")? != 0,
        url: table_url(base_url, &token),
        token,
        token_rotated_at: row.try_get("token_rotated_at")?,
    })
}
