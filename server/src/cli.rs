//! The `qrorder` command line: `serve`, `migrate`, `seed-demo`, `create-owner`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use qrorder_shared::Currency;

use crate::app::{Application, shutdown_signal};
use crate::config::{Config, Roles};
use crate::infra::db::Db;
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

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("qrorder: {e:#}");
            return ExitCode::from(2);
        }
    };
    crate::infra::telemetry::init_logs(config.log_format);
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
            crate::app::raise_open_files_limit();
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
                out["kitchen_stream"] = crate::infra::keys::Keys::new(&config.redis_prefix)
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
