//! How the thread reads: delivery ticks on the visitor's messages, a "new messages" divider
//! before what arrived while the panel was closed, and read receipts sent to the relay when
//! the visitor opens the panel.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::DeliveryStatus;

#[tokio::test]
async fn ticks_divider_and_read_receipts() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Do you ship to Shanghai?").await;
    browser
        .wait_for_messages(&["Do you ship to Shanghai?"])
        .await;
    assert_eq!(
        browser
            .widget_texts(".confab-status .confab-visually-hidden")
            .await,
        ["Sent"]
    );
    assert_eq!(browser.widget_texts(".confab-day").await, ["Today"]);

    // The visitor closes the panel; the team answers.
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    let session = widget_session(&browser, &api, "demo").await;
    let key = api.agent_key("demo").await;
    api.agent_send(&key, &session.thread_id, "agent-1", "Yes, in 3 days.")
        .await;
    browser.widget_element(".confab-badge").await;
    let status_of_answer = || async {
        api.history(&session)
            .await
            .into_iter()
            .find(|message| message.text == "Yes, in 3 days.")
            .map(|message| message.status)
    };
    assert_eq!(
        status_of_answer().await,
        Some(DeliveryStatus::Sent),
        "unread while closed"
    );

    // Opening shows the divider before the answer and tells the relay it was read.
    browser.open_panel().await;
    browser
        .wait_for_messages(&["Do you ship to Shanghai?", "Yes, in 3 days."])
        .await;
    assert_eq!(
        browser.widget_texts(".confab-divider").await,
        ["New messages"]
    );
    let order = browser.widget_texts(".confab-messages > li").await;
    let divider = order
        .iter()
        .position(|text| text == "New messages")
        .unwrap();
    assert!(
        order[divider + 1].starts_with("Yes, in 3 days."),
        "{order:?}"
    );
    eventually(20, || async {
        match status_of_answer().await {
            Some(DeliveryStatus::Read) => Ok(()),
            other => Err(format!("the answer is {other:?}, not read")),
        }
    })
    .await;
}

#[tokio::test]
async fn the_reading_position_is_kept_across_pages() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("first").await;
    browser.wait_for_messages(&["first"]).await;
    // A long answer history, so the list scrolls.
    let session = widget_session(&browser, &api, "demo").await;
    let key = api.agent_key("demo").await;
    let mut expected = vec!["first".to_string()];
    for i in 0..25 {
        let text = format!("Answer line {i}");
        api.agent_send(&key, &session.thread_id, &format!("agent-{i}"), &text)
            .await;
        expected.push(text);
    }
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    browser.wait_for_messages(&expected).await;

    // The visitor scrolls up to read, then goes to another page. What they read is the
    // message at the top of the list and how far down the list it stands: the same after
    // the page changes, even if something (the brand's greeting) is shown above it later.
    let reading = "(() => { const top = el.getBoundingClientRect().top; \
         const m = [...el.querySelectorAll('.confab-message')] \
           .find(m => m.getBoundingClientRect().bottom > top + 1); \
         return [m.querySelector('.confab-text').textContent, \
           Math.round(m.getBoundingClientRect().top - top)]; })()";
    browser
        .widget_eval(
            ".confab-messages",
            "(el.scrollTop = 400, el.dispatchEvent(new Event('scroll')), el.scrollTop)",
        )
        .await;
    let before = browser.widget_eval(".confab-messages", reading).await;
    assert!(
        before[0].as_str().is_some_and(|text| text != "first"),
        "{before}"
    );
    browser.client.goto(&relay.url("/pricing")).await.unwrap();
    browser.wait_for_messages(&expected).await;
    eventually(10, || async {
        let after = browser.widget_eval(".confab-messages", reading).await;
        let same_message = after[0] == before[0];
        let offset = |seen: &serde_json::Value| seen[1].as_f64().unwrap_or(f64::NAN);
        if same_message && (offset(&after) - offset(&before)).abs() <= 2.0 {
            Ok(())
        } else {
            Err(format!(
                "the list shows {after}, not where the visitor left it ({before})"
            ))
        }
    })
    .await;
}
