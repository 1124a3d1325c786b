//! The browser side of staying live: WebSockets to the relay (the inbox's and the open
//! thread's), the waits between attempts, and the backoff that spaces them.

use crate::error::ConsoleError;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

/// An open socket; dropping it closes the socket without telling anyone.
pub struct Socket {
    socket: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}

impl Socket {
    /// Opens `path` (same origin, `ws:` or `wss:` after the page). Text frames go to
    /// `on_text`; `on_open` runs when it opens, `on_close` once when it closes by itself.
    pub fn open(
        path: &str,
        on_open: Callback<()>,
        on_text: Callback<String>,
        on_close: Callback<()>,
    ) -> Result<Socket, ConsoleError> {
        let network = |_| ConsoleError::Network("the socket could not open".into());
        let location = web_sys::window()
            .ok_or_else(|| ConsoleError::Network("no window".into()))?
            .location();
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss",
            _ => "ws",
        };
        let host = location.host().map_err(network)?;
        let socket =
            web_sys::WebSocket::new(&format!("{scheme}://{host}{path}")).map_err(network)?;
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_open.emit(()));
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    on_text.emit(text);
                }
            },
        );
        let on_close = Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |_| on_close.emit(()));
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            socket,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Sends a text frame, if the socket is open (a lost frame is a lost typing hint).
    pub fn send(&self, text: &str) {
        if self.socket.ready_state() == web_sys::WebSocket::OPEN {
            let _ = self.socket.send_with_str(text);
        }
    }
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                i32::try_from(ms).unwrap_or(i32::MAX),
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The first reconnection waits up to this long.
const BASE_MS: f64 = 500.0;
/// No reconnection waits longer than this.
const CAP_MS: f64 = 30_000.0;

/// The delay before reconnection number `attempt` (0 for the first), given `random` in
/// `[0, 1)`: exponential backoff with full jitter, so a team's tabs that lost the relay
/// together do not come back together.
pub fn delay_ms(attempt: u32, random: f64) -> u32 {
    let ceiling = (BASE_MS * 2f64.powi(attempt.min(16) as i32)).min(CAP_MS);
    (ceiling * random.clamp(0.0, 1.0)).round() as u32
}

#[cfg(test)]
mod tests {
    use super::delay_ms;

    #[test]
    fn backs_off_exponentially_with_jitter_up_to_a_cap() {
        for (attempt, random, expected) in [
            (0, 0.0, 0),
            (0, 0.999, 500),
            (1, 0.5, 500),
            (3, 1.0, 4000),
            (6, 1.0, 30_000),
            (u32::MAX, 0.5, 15_000),
            (2, 7.0, 2000),
        ] {
            assert_eq!(delay_ms(attempt, random), expected, "{attempt} {random}");
        }
    }
}
