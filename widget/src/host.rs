//! The host page's side of the widget: `window.Confab` (in the loader) calls the methods of
//! [`WidgetHandle`], which become [`Command`]s for the app; the app reports events back
//! through the loader's `emit` function.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::Callback;

/// A signed-in user, as the page passes it to `Confab.identify(…)`: JSON
/// `{userId, userHash, name?, email?}`, kept so in storage (see `json/stored.rs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The brand's id for the user.
    pub user_id: String,
    /// Hex HMAC-SHA256 of `user_id` under the brand's identity secret (made by the brand's
    /// server, never in the page).
    pub user_hash: String,
    /// The user's name, if the page gives it.
    pub name: Option<String>,
    /// The user's email, if the page gives it.
    pub email: Option<String>,
}

/// What the page can ask of the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `Confab.open()`.
    Open,
    /// `Confab.close()`.
    Close,
    /// `Confab.toggle()`.
    Toggle,
    /// `Confab.identify(user)`: continue as this signed-in user (their thread on every device).
    Identify(Identity),
    /// `Confab.shutdown()`: forget the thread in this browser (e.g. on logout).
    Shutdown,
}

/// Where commands go: to the app once it is listening; kept until then.
#[derive(Default, PartialEq)]
pub struct CommandSlot {
    listener: Option<Callback<Command>>,
    waiting: Vec<Command>,
}

/// The slot, shared by the handle and the app.
pub type SharedSlot = Rc<RefCell<CommandSlot>>;

impl CommandSlot {
    /// Sends a command, or keeps it until the app listens.
    pub fn send(slot: &SharedSlot, command: Command) {
        let listener = slot.borrow().listener.clone();
        match listener {
            Some(listener) => listener.emit(command),
            None => slot.borrow_mut().waiting.push(command),
        }
    }

    /// The app starts listening; commands that waited are delivered in order.
    pub fn listen(slot: &SharedSlot, listener: Callback<Command>) {
        let waiting = {
            let mut slot = slot.borrow_mut();
            slot.listener = Some(listener.clone());
            std::mem::take(&mut slot.waiting)
        };
        for command in waiting {
            listener.emit(command);
        }
    }
}

/// What `mount` returns to the loader: the methods behind `window.Confab`.
#[wasm_bindgen]
pub struct WidgetHandle {
    slot: SharedSlot,
}

impl WidgetHandle {
    /// A handle that sends into `slot`.
    pub fn new(slot: SharedSlot) -> Self {
        Self { slot }
    }
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Opens the panel.
    pub fn open(&self) {
        CommandSlot::send(&self.slot, Command::Open);
    }

    /// Closes the panel.
    pub fn close(&self) {
        CommandSlot::send(&self.slot, Command::Close);
    }

    /// Opens or closes the panel.
    pub fn toggle(&self) {
        CommandSlot::send(&self.slot, Command::Toggle);
    }

    /// Continues as a signed-in user; `user` is JSON `{userId, userHash, name?, email?}`.
    pub fn identify(&self, user: &str) -> Result<(), JsValue> {
        let identity: Identity = crate::json::decode(user)
            .map_err(|e| JsValue::from_str(&format!("Confab.identify: {e}")))?;
        CommandSlot::send(&self.slot, Command::Identify(identity));
        Ok(())
    }

    /// Forgets the thread in this browser.
    pub fn shutdown(&self) {
        CommandSlot::send(&self.slot, Command::Shutdown);
    }
}

/// Calls the loader's `emit(event, detail)`, which calls the page's `Confab.on` listeners.
#[derive(Clone, PartialEq)]
pub struct Events {
    emit: js_sys::Function,
}

impl Events {
    /// Events sent through `emit`.
    pub fn new(emit: js_sys::Function) -> Self {
        Self { emit }
    }

    /// Sends `event` with `detail`.
    pub fn send(&self, event: &str, detail: JsValue) {
        // A listener that throws is the page's problem, not the widget's.
        let _ = self
            .emit
            .call2(&JsValue::NULL, &JsValue::from_str(event), &detail);
    }
}
