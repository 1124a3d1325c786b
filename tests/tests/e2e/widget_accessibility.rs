//! The widget for keyboard and screen-reader users: it opens from the keyboard, keeps focus
//! inside while open, closes with Esc and gives focus back, and axe-core (run in Chromium on
//! the open widget) reports no violations.

use confab_e2e::{Browser, Relay};
use fantoccini::key::Key;
use serde_json::Value;

/// What has focus inside the widget: the class of the shadow root's active element.
async fn focused(browser: &Browser) -> String {
    browser
        .eval(
            "const root = document.querySelector('confab-chat').shadowRoot;\
             const active = root.activeElement;\
             return active ? active.className : '';",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn press(browser: &Browser, keys: &str) {
    let element = browser.client.active_element().await.unwrap();
    element.send_keys(keys).await.unwrap();
}

#[tokio::test]
async fn the_widget_works_from_the_keyboard() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    // The app's own launcher (the loader's placeholder, which it replaces, has no
    // aria-expanded), so the element cannot go stale under the test.
    let launcher = browser
        .widget_element(".confab-launcher[aria-expanded]")
        .await;
    browser
        .eval("document.querySelector('confab-chat').shadowRoot.querySelector('.confab-launcher').focus();")
        .await;
    launcher
        .send_keys(&String::from(char::from(Key::Enter)))
        .await
        .unwrap();
    browser.widget_element(".confab-panel").await;
    confab_e2e::eventually(10, || async {
        match focused(&browser).await.as_str() {
            "confab-input" => Ok(()),
            other => Err(format!("focus is on {other:?}, not the composer")),
        }
    })
    .await;

    // Tab goes round the panel: composer → send → (wraps to the header) menu → close →
    // the thread (focusable, so that arrow keys scroll it) → the paper clip's file input
    // (visually hidden inside its drawn button) → composer.
    let tab = String::from(char::from(Key::Tab));
    let mut visited = Vec::new();
    for _ in 0..6 {
        press(&browser, &tab).await;
        visited.push(focused(&browser).await);
    }
    assert_eq!(
        visited,
        [
            "confab-send",
            "confab-menu-button",
            "confab-close",
            "confab-messages",
            "confab-visually-hidden",
            "confab-input"
        ]
    );
    let shift_tab = format!("{}{}", char::from(Key::Shift), char::from(Key::Tab));
    press(&browser, &shift_tab).await;
    assert_eq!(focused(&browser).await, "confab-visually-hidden");
    let attach_label = browser
        .eval(
            "return document.querySelector('confab-chat').shadowRoot.activeElement.getAttribute('aria-label');",
        )
        .await;
    assert_eq!(attach_label, Value::from("Attach files"));

    // Esc closes the panel and gives focus back to the launcher.
    press(&browser, &String::from(char::from(Key::Escape))).await;
    confab_e2e::eventually(10, || async {
        let panel_open = browser
            .eval("return !!document.querySelector('confab-chat').shadowRoot.querySelector('.confab-panel');")
            .await;
        let focus = focused(&browser).await;
        if panel_open == Value::Bool(false) && focus.contains("confab-launcher") {
            Ok(())
        } else {
            Err(format!("panel open: {panel_open}, focus on {focus:?}"))
        }
    })
    .await;
}

#[tokio::test]
async fn axe_finds_no_violations_in_the_open_widget() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser
        .send_in_widget("A message, so the thread is not empty")
        .await;
    browser
        .wait_for_messages(&["A message, so the thread is not empty"])
        .await;
    let violations = browser.axe_violations().await;
    assert_eq!(violations, Vec::<String>::new());
}
