//! The diners' side of the API: the table, its menu, orders and the bill.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::location::{GeoFix, LocationRequirements};
use crate::menu::OptionGroup;
use crate::{CategoryId, Currency, LocalizedText, MenuItemId, Money, TableId};

/// What a diner's page needs to know about the table it was opened for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableInfo {
    pub table_id: TableId,
    pub table_name: String,
    pub restaurant_name: String,
    pub currency: Currency,
    pub languages: Vec<String>,
    /// The current visit (the table's open bill); orders must name it.
    pub visit_id: i64,
    pub location: LocationRequirements,
    /// The service requests the restaurant offers (buttons on the page).
    #[serde(default)]
    pub service_kinds: Vec<crate::service::ServiceKind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicMenu {
    pub currency: Currency,
    pub categories: Vec<PublicCategory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicCategory {
    pub id: CategoryId,
    pub name: LocalizedText,
    pub items: Vec<PublicMenuItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicMenuItem {
    pub id: MenuItemId,
    /// Send it back with the order: a different current version means the
    /// item changed since the page loaded (409 `menu_changed`).
    pub version: i64,
    pub name: LocalizedText,
    pub description: LocalizedText,
    pub price: Money,
    pub image_url: Option<String>,
    pub allergens: Vec<String>,
    pub option_groups: Vec<OptionGroup>,
    pub available: bool,
    /// Portions left when limited; `null` = unlimited.
    pub remaining: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// The visit from `GET /tables/{token}`; a closed one is 409 `visit_closed`.
    pub visit_id: i64,
    /// The shared cart's version the diner ordered from, when ordering from it.
    #[serde(default)]
    pub cart_version: Option<u64>,
    pub items: Vec<NewOrderItem>,
    #[serde(default)]
    pub location: Option<GeoFix>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrderItem {
    pub menu_item_id: MenuItemId,
    pub menu_version: i64,
    pub qty: u32,
    /// Chosen options: option group id → option ids.
    #[serde(default)]
    pub options: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Placed,
    Accepted,
    Preparing,
    Ready,
    Served,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Placed,
        OrderStatus::Accepted,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::Served,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::Served => "served",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Position in the kitchen's flow; `None` for cancelled.
    fn rank(&self) -> Option<u8> {
        match self {
            OrderStatus::Placed => Some(0),
            OrderStatus::Accepted => Some(1),
            OrderStatus::Preparing => Some(2),
            OrderStatus::Ready => Some(3),
            OrderStatus::Served => Some(4),
            OrderStatus::Cancelled => None,
        }
    }

    /// Forward along placed → accepted → preparing → ready → served (a busy
    /// kitchen may skip steps), `ready → preparing` (a recalled ticket), and
    /// cancel from anything not yet served.
    pub fn can_become(&self, next: OrderStatus) -> bool {
        match (self.rank(), next.rank()) {
            (Some(from), Some(to)) => {
                to > from || (*self, next) == (OrderStatus::Ready, OrderStatus::Preparing)
            }
            (Some(from), None) => from < 4,
            (None, _) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: i64,
    /// The number of the day, called out and printed on the ticket.
    pub number: u32,
    pub table_id: TableId,
    pub table_name: String,
    pub visit_id: i64,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
    /// Unix milliseconds of each status reached.
    pub created_at: i64,
    pub accepted_at: Option<i64>,
    pub preparing_at: Option<i64>,
    pub ready_at: Option<i64>,
    pub served_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    /// When every station of its lines that has a kitchen display had
    /// confirmed the ticket (printed, or shown on a screen without a
    /// printer); `null` until then. An open order still `null` a while
    /// after it was placed has reached no kitchen yet.
    #[serde(default)]
    pub kitchen_confirmed_at: Option<i64>,
}

/// One line as ordered: a snapshot, unaffected by later menu edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// The line's id (what a void names); 0 from older servers.
    #[serde(default)]
    pub id: i64,
    pub menu_item_id: MenuItemId,
    pub name: LocalizedText,
    pub qty: u32,
    /// Price of one, options included.
    pub unit_price: Money,
    pub options: Vec<ChosenOption>,
    pub note: Option<String>,
    pub station: String,
    pub line_total: Money,
    /// The diner who put the line in the table's shared cart, as the cart
    /// knew them when the order was placed. `null` (or absent, from older
    /// servers) when the line is the table's: ordered without the cart.
    #[serde(default)]
    pub added_by: Option<Diner>,
    /// The staff member who entered the line from the console (the line is
    /// the table's on the bill: `added_by` is `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<StaffMember>,
    /// Set when staff took the line off the order: it is on no bill and
    /// its stock was given back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided: Option<LineVoid>,
}

/// A staff member (or owner) as an order remembers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub user_id: i64,
    /// Their name, or their email when they have none, at that moment.
    pub name: String,
}

/// Why and when a line was voided, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineVoid {
    /// The void (one per request: the lines voided together share it).
    pub void_id: i64,
    pub reason: String,
    /// Unix milliseconds.
    pub at: i64,
    pub by: StaffMember,
}

/// Staff enter an order for a table (`POST /admin/tables/{id}/orders`):
/// the lines as a diner would send them; no cart, no location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffOrder {
    pub items: Vec<NewOrderItem>,
}

/// Void lines of an order (`POST /admin/orders/{id}/void`): the lines
/// named, or every line not yet voided when `line_ids` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    #[serde(default)]
    pub line_ids: Option<Vec<i64>>,
    /// Said on the kitchen's void ticket: 1 to 200 characters.
    pub reason: String,
}

/// A diner at a table, as the shared cart knows them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Diner {
    /// Stable per browser (the `client_id` of the diner's `hello`).
    pub client_id: String,
    /// Their nickname at that moment.
    pub nickname: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChosenOption {
    pub group_id: String,
    pub group: LocalizedText,
    pub option_id: String,
    pub option: LocalizedText,
    pub price_delta_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: OrderStatus,
}

/// What a kitchen display reports (`POST /orders/kitchen-confirmations`,
/// a device's token): orders whose tickets it printed for its station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KitchenConfirmation {
    /// 1 to [`KitchenConfirmation::MAX`] order ids.
    pub order_ids: Vec<i64>,
}

impl KitchenConfirmation {
    /// The most order ids one report may carry.
    pub const MAX: usize = 500;
}

/// The answer to a [`KitchenConfirmation`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KitchenConfirmed {
    /// How many of the ids are this restaurant's orders (now on record for
    /// the display's station; reporting one again changes nothing).
    pub recorded: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_moves_forward_recalls_from_ready_and_cancels_until_served() {
        use OrderStatus::*;
        assert!(
            Placed.can_become(Accepted) && Placed.can_become(Ready) && Ready.can_become(Served)
        );
        assert!(Ready.can_become(Preparing));
        assert!(
            !Served.can_become(Ready)
                && !Preparing.can_become(Accepted)
                && !Placed.can_become(Placed)
        );
        assert!(Placed.can_become(Cancelled) && Ready.can_become(Cancelled));
        assert!(!Served.can_become(Cancelled) && !Cancelled.can_become(Placed));
    }

    #[test]
    fn a_line_without_attribution_still_reads_and_is_the_tables() {
        let old = r#"{"menu_item_id":8,"name":{"en":"Naengmyeon"},"qty":1,
            "unit_price":{"amount_minor":3000,"currency":"KRW"},"options":[],"note":null,
            "station":"kitchen","line_total":{"amount_minor":3000,"currency":"KRW"}}"#;
        let line: OrderLine = serde_json::from_str(old).expect("an older server's line");
        assert_eq!(line.added_by, None);
        let mut by = line.clone();
        by.added_by = Some(Diner {
            client_id: "c1".into(),
            nickname: "Ann".into(),
        });
        let json = serde_json::to_string(&by).expect("json");
        assert_eq!(serde_json::from_str::<OrderLine>(&json).expect("back"), by);
    }
}
