//! The UI adapter: the one place that knows Slint. It copies each
//! [`BoardView`] into the `KdsState` global (updating models row by row, so
//! unchanged cards are not rebuilt) and turns `KdsActions` callbacks into
//! [`Command`]s for the controllers. The pairing screen of an unpaired
//! display: its keypad's edits ([`crate::setup::type_key`]), its checked
//! attempts sent to the pairing task, and each outcome shown.

// Slint's generated code is not ours to lint.
#![allow(clippy::unwrap_used, clippy::todo, clippy::all)]
slint::include_modules!();

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};
use tokio::sync::mpsc;

use crate::board::{Age, BoardView, CardView, ViewSink};
use crate::event::{Command, UiAction};
use crate::setup::{self, Attempt, Field, Outcome};

fn to_int(id: i64) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

fn ticket_data(c: &CardView) -> TicketData {
    TicketData {
        order_id: to_int(c.order_id),
        number: i32::try_from(c.number).unwrap_or(i32::MAX),
        table: c.table.as_str().into(),
        elapsed: c.elapsed.as_str().into(),
        // ticket-card.slint's colours: 0 fresh, 1 warning, 2 late.
        age: match c.age {
            Age::Fresh => 0,
            Age::Warning => 1,
            Age::Late => 2,
        },
        items: ModelRc::new(VecModel::from(
            c.items
                .iter()
                .map(|i| ItemLine {
                    qty: i32::try_from(i.qty).unwrap_or(i32::MAX),
                    name: i.name.as_str().into(),
                    options: i.options.as_str().into(),
                    note: i.note.as_str().into(),
                })
                .collect::<Vec<_>>(),
        )),
        reprint: c.reprint,
        not_printed: c.not_printed,
        print_text: c.print_text.as_str().into(),
    }
}

/// Equal in everything shown (item models compared row by row).
fn same_ticket(a: &TicketData, b: &TicketData) -> bool {
    a.order_id == b.order_id
        && a.number == b.number
        && a.table == b.table
        && a.elapsed == b.elapsed
        && a.age == b.age
        && a.reprint == b.reprint
        && a.not_printed == b.not_printed
        && a.print_text == b.print_text
        && a.items.row_count() == b.items.row_count()
        && a.items.iter().zip(b.items.iter()).all(|(x, y)| x == y)
}

/// Make `model` equal `rows`, touching only rows that changed.
fn sync<T: Clone + 'static>(
    model: &ModelRc<T>,
    rows: Vec<T>,
    same: impl Fn(&T, &T) -> bool,
) -> Option<()> {
    let vec = model.as_any().downcast_ref::<VecModel<T>>()?;
    let old = vec.row_count();
    for (i, row) in rows.iter().enumerate() {
        if i < old {
            if vec.row_data(i).is_none_or(|r| !same(&r, row)) {
                vec.set_row_data(i, row.clone());
            }
        } else {
            vec.push(row.clone());
        }
    }
    for i in (rows.len()..old).rev() {
        vec.remove(i);
    }
    Some(())
}

fn set_model<T: Clone + 'static>(
    get: ModelRc<T>,
    set: impl FnOnce(ModelRc<T>),
    rows: Vec<T>,
    same: impl Fn(&T, &T) -> bool,
) {
    if sync(&get, rows.clone(), same).is_none() {
        set(ModelRc::new(VecModel::from(rows)));
    }
}

/// Show a board view. Call on the UI thread.
pub fn apply_view(window: &AppWindow, view: &BoardView) {
    let s = window.global::<KdsState>();
    s.set_station(view.station.as_str().into());
    set_model(
        s.get_tickets(),
        |m| s.set_tickets(m),
        view.cards.iter().map(ticket_data).collect(),
        same_ticket,
    );
    set_model(
        s.get_recall(),
        |m| s.set_recall(m),
        view.recall
            .iter()
            .map(|r| RecallData {
                order_id: to_int(r.order_id),
                number: i32::try_from(r.number).unwrap_or(i32::MAX),
                table: r.table.as_str().into(),
                bumped_ago: r.bumped_ago.as_str().into(),
            })
            .collect(),
        |a, b| a == b,
    );
    set_model(
        s.get_all_day(),
        |m| s.set_all_day(m),
        view.all_day
            .iter()
            .map(|(name, qty)| CountData {
                name: name.as_str().into(),
                qty: i32::try_from(*qty).unwrap_or(i32::MAX),
            })
            .collect(),
        |a, b| a == b,
    );
    set_model(
        s.get_alerts(),
        |m| s.set_alerts(m),
        view.alerts
            .iter()
            .map(|a| SharedString::from(a.as_str()))
            .collect(),
        |a, b| a == b,
    );
    s.set_clock(view.clock.as_str().into());
    s.set_redis_ok(view.redis_ok);
    s.set_api_ok(view.api_ok);
    s.set_printer(view.printer.as_str().into());
    s.set_printer_ok(view.printer_ok);
    s.set_unacked(i32::try_from(view.unacked).unwrap_or(i32::MAX));
    s.set_gpio(view.gpio.as_str().into());
    s.set_banner(view.banner.as_str().into());
    s.set_printer_alert(view.printer_alert.as_str().into());
}

/// Route the UI's callbacks to the controllers.
pub fn connect(
    window: &AppWindow,
    commands: mpsc::UnboundedSender<Command>,
    ui_actions: mpsc::UnboundedSender<UiAction>,
) {
    let actions = window.global::<KdsActions>();
    let c = commands.clone();
    actions.on_bump(move |id| {
        let _ = c.send(Command::Bump(i64::from(id)));
    });
    actions.on_recall(move |id| {
        let _ = commands.send(Command::Recall(i64::from(id)));
    });
    actions.on_dismiss_alert(move |i| {
        if let Ok(i) = usize::try_from(i) {
            let _ = ui_actions.send(UiAction::DismissAlert(i));
        }
    });
}

/// A view sink for the device's options: each view is applied on the UI
/// thread.
pub fn view_sink(window: &AppWindow) -> ViewSink {
    let weak = window.as_weak();
    Box::new(move |view: BoardView| {
        let _ = weak.upgrade_in_event_loop(move |w| apply_view(&w, &view));
    })
}

/// Show the pairing screen: the keypad edits the fields here, on the UI
/// thread; a checked attempt goes to `attempts` (the pairing task, which
/// answers with [`apply_pairing`]); a typing mistake is shown at once.
pub fn show_pairing(window: &AppWindow, address: &str, attempts: mpsc::UnboundedSender<Attempt>) {
    let s = window.global::<KdsState>();
    s.set_pair_address(address.into());
    s.set_pair_field(i32::from(!address.is_empty()));
    s.set_pairing(true);
    let actions = window.global::<KdsActions>();
    let weak = window.as_weak();
    actions.on_pair_key(move |key| {
        let Some(w) = weak.upgrade() else { return };
        let s = w.global::<KdsState>();
        if s.get_pair_busy() {
            return;
        }
        if s.get_pair_field() == 0 {
            s.set_pair_address(setup::type_key(Field::Address, &s.get_pair_address(), &key).into());
        } else {
            s.set_pair_code(setup::type_key(Field::Code, &s.get_pair_code(), &key).into());
        }
    });
    let weak = window.as_weak();
    actions.on_pair(move || {
        let Some(w) = weak.upgrade() else { return };
        let s = w.global::<KdsState>();
        if s.get_pair_busy() {
            return;
        }
        match setup::check(&s.get_pair_address(), &s.get_pair_code()) {
            Err(words) => apply_pairing(&w, &Outcome::Failed(words)),
            Ok(attempt) => {
                s.set_pair_message(format!("Pairing with {}…", attempt.server).into());
                s.set_pair_failed(false);
                s.set_pair_busy(attempts.send(attempt).is_ok());
            }
        }
    });
}

/// Show what came of an attempt. Call on the UI thread.
pub fn apply_pairing(window: &AppWindow, outcome: &Outcome) {
    let s = window.global::<KdsState>();
    match outcome {
        Outcome::Failed(words) => {
            s.set_pair_busy(false);
            s.set_pair_failed(true);
            s.set_pair_message(words.as_str().into());
        }
        Outcome::Paired(words) => {
            s.set_pair_failed(false);
            s.set_pair_message(words.as_str().into());
        }
    }
}

/// The display runs: the pairing screen goes away.
pub fn end_pairing(window: &AppWindow) {
    window.global::<KdsState>().set_pairing(false);
}

/// Outcomes of the pairing task, each applied on the UI thread.
pub fn pairing_sink(window: &AppWindow) -> impl Fn(Outcome) + Send + 'static {
    let weak = window.as_weak();
    move |outcome: Outcome| {
        let _ = weak.upgrade_in_event_loop(move |w| apply_pairing(&w, &outcome));
    }
}
