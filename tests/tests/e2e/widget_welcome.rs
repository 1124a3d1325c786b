//! The widget's welcome and the team's faces (issue 14): an empty thread opens with the
//! brand's greeting (not a message, not unread), the header tells the team's state — online,
//! or away with when it is back in the visitor's own time zone and language — with the away
//! message in the thread, suggested questions send when tapped, and team messages carry who
//! wrote them (from Telegram and the agent API), grouped, unless the brand hides names.

use confab_e2e::world::World;
use confab_e2e::{eventually, widget_session, Browser};
use confab_protocol::Author;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

const GREETING: &str = "Hi there 👋 Ask us anything about tents, sizes or shipping.";
const AWAY: &str = "We're out of the office. Leave a message and we'll answer by email.";
const QUESTIONS: [&str; 2] = ["Do you ship to Shanghai?", "Where is my order?"];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const ZH_DAYS: [&str; 7] = [
    "星期一",
    "星期二",
    "星期三",
    "星期四",
    "星期五",
    "星期六",
    "星期日",
];

/// The ISO weekday (1 = Monday) two days from now in Shanghai (UTC+8, no daylight saving),
/// so that the team, open 09:00–18:00 that day only, is away now whatever the hour.
fn day_after_tomorrow_in_shanghai() -> u8 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // 1970-01-01 was a Thursday (index 3 with Monday 0).
    let today = ((seconds + 8 * 3600) / 86_400 + 3) % 7;
    ((today + 2) % 7) as u8 + 1
}

/// Hours open 09:00–18:00 Shanghai time on `day` only: in Kolkata (UTC+5:30) the opening
/// is at 06:30 that same day.
fn away_settings(day: u8) -> Value {
    json!({
        "greeting": GREETING,
        "awayMessage": AWAY,
        "businessHours": {
            "timeZone": "Asia/Shanghai",
            "weekly": [{ "day": day, "open": "09:00", "close": "18:00" }],
        },
        "suggestedQuestions": QUESTIONS,
    })
}

/// `(data-sender, shown as the first of its group)` of every team message shown.
async fn writers(browser: &Browser) -> Vec<(String, bool)> {
    let value = browser
        .eval(
            "const host = document.querySelector('confab-chat');\
             return [...host.shadowRoot.querySelectorAll('.confab-message[data-sender]')]\
               .map(el => [el.dataset.sender, el.hasAttribute('data-first')]);",
        )
        .await;
    serde_json::from_value(value).unwrap()
}

async fn wait_for_writers(browser: &Browser, expected: &[(&str, bool)]) {
    let expected: Vec<(String, bool)> = expected
        .iter()
        .map(|(name, first)| (name.to_string(), *first))
        .collect();
    eventually(20, || async {
        let shown = writers(browser).await;
        if shown == expected {
            Ok(())
        } else {
            Err(format!(
                "the team's messages are {shown:?}, expected {expected:?}"
            ))
        }
    })
    .await
}

async fn wait_for_text(browser: &Browser, selector: &str, check: impl Fn(&str) -> bool) -> String {
    eventually(20, || async {
        let texts = browser.widget_texts(selector).await;
        match texts.first() {
            Some(text) if check(text) => Ok(text.clone()),
            other => Err(format!("{selector} shows {other:?}")),
        }
    })
    .await
}

#[tokio::test]
async fn an_empty_thread_greets_tells_the_teams_state_and_offers_questions() {
    let world = World::start(&[]).await;
    // First without business hours: the team counts as online.
    world
        .configure("Acme Outdoor", json!({ "greeting": GREETING }))
        .await;
    let browser = Browser::start().await;
    browser.set_time_zone("Asia/Kolkata").await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    browser.widget_element(".confab-launcher").await;
    browser.open_panel().await;
    let presence = wait_for_text(&browser, ".confab-presence", |t| t.starts_with("Online")).await;
    assert_eq!(presence, "Online · Usually replies in a few minutes");
    assert_eq!(browser.widget_texts(".confab-welcome").await, [GREETING]);
    assert_eq!(
        browser
            .widget_style(".confab-welcome", "::before", "content")
            .await,
        "\"Acme Outdoor\"",
        "the greeting is the brand's"
    );
    assert!(browser.shown_messages().await.is_empty(), "not a message");
    assert!(browser.widget_texts(".confab-away").await.is_empty());

    // Outside business hours: away, back at the next opening in the visitor's zone.
    let day = day_after_tomorrow_in_shanghai();
    world.configure("Acme Outdoor", away_settings(day)).await;
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    let presence = wait_for_text(&browser, ".confab-presence", |t| t.starts_with("Away")).await;
    let weekday = EN_DAYS[usize::from(day) - 1];
    assert!(
        presence.starts_with(&format!("Away · back {weekday} 6:30")) && presence.ends_with("AM"),
        "{presence:?}: the team opens at 09:00 in Shanghai, 06:30 in Kolkata on {weekday}"
    );
    assert_eq!(browser.widget_texts(".confab-away").await, [AWAY]);
    assert_eq!(browser.widget_texts(".confab-suggestion").await, QUESTIONS);
    browser.save_screenshot("welcome-desktop-en").await;

    // A tap on a question sends it as the visitor, once; the questions go.
    browser
        .widget_element(".confab-suggestion")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for_messages(&[QUESTIONS[0]]).await;
    assert!(browser.widget_texts(".confab-suggestion").await.is_empty());
    assert!(browser.widget_texts(".confab-away").await.is_empty());
    let session = widget_session(&browser, &world.api, "demo").await;
    let history = world.api.history(&session).await;
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].author, history[0].text.as_str()),
        (Author::Visitor, QUESTIONS[0])
    );
    // The greeting still opens the thread.
    assert_eq!(browser.widget_texts(".confab-welcome").await, [GREETING]);
}

#[tokio::test]
async fn team_messages_show_who_wrote_them_grouped_unless_the_brand_hides_names() {
    let world = World::start(&[]).await;
    let browser = Browser::start().await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    browser.send_in_widget("Is the blue tent waterproof?").await;
    browser
        .wait_for_messages(&["Is the blue tent waterproof?"])
        .await;
    let session = widget_session(&browser, &world.api, "demo").await;
    let topic = world.first_topic().await;

    // Two answers of Ana's on Telegram, one of Bo's through the agent API, one without a
    // name (the brand's).
    assert_eq!(
        world
            .team_says_on_telegram(topic, 58, "Ana", "Yes, fully.")
            .await,
        200
    );
    assert_eq!(
        world
            .team_says_on_telegram(topic, 59, "Ana", "It's rated 3000 mm.")
            .await,
        200
    );
    let key = world.api.agent_key("demo").await;
    let path = format!("/v1/agent/threads/{}/messages", session.thread_id);
    let bo = json!({ "clientId": "bo-1", "text": "I packed it myself.",
        "sender": { "name": "Bo Chen", "avatarUrl": "https://cdn.example/bo.png" } });
    assert_eq!(world.api.agent_post(&key, &path, bo).await, 201);
    let unnamed = json!({ "clientId": "api-1", "text": "Anything else?" });
    assert_eq!(world.api.agent_post(&key, &path, unnamed).await, 201);
    // A sender must be a name and, if any, an https picture.
    for sender in [
        json!({ "name": " " }),
        json!({ "name": "x".repeat(65) }),
        json!({ "name": "Eve", "avatarUrl": "http://cdn.example/eve.png" }),
        json!({ "name": "Eve", "avatarUrl": "javascript:alert(1)" }),
    ] {
        let body = json!({ "clientId": "bad", "text": "x", "sender": sender });
        assert_eq!(
            world.api.agent_post(&key, &path, body).await,
            400,
            "{sender}"
        );
    }

    browser
        .wait_for_messages(&[
            "Is the blue tent waterproof?",
            "Yes, fully.",
            "It's rated 3000 mm.",
            "I packed it myself.",
            "Anything else?",
        ])
        .await;
    wait_for_writers(
        &browser,
        &[
            ("Ana", true),
            ("Ana", false),
            ("Bo Chen", true),
            ("Acme Outdoor", true),
        ],
    )
    .await;
    let first_of = |seq: usize| format!(".confab-message[data-seq=\"{seq}\"]");
    // Shown above the first of a group, with initials; read (not shown) on the others.
    assert_eq!(
        browser
            .widget_style(&first_of(2), "::before", "content")
            .await,
        "\"Ana\""
    );
    assert_eq!(
        browser
            .widget_style(&first_of(2), "::before", "position")
            .await,
        "static"
    );
    assert_eq!(
        browser
            .widget_style(&first_of(3), "::before", "position")
            .await,
        "absolute"
    );
    assert_eq!(
        browser
            .widget_eval(&first_of(4), "el.dataset.initials")
            .await,
        "BC"
    );
    // The relay keeps who wrote what: history, the agent API and the brand's webhook.
    let history = world.api.history(&session).await;
    let names: Vec<Option<&str>> = history
        .iter()
        .map(|m| m.sender.as_ref().map(|s| s.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [None, Some("Ana"), Some("Ana"), Some("Bo Chen"), None]
    );
    // The picture is kept as the relay's signed path to a checked copy, never the brand's
    // own URL (tests/tests/e2e/images.rs serves it).
    let avatar = history[3].sender.as_ref().unwrap().avatar_url.clone();
    assert!(
        avatar.as_deref().is_some_and(
            |path| path.starts_with("/v1/images?src=https%3A%2F%2Fcdn.example%2Fbo.png&sig=")
        ),
        "{avatar:?}"
    );
    eventually(30, || async {
        let named = world.backend.received().iter().any(|received| {
            received.event["type"] == "message.created"
                && received.event["message"]["sender"]["name"] == "Ana"
        });
        named
            .then_some(())
            .ok_or_else(|| "the backend has not heard Ana's name".to_string())
    })
    .await;
    browser.save_screenshot("people-desktop-en").await;

    // The brand hides names: every team message is the brand's, one group.
    world
        .configure("Acme Outdoor", json!({ "showAgentNames": false }))
        .await;
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    wait_for_writers(
        &browser,
        &[
            ("Acme Outdoor", true),
            ("Acme Outdoor", false),
            ("Acme Outdoor", false),
            ("Acme Outdoor", false),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_phone_in_chinese_is_told_when_the_team_is_back_in_chinese() {
    let world = World::start(&[]).await;
    let day = day_after_tomorrow_in_shanghai();
    let mut settings = away_settings(day);
    settings["greeting"] = json!("你好！有什么可以帮你？");
    settings["awayMessage"] = json!("我们现在不在线，留言后会尽快回复。");
    settings["suggestedQuestions"] = json!(["可以寄到上海吗？", "我的订单到哪了？"]);
    world.configure("蓝山户外", settings).await;
    let browser = Browser::start().await;
    browser.emulate_phone(false).await;
    browser.set_time_zone("Asia/Kolkata").await;
    browser
        .client
        .goto(&world.relay.url("/zh.html"))
        .await
        .unwrap();
    browser.open_panel().await;
    let presence = wait_for_text(&browser, ".confab-presence", |t| t.starts_with("暂时离开")).await;
    let weekday = ZH_DAYS[usize::from(day) - 1];
    // As the browser writes it for zh-Hans (ICU puts no space between weekday and time).
    assert_eq!(presence, format!("暂时离开 · {weekday}06:30 回来"));
    assert_eq!(
        browser.widget_texts(".confab-suggestion").await,
        ["可以寄到上海吗？", "我的订单到哪了？"]
    );
    browser.save_screenshot("welcome-phone-zh").await;

    // The team answers by name; the phone shows it too.
    browser
        .widget_element(".confab-suggestion")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for_messages(&["可以寄到上海吗？"]).await;
    let topic = world.first_topic().await;
    world
        .team_says_on_telegram(topic, 60, "王芳", "可以，三天到。")
        .await;
    wait_for_writers(&browser, &[("王芳", true)]).await;
    browser.save_screenshot("people-phone-zh").await;
}
