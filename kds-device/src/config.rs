//! The device's settings: defaults, then what pairing stored in the data
//! directory (`paired.toml`, see [`crate::pairing`]), then a TOML file, then
//! `KDS__…` environment variables (`KDS__REDIS_URL`, `KDS__STATION`, …).

use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use qrorder_shared::RestaurantId;
use qrorder_shared::keys::Keys;
use serde::{Deserialize, Serialize};

use crate::redis_io::Group;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// One Redis, or with `redis_cluster` the cluster's seed nodes,
    /// comma-separated (`redis://h1:7000,redis://h2:7000`).
    pub redis_url: String,
    /// The Redis is a Redis Cluster.
    pub redis_cluster: bool,
    /// The device's own Redis user and its password (pairing stores them
    /// when the server gives each device one); unset: the URL's user.
    pub redis_username: Option<String>,
    pub redis_password: Option<String>,
    /// A PEM file of the CA(s) that signed Redis' TLS certificate, for a
    /// `rediss://` `redis_url`; unset: the system's roots.
    pub redis_ca_file: Option<PathBuf>,
    /// Prefix of every Redis key (see `qrorder_shared::keys`).
    pub redis_prefix: String,
    /// Base URL of the admin API, e.g. `http://10.0.0.2:8080`.
    pub api_url: String,
    /// A device token from the admin API (`POST /api/v1/admin/devices`).
    pub api_token: String,
    pub restaurant_id: i64,
    /// The station this device serves: its consumer group.
    pub station: String,
    /// Stable name of this device: its consumer name in the group.
    pub device_id: String,
    /// `tcp://HOST:PORT`, `usb:/dev/usb/lp0`, `serial:/dev/ttyUSB0:19200`,
    /// `file:PATH` or `none` (screen only: entries are acknowledged once shown).
    pub printer: String,
    /// Paper: `58`, `80`, `80-42`.
    pub printer_paper: String,
    /// Korean text on the printer: `codepage` or `raster`.
    pub printer_korean: String,
    /// Where the journal of printed orders lives.
    pub data_dir: PathBuf,
    /// A pairing prepared on a PC for a display without a keyboard (the
    /// image's: `/boot/firmware/qrorder/pair.toml`, `server = "http://…"`
    /// and `code = "…"`): used at start while the display is not paired.
    pub pairing_file: Option<PathBuf>,
    /// Language of item names on screen and paper (falls back to English).
    pub language: String,
    /// Restaurant time zone as an offset from UTC, for the clock and tickets.
    pub utc_offset_minutes: i32,
    /// Ticket turns yellow after this many seconds.
    pub warn_after_secs: u64,
    /// Ticket turns red after this many seconds.
    pub late_after_secs: u64,
    /// Entries idle this long in a dead device's pending list are claimed.
    pub claim_idle_ms: u64,
    /// How often to look for entries to claim.
    pub claim_interval_ms: u64,
    /// An entry delivered more often than this goes to the dead-letter stream.
    pub max_deliveries: u64,
    /// `XREADGROUP … BLOCK` time; the read connection waits 2 s longer.
    pub block_ms: u64,
    /// Base URL of the WebSocket role (`ws://HOST:PORT`) for `/ws/kitchen`;
    /// empty: the admin API's host (`http` → `ws`).
    pub ws_url: String,
    /// How often the admin API's health is checked (the banner within 3 s).
    /// (`api_poll_ms`, its name before open orders were pushed, still works.)
    #[serde(alias = "api_poll_ms")]
    pub api_health_ms: u64,
    /// Timeout of one admin API request.
    pub api_timeout_ms: u64,
    /// How long a bumped ticket can be recalled.
    pub recall_minutes: u64,
    /// BCM pin numbers; unset pins are not used.
    pub gpio_buzzer_pin: Option<u8>,
    pub gpio_led_pin: Option<u8>,
    pub gpio_button_pin: Option<u8>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_cluster: false,
            redis_username: None,
            redis_password: None,
            redis_ca_file: None,
            redis_prefix: "qrorder".into(),
            api_url: "http://127.0.0.1:8080".into(),
            api_token: String::new(),
            restaurant_id: 1,
            station: "kitchen".into(),
            device_id: "kds-1".into(),
            printer: "none".into(),
            printer_paper: "80".into(),
            printer_korean: "codepage".into(),
            data_dir: PathBuf::from("data/kds"),
            pairing_file: None,
            language: "ko".into(),
            utc_offset_minutes: 9 * 60,
            warn_after_secs: 5 * 60,
            late_after_secs: 10 * 60,
            claim_idle_ms: 30_000,
            claim_interval_ms: 5_000,
            max_deliveries: 5,
            block_ms: 2_000,
            ws_url: String::new(),
            api_health_ms: 1_000,
            api_timeout_ms: 1_000,
            recall_minutes: 30,
            gpio_buzzer_pin: None,
            gpio_led_pin: None,
            gpio_button_pin: None,
        }
    }
}

impl Config {
    /// The restaurant's kitchen stream (the key format is `shared`'s).
    pub fn orders_stream(&self) -> String {
        Keys::new(&self.redis_prefix).orders_stream(RestaurantId(self.restaurant_id))
    }

    /// The station's consumer group on the kitchen stream.
    pub fn consumer_group(&self) -> Group {
        Group {
            stream: self.orders_stream(),
            name: self.station.clone(),
        }
    }

    /// Where entries no device could handle go.
    pub fn dead_letters(&self) -> String {
        Keys::new(&self.redis_prefix).orders_dead_letter(RestaurantId(self.restaurant_id))
    }

    /// Defaults, then the data directory's `paired.toml` (when the device
    /// was paired), then `file` (when given; it must exist), then `KDS__…`:
    /// what the file and the environment set overrides what pairing stored.
    pub fn load(file: Option<&Path>) -> Result<Self, Box<figment::Error>> {
        let paired = Self::data_dir_of(file)?.join(crate::pairing::PAIRED_FILE);
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if paired.exists() {
            figment = figment.merge(Toml::file_exact(&paired));
        }
        let config: Config = Self::overrides(figment, file).extract()?;
        config
            .validate()
            .map_err(|e| Box::new(figment::Error::from(e)))?;
        Ok(config)
    }

    /// `data_dir` as the file and the environment set it (pairing's file
    /// lives there, so it cannot set it).
    pub fn data_dir_of(file: Option<&Path>) -> Result<PathBuf, Box<figment::Error>> {
        let figment = Figment::from(Serialized::defaults(Config::default()));
        Ok(Self::overrides(figment, file).extract_inner("data_dir")?)
    }

    /// The file, then `KDS__…`, over `figment`.
    pub(crate) fn overrides(mut figment: Figment, file: Option<&Path>) -> Figment {
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment.merge(Env::prefixed("KDS__"))
    }

    /// The Redis client: `redis_url` with the device's own user, if any;
    /// over TLS (`rediss://`) trusting `redis_ca_file` when it is set.
    pub fn redis_client(&self) -> redis::RedisResult<redis::Client> {
        let info = self.node_info(&self.redis_url)?;
        match self.root_cert()? {
            None => redis::Client::open(info),
            Some(pem) => redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                },
            ),
        }
    }

    /// Where Redis is: [`Self::redis_client`], or on a cluster every seed
    /// node of `redis_url` with the same user and CA.
    pub fn redis_target(&self) -> redis::RedisResult<crate::redis_io::Target> {
        use crate::redis_io::Target;
        if !self.redis_cluster {
            return self.redis_client().map(Target::Single);
        }
        let nodes = self
            .redis_url
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| self.node_info(u))
            .collect::<redis::RedisResult<Vec<_>>>()?;
        if nodes.is_empty() {
            return Err(refused(
                "redis_cluster is on but redis_url names no node".into(),
            ));
        }
        Ok(Target::Cluster {
            nodes,
            root_cert: self.root_cert()?,
        })
    }

    /// One node's URL with the device's own user, if any.
    fn node_info(&self, url: &str) -> redis::RedisResult<redis::ConnectionInfo> {
        use redis::IntoConnectionInfo;
        // rustls' crypto, chosen once per process (already chosen is fine).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let info = url.into_connection_info()?;
        let mut settings = info.redis_settings().clone();
        if let Some(user) = self.redis_username.as_deref().filter(|u| !u.is_empty()) {
            settings = settings.set_username(user);
        }
        if let Some(password) = self.redis_password.as_deref().filter(|p| !p.is_empty()) {
            settings = settings.set_password(password);
        }
        Ok(info.set_redis_settings(settings))
    }

    /// The PEM of `redis_ca_file`, which needs `rediss://`.
    fn root_cert(&self) -> redis::RedisResult<Option<Vec<u8>>> {
        let Some(ca_file) = &self.redis_ca_file else {
            return Ok(None);
        };
        if !self.redis_url.starts_with("rediss://") {
            return Err(refused(
                "redis_ca_file is set but redis_url is not rediss:// (TLS)".into(),
            ));
        }
        std::fs::read(ca_file).map(Some).map_err(|e| {
            refused(format!(
                "cannot read redis_ca_file {}: {e}",
                ca_file.display()
            ))
        })
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.station.trim().is_empty() || self.device_id.trim().is_empty() {
            return Err("station and device_id must not be empty".into());
        }
        if self.late_after_secs < self.warn_after_secs {
            return Err("late_after_secs must not be below warn_after_secs".into());
        }
        if self.max_deliveries == 0 {
            return Err("max_deliveries must be at least 1".into());
        }
        if printer::Paper::parse(&self.printer_paper).is_none() {
            return Err(format!(
                "printer_paper `{}` is not 58, 80 or 80-42",
                self.printer_paper
            ));
        }
        if printer::KoreanText::parse(&self.printer_korean).is_none() {
            return Err(format!(
                "printer_korean `{}` is not codepage or raster",
                self.printer_korean
            ));
        }
        Ok(())
    }

    pub fn block(&self) -> Duration {
        Duration::from_millis(self.block_ms)
    }

    pub fn printer_config(&self) -> printer::PrinterConfig {
        let mut config = printer::PrinterConfig::default();
        if let Some(paper) = printer::Paper::parse(&self.printer_paper) {
            config.layout.paper = paper;
        }
        if let Some(korean) = printer::KoreanText::parse(&self.printer_korean) {
            config.layout.korean = korean;
        }
        config.layout.language = self.language.clone();
        config.layout.utc_offset_minutes = self.utc_offset_minutes;
        config
    }
}

/// A Redis setting this display cannot use.
fn refused(what: String) -> redis::RedisError {
    redis::RedisError::from((
        redis::ErrorKind::InvalidClientConfig,
        "Redis settings",
        what,
    ))
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("kds.toml", "station = \"bar\"\nmax_deliveries = 3\n")?;
            jail.set_env("KDS__DEVICE_ID", "bar-2");
            jail.set_env("KDS__MAX_DELIVERIES", "7");
            let c = Config::load(Some(Path::new("kds.toml"))).map_err(|e| *e)?;
            assert_eq!(c.station, "bar");
            assert_eq!(c.device_id, "bar-2");
            assert_eq!(c.max_deliveries, 7);
            assert_eq!(c.redis_prefix, "qrorder");
            Ok(())
        });
    }

    #[test]
    fn what_pairing_stored_is_used_unless_the_file_or_environment_says_otherwise() {
        figment::Jail::expect_with(|jail| {
            jail.create_dir("data/kds")?;
            jail.create_file(
                "data/kds/paired.toml",
                "api_url = \"http://10.0.0.2:8080\"\napi_token = \"qro_d_x\"\nstation = \"bar\"\nrestaurant_id = 4\nredis_username = \"q-device-3\"\n",
            )?;
            let c = Config::load(None).map_err(|e| *e)?;
            assert_eq!(
                (c.api_url.as_str(), c.api_token.as_str()),
                ("http://10.0.0.2:8080", "qro_d_x")
            );
            assert_eq!((c.station.as_str(), c.restaurant_id), ("bar", 4));
            assert_eq!(c.redis_username.as_deref(), Some("q-device-3"));
            jail.create_file("kds.toml", "station = \"grill\"\n")?;
            jail.set_env("KDS__API_URL", "http://10.0.0.9:8080");
            let c = Config::load(Some(Path::new("kds.toml"))).map_err(|e| *e)?;
            assert_eq!(
                (c.station.as_str(), c.api_url.as_str()),
                ("grill", "http://10.0.0.9:8080")
            );
            assert_eq!(c.api_token, "qro_d_x");
            // Elsewhere, nothing paired: the defaults.
            jail.set_env("KDS__DATA_DIR", "elsewhere");
            let c = Config::load(None).map_err(|e| *e)?;
            assert_eq!(c.api_token, "");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("kds.toml", "stattion = \"bar\"\n")?;
            assert!(Config::load(Some(Path::new("kds.toml"))).is_err());
            jail.create_file("kds.toml", "printer_paper = \"90\"\n")?;
            assert!(Config::load(Some(Path::new("kds.toml"))).is_err());
            Ok(())
        });
    }
}
