//! On a Redis Cluster, the hub checks that it still hears every slot it
//! subscribed. A lost node pushes a disconnection, but a node that is
//! paused or cut off closes nothing: after the failover the publishers
//! reach the new master while the hub would stay subscribed on the old
//! one, deaf. So every `BEAT` the hub publishes a heartbeat on each hash
//! tag of its rooms, through a connection of its own that follows the
//! cluster's topology, on a channel it subscribed with the room (same
//! slot). A tag not heard for `DEAD` means the subscription is on the
//! wrong node (or its node is gone): the hub connects again.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use redis::cluster_async::ClusterConnection;

use crate::infra::keys::Keys;

pub(super) const BEAT: Duration = Duration::from_secs(2);
const DEAD: Duration = Duration::from_secs(6);

/// The hash tag of `channel` as Redis Cluster reads it: the text between
/// the first `{` and the next `}`, when not empty.
pub(super) fn hash_tag(channel: &str) -> Option<&str> {
    let open = channel.find('{')?;
    let len = channel[open + 1..].find('}')?;
    (len > 0).then(|| &channel[open + 1..open + 1 + len])
}

/// The heartbeat channel that goes with `channel` (same slot), if any.
pub(super) fn channel_for(keys: &Keys, channel: &str) -> Option<String> {
    hash_tag(channel).map(|tag| keys.hub_heartbeat(tag))
}

pub(super) struct Heartbeat {
    keys: Keys,
    prefix: String,
    publisher: ClusterConnection,
    /// Per tag: when its beat was last heard (or first wanted).
    heard: HashMap<String, Instant>,
}

impl Heartbeat {
    pub(super) fn new(keys: Keys, publisher: ClusterConnection) -> Self {
        let prefix = keys.hub_heartbeat("").trim_end_matches("{}").to_owned();
        Self {
            keys,
            prefix,
            publisher,
            heard: HashMap::new(),
        }
    }

    /// Takes a heartbeat message (true), or leaves a room's message (false).
    pub(super) fn hear(&mut self, channel: &str) -> bool {
        if !channel.starts_with(&self.prefix) {
            return false;
        }
        if let Some(tag) = hash_tag(channel) {
            self.heard.insert(tag.to_owned(), Instant::now());
        }
        true
    }

    /// Publishes a beat on each tag of `channels` (the rooms); returns a tag
    /// whose beats were not heard for `DEAD`, if any.
    pub(super) async fn beat(&mut self, channels: &[String]) -> Option<String> {
        let now = Instant::now();
        let tags: HashSet<&str> = channels.iter().filter_map(|c| hash_tag(c)).collect();
        self.heard.retain(|t, _| tags.contains(t.as_str()));
        for t in &tags {
            self.heard.entry((*t).to_owned()).or_insert(now);
        }
        let deaf = self
            .heard
            .iter()
            .find(|(_, at)| now.duration_since(**at) > DEAD)
            .map(|(t, _)| t.clone());
        let beats = tags.iter().map(|t| {
            let mut c = self.publisher.clone();
            let channel = self.keys.hub_heartbeat(t);
            async move {
                redis::cmd("SPUBLISH")
                    .arg(channel)
                    .arg("beat")
                    .query_async::<()>(&mut c)
                    .await
            }
        });
        // A failed beat is a beat not heard; a failover in progress must
        // not hold the hub's loop for long.
        let _ = tokio::time::timeout(BEAT, futures::future::join_all(beats)).await;
        deaf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_tag_is_what_redis_cluster_hashes() {
        assert_eq!(hash_tag("qrorder:visit:{12}:7"), Some("12"));
        assert_eq!(hash_tag("qrorder:kitchen:{3}"), Some("3"));
        assert_eq!(hash_tag("a{}b{c}"), None);
        assert_eq!(hash_tag("plain"), None);
        let keys = Keys::new("q");
        assert_eq!(
            channel_for(&keys, "q:visit:{12}:7").as_deref(),
            Some("q:hub-heartbeat:{12}")
        );
    }
}
