//! The brand console (`/console/`) in Chromium: the page's elements found by CSS (no shadow
//! root, unlike the widget's), axe-core over the whole page, and the widget inside the
//! install page's preview frame. Members and their sign-in links come from
//! [`crate::console`]'s `Api::member_link`.

use crate::{eventually, Browser};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::{json, Value};

/// The first element matching `selector`, once there is one.
pub async fn element(browser: &Browser, selector: &str) -> Element {
    eventually(30, || async {
        browser
            .client
            .find(Locator::Css(selector))
            .await
            .map_err(|_| format!("no {selector} on the page"))
    })
    .await
}

/// The texts of every element matching `selector`.
pub async fn texts(browser: &Browser, selector: &str) -> Vec<String> {
    let value = browser
        .eval(&format!(
            "return [...document.querySelectorAll({})].map(el => el.textContent.trim());",
            json!(selector)
        ))
        .await;
    serde_json::from_value(value).unwrap_or_default()
}

/// Waits until an element matching `selector` contains `text`.
pub async fn wait_for_text(browser: &Browser, selector: &str, text: &str) {
    eventually(30, || async {
        let shown = texts(browser, selector).await;
        match shown.iter().any(|shown| shown.contains(text)) {
            true => Ok(()),
            false => Err(format!("{selector} shows {shown:?}, without {text:?}")),
        }
    })
    .await
}

/// The page's hash.
pub async fn hash(browser: &Browser) -> String {
    let value = browser.eval("return location.hash;").await;
    value.as_str().unwrap_or_default().to_string()
}

/// Opens a sign-in link and waits for the inbox.
pub async fn sign_in(browser: &Browser, link: &str) {
    browser.client.goto(link).await.unwrap();
    element(browser, "#inbox-title").await;
}

/// What axe-core reports about the whole page: each violation's rule and the elements it
/// names.
pub async fn axe_page(browser: &Browser) -> Vec<String> {
    let loaded = browser.eval("return typeof axe !== 'undefined';").await;
    if loaded != Value::Bool(true) {
        let axe =
            std::fs::read_to_string(crate::repo_root().join("node_modules/axe-core/axe.min.js"))
                .expect("axe-core is installed by `cargo xtask test`");
        browser.eval(&format!("{axe}\nreturn true;")).await;
    }
    // The preview frame holds the widget, which its own tests check.
    let violations = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run({ exclude: [['iframe']] }).then(\
               result => done(result.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))),\
               error => done(['axe failed: ' + error]));",
            Vec::new(),
        )
        .await
        .expect("axe runs");
    serde_json::from_value(violations).expect("axe's violations")
}

/// Presses `keys` where the focus is.
pub async fn press(browser: &Browser, keys: &str) {
    let focused = browser.client.active_element().await.unwrap();
    focused.send_keys(keys).await.unwrap();
}

/// Presses Tab until `matches` (a JavaScript expression over `el`, the focused element)
/// holds, at most `limit` times; fails if it never does.
pub async fn tab_to(browser: &Browser, matches: &str, limit: usize) {
    let tab = String::from(char::from(Key::Tab));
    let script = format!("const el = document.activeElement; return !!(el && ({matches}));");
    for _ in 0..limit {
        if browser.eval(&script).await == Value::Bool(true) {
            return;
        }
        press(browser, &tab).await;
    }
    panic!("Tab never reached {matches}");
}

/// Evaluates `expression` over the widget's shadow root inside the install page's preview
/// frame (`root`), `null` until that widget is there.
pub async fn in_preview(browser: &Browser, expression: &str) -> Value {
    browser
        .eval(&format!(
            "const frame = document.querySelector('iframe.phone');\
             const host = frame && frame.contentDocument && frame.contentDocument.querySelector('confab-chat');\
             const root = host && host.shadowRoot;\
             if (!root) return null;\
             return {expression};"
        ))
        .await
}
