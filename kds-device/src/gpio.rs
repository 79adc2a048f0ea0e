//! Buzzer, LED and the physical bump button, behind a trait: rppal on a
//! Raspberry Pi (feature `pi`), a no-op where there are no pins, and a
//! recording fake for tests.

use std::sync::{Arc, Mutex, PoisonError};

use crate::config::Config;
use crate::event::GpioState;

/// Called when the bump button is pressed.
pub type ButtonCallback = Box<dyn Fn() + Send + Sync>;

pub trait Gpio: Send + 'static {
    /// For the status bar: which pins these are.
    fn state(&self) -> GpioState;
    /// A short buzz and LED flash: a new ticket.
    fn pulse(&mut self);
    /// Call `on_press` whenever the bump button is pressed.
    fn on_button(&mut self, on_press: ButtonCallback);
    /// One line for `kds --check-config` and the log: the state and why.
    fn describe(&self) -> String {
        self.state().label().into()
    }
}

/// No pins: not a Pi, or GPIO failed to open.
pub struct NoGpio(pub String);

impl Gpio for NoGpio {
    fn state(&self) -> GpioState {
        GpioState::Absent
    }
    fn pulse(&mut self) {}
    fn on_button(&mut self, _on_press: ButtonCallback) {}
    fn describe(&self) -> String {
        format!("{} ({})", self.state().label(), self.0)
    }
}

/// Records pulses; the test presses the button.
#[derive(Clone, Default)]
pub struct RecordingGpio {
    pub pulses: Arc<Mutex<usize>>,
    button: Arc<Mutex<Option<ButtonCallback>>>,
}

impl RecordingGpio {
    pub fn pulses(&self) -> usize {
        *self.pulses.lock().unwrap_or_else(PoisonError::into_inner)
    }
    pub fn press_button(&self) {
        if let Some(cb) = &*self.button.lock().unwrap_or_else(PoisonError::into_inner) {
            cb();
        }
    }
}

impl Gpio for RecordingGpio {
    fn state(&self) -> GpioState {
        GpioState::Recording
    }
    fn pulse(&mut self) {
        *self.pulses.lock().unwrap_or_else(PoisonError::into_inner) += 1;
    }
    fn on_button(&mut self, on_press: ButtonCallback) {
        *self.button.lock().unwrap_or_else(PoisonError::into_inner) = Some(on_press);
    }
}

/// The real pins when running on a Pi; no GPIO when they do not open.
#[cfg(feature = "pi")]
pub fn open(config: &Config) -> Box<dyn Gpio> {
    match pi::PiGpio::open(config) {
        Ok(g) => Box::new(g),
        Err(e) => {
            tracing::info!(error = %e, "no GPIO");
            Box::new(NoGpio(e.to_string()))
        }
    }
}

/// Built without `pi`: no GPIO.
#[cfg(not(feature = "pi"))]
pub fn open(config: &Config) -> Box<dyn Gpio> {
    let _ = config;
    let reason = "built without the `pi` feature";
    tracing::info!(reason, "no GPIO");
    Box::new(NoGpio(reason.into()))
}

#[cfg(feature = "pi")]
mod pi {
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::Duration;

    use rppal::gpio::{Gpio as Rppal, InputPin, OutputPin, Trigger};

    use super::{ButtonCallback, Gpio};
    use crate::config::Config;
    use crate::event::GpioState;

    pub struct PiGpio {
        outputs: Vec<Arc<Mutex<OutputPin>>>,
        button: Option<InputPin>,
        pins: String,
    }

    impl PiGpio {
        /// Off a Pi rppal answers with an error (not a panic).
        pub fn open(config: &Config) -> rppal::gpio::Result<Self> {
            let gpio = Rppal::new()?;
            let mut outputs = Vec::new();
            for pin in [config.gpio_buzzer_pin, config.gpio_led_pin]
                .into_iter()
                .flatten()
            {
                outputs.push(Arc::new(Mutex::new(gpio.get(pin)?.into_output_low())));
            }
            let button = config
                .gpio_button_pin
                .map(|p| gpio.get(p).map(|p| p.into_input_pullup()))
                .transpose()?;
            let pin = |p: Option<u8>| p.map_or("unset".to_string(), |p| format!("BCM {p}"));
            let pins = format!(
                "buzzer {}, LED {}, button {}",
                pin(config.gpio_buzzer_pin),
                pin(config.gpio_led_pin),
                pin(config.gpio_button_pin)
            );
            tracing::info!(%pins, "GPIO open");
            Ok(Self {
                outputs,
                button,
                pins,
            })
        }
    }

    impl Gpio for PiGpio {
        fn state(&self) -> GpioState {
            GpioState::Pins
        }
        fn describe(&self) -> String {
            format!("{} ({})", self.state().label(), self.pins)
        }
        fn pulse(&mut self) {
            for pin in &self.outputs {
                pin.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .set_high();
            }
            let pins = self.outputs.clone();
            // A hardware pulse: the thread only turns the pins off again.
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                for pin in pins {
                    pin.lock().unwrap_or_else(PoisonError::into_inner).set_low();
                }
            });
        }
        fn on_button(&mut self, on_press: ButtonCallback) {
            if let Some(b) = &mut self.button {
                let _ = b.set_async_interrupt(
                    Trigger::FallingEdge,
                    Some(Duration::from_millis(50)),
                    move |_| on_press(),
                );
            }
        }
    }
}
