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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use redis::aio::PubSubSink;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Mutex, Notify, broadcast, watch};

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

/// Messages a slow socket may fall behind before it is resynced instead.
const ROOM_BUFFER: usize = 256;
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Hub {
    client: redis::Client,
    rooms: Mutex<HashMap<String, Room>>,
    /// The live connection's sink, tagged with the connection's number.
    sink: Mutex<Option<(u64, PubSubSink)>>,
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
    pub fn new(client: redis::Client) -> Arc<Self> {
        Arc::new(Self {
            client,
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
        self.send_to_sink(
            true,
            |mut sink| async move { sink.subscribe(channel).await },
        )
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
        F: FnOnce(PubSubSink) -> Fut,
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
            let connected = tokio::select! {
                c = tokio::time::timeout(Duration::from_secs(3), self.client.get_async_pubsub()) => c,
                _ = shutdown.changed() => break,
            };
            match connected {
                Ok(Ok(pubsub)) => {
                    let up_since = std::time::Instant::now();
                    connection += 1;
                    let (mut sink, mut stream) = pubsub.split();
                    *self.sink.lock().await = Some((connection, sink.clone()));
                    let channels: Vec<String> = {
                        let rooms = self.rooms.lock().await;
                        // Joins notify under the rooms lock, and every room
                        // is subscribed below: a failure noted before now
                        // needs no second reconnect.
                        let _ = futures::FutureExt::now_or_never(self.resubscribe.notified());
                        rooms.keys().cloned().collect()
                    };
                    let subscribed = if channels.is_empty() {
                        Ok(Ok(()))
                    } else {
                        tokio::time::timeout(SUBSCRIBE_TIMEOUT, sink.subscribe(&channels)).await
                    };
                    if !matches!(subscribed, Ok(Ok(()))) {
                        tracing::warn!(result = ?subscribed, "pub/sub resubscribe failed");
                    } else {
                        tracing::info!(channels = channels.len(), "pub/sub connected");
                        // Whatever was published while we were away is lost.
                        self.resync_all().await;
                        loop {
                            tokio::select! {
                                msg = stream.next() => match msg {
                                    Some(msg) => {
                                        let channel = msg.get_channel_name().to_owned();
                                        match msg.get_payload::<String>() {
                                            Ok(text) => self.deliver(&channel, RoomEvent::Message(text.into())).await,
                                            Err(e) => tracing::warn!(error = %e, channel, "non-text pub/sub message dropped"),
                                        }
                                    }
                                    None => break,
                                },
                                _ = self.resubscribe.notified() => break,
                                _ = shutdown.changed() => {
                                    *self.sink.lock().await = None;
                                    return;
                                }
                            }
                        }
                    }
                    *self.sink.lock().await = None;
                    tracing::warn!("pub/sub connection lost; reconnecting");
                    if up_since.elapsed() > STEADY_AFTER {
                        backoff = Duration::from_millis(100);
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, ?backoff, "pub/sub connect failed"),
                Err(_) => tracing::warn!(?backoff, "pub/sub connect timed out"),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => break,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
}
