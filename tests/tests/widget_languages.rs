//! The widget speaks the visitor's language (English or Simplified Chinese) and mirrors its
//! layout on right-to-left pages.

use confab_e2e::{Browser, Relay};
use serde_json::{json, Value};

/// Evaluates `expression` on the element matching `selector` in the widget's shadow root.
async fn widget_eval(browser: &Browser, selector: &str, expression: &str) -> Value {
    browser.widget_element(selector).await;
    browser
        .eval(&format!(
            "const el = document.querySelector('confab-chat').shadowRoot.querySelector({});\
             return {expression};",
            json!(selector)
        ))
        .await
}

#[tokio::test]
async fn a_chinese_page_gets_a_chinese_widget() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/zh")).await.unwrap();
    browser
        .widget_element(".confab-launcher")
        .await
        .click()
        .await
        .unwrap();
    let placeholder = widget_eval(&browser, ".confab-input", "el.placeholder").await;
    assert_eq!(placeholder, "输入消息…");
    let lang = widget_eval(&browser, ".confab", "el.getAttribute('lang')").await;
    assert_eq!(lang, "zh-Hans");
    browser.send_in_widget("蓝色帐篷有货吗?").await;
    browser.wait_for_messages(&["蓝色帐篷有货吗?"]).await;
}

#[tokio::test]
async fn a_right_to_left_page_gets_a_mirrored_widget() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/rtl")).await.unwrap();
    browser
        .widget_element(".confab-launcher")
        .await
        .click()
        .await
        .unwrap();
    let direction = widget_eval(&browser, ".confab-panel", "getComputedStyle(el).direction").await;
    assert_eq!(direction, "rtl");
    // The launcher sits at the inline end of a right-to-left page: its left side.
    let left_half = widget_eval(
        &browser,
        ".confab-launcher",
        "el.getBoundingClientRect().right < window.innerWidth / 2",
    )
    .await;
    assert_eq!(left_half, Value::Bool(true));
}
