//! The load generator (`qrorder-loadgen`, run by `scripts/bench`), a tool
//! apart from the server: it talks to a running server over HTTP and
//! WebSocket only, as diners do (and to Redis as a kitchen display does).
//! `orders` keeps `concurrency` diners ordering for `duration` and reports
//! accepted orders per second, latency percentiles and, with a kitchen
//! consumer (`kitchen`), order → stream delivery; `gets` does the same for
//! a page of reads (the diners' menu, or `/healthz` as the baseline); `ws`
//! times the cart fan-out over many sockets. `drive` runs the workers;
//! `seed` sets the benchmarks up through the admin API.

mod drive;
mod kitchen;
mod orders;
mod seed;
mod ws;

pub use drive::{RequestsReport, gets};
pub use kitchen::{Kitchen, KitchenReport};
pub use orders::{OrdersReport, orders};
pub use seed::{open_order_limits, seed_tokens, table_tokens};
pub use ws::{WsReport, ws};
