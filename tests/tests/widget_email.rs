//! Replies by email from the widget, in real headless Chromium against the real relay: the
//! menu offers it, the form takes an address (the relay's refusal said in the visitor's
//! words), the panel says where the verification link went, and once the link from the
//! email the runtime really sent is opened, a new page says replies go there, with "Stop".

use confab_e2e::api::Api;
use confab_e2e::mailbox::{self, unique_address};
use confab_e2e::{eventually, Browser, Relay};
use serde_json::json;

/// A relay whose `demo` brand emails replies.
async fn email_relay() -> (Relay, Api) {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "email": {
                    "from": "support@acme.example",
                    "replyDomain": "reply.acme.example",
                    "page": "http://127.0.0.1:9/help",
                },
            }),
        )
        .await;
    assert_eq!(status, 200);
    (relay, api)
}

/// Types `address` into the email form and submits it.
async fn submit_address(browser: &Browser, address: &str) {
    let field = browser.widget_element(".confab-email-address").await;
    field.clear().await.unwrap();
    field.send_keys(address).await.unwrap();
    browser
        .widget_element(".confab-email-submit")
        .await
        .click()
        .await
        .unwrap();
}

/// The first text the widget shows at `selector`, once there is one.
async fn shown(browser: &Browser, selector: &str) -> String {
    eventually(20, || async {
        let texts = browser.widget_texts(selector).await;
        texts
            .first()
            .cloned()
            .ok_or_else(|| format!("nothing at {selector}"))
    })
    .await
}

#[tokio::test]
async fn the_visitor_leaves_an_address_confirms_it_and_can_stop() {
    let (relay, api) = email_relay().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser
        .send_in_widget("Is the blue tent back in stock?")
        .await;
    browser
        .wait_for_messages(&["Is the blue tent back in stock?"])
        .await;

    browser
        .widget_element(".confab-menu-button")
        .await
        .click()
        .await
        .unwrap();
    browser
        .widget_element(".confab-email-menu")
        .await
        .click()
        .await
        .unwrap();

    // An address the browser takes but the relay does not: said in the form.
    submit_address(&browser, "anna@localhost").await;
    assert_eq!(
        shown(&browser, ".confab-email .confab-failure").await,
        "That email address doesn't look right."
    );

    // A real one: the form closes and the panel says where the link went.
    let address = unique_address("anna");
    submit_address(&browser, &address).await;
    let pending = shown(&browser, ".confab-linked").await;
    assert!(
        pending.starts_with("Check your inbox") && pending.contains("@example.com"),
        "{pending}"
    );
    assert!(
        !pending.contains(address.split('@').next().unwrap()),
        "masked: {pending}"
    );
    assert!(browser.widget_texts(".confab-email").await.is_empty());
    browser.save_screenshot("widget-email-pending").await;

    // The link in the email the runtime sent confirms it; a new page says so.
    let sent = mailbox::wait_for(&address, 1).await;
    let link = sent[0]
        .link(&api.url("/v1/email/verify?"))
        .expect("a verification link");
    let status = reqwest::get(&link).await.unwrap().status().as_u16();
    assert_eq!(status, 200);
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    let verified = shown(&browser, ".confab-linked").await;
    assert!(
        verified.starts_with("Replies you haven't seen also go to"),
        "{verified}"
    );
    browser
        .widget_element(".confab-menu-button")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        browser.widget_texts(".confab-email-menu").await.is_empty(),
        "no second offer while an address is kept"
    );

    // "Stop": the address is gone, and the offer is back.
    browser
        .widget_element(".confab-email-stop")
        .await
        .click()
        .await
        .unwrap();
    eventually(20, || async {
        let linked = browser.widget_texts(".confab-linked").await;
        let offered = browser.widget_texts(".confab-email-menu").await;
        if linked.is_empty() && !offered.is_empty() {
            Ok(())
        } else {
            Err(format!("linked {linked:?}, offered {offered:?}"))
        }
    })
    .await;
}
