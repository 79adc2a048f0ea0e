//! The two ways to run the device: headless (tokio on the main thread) and
//! with the window (Slint owns the main thread, tokio runs on its own).

use anyhow::Context;
use slint::ComponentHandle;

use crate::config::Config;
use crate::device::{Device, Options};
use crate::systemd;
use crate::ui::{self, AppWindow};

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start tokio")
}

/// `kds pair`: the code for this display's credentials, stored in the
/// data directory that `config_file` and the environment name.
pub fn run_pair(
    config_file: Option<&std::path::Path>,
    server: &str,
    code: &str,
) -> anyhow::Result<()> {
    let data_dir = Config::data_dir_of(config_file)?;
    let (paired, path) = runtime()?.block_on(crate::pairing::pair(server, code, &data_dir))?;
    println!(
        "Paired as {} (device {}, station {}, restaurant {}). Credentials stored in {}.",
        paired.name,
        paired.id.0,
        paired.station,
        paired.restaurant_id.0,
        path.display()
    );
    println!("Start the display with `kds` (or `kds --headless`); it needs no other setting.");
    Ok(())
}

pub fn run_headless(config: Config) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let gpio = crate::gpio::open(&config);
        tracing::info!(station = %config.station, device = %config.device_id, "kitchen display running headless");
        let device = Device::start(config, Options::new(gpio)).await?;
        systemd::notify("READY=1");
        let watchdog = systemd::watchdog_interval()
            .map(|every| tokio::spawn(systemd::watchdog(device.heartbeat(), every)));
        wait_for_shutdown().await;
        systemd::notify("STOPPING=1");
        if let Some(w) = watchdog {
            w.abort();
        }
        device.stop().await;
        Ok(())
    })
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn run_window(config: Config) -> anyhow::Result<()> {
    let window = AppWindow::new().context("cannot open the window")?;
    let sink = ui::view_sink(&window);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let weak = window.as_weak();
    let tokio_thread = std::thread::Builder::new()
        .name("tokio".into())
        .spawn(move || -> anyhow::Result<()> {
            runtime()?.block_on(async move {
                let gpio = crate::gpio::open(&config);
                let mut options = Options::new(gpio);
                options.view = Some(sink);
                match Device::start(config, options).await {
                    Ok(device) => {
                        let _ = ready_tx.send(Ok((
                            device.commands(),
                            device.ui_actions(),
                            device.heartbeat(),
                        )));
                        wait_for_shutdown().await;
                        systemd::notify("STOPPING=1");
                        device.stop().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
                let _ = weak.upgrade_in_event_loop(|_| {
                    let _ = slint::quit_event_loop();
                });
                Ok(())
            })
        })
        .context("cannot start the tokio thread")?;
    let (commands, ui_actions, heartbeat) = ready_rx
        .recv()
        .context("the device thread ended before starting")??;
    ui::connect(&window, commands, ui_actions);
    // READY once the event loop runs; the watchdog pings from this (UI)
    // thread, so a frozen window stops them as a hung board does.
    slint::Timer::single_shot(std::time::Duration::ZERO, || {
        systemd::notify("READY=1");
    });
    let watchdog = slint::Timer::default();
    if let Some(every) = systemd::watchdog_interval() {
        watchdog.start(slint::TimerMode::Repeated, every, move || {
            systemd::ping(&heartbeat);
        });
    }
    window.run().context("the UI event loop failed")?;
    // Window closed: the process ends; the tokio thread is not waited for.
    drop(tokio_thread);
    Ok(())
}
