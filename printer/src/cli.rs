//! The installer's CLI, `printer status` and `printer test-print`, and (with
//! the `emulator` feature) the virtual printer's command line. The binaries
//! only call in here.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use qrorder_shared::stream::{
    ORDER_PAYLOAD_SCHEMA, OrderPayload, OrderPayloadItem, OrderPayloadOption,
};
use qrorder_shared::{LocalizedText, MenuItemId, RestaurantId};

use crate::print::{Confirm, PrintError, Printer, PrinterConfig};
use crate::ticket::{KoreanText, LayoutOptions, Paper, Ticket};
use crate::transport::Timeouts;

/// Exit codes: 0 ready / confirmed, 2 the printer cannot print (paper,
/// cover, error, offline), 3 no answer in time, 1 anything else.
#[derive(Parser, Debug)]
#[command(name = "printer", about = "Check and test a receipt printer")]
pub struct PrinterCli {
    #[command(subcommand)]
    command: PrinterCommand,
}

#[derive(Subcommand, Debug)]
enum PrinterCommand {
    /// Print the printer's state; exit non-zero when it cannot print.
    Status(Target),
    /// Print a test ticket; exit 0 only when the printer confirmed it.
    TestPrint {
        #[command(flatten)]
        target: Target,
        /// Paper: 58, 80 or 80-42.
        #[arg(long, default_value = "80", value_parser = parse_paper)]
        paper: Paper,
        /// Korean text: codepage or raster.
        #[arg(long, default_value = "codepage", value_parser = parse_korean)]
        korean: KoreanText,
        /// The printer has no GS ( H process-ID reply: confirm by status.
        #[arg(long)]
        no_process_id: bool,
    },
}

#[derive(clap::Args, Debug)]
struct Target {
    /// HOST:PORT, or a transport address (tcp://, usb:, serial:).
    #[arg(long)]
    addr: String,
    /// Bound on each wait for the printer, in milliseconds.
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
}

fn parse_paper(s: &str) -> Result<Paper, String> {
    Paper::parse(s).ok_or_else(|| format!("unknown paper `{s}` (58, 80, 80-42)"))
}

fn parse_korean(s: &str) -> Result<KoreanText, String> {
    KoreanText::parse(s).ok_or_else(|| format!("unknown mode `{s}` (codepage, raster)"))
}

fn timeouts(ms: u64) -> Timeouts {
    let t = Duration::from_millis(ms);
    Timeouts {
        connect: t,
        write: t,
        read: t,
        confirm: t * 10,
    }
}

fn exit_code(e: &PrintError) -> ExitCode {
    match e {
        PrintError::PaperOut { .. }
        | PrintError::CoverOpen { .. }
        | PrintError::PrinterError { .. }
        | PrintError::Offline { .. } => ExitCode::from(2),
        PrintError::Timeout { .. } => ExitCode::from(3),
        _ => ExitCode::from(1),
    }
}

pub fn run_printer_cli(cli: PrinterCli) -> ExitCode {
    match cli.command {
        PrinterCommand::Status(target) => {
            let config = PrinterConfig {
                timeouts: timeouts(target.timeout_ms),
                ..Default::default()
            };
            let result = Printer::open(&target.addr, config).and_then(|p| p.status_blocking());
            match result {
                Ok(status) => {
                    println!("{status}");
                    if status.problem().is_none() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(2)
                    }
                }
                Err(e) => {
                    println!("online: no\nready: no");
                    eprintln!("error: {e}");
                    exit_code(&e)
                }
            }
        }
        PrinterCommand::TestPrint {
            target,
            paper,
            korean,
            no_process_id,
        } => {
            let config = PrinterConfig {
                timeouts: timeouts(target.timeout_ms),
                confirm: if no_process_id {
                    Confirm::StatusOnly
                } else {
                    Confirm::ProcessId
                },
                layout: LayoutOptions {
                    paper,
                    korean,
                    ..Default::default()
                },
            };
            let result = Printer::open(&target.addr, config.clone()).and_then(|p| {
                let bytes = test_ticket().encode(&config.layout)?;
                p.print_bytes_blocking(&bytes)
            });
            match result {
                Ok(receipt) => {
                    println!("printed and confirmed\n{}", receipt.status);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("not printed: {e}");
                    exit_code(&e)
                }
            }
        }
    }
}

/// The installer's test ticket: Korean and English, an option and a note.
pub fn test_ticket() -> Ticket {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
    let order = OrderPayload {
        schema: ORDER_PAYLOAD_SCHEMA,
        restaurant_id: RestaurantId(0),
        order_id: 0,
        number: 0,
        table_name: "TEST 테스트".into(),
        placed_at: now,
        items: vec![
            OrderPayloadItem {
                menu_item_id: MenuItemId(1),
                name: LocalizedText::new(&[("ko", "비빔밥"), ("en", "Bibimbap")]),
                qty: 1,
                options: vec![OrderPayloadOption {
                    group: LocalizedText::new(&[("ko", "맵기"), ("en", "Spice")]),
                    option: LocalizedText::new(&[("ko", "보통"), ("en", "Medium")]),
                }],
                note: Some("Test print: 한글 OK?".into()),
                station: "test".into(),
            },
            OrderPayloadItem {
                menu_item_id: MenuItemId(2),
                name: LocalizedText::new(&[("en", "Printer check")]),
                qty: 2,
                options: vec![],
                note: None,
                station: "test".into(),
            },
        ],
    };
    Ticket::new(order, "test", "installer", false)
}

#[cfg(feature = "emulator")]
#[derive(Parser, Debug)]
#[command(
    name = "virtual-printer",
    about = "An ESC/POS receipt printer emulator"
)]
pub struct VirtualPrinterCli {
    /// Where ESC/POS is received.
    #[arg(long, default_value = "127.0.0.1:9100")]
    listen: std::net::SocketAddr,
    /// Folder for the printed tickets (text and PNG).
    #[arg(long, default_value = "printed")]
    out: std::path::PathBuf,
    /// HTTP control port (GET/POST /state, GET /tickets).
    #[arg(long, default_value = "127.0.0.1:9101")]
    control: std::net::SocketAddr,
    /// Paper: 58, 80 or 80-42.
    #[arg(long, default_value = "80", value_parser = parse_paper)]
    paper: Paper,
    /// Behave like a printer without Korean (KS X 1001) support.
    #[arg(long)]
    no_korean: bool,
    /// Do not answer GS ( H process-ID requests.
    #[arg(long)]
    no_process_id: bool,
}

#[cfg(feature = "emulator")]
pub async fn run_virtual_printer(cli: VirtualPrinterCli) -> std::io::Result<()> {
    use crate::emulator::Model;
    use crate::emulator::server::{Config, VirtualPrinter};

    let printer = VirtualPrinter::start(Config {
        listen: cli.listen,
        control: cli.control,
        out_dir: cli.out.clone(),
        model: Model {
            width_dots: cli.paper.width_dots(),
            korean: !cli.no_korean,
            process_id: !cli.no_process_id,
        },
    })
    .await?;
    println!(
        "virtual printer: ESC/POS on {}, control on http://{}, tickets in {}",
        printer.printer_addr,
        printer.control_addr,
        cli.out.display()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
