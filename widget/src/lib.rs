//! The Confab widget: the chat a visitor sees, a Yew app compiled to WebAssembly.
//!
//! The loader (`loader/widget.js`) creates a Shadow DOM host, shows a launcher, and on first
//! interaction (or when the browser is idle) loads this module and calls [`mount`].
//!
//! - [`state`]: the one `State`, its `Action`s and the reducer; pure, tested natively.
//! - [`app`]: the root component; it owns the state and runs the effects (relay, storage).
//! - [`view`]: components that take data and callbacks.
//! - [`relay`]: the HTTP client of the relay's API.
//! - [`storage`]: what the widget keeps in the browser between pages.
//! - [`json`]: JSON in and out, read and written field by field over the browser's `JSON`
//!   (no serde in the wasm).
//! - [`config`]: the settings the loader passes in.

pub mod app;
pub mod backoff;
pub mod config;
pub mod error;
pub mod host;
pub mod i18n;
pub mod json;
pub mod live;
pub mod notify;
pub mod push;
pub mod relay;
pub mod state;
pub mod storage;
pub mod tabs;
pub mod view;

use wasm_bindgen::prelude::*;

/// The widget's allocator (see `Cargo.toml`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Mounts the widget into `root` (an element inside the loader's shadow root).
///
/// `brand`, `relay`, `lang` and `push` are the loader's settings (see [`config::Config::new`]),
/// `texts` the language pack it fetched for `lang` (see [`i18n`]; anything else is English);
/// `open` says whether to show the panel (the visitor clicked the launcher, or had it open
/// on the last page); `focus` whether the visitor has just asked for it, so that focus may
/// move into it.
#[wasm_bindgen]
// The loader (`loader/widget.js`) calls this with these nine arguments, in this order.
#[allow(clippy::too_many_arguments)]
pub fn mount(
    root: web_sys::Element,
    brand: String,
    relay: String,
    lang: String,
    push: Option<js_sys::Function>,
    texts: JsValue,
    open: bool,
    focus: bool,
    emit: js_sys::Function,
) -> Result<host::WidgetHandle, JsValue> {
    let config = config::Config::new(brand, relay, lang, push)
        .map_err(|error| JsValue::from_str(&error.to_string()))?;
    let texts = i18n::load(&texts);
    root.set_attribute("lang", texts.code)?;
    if i18n::is_rtl(&config.lang) {
        root.set_attribute("dir", "rtl")?;
    }
    let commands = host::SharedSlot::default();
    let props = app::AppProps {
        root: root.clone(),
        config: std::rc::Rc::new(config),
        open,
        focus,
        commands: commands.clone(),
        events: host::Events::new(emit),
        texts,
    };
    yew::Renderer::<app::App>::with_root_and_props(root, props).render();
    Ok(host::WidgetHandle::new(commands))
}
