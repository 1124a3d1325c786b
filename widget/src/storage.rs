//! What the widget keeps in the browser's `localStorage` between pages, under keys prefixed
//! with `confab:<brand>:`. Storage can be unavailable (private modes, blocked cookies): then
//! reads find nothing and writes are dropped, and the widget still works for the page.

use crate::host::Identity;
use crate::json::{FromJson, ToJson};
use crate::state::{merge_outboxes, Outgoing};
use confab_protocol::{ClientMessageId, Message, VisitorToken};

/// How many of the latest messages are kept for an instant first render.
const CACHED_MESSAGES: usize = 50;

/// The browser storage of one brand's widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowserStorage {
    prefix: String,
}

impl BrowserStorage {
    /// Storage under `prefix` (see [`crate::config::Config::storage_prefix`]).
    pub fn new(prefix: String) -> Self {
        Self { prefix }
    }

    fn local() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    fn get(&self, key: &str) -> Option<String> {
        Self::local()?
            .get_item(&format!("{}{key}", self.prefix))
            .ok()
            .flatten()
    }

    fn set(&self, key: &str, value: &str) {
        if let Some(storage) = Self::local() {
            // A full or refused storage only costs persistence across pages.
            let _ = storage.set_item(&format!("{}{key}", self.prefix), value);
        }
    }

    /// The visitor token of the last session.
    pub fn token(&self) -> Option<VisitorToken> {
        self.get("token").map(VisitorToken::new)
    }

    /// Keeps the visitor token for the next page.
    pub fn set_token(&self, token: &VisitorToken) {
        self.set("token", token.as_str());
    }

    /// Forgets the session (after erasure, or `Confab.shutdown()`).
    pub fn forget(&self) {
        if let Some(storage) = Self::local() {
            for key in ["token", "messages", "outbox", "draft"] {
                let _ = storage.remove_item(&format!("{}{key}", self.prefix));
            }
        }
    }

    fn get_json<T: FromJson>(&self, key: &str) -> Option<T> {
        crate::json::decode(&self.get(key)?).ok()
    }

    fn set_json<T: ToJson + ?Sized>(&self, key: &str, value: &T) {
        self.set(key, &crate::json::encode(value));
    }

    /// The latest messages of the last page, for an instant first render.
    pub fn messages(&self) -> Vec<Message> {
        self.get_json("messages").unwrap_or_default()
    }

    /// Keeps the latest messages.
    pub fn set_messages(&self, messages: &[Message]) {
        let start = messages.len().saturating_sub(CACHED_MESSAGES);
        self.set_json("messages", &messages[start..]);
    }

    /// Messages written but not yet acknowledged by the relay.
    pub fn outbox(&self) -> Vec<Outgoing> {
        self.get_json("outbox").unwrap_or_default()
    }

    /// Keeps the outbox: written before each send, so a reload in the middle loses nothing.
    /// Other tabs share the key: their entries stay unless `acknowledged` lists them (see
    /// [`merge_outboxes`]).
    pub fn set_outbox(&self, outbox: &[Outgoing], acknowledged: &[ClientMessageId]) {
        let merged = merge_outboxes(self.outbox(), outbox, acknowledged);
        self.set_json("outbox", merged.as_slice());
    }

    /// The composer's text.
    pub fn draft(&self) -> String {
        self.get("draft").unwrap_or_default()
    }

    /// Keeps the composer's text.
    pub fn set_draft(&self, draft: &str) {
        self.set("draft", draft);
    }

    /// Where the visitor left the message list: `None` at the latest message, else the
    /// scroll offset in pixels.
    pub fn scroll(&self) -> Option<i32> {
        self.get("scroll")?.parse().ok()
    }

    /// Keeps where the visitor left the message list (`None`: at the latest message).
    pub fn set_scroll(&self, offset: Option<i32>) {
        match offset {
            Some(offset) => self.set("scroll", &offset.to_string()),
            None => self.set("scroll", "bottom"),
        }
    }

    /// Whether the visitor turned the sound on.
    pub fn sound(&self) -> bool {
        self.get("sound").as_deref() == Some("1")
    }

    /// Keeps the visitor's sound choice.
    pub fn set_sound(&self, on: bool) {
        self.set("sound", if on { "1" } else { "0" });
    }

    /// Whether the visitor accepted the brand's privacy notice in this browser.
    pub fn consented(&self) -> bool {
        self.get("consent").is_some()
    }

    /// Remembers that the visitor accepted the privacy notice.
    pub fn set_consented(&self) {
        // Whole milliseconds: formatting an f64 would pull float printing into the wasm.
        self.set("consent", &(js_sys::Date::now() as u64).to_string());
    }

    /// The signed-in user the page named with `Confab.identify`, if any.
    pub fn identity(&self) -> Option<Identity> {
        self.get_json("identity")
    }

    /// Keeps (or, with `None`, forgets) the signed-in user.
    pub fn set_identity(&self, identity: Option<&Identity>) {
        match identity {
            Some(identity) => self.set_json("identity", identity),
            None => {
                if let Some(storage) = Self::local() {
                    let _ = storage.remove_item(&format!("{}identity", self.prefix));
                }
            }
        }
    }

    /// Keeps whether the panel is open, so the next page opens it too.
    pub fn set_open(&self, open: bool) {
        self.set("open", if open { "1" } else { "0" });
    }
}
