//! The menu as diners see it, by table token: categories with their items,
//! what is available and how many portions are left. The document is kept
//! serialised in this process's cache (`infra::cache`): the most frequent
//! request of a busy evening is answered without the database.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use qrorder_shared::admin::Restaurant;
use qrorder_shared::order::{PublicCategory, PublicMenu, PublicMenuItem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::Path;
use crate::infra::db::Db;
use crate::restaurant;
use crate::state::AppState;
use crate::tables::table_by_token;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(table_menu))
}

/// The menu of the table's restaurant. Empty categories are left out.
#[utoipa::path(get, path = "/tables/{token}/menu", tag = "diners",
    params(("token" = String, Path, description = "the table's token, from its QR code")),
    responses((status = 200, body = PublicMenu), (status = 404, body = qrorder_shared::ErrorBody)))]
async fn table_menu(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let table = table_by_token(&state, &token).await?;
    let r = restaurant::cached(&state, table.restaurant_id).await?;
    let body = state
        .caches
        .public_menus
        .get_or_load(r.id, document(&state.db, &r))
        .await?;
    let json = HeaderValue::from_static("application/json");
    Ok(([(CONTENT_TYPE, json)], body).into_response())
}

/// The diners' menu of `r`, serialised.
async fn document(db: &Db, r: &Restaurant) -> ApiResult<Bytes> {
    let categories = super::categories::list(db, r.id).await?;
    let items = super::items::list(db, r.id, r.currency, None).await?;
    let categories = categories
        .into_iter()
        .map(|c| PublicCategory {
            id: c.id,
            name: c.name,
            items: items
                .iter()
                .filter(|i| i.category_id == c.id)
                .map(|i| PublicMenuItem {
                    id: i.id,
                    version: i.version,
                    name: i.name.clone(),
                    description: i.description.clone(),
                    price: i.price,
                    image_url: i.image_url.clone(),
                    allergens: i.allergens.clone(),
                    option_groups: i.option_groups.clone(),
                    available: i.available && i.stock != Some(0),
                    remaining: i.stock,
                })
                .collect(),
        })
        .filter(|c: &PublicCategory| !c.items.is_empty())
        .collect();
    let menu = PublicMenu {
        currency: r.currency,
        categories,
    };
    Ok(Bytes::from(serde_json::to_vec(&menu).map_err(|e| {
        crate::http::error::ApiError::internal(format!("the menu did not serialise: {e}"))
    })?))
}
