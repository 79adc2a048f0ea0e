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

use qrorder_shared::stream::OrderPayload;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::entry::{Decoded, decode};
use crate::event::{AlertKind, Event, TicketInfo, VoidInfo};
use crate::journal::Journal;
use crate::redis_io::{self, Entry, Group, Lazy, Read, Target};

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
    /// The order, or for a void the voided lines in an order's shape.
    pub order: OrderPayload,
    /// A void ticket, for this reason, of void `void_id`.
    pub void: Option<(i64, String)>,
    pub reprint: bool,
}

impl PrintJob {
    /// What the journal remembers the print under: the order's id, or for
    /// a void the negative of the void's id (ids are positive), so that a
    /// void is never taken for a reprint of its order.
    pub fn journal_key(&self) -> i64 {
        match &self.void {
            Some((void_id, _)) => -void_id,
            None => self.order.order_id,
        }
    }
}

/// What the screen is told of an entry.
enum Shown {
    Ticket(TicketInfo),
    Void(VoidInfo),
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
    pub client: Target,
    pub journal: Arc<Mutex<Journal>>,
    pub in_flight: InFlight,
    pub events: mpsc::UnboundedSender<Event>,
    pub jobs: mpsc::UnboundedSender<PrintJob>,
    /// Orders printed here before: a copy is reported again ([`crate::confirm`]).
    pub printed: mpsc::UnboundedSender<i64>,
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
        let decoded = match decode(entry) {
            Ok(decoded) => decoded,
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
        let (station, lang) = (&self.config.station, &self.config.language);
        // What to show, and the job that prints it.
        let (shown, job) = match decoded {
            Decoded::Order(order) => {
                let Some(ticket) = TicketInfo::from_payload(&order, station, lang) else {
                    redis_io::xack(cmd, group, &entry.id).await?;
                    return Ok(false);
                };
                let job = PrintJob {
                    entry_id: entry.id.clone(),
                    order,
                    void: None,
                    reprint: false,
                };
                (Shown::Ticket(ticket), job)
            }
            Decoded::Void(void) => {
                let Some(info) = VoidInfo::from_payload(&void, station, lang) else {
                    redis_io::xack(cmd, group, &entry.id).await?;
                    return Ok(false);
                };
                let job = PrintJob {
                    entry_id: entry.id.clone(),
                    order: void.as_order(),
                    void: Some((void.void_id, void.reason.clone())),
                    reprint: false,
                };
                (Shown::Void(info), job)
            }
        };
        let key = job.journal_key();
        let (reprint, duplicate) = {
            let j = self.journal.lock().unwrap_or_else(PoisonError::into_inner);
            let confirmed = j.confirmed_entry(key);
            (
                j.maybe_printed(key) || source == Source::Claimed,
                confirmed.is_some_and(|e| e != entry.id),
            )
        };
        if duplicate {
            // The same order (or void) published again (outbox relay):
            // printed and acknowledged under another entry already.
            tracing::info!(entry = %entry.id, key, "duplicate of a printed ticket; acknowledged");
            redis_io::xack(cmd, group, &entry.id).await?;
            // The server may not know yet (a copy after Redis lost the order).
            if job.void.is_none() {
                let _ = self.printed.send(key);
            }
            return Ok(false);
        }
        match shown {
            Shown::Ticket(ticket) => self.send(Event::TicketArrived { ticket, reprint }),
            Shown::Void(info) => self.send(Event::VoidArrived(info)),
        }
        let _ = self.jobs.send(PrintJob { reprint, ..job });
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
pub async fn watch_redis(client: Target, events: mpsc::UnboundedSender<Event>) {
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
            Ok(Err(e)) => (false, redis_io::describe(&e)),
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
