//! What the touch pairing screen does behind its Pair button, against the
//! real server: address and code → `paired.toml` → settings the display
//! runs from; a wrong code, too many tries and a server that is not there,
//! each refused in words.

use kds::setup::{Attempt, attempt, check, is_paired};
use serde_json::json;

use crate::acl_redis::acl_server;
use crate::server::RealServer;
use crate::support::*;

async fn new_code(server: &RealServer) -> String {
    server
        .admin(
            reqwest::Method::POST,
            "/devices/pairing-codes",
            Some(json!({"name": "Grill screen", "station": "grill"})),
        )
        .await["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_and_code_typed_on_the_screen_store_settings_the_display_runs_from() {
    let (_redis, server) = acl_server(&unique("screen-pair")).await;
    let data = temp_dir();
    let stored = data.join(kds::pairing::PAIRED_FILE);
    // Typed as a cook would: no scheme.
    let typed = server.url.trim_start_matches("http://").to_owned();

    let wrong = check(&typed, "00000000").unwrap();
    let said = attempt(&wrong, &data).await.unwrap_err();
    assert!(said.starts_with("Wrong or expired code"), "{said}");
    assert!(!stored.exists(), "a refusal stores nothing");

    let code = new_code(&server).await;
    let a = check(&typed, &code).unwrap();
    assert_eq!(a.server, server.url);
    let paired = attempt(&a, &data).await.unwrap();
    assert_eq!(
        (paired.name.as_str(), paired.station.as_str()),
        ("Grill screen", "grill")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&stored).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // What the display loads next: the stored credentials, as `kds pair` leaves them.
    let kds_toml = data.join("kds.toml");
    std::fs::write(
        &kds_toml,
        format!(
            "data_dir = {:?}\nprinter = \"none\"\n",
            data.display().to_string()
        ),
    )
    .unwrap();
    let config = kds::Config::load(Some(&kds_toml)).unwrap();
    assert!(is_paired(&config, Some(&kds_toml)));
    assert_eq!(config.api_token, paired.token);
    assert_eq!(config.station, "grill");
    assert_eq!(config.restaurant_id, server.restaurant_id());
    assert_eq!(config.redis_prefix, server.prefix);
    assert_eq!(config.api_url, server.url);

    // The same code again: used up, and the file stays as it was.
    let before = std::fs::read_to_string(&stored).unwrap();
    let said = attempt(&a, &data).await.unwrap_err();
    assert!(said.starts_with("Wrong or expired code"), "{said}");
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_tries_say_how_long_to_wait_and_a_missing_server_says_so() {
    let server = RealServer::spawn_with(&unique("screen-429"), |c| {
        c.pairing_attempts_per_client = 2;
    })
    .await;
    let data = temp_dir();
    let wrong = check(&server.url, "11111111").unwrap();
    for _ in 0..2 {
        let said = attempt(&wrong, &data).await.unwrap_err();
        assert!(said.starts_with("Wrong or expired code"), "{said}");
    }
    let said = attempt(&wrong, &data).await.unwrap_err();
    assert!(said.starts_with("Too many attempts: wait "), "{said}");
    // The wait is the server's Retry-After: seconds, within a code's 10 minutes.
    let secs: u64 = said["Too many attempts: wait ".len()..]
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no seconds in {said}"));
    assert!((1..=600).contains(&secs), "{said}");

    // Nothing listens on this port any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let gone = Attempt {
        server: format!("http://127.0.0.1:{port}"),
        code: "12345678".into(),
    };
    let said = attempt(&gone, &data).await.unwrap_err();
    assert!(
        said.starts_with(&format!(
            "Cannot reach the server at http://127.0.0.1:{port} (nothing answers there)"
        )),
        "{said}"
    );
    // A web server that is not QR Order: the address is wrong, not the code.
    let said = attempt(
        &Attempt {
            server: format!("{}/nothing-here", server.url),
            code: "12345678".into(),
        },
        &data,
    )
    .await
    .unwrap_err();
    assert!(said.contains("not as a QR Order server"), "{said}");
    assert!(!data.join(kds::pairing::PAIRED_FILE).exists());
}
