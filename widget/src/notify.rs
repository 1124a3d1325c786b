//! Telling a visitor who is in another tab that the team answered: the tab title, an
//! optional sound, and browser notifications the visitor asked for.

use wasm_bindgen::JsCast;

/// The page's own title, kept while the widget prefixes it.
pub struct TitleBadge {
    original: Option<String>,
}

impl TitleBadge {
    /// A badge that has not changed the title yet.
    pub fn new() -> Self {
        Self { original: None }
    }

    /// Shows `(count) label — page title` while the tab is hidden and `count` > 0, and puts
    /// the page's title back otherwise.
    pub fn show(&mut self, count: u32, label: &str) {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else {
            return;
        };
        if count > 0 && document.hidden() {
            let original = self.original.get_or_insert_with(|| document.title());
            document.set_title(&format!("({count}) {label} — {original}"));
        } else if let Some(original) = self.original.take() {
            document.set_title(&original);
        }
    }
}

impl Default for TitleBadge {
    fn default() -> Self {
        Self::new()
    }
}

/// A short, soft two-tone chime made with the Web Audio API (no sound file to download).
pub fn chime() {
    let Ok(context) = web_sys::AudioContext::new() else {
        return;
    };
    let now = context.current_time();
    for (offset, frequency) in [(0.0, 880.0), (0.12, 1320.0)] {
        let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain())
        else {
            return;
        };
        oscillator.frequency().set_value(frequency);
        let _ = gain.gain().set_value_at_time(0.0001, now + offset);
        let _ = gain
            .gain()
            .exponential_ramp_to_value_at_time(0.08, now + offset + 0.02);
        let _ = gain
            .gain()
            .exponential_ramp_to_value_at_time(0.0001, now + offset + 0.25);
        let _ = oscillator.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&context.destination());
        let _ = oscillator.start_with_when(now + offset);
        let _ = oscillator.stop_with_when(now + offset + 0.3);
    }
}

/// Whether this browser has the Notification API at all (older mobile browsers do not, and
/// touching it there would throw).
pub fn supported() -> bool {
    web_sys::window().is_some_and(|window| {
        js_sys::Reflect::has(&window, &wasm_bindgen::JsValue::from_str("Notification"))
            .unwrap_or(false)
    })
}

/// Whether asking for notification permission still makes sense (supported, not yet asked).
pub fn can_ask() -> bool {
    supported() && web_sys::Notification::permission() == web_sys::NotificationPermission::Default
}

/// Asks for permission to show browser notifications (call from a click).
pub fn request_permission() {
    if supported() {
        let _ = web_sys::Notification::request_permission();
    }
}

/// Shows a browser notification, if the visitor allowed them and the tab is hidden.
pub fn notify(title: &str, body: &str) {
    let hidden = web_sys::window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.hidden());
    if !hidden
        || !supported()
        || web_sys::Notification::permission() != web_sys::NotificationPermission::Granted
    {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    options.set_tag("confab");
    if let Ok(notification) = web_sys::Notification::new_with_options(title, &options) {
        // Clicking the notification brings the visitor back to the tab.
        let on_click = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| {
            if let Some(window) = web_sys::window() {
                let _ = window.focus();
            }
        });
        notification.set_onclick(Some(on_click.as_ref().unchecked_ref()));
        // The notification may outlive every Rust owner; its small closure is leaked with it.
        on_click.forget();
    }
}
