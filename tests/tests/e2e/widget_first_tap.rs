//! The first tap is never lost: on a slow phone (390×844 touch, 150 ms round trips at about
//! 1.6 Mbps, a CPU four times slower, all through the DevTools protocol) one tap on the
//! launcher as soon as it shows — while the app is still loading — opens the panel with the
//! composer ready for typing, with no second tap.

use confab_e2e::page::tap_launcher;
use confab_e2e::{Browser, Relay};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn one_tap_while_the_app_loads_opens_the_panel_on_a_slow_phone() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.emulate_phone(true).await;
    let tap = tap_launcher(&browser, &relay.url("/"), false, Duration::from_secs(30)).await;
    assert!(
        !tap.app_loaded,
        "the tap should come while the app is still loading, to test what it must test"
    );
    let ms = tap
        .tap_to_ready_ms
        .expect("one tap while the app loads opened no panel with a focused composer in 30 s");
    println!("tap to a composer ready for typing: {ms:.0} ms");

    // Ready for typing: what the keyboard types goes into the composer.
    browser
        .cdp("Input.insertText", json!({ "text": "Hello" }))
        .await;
    let typed = browser.widget_eval(".confab-input", "el.value").await;
    assert_eq!(
        typed, "Hello",
        "typing after one tap goes into the composer"
    );
}
