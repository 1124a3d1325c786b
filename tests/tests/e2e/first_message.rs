//! The foundation's slice, end to end: a visitor opens the widget on the demo site, sends a
//! message, and finds it again after a reload and on another page — restored from the relay.

use confab_e2e::api::Api;
use confab_e2e::{widget_session, Browser, Relay};

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
    browser.open_panel().await;
    browser.send_in_widget(text).await;
    browser.wait_for_messages(&[text]).await;

    // The relay stored it as the thread's first message.
    let api = Api::new(relay.origin());
    let session = widget_session(&browser, &api, "demo").await;
    let stored: Vec<(u64, String)> = api
        .history(&session)
        .await
        .into_iter()
        .map(|message| (message.seq.0, message.text))
        .collect();
    assert_eq!(stored, vec![(1, text.to_string())]);

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
