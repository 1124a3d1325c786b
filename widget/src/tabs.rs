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

use confab_protocol::Seq;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use yew::Callback;

/// What tabs tell each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabNews {
    /// A frame the leader's socket received, passed on as the relay's own text
    /// ([`crate::json::decode_frame`] reads it in each tab).
    Frame(String),
    /// Whether the leader's socket is live (sent when it changes, and to answer `Hello`).
    Live(bool),
    /// The visitor has seen the thread up to this `seq` in some tab.
    Seen(Seq),
    /// A tab has just started and asks the leader how the socket stands.
    Hello,
}

impl TabNews {
    /// The news as the text a channel carries: a word, then a colon and what it says
    /// (`frame:{…}`, `live:1`, `seen:42`, `hello`). Not JSON: the frame is JSON already,
    /// and serde's code for an enum would cost the widget more than these few lines.
    pub fn encode(&self) -> String {
        match self {
            TabNews::Frame(text) => format!("frame:{text}"),
            TabNews::Live(live) => format!("live:{}", u8::from(*live)),
            TabNews::Seen(seq) => format!("seen:{}", seq.0),
            TabNews::Hello => "hello".into(),
        }
    }

    /// News from its text; `None` for anything else (another version's news is ignored).
    pub fn decode(text: &str) -> Option<TabNews> {
        match text.split_once(':').unwrap_or((text, "")) {
            ("frame", frame) if !frame.is_empty() => Some(TabNews::Frame(frame.into())),
            ("live", "1") => Some(TabNews::Live(true)),
            ("live", "0") => Some(TabNews::Live(false)),
            ("seen", seq) => seq.parse().ok().map(|seq| TabNews::Seen(Seq(seq))),
            ("hello", "") => Some(TabNews::Hello),
            _ => None,
        }
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
        let _ = self
            .channel
            .post_message(&JsValue::from_str(&news.encode()));
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
    use crate::json;
    use confab_protocol::{Author, ServerFrame};

    /// Checks the text a piece of news travels as, and that it comes back the same.
    fn check(news: TabNews, text: &str) {
        assert_eq!(news.encode(), text);
        assert_eq!(TabNews::decode(text), Some(news));
    }

    #[test]
    fn news_travels_as_a_short_line() {
        check(TabNews::Hello, "hello");
        check(TabNews::Live(true), "live:1");
        check(TabNews::Live(false), "live:0");
        check(TabNews::Seen(Seq(42)), "seen:42");
        let typing = r#"{"type":"typing","author":"agent","active":true}"#;
        check(TabNews::Frame(typing.into()), &format!("frame:{typing}"));
        let expected = ServerFrame::Typing {
            author: Author::Agent,
            active: true,
            name: None,
        };
        assert_eq!(json::decode_frame(typing), Ok(expected.clone()));
        // A team member's name (sent only to the team's sockets) is ignored: still the
        // team typing.
        let named = r#"{"type":"typing","author":"agent","active":true,"name":"Ann"}"#;
        assert_eq!(json::decode_frame(named), Ok(expected));
    }

    #[test]
    fn news_of_another_version_is_ignored() {
        for text in [
            r#"{"seen":42}"#,
            "elect:1",
            "seen:x",
            "seen:-1",
            "live:true",
            "hello:1",
            "frame:",
            "",
        ] {
            assert_eq!(TabNews::decode(text), None, "{text}");
        }
    }
}
