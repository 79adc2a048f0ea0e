//! Owner and staff accounts of a restaurant. Only owners manage them.

use axum::extract::State;
use axum::http::StatusCode;
use qrorder_shared::admin::{NewUser, PasswordChange, Role, User, UserPatch};
use qrorder_shared::{RestaurantId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Caller, bearer, check_password, hash_password, token_hash, verify_password};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Path};
use crate::infra::db::{Backend, Db, is_unique_violation, now_ms};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(patch_user, delete_user))
        .routes(routes!(me))
        .routes(routes!(change_own_password))
}

const MANAGE: &str = "manage users";

/// All accounts of the restaurant (owner only).
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Vec<User>), (status = 403, body = qrorder_shared::ErrorBody)))]
async fn list_users(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<User>>> {
    caller.require(&[Role::Owner], MANAGE)?;
    let rows = sqlx::query(
        "SELECT id, email, name, role, disabled_at FROM users WHERE restaurant_id = $1 ORDER BY id",
    )
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

/// Change a name, a role or a password, or switch an account off or on
/// (owner only). The last owner who can log in cannot be made staff or
/// switched off. Switching off or a new password ends the account's sessions.
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
    let user = load(&state.db, caller.restaurant_id, UserId(id)).await?;
    // Only what the patch sets is written (a concurrent change of the other
    // field is not undone by the values loaded here).
    let name = patch.name.as_deref().map(validate_name).transpose()?;
    let role = match patch.role {
        Some(Role::Device) => {
            return Err(ApiError::invalid("role", "must be `owner` or `staff`"));
        }
        other => other.map(|r| r.as_str()),
    };
    // Hashed before the transaction: argon2 is slow, the lock is not held for it.
    let password_hash = match patch.password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };
    // `disabled_at` as written: kept (NULL bind), cleared (0) or set (now).
    let disabled = patch.disabled.map(|off| if off { now_ms() } else { 0 });
    let mut tx = begin_owner_change(&state.db, caller.restaurant_id).await?;
    // One statement: the row stays an owner who can log in, or is not one
    // now, or another such owner remains — checked as the row is written,
    // after any concurrent change of the restaurant's owners (see
    // `begin_owner_change`).
    let updated = sqlx::query(
        "UPDATE users SET name = COALESCE($1, name), role = COALESCE($2, role), \
         disabled_at = CASE WHEN $5 IS NULL THEN disabled_at WHEN $5 = 0 THEN NULL \
                            ELSE COALESCE(disabled_at, $5) END \
         WHERE id = $3 AND restaurant_id = $4 \
         AND ((COALESCE($2, role) = 'owner' AND ($5 = 0 OR ($5 IS NULL AND disabled_at IS NULL))) \
              OR role <> 'owner' OR disabled_at IS NOT NULL OR EXISTS \
              (SELECT 1 FROM users o WHERE o.restaurant_id = $4 AND o.role = 'owner' \
               AND o.disabled_at IS NULL AND o.id <> $3))",
    )
    .bind(name)
    .bind(role)
    .bind(user.id.0)
    .bind(caller.restaurant_id.0)
    .bind(disabled)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        drop(tx);
        // Gone meanwhile (404), or the last owner.
        load(&state.db, caller.restaurant_id, user.id).await?;
        return Err(last_owner());
    }
    let ends_sessions = password_hash.is_some() || patch.disabled == Some(true);
    if let Some(hash) = password_hash {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?;
    }
    if ends_sessions {
        // The sessions that knew the old password, or of an account
        // switched off, end.
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.id.0)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if ends_sessions {
        // A kitchen screen logged in as this user closes now.
        state
            .notify()
            .kitchen_access_changed(caller.restaurant_id)
            .await;
    }
    Ok(Json(load(&state.db, caller.restaurant_id, user.id).await?))
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
    load(&state.db, caller.restaurant_id, UserId(id)).await?;
    let mut tx = begin_owner_change(&state.db, caller.restaurant_id).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // One statement, as in `patch_user`: no owner who can log in, or not
    // the last one.
    let deleted = sqlx::query(
        "DELETE FROM users WHERE id = $1 AND restaurant_id = $2 \
         AND (role <> 'owner' OR disabled_at IS NOT NULL OR EXISTS \
         (SELECT 1 FROM users o WHERE o.restaurant_id = $2 AND o.role = 'owner' \
          AND o.disabled_at IS NULL AND o.id <> $1))",
    )
    .bind(id)
    .bind(caller.restaurant_id.0)
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        drop(tx);
        load(&state.db, caller.restaurant_id, UserId(id)).await?;
        return Err(last_owner());
    }
    tx.commit().await?;
    state
        .notify()
        .kitchen_access_changed(caller.restaurant_id)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The account of the session sent: who is logged in, with which role.
#[utoipa::path(get, path = "/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, description = "a device token", body = qrorder_shared::ErrorBody)))]
async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<User>> {
    let id = person(&caller, "have an account")?;
    Ok(Json(load(&state.db, caller.restaurant_id, id).await?))
}

/// Change one's own password (any owner or staff). The current password
/// is asked again; every other session of the account ends, this one stays.
#[utoipa::path(post, path = "/me/password", tag = "users", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 401, body = qrorder_shared::ErrorBody),
              (status = 403, body = qrorder_shared::ErrorBody),
              (status = 422, description = "`wrong_password` or a new password the policy refuses", body = qrorder_shared::ErrorBody)))]
async fn change_own_password(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Json(change): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    let id = person(&caller, "change a password")?;
    let hash: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(id.0)
        .fetch_one(&state.db.pool)
        .await?
        .try_get("password_hash")?;
    if !verify_password(change.current_password, Some(hash)).await {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_password",
            "the current password is not right; nothing was changed",
        ));
    }
    let new_hash = hash_password(change.new_password).await?;
    let this_session = bearer(&headers).map(token_hash).unwrap_or_default();
    let mut tx = state.db.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(new_hash)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    // Sessions elsewhere knew the old password: they end.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(id.0)
        .bind(this_session)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // A kitchen screen or console feed on one of those sessions closes now.
    state
        .notify()
        .kitchen_access_changed(caller.restaurant_id)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The user behind a session; devices are refused.
fn person(caller: &Caller, action: &str) -> ApiResult<UserId> {
    caller.require_people(action)?;
    caller
        .user_id
        .ok_or_else(|| ApiError::forbidden(format!("a device cannot {action}")))
}

/// The transaction of a change that could leave the restaurant without an
/// owner (a demotion, a deletion). Such changes of one restaurant run one
/// after the other, and each sees the ones before it: SQLite takes its write
/// lock up front (`BEGIN IMMEDIATE`); PostgreSQL locks the restaurant's row
/// (under READ COMMITTED the next statement then sees what the change before
/// it committed).
async fn begin_owner_change(
    db: &Db,
    restaurant: RestaurantId,
) -> ApiResult<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => {
            let mut tx = db.pool.begin().await?;
            sqlx::query("SELECT id FROM restaurants WHERE id = $1 FOR UPDATE")
                .bind(restaurant.0)
                .execute(&mut *tx)
                .await?;
            tx
        }
    })
}

fn last_owner() -> ApiError {
    ApiError::conflict(
        "last_owner",
        "a restaurant needs at least one owner who can log in",
    )
}

/// Creates an account after checking its fields; also used by `create-owner`.
/// An email is unique within the restaurant only: whether another
/// restaurant has an account with it is nobody's business here (the login
/// tells the accounts apart by their passwords, see `auth::login`).
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
                format!("this restaurant already has an account with {email}"),
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
        disabled: false,
    })
}

async fn load(db: &Db, restaurant: RestaurantId, id: UserId) -> ApiResult<User> {
    let row = sqlx::query(
        "SELECT id, email, name, role, disabled_at FROM users WHERE id = $1 AND restaurant_id = $2",
    )
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
        disabled: row.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
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
