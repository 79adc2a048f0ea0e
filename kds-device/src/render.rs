//! Rendering without a display: a Slint platform whose only window is a
//! `MinimalSoftwareWindow`, drawn by the software renderer into a buffer
//! and saved as PNG (tests, documentation screenshots, frame timing).
//! Slint allows one platform per process: call [`install`] once.

use std::rc::Rc;

use slint::PlatformError;
use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{Platform, WindowAdapter};

struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    started: std::time::Instant,
}

impl Platform for Headless {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
    fn duration_since_start(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

/// Make the headless platform this process's Slint platform.
pub fn install() -> Result<Rc<MinimalSoftwareWindow>, PlatformError> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless {
        window: window.clone(),
        started: std::time::Instant::now(),
    }))
    .map_err(|e| PlatformError::Other(e.to_string()))?;
    Ok(window)
}

/// Draw the window at `width`×`height` pixels.
pub fn render(window: &MinimalSoftwareWindow, width: u32, height: u32) -> image::RgbaImage {
    window.set_size(slint::PhysicalSize::new(width, height));
    let mut buf = vec![PremultipliedRgbaColor::default(); (width * height) as usize];
    draw(window, &mut buf, width as usize);
    let mut img = image::RgbaImage::new(width, height);
    for (px, c) in img.pixels_mut().zip(buf) {
        // Opaque background: premultiplied equals straight alpha.
        *px = image::Rgba([c.red, c.green, c.blue, 255]);
    }
    img
}

/// One whole frame into `buf` (`stride` pixels a line), at the window's
/// current size: what the screen pays per full redraw.
pub fn draw(window: &MinimalSoftwareWindow, buf: &mut [PremultipliedRgbaColor], stride: usize) {
    slint::platform::update_timers_and_animations();
    window.request_redraw();
    window.draw_if_needed(|r| {
        r.render(buf, stride);
    });
}
