//! `kds pair --server URL --code CODE`: trades the one-time code an owner
//! made on the console for this display's credentials (`POST
//! /api/v1/devices/pair`) and stores them in the data directory as
//! `paired.toml` — readable by this user only (0600), written atomically
//! (a temporary file in the same directory, synced, then renamed), so a
//! power cut leaves the old file or the new one, never half of one.
//! [`crate::Config::load`] reads it below `kds.toml` and the environment.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use qrorder_shared::ErrorBody;
use qrorder_shared::device::{PairRequest, PairedDevice};
use serde::Serialize;

/// The file pairing writes in the data directory.
pub const PAIRED_FILE: &str = "paired.toml";

#[derive(Debug, thiserror::Error)]
pub enum PairError {
    #[error("cannot reach {url}: {source}")]
    Unreachable { url: String, source: reqwest::Error },
    #[error("the server refused the code ({status}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        /// Seconds, from `Retry-After` (too many attempts).
        retry_after: Option<u64>,
    },
    #[error("the server's answer is not a pairing: {0}")]
    Unreadable(reqwest::Error),
    #[error("cannot store the credentials in {path}: {source}")]
    Store {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The settings pairing stores: `Config` keys, so the file reads like a
/// `kds.toml` and every value can be overridden the same way.
#[derive(Debug, Serialize)]
struct Stored<'a> {
    api_url: &'a str,
    api_token: &'a str,
    ws_url: &'a str,
    restaurant_id: i64,
    station: &'a str,
    device_id: &'a str,
    redis_url: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    redis_cluster: bool,
    redis_prefix: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    redis_username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redis_password: Option<&'a str>,
}

/// Pairs with the server at `server` (its base URL) using `code`, and
/// stores what it answers in `data_dir`. Returns the device and the file.
pub async fn pair(
    server: &str,
    code: &str,
    data_dir: &Path,
) -> Result<(PairedDevice, PathBuf), PairError> {
    let url = format!(
        "{}/api/v1/devices/pair",
        server.trim().trim_end_matches('/')
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|source| PairError::Unreachable {
            url: url.clone(),
            source,
        })?;
    let resp = http
        .post(&url)
        .json(&PairRequest {
            code: code.to_owned(),
        })
        .send()
        .await
        .map_err(|source| PairError::Unreachable {
            url: url.clone(),
            source,
        })?;
    let status = resp.status();
    if !status.is_success() {
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse().ok());
        let body: Option<ErrorBody> = resp.json().await.ok();
        let (code, message) = body.map_or_else(
            || ("http_error".to_owned(), status.to_string()),
            |b| (b.code, b.message),
        );
        return Err(PairError::Refused {
            status: status.as_u16(),
            code,
            message,
            retry_after,
        });
    }
    let paired: PairedDevice = resp.json().await.map_err(PairError::Unreadable)?;
    let path = data_dir.join(PAIRED_FILE);
    store(&paired, &path).map_err(|source| PairError::Store {
        path: path.clone(),
        source,
    })?;
    Ok((paired, path))
}

/// The file's text.
fn render(p: &PairedDevice) -> String {
    let stored = Stored {
        api_url: &p.api_url,
        api_token: &p.token,
        ws_url: &p.ws_url,
        restaurant_id: p.restaurant_id.0,
        station: &p.station,
        device_id: &p.consumer,
        redis_url: &p.redis.url,
        redis_cluster: p.redis.cluster,
        redis_prefix: &p.redis.prefix,
        redis_username: p.redis.username.as_deref(),
        redis_password: p.redis.password.as_deref(),
    };
    let body = toml::to_string(&stored).unwrap_or_default();
    format!(
        "# Written by `kds pair` for device {} ({}): this display's own credentials.\n\
         # Keep it secret; pair again to replace it. kds.toml and KDS__ variables\n\
         # override any value here.\n{body}",
        p.id.0,
        p.name
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
    )
}

fn store(p: &PairedDevice, path: &Path) -> std::io::Result<()> {
    write_private(path, render(p).as_bytes())
}

/// Writes `bytes` to `path` as a new file of mode 0600, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = write_then_rename(&options, &tmp, bytes, path);
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    // The rename itself survives a power cut once the directory is synced.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

fn write_then_rename(
    options: &std::fs::OpenOptions,
    tmp: &Path,
    bytes: &[u8],
    path: &Path,
) -> std::io::Result<()> {
    let mut file = options.open(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrorder_shared::device::DeviceRedis;
    use qrorder_shared::{DeviceId, RestaurantId};

    fn paired() -> PairedDevice {
        PairedDevice {
            id: DeviceId(3),
            name: "Grill \"left\"".into(),
            token: "qro_d_abc".into(),
            restaurant_id: RestaurantId(4),
            station: "grill".into(),
            consumer: "device-3".into(),
            api_url: "http://10.0.0.2:8080".into(),
            ws_url: "ws://10.0.0.2:8080".into(),
            redis: DeviceRedis {
                url: "redis://10.0.0.2:6379".into(),
                cluster: false,
                prefix: "qrorder".into(),
                username: Some("qrorder-device-3".into()),
                password: Some("pw".into()),
            },
        }
    }

    #[test]
    fn the_stored_file_is_private_and_reads_back_as_settings() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("data").join(PAIRED_FILE);
        store(&paired(), &path).expect("stored");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Nothing but the file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from(PAIRED_FILE)]);
        let text = std::fs::read_to_string(&path).expect("read");
        let value: toml::Table = text.parse().expect("TOML");
        assert_eq!(value["api_token"].as_str(), Some("qro_d_abc"));
        assert_eq!(value["device_id"].as_str(), Some("device-3"));
        assert_eq!(value["restaurant_id"].as_integer(), Some(4));
        assert_eq!(value["redis_password"].as_str(), Some("pw"));
        // Pairing again replaces it whole.
        let mut again = paired();
        again.token = "qro_d_new".into();
        again.redis.username = None;
        again.redis.password = None;
        store(&again, &path).expect("stored again");
        let value: toml::Table = std::fs::read_to_string(&path)
            .expect("read")
            .parse()
            .expect("TOML");
        assert_eq!(value["api_token"].as_str(), Some("qro_d_new"));
        assert!(!value.contains_key("redis_password"));
    }
}
