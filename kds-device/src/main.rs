//! `kds`: the kitchen display. `kds --headless` runs everything but the window;
//! `kds --check-config` validates the configuration, prints it and says
//! whether the GPIO pins open (on a Pi built with `pi`) or why not;
//! `kds pair --server URL --code CODE` pairs this display with a one-time
//! code from the console and stores its credentials in the data directory.
//! Not paired at all, `kds` opens its touch pairing screen, and `kds
//! --headless` stops and says how to pair.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about = "QR Order kitchen display")]
struct Args {
    /// TOML config file; `KDS__…` environment variables override it.
    #[arg(long, env = "KDS_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// No window: consume, print and sync only (servers, tests, a Pi
    /// without a screen: KDS_HEADLESS=true in the unit's environment file).
    #[arg(long, env = "KDS_HEADLESS")]
    headless: bool,
    /// Load and validate the configuration, print it (secrets hidden) and
    /// whether the GPIO pins open, exit.
    #[arg(long)]
    check_config: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Pair this display with the one-time code an owner made on the
    /// console's Devices page; the credentials go to the data directory
    /// (`paired.toml`, mode 0600), and `kds` then runs from them.
    Pair {
        /// The server's base URL, e.g. `http://10.0.0.2:8080`.
        #[arg(long)]
        server: String,
        /// The 8-digit code the console shows.
        #[arg(long)]
        code: String,
    },
}

/// `kds --headless` on a display that is not paired (sysexits' EX_CONFIG).
const NOT_PAIRED_EXIT: i32 = 78;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    if let Some(Command::Pair { server, code }) = &args.command {
        return kds::app::run_pair(args.config.as_deref(), server, code);
    }
    let config = kds::Config::load(args.config.as_deref())?;
    let paired = kds::setup::is_paired(&config, args.config.as_deref());
    if args.check_config {
        let mut shown = config.clone();
        if !shown.api_token.is_empty() {
            shown.api_token = "(set)".into();
        }
        if shown.redis_password.is_some() {
            shown.redis_password = Some("(set)".into());
        }
        println!("{shown:#?}");
        println!("kitchen stream: {}", config.orders_stream());
        println!("dead letters: {}", config.dead_letters());
        // What the running device would get: the same `gpio::open`.
        println!("gpio: {}", kds::gpio::open(&config).describe());
        println!(
            "paired: {}",
            if paired {
                "yes"
            } else {
                "no (no api_token or restaurant_id: the window shows the pairing screen)"
            }
        );
        return Ok(());
    }
    // A card prepared on a PC pairs from its pairing file first.
    let (config, paired) = if paired {
        (config, paired)
    } else {
        kds::app::pair_from_file(config, args.config.as_deref())?
    };
    if args.headless {
        // Without a screen there is nothing to pair on: say how, and stop
        // with EX_CONFIG, which the Pi's unit does not restart
        // (RestartPreventExitStatus=78): no log line every two seconds.
        if !paired {
            eprintln!(
                "{}",
                kds::setup::not_paired(&config, args.config.as_deref())
            );
            std::process::exit(NOT_PAIRED_EXIT);
        }
        kds::app::run_headless(config)
    } else {
        kds::app::run_window(config, args.config.as_deref(), paired)
    }
}
