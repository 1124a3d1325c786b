//! Web push in the browser: the brand's service worker (its one-line copy of Confab's, at
//! the path the script tag's `data-push` names), the visitor's permission, and the
//! subscription the relay pushes unseen replies to.
//!
//! Only the subscription's JSON leaves this module: the widget posts it to the relay as
//! the browser wrote it (`PushSubscription.toJSON()`), so no key passes through Rust.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Whether this browser can push at all: it has the Push API and notifications, and the
/// visitor has not refused them.
pub fn supported() -> bool {
    crate::notify::supported()
        && web_sys::window().is_some_and(|window| {
            js_sys::Reflect::has(&window, &JsValue::from_str("PushManager")).unwrap_or(false)
        })
        && web_sys::Notification::permission() != web_sys::NotificationPermission::Denied
}

/// Whether the visitor has allowed notifications (on this page or an earlier one).
pub fn permitted() -> bool {
    web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
}

/// Asks the visitor for notifications (from their tap, before anything else is awaited, so
/// that the browser counts the prompt as theirs); an error unless they allow them.
pub async fn permit() -> Result<(), JsValue> {
    let answer = JsFuture::from(web_sys::Notification::request_permission()?).await?;
    match answer.as_string().as_deref() {
        Some("granted") => Ok(()),
        _ => Err(answer),
    }
}

/// This browser's subscription through the worker at `worker` (a path on the page's
/// origin), as JSON: the one it has, or, given the relay's VAPID public key `key` (only
/// after the visitor asked), a new one. `None`: there is none and none was asked for.
pub async fn subscription(worker: &str, key: Option<&str>) -> Result<Option<String>, JsValue> {
    let container = web_sys::window()
        .ok_or(JsValue::NULL)?
        .navigator()
        .service_worker();
    JsFuture::from(container.register(worker)).await?;
    // Subscribing needs the worker active: `ready` waits for it (which is why the worker
    // must sit at or above the page's path, as `/confab-sw.js` does).
    let registration: web_sys::ServiceWorkerRegistration =
        JsFuture::from(container.ready()?).await?.unchecked_into();
    let manager = registration.push_manager()?;
    let mut subscription = JsFuture::from(manager.get_subscription()?).await?;
    if subscription.is_null() {
        let Some(key) = key else {
            return Ok(None);
        };
        let options = web_sys::PushSubscriptionOptionsInit::new();
        options.set_user_visible_only(true);
        options.set_application_server_key_opt_str(Some(key));
        subscription = JsFuture::from(manager.subscribe_with_options(&options)?).await?;
    }
    // `JSON.stringify` calls the subscription's `toJSON`: endpoint and keys, base64url.
    Ok(js_sys::JSON::stringify(&subscription)?.as_string())
}
