use clap::Parser;

fn main() -> std::process::ExitCode {
    printer::cli::run_printer_cli(printer::cli::PrinterCli::parse())
}
