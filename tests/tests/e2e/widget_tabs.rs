//! Several tabs of one browser, in real headless Chromium against the real relay: one tab
//! leads and holds the only socket, the others hear everything through it, and when the
//! leader closes another tab takes over.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::Session;
use fantoccini::wd::WindowHandle;

/// The unread count on the launcher's badge (0 without a badge).
async fn badge(browser: &Browser) -> u32 {
    browser
        .widget_texts(".confab-badge")
        .await
        .first()
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

/// Waits until the current tab's launcher shows `expected` unread messages.
async fn wait_for_badge(browser: &Browser, expected: u32) {
    eventually(20, || async {
        let shown = badge(browser).await;
        if shown == expected {
            Ok(())
        } else {
            Err(format!("the badge shows {shown}, expected {expected}"))
        }
    })
    .await
}

/// Opens a second tab on `url` and switches to it.
/// A first tab that wrote `text` and leads, and a second tab (on another page, now the
/// current one) that follows and shows it: the relay, the thread, and both tabs' handles.
async fn two_tabs(text: &str) -> (Relay, Api, Browser, Session, WindowHandle, WindowHandle) {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget(text).await;
    browser.wait_for_messages(&[text]).await;
    browser.wait_for_role("leader").await;
    let session = widget_session(&browser, &api, "demo").await;
    let first = browser.client.window().await.unwrap();
    let second = browser.open_tab(&relay.url("/pricing")).await;
    browser.wait_for_role("follower").await;
    browser.open_panel().await;
    browser.wait_for_messages(&[text]).await;
    (relay, api, browser, session, first, second)
}

#[tokio::test]
async fn tabs_share_one_socket_and_show_the_same_thread_and_unread_count() {
    // A second tab, on another page: the same thread, without a socket of its own.
    let (_relay, api, browser, session, first, second) = two_tabs("from the first tab").await;
    assert_eq!(
        widget_session(&browser, &api, "demo").await.thread_id,
        session.thread_id,
        "one thread per browser"
    );
    browser.send_in_widget("from the second tab").await;
    browser
        .wait_for_messages(&["from the first tab", "from the second tab"])
        .await;

    // The team's answer reaches the follower tab through the leader's socket.
    let key = api.agent_key("demo").await;
    let (status, _) = api
        .agent_send(&key, &session.thread_id, "agent-1", "Hello, both tabs")
        .await;
    assert_eq!(status, 201);
    let all = [
        "from the first tab",
        "from the second tab",
        "Hello, both tabs",
    ];
    browser.wait_for_messages(&all).await;
    browser
        .client
        .switch_to_window(first.clone())
        .await
        .unwrap();
    browser.wait_for_messages(&all).await;

    // With both panels closed an answer counts as unread in both tabs...
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    browser.client.switch_to_window(second).await.unwrap();
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    let (status, _) = api
        .agent_send(&key, &session.thread_id, "agent-2", "Anything else?")
        .await;
    assert_eq!(status, 201);
    wait_for_badge(&browser, 1).await;
    browser.client.switch_to_window(first).await.unwrap();
    wait_for_badge(&browser, 1).await;
    // ...and reading it in one tab clears it in the other.
    browser.open_panel().await;
    wait_for_badge(&browser, 0).await;
    browser.client.close_window().await.unwrap();
    let tabs = browser.client.windows().await.unwrap();
    browser
        .client
        .switch_to_window(tabs[0].clone())
        .await
        .unwrap();
    wait_for_badge(&browser, 0).await;
}

#[tokio::test]
async fn when_the_leader_tab_closes_another_tab_takes_the_socket() {
    let (_relay, api, browser, session, leader, follower) =
        two_tabs("before the leader left").await;

    // The leader tab closes; the follower takes the lock and opens its own socket.
    browser.client.switch_to_window(leader).await.unwrap();
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(follower).await.unwrap();
    browser.wait_for_role("leader").await;
    let key = api.agent_key("demo").await;
    let (status, _) = api
        .agent_send(&key, &session.thread_id, "agent-1", "Still here?")
        .await;
    assert_eq!(status, 201);
    browser
        .wait_for_messages(&["before the leader left", "Still here?"])
        .await;
    browser.send_in_widget("yes").await;
    browser
        .wait_for_messages(&["before the leader left", "Still here?", "yes"])
        .await;
    assert_eq!(
        api.history_texts(&session).await,
        ["before the leader left", "Still here?", "yes"]
    );
}
