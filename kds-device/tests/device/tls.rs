//! TLS to Redis: a test CA and a server certificate made here (the
//! openssl command), a TLS-only redis-server (`--port 0`), the server
//! (all roles, device ACLs on) and a paired display both on `rediss://`
//! trusting that CA: an order prints. A display trusting another CA is
//! refused, and says why.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kds::event::Event;
use kds::print_worker::TestHooks;
use serde_json::{Value, json};

use crate::server::RealServer;
use crate::support::*;

const ADMIN_PASSWORD: &str = "kds-tls-test-admin-password";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`{name}-ca.pem`) in `dir`; with `server`, also a certificate for
/// 127.0.0.1 and localhost signed by it (`{name}-cert.pem`, `{name}-key.pem`).
fn make_ca(dir: &Path, name: &str, server: bool) -> PathBuf {
    let (ca_key, ca) = (format!("{name}-ca-key.pem"), format!("{name}-ca.pem"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=QR Order test CA {name}"),
            "-keyout",
            &ca_key,
            "-out",
            &ca,
        ],
    );
    if server {
        let (key, csr, cert) = (
            format!("{name}-key.pem"),
            format!("{name}.csr"),
            format!("{name}-cert.pem"),
        );
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &key,
                "-out",
                &csr,
            ],
        );
        std::fs::write(
            dir.join("ext.cnf"),
            "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-out",
                &cert,
            ],
        );
    }
    dir.join(ca)
}

/// redis-server listening on TLS only (`--port 0`), the default user
/// password-protected; killed on drop.
struct TlsRedis {
    port: u16,
    child: Child,
}

impl TlsRedis {
    fn start(dir: &Path) -> TlsRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.join("redis.log")).unwrap();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--tls-port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args([
                "--tls-cert-file",
                "good-cert.pem",
                "--tls-key-file",
                "good-key.pem",
            ])
            .args([
                "--tls-ca-cert-file",
                "good-ca.pem",
                "--tls-auth-clients",
                "no",
            ])
            .args(["--requirepass", ADMIN_PASSWORD])
            .current_dir(dir)
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        TlsRedis { port, child }
    }

    fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.port)
    }

    fn admin_url(&self) -> String {
        format!("rediss://:{ADMIN_PASSWORD}@127.0.0.1:{}", self.port)
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_and_display_on_a_tls_only_redis_print_an_order_and_a_wrong_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = make_ca(dir.path(), "good", true);
    let wrong_ca = make_ca(dir.path(), "wrong", false);
    let redis = TlsRedis::start(dir.path());

    // Nothing answers in plain text on that port: TLS only.
    let plain = format!("redis://:{ADMIN_PASSWORD}@127.0.0.1:{}", redis.port);
    let admin = kds::Config {
        redis_url: redis.admin_url(),
        redis_ca_file: Some(ca.clone()),
        ..kds::Config::default()
    }
    .redis_client()
    .unwrap();
    until("the TLS-only Redis answers over TLS", || {
        let admin = admin.clone();
        async move {
            match admin.get_multiplexed_async_connection().await {
                Ok(mut c) => redis::cmd("PING")
                    .query_async::<String>(&mut c)
                    .await
                    .is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    let in_clear = async {
        let mut c = redis::Client::open(plain.as_str())?
            .get_multiplexed_async_connection()
            .await?;
        redis::cmd("PING").query_async::<String>(&mut c).await
    };
    let in_clear = tokio::time::timeout(Duration::from_secs(5), in_clear).await;
    assert!(!matches!(in_clear, Ok(Ok(_))), "Redis answered without TLS");

    let admin_url = redis.admin_url();
    let device_url = redis.url();
    let ca_for_server = ca.clone();
    let server = RealServer::spawn_with(&unique("tls"), |c| {
        c.redis_url = admin_url.clone();
        c.redis_ca_file = Some(ca_for_server);
        c.redis_device_acl = true;
        c.device_redis_url = Some(device_url.clone());
    })
    .await;
    let code = server
        .admin(
            reqwest::Method::POST,
            "/devices/pairing-codes",
            Some(json!({"name": "TLS screen", "station": "kitchen"})),
        )
        .await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let paired: Value = server
        .http
        .post(format!("{}/api/v1/devices/pair", server.url))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paired["redis"]["url"], redis.url());

    let vp = virtual_printer().await;
    let mut config = server.kds_config(
        paired["consumer"].as_str().unwrap(),
        &format!("tcp://{}", vp.printer_addr),
        &temp_dir(),
    );
    config.api_token = paired["token"].as_str().unwrap().into();
    config.redis_url = paired["redis"]["url"].as_str().unwrap().into();
    config.redis_username = paired["redis"]["username"].as_str().map(str::to_owned);
    config.redis_password = paired["redis"]["password"].as_str().map(str::to_owned);
    config.redis_ca_file = Some(ca.clone());

    // Trusting another CA, the display is refused, and the reason says so.
    let wrong = kds::Config {
        redis_ca_file: Some(wrong_ca),
        data_dir: temp_dir(),
        ..config.clone()
    };
    let refused = wrong
        .redis_client()
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .map(drop)
        .expect_err("a certificate from an untrusted CA");
    let reason = refused.to_string();
    assert!(
        reason.contains("certificate") && reason.contains("UnknownIssuer"),
        "{reason}"
    );
    let mut refused_dev = start(wrong, TestHooks::default()).await;
    let down = next_event(&mut refused_dev.events, "Redis refused", |e| {
        matches!(e, Event::Redis { up: false, .. })
    })
    .await;
    let Event::Redis { detail, .. } = down else {
        unreachable!()
    };
    assert!(
        detail.contains("not signed by a CA this display trusts (redis_ca_file)"),
        "{detail}"
    );
    refused_dev.device.stop().await;

    let mut dev = start(config, TestHooks::default()).await;
    next_event(&mut dev.events, "Redis up over TLS", |e| {
        matches!(e, Event::Redis { up: true, .. })
    })
    .await;
    let japchae = server.item_id("Japchae").await;
    let order = server.place_order(0, japchae, 1).await;
    next_event(
        &mut dev.events,
        "printed",
        |e| matches!(e, Event::TicketPrinted { order_id, .. } if *order_id == order.id),
    )
    .await;
    assert!(
        vp.tickets()
            .iter()
            .any(|t| t.order_number == Some(order.number))
    );
    let c = admin.get_multiplexed_async_connection().await.unwrap();
    let stream = qrorder_shared::keys::Keys::new(&server.prefix)
        .orders_stream(qrorder_shared::RestaurantId(server.restaurant_id()));
    until("acknowledged over TLS", || {
        let mut c = c.clone();
        let stream = stream.clone();
        async move { pending_on(&mut c, &stream, "kitchen").await == 0 }
    })
    .await;
    dev.device.stop().await;
}
