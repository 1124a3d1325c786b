//! Web push from the widget, in real headless Chromium against the real relay and a local
//! fake push service: the visitor asks for notifications, the widget registers the demo
//! page's service worker (its one-line copy of Confab's) and gives the relay the browser's
//! subscription; a team reply the visitor has not seen reaches the fake push service
//! encrypted for that browser, and Confab's service worker shows it as a notification.
//!
//! One step is not the browser's own: `PushManager.subscribe` asks the browser's push
//! service (Google's, for Chromium) for an endpoint, which cannot be reached from these
//! machines, so the test puts the fake push service's endpoint and keys in its place (the
//! keys are made by the fake, which decrypts with them). Everything around it is the
//! browser's: the permission, the worker's registration, `toJSON`, and the worker's `push`
//! event, delivered by the DevTools protocol with the payload the fake decrypted.

use confab_e2e::api::Api;
use confab_e2e::fakes::push::{FakePush, DEV_VAPID_PRIVATE_KEY, DEV_VAPID_SUBJECT};
use confab_e2e::{eventually, widget_session, Browser, Relay};
use serde_json::{json, Value};

/// A relay that pushes for the `demo` brand a second after an unseen reply.
async fn push_relay() -> (Relay, Api) {
    let relay = Relay::start_with(&[
        ("VAPID_PRIVATE_KEY", DEV_VAPID_PRIVATE_KEY),
        ("VAPID_SUBJECT", DEV_VAPID_SUBJECT),
    ])
    .await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "push": { "delaySeconds": 1 },
            }),
        )
        .await;
    assert_eq!(status, 200);
    (relay, api)
}

/// Puts `subscription` (the fake's endpoint and keys) where the browser's push service
/// would answer: `PushManager.subscribe` and, once subscribed, `getSubscription`.
async fn stand_in_for_the_push_service(browser: &Browser, subscription: &Value) {
    let source = format!(
        "(() => {{
           const json = {subscription};
           const made = () => ({{ endpoint: json.endpoint, toJSON: () => json }});
           PushManager.prototype.subscribe = function () {{
             localStorage.setItem('test:subscribed', '1');
             return Promise.resolve(made());
           }};
           PushManager.prototype.getSubscription = function () {{
             return Promise.resolve(localStorage.getItem('test:subscribed') ? made() : null);
           }};
         }})();"
    );
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )
        .await;
}

/// The notifications the page's service worker shows: title and body.
async fn notifications(browser: &Browser) -> Vec<(String, String)> {
    let shown = browser
        .eval(
            "return navigator.serviceWorker.getRegistration('/').then((registration) =>
               registration ? registration.getNotifications() : []).then((list) =>
               list.map((n) => [n.title, n.body]));",
        )
        .await;
    serde_json::from_value(shown).unwrap_or_default()
}

#[tokio::test]
async fn a_reply_the_visitor_has_not_seen_is_pushed_and_shown_by_the_worker() {
    let (relay, api) = push_relay().await;
    let fake = FakePush::start().await;
    let key: Value = reqwest::get(api.url("/v1/push/key"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let subscription = fake.subscribe(key["publicKey"].as_str().unwrap());

    let browser = Browser::start().await;
    browser
        .cdp(
            "Browser.grantPermissions",
            json!({ "origin": relay.origin(), "permissions": ["notifications"] }),
        )
        .await;
    stand_in_for_the_push_service(&browser, &json!(subscription)).await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Do you ship to Lyon?").await;
    browser.wait_for_messages(&["Do you ship to Lyon?"]).await;

    // The menu offers notifications; asked, the panel says they are on.
    browser.pick_from_menu(".confab-notify").await;
    let on = eventually(20, || async {
        let lines = browser.widget_texts(".confab-linked").await;
        lines
            .into_iter()
            .find(|line| line.contains("notification"))
            .ok_or_else(|| "no line says notifications are on".to_string())
    })
    .await;
    assert_eq!(on, "You'll get a notification here when the team replies.");
    browser.save_screenshot("widget-push-on").await;

    // The visitor closes the panel; the team's reply goes unseen, and is pushed once.
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    let session = widget_session(&browser, &api, "demo").await;
    let agent = api.agent_key("demo").await;
    let (status, _) = api
        .agent_send(&agent, &session.thread_id, "agent-1", "Yes, in 3 days.")
        .await;
    assert_eq!(status, 201);
    let pushed = eventually(30, || async {
        fake.received()
            .into_iter()
            .next()
            .ok_or_else(|| "nothing pushed yet".to_string())
    })
    .await;
    assert_eq!(pushed.payload["title"], "Acme Outdoor");
    assert_eq!(pushed.payload["body"], "Yes, in 3 days.");

    // What the browser's push service would hand the worker: the worker shows it.
    let data = pushed.payload.to_string();
    let shown = deliver_to_worker(&browser, &relay.origin(), &data).await;
    assert_eq!(
        shown,
        vec![("Acme Outdoor".to_string(), "Yes, in 3 days.".to_string())]
    );

    // A new page keeps the subscription: the panel still says so, and the relay was told
    // again rather than asked anew.
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    eventually(20, || async {
        let lines = browser.widget_texts(".confab-linked").await;
        if lines.iter().any(|line| line.contains("notification")) {
            Ok(())
        } else {
            Err(format!("{lines:?}"))
        }
    })
    .await;
}

/// Delivers `data` as a push message to the page's service worker and returns the
/// notifications it then shows. The DevTools protocol names a registration by an id only its
/// events tell (and takes an unknown one without complaint), so the ids of a fresh profile
/// are tried in order until the worker shows something.
async fn deliver_to_worker(browser: &Browser, origin: &str, data: &str) -> Vec<(String, String)> {
    browser.cdp("ServiceWorker.enable", json!({})).await;
    let mut tried = Vec::new();
    // A worker stopped for idleness starts again for the push; on a loaded machine that may
    // take longer than one wait, so the ids are gone through up to three times (a repeated
    // push replaces the notification: one tag per thread).
    for id in (0..8).cycle().take(24) {
        let delivered = browser
            .try_cdp(
                "ServiceWorker.deliverPushMessage",
                json!({ "origin": origin, "registrationId": id.to_string(), "data": data }),
            )
            .await;
        if delivered.is_ok() {
            for _ in 0..50 {
                let shown = notifications(browser).await;
                if !shown.is_empty() {
                    return shown;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        tried.push(format!("{id}: {delivered:?}"));
    }
    panic!("no service worker registration showed the push: {tried:#?}");
}
