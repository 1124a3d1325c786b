//! One live connection per browser, however many tabs show the widget.
//!
//! The tabs of one brand elect a leader with a Web Lock (`confab:<brand>:leader`): the tab
//! holding it keeps the thread's WebSocket and passes every frame to the other tabs over a
//! BroadcastChannel. The browser releases the lock when the leader tab closes or crashes,
//! and the next waiting tab takes it and opens the socket itself (resuming after the last
//! `seq` it has, so nothing is missed in between). Sends do not need the leader: any tab
//! posts over HTTP, the relay de-duplicates by client id, and the stored message comes back
//! to every tab through the leader's socket.
//!
//! Tabs also tell each other what the visitor has seen, so the unread badge is the same in
//! every tab. A browser without Web Locks or BroadcastChannel makes each tab its own leader.

use crate::json;
use confab_protocol::Seq;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

/// What tabs tell each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TabNews {
    /// A frame the leader's socket received, passed on as the relay's own text
    /// ([`json::decode_frame`] reads it in each tab).
    Frame(String),
    /// Whether the leader's socket is live (sent when it changes, and to answer `Hello`).
    Live(bool),
    /// The visitor has seen the thread up to this `seq` in some tab.
    Seen(Seq),
    /// A tab has just started and asks the leader how the socket stands.
    Hello,
}

impl TabNews {
    /// The news as the text a channel carries.
    pub fn encode(&self) -> Option<String> {
        json::encode(self).ok()
    }

    /// News from its text; `None` for anything else (another version's news is ignored).
    pub fn decode(text: &str) -> Option<TabNews> {
        json::decode(text).ok()
    }
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks.request(name, callback)`: throws where Web Locks do not exist.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn request_lock(name: &str, callback: &JsValue) -> Result<js_sys::Promise, JsValue>;
}

/// A held Web Lock; dropping it releases the lock.
pub struct LockGuard {
    release: js_sys::Function,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::NULL);
    }
}

/// Waits until this tab holds the browser-wide lock `name`. `None` at once where the browser
/// has no Web Locks: then the caller goes ahead alone.
pub async fn acquire(name: &str) -> Option<LockGuard> {
    // The lock is held until the promise the callback returns settles: `release` settles it.
    let mut release = None;
    let held = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let mut granted = None;
    let granted_promise = js_sys::Promise::new(&mut |resolve, _| granted = Some(resolve));
    let (release, granted) = (release?, granted?);
    let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        let _ = granted.call0(&JsValue::NULL);
        held
    });
    // The promise `request` returns settles only when the lock is released: nothing to await.
    let _released = request_lock(name, &callback).ok()?;
    JsFuture::from(granted_promise).await.ok()?;
    Some(LockGuard { release })
}

/// The BroadcastChannel the tabs of one brand share; dropping it leaves the channel.
pub struct TabChannel {
    channel: web_sys::BroadcastChannel,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl TabChannel {
    /// Joins channel `name`; news from other tabs goes to `on_news`. `None` where the browser
    /// has no BroadcastChannel.
    pub fn join(name: &str, on_news: Callback<TabNews>) -> Option<TabChannel> {
        let channel = web_sys::BroadcastChannel::new(name).ok()?;
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(news) = event
                    .data()
                    .as_string()
                    .as_deref()
                    .and_then(TabNews::decode)
                {
                    on_news.emit(news);
                }
            },
        );
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(TabChannel {
            channel,
            _on_message: on_message,
        })
    }

    /// Tells every other tab (a tab never hears its own news).
    pub fn tell(&self, news: &TabNews) {
        if let Some(text) = news.encode() {
            let _ = self.channel.post_message(&JsValue::from_str(&text));
        }
    }
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::{Author, ServerFrame};

    /// Checks the text a piece of news travels as, and that it comes back the same.
    fn check(news: TabNews, text: &str) {
        assert_eq!(news.encode().as_deref(), Some(text));
        assert_eq!(TabNews::decode(text), Some(news));
    }

    #[test]
    fn news_travels_as_small_json() {
        check(TabNews::Hello, r#""hello""#);
        check(TabNews::Live(true), r#"{"live":true}"#);
        check(TabNews::Seen(Seq(42)), r#"{"seen":42}"#);
        let typing = r#"{"type":"typing","author":"agent","active":true}"#;
        check(
            TabNews::Frame(typing.into()),
            r#"{"frame":"{\"type\":\"typing\",\"author\":\"agent\",\"active\":true}"}"#,
        );
        let expected = ServerFrame::Typing {
            author: Author::Agent,
            active: true,
        };
        assert_eq!(json::decode_frame(typing), Ok(expected));
    }

    #[test]
    fn news_of_another_version_is_ignored() {
        for text in [r#"{"elect":1}"#, "not json", r#"{"seen":"x"}"#, ""] {
            assert_eq!(TabNews::decode(text), None, "{text}");
        }
    }
}
