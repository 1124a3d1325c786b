//! The widget speaks the visitor's language (English or Simplified Chinese) and mirrors its
//! layout on right-to-left pages.

use confab_e2e::{Browser, Relay};
use serde_json::Value;

#[tokio::test]
async fn a_chinese_page_gets_a_chinese_widget() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/zh")).await.unwrap();
    browser.open_panel().await;
    let placeholder = browser.widget_eval(".confab-input", "el.placeholder").await;
    assert_eq!(placeholder, "输入消息…");
    let lang = browser
        .widget_eval(".confab", "el.getAttribute('lang')")
        .await;
    assert_eq!(lang, "zh-Hans");
    browser.send_in_widget("蓝色帐篷有货吗?").await;
    browser.wait_for_messages(&["蓝色帐篷有货吗?"]).await;
}

#[tokio::test]
async fn a_right_to_left_page_gets_a_mirrored_widget() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/rtl")).await.unwrap();
    browser.open_panel().await;
    let direction = browser
        .widget_eval(".confab-panel", "getComputedStyle(el).direction")
        .await;
    assert_eq!(direction, "rtl");
    // The launcher sits at the inline end of a right-to-left page: its left side.
    let left_half = browser
        .widget_eval(
            ".confab-launcher",
            "el.getBoundingClientRect().right < window.innerWidth / 2",
        )
        .await;
    assert_eq!(left_half, Value::Bool(true));
}
