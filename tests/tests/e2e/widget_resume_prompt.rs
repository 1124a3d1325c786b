//! A resume link (`?confab-resume=LINK-…`, from "Continue on another device") never takes
//! over a browser's conversation unasked: someone else's link would make the visitor write
//! into a thread its sender reads. When the browser already has a conversation with
//! messages, the widget names both and asks; only "switch" spends the code. A browser with
//! no conversation, or an empty one, follows the link at once.
//!
//! Screenshots of the prompt go to `target/e2e-artifacts/resume-prompt-*.png`.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::{Link, Session};
use serde_json::{json, Value};

/// What the link's thread holds (its sender's side).
const THEIRS: &str = "Hi, this is the conversation the link comes from";
/// What the visitor wrote in their own browser before the link arrived.
const MINE: &str = "Do you have the blue tent in stock? I need it by Friday";

/// A device link to `session`'s thread that opens `page`.
async fn device_link(api: &Api, session: &Session, page: &str) -> Link {
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/links", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "purpose": "device", "page": page }))
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), 201, "a device link");
    response.json().await.expect("a link")
}

/// A thread with one message from its visitor, as the link's sender would have it.
async fn senders_thread(api: &Api) -> Session {
    let session = api.session().await;
    let (status, _) = api.send(&session, "theirs-1", THEIRS).await;
    assert_eq!(status, 201);
    session
}

/// The prompt's text, once it shows.
async fn prompt_text(browser: &Browser) -> String {
    browser
        .widget_element(".confab-resume")
        .await
        .text()
        .await
        .expect("the prompt's text")
}

/// Whether the widget shows the prompt now.
async fn prompt_shown(browser: &Browser) -> bool {
    browser
        .eval(
            "const host = document.querySelector('confab-chat');\
             return !!(host && host.shadowRoot && host.shadowRoot.querySelector('.confab-resume'));",
        )
        .await
        == Value::Bool(true)
}

/// Waits until focus is on the widget element matching `selector`.
async fn wait_for_focus(browser: &Browser, selector: &str) {
    eventually(10, || async {
        let focused = browser
            .eval(&format!(
                "const root = document.querySelector('confab-chat').shadowRoot;\
                 const el = root.querySelector({});\
                 return [!!el && root.activeElement === el,\
                   root.activeElement ? root.activeElement.className : null];",
                json!(selector)
            ))
            .await;
        if focused[0] == Value::Bool(true) {
            Ok(())
        } else {
            Err(format!("focus is on {}, not {selector}", focused[1]))
        }
    })
    .await
}

/// Presses Enter on the widget's button matching `selector`.
async fn press(browser: &Browser, selector: &str) {
    browser
        .widget_element(selector)
        .await
        .send_keys(&String::from(char::from(fantoccini::key::Key::Enter)))
        .await
        .expect("Enter pressed");
}

/// Asserts that `text` holds every one of `expected`.
fn assert_says(text: &str, expected: &[&str]) {
    for part in expected {
        assert!(text.contains(part), "{part:?} is missing from {text:?}");
    }
}

#[tokio::test]
async fn a_resume_link_asks_before_it_replaces_a_conversation_with_messages() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let sender = senders_thread(&api).await;
    let visitor = Browser::start().await;
    visitor.client.goto(&relay.url("/")).await.unwrap();
    visitor.send_in_widget(MINE).await;
    visitor.wait_for_messages(&[MINE]).await;
    let own = widget_session(&visitor, &api, "demo").await;

    // Round one: the link opens in the visitor's browser; the widget opens and asks.
    let link = device_link(&api, &sender, &relay.url("/")).await;
    visitor.client.goto(&link.url).await.unwrap();
    let text = prompt_text(&visitor).await;
    assert_says(
        &text,
        &[
            "This link opens another conversation",
            "Your conversation here",
            "1 message, last:",
            "Do you have the blue tent",
            "The conversation from the link",
            "Keep my conversation",
            "Switch to the linked conversation",
        ],
    );
    assert!(!text.contains(THEIRS), "the link's thread is not shown");
    let role = visitor
        .widget_eval(".confab-resume", "el.getAttribute('role')")
        .await;
    assert_eq!(role, "alertdialog");
    wait_for_focus(&visitor, ".confab-resume-keep").await;
    let address = visitor.eval("return location.href;").await;
    assert!(
        !address
            .as_str()
            .unwrap_or_default()
            .contains("confab-resume"),
        "the code leaves the address bar: {address}"
    );
    visitor.save_screenshot("resume-prompt-desktop").await;
    assert_eq!(visitor.axe_violations().await, Vec::<String>::new());

    // "Keep", from the keyboard: the visitor's own conversation stays.
    press(&visitor, ".confab-resume-keep").await;
    visitor.wait_for_messages(&[MINE]).await;
    assert!(!prompt_shown(&visitor).await, "the prompt is gone");
    visitor.send_in_widget("Still here, thanks").await;
    visitor
        .wait_for_messages(&[MINE, "Still here, thanks"])
        .await;
    assert_eq!(
        widget_session(&visitor, &api, "demo").await.thread_id,
        own.thread_id
    );
    assert_eq!(
        api.history_texts(&sender).await,
        [THEIRS],
        "nothing went to the link's thread"
    );
    // Kept, the code was never spent: it still opens the link's thread elsewhere.
    let (status, body) = api
        .post_session(json!({ "brand": "demo", "link": link.code }))
        .await;
    assert_eq!(
        (status, body["threadId"].as_str()),
        (200, Some(sender.thread_id.as_str())),
        "{body}"
    );

    // Round two, on a phone: the visitor switches to the link's conversation.
    visitor
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await;
    let link = device_link(&api, &sender, &relay.url("/")).await;
    visitor.client.goto(&link.url).await.unwrap();
    assert_says(
        &prompt_text(&visitor).await,
        &["2 messages, last:", "Still here, thanks"],
    );
    wait_for_focus(&visitor, ".confab-resume-keep").await;
    visitor.save_screenshot("resume-prompt-phone").await;
    visitor
        .widget_element(".confab-resume-switch")
        .await
        .click()
        .await
        .unwrap();
    visitor.wait_for_messages(&[THEIRS]).await;
    assert!(!prompt_shown(&visitor).await, "the prompt is gone");
    assert_eq!(
        widget_session(&visitor, &api, "demo").await.thread_id,
        sender.thread_id
    );
    // The switch is kept: the next page is on the link's conversation too.
    visitor.client.refresh().await.unwrap();
    visitor.open_panel().await;
    visitor.wait_for_messages(&[THEIRS]).await;
    assert!(!prompt_shown(&visitor).await, "asked once");
}

#[tokio::test]
async fn the_prompt_speaks_chinese_on_a_chinese_page() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let sender = senders_thread(&api).await;
    let visitor = Browser::start().await;
    visitor.client.goto(&relay.url("/zh")).await.unwrap();
    visitor.send_in_widget("蓝色帐篷有货吗?周五之前需要").await;
    visitor
        .wait_for_messages(&["蓝色帐篷有货吗?周五之前需要"])
        .await;

    let link = device_link(&api, &sender, &relay.url("/zh")).await;
    visitor.client.goto(&link.url).await.unwrap();
    assert_says(
        &prompt_text(&visitor).await,
        &[
            "此链接会打开另一段对话",
            "你在这里的对话",
            "1 条消息，最后一条：",
            "蓝色帐篷有货吗",
            "链接中的对话",
            "保留我的对话",
            "切换到链接中的对话",
        ],
    );
    wait_for_focus(&visitor, ".confab-resume-keep").await;
    visitor.save_screenshot("resume-prompt-zh").await;
    press(&visitor, ".confab-resume-keep").await;
    visitor
        .wait_for_messages(&["蓝色帐篷有货吗?周五之前需要"])
        .await;
    assert!(!prompt_shown(&visitor).await, "the prompt is gone");
}

#[tokio::test]
async fn a_browser_without_a_conversation_follows_the_link_at_once() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let sender = senders_thread(&api).await;

    // A browser that never chatted here.
    let fresh = Browser::start().await;
    let link = device_link(&api, &sender, &relay.url("/")).await;
    fresh.client.goto(&link.url).await.unwrap();
    fresh.open_panel().await;
    fresh.wait_for_messages(&[THEIRS]).await;
    assert!(!prompt_shown(&fresh).await, "nothing to ask");
    assert_eq!(
        widget_session(&fresh, &api, "demo").await.thread_id,
        sender.thread_id
    );

    // A browser whose conversation is still empty (the widget started one, nobody wrote).
    let empty = Browser::start().await;
    empty.client.goto(&relay.url("/")).await.unwrap();
    eventually(20, || async {
        empty
            .stored_token("demo")
            .await
            .ok_or_else(|| "no session yet".to_string())
    })
    .await;
    let link = device_link(&api, &sender, &relay.url("/")).await;
    empty.client.goto(&link.url).await.unwrap();
    empty.open_panel().await;
    empty.wait_for_messages(&[THEIRS]).await;
    assert!(!prompt_shown(&empty).await, "nothing to ask");
    assert_eq!(
        widget_session(&empty, &api, "demo").await.thread_id,
        sender.thread_id
    );
}
