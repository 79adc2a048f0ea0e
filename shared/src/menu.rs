//! Menu DTOs: categories, items and their option groups.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{CategoryId, LocalizedText, MenuItemId, Money};

/// One choice inside an option group ("Large", "Extra egg").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuOption {
    /// Stable within its group: what orders refer to.
    pub id: String,
    pub name: LocalizedText,
    /// Added to the item's price, in minor units (may be 0, or negative: a
    /// discount, as long as no choice of options takes the price below 0).
    #[serde(default)]
    pub price_delta_minor: i64,
}

/// A set of choices a diner makes for an item ("Size": pick 1 of 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionGroup {
    pub id: String,
    pub name: LocalizedText,
    /// Fewest options a diner must pick (0 = optional).
    #[serde(default)]
    pub min: u32,
    /// Most options a diner may pick.
    pub max: u32,
    pub options: Vec<MenuOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: CategoryId,
    pub name: LocalizedText,
    pub sort: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    pub name: LocalizedText,
    #[serde(default)]
    pub sort: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    pub name: Option<LocalizedText>,
    pub sort: Option<i64>,
}

/// A menu item as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuItem {
    pub id: MenuItemId,
    pub category_id: CategoryId,
    pub name: LocalizedText,
    pub description: LocalizedText,
    pub price: Money,
    /// Path under the server (`/media/…`), when an image was uploaded.
    pub image_url: Option<String>,
    /// Allergen codes such as `gluten`, `egg`, `soy`.
    pub allergens: Vec<String>,
    pub option_groups: Vec<OptionGroup>,
    /// Kitchen station that prepares it (`kitchen`, `bar`, …).
    pub station: String,
    pub available: bool,
    /// Portions left; `null` = unlimited.
    pub stock: Option<i64>,
    /// Bumped by every change of content (name, description, price, options,
    /// allergens, station, category); orders and edits must carry the current one.
    pub version: i64,
    pub sort: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMenuItem {
    pub category_id: CategoryId,
    pub name: LocalizedText,
    #[serde(default)]
    pub description: LocalizedText,
    pub price_minor: i64,
    #[serde(default)]
    pub allergens: Vec<String>,
    #[serde(default)]
    pub option_groups: Vec<OptionGroup>,
    #[serde(default = "default_station")]
    pub station: String,
    #[serde(default = "default_true")]
    pub available: bool,
    #[serde(default)]
    pub stock: Option<i64>,
    #[serde(default)]
    pub sort: i64,
}

/// A partial update. `version` is required: a stale one is refused with 409
/// `stale_version` and nothing changes. `stock: null` makes stock unlimited;
/// leaving `stock` out leaves it as it is.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MenuItemPatch {
    pub version: i64,
    pub category_id: Option<CategoryId>,
    pub name: Option<LocalizedText>,
    pub description: Option<LocalizedText>,
    pub price_minor: Option<i64>,
    pub allergens: Option<Vec<String>>,
    pub option_groups: Option<Vec<OptionGroup>>,
    pub station: Option<String>,
    pub available: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub stock: Option<Option<i64>>,
    pub sort: Option<i64>,
}

pub fn default_station() -> String {
    "kitchen".to_owned()
}

fn default_true() -> bool {
    true
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_tells_null_stock_from_missing_stock() {
        let p: MenuItemPatch = serde_json::from_str(r#"{"version":1,"stock":null}"#).expect("json");
        assert_eq!(p.stock, Some(None));
        let p: MenuItemPatch = serde_json::from_str(r#"{"version":1}"#).expect("json");
        assert_eq!(p.stock, None);
        let p: MenuItemPatch = serde_json::from_str(r#"{"version":1,"stock":4}"#).expect("json");
        assert_eq!(p.stock, Some(Some(4)));
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<MenuItemPatch>(r#"{"version":1,"prise":3}"#).is_err());
    }
}
