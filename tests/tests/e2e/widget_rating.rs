//! Quick replies, resolution and the rating in the widget, in real headless Chromium against
//! the real relay, its queue and local fakes of Telegram and of the brand's backend: the
//! bot's answer from a knowledge entry offers the entry's replies as buttons and a tap sends
//! one as the visitor's message; `/resolve` in the team's topic shows the visitor the
//! resolution and asks how it went, once; the rating reaches the topic and the backend; the
//! visitor writing again reopens the thread. A brand's quiet time after a team reply asks
//! too, on a phone, in Chinese.

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::world::{
    post_telegram_update, telegram_reply, BOT_TOKEN, CHAT, HOOK_SECRET, WEBHOOK_SECRET,
};
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::{Author, RatingStatus};
use serde_json::{json, Value};

/// Entries with quick replies, as a CSV import (the relay's retrieval tests use it too).
const GIFT_CARDS_CSV: &str = include_str!("../../../relay/src/knowledge/testdata/gift-cards.csv");

/// A relay whose `demo` brand forwards to a fake Telegram group and a fake backend, with
/// `more` settings (the assistant, ratings) and the gift-card knowledge.
async fn rating_relay(backend: &FakeWebhook, more: Value) -> (Relay, Api, FakeTelegram) {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
    let api = Api::new(relay.origin());
    let mut settings = json!({
        "name": "Acme Outdoor",
        "allowedOrigins": ["http://127.0.0.1:*"],
        "connectors": {
            "telegram": {
                "chatId": CHAT,
                "botTokenSecret": "DEMO_TELEGRAM_TOKEN",
                "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
            },
            "webhook": { "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" },
        },
    });
    if let (Some(settings), Value::Object(more)) = (settings.as_object_mut(), more) {
        settings.extend(more);
    }
    assert_eq!(api.put_brand("demo", settings).await, 200);
    let (status, body) = api
        .import_knowledge("demo", "replace", "text/csv", GIFT_CARDS_CSV)
        .await;
    assert_eq!(status, 200, "{body}");
    (relay, api, telegram)
}

/// Waits until the widget shows `selector`'s texts as `expected`.
async fn wait_for_texts(browser: &Browser, selector: &str, expected: &[&str]) {
    eventually(30, || async {
        let shown = browser.widget_texts(selector).await;
        match shown == expected {
            true => Ok(()),
            false => Err(format!("{selector} shows {shown:?}, not {expected:?}")),
        }
    })
    .await
}

/// Waits until the widget's latest message is `text`.
async fn wait_for_last(browser: &Browser, text: &str) {
    eventually(30, || async {
        let shown = browser.shown_messages().await;
        match shown.last().is_some_and(|last| last == text) {
            true => Ok(()),
            false => Err(format!("the widget shows {shown:?}, not {text:?} last")),
        }
    })
    .await
}

/// The team's reply `text` as Telegram update `update` in the thread's topic.
async fn from_the_team(api: &Api, telegram: &FakeTelegram, update: i64, text: &str) {
    let topic = telegram.seen(|seen| seen.topics[0].0);
    let reply = telegram_reply(topic, update, "Ana", text);
    assert_eq!(
        post_telegram_update(api, Some(HOOK_SECRET), &reply).await,
        200
    );
}

/// Clicks the widget's element at `selector`.
async fn click(browser: &Browser, selector: &str) {
    browser
        .widget_element(selector)
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn quick_replies_send_and_a_resolved_conversation_is_rated_once() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (relay, api, telegram) =
        rating_relay(&backend, json!({ "assistant": { "mode": "always" } })).await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Can I buy a gift card?").await;

    // The bot answers from the entry and offers its replies as buttons.
    let replies = ".confab-replies .confab-suggestion";
    wait_for_texts(
        &browser,
        replies,
        &["Buy a gift card", "Check my balance", "Talk to a person"],
    )
    .await;
    let label = browser
        .widget_eval(".confab-replies", "el.getAttribute('aria-label')")
        .await;
    assert_eq!(label, "Quick replies");
    browser.gallery_shot("desktop-quick-replies").await;
    assert_eq!(browser.axe_violations().await, Vec::<String>::new());

    // A tap sends the reply's text as the visitor's message; the buttons go with it.
    browser
        .widget_element(".confab-replies .confab-suggestion:nth-child(2)")
        .await
        .click()
        .await
        .unwrap();
    eventually(30, || async {
        let shown = browser.shown_messages().await;
        match shown.iter().any(|text| text == "Check my balance") {
            true => Ok(()),
            false => Err(format!("the widget shows {shown:?}")),
        }
    })
    .await;
    telegram.wait_for_post("Check my balance").await;
    let session = widget_session(&browser, &api, "demo").await;
    // Stored as the visitor's, and the bot has its say on it before the team resolves.
    let history = eventually(30, || async {
        let history = api.history(&session).await;
        let tapped = history
            .iter()
            .position(|message| message.text == "Check my balance");
        match tapped {
            Some(at) if history.len() > at + 1 => Ok((history, at)),
            _ => Err(format!(
                "waiting for the bot's word; the thread has {history:?}"
            )),
        }
    })
    .await;
    let (history, at) = history;
    assert_eq!(history[at].author, Author::Visitor);
    assert_eq!(history[at + 1].author, Author::Bot);

    // Nothing to rate yet.
    assert!(browser.widget_texts(".confab-rating").await.is_empty());

    // The team resolves the thread in its topic: the visitor reads it and is asked.
    from_the_team(&api, &telegram, 90, "/resolve").await;
    wait_for_last(&browser, "This conversation was marked as resolved").await;
    wait_for_texts(
        &browser,
        ".confab-rating p",
        &["How was this conversation?"],
    )
    .await;
    let labels = browser
        .widget_eval(
            ".confab-stars",
            "[...el.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'))",
        )
        .await;
    assert_eq!(
        labels,
        json!([
            "1 out of 5",
            "2 out of 5",
            "3 out of 5",
            "4 out of 5",
            "5 out of 5"
        ])
    );
    assert!(browser.widget_texts(replies).await.is_empty());

    // Four points: four stars lit, then the comment and the send button.
    click(&browser, ".confab-stars button:nth-child(4)").await;
    let lit = eventually(10, || async {
        let lit = browser
            .widget_eval(
                ".confab-stars",
                "el.querySelectorAll('button[data-on]').length",
            )
            .await;
        match lit == json!(4) {
            true => Ok(lit),
            false => Err(format!("{lit} stars lit")),
        }
    })
    .await;
    assert_eq!(lit, json!(4));
    browser.gallery_shot("desktop-rating").await;
    // The card, its scale and its field are named for screen readers (axe-core finds
    // nothing).
    assert_eq!(browser.axe_violations().await, Vec::<String>::new());
    let comment = browser.widget_element(".confab-rating input").await;
    comment.send_keys("Quick and kind").await.unwrap();
    click(&browser, ".confab-rating button[type=submit]").await;
    wait_for_texts(&browser, ".confab-rating", &["Thanks for your feedback!"]).await;

    // The team's topic and the backend have it; the relay takes no second one.
    telegram
        .wait_for_post("⭐️⭐️⭐️⭐️ 4/5 — Quick and kind")
        .await;
    let rated = backend.wait_for_event("thread.rated", |_| true).await;
    assert_eq!(rated["rating"]["score"], 4, "{rated}");
    assert_eq!(rated["rating"]["comment"], "Quick and kind", "{rated}");
    let again = api.resume("demo", session.token.as_str()).await;
    assert_eq!(again.rating, Some(RatingStatus::Given));

    // A new page does not ask again.
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    wait_for_last(&browser, "This conversation was marked as resolved").await;
    assert!(browser.widget_texts(".confab-rating").await.is_empty());

    // The visitor writing again reopens the thread (the team is told).
    browser.send_in_widget("One more thing").await;
    telegram
        .wait_for_post("↩️ Reopened (the visitor wrote again)")
        .await;
    let reopened = api.resume("demo", session.token.as_str()).await;
    assert_eq!((reopened.resolved, reopened.rating), (false, None));
    let rating = browser.widget_texts(".confab-rating").await;
    let shown = browser.shown_messages().await;
    assert!(rating.is_empty(), "{rating:?} under {shown:?}");
}

#[tokio::test]
async fn after_the_brands_quiet_time_a_phone_in_chinese_asks_for_the_rating() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let quiet = json!({ "ratings": { "afterQuietSeconds": 1 } });
    let (relay, api, telegram) = rating_relay(&backend, quiet).await;
    let browser = Browser::start().await;
    browser.emulate_phone(false).await;
    browser.client.goto(&relay.url("/zh")).await.unwrap();
    browser.send_in_widget("我的订单到哪了？").await;
    telegram.wait_for_post("我的订单到哪了？").await;
    from_the_team(&api, &telegram, 91, "今天发货，抱歉久等了！").await;
    browser
        .wait_for_messages(&["我的订单到哪了？", "今天发货，抱歉久等了！"])
        .await;
    // The team's reply was the last word when the page loaded: not yet quiet for long.
    assert!(browser.widget_texts(".confab-rating").await.is_empty());

    // Past the brand's quiet time, a new page asks, in the visitor's language.
    let session = widget_session(&browser, &api, "demo").await;
    eventually(10, || async {
        match api.resume("demo", session.token.as_str()).await.rating {
            Some(RatingStatus::Wanted) => Ok(()),
            other => Err(format!("the session says {other:?}")),
        }
    })
    .await;
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    wait_for_texts(&browser, ".confab-rating p", &["这次对话体验如何？"]).await;
    click(&browser, ".confab-stars button:nth-child(5)").await;
    browser.widget_element(".confab-rating input").await;
    browser.gallery_shot("phone-zh-rating").await;
    click(&browser, ".confab-rating button[type=submit]").await;
    wait_for_texts(&browser, ".confab-rating", &["感谢您的反馈！"]).await;
    telegram.wait_for_post("⭐️⭐️⭐️⭐️⭐️ 5/5").await;
}
