//! The visitor's control over their conversation: a brand's privacy notice before the first
//! message, the transcript as a download, and deleting the conversation for good.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use serde_json::{json, Value};

async fn shadow_has(browser: &Browser, selector: &str) -> bool {
    browser
        .eval(&format!(
            "return !!document.querySelector('confab-chat').shadowRoot.querySelector({});",
            json!(selector)
        ))
        .await
        == Value::Bool(true)
}

#[tokio::test]
async fn a_brand_can_ask_for_consent_before_the_first_message() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/consent")).await.unwrap();
    browser.open_panel().await;
    let notice = browser.widget_element(".confab-consent").await;
    assert!(notice.text().await.unwrap().contains("180 days"));
    assert!(
        !shadow_has(&browser, ".confab-input").await,
        "no composer before consent"
    );
    let link = browser.widget_element(".confab-consent a").await;
    assert_eq!(
        link.attr("href").await.unwrap().as_deref(),
        Some("https://acme.example/privacy")
    );

    browser
        .widget_element(".confab-consent-accept")
        .await
        .click()
        .await
        .unwrap();
    browser.send_in_widget("Hello after consenting").await;
    browser.wait_for_messages(&["Hello after consenting"]).await;
    browser.client.refresh().await.unwrap();
    browser.wait_for_messages(&["Hello after consenting"]).await;
    assert!(!shadow_has(&browser, ".confab-consent").await, "asked once");
}

#[tokio::test]
async fn the_visitor_downloads_the_transcript_and_deletes_the_conversation() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser
        .send_in_widget("Please keep a copy <b>for me</b>")
        .await;
    browser
        .wait_for_messages(&["Please keep a copy <b>for me</b>"])
        .await;
    let session = widget_session(&browser, &api, "demo").await;

    // Downloads are caught where the widget clicks its link, and read back.
    browser
        .eval(
            "window.downloads = [];\
             HTMLAnchorElement.prototype.click = function () {\
               const name = this.download;\
               fetch(this.href).then(r => r.text()).then(text => window.downloads.push([name, text]));\
             };",
        )
        .await;
    browser.pick_from_menu(".confab-download").await;
    let download = eventually(10, || async {
        let downloads: Vec<(String, String)> =
            serde_json::from_value(browser.eval("return window.downloads;").await)
                .unwrap_or_default();
        downloads
            .into_iter()
            .next()
            .ok_or_else(|| "no download yet".to_string())
    })
    .await;
    assert_eq!(download.0, "conversation.txt");
    assert!(
        download.1.starts_with("Conversation with Acme Outdoor"),
        "{}",
        download.1
    );
    assert!(
        download.1.contains("Please keep a copy <b>for me</b>"),
        "{}",
        download.1
    );

    // Delete, after the visitor confirms.
    browser.eval("window.confirm = () => true;").await;
    browser.pick_from_menu(".confab-delete").await;
    eventually(20, || async {
        match api.thread_status(&session).await {
            410 => Ok(()),
            other => Err(format!("the thread still answers {other}")),
        }
    })
    .await;
    browser.wait_for_messages(&[]).await;
    // The widget starts over on a new, empty thread of its own (a new stored token).
    let fresh = eventually(20, || async {
        let token = browser
            .eval("return localStorage.getItem('confab:demo:token');")
            .await;
        match token.as_str() {
            Some(token) if token != session.token.as_str() => {
                Ok(widget_session(&browser, &api, "demo").await)
            }
            _ => Err("the widget has no new token yet".to_string()),
        }
    })
    .await;
    assert_ne!(fresh.thread_id, session.thread_id);
    assert!(api.history(&fresh).await.is_empty());
}
