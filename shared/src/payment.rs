//! Paying a table's bill: payments recorded against its shares (or the
//! whole bill), the lines staff assign to shares (`split=items`) and the
//! `table` event of the staff feed.

use serde::{Deserialize, Serialize};

use crate::{Money, TableId};

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Cash,
    Card,
    Other,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [
        PaymentMethod::Cash,
        PaymentMethod::Card,
        PaymentMethod::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// `POST /admin/tables/{id}/bill/payments`, with an `Idempotency-Key`
/// header: a retry (a double tap) records nothing twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// The `id` of a share of the split bill (`diner:{client_id}`,
    /// `table`, `even:{i}/{n}`, `items:{i}`); absent: the whole bill.
    #[serde(default)]
    pub share: Option<String>,
    /// What was paid, in minor units: more than 0, at most what is still
    /// due on the share and on the bill.
    pub amount_minor: i64,
    pub method: PaymentMethod,
    /// The bill's total as staff were shown it: when it changed since (an
    /// order came in), nothing is recorded (409 `bill_changed`).
    pub expected_total_minor: i64,
}

/// A payment taken for a table's visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: i64,
    pub visit_id: i64,
    /// The share it was for; `null`: the whole bill.
    pub share: Option<String>,
    pub amount: Money,
    pub method: PaymentMethod,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// The answer to a payment: it, and where the bill stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentReceipt {
    pub payment: Payment,
    /// Paid on the visit so far, this payment included.
    pub paid: Money,
    /// Still due on the visit's bill.
    pub due: Money,
    /// The bill is paid in full: the visit ended (as if closed) and a new
    /// one began.
    pub closed: bool,
}

/// `POST /admin/tables/{id}/bill/shares`: which lines each share pays for
/// (`split=items`). A line named in several shares is divided between
/// them (one bottle between three); lines in no share make a last share,
/// `unassigned`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemShares {
    pub shares: Vec<ItemShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ItemShare {
    /// What staff call it ("Ann", "seat 3"); 1 to 40 characters.
    pub name: String,
    /// `line_id`s from the bill's `items` (`split=items`).
    pub line_ids: Vec<i64>,
}

/// A table's state changed: the staff feed's `table` message. A payment
/// or the bill closed carries `paid`, `due` and `closed`; a change of the
/// people at the table carries `people` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableUpdate {
    pub table_id: TableId,
    /// The visit the change was on.
    pub visit_id: i64,
    /// Paid and still due on that visit (after a payment or a close).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Money>,
    /// The visit ended; `next_visit_id` is the one that began.
    #[serde(default)]
    pub closed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_visit_id: Option<i64>,
    /// How many people are at the table now (diners with its page open on
    /// that visit), when that is what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_snake_case_words_and_unknown_fields_are_refused() {
        for m in PaymentMethod::ALL {
            assert_eq!(serde_json::to_value(m).expect("json"), m.as_str());
            assert_eq!(PaymentMethod::parse(m.as_str()), Some(m));
        }
        let ok: NewPayment = serde_json::from_str(
            r#"{"share":"table","amount_minor":500,"method":"card","expected_total_minor":900}"#,
        )
        .expect("a payment");
        assert_eq!(ok.method, PaymentMethod::Card);
        assert!(
            serde_json::from_str::<NewPayment>(
                r#"{"amount":500,"method":"card","expected_total_minor":900}"#
            )
            .is_err()
        );
    }
}
