//! The shared cart of a table visit, kept in Redis so that every ws
//! instance sees one cart. Each change is one Lua script: it applies the
//! change, bumps the cart's version, refreshes the TTL and PUBLISHes the
//! change (as the `cart_op` message diners receive) on the table's channel —
//! all atomically, so messages go out in version order.
//!
//! Layout: one hash per visit. `v` = version, `seq` = last line number, and
//! per line `l:{id}` (what was added, as JSON), `q:{id}` (quantity),
//! `n:{id}` (note, JSON). Quantity and note are separate fields so that
//! changing them never re-encodes JSON inside Redis.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use crate::infra::redis::RedisConn;
use qrorder_shared::ws::{CartLine, ServerMessage};
use qrorder_shared::{MenuItemId, RestaurantId};
use serde::{Deserialize, Serialize};

use crate::http::error::ApiError;
use crate::infra::db::to_json;

/// A cart is forgotten this long after its last change.
pub const CART_TTL_SECS: u64 = 12 * 3600;
/// As many lines as one order may have, so that a full cart can be ordered.
pub const MAX_LINES: usize = crate::orders::rules::MAX_LINES;

/// A cart as stored: lines in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart {
    pub version: u64,
    pub lines: Vec<CartLine>,
}

/// A line a diner adds.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub item_id: MenuItemId,
    pub options: BTreeMap<String, Vec<String>>,
    pub qty: u32,
    pub note: Option<String>,
    pub added_by: String,
    pub added_by_name: String,
}

/// What a line is, apart from its quantity and note.
#[derive(Debug, Serialize, Deserialize)]
struct LineCore {
    item_id: MenuItemId,
    #[serde(default)]
    options: BTreeMap<String, Vec<String>>,
    added_by: String,
    added_by_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error("there is no such line in the cart (it may have been removed by someone else)")]
    NoLine,
    #[error("the cart is full ({MAX_LINES} lines)")]
    Full,
    #[error("the cart changed, or someone at the table is ordering it right now")]
    Taken,
    #[error("the cart is unavailable: {0}")]
    Redis(#[from] redis::RedisError),
}

impl CartError {
    pub fn code(&self) -> &'static str {
        match self {
            CartError::NoLine => "no_such_line",
            CartError::Full => "cart_full",
            CartError::Taken => "cart_changed",
            CartError::Redis(_) => "cart_unavailable",
        }
    }
}

impl From<CartError> for ApiError {
    fn from(e: CartError) -> Self {
        match e {
            CartError::Redis(e) => {
                ApiError::unavailable(format!("the shared cart is unavailable: {e}"))
            }
            other => ApiError::conflict(other.code(), other.to_string()),
        }
    }
}

/// The cart operations, all from one script so that each op is atomic.
/// KEYS[1] cart hash, KEYS[2] channel. ARGV[1] op, ARGV[2] TTL, rest per op.
/// On a cluster the channel is sharded: `SPUBLISH` (see `run`).
const CART_SCRIPT: &str = r#"
local key, channel, op, ttl = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local function done(v, body)
  redis.call('EXPIRE', key, ttl)
  redis.call('PUBLISH', channel, '{"type":"cart_op","version":' .. v .. ',"op":' .. body .. '}')
  return v
end
if op == 'claim' or op == 'release' then
  -- An order is being placed from version ARGV[3] under Idempotency-Key
  -- ARGV[4]: one key per version, so a cart is ordered once. Not published.
  local field = 'o:' .. ARGV[3]
  local holder = redis.call('HGET', key, field)
  if op == 'release' then
    if holder == ARGV[4] then redis.call('HDEL', key, field) end
    return 0
  end
  local v = tonumber(redis.call('HGET', key, 'v') or '0')
  if v ~= tonumber(ARGV[3]) then return redis.error_reply('stale') end
  if holder and holder ~= ARGV[4] then return redis.error_reply('claimed') end
  redis.call('HSET', key, field, ARGV[4])
  redis.call('EXPIRE', key, ttl)
  return v
end
if op == 'take' then
  -- The lines of a placed order leave the cart, each a published remove.
  local v = 0
  for i = 3, #ARGV do
    local id = ARGV[i]
    if redis.call('HEXISTS', key, 'l:' .. id) == 1 then
      redis.call('HDEL', key, 'l:' .. id, 'q:' .. id, 'n:' .. id)
      v = done(redis.call('HINCRBY', key, 'v', 1), '{"kind":"remove","line_id":"' .. id .. '"}')
    end
  end
  return v
end
if op == 'add' then
  local max_lines = tonumber(ARGV[6])
  local lines = 0
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, 2) == 'l:' then lines = lines + 1 end
  end
  if lines >= max_lines then return redis.error_reply('cart_full') end
  local n = redis.call('HINCRBY', key, 'seq', 1)
  local id = 'L' .. n
  redis.call('HSET', key, 'l:' .. id, ARGV[3], 'q:' .. id, ARGV[4], 'n:' .. id, ARGV[5])
  local v = redis.call('HINCRBY', key, 'v', 1)
  local line = '{"line_id":"' .. id .. '","qty":' .. ARGV[4] .. ',"note":' .. ARGV[5] .. ',' .. string.sub(ARGV[3], 2)
  return done(v, '{"kind":"add","line":' .. line .. '}')
end
local id = ARGV[3]
if op ~= 'clear' and redis.call('HEXISTS', key, 'l:' .. id) == 0 then return redis.error_reply('no_line') end
if op == 'set_qty' then
  redis.call('HSET', key, 'q:' .. id, ARGV[4])
  return done(redis.call('HINCRBY', key, 'v', 1), '{"kind":"set_qty","line_id":"' .. id .. '","qty":' .. ARGV[4] .. '}')
elseif op == 'set_note' then
  redis.call('HSET', key, 'n:' .. id, ARGV[4])
  return done(redis.call('HINCRBY', key, 'v', 1), '{"kind":"set_note","line_id":"' .. id .. '","note":' .. ARGV[4] .. '}')
elseif op == 'remove' then
  redis.call('HDEL', key, 'l:' .. id, 'q:' .. id, 'n:' .. id)
  return done(redis.call('HINCRBY', key, 'v', 1), '{"kind":"remove","line_id":"' .. id .. '"}')
elseif op == 'clear' then
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 2, 2) == ':' then redis.call('HDEL', key, field) end
  end
  return done(redis.call('HINCRBY', key, 'v', 1), '{"kind":"clear"}')
end
return redis.error_reply('unknown_op')
"#;

/// One table visit's cart: where it lives and where its changes are announced.
#[derive(Debug, Clone)]
pub struct CartRef {
    pub key: String,
    pub channel: String,
}

impl CartRef {
    pub fn new(keys: &crate::infra::keys::Keys, restaurant: RestaurantId, visit_id: i64) -> Self {
        Self {
            key: keys.cart(restaurant, visit_id),
            channel: keys.visit_channel(restaurant, visit_id),
        }
    }

    /// Runs `op` of the script with its arguments (the TTL goes first).
    async fn run(&self, conn: &mut RedisConn, op: &str, args: &[String]) -> Result<u64, CartError> {
        static SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(CART_SCRIPT));
        static SHARDED: LazyLock<redis::Script> =
            LazyLock::new(|| redis::Script::new(&CART_SCRIPT.replace("'PUBLISH'", "'SPUBLISH'")));
        let script = if conn.is_cluster() {
            &*SHARDED
        } else {
            &*SCRIPT
        };
        let mut invocation = script.key(&self.key);
        invocation.key(&self.channel).arg(op).arg(CART_TTL_SECS);
        for a in args {
            invocation.arg(a);
        }
        invocation.invoke_async(conn).await.map_err(|e| {
            let said =
                |word: &str| e.code() == Some(word) || e.detail().is_some_and(|d| d.contains(word));
            if said("no_line") {
                CartError::NoLine
            } else if said("cart_full") {
                CartError::Full
            } else if said("stale") || said("claimed") {
                CartError::Taken
            } else {
                CartError::Redis(e)
            }
        })
    }

    pub async fn add(&self, conn: &mut RedisConn, line: NewLine) -> Result<u64, CartError> {
        let NewLine {
            item_id,
            options,
            qty,
            note,
            added_by,
            added_by_name,
        } = line;
        let core = LineCore {
            item_id,
            options,
            added_by,
            added_by_name,
        };
        let core = to_json(&core);
        let note = to_json(&note);
        self.run(
            conn,
            "add",
            &[core, qty.to_string(), note, MAX_LINES.to_string()],
        )
        .await
    }

    pub async fn set_qty(
        &self,
        conn: &mut RedisConn,
        line_id: &str,
        qty: u32,
    ) -> Result<u64, CartError> {
        self.run(conn, "set_qty", &[line_id.into(), qty.to_string()])
            .await
    }

    pub async fn set_note(
        &self,
        conn: &mut RedisConn,
        line_id: &str,
        note: Option<String>,
    ) -> Result<u64, CartError> {
        let note = to_json(&note);
        self.run(conn, "set_note", &[line_id.into(), note]).await
    }

    pub async fn remove(&self, conn: &mut RedisConn, line_id: &str) -> Result<u64, CartError> {
        self.run(conn, "remove", &[line_id.into()]).await
    }

    /// Reserves the cart at `version` for the order with Idempotency-Key
    /// `key`: a second order of the same cart version gets `Taken`.
    pub async fn claim(
        &self,
        conn: &mut RedisConn,
        version: u64,
        key: &str,
    ) -> Result<(), CartError> {
        self.run(conn, "claim", &[version.to_string(), key.into()])
            .await
            .map(|_| ())
    }

    /// Gives a claim back (the order was refused).
    pub async fn release(
        &self,
        conn: &mut RedisConn,
        version: u64,
        key: &str,
    ) -> Result<(), CartError> {
        self.run(conn, "release", &[version.to_string(), key.into()])
            .await
            .map(|_| ())
    }

    /// Takes the ordered lines out of the cart in one atomic step.
    pub async fn take(&self, conn: &mut RedisConn, line_ids: &[String]) -> Result<u64, CartError> {
        self.run(conn, "take", line_ids).await
    }

    pub async fn clear(&self, conn: &mut RedisConn) -> Result<u64, CartError> {
        self.run(conn, "clear", &[String::new()]).await
    }

    /// The cart as it is now (version 0 and no lines when there is none).
    pub async fn load(&self, conn: &mut RedisConn) -> Result<Cart, CartError> {
        let fields: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(&self.key)
            .query_async(conn)
            .await?;
        Ok(decode(&fields))
    }
}

/// Builds the cart from the hash; a field that does not decode is skipped
/// (and logged) rather than breaking the whole cart.
fn decode(fields: &HashMap<String, String>) -> Cart {
    let version = fields.get("v").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut lines: Vec<(u64, CartLine)> = Vec::new();
    for (field, core) in fields {
        let Some(id) = field.strip_prefix("l:") else {
            continue;
        };
        let Ok(core) = serde_json::from_str::<LineCore>(core) else {
            tracing::warn!(field, "undecodable cart line skipped");
            continue;
        };
        let qty = fields
            .get(&format!("q:{id}"))
            .and_then(|q| q.parse().ok())
            .unwrap_or(1);
        let note = fields
            .get(&format!("n:{id}"))
            .and_then(|n| serde_json::from_str(n).ok())
            .flatten();
        let seq = id.trim_start_matches('L').parse().unwrap_or(u64::MAX);
        lines.push((
            seq,
            CartLine {
                line_id: id.to_owned(),
                item_id: core.item_id,
                qty,
                options: core.options,
                note,
                added_by: core.added_by,
                added_by_name: core.added_by_name,
            },
        ));
    }
    lines.sort_by_key(|(seq, _)| *seq);
    Cart {
        version,
        lines: lines.into_iter().map(|(_, l)| l).collect(),
    }
}

impl Cart {
    pub fn snapshot(self, participants: Vec<qrorder_shared::ws::Participant>) -> ServerMessage {
        ServerMessage::Cart {
            version: self.version,
            lines: self.lines,
            participants,
        }
    }
}
