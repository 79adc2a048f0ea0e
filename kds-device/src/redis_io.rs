//! Redis plumbing for the stream controllers: connections with explicit
//! timeouts, and stream replies read by hand (a pending entry whose data
//! was trimmed comes back as `nil`, which typed replies refuse).

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisResult, Value};

/// One stream entry; `fields` is `None` when the entry no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub fields: Option<HashMap<String, Vec<u8>>>,
}

/// A connection opened on demand and dropped after any error, so the next
/// use reconnects.
pub struct Lazy {
    client: Client,
    response_timeout: Duration,
    conn: Option<MultiplexedConnection>,
}

impl Lazy {
    pub fn new(client: Client, response_timeout: Duration) -> Self {
        Self {
            client,
            response_timeout,
            conn: None,
        }
    }

    pub async fn get(&mut self) -> RedisResult<MultiplexedConnection> {
        if let Some(c) = &self.conn {
            return Ok(c.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(self.response_timeout));
        let c = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        self.conn = Some(c.clone());
        Ok(c)
    }

    /// Run a command; on error the connection is dropped.
    pub async fn query(&mut self, cmd: &redis::Cmd) -> RedisResult<Value> {
        let mut c = self.get().await?;
        let r = cmd.query_async::<Value>(&mut c).await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    pub fn reset(&mut self) {
        self.conn = None;
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) | Value::Set(a) => a.iter().collect(),
        Value::Map(m) => m.iter().flat_map(|(k, v)| [k, v]).collect(),
        _ => Vec::new(),
    }
}

/// `[id, [field, value, …] | nil]` entries.
pub fn parse_entries(v: &Value) -> Vec<Entry> {
    items(v)
        .into_iter()
        .filter_map(|e| {
            let parts = items(e);
            let id = text(parts.first()?)?;
            let fields = parts.get(1).and_then(|f| {
                if matches!(f, Value::Nil) {
                    return None;
                }
                let kv = items(f);
                Some(
                    kv.chunks(2)
                        .filter_map(|c| {
                            let key = text(c.first()?)?;
                            let value = match c.get(1)? {
                                Value::BulkString(b) => b.clone(),
                                other => text(other)?.into_bytes(),
                            };
                            Some((key, value))
                        })
                        .collect(),
                )
            });
            Some(Entry { id, fields })
        })
        .collect()
}

/// The entries of an `XREADGROUP` reply for one stream (`nil` = none).
pub fn parse_xreadgroup(v: &Value) -> Vec<Entry> {
    match v {
        Value::Nil => Vec::new(),
        Value::Map(m) => m.iter().flat_map(|(_, e)| parse_entries(e)).collect(),
        other => items(other)
            .into_iter()
            .flat_map(|stream| {
                let parts = items(stream);
                parts.get(1).map(|e| parse_entries(e)).unwrap_or_default()
            })
            .collect(),
    }
}

/// `XAUTOCLAIM` reply: next cursor and claimed entries.
pub fn parse_xautoclaim(v: &Value) -> (String, Vec<Entry>) {
    let parts = items(v);
    let cursor = parts
        .first()
        .and_then(|c| text(c))
        .unwrap_or_else(|| "0-0".into());
    let entries = parts.get(1).map(|e| parse_entries(e)).unwrap_or_default();
    (cursor, entries)
}

/// Delivery count from an `XPENDING key group id id 1` reply.
pub fn parse_delivery_count(v: &Value) -> Option<u64> {
    let rows = items(v);
    let row = items(rows.first()?);
    match row.get(3)? {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}

/// Total pending count from a summary `XPENDING key group` reply.
pub fn parse_pending_total(v: &Value) -> Option<u64> {
    match items(v).first()? {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}
