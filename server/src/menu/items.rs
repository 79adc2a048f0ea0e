//! Menu items. `version` guards content edits: a PATCH carrying an old
//! version is refused with 409 `stale_version` and changes nothing. Live
//! fields (`available`, `stock`) do not bump `version`; a stock change bumps
//! `stock_version`, which the order path uses for optimistic locking.

use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use qrorder_shared::admin::Restaurant;
use qrorder_shared::menu::{MenuItem, MenuItemPatch, NewMenuItem};
use qrorder_shared::{CategoryId, Currency, MenuItemId, Money, RestaurantId};
use serde::Deserialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path, Query};
use crate::infra::db::{Db, flag, from_json, now_ms, to_json};
use crate::state::AppState;

use crate::infra::media;
use crate::restaurant;

use super::validate::validate_new_item;

/// The columns `from_row` reads (a macro, so that queries stay `&'static str`).
macro_rules! columns {
    () => {
        "id, category_id, names, descriptions, price_minor, image, allergens, option_groups, \
         station, available, stock, version, sort"
    };
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items, create_item))
        .routes(routes!(get_item, patch_item, delete_item))
}

const EDIT: &str = "edit the menu";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// Only the items of this category.
    category_id: Option<i64>,
}

#[utoipa::path(get, path = "/menu-items", tag = "menu", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<MenuItem>)))]
async fn list_items(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<MenuItem>>> {
    let currency = restaurant::load(&state.db, caller.restaurant_id)
        .await?
        .currency;
    let category = q.category_id.map(CategoryId);
    Ok(Json(
        list(&state.db, caller.restaurant_id, currency, category).await?,
    ))
}

/// The restaurant's items (of one category, when given) in menu order,
/// priced in the restaurant's `currency` (callers have the restaurant).
pub async fn list(
    db: &Db,
    restaurant: RestaurantId,
    currency: Currency,
    category: Option<CategoryId>,
) -> ApiResult<Vec<MenuItem>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM menu_items WHERE restaurant_id = $1 AND ($2 IS NULL OR category_id = $2) ORDER BY sort, id"
    ))
    .bind(restaurant.0)
    .bind(category.map(|c| c.0))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| from_row(r, currency))
        .collect::<Result<_, _>>()?)
}

#[utoipa::path(get, path = "/menu-items/{id}", tag = "menu", security(("bearer" = [])),
    params(("id" = i64, Path, description = "menu item id")),
    responses((status = 200, body = MenuItem), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn get_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<MenuItem>> {
    Ok(Json(
        load_item(&state.db, caller.restaurant_id, MenuItemId(id)).await?,
    ))
}

#[utoipa::path(post, path = "/menu-items", tag = "menu", security(("bearer" = [])), request_body = NewMenuItem,
    responses((status = 201, body = MenuItem), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn create_item(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewMenuItem>,
) -> ApiResult<(StatusCode, Json<MenuItem>)> {
    caller.require_people(EDIT)?;
    let item = create(&state.db, caller.restaurant_id, new).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Change an item. `version` must be the item's current one.
#[utoipa::path(patch, path = "/menu-items/{id}", tag = "menu", security(("bearer" = [])), request_body = MenuItemPatch,
    params(("id" = i64, Path, description = "menu item id")),
    responses((status = 200, body = MenuItem), (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, description = "`stale_version`: reload the item and apply the change again", body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn patch_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(patch): Json<MenuItemPatch>,
) -> ApiResult<Json<MenuItem>> {
    caller.require_people(EDIT)?;
    let current = load_item(&state.db, caller.restaurant_id, MenuItemId(id)).await?;
    if patch.version != current.version {
        return Err(stale(current.version));
    }
    let mut next = NewMenuItem {
        category_id: patch.category_id.unwrap_or(current.category_id),
        name: patch.name.unwrap_or_else(|| current.name.clone()),
        description: patch
            .description
            .unwrap_or_else(|| current.description.clone()),
        price_minor: patch.price_minor.unwrap_or(current.price.amount_minor),
        allergens: patch.allergens.unwrap_or_else(|| current.allergens.clone()),
        option_groups: patch
            .option_groups
            .unwrap_or_else(|| current.option_groups.clone()),
        station: patch.station.unwrap_or_else(|| current.station.clone()),
        available: patch.available.unwrap_or(current.available),
        stock: patch.stock.unwrap_or(current.stock),
        sort: patch.sort.unwrap_or(current.sort),
    };
    next = validate_new_item(&state.db, caller.restaurant_id, next).await?;
    let content_changed = next.category_id != current.category_id
        || next.name != current.name
        || next.description != current.description
        || next.price_minor != current.price.amount_minor
        || next.allergens != current.allergens
        || next.option_groups != current.option_groups
        || next.station != current.station;
    let stock_changed = next.stock != current.stock;

    // The version check is repeated in the UPDATE itself, so that of two
    // concurrent edits with the same version exactly one wins.
    let updated = sqlx::query(
        "UPDATE menu_items SET category_id = $1, names = $2, descriptions = $3, price_minor = $4, \
         allergens = $5, option_groups = $6, station = $7, available = $8, stock = $9, sort = $10, \
         version = version + $11, stock_version = stock_version + $12, updated_at = $13 \
         WHERE id = $14 AND restaurant_id = $15 AND version = $16",
    )
    .bind(next.category_id.0)
    .bind(to_json(&next.name))
    .bind(to_json(&next.description))
    .bind(next.price_minor)
    .bind(to_json(&next.allergens))
    .bind(to_json(&next.option_groups))
    .bind(&next.station)
    .bind(flag(next.available))
    .bind(next.stock)
    .bind(next.sort)
    .bind(i64::from(content_changed))
    .bind(i64::from(stock_changed))
    .bind(now_ms())
    .bind(id)
    .bind(caller.restaurant_id.0)
    .bind(patch.version)
    .execute(&state.db.pool)
    .await?;
    let item = load_item(&state.db, caller.restaurant_id, MenuItemId(id)).await?;
    if updated.rows_affected() == 0 {
        return Err(stale(item.version));
    }
    // Price, availability or stock may have changed: diners reload the item.
    let (state2, restaurant) = (state.clone(), caller.restaurant_id);
    tokio::spawn(async move {
        state2
            .notify()
            .menu_changed(restaurant, vec![MenuItemId(id)])
            .await
    });
    Ok(Json(item))
}

fn stale(current: i64) -> ApiError {
    ApiError::conflict(
        "stale_version",
        "the menu item was changed by someone else; reload it and apply your change again",
    )
    .with_details(json!({ "current_version": current }))
}

#[utoipa::path(delete, path = "/menu-items/{id}", tag = "menu", security(("bearer" = [])),
    params(("id" = i64, Path, description = "menu item id")),
    responses((status = 204), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn delete_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_people(EDIT)?;
    let item = load_item(&state.db, caller.restaurant_id, MenuItemId(id)).await?;
    sqlx::query("DELETE FROM menu_items WHERE id = $1 AND restaurant_id = $2")
        .bind(id)
        .bind(caller.restaurant_id.0)
        .execute(&state.db.pool)
        .await?;
    if let Some(image) = item
        .image_url
        .as_deref()
        .and_then(|u| u.strip_prefix("/media/"))
    {
        media::remove(&state.config.media_dir, image).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Upload the item's photo: multipart form with one file field, PNG or JPEG.
#[utoipa::path(post, path = "/menu-items/{id}/image", tag = "menu", security(("bearer" = [])),
    params(("id" = i64, Path, description = "menu item id")),
    request_body(content_type = "multipart/form-data", description = "one file field, PNG or JPEG"),
    responses((status = 200, body = MenuItem), (status = 413, body = qrorder_shared::ErrorBody),
              (status = 415, body = qrorder_shared::ErrorBody), (status = 422, body = qrorder_shared::ErrorBody)))]
pub(super) async fn upload_image(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<MenuItem>> {
    caller.require_people(EDIT)?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the image as `multipart/form-data` with a file field named `image`",
        )
    })?;
    let item = load_item(&state.db, caller.restaurant_id, MenuItemId(id)).await?;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "images may be at most {} KiB",
                state.config.image_limit_bytes / 1024
            ),
        )
    };
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_multipart", e.body_text())
        }
    };
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.file_name().is_some() || field.name() == Some("image") {
            bytes = Some(field.bytes().await.map_err(multipart_error)?);
            break;
        }
    }
    let bytes = bytes.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_file",
            "send the image as a file field named `image`",
        )
    })?;
    if bytes.len() > state.config.image_limit_bytes {
        return Err(too_large());
    }
    let (picture, ext) = tokio::task::spawn_blocking(move || media::prepare_image(&bytes))
        .await
        .map_err(ApiError::internal)??;
    let relative = media::store(&state.config.media_dir, "menu", &picture, ext).await?;
    sqlx::query(
        "UPDATE menu_items SET image = $1, updated_at = $2 WHERE id = $3 AND restaurant_id = $4",
    )
    .bind(&relative)
    .bind(now_ms())
    .bind(id)
    .bind(caller.restaurant_id.0)
    .execute(&state.db.pool)
    .await?;
    if let Some(old) = item
        .image_url
        .as_deref()
        .and_then(|u| u.strip_prefix("/media/"))
    {
        media::remove(&state.config.media_dir, old).await;
    }
    // Open diners' pages show the new photo. (The content `version` stays:
    // a photo is not part of what an edit form sends, so it cannot be
    // overwritten by a stale one.)
    let (state2, restaurant) = (state.clone(), caller.restaurant_id);
    tokio::spawn(async move {
        state2
            .notify()
            .menu_changed(restaurant, vec![MenuItemId(id)])
            .await
    });
    Ok(Json(
        load_item(&state.db, caller.restaurant_id, MenuItemId(id)).await?,
    ))
}

pub async fn create(db: &Db, restaurant: RestaurantId, new: NewMenuItem) -> ApiResult<MenuItem> {
    let new = validate_new_item(db, restaurant, new).await?;
    let now = now_ms();
    let id: i64 = sqlx::query(
        "INSERT INTO menu_items (restaurant_id, category_id, names, descriptions, price_minor, allergens, \
         option_groups, station, available, stock, sort, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(restaurant.0)
    .bind(new.category_id.0)
    .bind(to_json(&new.name))
    .bind(to_json(&new.description))
    .bind(new.price_minor)
    .bind(to_json(&new.allergens))
    .bind(to_json(&new.option_groups))
    .bind(&new.station)
    .bind(flag(new.available))
    .bind(new.stock)
    .bind(new.sort)
    .bind(now)
    .fetch_one(&db.pool)
    .await?
    .try_get("id")?;
    load_item(db, restaurant, MenuItemId(id)).await
}

/// `list` (all of the restaurant's items) through this process's cache
/// (`infra::cache`), for pricing diners' orders; the order's transaction
/// re-checks each item it takes (`orders::place`).
pub async fn cached(state: &AppState, r: &Restaurant) -> ApiResult<Arc<Vec<MenuItem>>> {
    state
        .caches
        .menu_items
        .get_or_load(r.id, async {
            list(&state.db, r.id, r.currency, None).await.map(Arc::new)
        })
        .await
}

/// The item, if it is the restaurant's; else 404.
pub async fn load_item(db: &Db, restaurant: RestaurantId, id: MenuItemId) -> ApiResult<MenuItem> {
    let currency = restaurant::load(db, restaurant).await?.currency;
    let row = sqlx::query(concat!(
        "SELECT ",
        columns!(),
        " FROM menu_items WHERE id = $1 AND restaurant_id = $2"
    ))
    .bind(id.0)
    .bind(restaurant.0)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("menu item"))?;
    Ok(from_row(&row, currency)?)
}

fn from_row(row: &AnyRow, currency: Currency) -> Result<MenuItem, sqlx::Error> {
    Ok(MenuItem {
        id: MenuItemId(row.try_get("id")?),
        category_id: CategoryId(row.try_get("category_id")?),
        name: from_json("names", &row.try_get::<String, _>("names")?)?,
        description: from_json("descriptions", &row.try_get::<String, _>("descriptions")?)?,
        price: Money::new(row.try_get("price_minor")?, currency),
        image_url: row
            .try_get::<Option<String>, _>("image")?
            .map(|i| media::url(&i)),
        allergens: from_json("allergens", &row.try_get::<String, _>("allergens")?)?,
        option_groups: from_json("option_groups", &row.try_get::<String, _>("option_groups")?)?,
        station: row.try_get("station")?,
        available: row.try_get::<i64, _>("available")? != 0,
        stock: row.try_get("stock")?,
        version: row.try_get("version")?,
        sort: row.try_get("sort")?,
    })
}
