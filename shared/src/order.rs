//! The diners' side of the API: the table, its menu, orders and the bill.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::admin::LocationPolicy;
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

/// Which location proofs an order needs, so the page asks for GPS only when
/// the policy requires it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationRequirements {
    pub policy: LocationPolicy,
    /// GPS must be sent (`gps`, `network_and_gps`).
    pub gps_required: bool,
    /// GPS may be sent and helps (`network_or_gps`).
    pub gps_accepted: bool,
    /// Largest GPS accuracy radius accepted, in metres.
    pub max_accuracy_m: u32,
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

/// A GPS fix from the phone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoFix {
    pub lat: f64,
    pub lon: f64,
    /// Radius of uncertainty in metres, as the browser reports it.
    pub accuracy_m: f64,
    /// When the fix was taken, Unix milliseconds.
    pub at: i64,
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

/// The bill of a table's current visit. Cancelled orders are not on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bill {
    pub table_id: TableId,
    pub table_name: String,
    pub visit_id: i64,
    pub opened_at: i64,
    /// Same item, options and price merged into one line.
    pub lines: Vec<BillLine>,
    pub subtotal: Money,
    /// Tax rate in basis points (1000 = 10 %).
    pub tax_rate_bp: u32,
    /// Whether menu prices already include the tax.
    pub tax_included: bool,
    pub tax: Money,
    pub total: Money,
    pub orders: Vec<Order>,
    /// Payments taken on this visit, oldest first.
    #[serde(default)]
    pub payments: Vec<crate::payment::Payment>,
    /// What they add up to, and what is still due (`total - paid`).
    pub paid: Money,
    pub due: Money,
    /// With `?split=items`: every ordered line, with the shares it is
    /// assigned to (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<crate::payment::BillItem>>,
    /// With `?split=`: the bill in shares that sum exactly to `subtotal`,
    /// `tax` and `total` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<Vec<BillShare>>,
}

/// Whose share of a split bill this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShareKind {
    /// What one diner added to the shared cart (`split=person`).
    Diner,
    /// The table's lines: ordered without the cart, or entered by staff
    /// (`split=person`).
    Table,
    /// One of N equal shares (`split=even`).
    Even,
    /// Lines staff assigned to it (`split=items`).
    Items,
    /// The lines assigned to no share yet (`split=items`).
    Unassigned,
}

/// One share of a split bill. The tax is the bill's, divided by largest
/// remainder: every share's amounts are whole minor units and the shares
/// sum to the bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillShare {
    /// Names the share in a payment: `diner:{client_id}`, `table`,
    /// `even:{i}/{n}`, `items:{i}`, `unassigned`.
    pub id: String,
    pub kind: ShareKind,
    /// The diner's nickname (as they last ordered), the table's name, or
    /// `1/3`, `2/3`, … for even shares.
    pub name: String,
    /// The diner, for `kind: diner`.
    pub diner: Option<Diner>,
    /// What the share is for, merged like the bill's lines (empty for even shares).
    pub lines: Vec<BillLine>,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
    /// Paid against this share, and what is still due on it.
    pub paid: Money,
    pub due: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillLine {
    pub name: LocalizedText,
    pub options: Vec<ChosenOption>,
    pub qty: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// Tax and total of a subtotal: `(tax, total)` in minor units, rounded half
/// up. With tax included the total is the subtotal and the tax is the part
/// of it that is tax.
pub fn tax_and_total(subtotal: i64, rate_bp: u32, included: bool) -> (i64, i64) {
    let rate = i128::from(rate_bp);
    let sub = i128::from(subtotal);
    let tax = if included {
        (sub * rate * 2 + (10_000 + rate)) / (2 * (10_000 + rate))
    } else {
        (sub * rate * 2 + 10_000) / 20_000
    };
    let tax = i64::try_from(tax).unwrap_or(i64::MAX);
    (
        tax,
        if included {
            subtotal
        } else {
            subtotal.saturating_add(tax)
        },
    )
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

    #[test]
    fn tax_is_rounded_half_up_whether_included_or_added() {
        assert_eq!(tax_and_total(11000, 1000, true), (1000, 11000));
        assert_eq!(tax_and_total(10000, 1000, false), (1000, 11000));
        assert_eq!(tax_and_total(1005, 1000, false), (101, 1106));
        assert_eq!(tax_and_total(999, 0, false), (0, 999));
    }
}
