//! The `qrorder` command line: `serve`, `migrate`, `seed-demo`, `create-owner`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qrorder_shared::Currency;

use crate::app::{Application, shutdown_signal};
use crate::config::{Config, Roles};
use crate::db::Db;
use crate::seed;

#[derive(Debug, Parser)]
#[command(
    name = "qrorder",
    version,
    about = "QR Order server: diners order from their table"
)]
struct Cli {
    /// TOML configuration file; `QRORDER__…` environment variables override it.
    #[arg(long, global = true, env = "QRORDER_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// Any of client-api, admin-api, ws (comma-separated).
        #[arg(long, default_value = "client-api,admin-api,ws")]
        roles: Roles,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Create a demo restaurant with menu, tables and an owner.
    SeedDemo {
        /// Print the result as JSON (restaurant id, owner login, table URLs).
        #[arg(long)]
        json: bool,
    },
    /// Load generator: keeps diners ordering against a running server and
    /// prints a JSON report (orders/s, latency percentiles).
    Bench {
        #[command(subcommand)]
        what: BenchTarget,
    },
    /// Create a restaurant and its first owner. Its location policy starts as
    /// `network` over loopback and private LAN ranges; change it with
    /// `PATCH /api/v1/admin/restaurant`.
    CreateOwner {
        #[arg(long)]
        email: String,
        /// Generated and printed when not given.
        #[arg(long, env = "QRORDER_OWNER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        #[arg(long)]
        restaurant_name: String,
        #[arg(long, default_value = "KRW")]
        currency: String,
        #[arg(long, default_value = "Asia/Seoul")]
        timezone: String,
    },
}

#[derive(Debug, Subcommand)]
enum BenchTarget {
    /// Order submission: `--seed` is the JSON `seed-demo --json` printed.
    Orders {
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

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qrorder: {e:#}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init_logs(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("qrorder: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qrorder: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { roles } => {
            let app = Application::build(config, roles).await?;
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            Db::connect(&config.database_url).await?.migrate().await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::SeedDemo { json } => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let seeded = seed::seed_demo(&db, &config.public_base_url()).await?;
            if json {
                let mut out = serde_json::to_value(&seeded)?;
                // The stream its kitchen displays read (scripts and tests
                // need not know the key format).
                out["kitchen_stream"] = crate::keys::Keys::new(&config.redis_prefix)
                    .orders_stream(seeded.restaurant_id)
                    .into();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!("Demo restaurant {} created.", seeded.restaurant_id);
                println!(
                    "Owner login: {} / {}",
                    seeded.owner.email, seeded.owner.password
                );
                for t in &seeded.tables {
                    println!("  {:<10} {}", t.name, t.url);
                }
            }
            Ok(())
        }
        Command::Bench {
            what:
                BenchTarget::Orders {
                    base_url,
                    seed,
                    concurrency,
                    seconds,
                },
        } => {
            let seed: serde_json::Value = serde_json::from_slice(&std::fs::read(&seed)?)?;
            let tokens = crate::bench::seed_tokens(&seed);
            let report = crate::bench::orders(
                &base_url,
                &tokens,
                concurrency.max(1),
                std::time::Duration::from_secs(seconds.max(1)),
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Bench {
            what:
                BenchTarget::Ws {
                    base_url,
                    seed,
                    tables,
                    diners,
                    ops_per_second,
                    seconds,
                    server_pid,
                },
        } => {
            let seed: serde_json::Value = serde_json::from_slice(&std::fs::read(&seed)?)?;
            let tokens = crate::bench::table_tokens(&base_url, &seed, tables).await?;
            let report = crate::bench::ws(
                &base_url,
                &tokens,
                tables,
                diners,
                ops_per_second,
                std::time::Duration::from_secs(seconds.max(1)),
                server_pid,
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::CreateOwner {
            email,
            password,
            restaurant_name,
            currency,
            timezone,
        } => {
            let currency: Currency = currency.parse()?;
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(seed::random_password);
            let restaurant = seed::local_restaurant(&restaurant_name, currency, &timezone, &["en"]);
            let id = seed::create_owner(&db, restaurant, &email, &password).await?;
            let mut out =
                serde_json::json!({ "restaurant_id": id, "email": email.trim().to_lowercase() });
            if generated {
                out["password"] = password.into();
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
    }
}
