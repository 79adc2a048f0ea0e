//! Configuration: defaults, then an optional TOML file, then `QRORDER__…`
//! environment variables (`QRORDER__DATABASE_URL`, `QRORDER__LISTEN`, …).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite:PATH` (created if missing) or `postgres://…`.
    pub database_url: String,
    /// One Redis (`redis://host:port`), or with `redis_cluster` a
    /// comma-separated list of the cluster's seed nodes.
    pub redis_url: String,
    /// Talk to a Redis Cluster (seed nodes in `redis_url`): commands follow
    /// the slots, fan-out uses sharded Pub/Sub.
    pub redis_cluster: bool,
    /// Prefix of every Redis key this instance writes; lets tests and
    /// several deployments share one Redis.
    pub redis_prefix: String,
    pub listen: SocketAddr,
    /// How long this process keeps a table by its token, a restaurant's
    /// settings and its menu before reading them again (0: never keeps
    /// them). A change made through this process is seen at once; one made
    /// through another, within this time. Orders re-check every item and
    /// their table in their transaction; restaurant settings (tax, location
    /// policy, order limits) apply within this time.
    pub cache_ttl_ms: u64,
    /// Where uploaded menu images are stored and served from (`/media/`).
    pub media_dir: PathBuf,
    /// Base of the URLs in QR codes: `{public_base_url}/t/{token}`.
    /// Defaults to `http://{listen}`.
    pub public_base_url: Option<String>,
    /// Largest accepted request body, except image uploads.
    pub body_limit_bytes: usize,
    /// Largest accepted menu image.
    pub image_limit_bytes: usize,
    /// How long an admin login lasts.
    pub session_ttl_secs: u64,
    /// The login limits (token buckets in Redis; a login that succeeds
    /// gives its attempts back). Per account and client address: a burst of
    /// `login_attempts_per_window`, refilled over `login_window_secs`.
    pub login_attempts_per_window: u32,
    pub login_window_secs: u64,
    /// Per account, from any address: a burst, then one attempt back every
    /// this many seconds (slower: the whole internet shares it).
    pub login_account_attempts: u32,
    pub login_account_refill_secs: u64,
    /// Per client address, at any account (guessing many accounts).
    pub login_client_attempts: u32,
    pub login_client_refill_secs: u64,
    /// Per known device (a token given at a successful login, shown at the
    /// next): its own budget instead of the three above, so that a
    /// stranger's guesses do not lock the account's owner out.
    pub login_device_attempts: u32,
    pub login_device_refill_secs: u64,
    /// How long a known-device token lasts after its last login.
    pub known_device_ttl_days: u64,
    /// The deployment's reverse proxies (addresses or networks): the login
    /// limits believe `X-Forwarded-For` only from them. (The location
    /// guard uses each restaurant's own `trusted_proxies`.)
    pub trusted_proxies: Vec<String>,
    /// `/metrics` answers only `Authorization: Bearer <metrics_token>`;
    /// unset, it answers no one (403).
    pub metrics_token: Option<String>,
    /// Diner sockets one instance holds per client address (an IPv4
    /// address or an IPv6 /64; a restaurant's Wi-Fi is one address for the
    /// whole room) and per table.
    pub ws_sockets_per_client: usize,
    pub ws_sockets_per_table: usize,
    /// Service requests (call staff, water, bill) per table visit per
    /// window, asking again for an open one included.
    pub service_requests_per_window: u32,
    pub service_window_secs: u64,
    /// Pairing attempts (right or wrong codes) per client address per 10
    /// minutes, a code's lifetime.
    pub pairing_attempts_per_client: u32,
    /// Wrong pairing codes per 10 minutes while a restaurant has a code
    /// open (each is a guess at it); past that its open codes are void.
    pub pairing_attempts_per_restaurant: u32,
    /// Give each kitchen device its own Redis ACL user, allowed only its
    /// restaurant's kitchen stream (see docs/ARCHITECTURE.md). Needs
    /// `REDIS_URL` to carry a user that may run `ACL SETUSER`/`DELUSER`
    /// and `CLIENT KILL`, and Redis' default user password-protected.
    pub redis_device_acl: bool,
    /// The Redis URL handed to paired devices (they may reach Redis at
    /// another address than the server). Default: `REDIS_URL` without its
    /// user and password.
    pub device_redis_url: Option<String>,
    /// A PEM file of the CA(s) that signed Redis' TLS certificate, for a
    /// `rediss://` `REDIS_URL`; unset: the system's roots.
    pub redis_ca_file: Option<PathBuf>,
    /// `json` for machine-read logs, `pretty` for people.
    pub log_format: LogFormat,
    /// Publish an order to the kitchen stream right after its commit. When
    /// false only the outbox relay publishes (what a crash right after the
    /// commit leaves behind; tests use it).
    pub outbox_immediate_publish: bool,
    /// How often the outbox relay looks for unpublished orders.
    pub outbox_relay_interval_ms: u64,
    /// An order published this long ago that no kitchen display confirmed
    /// is checked against Redis (and published again if Redis lost it),
    /// then again each time this long has passed, for 12 hours.
    pub kitchen_recheck_ms: u64,
    /// How long a client may take to send a request's headers, and how
    /// long a kept-alive connection may sit idle (hyper's header-read
    /// timeout). Then the connection is closed.
    pub header_read_timeout_secs: u64,
    /// Open connections served normally (WebSockets included, for as long
    /// as they are open). Keep it below the open-files limit (raised to the
    /// hard limit at start and logged) with room for the database and
    /// Redis.
    pub max_connections: usize,
    /// Connections accepted beyond `max_connections` on a short leash (1 s
    /// to send the headers, one request, then closed), so that a health
    /// check is answered while the normal budget is full. Beyond both,
    /// new connections wait in the kernel's backlog.
    pub reserve_connections: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite:data/qrorder.db".into(),
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_cluster: false,
            redis_prefix: "qrorder".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            cache_ttl_ms: 1000,
            media_dir: PathBuf::from("data/media"),
            public_base_url: None,
            body_limit_bytes: 64 * 1024,
            image_limit_bytes: 2 * 1024 * 1024,
            session_ttl_secs: 12 * 3600,
            login_attempts_per_window: 10,
            login_window_secs: 300,
            login_account_attempts: 20,
            login_account_refill_secs: 180,
            login_client_attempts: 20,
            login_client_refill_secs: 15,
            login_device_attempts: 10,
            login_device_refill_secs: 30,
            known_device_ttl_days: 90,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            ws_sockets_per_client: 300,
            ws_sockets_per_table: 40,
            service_requests_per_window: 20,
            service_window_secs: 600,
            pairing_attempts_per_client: 10,
            pairing_attempts_per_restaurant: 30,
            redis_device_acl: false,
            device_redis_url: None,
            redis_ca_file: None,
            log_format: LogFormat::Pretty,
            outbox_immediate_publish: true,
            outbox_relay_interval_ms: 1000,
            kitchen_recheck_ms: 10_000,
            header_read_timeout_secs: 10,
            max_connections: 10_000,
            reserve_connections: 64,
        }
    }
}

impl Config {
    /// Defaults, then `file` (when given it must exist), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            anyhow::ensure!(
                file.exists(),
                "config file {} does not exist",
                file.display()
            );
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(Env::prefixed("QRORDER__").split("__"))
            .extract()
            .context("invalid configuration")
    }

    /// `trusted_proxies` parsed (`Application::build` refuses a list that
    /// does not parse, so later callers may rely on it).
    pub fn trusted_proxy_networks(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|v| {
                let v = v.trim();
                v.parse::<ipnet::IpNet>()
                    .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map(|n| n.trunc())
                    .with_context(|| format!("trusted_proxies: `{v}` is not an IP network"))
            })
            .collect()
    }

    /// The Redis URL a device is given: `device_redis_url`, else
    /// `redis_url` with any user and password taken out (a device never
    /// gets the server's credentials).
    pub fn device_redis_url(&self) -> String {
        if let Some(url) = &self.device_redis_url {
            return url.clone();
        }
        // Each seed node of a cluster's list, too.
        let strip = |url: &str| match (url.split_once("://"), url.rfind('@')) {
            (Some((scheme, _)), Some(at)) if at > scheme.len() => {
                format!("{scheme}://{}", &url[at + 1..])
            }
            _ => url.to_owned(),
        };
        self.redis_url
            .split(',')
            .map(|u| strip(u.trim()))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn public_base_url(&self) -> String {
        match &self.public_base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }
}

/// The parts of the server a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub client_api: bool,
    pub admin_api: bool,
    pub ws: bool,
}

impl Roles {
    pub const ALL: Roles = Roles {
        client_api: true,
        admin_api: true,
        ws: true,
    };
}

impl FromStr for Roles {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut roles = Roles {
            client_api: false,
            admin_api: false,
            ws: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "client-api" => roles.client_api = true,
                "admin-api" => roles.admin_api = true,
                "ws" => roles.ws = true,
                "all" => roles = Roles::ALL,
                other => {
                    return Err(format!(
                        "unknown role `{other}`: expected any of client-api, admin-api, ws"
                    ));
                }
            }
        }
        if roles
            == (Roles {
                client_api: false,
                admin_api: false,
                ws: false,
            })
        {
            return Err("no role given: expected any of client-api, admin-api, ws".into());
        }
        Ok(roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_get_the_redis_url_without_the_servers_credentials() {
        let mut c = Config {
            redis_url: "redis://qrorder:s3cret@10.0.0.2:6379/0".into(),
            ..Config::default()
        };
        assert_eq!(c.device_redis_url(), "redis://10.0.0.2:6379/0");
        c.redis_url = "redis://127.0.0.1:6379".into();
        assert_eq!(c.device_redis_url(), "redis://127.0.0.1:6379");
        c.redis_url = "redis://q:pw@10.0.0.2:7000, redis://q:pw@10.0.0.3:7000".into();
        assert_eq!(
            c.device_redis_url(),
            "redis://10.0.0.2:7000,redis://10.0.0.3:7000"
        );
        c.redis_url = "redis://127.0.0.1:6379".into();
        c.device_redis_url = Some("redis://kitchen-redis:6379".into());
        assert_eq!(c.device_redis_url(), "redis://kitchen-redis:6379");
    }

    #[test]
    fn roles_parse_from_a_comma_list_and_refuse_unknown_ones() {
        let r: Roles = "client-api, ws".parse().expect("roles");
        assert!(r.client_api && r.ws && !r.admin_api);
        assert!("kitchen".parse::<Roles>().is_err());
        assert!("".parse::<Roles>().is_err());
    }
}
