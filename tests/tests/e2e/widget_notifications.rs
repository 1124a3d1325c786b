//! A visitor in another tab hears about answers: the widget's tab title shows
//! "(1) New message" while it is hidden, and the page's own title comes back after.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};

#[tokio::test]
async fn the_tab_title_counts_answers_while_the_visitor_is_elsewhere() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Any news?").await;
    browser.wait_for_messages(&["Any news?"]).await;
    let original = browser.eval("return document.title;").await;
    // Every title the page shows is recorded, to be read once the tab is back.
    browser
        .eval(
            "window.titles = [];\
             new MutationObserver(() => window.titles.push(document.title))\
               .observe(document.querySelector('title'), { childList: true, subtree: true, characterData: true });",
        )
        .await;
    let session = widget_session(&browser, &api, "demo").await;

    // The visitor closes the chat and goes to another tab of the site: this one is hidden.
    // (With the chat open there, that tab would show the answer, and a visitor who saw it
    // rightly gets no count here: which tab has it first is a race.)
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    let widget_tab = browser.client.window().await.unwrap();
    let other_tab = browser.client.new_window(true).await.unwrap();
    browser
        .client
        .switch_to_window(other_tab.handle)
        .await
        .unwrap();
    browser.client.goto(&relay.url("/pricing")).await.unwrap();

    let key = api.agent_key("demo").await;
    api.agent_send(
        &key,
        &session.thread_id,
        "agent-1",
        "Yes: it shipped today.",
    )
    .await;
    // The answer has reached the browser once the widget keeps it in the site's storage
    // (whichever tab had it first). Switching back before would let a slow delivery arrive
    // to a visible tab, which rightly counts nothing.
    eventually(20, || async {
        let kept = browser
            .eval("return localStorage.getItem('confab:demo:messages') || '';")
            .await;
        match kept
            .as_str()
            .is_some_and(|kept| kept.contains("Yes: it shipped today."))
        {
            true => Ok(()),
            false => Err("the answer is not kept yet".to_string()),
        }
    })
    .await;

    // Back to the widget's tab: the title had counted the answer, and is the page's again.
    browser.client.close_window().await.unwrap();
    browser.client.switch_to_window(widget_tab).await.unwrap();
    let expected = format!("(1) New message — {}", original.as_str().unwrap());
    eventually(20, || async {
        let titles: Vec<String> =
            serde_json::from_value(browser.eval("return window.titles;").await).unwrap_or_default();
        let current = browser.eval("return document.title;").await;
        if titles.contains(&expected) && current == original {
            Ok(())
        } else {
            Err(format!("titles {titles:?}, now {current}"))
        }
    })
    .await;
}
