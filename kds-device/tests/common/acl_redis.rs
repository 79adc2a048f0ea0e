//! A redis-server of the test's own, locked down as device ACLs need it:
//! Redis' default user has a password (the test's admin connection uses
//! it; without it a connection is refused), and each display runs on a
//! Redis user of its own with exactly the rules the server gives a paired
//! device (`qrorder::device_acl`). One server per test, each on its own
//! loopback port: the tests stay parallel, and one that stops its Redis
//! disturbs no other.

#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use kds::Config;
use qrorder_shared::RestaurantId;
use qrorder_shared::keys::Keys;
use redis::aio::MultiplexedConnection;

use crate::server::RealServer;

const ADMIN_PASSWORD: &str = "kds-test-admin-password";

/// redis-server on a loopback port, `requirepass` set; killed on drop.
pub struct AclRedis {
    pub port: u16,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl AclRedis {
    /// On a free port.
    pub fn start() -> AclRedis {
        Self::start_on(free_port())
    }

    /// On `port` (a restart of an earlier one: empty, no users but the default).
    pub fn start_on(port: u16) -> AclRedis {
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--requirepass", ADMIN_PASSWORD])
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        let r = AclRedis {
            port,
            child,
            _dir: dir,
        };
        let admin = redis::Client::open(r.admin_url()).unwrap();
        for _ in 0..200 {
            if let Ok(mut c) = admin.get_connection_with_timeout(Duration::from_millis(50))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                // Locked: a connection without the password is refused.
                let refused = redis::Client::open(r.url())
                    .unwrap()
                    .get_connection_with_timeout(Duration::from_secs(1))
                    .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
                assert!(
                    refused.is_err_and(|e| e.to_string().contains("NOAUTH")),
                    "Redis' default user must need a password"
                );
                return r;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server on {port} did not start");
    }

    /// The address a display is given (no user, no password).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The test's own connection: Redis' default user, with its password.
    pub fn admin_url(&self) -> String {
        format!("redis://:{ADMIN_PASSWORD}@127.0.0.1:{}", self.port)
    }

    pub async fn admin(&self) -> MultiplexedConnection {
        redis::Client::open(self.admin_url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("own Redis answers")
    }

    /// `config` on this Redis as a display of its own user: the user is
    /// made here with the server's rules for a device of its restaurant.
    pub async fn on_device_user(&self, mut config: Config) -> Config {
        config.redis_url = self.url();
        config.redis_username = Some(format!("{}-{}", config.redis_prefix, config.device_id));
        config.redis_password = Some(qrorder::device_acl::new_password());
        self.set_user(&config).await;
        config
    }

    /// (Re)creates the Redis user `config` names, as the server does at
    /// pairing and again after a Redis restart.
    pub async fn set_user(&self, config: &Config) {
        let (Some(user), Some(password)) = (&config.redis_username, &config.redis_password) else {
            panic!("the display has no Redis user of its own");
        };
        let rules = qrorder::device_acl::setuser_rules(
            &Keys::new(&config.redis_prefix),
            RestaurantId(config.restaurant_id),
            &qrorder::device_acl::password_hash(password),
        );
        let mut cmd = redis::cmd("ACL");
        cmd.arg("SETUSER").arg(user).arg(rules);
        cmd.query_async::<()>(&mut self.admin().await)
            .await
            .expect("ACL SETUSER");
    }
}

impl Drop for AclRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real server on a Redis of the test's own with device ACLs on: its
/// kitchen device, registered at start, has a Redis user of its own, and
/// `kds_config` runs the display on it.
pub async fn acl_server(prefix: &str) -> (AclRedis, RealServer) {
    let redis = AclRedis::start();
    let admin_url = redis.admin_url();
    let server = RealServer::spawn_with(prefix, |c| {
        c.redis_url = admin_url;
        c.redis_device_acl = true;
    })
    .await;
    assert!(
        server
            .device_redis
            .as_ref()
            .is_some_and(|r| r["username"].is_string()),
        "the registered device got a Redis user of its own"
    );
    (redis, server)
}
