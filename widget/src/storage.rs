//! What the widget keeps in the browser's `localStorage` between pages, under keys prefixed
//! with `confab:<brand>:`. Storage can be unavailable (private modes, blocked cookies): then
//! reads find nothing and writes are dropped, and the widget still works for the page.

use confab_protocol::VisitorToken;

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

    /// Keeps whether the panel is open, so the next page opens it too.
    pub fn set_open(&self, open: bool) {
        self.set("open", if open { "1" } else { "0" });
    }
}
