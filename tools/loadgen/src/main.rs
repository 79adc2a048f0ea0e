//! `qrorder-loadgen orders|menu|ws`: prints a JSON report. `--seed` is the
//! JSON that `qrorder seed-demo --json` printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "qrorder-loadgen",
    version,
    about = "Load generator: keeps diners ordering or sharing carts against a running QR Order server and prints a JSON report"
)]
struct Cli {
    #[command(subcommand)]
    what: Target,
}

#[derive(Debug, Subcommand)]
enum Target {
    /// Order submission: orders/s and latency percentiles.
    Orders {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        seed: PathBuf,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The server's Redis: a kitchen-like consumer then reads the
        /// seed's `kitchen_stream` and times order → entry.
        #[arg(long)]
        redis_url: Option<String>,
    },
    /// The diners' menu `GET` over the seed's tables, and `/healthz` of the
    /// same server as the baseline, one after the other: requests/s.
    Menu {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        seed: PathBuf,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// WebSocket fan-out: `--tables` × `--diners` sockets on one ws instance.
    Ws {
        #[arg(long)]
        base_url: String,
        #[arg(long)]
        seed: PathBuf,
        #[arg(long, default_value_t = 2500)]
        tables: usize,
        #[arg(long, default_value_t = 4)]
        diners: usize,
        /// Cart ops per second over all tables.
        #[arg(long, default_value_t = 1000.0)]
        ops_per_second: f64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// The server's process id, to measure its memory per socket.
        #[arg(long)]
        server_pid: Option<u32>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qrorder-loadgen: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.what)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qrorder-loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn read_seed(path: &PathBuf) -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::from_slice(&std::fs::read(path)?)?)
}

async fn run(what: Target) -> anyhow::Result<()> {
    let report = match what {
        Target::Orders {
            base_url,
            seed,
            concurrency,
            seconds,
            redis_url,
        } => {
            let seed = read_seed(&seed)?;
            let concurrency = concurrency.max(1);
            // A table per diner, and limits that the load does not meet.
            let tokens = loadgen::table_tokens(&base_url, &seed, concurrency).await?;
            loadgen::open_order_limits(&base_url, &seed).await?;
            let kitchen = match redis_url {
                Some(redis_url) => Some(loadgen::Kitchen {
                    redis_url,
                    stream: seed["kitchen_stream"]
                        .as_str()
                        .context("the seed names no kitchen_stream")?
                        .to_owned(),
                }),
                None => None,
            };
            let report = loadgen::orders(
                &base_url,
                &tokens,
                concurrency,
                Duration::from_secs(seconds.max(1)),
                kitchen,
            )
            .await?;
            serde_json::to_string_pretty(&report)?
        }
        Target::Menu {
            base_url,
            seed,
            concurrency,
            seconds,
        } => {
            let menus: Vec<String> = loadgen::seed_tokens(&read_seed(&seed)?)
                .iter()
                .map(|t| format!("/api/v1/tables/{t}/menu"))
                .collect();
            let (concurrency, duration) = (concurrency.max(1), Duration::from_secs(seconds.max(1)));
            let baseline =
                loadgen::gets(&base_url, &["/healthz".to_owned()], concurrency, duration).await?;
            let menu = loadgen::gets(&base_url, &menus, concurrency, duration).await?;
            serde_json::to_string_pretty(&serde_json::json!({ "menu": menu, "healthz": baseline }))?
        }
        Target::Ws {
            base_url,
            seed,
            tables,
            diners,
            ops_per_second,
            seconds,
            server_pid,
        } => {
            let tokens = loadgen::table_tokens(&base_url, &read_seed(&seed)?, tables).await?;
            let report = loadgen::ws(
                &base_url,
                &tokens,
                tables,
                diners,
                ops_per_second,
                Duration::from_secs(seconds.max(1)),
                server_pid,
            )
            .await?;
            serde_json::to_string_pretty(&report)?
        }
    };
    println!("{report}");
    Ok(())
}
