//! The ws role: diners' shared carts and presence (and, for the admin
//! API, the number of people at each table), kitchen screens and the
//! staff console's live orders, all fed
//! through Redis Pub/Sub (`infra::pubsub`) so that any number of instances
//! serve one table.

mod caps;
mod close;
mod diner;
mod kitchen;
mod presence;
mod seated;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(diner::diner_socket))
        .routes(routes!(kitchen::kitchen_socket))
        .routes(routes!(kitchen::staff_socket))
}

/// Under `/api/v1/admin` (the admin-api role): who is at the tables.
pub fn admin_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(seated::table_people))
}
