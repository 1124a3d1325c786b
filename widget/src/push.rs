//! Web push in the browser: the brand's service worker (its one-line copy of Confab's, at
//! the path the script tag's `data-push` names), the visitor's permission, and the
//! subscription the relay pushes unseen replies to.
//!
//! The browser's side is a promise chain in the loader (`loader/widget.js`): permission,
//! the worker's registration, `ready`, and `PushManager`'s subscription. Written in
//! JavaScript it is a few hundred bytes; each `await` of it in Rust cost the widget's wasm
//! a state machine, about 1.2 KB gzipped in all. Only the subscription's JSON comes back,
//! as the browser wrote it (`PushSubscription.toJSON()`), so no key passes through Rust.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Whether the visitor has not refused notifications (the loader offers push only where
/// the browser has the Push API and the page a service worker).
pub fn supported() -> bool {
    crate::notify::supported()
        && web_sys::Notification::permission() != web_sys::NotificationPermission::Denied
}

/// This browser's subscription as JSON, through the loader's `push` function: given the
/// relay's VAPID public key `key` (the visitor asked), after their permission, the one it
/// has or a new one; without, the one it has if they allowed notifications before.
/// `None`: there is none and none was asked for, or the page offers no push. An error: the
/// visitor refused, or the browser failed.
pub async fn subscription(
    push: Option<&js_sys::Function>,
    key: Option<&str>,
) -> Result<Option<String>, JsValue> {
    let Some(push) = push else {
        return Ok(None);
    };
    let key = key.map_or(JsValue::NULL, JsValue::from_str);
    let promise: js_sys::Promise = push.call1(&JsValue::NULL, &key)?.unchecked_into();
    Ok(JsFuture::from(promise).await?.as_string())
}
