//! The widget as a live, durable conversation, in real headless Chromium against the real
//! relay: answers arrive as they are written, and nothing the visitor wrote is lost or
//! doubled when the network drops or the tab closes mid-send.

use confab_e2e::api::Api;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::{eventually, Browser, Relay};
use confab_protocol::Session;
use serde_json::{json, Value};

/// The visitor's session, as the widget stored it.
async fn widget_session(browser: &Browser, api: &Api) -> Session {
    let token = browser
        .eval("return localStorage.getItem('confab:demo:token');")
        .await;
    let token = token
        .as_str()
        .expect("the widget stored its token")
        .to_string();
    api.http
        .post(api.url("/v1/sessions"))
        .json(&json!({ "brand": "demo", "token": token }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn history_texts(api: &Api, session: &Session) -> Vec<String> {
    api.history(session)
        .await
        .into_iter()
        .map(|m| m.text)
        .collect()
}

#[tokio::test]
async fn an_agent_answer_appears_in_the_widget_as_it_is_written() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Is the blue tent waterproof?").await;
    browser
        .wait_for_messages(&["Is the blue tent waterproof?"])
        .await;
    // The socket is live once the widget says so; no reload follows.
    browser.widget_element(".confab-panel").await;
    let session = widget_session(&browser, &api).await;

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
    let answer = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
        .bearer_auth(key["key"].as_str().unwrap())
        .json(&json!({ "clientId": "agent-1", "text": "Yes — 3000 mm. 是的,防水。" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    browser
        .wait_for_messages(&["Is the blue tent waterproof?", "Yes — 3000 mm. 是的,防水。"])
        .await;
}

#[tokio::test]
async fn messages_written_offline_go_once_and_in_order_when_back_online() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("before").await;
    browser.wait_for_messages(&["before"]).await;
    let session = widget_session(&browser, &api).await;

    browser.set_offline(true).await;
    for text in ["one", "two", "three"] {
        browser.send_in_widget(text).await;
    }
    eventually(10, || async {
        let pending = browser.pending_messages().await;
        if pending == ["one", "two", "three"] {
            Ok(())
        } else {
            Err(format!("pending while offline: {pending:?}"))
        }
    })
    .await;
    assert_eq!(
        history_texts(&api, &session).await,
        ["before"],
        "nothing left while offline"
    );

    browser.set_offline(false).await;
    browser
        .wait_for_messages(&["before", "one", "two", "three"])
        .await;
    assert_eq!(browser.pending_messages().await, Vec::<String>::new());
    assert_eq!(
        history_texts(&api, &session).await,
        ["before", "one", "two", "three"]
    );
}

#[tokio::test]
async fn a_tab_closed_in_the_middle_of_a_send_loses_and_doubles_nothing() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    // This tab never gets a live socket, and the answers to its sends are held back: the
    // relay stores a message this tab never hears about.
    browser.cdp("Network.enable", json!({})).await;
    browser
        .cdp(
            "Network.setBlockedURLs",
            json!({ "urls": ["*/tickets", "*/ws?*"] }),
        )
        .await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("first").await;
    browser.wait_for_messages(&["first"]).await;
    let session = widget_session(&browser, &api).await;
    browser
        .cdp(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*/messages", "requestStage": "Response" }] }),
        )
        .await;
    browser.send_in_widget("sent as the tab closed").await;
    eventually(10, || async {
        let stored = history_texts(&api, &session).await;
        if stored.len() == 2 {
            Ok(())
        } else {
            Err(format!("the relay has {stored:?}"))
        }
    })
    .await;
    assert_eq!(browser.pending_messages().await, ["sent as the tab closed"]);

    // The visitor closes the tab and comes back in a new one (no blocking there).
    let first_tab = browser.client.window().await.unwrap();
    let new_tab = browser.client.new_window(true).await.unwrap();
    browser.client.switch_to_window(first_tab).await.unwrap();
    browser.client.close_window().await.unwrap();
    browser
        .client
        .switch_to_window(new_tab.handle)
        .await
        .unwrap();
    browser.client.goto(&relay.url("/")).await.unwrap();

    // The new tab sends it again; the relay recognises it: one copy, in its place.
    browser
        .wait_for_messages(&["first", "sent as the tab closed"])
        .await;
    assert_eq!(browser.pending_messages().await, Vec::<String>::new());
    assert_eq!(
        history_texts(&api, &session).await,
        ["first", "sent as the tab closed"]
    );
}
