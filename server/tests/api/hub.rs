//! The ws hub against a redis-server of the test's own: a subscription that
//! could not be confirmed in time is made again on a new connection, and
//! the room is told to resync (so its sockets send fresh snapshots instead
//! of believing they are live while deaf).

use std::time::Duration;

use qrorder::infra::pubsub::hub::{Hub, RoomEvent};
use qrorder::infra::redis::Target;
use tokio::sync::{broadcast, watch};

use crate::helpers::OwnRedis;

/// The next message forwarded to a room, skipping resyncs (at most `within`).
async fn next_message(rx: &mut broadcast::Receiver<RoomEvent>, within: Duration) -> Option<String> {
    tokio::time::timeout(within, async {
        loop {
            match rx.recv().await {
                Ok(RoomEvent::Message(text)) => return Some(text.to_string()),
                Ok(RoomEvent::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
    .await
    .ok()
    .flatten()
}

async fn publish(conn: &mut redis::aio::MultiplexedConnection, channel: &str, text: &str) -> i64 {
    redis::cmd("PUBLISH")
        .arg(channel)
        .arg(text)
        .query_async(conn)
        .await
        .expect("publish")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_whose_subscribe_timed_out_is_subscribed_again_and_resynced() {
    let redis = OwnRedis::start();
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let hub = Hub::new(
        Target::Single(client.clone()),
        qrorder::infra::keys::Keys::new("hub-test"),
    );
    let (stop, stopped) = watch::channel(false);
    let runner = tokio::spawn(hub.clone().run(stopped));

    // The hub is connected once a room of it hears a publish (bounded: 10 s).
    let mut warm = hub.join("warm").await;
    let mut heard = false;
    for _ in 0..100 {
        let _ = publish(&mut conn, "warm", "ping").await;
        if next_message(&mut warm, Duration::from_millis(100))
            .await
            .is_some()
        {
            heard = true;
            break;
        }
    }
    assert!(heard, "the hub never subscribed its first room");

    // Redis stalls every command for 3 s: the SUBSCRIBE of a new room
    // cannot be confirmed within the hub's 2 s.
    let _: String = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(3000)
        .arg("ALL")
        .query_async(&mut conn)
        .await
        .expect("client pause");
    let mut late = hub.join("late").await;

    // Once Redis answers again the hub makes a new connection, subscribes
    // every room on it and tells each to resync.
    let resync = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match late.recv().await {
                Ok(RoomEvent::Resync) => return true,
                Ok(RoomEvent::Message(_)) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return false,
            }
        }
    })
    .await;
    assert_eq!(resync, Ok(true), "the room was never told to resync");
    let receivers: i64 = publish(&mut conn, "late", "hello").await;
    // (The old connection may still be closing: it counts, but no longer
    // delivers.)
    assert!(
        receivers >= 1,
        "the room is subscribed on the new connection"
    );
    assert_eq!(
        next_message(&mut late, Duration::from_secs(5))
            .await
            .as_deref(),
        Some("hello")
    );
    // The first room came along to the new connection.
    let _ = publish(&mut conn, "warm", "still here").await;
    assert_eq!(
        next_message(&mut warm, Duration::from_secs(5))
            .await
            .as_deref(),
        Some("still here")
    );

    let _ = stop.send(true);
    runner.await.expect("hub loop");
}
