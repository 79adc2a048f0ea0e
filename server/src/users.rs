//! Owner and staff accounts of a restaurant. Only owners manage them.

use axum::extract::State;
use axum::http::StatusCode;
use qrorder_shared::admin::{NewUser, Role, User, UserPatch};
use qrorder_shared::{RestaurantId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, check_password, hash_password};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Db, is_unique_violation, now_ms};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(patch_user, delete_user))
}

const MANAGE: &str = "manage users";

/// All accounts of the restaurant (owner only).
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<User>), (status = 403, body = qrorder_shared::ErrorBody)))]
async fn list_users(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<User>>> {
    caller.require(&[Role::Owner], MANAGE)?;
    let rows =
        sqlx::query("SELECT id, email, name, role FROM users WHERE restaurant_id = $1 ORDER BY id")
            .bind(caller.restaurant_id.0)
            .fetch_all(&state.db.pool)
            .await?;
    Ok(Json(rows.iter().map(from_row).collect::<Result<_, _>>()?))
}

/// Add an owner or staff account (owner only).
#[utoipa::path(post, path = "/users", tag = "users", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody, description = "`weak_password` (at least 12 characters, at most 128 bytes, not a common password), `invalid_field`")))]
async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(new): Json<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    caller.require(&[Role::Owner], MANAGE)?;
    let user = create(&state.db, caller.restaurant_id, new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change a name, a role or a password (owner only). The last owner cannot
/// be made staff.
#[utoipa::path(patch, path = "/users/{id}", tag = "users", security(("bearer" = [])), request_body = UserPatch,
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = User), (status = 404, body = qrorder_shared::ErrorBody),
              (status = 409, body = qrorder_shared::ErrorBody),
              (status = 422, body = qrorder_shared::ErrorBody, description = "`weak_password` (at least 12 characters, at most 128 bytes, not a common password), `invalid_field`")))]
async fn patch_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(patch): Json<UserPatch>,
) -> ApiResult<Json<User>> {
    caller.require(&[Role::Owner], MANAGE)?;
    if let Some(password) = &patch.password {
        check_password(password)?;
    }
    let mut user = load(&state.db, caller.restaurant_id, UserId(id)).await?;
    if let Some(name) = patch.name {
        user.name = validate_name(&name)?;
    }
    if let Some(role) = patch.role {
        if role == Role::Device {
            return Err(ApiError::invalid("role", "must be `owner` or `staff`"));
        }
        if user.role == Role::Owner && role == Role::Staff {
            ensure_another_owner(&state.db, caller.restaurant_id, user.id).await?;
        }
        user.role = role;
    }
    let mut tx = state.db.pool.begin().await?;
    sqlx::query("UPDATE users SET name = $1, role = $2 WHERE id = $3")
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(user.id.0)
        .execute(&mut *tx)
        .await?;
    let password_changed = patch.password.is_some();
    if let Some(password) = patch.password {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash_password(password).await?)
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?;
        // A new password ends the sessions that knew the old one.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if password_changed {
        // A kitchen screen logged in as this user closes now.
        state
            .notify()
            .kitchen_access_changed(caller.restaurant_id)
            .await;
    }
    Ok(Json(user))
}

/// Remove an account and its sessions (owner only; not the last owner).
#[utoipa::path(delete, path = "/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    responses((status = 204), (status = 404, body = qrorder_shared::ErrorBody), (status = 409, body = qrorder_shared::ErrorBody)))]
async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Owner], MANAGE)?;
    let user = load(&state.db, caller.restaurant_id, UserId(id)).await?;
    if user.role == Role::Owner {
        ensure_another_owner(&state.db, caller.restaurant_id, user.id).await?;
    }
    let mut tx = state.db.pool.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    state
        .notify()
        .kitchen_access_changed(caller.restaurant_id)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

async fn ensure_another_owner(db: &Db, restaurant: RestaurantId, except: UserId) -> ApiResult<()> {
    let others: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE restaurant_id = $1 AND role = 'owner' AND id <> $2",
    )
    .bind(restaurant.0)
    .bind(except.0)
    .fetch_one(&db.pool)
    .await?
    .try_get("n")?;
    if others == 0 {
        return Err(ApiError::conflict(
            "last_owner",
            "a restaurant needs at least one owner",
        ));
    }
    Ok(())
}

/// Creates an account after checking its fields; also used by `create-owner`.
pub async fn create(db: &Db, restaurant: RestaurantId, new: NewUser) -> ApiResult<User> {
    let email = new.email.trim().to_lowercase();
    if !is_email(&email) {
        return Err(ApiError::invalid("email", "is not an email address"));
    }
    if new.role == Role::Device {
        return Err(ApiError::invalid("role", "must be `owner` or `staff`"));
    }
    let name = validate_name(&new.name)?;
    let hash = hash_password(new.password).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO users (restaurant_id, email, name, password_hash, role, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(restaurant.0)
    .bind(&email)
    .bind(&name)
    .bind(hash)
    .bind(new.role.as_str())
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::conflict(
                "email_taken",
                format!("an account with {email} already exists"),
            )
        } else {
            e.into()
        }
    })?
    .try_get("id")?;
    Ok(User {
        id: UserId(id),
        email,
        name,
        role: new.role,
    })
}

async fn load(db: &Db, restaurant: RestaurantId, id: UserId) -> ApiResult<User> {
    let row =
        sqlx::query("SELECT id, email, name, role FROM users WHERE id = $1 AND restaurant_id = $2")
            .bind(id.0)
            .bind(restaurant.0)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(from_row(&row)?)
}

fn from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: if row.try_get::<String, _>("role")? == "owner" {
            Role::Owner
        } else {
            Role::Staff
        },
    })
}

fn validate_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.chars().count() > 100 {
        return Err(ApiError::invalid("name", "must be at most 100 characters"));
    }
    Ok(name.to_owned())
}

fn is_email(s: &str) -> bool {
    s.len() <= 254
        && !s.contains(char::is_whitespace)
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
}
