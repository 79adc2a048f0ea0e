//! Redis plumbing for the stream controllers: connections with explicit
//! timeouts, and every stream command the device sends, each one a typed
//! operation that builds the command and reads its reply. Replies are read
//! by hand (a pending entry whose data was trimmed comes back as `nil`,
//! which typed replies refuse). One Redis or a Redis Cluster
//! (`redis_cluster`): the same commands, routed by the stream's slot.

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::cluster_async::ClusterConnection;
use redis::{
    AsyncConnectionConfig, Client, Cmd, ConnectionInfo, ErrorKind, RedisError, RedisResult, Value,
};

/// One stream entry; `fields` is `None` when the entry no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub fields: Option<HashMap<String, Vec<u8>>>,
}

/// A consumer group on one stream: the two names every group command takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub stream: String,
    pub name: String,
}

/// Something a command can be sent on: a [`Lazy`] connection, or a plain
/// multiplexed one (tests).
pub trait Query {
    fn query(&mut self, cmd: &Cmd) -> impl Future<Output = RedisResult<Value>> + Send;
}

/// Where the device's Redis is: one server, or a cluster's seed nodes (each
/// with the device's user) and the CA that signed their TLS certificates.
#[derive(Clone)]
pub enum Target {
    Single(Client),
    Cluster {
        nodes: Vec<ConnectionInfo>,
        root_cert: Option<Vec<u8>>,
    },
}

/// A connection to one Redis, or to the cluster (which follows MOVED/ASK
/// and failovers itself).
#[derive(Clone)]
pub enum Conn {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Query for Conn {
    async fn query(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        match self {
            Conn::Single(c) => cmd.query_async::<Value>(c).await,
            Conn::Cluster(c) => cmd.query_async::<Value>(c).await,
        }
    }
}

/// A connection opened on demand and dropped after any error, so the next
/// use reconnects.
pub struct Lazy {
    target: Target,
    response_timeout: Duration,
    conn: Option<Conn>,
}

impl Lazy {
    pub fn new(target: Target, response_timeout: Duration) -> Self {
        Self {
            target,
            response_timeout,
            conn: None,
        }
    }

    pub async fn get(&mut self) -> RedisResult<Conn> {
        if let Some(c) = &self.conn {
            return Ok(c.clone());
        }
        let c = match &self.target {
            Target::Single(client) => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(2)))
                    .set_response_timeout(Some(self.response_timeout));
                Conn::Single(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await?,
                )
            }
            Target::Cluster { nodes, root_cert } => {
                let mut b = redis::cluster::ClusterClient::builder(nodes.clone())
                    .connection_timeout(Duration::from_secs(2))
                    .response_timeout(self.response_timeout)
                    .retries(3);
                if let Some(pem) = root_cert {
                    b = b.certs(redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(pem.clone()),
                    });
                }
                Conn::Cluster(b.build()?.get_async_connection().await?)
            }
        };
        self.conn = Some(c.clone());
        Ok(c)
    }

    pub fn reset(&mut self) {
        self.conn = None;
    }
}

impl Query for Lazy {
    /// Run a command; on error the connection is dropped.
    async fn query(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        let mut c = self.get().await?;
        let r = c.query(cmd).await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }
}

impl Query for MultiplexedConnection {
    async fn query(&mut self, cmd: &Cmd) -> RedisResult<Value> {
        cmd.query_async::<Value>(self).await
    }
}

/// `PING`: the one Redis, or any one node of the cluster (a failover in
/// another shard is not this display's outage). A failure drops the
/// connection, as any command's does.
pub async fn ping(conn: &mut Lazy) -> RedisResult<()> {
    use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
    let r = match conn.get().await? {
        Conn::Single(mut c) => redis::cmd("PING").query_async::<()>(&mut c).await,
        Conn::Cluster(mut c) => c
            .route_command(
                redis::cmd("PING"),
                RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random),
            )
            .await
            .map(drop),
    };
    if r.is_err() {
        conn.reset();
    }
    r
}

/// `XGROUP CREATE … 0 MKSTREAM`: the group reads the stream from its start;
/// a group that exists already (`BUSYGROUP`) is fine.
pub async fn create_group(conn: &mut impl Query, group: &Group) -> RedisResult<()> {
    let mut cmd = redis::cmd("XGROUP");
    cmd.arg("CREATE")
        .arg(&group.stream)
        .arg(&group.name)
        .arg("0")
        .arg("MKSTREAM");
    match conn.query(&cmd).await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        Err(e) => Err(e),
    }
}

/// What an `XREADGROUP` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read<'a> {
    /// The consumer's own pending entries after `after` (`"0"`: from the
    /// first), without waiting.
    Pending { after: &'a str },
    /// Entries never delivered to anyone (`>`), waiting up to `block_ms`.
    New { block_ms: u64 },
}

/// `XREADGROUP GROUP group consumer COUNT count [BLOCK ms] STREAMS stream id`:
/// up to `count` entries (none when a BLOCK timed out).
pub async fn xreadgroup(
    conn: &mut impl Query,
    group: &Group,
    consumer: &str,
    read: Read<'_>,
    count: usize,
) -> RedisResult<Vec<Entry>> {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP")
        .arg(&group.name)
        .arg(consumer)
        .arg("COUNT")
        .arg(count);
    let id = match read {
        Read::Pending { after } => after,
        Read::New { block_ms } => {
            cmd.arg("BLOCK").arg(block_ms);
            ">"
        }
    };
    cmd.arg("STREAMS").arg(&group.stream).arg(id);
    Ok(parse_xreadgroup(&conn.query(&cmd).await?))
}

/// `XCLAIM … 0 ids JUSTID`: keeps `ids` with `consumer` and resets their
/// idle time (JUSTID does not count as a delivery). Nothing to send for no ids.
pub async fn xclaim(
    conn: &mut impl Query,
    group: &Group,
    consumer: &str,
    ids: &[String],
) -> RedisResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut cmd = redis::cmd("XCLAIM");
    cmd.arg(&group.stream)
        .arg(&group.name)
        .arg(consumer)
        .arg(0)
        .arg(ids)
        .arg("JUSTID");
    conn.query(&cmd).await.map(drop)
}

/// One round of `XAUTOCLAIM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// Where the next round starts; `None` when the pending list was gone through.
    pub next: Option<String>,
    pub entries: Vec<Entry>,
}

/// `XAUTOCLAIM stream group consumer min_idle cursor COUNT count`: entries
/// idle at least `min_idle_ms` in any consumer's pending list become
/// `consumer`'s (this counts as a delivery).
pub async fn xautoclaim(
    conn: &mut impl Query,
    group: &Group,
    consumer: &str,
    min_idle_ms: u64,
    cursor: &str,
    count: usize,
) -> RedisResult<Claimed> {
    let mut cmd = redis::cmd("XAUTOCLAIM");
    cmd.arg(&group.stream)
        .arg(&group.name)
        .arg(consumer)
        .arg(min_idle_ms)
        .arg(cursor)
        .arg("COUNT")
        .arg(count);
    let (next, entries) = parse_xautoclaim(&conn.query(&cmd).await?);
    Ok(Claimed {
        next: (next != "0-0").then_some(next),
        entries,
    })
}

/// `XPENDING stream group id id 1`: how often entry `id` was delivered;
/// `None` when it is not pending.
pub async fn deliveries(
    conn: &mut impl Query,
    group: &Group,
    id: &str,
) -> RedisResult<Option<u64>> {
    let mut cmd = redis::cmd("XPENDING");
    cmd.arg(&group.stream)
        .arg(&group.name)
        .arg(id)
        .arg(id)
        .arg(1);
    Ok(parse_delivery_count(&conn.query(&cmd).await?))
}

/// `XPENDING stream group`: how many entries the group has delivered and
/// not acknowledged.
pub async fn pending(conn: &mut impl Query, group: &Group) -> RedisResult<u64> {
    let mut cmd = redis::cmd("XPENDING");
    cmd.arg(&group.stream).arg(&group.name);
    parse_pending_total(&conn.query(&cmd).await?).ok_or_else(|| {
        RedisError::from((ErrorKind::UnexpectedReturnType, "XPENDING without a count"))
    })
}

/// `XACK stream group id`.
pub async fn xack(conn: &mut impl Query, group: &Group, id: &str) -> RedisResult<()> {
    let mut cmd = redis::cmd("XACK");
    cmd.arg(&group.stream).arg(&group.name).arg(id);
    conn.query(&cmd).await.map(drop)
}

/// Moves `entry` out of `group`: `XADD dead * entry_id … reason … station
/// (the group) device (the consumer)` followed by the entry's own fields,
/// then `XACK`. Written before the XACK: a crash in between leaves a
/// duplicate dead letter, never a lost entry.
pub async fn dead_letter(
    conn: &mut impl Query,
    group: &Group,
    consumer: &str,
    dead: &str,
    entry: &Entry,
    reason: &str,
) -> RedisResult<()> {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(dead)
        .arg("*")
        .arg("entry_id")
        .arg(&entry.id)
        .arg("reason")
        .arg(reason)
        .arg("station")
        .arg(&group.name)
        .arg("device")
        .arg(consumer);
    for (k, v) in entry.fields.iter().flatten() {
        cmd.arg(k.as_str()).arg(v.as_slice());
    }
    conn.query(&cmd).await?;
    xack(conn, group, &entry.id).await
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
fn parse_entries(v: &Value) -> Vec<Entry> {
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
fn parse_xreadgroup(v: &Value) -> Vec<Entry> {
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
fn parse_xautoclaim(v: &Value) -> (String, Vec<Entry>) {
    let parts = items(v);
    let cursor = parts
        .first()
        .and_then(|c| text(c))
        .unwrap_or_else(|| "0-0".into());
    let entries = parts.get(1).map(|e| parse_entries(e)).unwrap_or_default();
    (cursor, entries)
}

/// Delivery count from an `XPENDING key group id id 1` reply.
fn parse_delivery_count(v: &Value) -> Option<u64> {
    let rows = items(v);
    let row = items(rows.first()?);
    match row.get(3)? {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}

/// Total pending count from a summary `XPENDING key group` reply.
fn parse_pending_total(v: &Value) -> Option<u64> {
    match items(v).first()? {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}

/// A Redis error in words for the screen and the log: a TLS certificate
/// no trusted CA signed says which setting decides that.
pub fn describe(e: &RedisError) -> String {
    let text = e.to_string();
    if text.contains("invalid peer certificate") {
        format!(
            "Redis' TLS certificate is not signed by a CA this display trusts (redis_ca_file): {text}"
        )
    } else {
        text
    }
}
