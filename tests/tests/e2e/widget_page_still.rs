//! A page that stays still: on a 390×844 touch phone, with the chat open full screen over a
//! long host page scrolled to its middle, swipes (real touch events through the DevTools
//! protocol) up and down on the header, the message list (at its top, in its middle, at its
//! bottom), the composer and around it leave the page's `scrollY` where it was; the list
//! itself still scrolls; the host page's styles are not touched; and after closing the chat
//! the page is exactly where it was.

use confab_e2e::api::Api;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use std::time::Duration;

async fn scroll_y(browser: &Browser) -> f64 {
    browser
        .eval("return window.scrollY;")
        .await
        .as_f64()
        .unwrap()
}

/// Where the list is: `[scrollTop, scrollHeight - clientHeight]`.
async fn list_scroll(browser: &Browser) -> (f64, f64) {
    let value = browser
        .widget_eval(
            ".confab-messages",
            "[el.scrollTop, el.scrollHeight - el.clientHeight]",
        )
        .await;
    let numbers: Vec<f64> = serde_json::from_value(value).unwrap();
    (numbers[0], numbers[1])
}

async fn set_list_scroll(browser: &Browser, expression: &str) {
    browser
        .widget_eval(
            ".confab-messages",
            &format!("(el.scrollTop = {expression}, el.scrollTop)"),
        )
        .await;
}

/// The middle of the widget element `selector`, offset by `dy` (a point "around" it).
async fn point(browser: &Browser, selector: &str, dx: f64, dy: f64) -> (f64, f64) {
    let [x, y, width, height] = browser
        .widget_rect(selector)
        .await
        .unwrap_or_else(|| panic!("no {selector} on screen"));
    (x + width / 2.0 + dx, y + height / 2.0 + dy)
}

/// Swipes 200 px up (finger up: content would scroll down) or down from `at`, then lets any
/// fling settle.
async fn swipe(browser: &Browser, at: (f64, f64), up: bool) {
    let distance = if up { -200.0 } else { 200.0 };
    let to = (at.0, (at.1 + distance).clamp(1.0, 843.0));
    browser.swipe(at, to, 8).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
}

#[tokio::test]
async fn swipes_on_the_open_chat_leave_the_page_where_it_was() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let browser = Browser::start().await;
    browser.emulate_phone(false).await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    // A long page, scrolled to its middle.
    browser
        .eval(
            "const tall = document.createElement('div');\
             tall.style.height = '6000px';\
             tall.textContent = 'A long page';\
             document.querySelector('main').append(tall);\
             window.scrollTo(0, 3000);",
        )
        .await;
    let styles_before = browser
        .eval("return [document.documentElement.getAttribute('style'), document.body.getAttribute('style'), getComputedStyle(document.body).overflow, getComputedStyle(document.documentElement).overflow];")
        .await;
    browser.open_panel().await;
    browser.widget_element(".confab-panel .confab-input").await;

    // Enough answers from the team for the list to scroll.
    eventually(20, || async {
        match browser.stored_token("demo").await {
            Some(_) => Ok(()),
            None => Err("no token yet".to_string()),
        }
    })
    .await;
    let session = widget_session(&browser, &api, "demo").await;
    let key = api.agent_key("demo").await;
    for n in 0..14 {
        let text = format!("Answer {n}\nwith a second line\nand a third one");
        let (status, _) = api
            .agent_send(&key, &session.thread_id, &format!("answer-{n}"), &text)
            .await;
        assert_eq!(status, 201, "the team's answer {n}");
    }
    eventually(20, || async {
        let shown = browser.shown_messages().await.len();
        if shown == 14 {
            Ok(())
        } else {
            Err(format!("{shown} of 14 answers shown"))
        }
    })
    .await;
    let (_, end) = list_scroll(&browser).await;
    assert!(end > 400.0, "the list scrolls ({end} px)");

    let page_y = scroll_y(&browser).await;
    assert!(
        page_y > 1000.0,
        "the page is scrolled to its middle: {page_y}"
    );
    let still = |what: &str, y: f64| {
        assert_eq!(
            y, page_y,
            "a swipe {what} moved the host page from {page_y} to {y}"
        );
    };

    // The header, both ways.
    for up in [true, false] {
        let at = point(&browser, ".confab-header", -60.0, 0.0).await;
        swipe(&browser, at, up).await;
        still(
            &format!("on the header (up: {up})"),
            scroll_y(&browser).await,
        );
    }

    // The list at its top, swiped down (nothing more above), and up (it scrolls).
    set_list_scroll(&browser, "0").await;
    let middle = point(&browser, ".confab-messages", 0.0, 0.0).await;
    swipe(&browser, middle, false).await;
    still("down on the list at its top", scroll_y(&browser).await);
    swipe(&browser, middle, true).await;
    still("up on the list at its top", scroll_y(&browser).await);
    assert!(
        list_scroll(&browser).await.0 > 0.0,
        "a swipe up on the list scrolls the list"
    );

    // In its middle, both ways.
    set_list_scroll(&browser, "(el.scrollHeight - el.clientHeight) / 2").await;
    for up in [true, false] {
        swipe(&browser, middle, up).await;
        still(
            &format!("on the list in its middle (up: {up})"),
            scroll_y(&browser).await,
        );
    }

    // At its bottom, swiped up (nothing more below), and down.
    set_list_scroll(&browser, "el.scrollHeight").await;
    swipe(&browser, middle, true).await;
    still("up on the list at its bottom", scroll_y(&browser).await);
    swipe(&browser, middle, false).await;
    still("down on the list at its bottom", scroll_y(&browser).await);

    // The composer: the text box, the send button, and around them.
    for (selector, dx, dy) in [
        (".confab-input", 0.0, 0.0),
        (".confab-send", 0.0, 0.0),
        (".confab-composer", 0.0, 18.0),
        (".confab-composer", -180.0, 0.0),
        (".confab-title", 0.0, 20.0),
    ] {
        for up in [true, false] {
            let at = point(&browser, selector, dx, dy).await;
            swipe(&browser, at, up).await;
            still(
                &format!("on {selector} {dx:+} {dy:+} (up: {up})"),
                scroll_y(&browser).await,
            );
        }
    }

    // The host page's styles were never touched.
    let styles_after = browser
        .eval("return [document.documentElement.getAttribute('style'), document.body.getAttribute('style'), getComputedStyle(document.body).overflow, getComputedStyle(document.documentElement).overflow];")
        .await;
    assert_eq!(
        styles_after, styles_before,
        "the host page's styles changed"
    );

    // Closed, the page is exactly where it was.
    let close = point(&browser, ".confab-close", 0.0, 0.0).await;
    browser.tap(close.0, close.1).await;
    eventually(10, || async {
        match browser.widget_rect(".confab-panel").await {
            None => Ok(()),
            Some(_) => Err("the panel is still open".to_string()),
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    still("(after closing)", scroll_y(&browser).await);
}
