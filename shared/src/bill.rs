//! The table's bill: its lines, tax and total, the shares of a split bill,
//! the lines staff assign to shares and the diner's view of it.

use serde::{Deserialize, Serialize};

use crate::order::{ChosenOption, Diner, Order, StaffMember};
use crate::payment::Payment;
use crate::{LocalizedText, Money, TableId};

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
    pub payments: Vec<Payment>,
    /// What they add up to, and what is still due (`total - paid`).
    pub paid: Money,
    pub due: Money,
    /// With `?split=items`: every ordered line, with the shares it is
    /// assigned to (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<BillItem>>,
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

/// One ordered line of the visit, as `split=items` offers it to assign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BillItem {
    pub line_id: i64,
    pub order_id: i64,
    pub name: LocalizedText,
    pub qty: u32,
    pub line_total: Money,
    pub added_by: Option<Diner>,
    /// The staff member who entered it (its order was entered from the
    /// console; the line is the table's, `added_by` is `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<StaffMember>,
    /// The item shares (their `id`s) it is assigned to.
    pub shares: Vec<String>,
}

/// `GET /tables/{token}/bill`: the bill of the diner's current visit, and
/// their own share (by what they added to the shared cart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DinerBill {
    pub visit_id: i64,
    pub lines: Vec<BillLine>,
    pub subtotal: Money,
    pub tax_rate_bp: u32,
    pub tax_included: bool,
    pub tax: Money,
    pub total: Money,
    pub paid: Money,
    pub due: Money,
    /// The share of the diner named by `?client_id=` (`split=person`);
    /// `null` when they added nothing that was ordered.
    pub mine: Option<BillShare>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_is_rounded_half_up_whether_included_or_added() {
        assert_eq!(tax_and_total(11000, 1000, true), (1000, 11000));
        assert_eq!(tax_and_total(10000, 1000, false), (1000, 11000));
        assert_eq!(tax_and_total(1005, 1000, false), (101, 1106));
        assert_eq!(tax_and_total(999, 0, false), (0, 999));
    }
}
