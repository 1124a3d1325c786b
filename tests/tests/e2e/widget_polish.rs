//! The widget's finish (issue 14): a message waits for the network rather than failing,
//! a brand may choose light or dark whatever the visitor's system, new messages enter gently
//! unless the visitor asked for less motion, every language pack reaches the page, and the
//! brand's logo and team members' faces show, served by the relay.

use confab_e2e::fakes::images::FakeImages;
use confab_e2e::world::World;
use confab_e2e::{eventually, widget_session, Browser, Relay};
use serde_json::{json, Value};

/// Emulates a media feature (`prefers-color-scheme`, `prefers-reduced-motion`) in the tab.
async fn emulate(browser: &Browser, name: &str, value: &str) {
    browser
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": name, "value": value }] }),
        )
        .await;
}

/// The sum of a computed `rgb(r, g, b)` colour's channels (0 black – 765 white).
fn brightness(rgb: &str) -> u32 {
    rgb.trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|channel| channel.trim().parse::<u32>().expect("a colour channel"))
        .sum()
}

#[tokio::test]
async fn offline_a_message_waits_for_the_network_and_goes_when_it_is_back() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("first, online").await;
    browser.wait_for_messages(&["first, online"]).await;

    browser.set_offline(true).await;
    browser.send_in_widget("written in a tunnel").await;
    eventually(20, || async {
        let state = browser
            .widget_eval(".confab-pending", "el.dataset.state")
            .await;
        (state == "waiting")
            .then_some(())
            .ok_or_else(|| format!("the pending message is {state}"))
    })
    .await;
    let meta = browser
        .widget_eval(".confab-pending .confab-meta", "el.textContent")
        .await;
    assert_eq!(meta, "Waiting for network…");
    let retry = browser
        .widget_eval(
            ".confab-pending",
            "el.querySelector('.confab-retry') === null",
        )
        .await;
    assert_eq!(
        retry,
        Value::Bool(true),
        "no failure to act on while offline"
    );

    browser.set_offline(false).await;
    browser
        .wait_for_messages(&["first, online", "written in a tunnel"])
        .await;
    assert!(browser.pending_messages().await.is_empty());
}

#[tokio::test]
async fn a_brand_chooses_dark_or_light_whatever_the_system_says() {
    let browser = Browser::start().await;
    let world = World::start(&[]).await;
    for (system, theme, dark) in [
        ("light", "dark", true),
        ("dark", "light", false),
        ("dark", "auto", true),
        ("light", "auto", false),
    ] {
        world
            .configure("Acme Outdoor", json!({ "theme": theme }))
            .await;
        browser.client.goto(&world.relay.url("/")).await.unwrap();
        emulate(&browser, "prefers-color-scheme", system).await;
        browser.open_panel().await;
        let panel = eventually(20, || async {
            let panel = browser
                .widget_style(".confab-panel", "", "background-color")
                .await;
            let dark_now = brightness(&panel) < 120;
            (dark_now == dark)
                .then_some(panel.clone())
                .ok_or_else(|| format!("{theme} on a {system} system shows {panel}"))
        })
        .await;
        let violations = browser.axe_violations().await;
        assert_eq!(
            violations,
            Vec::<String>::new(),
            "{theme} on {system}: {panel}"
        );
        // The next page starts from a clean slate.
        browser.eval("localStorage.clear(); return true;").await;
    }
}

#[tokio::test]
async fn new_messages_enter_gently_unless_the_visitor_asks_for_less_motion() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    for (motion, expected) in [("no-preference", "confab-enter"), ("reduce", "none")] {
        browser.client.goto(&relay.url("/")).await.unwrap();
        emulate(&browser, "prefers-reduced-motion", motion).await;
        // Offline, the message stays pending (and its style can be read) for as long as needed.
        browser.open_panel().await;
        browser.set_offline(true).await;
        browser.send_in_widget(&format!("with {motion}")).await;
        let animation = browser
            .widget_style(".confab-pending", "", "animation-name")
            .await;
        assert_eq!(animation, expected, "prefers-reduced-motion: {motion}");
        browser.set_offline(false).await;
        browser
            .wait_for_messages(&[&format!("with {motion}")])
            .await;
        browser.eval("localStorage.clear(); return true;").await;
    }
}

#[tokio::test]
async fn every_language_pack_reaches_the_page_and_others_get_english() {
    let relay = Relay::start().await;
    let browser = Browser::start().await;
    for (lang, code, placeholder, direction) in [
        ("es", "es", "Escribe un mensaje…", "ltr"),
        ("fr-CA", "fr", "Écrivez un message…", "ltr"),
        ("de", "de", "Nachricht schreiben…", "ltr"),
        ("ja-JP", "ja", "メッセージを入力…", "ltr"),
        ("ar", "ar", "اكتب رسالة…", "rtl"),
        ("zh-CN", "zh-Hans", "输入消息…", "ltr"),
        ("pt-BR", "en", "Write a message…", "ltr"),
        ("he", "en", "Write a message…", "rtl"),
    ] {
        browser
            .client
            .goto(&relay.url(&format!("/languages?lang={lang}")))
            .await
            .unwrap();
        browser.open_panel().await;
        let shown = browser.widget_eval(".confab-input", "el.placeholder").await;
        assert_eq!(shown, placeholder, "{lang}");
        let attributes = browser
            .widget_eval(
                ".confab-panel",
                "[el.closest('.confab').lang, getComputedStyle(el).direction]",
            )
            .await;
        assert_eq!(attributes, json!([code, direction]), "{lang}");
    }
}

/// Whether the widget's `selector` is an image the browser loaded from the relay.
async fn loaded_from_relay(browser: &Browser, selector: &str, relay: &str) -> Result<(), String> {
    let image = browser
        .widget_eval(
            selector,
            "el ? [el.currentSrc, el.complete && el.naturalWidth > 0] : null",
        )
        .await;
    let src = image[0].as_str().unwrap_or_default();
    match (src.starts_with(&format!("{relay}/v1/images?")), &image[1]) {
        (true, Value::Bool(true)) => Ok(()),
        _ => Err(format!("{selector} is {image}")),
    }
}

#[tokio::test]
async fn the_brand_logo_and_team_faces_come_through_the_relay() {
    let images = FakeImages::start().await;
    let browser = Browser::start().await;
    let world = World::start(&[]).await;
    world
        .configure(
            "Acme Outdoor",
            json!({ "logoUrl": images.url("/logo.png"), "greeting": "Hello!" }),
        )
        .await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    browser.send_in_widget("Who answers?").await;
    browser.wait_for_messages(&["Who answers?"]).await;
    let origin = world.relay.url("");
    for selector in [".confab-header img", ".confab-welcome .confab-face"] {
        eventually(20, || loaded_from_relay(&browser, selector, &origin)).await;
    }

    let session = widget_session(&browser, &world.api, "demo").await;
    let key = world.api.agent_key("demo").await;
    let path = format!("/v1/agent/threads/{}/messages", session.thread_id);
    let answer = json!({ "clientId": "face-1", "text": "Ana here.",
        "sender": { "name": "Ana Silva", "avatarUrl": images.url("/avatar.png") } });
    assert_eq!(world.api.agent_post(&key, &path, answer).await, 201);
    browser
        .wait_for_messages(&["Who answers?", "Ana here."])
        .await;
    eventually(20, || {
        loaded_from_relay(
            &browser,
            ".confab-message[data-first] .confab-face",
            &origin,
        )
    })
    .await;
    // Every picture's source is the relay (checked above), which fetched it from the
    // brand's host.
    assert!(images.requests("/logo.png") >= 1 && images.requests("/avatar.png") >= 1);
    assert_eq!(browser.axe_violations().await, Vec::<String>::new());
}
