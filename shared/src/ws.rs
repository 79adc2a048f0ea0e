//! WebSocket messages: JSON objects tagged with `type`. Diners connect to
//! `/ws/tables/{token}`, kitchen screens to `/ws/kitchen`.
//!
//! The cart of a table is one cart, versioned: every change bumps `version`
//! by one and is sent as a `cart_op` carrying the new version. A client that
//! sees a gap (a version not exactly one above its own) sends `sync` and
//! gets a `cart` snapshot.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::MenuItemId;
use crate::order::{Order, OrderStatus};
use crate::service::ServiceRequest;

/// From a diner's page to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// First message: who this is. Answered with a `cart` snapshot.
    Hello {
        /// Stable per browser (kept in local storage), so a reconnect is the same diner.
        client_id: String,
        #[serde(default)]
        nickname: Option<String>,
        #[serde(default)]
        last_version: Option<u64>,
    },
    Add {
        item_id: MenuItemId,
        #[serde(default)]
        options: BTreeMap<String, Vec<String>>,
        qty: u32,
        #[serde(default)]
        note: Option<String>,
    },
    SetQty {
        line_id: String,
        qty: u32,
    },
    SetNote {
        line_id: String,
        note: Option<String>,
    },
    Remove {
        line_id: String,
    },
    Clear,
    /// Asks for a `cart` snapshot (after a version gap).
    Sync,
    /// Changes this diner's nickname.
    Rename {
        nickname: String,
    },
}

/// Close code of a diner's socket whose join was refused because the diner
/// is outside the restaurant: an `error` message with the reason comes
/// first. Clients should not reconnect on their own until their network
/// changes. (4000–4999 are for applications.)
pub const CLOSE_REFUSED: u16 = 4403;

/// Close code of a diner's socket whose table code stopped working while it
/// was open: the table's token was rotated or the table taken out of
/// service. An `error` with code `table_not_found` comes first. Clients
/// should not reconnect with the same code: the diner must scan the code on
/// the table again.
pub const CLOSE_TABLE_GONE: u16 = 4404;

/// Close code of a diner's socket turned away because its table, or its
/// client address, already has as many sockets open as the server holds
/// (an `error` `too_many_sockets` with `details.limit`, `table` or
/// `client`, comes first). Clients may try again after a while.
pub const CLOSE_TOO_MANY: u16 = 4429;

/// From the server to pages and kitchen screens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The whole cart.
    Cart {
        version: u64,
        lines: Vec<CartLine>,
        participants: Vec<Participant>,
    },
    /// One change; `version` is the cart's version after it.
    CartOp {
        version: u64,
        op: CartOp,
    },
    /// Who is at the table now.
    Participants {
        participants: Vec<Participant>,
    },
    /// Somebody at the table ordered; the cart is empty now.
    OrderPlaced {
        order: Order,
    },
    OrderStatus {
        order_id: i64,
        status: OrderStatus,
    },
    /// An order's lines changed: staff voided some of them. The order as it
    /// now stands, its totals what is left and the voided lines marked
    /// (`voided`). To the table's diners and the staff feed; an order with
    /// no line left is `cancelled` here and in an `order_status` too.
    OrderChanged {
        order: Order,
    },
    /// A diner's service request was made, acknowledged or done: to the
    /// staff feed (and kitchen screens, which may ignore it) and to the
    /// table's diners.
    ServiceRequest {
        request: ServiceRequest,
    },
    /// A table's state changed: a payment was taken, or its bill closed
    /// (paid in full, or by staff) — to the staff feed and the visit's
    /// diners —, or the number of people at it changed (`people` only) —
    /// to the staff feed.
    Table {
        table: crate::payment::TableUpdate,
    },
    /// Items sold out, back, or changed in price: reload them.
    MenuChanged {
        item_ids: Vec<MenuItemId>,
    },
    /// A message refused (the socket stays open), or the join refused:
    /// then the socket is closed at once with [`CLOSE_REFUSED`].
    Error {
        code: String,
        message: String,
        /// Machine-readable particulars, as in `ErrorBody::details`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        details: Option<serde_json::Value>,
    },
    /// Messages may have been lost (Redis was away, a subscription was
    /// redone, the socket fell behind): reload what you show. Kitchen
    /// screens get it as their first message too; diners get a `cart`
    /// snapshot right after it.
    Resync,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CartOp {
    Add {
        line: CartLine,
    },
    SetQty {
        line_id: String,
        qty: u32,
    },
    SetNote {
        line_id: String,
        note: Option<String>,
    },
    Remove {
        line_id: String,
    },
    Clear,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub line_id: String,
    pub item_id: MenuItemId,
    pub qty: u32,
    #[serde(default)]
    pub options: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
    /// The `client_id` of the diner who added it.
    pub added_by: String,
    /// Their nickname when they added it.
    pub added_by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub client_id: String,
    pub nickname: String,
}

/// How many people are at a table now: diners with its page open on its
/// current visit (`GET /admin/tables/people`; the table map's "seated").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TablePeople {
    pub table_id: crate::TableId,
    pub visit_id: i64,
    /// Distinct diners (a phone with the page open twice counts once).
    pub people: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged_with_type() {
        let m: ClientMessage =
            serde_json::from_str(r#"{"type":"set_qty","line_id":"a1","qty":3}"#).expect("json");
        assert_eq!(
            m,
            ClientMessage::SetQty {
                line_id: "a1".into(),
                qty: 3
            }
        );
        let out = serde_json::to_value(ServerMessage::Error {
            code: "x".into(),
            message: "y".into(),
            details: None,
        })
        .expect("json");
        assert_eq!(out["type"], "error");
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"explode"}"#).is_err());
    }
}
