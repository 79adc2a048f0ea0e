//! Typed ids, so that a table id can never be passed where a menu item id is
//! expected. On the wire they are plain integers.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A restaurant (the tenant every other row belongs to).
    RestaurantId,
    /// A staff or owner account.
    UserId,
    /// A registered kitchen device.
    DeviceId,
    /// A menu category.
    CategoryId,
    /// A menu item.
    MenuItemId,
    /// A table in the dining room.
    TableId,
);
