//! The two ways to run the device: headless (tokio on the main thread) and
//! with the window (Slint owns the main thread, tokio runs on its own). A
//! window without credentials shows the pairing screen first and starts
//! the device once a code paired, in the same process.

use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use slint::ComponentHandle;

use crate::config::Config;
use crate::device::{Device, Options};
use crate::systemd::{self, Heartbeat};
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

/// A display not paired yet with a `pairing_file` on its card pairs from
/// it (the image's headless first boot); then its settings are loaded
/// again. Returns the settings and whether the display is paired now; a
/// refused pairing is logged in words and leaves it unpaired.
pub fn pair_from_file(
    config: Config,
    config_file: Option<&std::path::Path>,
) -> anyhow::Result<(Config, bool)> {
    let Some(file) = config.pairing_file.clone().filter(|f| f.exists()) else {
        return Ok((config, false));
    };
    match runtime()?.block_on(crate::setup::pair_from_file(&file, &config.data_dir)) {
        Ok(_) => {
            let config = Config::load(config_file)?;
            let paired = crate::setup::is_paired(&config, config_file);
            Ok((config, paired))
        }
        Err(words) => {
            tracing::error!("{words}");
            eprintln!("{words}");
            Ok((config, false))
        }
    }
}

pub fn run_headless(config: Config) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let gpio = crate::gpio::open(&config);
        tracing::info!(station = %config.station, device = %config.device_id, "kitchen display running headless");
        let device = Device::start(config, Options::new(gpio)).await?;
        systemd::notify("READY=1");
        let memory = tokio::spawn(systemd::log_memory());
        let watchdog = systemd::watchdog_interval()
            .map(|every| tokio::spawn(systemd::watchdog(device.heartbeat(), every)));
        wait_for_shutdown().await;
        systemd::notify("STOPPING=1");
        memory.abort();
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

/// The device with its window. Not `paired`: the pairing screen first;
/// once a code paired, the settings are loaded again (`config_file`,
/// `KDS__`, the new `paired.toml`) and the device starts from them in the
/// same process.
pub fn run_window(
    config: Config,
    config_file: Option<&std::path::Path>,
    paired: bool,
) -> anyhow::Result<()> {
    let window = AppWindow::new().context("cannot open the window")?;
    let view = ui::view_sink(&window);
    let (attempts_tx, attempts) = tokio::sync::mpsc::unbounded_channel();
    if !paired {
        ui::show_pairing(&window, "", attempts_tx);
    }
    let show = ui::pairing_sink(&window);
    // Set once the device runs: the watchdog pings only while its board
    // is alive (while pairing, the running event loop is the proof).
    let heartbeat = Arc::new(OnceLock::<Heartbeat>::new());
    let failed = Arc::new(Mutex::new(None::<anyhow::Error>));
    let weak = window.as_weak();
    let file = config_file.map(std::path::Path::to_path_buf);
    let (beat, failure) = (heartbeat.clone(), failed.clone());
    let tokio_thread = std::thread::Builder::new()
        .name("tokio".into())
        .spawn(move || {
            let ran = runtime().and_then(|rt| {
                rt.block_on(async {
                    let config = if paired {
                        config
                    } else {
                        tokio::select! {
                            p = crate::setup::serve(attempts, config.data_dir.clone(), show) => {
                                if p.is_none() {
                                    return Ok(());
                                }
                            }
                            () = wait_for_shutdown() => return Ok(()),
                        }
                        Config::load(file.as_deref())?
                    };
                    run_device(config, view, weak.clone(), beat).await
                })
            });
            if let Err(e) = ran {
                *failure
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            }
            let _ = weak.upgrade_in_event_loop(|_| {
                let _ = slint::quit_event_loop();
            });
        })
        .context("cannot start the tokio thread")?;
    // READY once the event loop runs: at once on the pairing screen (the
    // device starts later), else when the device has started.
    if !paired {
        slint::Timer::single_shot(std::time::Duration::ZERO, || {
            systemd::notify("READY=1");
        });
    }
    // The watchdog pings from this (UI) thread, so a frozen window stops
    // them as a hung board does.
    let watchdog = slint::Timer::default();
    if let Some(every) = systemd::watchdog_interval() {
        let window = window.as_weak();
        watchdog.start(slint::TimerMode::Repeated, every, move || {
            match heartbeat.get() {
                Some(beat) => {
                    systemd::ping(beat);
                }
                None if window
                    .upgrade()
                    .is_some_and(|w| w.global::<ui::KdsState>().get_pairing()) =>
                {
                    systemd::notify("WATCHDOG=1");
                }
                None => {}
            }
        });
    }
    window.run().context("the UI event loop failed")?;
    // Window closed: the process ends; the tokio thread is not waited for.
    drop(tokio_thread);
    let failure = failed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    failure.map_or(Ok(()), Err)
}

/// Starts the device for the window, shows its board, runs it until SIGTERM.
async fn run_device(
    config: Config,
    view: crate::board::ViewSink,
    weak: slint::Weak<AppWindow>,
    beat: Arc<OnceLock<Heartbeat>>,
) -> anyhow::Result<()> {
    let gpio = crate::gpio::open(&config);
    let mut options = Options::new(gpio);
    options.view = Some(view);
    let device = Device::start(config, options).await?;
    let (commands, ui_actions) = (device.commands(), device.ui_actions());
    let _ = beat.set(device.heartbeat());
    let memory = tokio::spawn(systemd::log_memory());
    let _ = weak.upgrade_in_event_loop(move |w| {
        ui::connect(&w, commands, ui_actions);
        ui::end_pairing(&w);
        systemd::notify("READY=1");
    });
    wait_for_shutdown().await;
    systemd::notify("STOPPING=1");
    memory.abort();
    device.stop().await;
    Ok(())
}
