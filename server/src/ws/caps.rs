//! The caps on diner sockets: per client address (an IPv4 address or an
//! IPv6 /64, through the restaurant's trusted proxies) and per table,
//! counted by this instance (`infra::sockets`: why there). A socket beyond
//! a cap is opened, told `error` `too_many_sockets` (with `details.limit`
//! and `details.max`) and closed with `CLOSE_TOO_MANY` (4429), which the
//! page explains and retries slowly.

use std::net::IpAddr;

use qrorder_shared::ws::ServerMessage;
use qrorder_shared::{RestaurantId, TableId};
use serde_json::json;

use crate::infra::ratelimit::address_key;
use crate::infra::sockets::Held;
use crate::state::AppState;

/// Counts a diner's socket, or says why not.
pub(super) fn hold_diner(
    state: &AppState,
    restaurant: RestaurantId,
    table: TableId,
    client: IpAddr,
) -> Result<Held, Box<ServerMessage>> {
    let c = &state.config;
    let limits = [
        (
            format!("client:{}", address_key(client)),
            c.ws_sockets_per_client,
        ),
        (
            format!("table:{}:{}", restaurant.0, table.0),
            c.ws_sockets_per_table,
        ),
    ];
    state.sockets.hold(&limits).map_err(|full| {
        let (limit, max, message) = if full == 0 {
            (
                "client",
                c.ws_sockets_per_client,
                "too many pages are open from this network; close the ones no longer used",
            )
        } else {
            (
                "table",
                c.ws_sockets_per_table,
                "too many pages are open at this table; close the ones no longer used",
            )
        };
        Box::new(ServerMessage::Error {
            code: "too_many_sockets".to_owned(),
            message: message.to_owned(),
            details: Some(json!({ "limit": limit, "max": max })),
        })
    })
}
