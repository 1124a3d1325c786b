//! The widget under a strict Content-Security-Policy (no inline script or style, only the
//! page's own origin): it loads, sends and receives, and the page records no violation.

use confab_e2e::{Browser, Relay};
use serde_json::Value;

#[tokio::test]
async fn the_widget_works_under_a_strict_csp() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/csp")).await.unwrap();

    // The policy is really in force: an inline script added to the page does not run.
    // (WebDriver's own scripts go through DevTools, which the policy does not cover.)
    let inline_ran = browser
        .eval(
            "const script = document.createElement('script');\
             script.textContent = 'window.inlineRan = true';\
             document.head.append(script);\
             return window.inlineRan === true;",
        )
        .await;
    assert_eq!(
        inline_ran,
        Value::Bool(false),
        "the CSP header is not applied"
    );

    browser.send_in_widget("Sent from a strict-CSP page").await;
    browser
        .wait_for_messages(&["Sent from a strict-CSP page"])
        .await;
    let violations = browser.eval("return window.cspViolations;").await;
    // The inline probe above is the only violation; the widget caused none.
    let violations: Vec<String> = serde_json::from_value(violations).unwrap();
    assert_eq!(violations, vec!["script-src-elem inline".to_string()]);
}
