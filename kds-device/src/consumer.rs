//! The stream consumer: one member of the station's consumer group.
//!
//! On (re)connect it creates the group (MKSTREAM; BUSYGROUP is fine), reads
//! its own pending entries (ID `0`) first, then new ones (`>`) with BLOCK on
//! a connection used for nothing else whose response timeout is above the
//! BLOCK time. Between reads it keeps its in-flight entries fresh (XCLAIM
//! JUSTID to itself, which does not count as a delivery) and XAUTOCLAIMs
//! entries left idle by dead devices of the same station. Every entry is
//! decoded, dead-lettered (XADD to the dead stream before XACK) when it
//! cannot be handled, acknowledged at once when nothing in it is for this
//! station, and otherwise shown and queued for the printer worker, which
//! acknowledges it after a confirmed print.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use qrorder_shared::stream::{ORDER_PAYLOAD_SCHEMA, OrderPayload};
use redis::Client;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::event::{AlertKind, Event, TicketInfo};
use crate::journal::Journal;
use crate::redis_io::{self, Entry, Group, Lazy, Read};

/// Entries read and not yet acknowledged, shared by consumer and printer worker.
#[derive(Clone, Default)]
pub struct InFlight(Arc<Mutex<HashSet<String>>>);

impl InFlight {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
    /// `false` when the entry is already being handled.
    pub fn insert(&self, id: &str) -> bool {
        self.lock().insert(id.to_owned())
    }
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }
    pub fn len(&self) -> usize {
        self.lock().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn ids(&self) -> Vec<String> {
        self.lock().iter().cloned().collect()
    }
}

/// A ticket for the printer worker.
#[derive(Debug, Clone)]
pub struct PrintJob {
    pub entry_id: String,
    pub order: OrderPayload,
    pub reprint: bool,
}

/// Where an entry came from: it decides whether it may be on paper already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    New,
    OwnPending,
    /// Taken over from another device, which may have printed it.
    Claimed,
}

pub struct Consumer {
    pub config: Config,
    pub client: Client,
    pub journal: Arc<Mutex<Journal>>,
    pub in_flight: InFlight,
    pub events: mpsc::UnboundedSender<Event>,
    pub jobs: mpsc::UnboundedSender<PrintJob>,
}

/// Why an entry cannot be handled.
fn decode(entry: &Entry) -> Result<OrderPayload, String> {
    let fields = entry.fields.as_ref().ok_or("the entry no longer exists")?;
    let payload = fields.get("payload").ok_or("no `payload` field")?;
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let schema = value.get("schema").and_then(serde_json::Value::as_u64);
    if schema != Some(u64::from(ORDER_PAYLOAD_SCHEMA)) {
        return Err(format!(
            "unknown payload schema {} (this device reads {ORDER_PAYLOAD_SCHEMA})",
            schema.map_or_else(|| "none".to_owned(), |s| s.to_string())
        ));
    }
    let order: OrderPayload =
        serde_json::from_value(value).map_err(|e| format!("payload does not decode: {e}"))?;
    if let Some(id) = fields.get("order_id") {
        let id = String::from_utf8_lossy(id);
        if id.trim() != order.order_id.to_string() {
            return Err(format!(
                "order_id field {id} differs from the payload's {}",
                order.order_id
            ));
        }
    }
    Ok(order)
}

impl Consumer {
    fn send(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// Runs until the task is dropped; Redis failures are retried with back-off.
    pub async fn run(self) {
        let mut cmd = Lazy::new(self.client.clone(), Duration::from_secs(2));
        let mut backoff = Duration::from_millis(100);
        loop {
            let mut read = Lazy::new(
                self.client.clone(),
                self.config.block() + Duration::from_secs(2),
            );
            match self.session(&mut read, &mut cmd).await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(error = %e, "stream consumer: Redis failed; reconnecting");
                    cmd.reset();
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// One connected session: group, own pending, then new entries and claims.
    async fn session(&self, read: &mut Lazy, cmd: &mut Lazy) -> redis::RedisResult<()> {
        let group = self.config.consumer_group();
        let me = &self.config.device_id;
        redis_io::create_group(cmd, &group).await?;

        // Own pending entries first: delivered to this device before, not acked.
        let mut after = "0".to_owned();
        for _ in 0..10_000 {
            let entries =
                redis_io::xreadgroup(read, &group, me, Read::Pending { after: &after }, 100)
                    .await?;
            let Some(last) = entries.last() else { break };
            after = last.id.clone();
            for entry in entries {
                self.handle(cmd, &group, entry, Source::OwnPending).await?;
            }
        }

        let mut last_claim: Option<Instant> = None;
        loop {
            if last_claim
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(self.config.claim_interval_ms))
            {
                self.claim(cmd, &group).await?;
                last_claim = Some(Instant::now());
            }
            let block_ms = self
                .config
                .block_ms
                .min(self.config.claim_interval_ms.max(1));
            let entries =
                redis_io::xreadgroup(read, &group, me, Read::New { block_ms }, 50).await?;
            for entry in entries {
                self.handle(cmd, &group, entry, Source::New).await?;
            }
        }
    }

    /// Keep own in-flight entries ours (and fresh), then take over entries
    /// idle too long in other consumers' pending lists.
    async fn claim(&self, cmd: &mut Lazy, group: &Group) -> redis::RedisResult<()> {
        let me = &self.config.device_id;
        redis_io::xclaim(cmd, group, me, &self.in_flight.ids()).await?;
        let mut cursor = "0-0".to_owned();
        for _ in 0..100 {
            let claimed =
                redis_io::xautoclaim(cmd, group, me, self.config.claim_idle_ms, &cursor, 50)
                    .await?;
            for entry in claimed.entries {
                if !entry.id.is_empty() {
                    tracing::info!(entry = %entry.id, "claimed an idle entry from another device");
                    self.handle(cmd, group, entry, Source::Claimed).await?;
                }
            }
            match claimed.next {
                Some(next) => cursor = next,
                None => break,
            }
        }
        Ok(())
    }

    async fn handle(
        &self,
        cmd: &mut Lazy,
        group: &Group,
        entry: Entry,
        source: Source,
    ) -> redis::RedisResult<()> {
        if !self.in_flight.insert(&entry.id) {
            return Ok(()); // already being printed here
        }
        let result = self.handle_new(cmd, group, &entry, source).await;
        if !matches!(result, Ok(true)) {
            // Not queued for printing (done, or Redis failed: it stays
            // pending and comes back as an own pending entry).
            self.in_flight.remove(&entry.id);
        }
        self.send(Event::Unacked(self.in_flight.len()));
        result.map(drop)
    }

    /// `Ok(true)` when the entry went to the printer worker.
    async fn handle_new(
        &self,
        cmd: &mut Lazy,
        group: &Group,
        entry: &Entry,
        source: Source,
    ) -> redis::RedisResult<bool> {
        let order = match decode(entry) {
            Ok(order) => order,
            Err(reason) => {
                if entry.fields.is_none() {
                    // Trimmed away: nothing left to show, print or keep.
                    tracing::warn!(entry = %entry.id, "pending entry no longer exists; acknowledged");
                    redis_io::xack(cmd, group, &entry.id).await?;
                    return Ok(false);
                }
                self.dead_letter(cmd, group, entry, &reason).await?;
                return Ok(false);
            }
        };
        if source != Source::New {
            let deliveries = redis_io::deliveries(cmd, group, &entry.id)
                .await?
                .unwrap_or(1);
            if deliveries > self.config.max_deliveries {
                let reason = format!(
                    "delivered {deliveries} times (more than {})",
                    self.config.max_deliveries
                );
                self.dead_letter(cmd, group, entry, &reason).await?;
                return Ok(false);
            }
        }
        let Some(ticket) =
            TicketInfo::from_payload(&order, &self.config.station, &self.config.language)
        else {
            redis_io::xack(cmd, group, &entry.id).await?;
            return Ok(false);
        };
        let (reprint, duplicate) = {
            let j = self.journal.lock().unwrap_or_else(PoisonError::into_inner);
            let confirmed = j.confirmed_entry(order.order_id);
            (
                j.maybe_printed(order.order_id) || source == Source::Claimed,
                confirmed.is_some_and(|e| e != entry.id),
            )
        };
        if duplicate {
            // The same order published again (outbox relay): printed and
            // acknowledged under another entry already.
            tracing::info!(entry = %entry.id, order = order.order_id, "duplicate of a printed order; acknowledged");
            redis_io::xack(cmd, group, &entry.id).await?;
            return Ok(false);
        }
        self.send(Event::TicketArrived { ticket, reprint });
        let _ = self.jobs.send(PrintJob {
            entry_id: entry.id.clone(),
            order,
            reprint,
        });
        Ok(true)
    }

    async fn dead_letter(
        &self,
        cmd: &mut Lazy,
        group: &Group,
        entry: &Entry,
        reason: &str,
    ) -> redis::RedisResult<()> {
        let dead = self.config.dead_letters();
        redis_io::dead_letter(cmd, group, &self.config.device_id, &dead, entry, reason).await?;
        tracing::error!(entry = %entry.id, reason, "entry moved to the dead-letter stream");
        self.send(Event::Alert {
            kind: AlertKind::DeadLetter,
            text: format!("Entry {} could not be handled: {reason}", entry.id),
        });
        Ok(())
    }
}

/// Redis health for the banner: a PING every second on its own connection.
pub async fn watch_redis(client: Client, events: mpsc::UnboundedSender<Event>) {
    let mut conn = Lazy::new(client, Duration::from_millis(900));
    let mut last: Option<bool> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(1000));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let result =
            tokio::time::timeout(Duration::from_millis(900), redis_io::ping(&mut conn)).await;
        let (up, detail) = match result {
            Ok(Ok(())) => (true, String::new()),
            Ok(Err(e)) => (false, e.to_string()),
            Err(_) => {
                conn.reset();
                (false, "no answer within 0.9 s".to_owned())
            }
        };
        if last != Some(up) {
            last = Some(up);
            if events.send(Event::Redis { up, detail }).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(payload: &str) -> Entry {
        Entry {
            id: "1-0".into(),
            fields: Some(
                [
                    ("order_id".to_owned(), b"5".to_vec()),
                    ("payload".to_owned(), payload.as_bytes().to_vec()),
                ]
                .into_iter()
                .collect(),
            ),
        }
    }

    #[test]
    fn unknown_schema_and_broken_json_are_refused_with_a_reason() {
        let e = decode(&entry(r#"{"schema": 99, "order_id": 5}"#)).err();
        assert!(e.is_some_and(|e| e.contains("schema 99")));
        assert!(decode(&entry("{not json")).is_err());
        assert!(
            decode(&Entry {
                id: "1-0".into(),
                fields: None
            })
            .is_err()
        );
    }
}
