//! Compiles the Slint UI. Debug info keeps element ids so that
//! `i-slint-backend-testing` can find and tap elements in the UI tests.
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        .with_debug_info(true);
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("slint: {e}");
        std::process::exit(1);
    }
}
