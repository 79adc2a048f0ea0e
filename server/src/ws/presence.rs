//! Who is at a table: one field per open socket in a Redis hash, refreshed
//! while the socket lives, so that sockets of an instance that died fade out
//! after `STALE_MS` without anyone cleaning up.

use std::collections::BTreeMap;

use crate::infra::redis::RedisConn;
use qrorder_shared::ws::{Participant, ServerMessage};
use serde::{Deserialize, Serialize};

use crate::infra::db::{now_ms, to_json};

/// A socket not refreshed for this long is gone.
pub const STALE_MS: i64 = 60_000;
/// How often a live socket refreshes its entry.
pub const REFRESH_SECS: u64 = 20;

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    client_id: String,
    nickname: String,
    seen: i64,
}

pub struct Presence {
    pub key: String,
    pub channel: String,
    pub field: String,
}

impl Presence {
    pub async fn set(
        &self,
        conn: &mut RedisConn,
        client_id: &str,
        nickname: &str,
    ) -> redis::RedisResult<()> {
        let entry = Entry {
            client_id: client_id.to_owned(),
            nickname: nickname.to_owned(),
            seen: now_ms(),
        };
        redis::pipe()
            .hset(&self.key, &self.field, to_json(&entry))
            .ignore()
            .expire(&self.key, 24 * 3600)
            .ignore()
            .query_async(conn)
            .await
    }

    pub async fn remove(&self, conn: &mut RedisConn) -> redis::RedisResult<()> {
        redis::cmd("HDEL")
            .arg(&self.key)
            .arg(&self.field)
            .query_async(conn)
            .await
    }

    /// Everyone at the table, one entry per diner (several tabs count once).
    pub async fn list(&self, conn: &mut RedisConn) -> redis::RedisResult<Vec<Participant>> {
        let fields: BTreeMap<String, String> = redis::cmd("HGETALL")
            .arg(&self.key)
            .query_async(conn)
            .await?;
        let now = now_ms();
        let mut by_client: BTreeMap<String, Entry> = BTreeMap::new();
        for value in fields.values() {
            let Ok(e) = serde_json::from_str::<Entry>(value) else {
                continue;
            };
            if now - e.seen > STALE_MS {
                continue;
            }
            match by_client.get(&e.client_id) {
                Some(known) if known.seen >= e.seen => {}
                _ => {
                    by_client.insert(e.client_id.clone(), e);
                }
            }
        }
        let mut out: Vec<Participant> = by_client
            .into_values()
            .map(|e| Participant {
                client_id: e.client_id,
                nickname: e.nickname,
            })
            .collect();
        out.sort_by(|a, b| {
            a.nickname
                .cmp(&b.nickname)
                .then(a.client_id.cmp(&b.client_id))
        });
        Ok(out)
    }

    /// Tells the table who is there now.
    pub async fn announce(&self, conn: &mut RedisConn) -> redis::RedisResult<()> {
        let participants = self.list(conn).await?;
        let message = to_json(&ServerMessage::Participants { participants });
        redis::cmd(conn.publish_command())
            .arg(&self.channel)
            .arg(message)
            .query_async(conn)
            .await
    }
}
