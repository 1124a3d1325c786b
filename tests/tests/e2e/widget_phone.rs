//! The widget on a phone (390×844): full screen, 16 px inputs (no zoom on focus), the
//! composer above the keyboard, and the host page's scroll left alone. The keyboard is
//! simulated by shrinking the visual viewport, as a real one does; a screenshot of that state
//! goes to `target/e2e-artifacts/phone-keyboard.png`.

use confab_e2e::{eventually, repo_root, Browser, Relay};
use serde_json::json;

const WIDTH: u32 = 390;
const HEIGHT: u32 = 844;
/// What is left above a typical phone keyboard.
const ABOVE_KEYBOARD: u32 = 508;

async fn rect(browser: &Browser, selector: &str) -> (f64, f64, f64) {
    let value = browser
        .eval(&format!(
            "const r = document.querySelector('confab-chat').shadowRoot.querySelector({})\
               .getBoundingClientRect(); return [r.top, r.bottom, r.width];",
            json!(selector)
        ))
        .await;
    let numbers: Vec<f64> = serde_json::from_value(value).unwrap();
    (numbers[0], numbers[1], numbers[2])
}

#[tokio::test]
async fn on_a_phone_the_composer_stays_above_the_keyboard() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Hello from a phone 📱").await;
    browser.wait_for_messages(&["Hello from a phone 📱"]).await;

    let (top, bottom, width) = rect(&browser, ".confab-panel").await;
    assert_eq!(
        (top, bottom, width),
        (0.0, f64::from(HEIGHT), f64::from(WIDTH)),
        "full screen"
    );
    let font = browser
        .eval(
            "return getComputedStyle(document.querySelector('confab-chat').shadowRoot\
               .querySelector('.confab-input')).fontSize;",
        )
        .await;
    assert_eq!(font, "16px", "smaller inputs make phones zoom the page");

    // The keyboard opens: the visual viewport shrinks and says so.
    browser
        .eval(&format!(
            "Object.defineProperty(window.visualViewport, 'height', {{ get: () => {ABOVE_KEYBOARD} }});\
             window.visualViewport.dispatchEvent(new Event('resize'));"
        ))
        .await;
    eventually(10, || async {
        let (_, composer_bottom, _) = rect(&browser, ".confab-composer").await;
        if composer_bottom <= f64::from(ABOVE_KEYBOARD) {
            Ok(())
        } else {
            Err(format!(
                "the composer ends at {composer_bottom}, under the keyboard"
            ))
        }
    })
    .await;

    // The page itself still scrolls: the widget locks nothing.
    let page_overflow = browser
        .eval("return [getComputedStyle(document.documentElement).overflow, getComputedStyle(document.body).overflow];")
        .await;
    assert_eq!(page_overflow, json!(["visible", "visible"]));

    let png = browser.client.screenshot().await.unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (WIDTH, HEIGHT), "screenshot size");
    let folder = repo_root().join("target/e2e-artifacts");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("phone-keyboard.png");
    std::fs::write(&path, &png).unwrap();
    println!("screenshot: {}", path.display());
}
