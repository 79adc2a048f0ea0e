//! `REDIS_DEVICE_ACL`: a paired display gets its own Redis user, allowed
//! its station's consumer-group work on its restaurant's kitchen stream and
//! nothing else; revoking the display deletes the user and drops its
//! connections; a restarted Redis gets the users back from the server.
//! Against a redis-server of the test's own, its default user protected
//! by a password.

use std::time::Duration;

use qrorder_shared::RestaurantId;
use qrorder_shared::keys::Keys;
use redis::aio::MultiplexedConnection;
use redis::{IntoConnectionInfo, RedisResult, Value};
use reqwest::{Method, StatusCode};
use serde_json::Value as Json;

use crate::helpers::{Backend, OwnRedis, TestApp, expect_status};

const ADMIN_PASSWORD: &str = "the-servers-own-redis-password";

async fn connect(url: &str, user: &str, password: &str) -> RedisResult<MultiplexedConnection> {
    let info = url.into_connection_info()?;
    let settings = info
        .redis_settings()
        .clone()
        .set_username(user)
        .set_password(password);
    let client = redis::Client::open(info.set_redis_settings(settings))?;
    tokio::time::timeout(
        Duration::from_secs(5),
        client.get_multiplexed_async_connection(),
    )
    .await
    .map_err(|_| redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))?
}

async fn run(conn: &mut MultiplexedConnection, args: &[&str]) -> RedisResult<Value> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query_async(conn).await
}

fn assert_noperm(what: &str, r: RedisResult<Value>) {
    match r {
        Err(e) => assert_eq!(e.code(), Some("NOPERM"), "{what}: {e}"),
        Ok(v) => panic!("{what} was allowed: {v:?}"),
    }
}

/// The users of `CLIENT LIST`, as the default user sees them.
async fn client_users(admin: &mut MultiplexedConnection) -> Vec<String> {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(admin)
        .await
        .expect("CLIENT LIST");
    list.lines()
        .filter_map(|l| l.split(' ').find_map(|f| f.strip_prefix("user=")))
        .map(str::to_owned)
        .collect()
}

async fn scenario(backend: Backend) {
    let mut redis = OwnRedis::start_with_password(ADMIN_PASSWORD);
    let admin_url = redis.admin_url();
    let app = TestApp::spawn_with(backend, |c| {
        c.redis_url = admin_url.clone();
        c.redis_device_acl = true;
    })
    .await;
    let mut admin = redis::Client::open(admin_url.as_str())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("the default user, with its password");

    let (code, _) = app.pairing_code("Pass screen", "kitchen").await;
    let paired: Json = expect_status(app.pair(&code).await, StatusCode::CREATED).await;
    let url = paired["redis"]["url"].as_str().expect("url").to_owned();
    assert_eq!(
        url,
        redis.url(),
        "the device never gets the server's password"
    );
    let user = paired["redis"]["username"]
        .as_str()
        .expect("username")
        .to_owned();
    let password = paired["redis"]["password"]
        .as_str()
        .expect("password")
        .to_owned();
    assert_eq!(
        user,
        format!("{}-device-{}", app.config.redis_prefix, paired["id"])
    );
    // Nothing else reaches Redis unauthenticated.
    let anonymous = redis::Client::open(url.as_str()).expect("url");
    let mut anon = anonymous
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let refused = run(&mut anon, &["PING"])
        .await
        .expect_err("no default user without its password");
    assert_eq!(refused.code(), Some("NOAUTH"), "{refused}");

    let keys = Keys::new(&app.config.redis_prefix);
    let ours = app.seed.restaurant_id;
    let stream = keys.orders_stream(ours);
    let dead = keys.orders_dead_letter(ours);
    let theirs = keys.orders_stream(RestaurantId(ours.0 + 1000));
    let _: String = redis::cmd("XADD")
        .arg(&theirs)
        .arg("*")
        .arg("order_id")
        .arg("1")
        .query_async(&mut admin)
        .await
        .expect("another restaurant's order");

    let mut dev = connect(&url, &user, &password)
        .await
        .expect("the device's user authenticates");
    // Its consumer-group work, as kds-device/src/redis_io.rs sends it.
    run(&mut dev, &["PING"]).await.expect("PING");
    run(
        &mut dev,
        &["XGROUP", "CREATE", &stream, "kitchen", "0", "MKSTREAM"],
    )
    .await
    .expect("XGROUP CREATE");
    run(
        &mut dev,
        &["XGROUP", "CREATECONSUMER", &stream, "kitchen", "device-9"],
    )
    .await
    .expect("XGROUP CREATECONSUMER");
    let id: String = redis::cmd("XADD")
        .arg(&stream)
        .arg("*")
        .arg("order_id")
        .arg("7")
        .query_async(&mut admin)
        .await
        .expect("the server adds an order");
    let read = run(
        &mut dev,
        &[
            "XREADGROUP",
            "GROUP",
            "kitchen",
            "device-1",
            "COUNT",
            "10",
            "STREAMS",
            &stream,
            ">",
        ],
    )
    .await
    .expect("XREADGROUP");
    assert!(format!("{read:?}").contains(&id), "{read:?}");
    run(
        &mut dev,
        &[
            "XREADGROUP",
            "GROUP",
            "kitchen",
            "device-1",
            "COUNT",
            "10",
            "BLOCK",
            "10",
            "STREAMS",
            &stream,
            ">",
        ],
    )
    .await
    .expect("XREADGROUP BLOCK");
    run(&mut dev, &["XPENDING", &stream, "kitchen"])
        .await
        .expect("XPENDING");
    run(&mut dev, &["XPENDING", &stream, "kitchen", &id, &id, "1"])
        .await
        .expect("XPENDING range");
    run(
        &mut dev,
        &["XCLAIM", &stream, "kitchen", "device-1", "0", &id, "JUSTID"],
    )
    .await
    .expect("XCLAIM");
    run(
        &mut dev,
        &[
            "XAUTOCLAIM",
            &stream,
            "kitchen",
            "device-1",
            "0",
            "0-0",
            "COUNT",
            "10",
        ],
    )
    .await
    .expect("XAUTOCLAIM");
    run(
        &mut dev,
        &["XADD", &dead, "*", "entry_id", &id, "reason", "test"],
    )
    .await
    .expect("XADD to its dead letters");
    run(&mut dev, &["XACK", &stream, "kitchen", &id])
        .await
        .expect("XACK");

    // Everything else is refused.
    assert_noperm(
        "XADD an order to its own kitchen",
        run(&mut dev, &["XADD", &stream, "*", "order_id", "666"]).await,
    );
    assert_noperm(
        "XRANGE of another restaurant's stream",
        run(&mut dev, &["XRANGE", &theirs, "-", "+"]).await,
    );
    assert_noperm(
        "XREADGROUP of another restaurant's stream",
        run(
            &mut dev,
            &[
                "XREADGROUP",
                "GROUP",
                "kitchen",
                "x",
                "STREAMS",
                &theirs,
                ">",
            ],
        )
        .await,
    );
    assert_noperm(
        "XGROUP CREATE on another restaurant's stream",
        run(&mut dev, &["XGROUP", "CREATE", &theirs, "kitchen", "0"]).await,
    );
    assert_noperm(
        "XADD to another restaurant's dead letters",
        run(
            &mut dev,
            &[
                "XADD",
                &keys.orders_dead_letter(RestaurantId(ours.0 + 1000)),
                "*",
                "a",
                "b",
            ],
        )
        .await,
    );
    assert_noperm("KEYS", run(&mut dev, &["KEYS", "*"]).await);
    assert_noperm("FLUSHALL", run(&mut dev, &["FLUSHALL"]).await);
    assert_noperm("CONFIG GET", run(&mut dev, &["CONFIG", "GET", "*"]).await);
    assert_noperm("EVAL", run(&mut dev, &["EVAL", "return 1", "0"]).await);
    assert_noperm("ACL LIST", run(&mut dev, &["ACL", "LIST"]).await);
    assert_noperm("DEL its stream", run(&mut dev, &["DEL", &stream]).await);
    assert_noperm(
        "XGROUP DESTROY",
        run(&mut dev, &["XGROUP", "DESTROY", &stream, "kitchen"]).await,
    );
    assert_noperm(
        "PUBLISH",
        run(&mut dev, &["PUBLISH", &keys.kitchen_channel(ours), "x"]).await,
    );
    assert_noperm(
        "GET a cart",
        run(&mut dev, &["GET", &keys.cart(ours, 1)]).await,
    );

    // Redis restarted (it keeps no ACL file here): the server sets the
    // users again, and the device authenticates as before.
    drop(dev);
    redis.stop();
    redis.restart();
    let back = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Ok(mut c) = connect(&url, &user, &password).await
                && run(
                    &mut c,
                    &["XGROUP", "CREATE", &stream, "kitchen", "0", "MKSTREAM"],
                )
                .await
                .is_ok()
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let mut dev = back.expect("the device's user is back within 20 s of a Redis restart");
    let mut admin = redis::Client::open(admin_url.as_str())
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("admin again");
    assert_noperm(
        "XADD an order after the restart",
        run(&mut dev, &["XADD", &stream, "*", "order_id", "666"]).await,
    );

    // Revoked: within a second its connection is gone and it cannot log in.
    assert!(client_users(&mut admin).await.contains(&user));
    let res = app
        .admin(
            Method::POST,
            &format!("/devices/{}/revoke", paired["id"]),
            &app.owner,
        )
        .send()
        .await
        .expect("revoke");
    expect_status(res, StatusCode::OK).await;
    let gone = tokio::time::timeout(Duration::from_secs(1), async {
        while client_users(&mut admin).await.contains(&user) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(
        gone.is_ok(),
        "the device's connection is still open 1 s after revoking"
    );
    let after = run(&mut dev, &["PING"]).await;
    assert!(after.is_err(), "the old connection answers: {after:?}");
    let login = connect(&url, &user, &password).await;
    let Err(e) = login else {
        panic!("a revoked device authenticated")
    };
    assert_eq!(e.kind(), redis::ErrorKind::AuthenticationFailed, "{e}");
    let users: Vec<String> = redis::cmd("ACL")
        .arg("USERS")
        .query_async(&mut admin)
        .await
        .expect("ACL USERS");
    assert!(!users.contains(&user), "{users:?}");
    // Its API token is over too.
    let res = app
        .admin(
            Method::GET,
            "/orders",
            paired["token"].as_str().expect("token"),
        )
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

mod a_paired_devices_redis_user_may_do_its_kitchen_work_only_and_is_gone_when_revoked {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        scenario(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        scenario(Backend::Postgres).await
    }
}
