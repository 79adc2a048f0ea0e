//! The owner's reports: sales of a range of business days.

use serde::{Deserialize, Serialize};

use crate::{LocalizedText, MenuItemId, Money};

/// `GET /api/v1/admin/reports/sales?from=&to=`: the orders of the business
/// days `from..=to` (the restaurant's local dates, the day turning at
/// 04:00), cancelled ones counted apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SalesReport {
    /// First business day, `YYYY-MM-DD`.
    pub from: String,
    /// Last business day, inclusive.
    pub to: String,
    /// Orders not cancelled.
    pub orders: u64,
    pub subtotal: Money,
    /// Tax and total as the bills of the period compute them: per table
    /// visit, on the visit's subtotal, with the restaurant's tax settings.
    pub tax: Money,
    pub total: Money,
    /// `total / orders`, rounded down; zero without orders.
    pub average_order: Money,
    pub cancelled_orders: u64,
    /// What the cancelled orders would have cost.
    pub cancelled_total: Money,
    /// Voids of the period's orders: how many times staff took lines off
    /// an order (a whole order voided is also counted as cancelled, at 0).
    pub voids: u64,
    /// What the voided lines came to (line totals, before added tax).
    pub voided_total: Money,
    /// Every dish sold, most ordered first.
    pub items: Vec<ItemSales>,
    /// Orders and their totals by local hour of placing (0–23; all 24).
    pub by_hour: Vec<HourSales>,
    /// Time from placed to ready, per station, of the orders that got ready.
    pub prep_times: Vec<StationPrep>,
    /// Payments taken on the period's business days, per method (cash,
    /// card, other; every method, none left out).
    #[serde(default)]
    pub payments: Vec<MethodPayments>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MethodPayments {
    pub method: crate::payment::PaymentMethod,
    pub count: u64,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSales {
    pub menu_item_id: MenuItemId,
    /// The dish's name as last ordered.
    pub name: LocalizedText,
    pub qty: u64,
    /// Sum of its lines' totals (options included, before added tax).
    pub revenue: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourSales {
    pub hour: u8,
    pub orders: u64,
    /// Sum of the orders' totals.
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationPrep {
    pub station: String,
    /// Orders with a line for this station that reached `ready`.
    pub orders: u64,
    /// Mean of `ready_at - created_at`, in milliseconds.
    pub average_ms: i64,
}
