//! `window.Confab`, the host page's API: calls made as soon as the loader runs are queued
//! until the app loads; `on` reports `open`, `close`, `message` and `unread`; `identify`
//! continues as a signed-in user and `shutdown` forgets the thread.

use confab_e2e::api::Api;
use confab_e2e::relay::{TEST_ADMIN_SECRET, TEST_IDENTITY_SECRET};
use confab_e2e::{eventually, Browser, Relay};
use confab_protocol::Session;
use serde_json::{json, Value};

async fn events(browser: &Browser) -> Vec<Value> {
    serde_json::from_value(browser.eval("return window.confabEvents;").await).unwrap_or_default()
}

async fn wait_for_event(browser: &Browser, wanted: Value) {
    eventually(20, || async {
        let seen = events(browser).await;
        if seen.contains(&wanted) {
            Ok(())
        } else {
            Err(format!("no event {wanted} among {seen:?}"))
        }
    })
    .await;
}

async fn stored_token(browser: &Browser) -> Option<String> {
    browser
        .eval("return localStorage.getItem('confab:demo:token');")
        .await
        .as_str()
        .map(str::to_string)
}

async fn session_for(api: &Api, body: Value) -> Session {
    api.http
        .post(api.url("/v1/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn user_hash(user_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(TEST_IDENTITY_SECRET.as_bytes()).unwrap();
    mac.update(user_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn the_page_drives_the_widget_through_window_confab() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    // As soon as the loader has run: listen, and open (the app is not loaded yet).
    eventually(10, || async {
        match browser.eval("return typeof window.Confab;").await.as_str() {
            Some("object") => Ok(()),
            other => Err(format!("window.Confab is {other:?}")),
        }
    })
    .await;
    browser
        .eval(
            "window.confabEvents = [];\
             for (const name of ['open', 'close', 'unread', 'message']) {\
               Confab.on(name, detail => window.confabEvents.push(\
                 name === 'message' ? ['message', detail.text] : [name, detail ?? null]));\
             }\
             Confab.open();",
        )
        .await;
    browser.widget_element(".confab-panel").await;
    wait_for_event(&browser, json!(["open", null])).await;
    browser.send_in_widget("hello").await;
    browser.wait_for_messages(&["hello"]).await;

    browser.eval("Confab.close();").await;
    wait_for_event(&browser, json!(["close", null])).await;

    // A team answer while the panel is closed: an event, and the unread badge.
    let token = stored_token(&browser).await.unwrap();
    let session = session_for(&api, json!({ "brand": "demo", "token": token })).await;
    let key: Value = api
        .http
        .post(api.url("/v1/admin/brands/demo/keys"))
        .bearer_auth(TEST_ADMIN_SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    api.http
        .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
        .bearer_auth(key["key"].as_str().unwrap())
        .json(&json!({ "clientId": "agent-1", "text": "We're here!" }))
        .send()
        .await
        .unwrap();
    wait_for_event(&browser, json!(["message", "We're here!"])).await;
    wait_for_event(&browser, json!(["unread", 1])).await;
    let badge = browser.widget_element(".confab-badge").await;
    assert_eq!(badge.text().await.unwrap(), "1");

    // identify: the widget continues as the signed-in user, on that user's thread.
    browser
        .eval(&format!(
            "Confab.identify({{ userId: 'user-9', userHash: '{}' }});",
            user_hash("user-9")
        ))
        .await;
    let users_thread = session_for(
        &api,
        json!({ "brand": "demo", "userId": "user-9", "userHash": user_hash("user-9") }),
    )
    .await
    .thread_id;
    eventually(20, || async {
        let Some(token) = stored_token(&browser).await else {
            return Err("no token yet".to_string());
        };
        let session = session_for(&api, json!({ "brand": "demo", "token": token })).await;
        if session.thread_id == users_thread {
            Ok(())
        } else {
            Err(format!(
                "the widget is on {}, not the user's thread",
                session.thread_id
            ))
        }
    })
    .await;

    // shutdown: the browser forgets that thread; the next session is a new one.
    browser.eval("Confab.shutdown();").await;
    eventually(20, || async {
        let token = stored_token(&browser).await;
        let thread = match token {
            Some(token) => Some(
                session_for(&api, json!({ "brand": "demo", "token": token }))
                    .await
                    .thread_id,
            ),
            None => None,
        };
        match thread {
            Some(thread) if thread != users_thread && thread != session.thread_id => Ok(()),
            other => Err(format!("after shutdown the widget is on {other:?}")),
        }
    })
    .await;
}
