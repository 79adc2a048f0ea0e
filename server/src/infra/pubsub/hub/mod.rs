//! The hub of one ws instance: a room per Pub/Sub channel that has local
//! sockets, one Pub/Sub connection for all of them, and the loop that keeps
//! that connection alive. A channel is subscribed when its first local
//! socket joins and unsubscribed when its last one leaves. After Redis comes
//! back, every room is told to resync (each socket sends a fresh snapshot).
//! A subscribe that fails or times out (a busy Redis or machine) is never
//! left as it is: the connection is dropped and made again, which
//! subscribes every room afresh and resyncs them — otherwise a room could
//! stay deaf while its sockets think they are live. (A failed unsubscribe
//! only leaves messages that no room receives.)
//!
//! On a Redis Cluster the rooms use sharded Pub/Sub (`SSUBSCRIBE`): each
//! channel is subscribed on the node that owns its slot. When a node is
//! lost (a failover may be under way), or a slot's heartbeat goes unheard
//! (`heartbeat`: a paused or cut-off node, a moved slot), the hub connects
//! again as it does to one Redis: the new connection reads the topology
//! afresh, subscribes every room and resyncs them, retrying with back-off
//! until the failover is done.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use redis::aio::PubSubSink;
use redis::cluster_async::ClusterConnection;
use redis::{RedisResult, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Mutex, Notify, broadcast, watch};

mod cluster;
mod heartbeat;

use crate::infra::keys::Keys;
use crate::infra::redis::Target;
use cluster::by_slot;
use heartbeat::Heartbeat;

/// What a socket hears from its room.
#[derive(Debug, Clone)]
pub enum RoomEvent {
    /// A message to forward as it is (already the JSON clients expect).
    Message(Arc<str>),
    /// Pub/Sub was interrupted: messages may be lost, send a snapshot.
    Resync,
}

struct Room {
    tx: broadcast::Sender<RoomEvent>,
    members: usize,
}

/// Where (un)subscribes are sent: one Redis' Pub/Sub connection, or the
/// cluster connection (sharded channels).
#[derive(Clone)]
enum Sink {
    Single(PubSubSink),
    Cluster(ClusterConnection),
}

impl Sink {
    async fn subscribe(&mut self, channels: &[&str]) -> RedisResult<()> {
        match self {
            Sink::Single(s) => s.subscribe(channels).await,
            Sink::Cluster(c) => {
                let groups = by_slot(channels).into_iter().map(|same_slot| {
                    let mut c = c.clone();
                    async move { c.ssubscribe(same_slot).await }
                });
                futures::future::try_join_all(groups).await.map(drop)
            }
        }
    }

    async fn unsubscribe(&mut self, channel: &str) -> RedisResult<()> {
        match self {
            Sink::Single(s) => s.unsubscribe(channel).await,
            Sink::Cluster(c) => c.sunsubscribe(channel).await,
        }
    }
}

/// What the connection hands the hub.
enum Incoming {
    Message {
        channel: String,
        payload: Value,
    },
    /// The cluster connection lost a node (a failover may be under way:
    /// redis-rs would subscribe again only on the node it knew): connect
    /// again, which reads the topology afresh and subscribes every room.
    Lost,
}

/// How one connection ended.
enum Ended {
    Shutdown,
    /// It was up since then, and is lost now.
    Lost(std::time::Instant),
    Failed,
}

/// Messages a slow socket may fall behind before it is resynced instead.
const ROOM_BUFFER: usize = 256;
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Hub {
    target: Target,
    /// For the heartbeat channels (cluster only).
    keys: Keys,
    rooms: Mutex<HashMap<String, Room>>,
    /// The live connection's sink, tagged with the connection's number.
    sink: Mutex<Option<(u64, Sink)>>,
    /// Woken when a subscribe failed: reconnect and subscribe again.
    resubscribe: Notify,
    /// Turns true when the server shuts down: sockets close with a reason.
    closing: watch::Sender<bool>,
    sessions: AtomicUsize,
    sessions_done: Notify,
}

/// Held by every open socket; counts it for a clean shutdown.
pub struct SessionGuard(Arc<Hub>);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if self.0.sessions.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.sessions_done.notify_waiters();
        }
    }
}

impl Hub {
    pub fn new(target: Target, keys: Keys) -> Arc<Self> {
        Arc::new(Self {
            target,
            keys,
            rooms: Mutex::new(HashMap::new()),
            sink: Mutex::new(None),
            resubscribe: Notify::new(),
            closing: watch::channel(false).0,
            sessions: AtomicUsize::new(0),
            sessions_done: Notify::new(),
        })
    }

    /// Registers an open socket: its guard, and what tells it to close.
    pub fn session(self: &Arc<Self>) -> (SessionGuard, watch::Receiver<bool>) {
        self.sessions.fetch_add(1, Ordering::SeqCst);
        (SessionGuard(self.clone()), self.closing.subscribe())
    }

    /// Asks every socket to close (with a reason) and waits for them, at
    /// most `within`.
    pub async fn close_sessions(&self, within: Duration) {
        let _ = self.closing.send(true);
        let _ = tokio::time::timeout(within, async {
            loop {
                let done = self.sessions_done.notified();
                if self.sessions.load(Ordering::SeqCst) == 0 {
                    return;
                }
                done.await;
            }
        })
        .await;
    }

    /// Joins the room of `channel`, subscribing to it if it is new here.
    pub async fn join(&self, channel: &str) -> broadcast::Receiver<RoomEvent> {
        let mut rooms = self.rooms.lock().await;
        if let Some(room) = rooms.get_mut(channel) {
            room.members += 1;
            return room.tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(ROOM_BUFFER);
        rooms.insert(channel.to_owned(), Room { tx, members: 1 });
        // Under the rooms lock, so a leave cannot unsubscribe in between.
        // On a cluster the slot's heartbeat channel comes with it.
        let beat = match self.target {
            Target::Cluster(_) => heartbeat::channel_for(&self.keys, channel),
            Target::Single(_) => None,
        };
        self.send_to_sink(true, |mut sink| async move {
            match &beat {
                Some(beat) => sink.subscribe(&[channel, beat]).await,
                None => sink.subscribe(&[channel]).await,
            }
        })
        .await;
        rx
    }

    /// Leaves the room; the last one out unsubscribes.
    pub async fn leave(&self, channel: &str) {
        let mut rooms = self.rooms.lock().await;
        let Some(room) = rooms.get_mut(channel) else {
            return;
        };
        room.members = room.members.saturating_sub(1);
        if room.members == 0 {
            rooms.remove(channel);
            // A failed unsubscribe only leaves messages nobody receives.
            self.send_to_sink(
                false,
                |mut sink| async move { sink.unsubscribe(channel).await },
            )
            .await;
        }
    }

    /// Sockets on this instance, for metrics and tests.
    pub async fn rooms(&self) -> usize {
        self.rooms.lock().await.len()
    }

    /// Runs an (un)subscribe on the live connection, if there is one (else
    /// the run loop subscribes every room when it connects). Called under
    /// the rooms lock.
    async fn send_to_sink<F, Fut>(&self, reconnect_on_failure: bool, f: F)
    where
        F: FnOnce(Sink) -> Fut,
        Fut: Future<Output = redis::RedisResult<()>>,
    {
        let sink = self.sink.lock().await.clone();
        let Some((connection, sink)) = sink else {
            return;
        };
        match tokio::time::timeout(SUBSCRIBE_TIMEOUT, f(sink)).await {
            Ok(Ok(())) => return,
            Ok(Err(e)) => tracing::warn!(error = %e, "pub/sub (un)subscribe failed"),
            Err(_) => tracing::warn!("pub/sub (un)subscribe timed out"),
        }
        if !reconnect_on_failure {
            return;
        }
        // Joins after this one need not wait on the same stalled connection
        // (the reconnect subscribes their rooms); a newer connection stays.
        let mut current = self.sink.lock().await;
        if current.as_ref().is_some_and(|(n, _)| *n == connection) {
            *current = None;
        }
        drop(current);
        tracing::warn!("reconnecting pub/sub to subscribe every room again");
        // The run loop drops this connection and subscribes every room on a
        // new one, then tells them to resync.
        self.resubscribe.notify_one();
    }

    async fn deliver(&self, channel: &str, event: RoomEvent) {
        if let Some(room) = self.rooms.lock().await.get(channel) {
            // No receiver means the last socket is just leaving: fine.
            let _ = room.tx.send(event);
        }
    }

    async fn resync_all(&self) {
        for room in self.rooms.lock().await.values() {
            let _ = room.tx.send(RoomEvent::Resync);
        }
    }

    /// Keeps the Pub/Sub connection up (reconnecting with back-off, from
    /// 100 ms to 5 s, back to 100 ms once a connection lasted
    /// `STEADY_AFTER`) and delivers its messages, until shutdown.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        const STEADY_AFTER: Duration = Duration::from_secs(10);
        let mut backoff = Duration::from_millis(100);
        let mut connection = 0u64;
        loop {
            connection += 1;
            let ended = match &self.target {
                Target::Single(client) => {
                    self.serve_single(client, connection, &mut shutdown).await
                }
                Target::Cluster(seeds) => {
                    self.serve_cluster(seeds, connection, &mut shutdown).await
                }
            };
            *self.sink.lock().await = None;
            match ended {
                Ended::Shutdown => return,
                Ended::Lost(up_since) => {
                    tracing::warn!("pub/sub connection lost; reconnecting");
                    if up_since.elapsed() > STEADY_AFTER {
                        backoff = Duration::from_millis(100);
                    }
                }
                Ended::Failed => {}
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => break,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    async fn serve_single(
        &self,
        client: &redis::Client,
        connection: u64,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Ended {
        let pubsub =
            match connect_within(client.get_async_pubsub(), "pub/sub connect", shutdown).await {
                Ok(pubsub) => pubsub,
                Err(ended) => return ended,
            };
        let (sink, stream) = pubsub.split();
        let incoming = stream.map(|msg| Incoming::Message {
            channel: msg.get_channel_name().to_owned(),
            payload: msg.get_payload().unwrap_or(Value::Nil),
        });
        self.serve(Sink::Single(sink), None, connection, incoming, shutdown)
            .await
    }

    /// Subscribes every room on a new connection, resyncs them and delivers
    /// what comes in until the connection ends or must be made again.
    async fn serve(
        &self,
        mut sink: Sink,
        mut beat: Option<Heartbeat>,
        connection: u64,
        incoming: impl Stream<Item = Incoming>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Ended {
        let up_since = std::time::Instant::now();
        *self.sink.lock().await = Some((connection, sink.clone()));
        let channels: Vec<String> = {
            let rooms = self.rooms.lock().await;
            // Joins notify under the rooms lock, and every room is
            // subscribed below: a failure noted before now needs no second
            // reconnect.
            let _ = futures::FutureExt::now_or_never(self.resubscribe.notified());
            let mut channels: Vec<String> = rooms.keys().cloned().collect();
            if beat.is_some() {
                let beats: std::collections::BTreeSet<String> = channels
                    .iter()
                    .filter_map(|c| heartbeat::channel_for(&self.keys, c))
                    .collect();
                channels.extend(beats);
            }
            channels
        };
        let subscribed = if channels.is_empty() {
            Ok(Ok(()))
        } else {
            let names: Vec<&str> = channels.iter().map(String::as_str).collect();
            tokio::time::timeout(SUBSCRIBE_TIMEOUT, sink.subscribe(&names)).await
        };
        if !matches!(subscribed, Ok(Ok(()))) {
            tracing::warn!(result = ?subscribed, "pub/sub resubscribe failed");
            return Ended::Lost(up_since);
        }
        tracing::info!(channels = channels.len(), "pub/sub connected");
        // Whatever was published while we were away is lost.
        self.resync_all().await;
        let mut incoming = std::pin::pin!(incoming);
        let mut tick = tokio::time::interval(heartbeat::BEAT);
        loop {
            tokio::select! {
                _ = tick.tick(), if beat.is_some() => {
                    let rooms: Vec<String> = self.rooms.lock().await.keys().cloned().collect();
                    if let Some(b) = beat.as_mut()
                        && let Some(tag) = b.beat(&rooms).await
                    {
                        tracing::warn!(tag, "pub/sub: a slot's heartbeat went unheard; subscribing again");
                        return Ended::Lost(up_since);
                    }
                }
                msg = incoming.next() => match msg {
                    Some(Incoming::Message { channel, .. })
                        if beat.as_mut().is_some_and(|b| b.hear(&channel)) => {}
                    Some(Incoming::Message { channel, payload }) => {
                        match redis::from_redis_value::<String>(payload) {
                            Ok(text) => self.deliver(&channel, RoomEvent::Message(text.into())).await,
                            Err(e) => tracing::warn!(error = %e, channel, "non-text pub/sub message dropped"),
                        }
                    }
                    Some(Incoming::Lost) => return Ended::Lost(up_since),
                    None => return Ended::Lost(up_since),
                },
                _ = self.resubscribe.notified() => return Ended::Lost(up_since),
                _ = shutdown.changed() => return Ended::Shutdown,
            }
        }
    }
}

/// A connection for the hub within 3 s, or how this attempt ended: shut
/// down, or failed (logged as `what` failed or timed out).
async fn connect_within<T>(
    connect: impl Future<Output = RedisResult<T>>,
    what: &str,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<T, Ended> {
    let connected = tokio::select! {
        c = tokio::time::timeout(Duration::from_secs(3), connect) => c,
        _ = shutdown.changed() => return Err(Ended::Shutdown),
    };
    match connected {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "{what} failed");
            Err(Ended::Failed)
        }
        Err(_) => {
            tracing::warn!("{what} timed out");
            Err(Ended::Failed)
        }
    }
}
