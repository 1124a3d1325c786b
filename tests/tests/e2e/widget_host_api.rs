//! `window.Confab`, the host page's API: calls made as soon as the loader runs are queued
//! until the app loads; `on` reports `open`, `close`, `message` and `unread`; `identify`
//! continues as a signed-in user and `shutdown` forgets the thread.

use confab_e2e::api::Api;
use confab_e2e::relay::user_hash;
use confab_e2e::{eventually, Browser, Relay};
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
    let token = browser.stored_token("demo").await.unwrap();
    let session = api.resume("demo", &token).await;
    let key = api.agent_key("demo").await;
    api.agent_send(&key, &session.thread_id, "agent-1", "We're here!")
        .await;
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
    let (_, users_session) = api
        .post_session(
            json!({ "brand": "demo", "userId": "user-9", "userHash": user_hash("user-9") }),
        )
        .await;
    let users_thread = confab_protocol::ThreadId::new(users_session["threadId"].as_str().unwrap());
    eventually(20, || async {
        let Some(token) = browser.stored_token("demo").await else {
            return Err("no token yet".to_string());
        };
        let session = api.resume("demo", &token).await;
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
        let token = browser.stored_token("demo").await;
        let thread = match token {
            Some(token) => Some(api.resume("demo", &token).await.thread_id),
            None => None,
        };
        match thread {
            Some(thread) if thread != users_thread && thread != session.thread_id => Ok(()),
            other => Err(format!("after shutdown the widget is on {other:?}")),
        }
    })
    .await;
}
