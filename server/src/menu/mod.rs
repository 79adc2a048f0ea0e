//! The menu as staff manage it: categories, items (with a content `version`
//! for optimistic concurrency, live `available` and `stock`), item images.

mod categories;
mod items;
mod public;
mod validate;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::state::AppState;

pub use categories::create as create_category;
pub use items::{cached as cached_items, create as create_item, list as list_items, load_item};

/// The diners' menu (client-api role).
pub fn public_router() -> OpenApiRouter<AppState> {
    public::router()
}

pub fn router(config: &Config) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(utoipa_axum::routes!(items::upload_image))
        // The image limit plus room for the multipart framing.
        .layer(DefaultBodyLimit::max(config.image_limit_bytes + 16 * 1024));
    OpenApiRouter::new()
        .merge(categories::router())
        .merge(items::router())
        .merge(uploads)
}
