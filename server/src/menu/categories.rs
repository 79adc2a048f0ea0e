//! Menu categories ("Mains", "Drinks"), ordered by `sort`.

use axum::extract::State;
use axum::http::StatusCode;
use qrorder_shared::menu::{Category, CategoryPatch, NewCategory};
use qrorder_shared::{CategoryId, LocalizedText, RestaurantId};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Db, from_json, to_json};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(patch_category, delete_category))
}

const EDIT: &str = "edit the menu";
const NAME_CHARS: usize = 100;

#[utoipa::path(get, path = "/categories", tag = "menu", security(("bearer" = [])),
    responses((status = 200, body = Vec<Category>)))]
async fn list_categories(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(list(&state.db, caller.restaurant_id).await?))
}

#[utoipa::path(post, path = "/categories", tag = "menu", security(("bearer" = [])), request_body = NewCategory,
    responses((status = 201, body = Category), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody)))]
async fn create_category(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewCategory>,
) -> ApiResult<(StatusCode, Json<Category>)> {
    caller.require_people(EDIT)?;
    let category = create(&state.db, caller.restaurant_id, new).await?;
    Ok((StatusCode::CREATED, Json(category)))
}

#[utoipa::path(patch, path = "/categories/{id}", tag = "menu", security(("bearer" = [])), request_body = CategoryPatch,
    params(("id" = i64, Path, description = "category id")),
    responses((status = 200, body = Category), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn patch_category(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(patch): Json<CategoryPatch>,
) -> ApiResult<Json<Category>> {
    caller.require_people(EDIT)?;
    let mut c = load(&state.db, caller.restaurant_id, CategoryId(id)).await?;
    if let Some(name) = patch.name {
        c.name = validate_name(name)?;
    }
    if let Some(sort) = patch.sort {
        c.sort = sort;
    }
    sqlx::query("UPDATE categories SET names = $1, sort = $2 WHERE id = $3 AND restaurant_id = $4")
        .bind(to_json(&c.name))
        .bind(c.sort)
        .bind(c.id.0)
        .bind(caller.restaurant_id.0)
        .execute(&state.db.pool)
        .await?;
    Ok(Json(c))
}

/// Delete an empty category; one that still holds items answers 409.
#[utoipa::path(delete, path = "/categories/{id}", tag = "menu", security(("bearer" = [])),
    params(("id" = i64, Path, description = "category id")),
    responses((status = 204), (status = 404, body = qrorder_shared::ErrorBody), (status = 409, body = qrorder_shared::ErrorBody)))]
async fn delete_category(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require_people(EDIT)?;
    load(&state.db, caller.restaurant_id, CategoryId(id)).await?;
    let items: i64 = sqlx::query("SELECT COUNT(*) AS n FROM menu_items WHERE category_id = $1")
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?
        .try_get("n")?;
    if items > 0 {
        return Err(ApiError::conflict(
            "category_not_empty",
            format!("the category still holds {items} menu items; move or delete them first"),
        ));
    }
    sqlx::query("DELETE FROM categories WHERE id = $1 AND restaurant_id = $2")
        .bind(id)
        .bind(caller.restaurant_id.0)
        .execute(&state.db.pool)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn validate_name(name: LocalizedText) -> ApiResult<LocalizedText> {
    match name.problem(NAME_CHARS) {
        Some(problem) => Err(ApiError::invalid("name", problem)),
        None => Ok(name),
    }
}

pub async fn create(db: &Db, restaurant: RestaurantId, new: NewCategory) -> ApiResult<Category> {
    let name = validate_name(new.name)?;
    let id: i64 = sqlx::query(
        "INSERT INTO categories (restaurant_id, names, sort) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(restaurant.0)
    .bind(to_json(&name))
    .bind(new.sort)
    .fetch_one(&db.pool)
    .await?
    .try_get("id")?;
    Ok(Category {
        id: CategoryId(id),
        name,
        sort: new.sort,
    })
}

pub async fn list(db: &Db, restaurant: RestaurantId) -> ApiResult<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT id, names, sort FROM categories WHERE restaurant_id = $1 ORDER BY sort, id",
    )
    .bind(restaurant.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The category, if it is the restaurant's; else 404.
pub async fn load(db: &Db, restaurant: RestaurantId, id: CategoryId) -> ApiResult<Category> {
    let row =
        sqlx::query("SELECT id, names, sort FROM categories WHERE id = $1 AND restaurant_id = $2")
            .bind(id.0)
            .bind(restaurant.0)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(|| ApiError::not_found("category"))?;
    Ok(from_row(&row)?)
}

fn from_row(row: &AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        id: CategoryId(row.try_get("id")?),
        name: from_json("names", &row.try_get::<String, _>("names")?)?,
        sort: row.try_get("sort")?,
    })
}
