//! How the thread reads: delivery ticks on the visitor's messages, a "new messages" divider
//! before what arrived while the panel was closed, and read receipts sent to the relay when
//! the visitor opens the panel.

use confab_e2e::api::Api;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::{eventually, Browser, Relay};
use confab_protocol::{DeliveryStatus, Session};
use serde_json::{json, Value};

async fn shadow_texts(browser: &Browser, selector: &str) -> Vec<String> {
    let value = browser
        .eval(&format!(
            "return [...document.querySelector('confab-chat').shadowRoot.querySelectorAll({})]\
               .map(node => node.textContent.trim());",
            json!(selector)
        ))
        .await;
    serde_json::from_value(value).unwrap_or_default()
}

#[tokio::test]
async fn ticks_divider_and_read_receipts() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Do you ship to Shanghai?").await;
    browser
        .wait_for_messages(&["Do you ship to Shanghai?"])
        .await;
    assert_eq!(
        shadow_texts(&browser, ".confab-status .confab-visually-hidden").await,
        ["Sent"]
    );
    assert_eq!(shadow_texts(&browser, ".confab-day").await, ["Today"]);

    // The visitor closes the panel; the team answers.
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    let token = browser
        .eval("return localStorage.getItem('confab:demo:token');")
        .await;
    let session: Session = api
        .http
        .post(api.url("/v1/sessions"))
        .json(&json!({ "brand": "demo", "token": token }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
        .json(&json!({ "clientId": "agent-1", "text": "Yes, in 3 days." }))
        .send()
        .await
        .unwrap();
    browser.widget_element(".confab-badge").await;
    let status_of_answer = || async {
        api.history(&session)
            .await
            .into_iter()
            .find(|message| message.text == "Yes, in 3 days.")
            .map(|message| message.status)
    };
    assert_eq!(
        status_of_answer().await,
        Some(DeliveryStatus::Sent),
        "unread while closed"
    );

    // Opening shows the divider before the answer and tells the relay it was read.
    browser
        .widget_element(".confab-launcher")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for_messages(&["Do you ship to Shanghai?", "Yes, in 3 days."])
        .await;
    assert_eq!(
        shadow_texts(&browser, ".confab-divider").await,
        ["New messages"]
    );
    let order = shadow_texts(&browser, ".confab-messages > li").await;
    let divider = order
        .iter()
        .position(|text| text == "New messages")
        .unwrap();
    assert!(
        order[divider + 1].starts_with("Yes, in 3 days."),
        "{order:?}"
    );
    eventually(20, || async {
        match status_of_answer().await {
            Some(DeliveryStatus::Read) => Ok(()),
            other => Err(format!("the answer is {other:?}, not read")),
        }
    })
    .await;
}
