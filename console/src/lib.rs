//! The Confab brand console: the team's inbox, its threads, and the owner's settings,
//! install page and members; a Yew app compiled to WebAssembly, served at `/console/` from
//! the relay's own origin (so its session cookie and the API share it).
//!
//! - [`state`]: the one `State`, its `Action`s and the reducer; pure, tested natively.
//! - [`app`]: the root component and its effects (the relay, sockets, the hash).
//! - [`view`]: components that take data and callbacks.
//! - [`api`], [`live`]: the relay's HTTP API and its sockets.
//! - [`route`]: the hash routes.

pub mod api;
pub mod app;
pub mod error;
pub mod live;
pub mod route;
pub mod state;
pub mod view;

use wasm_bindgen::prelude::*;

/// Mounts the console on the page's `<body>` (run when the module is initialised).
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
