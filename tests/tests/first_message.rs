//! The foundation's slice, end to end: a visitor opens the widget on the demo site, sends a
//! message, and finds it again after a reload and on another page — restored from the relay.

use confab_e2e::{Browser, Relay};
use confab_protocol::{MessagePage, Session};
use fantoccini::key::Key;
use serde_json::json;

#[tokio::test]
async fn a_message_survives_reload_and_navigation() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    let text = "Is the blue tent waterproof? 蓝色帐篷防水吗?";

    browser
        .client
        .goto(&relay.url("/index.html"))
        .await
        .unwrap();
    browser
        .widget_element(".confab-launcher")
        .await
        .click()
        .await
        .unwrap();
    let input = browser.widget_element(".confab-input").await;
    input.send_keys(text).await.unwrap();
    input
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    browser.wait_for_messages(&[text]).await;

    // The relay stored it as the thread's first message.
    let token = browser
        .eval("return localStorage.getItem('confab:demo:token');")
        .await;
    let token = token
        .as_str()
        .expect("the widget stored its token")
        .to_string();
    let http = reqwest::Client::new();
    let session: Session = http
        .post(relay.url("/v1/sessions"))
        .json(&json!({ "brand": "demo", "token": token }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page: MessagePage = http
        .get(relay.url(&format!("/v1/threads/{}/messages", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored: Vec<(u64, &str)> = page
        .messages
        .iter()
        .map(|message| (message.seq.0, message.text.as_str()))
        .collect();
    assert_eq!(stored, vec![(1, text)]);

    // A reload keeps the panel open and shows the thread again, from the relay.
    browser.client.refresh().await.unwrap();
    browser.widget_element(".confab-panel").await;
    browser.wait_for_messages(&[text]).await;

    // So does another page of the site.
    browser
        .client
        .find(fantoccini::Locator::LinkText("Pricing"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.widget_element(".confab-panel").await;
    browser.wait_for_messages(&[text]).await;
    // The assets layer serves pricing.html as /pricing.
    let path = browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_string();
    assert_eq!(path, "/pricing");
}
