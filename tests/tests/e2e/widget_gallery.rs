//! The widget's looks (issue 14): dark mode follows `prefers-color-scheme` and passes axe
//! like the light one, a right-to-left page mirrors the send arrow, and the README's gallery
//! (`docs/gallery/*.png`) is taken here, from real Chromium, so it never goes stale.

use confab_e2e::world::World;
use confab_e2e::{eventually, widget_session, Browser};
use serde_json::json;

/// A short conversation: the greeting, a visitor's question and a named team member's
/// answer (through the agent API).
struct Conversation {
    brand: &'static str,
    greeting: &'static str,
    question: &'static str,
    agent: &'static str,
    answer: &'static str,
}

const EN: Conversation = Conversation {
    brand: "Acme Outdoor",
    greeting: "Hi there! Ask us anything about tents, sizes or shipping.",
    question: "Is the Ridge 2 tent waterproof?",
    agent: "Ana Silva",
    answer: "Yes! It's rated 3000 mm and the seams are taped. Happy camping!",
};

const ZH: Conversation = Conversation {
    brand: "蓝山户外",
    greeting: "你好！有什么可以帮你？帐篷、尺码、配送都可以问我们。",
    question: "可以寄到上海吗？",
    agent: "王芳",
    answer: "可以的，顺丰包邮，一般三天内送到。",
};

const JA: Conversation = Conversation {
    brand: "アクメ・アウトドア",
    greeting: "こんにちは！テントやサイズ、配送について何でも聞いてください。",
    question: "このテントは防水ですか?",
    agent: "佐藤 花子",
    answer: "はい、耐水圧 3000 mm で、縫い目もシーリング済みです。",
};

const AR: Conversation = Conversation {
    brand: "أكمي للتخييم",
    greeting: "مرحبًا! اسألنا عن الخيام والمقاسات والشحن.",
    question: "هل الخيمة مقاومة للماء؟",
    agent: "سارة",
    answer: "نعم، تمامًا. الدرزات مغلقة بشريط لاصق.",
};

/// Opens `page` of a fresh relay in `browser` (after any emulation the caller set) and holds
/// `conversation` in the widget.
async fn converse(browser: &Browser, page: &str, conversation: &Conversation) -> World {
    let world = World::start(&[]).await;
    world
        .configure(
            conversation.brand,
            json!({ "greeting": conversation.greeting }),
        )
        .await;
    browser.client.goto(&world.relay.url(page)).await.unwrap();
    browser.send_in_widget(conversation.question).await;
    browser.wait_for_messages(&[conversation.question]).await;
    let session = widget_session(browser, &world.api, "demo").await;
    let key = world.api.agent_key("demo").await;
    let path = format!("/v1/agent/threads/{}/messages", session.thread_id);
    let answer = json!({ "clientId": "gallery-1", "text": conversation.answer,
        "sender": { "name": conversation.agent } });
    assert_eq!(world.api.agent_post(&key, &path, answer).await, 201);
    browser
        .wait_for_messages(&[conversation.question, conversation.answer])
        .await;
    world
}

/// Emulates `prefers-color-scheme: <scheme>` in the current tab.
async fn color_scheme(browser: &Browser, scheme: &str) {
    browser
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )
        .await;
}

/// The relative luminance (0 black – 1 white) of a computed `rgb(r, g, b)` colour.
fn luminance(rgb: &str) -> f64 {
    let channels: Vec<f64> = rgb
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|c| c.trim().parse::<f64>().expect("a colour channel") / 255.0)
        .map(|c| {
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
        .collect();
    0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
}

#[tokio::test]
async fn dark_mode_follows_the_system_and_passes_axe_like_the_light_one() {
    let browser = Browser::start().await;
    color_scheme(&browser, "dark").await;
    let _world = converse(&browser, "/", &EN).await;
    let panel = browser
        .widget_style(".confab-panel", "", "background-color")
        .await;
    assert!(luminance(&panel) < 0.05, "a dark panel, not {panel}");
    let bubble = browser
        .widget_style(".confab-message[data-sender]", "", "background-color")
        .await;
    assert!(
        luminance(&bubble) < 0.05,
        "a dark team bubble, not {bubble}"
    );
    assert_eq!(browser.axe_violations().await, Vec::<String>::new(), "dark");
    browser.gallery_shot("desktop-dark").await;

    color_scheme(&browser, "light").await;
    let panel = browser
        .widget_style(".confab-panel", "", "background-color")
        .await;
    assert!(luminance(&panel) > 0.9, "a light panel, not {panel}");
    assert_eq!(
        browser.axe_violations().await,
        Vec::<String>::new(),
        "light"
    );

    // An empty thread while the team is away (open only two days from now, UTC): the
    // greeting, the away message, suggested questions and the open menu, in the dark.
    let away = Browser::start().await;
    color_scheme(&away, "dark").await;
    let world = World::start(&[]).await;
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    // 1970-01-01 was a Thursday (ISO weekday 4).
    let day = (days + 2 + 3) % 7 + 1;
    world
        .configure(
            EN.brand,
            json!({
                "greeting": EN.greeting,
                "awayMessage": "We're out of the office. Leave a message and we'll answer by email.",
                "businessHours": { "timeZone": "UTC",
                    "weekly": [{ "day": day, "open": "09:00", "close": "18:00" }] },
                "suggestedQuestions": ["Do you ship to Shanghai?", "Where is my order?"],
            }),
        )
        .await;
    away.client.goto(&world.relay.url("/")).await.unwrap();
    away.open_panel().await;
    eventually(20, || async {
        let shown = away.widget_texts(".confab-suggestion").await.len()
            + away.widget_texts(".confab-away").await.len();
        (shown == 3)
            .then_some(())
            .ok_or_else(|| format!("{shown} of the away message and 2 questions"))
    })
    .await;
    away.widget_element(".confab-menu-button")
        .await
        .click()
        .await
        .unwrap();
    away.widget_element(".confab-menu button").await;
    assert_eq!(
        away.axe_violations().await,
        Vec::<String>::new(),
        "away, dark"
    );
    away.save_screenshot("gallery-away-dark").await;
}

#[tokio::test]
async fn a_right_to_left_page_mirrors_the_send_arrow() {
    let browser = Browser::start().await;
    let _world = converse(&browser, "/rtl", &AR).await;
    let mirrored = browser
        .widget_style(".confab-send", "::before", "transform")
        .await;
    assert_eq!(mirrored, "matrix(-1, 0, 0, 1, 0, 0)");
    let composer = browser
        .widget_eval(".confab-input", "getComputedStyle(el).direction")
        .await;
    assert_eq!(composer, "rtl");
    browser.gallery_shot("desktop-rtl").await;

    let ltr = Browser::start().await;
    let world = World::start(&[]).await;
    ltr.client.goto(&world.relay.url("/")).await.unwrap();
    ltr.open_panel().await;
    assert_eq!(
        ltr.widget_style(".confab-send", "::before", "transform")
            .await,
        "none"
    );
}

#[tokio::test]
async fn the_readme_gallery_is_taken_from_real_chromium() {
    let browser = Browser::start().await;
    let _world = converse(&browser, "/", &EN).await;
    browser.gallery_shot("desktop-en").await;

    let phone = Browser::start().await;
    phone.emulate_phone(false).await;
    let _world = converse(&phone, "/", &EN).await;
    phone.gallery_shot("phone-en").await;

    let chinese = Browser::start().await;
    let _world = converse(&chinese, "/zh.html", &ZH).await;
    chinese.gallery_shot("desktop-zh").await;

    // A language loaded as a pack of strings (widget/i18n/ja.json), not built in.
    let japanese = Browser::start().await;
    let _world = converse(&japanese, "/languages?lang=ja", &JA).await;
    let placeholder = japanese
        .widget_eval(".confab-input", "el.placeholder")
        .await;
    assert_eq!(placeholder, "メッセージを入力…");
    japanese.gallery_shot("desktop-ja").await;
}
