//! A display that is not paired yet. Whether it is: no API token and no
//! restaurant from any source (`paired.toml`, `kds.toml`, `KDS__`). What
//! the touch pairing screen does with what was typed on it: the keypad's
//! edits, then a pairing through [`crate::pairing::pair`] (the same
//! `paired.toml` as `kds pair`), every refusal put in words a cook can act
//! on. No UI types here: [`crate::ui`] shows what this module answers.

use std::path::{Path, PathBuf};

use std::time::Duration;

use figment::Figment;
use figment::providers::{Format, Toml};
use qrorder_shared::device::PairedDevice;
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::pairing::{self, PAIRED_FILE, PairError};

/// The longest address and code the keypad takes.
const MAX_ADDRESS: usize = 80;
const MAX_CODE: usize = 12;

/// Whether the display has credentials: a non-empty `api_token`, or a
/// `restaurant_id` set by any source. Without either it starts in pairing.
pub fn is_paired(config: &Config, file: Option<&Path>) -> bool {
    if !config.api_token.trim().is_empty() {
        return true;
    }
    let paired = config.data_dir.join(PAIRED_FILE);
    let mut sources = Figment::new();
    if paired.exists() {
        sources = sources.merge(Toml::file_exact(&paired));
    }
    Config::overrides(sources, file).contains("restaurant_id")
}

/// What `kds --headless` says when the display is not paired.
pub fn not_paired(config: &Config, file: Option<&Path>) -> String {
    let (source, config_arg) = match file {
        Some(f) => (
            format!("{}, ", f.display()),
            format!(" --config {}", f.display()),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "this display is not paired: no api_token or restaurant_id in {paired} (pairing), {source}or KDS__ variables.\n\
         Pair it with the 8-digit code from the console (Devices → Pair a display):\n    \
         kds pair --server http://SERVER:8080 --code CODE{config_arg}\n\
         then start it again (on the Pi: sudo systemctl restart kds); or start kds with its window (without --headless) and pair on the touch screen.{from_file}",
        paired = config.data_dir.join(PAIRED_FILE).display(),
        from_file = config.pairing_file.as_ref().map_or_else(String::new, |f| format!(
            "\nWithout a keyboard: write the server and the code into {} (two lines: server = \"192.168.1.20:8080\" and code = \"12345678\"; on the Pi's card, qrorder/pair.toml on its boot partition, from any PC) and start it again.",
            f.display()
        )),
    )
}

/// The field the on-screen keypad types into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Address,
    Code,
}

/// A key of the on-screen keypad: `back` deletes the last character,
/// `clear` empties the field; other keys are appended when the field takes
/// them (the code digits only; the address letters, digits and `.:/-`).
pub fn type_key(field: Field, text: &str, key: &str) -> String {
    match key {
        "back" => {
            let mut t = text.to_owned();
            t.pop();
            t
        }
        "clear" => String::new(),
        _ => {
            let (takes, max): (fn(char) -> bool, usize) = match field {
                Field::Code => (|c| c.is_ascii_digit(), MAX_CODE),
                Field::Address => (
                    |c| c.is_ascii_alphanumeric() || ".:/-".contains(c),
                    MAX_ADDRESS,
                ),
            };
            let add: String = key.chars().map(|c| c.to_ascii_lowercase()).collect();
            if add.is_empty()
                || !add.chars().all(takes)
                || text.chars().count() + add.chars().count() > max
            {
                return text.to_owned();
            }
            format!("{text}{add}")
        }
    }
}

/// A pairing the screen asks for, checked: the server's base URL and the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub server: String,
    pub code: String,
}

/// What was typed, checked before anything is sent: `192.168.1.20:8080`
/// means `http://192.168.1.20:8080`.
pub fn check(address: &str, code: &str) -> Result<Attempt, String> {
    let typed = address.trim();
    if typed.is_empty() {
        return Err("Type the server's address first, e.g. 192.168.1.20:8080.".into());
    }
    let server = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("http://{typed}")
    };
    let server = server.trim_end_matches('/').to_owned();
    // The display speaks plain HTTP to the server (its HTTP client is built
    // without TLS): an https:// address could only fail as "unreachable".
    if server.starts_with("https://") {
        return Err(
            "This display talks to the server over http:// on the restaurant's network; type the server's http:// address (e.g. 192.168.1.20:8080), not https://."
                .into(),
        );
    }
    let valid = reqwest::Url::parse(&server).is_ok_and(|u| {
        u.scheme() == "http" && u.host_str().is_some_and(|h| !h.is_empty()) && u.path() == "/"
    });
    if !valid {
        return Err(format!(
            "\"{typed}\" is not a server address. Type it as the console's address bar shows it, e.g. 192.168.1.20:8080."
        ));
    }
    let code = pairing_code(code)?;
    Ok(Attempt { server, code })
}

fn pairing_code(code: &str) -> Result<String, String> {
    let code = code.trim();
    if code.is_empty() {
        return Err("Type the code the console shows (Devices → Pair a display).".into());
    }
    if !code.chars().all(|c| c.is_ascii_digit()) {
        return Err("The code is digits only.".into());
    }
    Ok(code.to_owned())
}

/// A refusal in words: what happened and what to do.
pub fn explain(e: &PairError, server: &str) -> String {
    match e {
        PairError::Unreachable { source, .. } => {
            let why = if source.is_timeout() {
                "it did not answer within 15 s"
            } else if source.is_connect() {
                "nothing answers there"
            } else {
                "the connection failed"
            };
            format!(
                "Cannot reach the server at {server} ({why}). Check the address and that this display is on the restaurant's network."
            )
        }
        PairError::Refused { status: 404, code, .. } if code == "pairing_code_invalid" => {
            "Wrong or expired code. Check the digits, or make a new code on the console (Devices → Pair a display): a code works once, for 10 minutes.".into()
        }
        PairError::Refused {
            status: 429,
            retry_after,
            message,
            ..
        } => {
            let wait = retry_after.map_or_else(|| "a minute".to_owned(), |s| format!("{s} s"));
            format!("Too many attempts: wait {wait}, then try again. The server says: {message}.")
        }
        // Not a QR Order server's answer (no error body, or no such route).
        PairError::Refused { status, code, .. } if code == "http_error" || *status == 404 => format!(
            "{server} answered {status}, not as a QR Order server: check the address (the console's address, e.g. 192.168.1.20:8080)."
        ),
        PairError::Refused {
            status, message, ..
        } => format!("The server refused ({status}): {message}."),
        PairError::Unreadable(_) => format!(
            "{server} answered, but not with a pairing: check the address (the console's address, e.g. 192.168.1.20:8080)."
        ),
        PairError::Store { path, source } => format!(
            "Paired, but the credentials could not be stored in {} ({source}). That code is used up: fix the data partition, make a new code and pair again.",
            path.display()
        ),
    }
}

/// What the screen shows after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Refused or failed: the reason, in words. The screen takes another try.
    Failed(String),
    /// Stored; the display starts from it.
    Paired(String),
}

/// One attempt: the code traded and `paired.toml` written in `data_dir`.
pub async fn attempt(a: &Attempt, data_dir: &Path) -> Result<PairedDevice, String> {
    match pairing::pair(&a.server, &a.code, data_dir).await {
        Ok((paired, path)) => {
            tracing::info!(device = paired.id.0, station = %paired.station, file = %path.display(), "paired on the touch screen");
            Ok(paired)
        }
        Err(e) => {
            tracing::warn!(server = %a.server, error = %e, "pairing on the touch screen refused");
            Err(explain(&e, &a.server))
        }
    }
}

/// Takes the screen's attempts one at a time until one pairs, telling
/// `show` each outcome. `None` when the screen is gone (channel closed).
pub async fn serve(
    mut attempts: mpsc::UnboundedReceiver<Attempt>,
    data_dir: PathBuf,
    show: impl Fn(Outcome),
) -> Option<PairedDevice> {
    while let Some(a) = attempts.recv().await {
        match attempt(&a, &data_dir).await {
            Ok(paired) => {
                show(Outcome::Paired(format!(
                    "Paired as {} (station {}). Starting the display…",
                    paired.name, paired.station
                )));
                return Some(paired);
            }
            Err(words) => show(Outcome::Failed(words)),
        }
    }
    None
}

/// `pairing_file`'s contents: what the screen would have been typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PairingFile {
    server: String,
    code: String,
}

/// How often, 5 s apart, an unreachable server is tried again from the
/// pairing file: at boot the network may come up after kds (a minute).
const UNREACHABLE_TRIES: u32 = 12;

/// Pairs from a file prepared on a PC (`server = "192.168.1.20:8080"`,
/// `code = "12345678"`), checked as the screen checks what is typed, into
/// `data_dir` as `kds pair` does. An unreachable server is tried again for
/// a minute; any other refusal is said in words at once.
pub async fn pair_from_file(path: &Path, data_dir: &Path) -> Result<PairedDevice, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the pairing file {shown}: {e}"))?;
    let file: PairingFile = toml::from_str(&text).map_err(|e| {
        format!(
            "{shown} is not a pairing file; it holds two lines, e.g. server = \"192.168.1.20:8080\" and code = \"12345678\" ({})",
            e.message()
        )
    })?;
    let a = check(&file.server, &file.code).map_err(|words| format!("{shown}: {words}"))?;
    for tried in 1..=UNREACHABLE_TRIES {
        match pairing::pair(&a.server, &a.code, data_dir).await {
            Ok((paired, stored)) => {
                tracing::info!(device = paired.id.0, station = %paired.station, file = %stored.display(), "paired from {shown}");
                return Ok(paired);
            }
            Err(e @ PairError::Unreachable { .. }) if tried < UNREACHABLE_TRIES => {
                tracing::warn!(server = %a.server, error = %e, tried, "pairing from {shown}: server unreachable, trying again in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(e) => return Err(format!("pairing from {shown}: {}", explain(&e, &a.server))),
        }
    }
    unreachable!("the last try returns")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API
mod tests {
    use super::*;

    #[test]
    fn the_keypad_types_what_each_field_takes_and_no_more() {
        let mut code = String::new();
        for k in ["1", "2", "a", ".", "3"] {
            code = type_key(Field::Code, &code, k);
        }
        assert_eq!(code, "123");
        assert_eq!(type_key(Field::Code, &code, "back"), "12");
        assert_eq!(type_key(Field::Code, &code, "clear"), "");
        assert_eq!(
            type_key(Field::Code, &"9".repeat(MAX_CODE), "1").len(),
            MAX_CODE
        );
        let mut address = String::new();
        for k in ["K", "d", "s", ".", "l", "a", "n", ":8080", " ", "é"] {
            address = type_key(Field::Address, &address, k);
        }
        assert_eq!(address, "kds.lan:8080");
        assert_eq!(type_key(Field::Address, "", "back"), "");
    }

    #[test]
    fn an_address_gets_its_scheme_and_nonsense_is_refused_before_sending() {
        assert_eq!(
            check(" 192.168.1.20:8080/ ", "1234 5678 ").map_err(|e| e.contains("digits")),
            Err(true)
        );
        assert_eq!(
            check("192.168.1.20:8080/", "12345678"),
            Ok(Attempt {
                server: "http://192.168.1.20:8080".into(),
                code: "12345678".into()
            })
        );
        assert!(
            check("https://kds.example", "12345678").is_err_and(|e| e.contains("http://")),
            "https is refused in words"
        );
        for bad in ["", "ftp://x", "http://", "10.0.0.2:8080/api", "::::"] {
            assert!(check(bad, "12345678").is_err(), "{bad}");
        }
        assert!(check("10.0.0.2", "").is_err_and(|e| e.contains("code")));
    }

    #[test]
    fn an_api_token_or_a_restaurant_from_any_source_counts_as_paired() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(None).map_err(|e| *e)?;
            assert!(!is_paired(&c, None));
            let said = not_paired(&c, None);
            assert!(said.contains("kds pair --server"), "{said}");
            assert!(said.contains("data/kds/paired.toml"), "{said}");
            jail.create_file("kds.toml", "printer = \"none\"\ndata_dir = \"d\"\n")?;
            let file = Some(Path::new("kds.toml"));
            let c = Config::load(file).map_err(|e| *e)?;
            assert!(!is_paired(&c, file));
            assert!(not_paired(&c, file).contains("--config kds.toml"));
            jail.set_env("KDS__RESTAURANT_ID", "4");
            assert!(is_paired(&Config::load(file).map_err(|e| *e)?, file));
            jail.clear_env();
            jail.create_dir("d")?;
            jail.create_file("d/paired.toml", "api_token = \"qro_d_x\"\n")?;
            assert!(is_paired(&Config::load(file).map_err(|e| *e)?, file));
            Ok(())
        });
    }
}
