//! The hub on a Redis Cluster: its connection with RESP3 pushes (sharded
//! messages, and the disconnection of a node), the heartbeat's own
//! connection, and `SSUBSCRIBE`s grouped by slot.

use std::collections::HashMap;

use futures::StreamExt;
use redis::cluster_routing::Slot;
use redis::{PushKind, Value};
use tokio::sync::watch;

use super::heartbeat::Heartbeat;
use super::{Ended, Hub, Incoming, Sink, connect_within};
use crate::infra::redis::ClusterSeeds;

/// `channels` in groups of one slot each: one `SSUBSCRIBE` may only name
/// channels of one slot (the node that owns it answers).
pub(super) fn by_slot<'a>(channels: &[&'a str]) -> Vec<Vec<&'a str>> {
    let mut groups: HashMap<Slot, Vec<&'a str>> = HashMap::new();
    for c in channels {
        groups.entry(Slot::for_key(c)).or_default().push(c);
    }
    groups.into_values().collect()
}

impl Hub {
    pub(super) async fn serve_cluster(
        &self,
        seeds: &ClusterSeeds,
        connection: u64,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Ended {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let client = match seeds
            .builder()
            .use_protocol(redis::ProtocolVersion::RESP3)
            .push_sender(tx)
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "pub/sub cluster client refused");
                return Ended::Failed;
            }
        };
        let conn = match connect_within(
            client.get_async_connection(),
            "pub/sub cluster connect",
            shutdown,
        )
        .await
        {
            Ok(conn) => conn,
            Err(ended) => return ended,
        };
        let pushes = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
        let incoming = pushes.filter_map(|push| {
            let mut data = push.data.into_iter();
            let channel = data
                .next()
                .and_then(|c| redis::from_redis_value::<String>(c).ok());
            std::future::ready(match push.kind {
                PushKind::SMessage => channel.map(|channel| Incoming::Message {
                    channel,
                    payload: data.next().unwrap_or(Value::Nil),
                }),
                PushKind::Disconnection => Some(Incoming::Lost),
                _ => None,
            })
        });
        // The beats go through a connection of their own, without pushes.
        let publisher = async { seeds.builder().build()?.get_async_connection().await };
        let publisher = match connect_within(publisher, "pub/sub heartbeat connect", shutdown).await
        {
            Ok(p) => p,
            Err(ended) => return ended,
        };
        let beat = Heartbeat::new(self.keys.clone(), publisher);
        self.serve(
            Sink::Cluster(conn),
            Some(beat),
            connection,
            incoming,
            shutdown,
        )
        .await
    }
}
