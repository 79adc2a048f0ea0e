//! The device's controllers, spawned in one place: stream consumer, Redis
//! watch, printer worker, print reports to the server (`confirm`), status sync (admin API health, `/ws/kitchen`
//! pushes), clock, and the board task that folds their events into the
//! [`Board`] and hands each new [`BoardView`](crate::board::BoardView) to the
//! screen. Runs on whatever tokio runtime calls [`Device::start`]; the binary
//! gives it a thread of its own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::AdminClient;
use crate::board::{Board, ViewSink};
use crate::config::Config;
use crate::confirm;
use crate::consumer::{self, Consumer, InFlight};
use crate::event::{Command, Event, UiAction};
use crate::gpio::Gpio;
use crate::journal::Journal;
use crate::kitchen_ws;
use crate::print_worker::{Output, PrintWorker, TestHooks};
use crate::status_sync::{self, StatusSync, now_ms};
use crate::systemd::Heartbeat;

pub struct Options {
    pub gpio: Box<dyn Gpio>,
    pub view: Option<ViewSink>,
    /// A copy of every controller event (tests, logs).
    pub tap: Option<mpsc::UnboundedSender<Event>>,
    pub hooks: TestHooks,
}

impl Options {
    pub fn new(gpio: Box<dyn Gpio>) -> Self {
        Self {
            gpio,
            view: None,
            tap: None,
            hooks: TestHooks::default(),
        }
    }
}

/// A running device. Dropping it leaves the tasks running; [`Device::abort`]
/// stops them at once, like a crash (nothing is flushed or acknowledged).
pub struct Device {
    tasks: Vec<JoinHandle<()>>,
    commands: mpsc::UnboundedSender<Command>,
    ui_actions: mpsc::UnboundedSender<UiAction>,
    heartbeat: Heartbeat,
}

impl Device {
    pub async fn start(config: Config, options: Options) -> anyhow::Result<Device> {
        let client = config
            .redis_target()
            .with_context(|| format!("bad redis_url {}", config.redis_url))?;
        let journal = Journal::open(&config.data_dir, &config.station)
            .with_context(|| format!("cannot open the journal in {}", config.data_dir.display()))?;
        let journal = Arc::new(Mutex::new(journal));
        let output = Output::open(&config).context("cannot open the printer")?;
        let api = AdminClient::new(
            &config.api_url,
            &config.api_token,
            Duration::from_millis(config.api_timeout_ms),
        )
        .context("cannot build the HTTP client")?;

        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (updates_tx, updates_rx) = mpsc::unbounded_channel();
        let (ui_tx, ui_rx) = mpsc::unbounded_channel();
        let (printer_tx, printer_rx) = mpsc::unbounded_channel();
        let (printed_tx, printed_rx) = mpsc::unbounded_channel();
        let in_flight = InFlight::default();

        let mut gpio = options.gpio;
        let _ = events_tx.send(Event::Gpio(gpio.state()));
        {
            let events = events_tx.clone();
            gpio.on_button(Box::new(move || {
                let _ = events.send(Event::BumpButton);
            }));
        }

        // Set when the server refuses this display's token (revoked): the
        // stream controllers stop instead of retrying for ever.
        let (removed_tx, removed_rx) = tokio::sync::watch::channel(false);
        let mut tasks = vec![tokio::spawn(until_removed(
            removed_rx.clone(),
            Consumer {
                config: config.clone(),
                client: client.clone(),
                journal: journal.clone(),
                in_flight: in_flight.clone(),
                events: events_tx.clone(),
                jobs: jobs_tx,
                printed: printed_tx.clone(),
            }
            .run(),
        ))];
        tasks.push(tokio::spawn(until_removed(
            removed_rx.clone(),
            confirm::report(api.clone(), journal.clone(), printed_rx),
        )));
        tasks.push(tokio::spawn(until_removed(
            removed_rx,
            consumer::watch_redis(client.clone(), events_tx.clone()),
        )));
        tasks.push(tokio::spawn(
            PrintWorker {
                config: config.clone(),
                client,
                output,
                journal,
                in_flight,
                events: events_tx.clone(),
                printer_reports: printer_tx,
                jobs: jobs_rx,
                printed: printed_tx,
                hooks: options.hooks,
            }
            .run(),
        ));
        tasks.push(tokio::spawn(status_sync::report_printer(
            api.clone(),
            printer_rx,
        )));
        tasks.push(tokio::spawn(status_sync::probe(
            api.clone(),
            Duration::from_millis(config.api_health_ms),
            updates_tx.clone(),
        )));
        tasks.push(tokio::spawn(kitchen_ws::listen(
            kitchen_ws::kitchen_url(&config.ws_url, &config.api_url),
            config.api_token.clone(),
            updates_tx.clone(),
        )));
        tasks.push(tokio::spawn(
            StatusSync {
                removed: removed_tx,
                config: config.clone(),
                api,
                updates: updates_rx,
                commands: commands_rx,
                events: events_tx.clone(),
            }
            .run(),
        ));
        tasks.push(tokio::spawn(clock(events_tx)));
        let heartbeat = Heartbeat::default();
        tasks.push(tokio::spawn(board_task(
            Board::new(&config, now_ms()),
            events_rx,
            ui_rx,
            commands_tx.clone(),
            gpio,
            Watchers {
                view: options.view,
                tap: options.tap,
                heartbeat: heartbeat.clone(),
            },
        )));
        Ok(Device {
            tasks,
            commands: commands_tx,
            ui_actions: ui_tx,
            heartbeat,
        })
    }

    /// Where the screen sends bumps and recalls.
    pub fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.commands.clone()
    }

    pub fn ui_actions(&self) -> mpsc::UnboundedSender<UiAction> {
        self.ui_actions.clone()
    }

    /// Beats each time the board handles its clock tick (for the watchdog).
    pub fn heartbeat(&self) -> Heartbeat {
        self.heartbeat.clone()
    }

    /// Stop every task now, like a crash.
    pub fn abort(&self) {
        for t in &self.tasks {
            t.abort();
        }
    }

    /// Abort and wait until every task is gone.
    pub async fn stop(self) {
        self.abort();
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Once a second, on the second.
async fn clock(events: mpsc::UnboundedSender<Event>) {
    loop {
        let now = now_ms();
        if events.send(Event::Tick(now)).is_err() {
            return;
        }
        let to_next = 1000 - now.rem_euclid(1000);
        tokio::time::sleep(Duration::from_millis(
            u64::try_from(to_next).unwrap_or(1000),
        ))
        .await;
    }
}

/// Who follows the board task: the screen, a test's tap on its events,
/// the watchdog's heartbeat.
struct Watchers {
    view: Option<ViewSink>,
    tap: Option<mpsc::UnboundedSender<Event>>,
    heartbeat: Heartbeat,
}

async fn board_task(
    mut board: Board,
    mut events: mpsc::UnboundedReceiver<Event>,
    mut ui: mpsc::UnboundedReceiver<UiAction>,
    commands: mpsc::UnboundedSender<Command>,
    mut gpio: Box<dyn Gpio>,
    watchers: Watchers,
) {
    let Watchers {
        mut view,
        tap,
        heartbeat,
    } = watchers;
    let mut handle = |board: &mut Board, e: Event| {
        if let Some(tap) = &tap {
            let _ = tap.send(e.clone());
        }
        match &e {
            Event::Tick(_) => heartbeat.beat(),
            Event::TicketArrived { .. } | Event::VoidArrived(_) => gpio.pulse(),
            Event::BumpButton => {
                if let Some(id) = board.oldest() {
                    let _ = commands.send(Command::Bump(id));
                }
            }
            _ => {}
        }
        board.apply(e);
    };
    loop {
        tokio::select! {
            e = events.recv() => {
                let Some(e) = e else { return };
                handle(&mut board, e);
                // Coalesce a burst into one screen update.
                while let Ok(e) = events.try_recv() {
                    handle(&mut board, e);
                }
            }
            a = ui.recv() => match a {
                Some(UiAction::DismissAlert(i)) => board.dismiss_alert(i),
                None => std::future::pending::<()>().await,
            },
        }
        if let Some(view) = &mut view {
            view(board.view());
        }
    }
}

/// Runs `task` until the display is removed (revoked on the server).
async fn until_removed(
    mut removed: tokio::sync::watch::Receiver<bool>,
    task: impl Future<Output = ()>,
) {
    tokio::select! {
        () = task => {}
        _ = removed.wait_for(|r| *r) => {
            tracing::info!("display removed: its stream controller stops");
        }
    }
}
