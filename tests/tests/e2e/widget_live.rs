//! The widget as a live, durable conversation, in real headless Chromium against the real
//! relay: answers arrive as they are written, and nothing the visitor wrote is lost or
//! doubled when the network drops or the tab closes mid-send.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::Session;
use serde_json::json;

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
    let session = widget_session(&browser, &api, "demo").await;

    let key = api.agent_key("demo").await;
    let (status, _) = api
        .agent_send(
            &key,
            &session.thread_id,
            "agent-1",
            "Yes — 3000 mm. 是的,防水。",
        )
        .await;
    assert_eq!(status, 201);
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
    let session = widget_session(&browser, &api, "demo").await;

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
        api.history_texts(&session).await,
        ["before"],
        "nothing left while offline"
    );

    browser.set_offline(false).await;
    browser
        .wait_for_messages(&["before", "one", "two", "three"])
        .await;
    assert_eq!(browser.pending_messages().await, Vec::<String>::new());
    assert_eq!(
        api.history_texts(&session).await,
        ["before", "one", "two", "three"]
    );
}

/// A page whose widget has no live socket (so the only news of a send is the answer to
/// it) and has sent "first"; its later sends are held at `stage` ("Request": before the
/// relay has them; "Response": after the relay stored them, before the page hears).
async fn page_holding_sends(stage: &str) -> (Relay, Api, Browser, Session) {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
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
    let session = widget_session(&browser, &api, "demo").await;
    browser
        .cdp(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*/messages", "requestStage": stage }] }),
        )
        .await;
    (relay, api, browser, session)
}

#[tokio::test]
async fn a_tab_closed_in_the_middle_of_a_send_loses_and_doubles_nothing() {
    // The relay stores a message this tab never hears about.
    let (relay, api, browser, session) = page_holding_sends("Response").await;
    browser.send_in_widget("sent as the tab closed").await;
    eventually(10, || async {
        let stored = api.history_texts(&session).await;
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
        api.history_texts(&session).await,
        ["first", "sent as the tab closed"]
    );
}

/// Reloads the page while a send is held at `stage` ("Request": the relay never got it;
/// "Response": the relay stored it but the page never heard), then checks that the message
/// is in the thread exactly once, in its place.
async fn reload_in_the_middle_of_a_send(stage: &str) {
    let (_relay, api, browser, session) = page_holding_sends(stage).await;
    browser.send_in_widget("sent as the page reloaded").await;
    let stored_before_reload = if stage == "Response" { 2 } else { 1 };
    eventually(10, || async {
        let stored = api.history_texts(&session).await;
        let pending = browser.pending_messages().await;
        if stored.len() == stored_before_reload && pending == ["sent as the page reloaded"] {
            Ok(())
        } else {
            Err(format!(
                "the relay has {stored:?}, the page waits on {pending:?}"
            ))
        }
    })
    .await;

    // The visitor reloads; the held request is never answered to the old page, and the new
    // page may talk to the relay again.
    browser.client.refresh().await.unwrap();
    browser.cdp("Fetch.disable", json!({})).await;
    browser
        .cdp("Network.setBlockedURLs", json!({ "urls": [] }))
        .await;
    browser
        .wait_for_messages(&["first", "sent as the page reloaded"])
        .await;
    assert_eq!(browser.pending_messages().await, Vec::<String>::new());
    assert_eq!(
        api.history_texts(&session).await,
        ["first", "sent as the page reloaded"]
    );
}

#[tokio::test]
async fn a_reload_before_the_relay_has_a_send_loses_nothing() {
    reload_in_the_middle_of_a_send("Request").await;
}

#[tokio::test]
async fn a_reload_before_the_page_hears_back_doubles_nothing() {
    reload_in_the_middle_of_a_send("Response").await;
}
