//! `kds`: the kitchen display. `kds --headless` runs everything but the window;
//! `kds --check-config` validates the configuration, prints it and says
//! whether the GPIO pins open (on a Pi built with `pi`) or why not.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser)]
#[command(version, about = "QR Order kitchen display")]
struct Args {
    /// TOML config file; `KDS__…` environment variables override it.
    #[arg(long, env = "KDS_CONFIG")]
    config: Option<PathBuf>,
    /// No window: consume, print and sync only (servers, tests, a Pi
    /// without a screen: KDS_HEADLESS=true in the unit's environment file).
    #[arg(long, env = "KDS_HEADLESS")]
    headless: bool,
    /// Load and validate the configuration, print it (token hidden) and
    /// whether the GPIO pins open, exit.
    #[arg(long)]
    check_config: bool,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = kds::Config::load(args.config.as_deref())?;
    if args.check_config {
        let mut shown = config.clone();
        if !shown.api_token.is_empty() {
            shown.api_token = "(set)".into();
        }
        println!("{shown:#?}");
        println!("kitchen stream: {}", config.orders_stream());
        println!("dead letters: {}", config.dead_letters());
        // What the running device would get: the same `gpio::open`.
        println!("gpio: {}", kds::gpio::open(&config).describe());
        return Ok(());
    }
    if args.headless {
        kds::app::run_headless(config)
    } else {
        kds::app::run_window(config)
    }
}
