//! The menu as diners see it, by table token: categories with their items,
//! what is available and how many portions are left.

use axum::extract::State;
use qrorder_shared::order::{PublicCategory, PublicMenu, PublicMenuItem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::error::ApiResult;
use crate::http::extract::{Json, Path};
use crate::restaurant;
use crate::state::AppState;
use crate::tables::resolve_token;

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
) -> ApiResult<Json<PublicMenu>> {
    let table = resolve_token(&state.db, &token).await?;
    let r = restaurant::load(&state.db, table.restaurant_id).await?;
    let categories = super::categories::list(&state.db, r.id).await?;
    let items = super::items::list(&state.db, r.id, r.currency, None).await?;
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
    Ok(Json(PublicMenu {
        currency: r.currency,
        categories,
    }))
}
