//! The browser side of staying connected: the thread's WebSocket, timers, and the browser
//! events that say the network or the tab is back.

use crate::error::WidgetError;
use crate::relay::RelayClient;
use confab_protocol::{Seq, Session};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

/// An open thread socket; dropping it closes the socket.
pub struct LiveSocket {
    socket: web_sys::WebSocket,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

impl Drop for LiveSocket {
    fn drop(&mut self) {
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        let _ = self.socket.close();
    }
}

/// Opens the thread's socket with a fresh single-use ticket, resuming after `after`.
/// Frames go to `on_frame` as the relay's text; `on_close` runs once when the socket closes
/// by itself.
pub async fn open_socket(
    relay: &RelayClient,
    session: &Session,
    after: Seq,
    on_frame: Callback<String>,
    on_close: Callback<()>,
) -> Result<LiveSocket, WidgetError> {
    let ticket = relay.ticket(session).await?;
    let url = relay.socket_url(session, &ticket.ticket, after);
    let socket = web_sys::WebSocket::new(&url).map_err(WidgetError::network)?;
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(text) = event.data().as_string() {
                on_frame.emit(text);
            }
        });
    let on_close = Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |_| on_close.emit(()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Ok(LiveSocket {
        socket,
        _on_message: on_message,
        _on_close: on_close,
    })
}

/// Waits for the first of `events` on `target` (`None` if the wait itself failed). The
/// listeners are the promise's own `resolve`: no Rust closure per wait.
pub async fn next_event(target: &web_sys::EventTarget, events: &[&str]) -> Option<web_sys::Event> {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        for event in events {
            let _ = target.add_event_listener_with_callback(event, &resolve);
        }
    });
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
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

/// A random number in `[0, 1)`, for jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Listens to `event` on the window (`online`) or the document (`visibilitychange`) until
/// the returned guard is dropped.
pub struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    closure: Closure<dyn FnMut()>,
}

impl Listener {
    /// Calls `callback` on every `event` of the window (or, for `visibilitychange`, of the
    /// document when it becomes visible).
    pub fn new(event: &'static str, callback: Callback<()>) -> Option<Listener> {
        Self::with_filter(event, callback, true)
    }

    /// Calls `callback` on every `visibilitychange`, visible or hidden.
    pub fn visibility(callback: Callback<()>) -> Option<Listener> {
        Self::with_filter("visibilitychange", callback, false)
    }

    fn with_filter(
        event: &'static str,
        callback: Callback<()>,
        only_when_visible: bool,
    ) -> Option<Listener> {
        let window = web_sys::window()?;
        let target: web_sys::EventTarget = if event == "visibilitychange" {
            window.document()?.into()
        } else {
            window.into()
        };
        let closure = Closure::<dyn FnMut()>::new(move || {
            let visible = web_sys::window()
                .and_then(|window| window.document())
                .is_none_or(|document| !document.hidden());
            if visible || !only_when_visible {
                callback.emit(());
            }
        });
        target
            .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
            .ok()?;
        Some(Listener {
            target,
            event,
            closure,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Keeps `--confab-viewport-height` and `--confab-viewport-top` on `element` equal to the
/// visual viewport, which shrinks when a phone's keyboard opens: the full-screen panel is
/// sized from them, so its composer stays above the keyboard. Set through the CSSOM, which
/// a strict Content-Security-Policy allows.
///
/// It also keeps the page behind still: a touch drag on the panel scrolls the page only if
/// nothing in the panel under the finger can scroll that way (see [`TouchGuard`]).
pub struct ViewportTracker {
    viewport: web_sys::VisualViewport,
    closure: Closure<dyn FnMut()>,
    _touch: Option<TouchGuard>,
}

impl ViewportTracker {
    /// Starts tracking (nothing happens in browsers without `visualViewport`).
    pub fn new(element: web_sys::HtmlElement) -> Option<ViewportTracker> {
        let viewport = web_sys::window()?.visual_viewport()?;
        let touch = TouchGuard::new(element.clone());
        let update = {
            let viewport = viewport.clone();
            move || {
                let style = element.style();
                let _ = style.set_property(
                    "--confab-viewport-height",
                    &format!("{}px", viewport.height().round() as i32),
                );
                let _ = style.set_property(
                    "--confab-viewport-top",
                    &format!("{}px", viewport.offset_top().round() as i32),
                );
            }
        };
        update();
        let closure = Closure::<dyn FnMut()>::new(update);
        for event in ["resize", "scroll"] {
            let _ =
                viewport.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
        Some(ViewportTracker {
            viewport,
            closure,
            _touch: touch,
        })
    }
}

/// Touch scrolls that begin on the panel stay in it: the first move of a one-finger drag is
/// cancelled (so neither the page nor the visual viewport scrolls, and nothing chains or
/// rubber-bands) unless an element under the finger, up to the panel, can still scroll in
/// that direction, such as the message list away from its end. Once a scroll has begun,
/// `overscroll-behavior: contain` (widget.css) keeps it from chaining at the end. The host
/// page's styles are never touched. A listener on an element (not the window or document)
/// is not passive by default, so it may cancel.
pub struct TouchGuard {
    panel: web_sys::HtmlElement,
    on_start: Closure<dyn FnMut(web_sys::Event)>,
    on_move: Closure<dyn FnMut(web_sys::Event)>,
}

/// The first touch point of a touch event, `(clientX, clientY)`, and how many there are
/// (read through `Reflect`: no more `web-sys` features for it).
fn touch_point(event: &web_sys::Event) -> Option<(f64, f64, u32)> {
    let touches = js_sys::Reflect::get(event, &"touches".into()).ok()?;
    let count = js_sys::Reflect::get(&touches, &"length".into())
        .ok()?
        .as_f64()?;
    let first = js_sys::Reflect::get(&touches, &0.into()).ok()?;
    let x = js_sys::Reflect::get(&first, &"clientX".into())
        .ok()?
        .as_f64()?;
    let y = js_sys::Reflect::get(&first, &"clientY".into())
        .ok()?
        .as_f64()?;
    Some((x, y, count as u32))
}

/// Whether `element` scrolls vertically by itself and has room left upward (`up`: toward
/// its start) or downward.
fn can_scroll(element: &web_sys::Element, up: bool) -> bool {
    let overflow = web_sys::window()
        .and_then(|window| window.get_computed_style(element).ok().flatten())
        .and_then(|style| style.get_property_value("overflow-y").ok())
        .unwrap_or_default();
    (overflow == "auto" || overflow == "scroll")
        && if up {
            element.scroll_top() > 0
        } else {
            element.scroll_top() + element.client_height() < element.scroll_height() - 1
        }
}

impl TouchGuard {
    /// Guards `panel` until dropped.
    pub fn new(panel: web_sys::HtmlElement) -> Option<TouchGuard> {
        let start = std::rc::Rc::new(std::cell::Cell::new((0.0, 0.0)));
        let on_start = {
            let start = start.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                if let Some((x, y, _)) = touch_point(&event) {
                    start.set((x, y));
                }
            })
        };
        let on_move = {
            let panel = panel.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                // Pinches are the visitor's zoom, and a scroll under way cannot be cancelled.
                let Some((x, y, 1)) = touch_point(&event) else {
                    return;
                };
                if !event.cancelable() {
                    return;
                }
                let (dx, dy) = (x - start.get().0, y - start.get().1);
                if dx == 0.0 && dy == 0.0 {
                    return;
                }
                // Nothing in the panel scrolls sideways; a finger moving down scrolls up.
                let vertical = dy.abs() >= dx.abs();
                for node in event.composed_path().iter() {
                    let Ok(element) = node.dyn_into::<web_sys::Element>() else {
                        continue;
                    };
                    if vertical && can_scroll(&element, dy > 0.0) {
                        return;
                    }
                    if element == *panel.as_ref() {
                        break;
                    }
                }
                event.prevent_default();
            })
        };
        for (event, closure) in [("touchstart", &on_start), ("touchmove", &on_move)] {
            panel
                .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
                .ok()?;
        }
        Some(TouchGuard {
            panel,
            on_start,
            on_move,
        })
    }
}

impl Drop for TouchGuard {
    fn drop(&mut self) {
        for (event, closure) in [("touchstart", &self.on_start), ("touchmove", &self.on_move)] {
            let _ = self
                .panel
                .remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
    }
}

impl Drop for ViewportTracker {
    fn drop(&mut self) {
        for event in ["resize", "scroll"] {
            let _ = self
                .viewport
                .remove_event_listener_with_callback(event, self.closure.as_ref().unchecked_ref());
        }
    }
}

/// Offers `text` as a file download named `filename` (a Blob URL clicked from inside the
/// widget; nothing is added to the host page).
pub fn save_text(near: &web_sys::Element, filename: &str, text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(filename);
    near.append_child(&link).ok()?;
    link.click();
    link.remove();
    web_sys::Url::revoke_object_url(&url).ok()
}
