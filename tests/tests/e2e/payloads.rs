//! Script and HTML in every field a message or a name can carry — the visitor's text, the
//! team's (agent API, Telegram), the visitor's WhatsApp text and profile name, the Telegram
//! author's name, the brand's name, the page — are shown as text in the widget and reach
//! every provider as the same plain text, never as markup.

use confab_e2e::world::World;
use confab_e2e::{eventually, widget_session, Browser};

/// Markup and script in the shapes that have broken chat widgets and bots.
const PAYLOADS: [&str; 6] = [
    "<script>window.__confabPwned = 1</script>",
    "<img src=x onerror=\"window.__confabPwned = 2\">",
    "\"><svg onload=window.__confabPwned=3>",
    "<b>bold</b> *bold* _it_ [x](javascript:window.__confabPwned=4) &amp; &lt;",
    "{{constructor.constructor('window.__confabPwned=5')()}} ${7*7}",
    "\u{202e}evil\u{202c} \u{2028} \\u003cscript\\u003e",
];

const NAME: &str = "Acme <img src=x onerror=\"window.__confabPwned = 9\">";

#[tokio::test]
async fn markup_in_every_field_stays_text_everywhere() {
    let world = World::start_named(NAME, &[]).await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(
            &world
                .relay
                .url("/?q=<script>window.__confabPwned=6</script>"),
        )
        .await
        .unwrap();
    for payload in PAYLOADS {
        browser.send_in_widget(payload).await;
    }
    browser.wait_for_messages(&PAYLOADS).await;
    let session = widget_session(&browser, &world.api, "demo").await;
    world.link_whatsapp(&session).await;
    let key = world.api.agent_key("demo").await;
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let client_id = format!("agent-{n}");
        let (status, _) = world
            .api
            .agent_send(&key, &session.thread_id, &client_id, payload)
            .await;
        assert_eq!(status, 201);
    }
    let topic = eventually(30, || async {
        world
            .telegram
            .seen(|seen| seen.topics.first().map(|(id, _)| *id))
            .ok_or("no topic yet".to_string())
    })
    .await;
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let status = world
            .team_says_on_telegram(topic, 500 + n as i64, NAME, payload)
            .await;
        assert_eq!(status, 200);
    }
    // The visitor's WhatsApp profile name is the fixture's; its texts are the payloads.
    for (n, payload) in PAYLOADS.iter().enumerate() {
        let wamid = format!("wamid.PAYLOAD{n}");
        assert_eq!(world.whatsapp_says(&wamid, payload).await, 200);
    }

    // The widget: four rounds of the payloads, each exactly as typed, and nothing ran.
    let rounds = 4;
    let expected: Vec<String> = std::iter::repeat_n(PAYLOADS, rounds)
        .flatten()
        .map(str::to_string)
        .collect();
    browser.open_panel().await;
    eventually(30, || async {
        let shown: Vec<String> = browser
            .shown_messages()
            .await
            .into_iter()
            .filter(|text| text != "Continued on WhatsApp")
            .collect();
        match shown == expected {
            true => Ok(()),
            false => Err(format!("the widget shows {shown:?}")),
        }
    })
    .await;
    let ran = browser
        .eval("return window.__confabPwned === undefined ? null : window.__confabPwned;")
        .await;
    assert!(ran.is_null(), "a payload ran: {ran}");
    let elements = browser
        .widget_eval(
            ".confab",
            "el.querySelectorAll('.confab-message script, .confab-message img, \
             .confab-message svg, .confab-header img').length",
        )
        .await;
    assert_eq!(elements, 0, "no payload became an element");
    let header = browser.widget_texts(".confab-header").await.join(" ");
    assert!(
        header.contains(NAME),
        "the brand's name shown as text: {header}"
    );

    // Telegram: plain text (no parse mode), the visitor's texts exactly, and the opener
    // names the brand as it is spelled.
    eventually(30, || async {
        let posted = world.telegram.seen(|seen| seen.posted.clone());
        let texts: Vec<&str> = posted.iter().skip(1).map(|p| p.text.as_str()).collect();
        let visitor: Vec<&str> = PAYLOADS.iter().chain(PAYLOADS.iter()).copied().collect();
        match texts == visitor {
            true => Ok(posted),
            false => Err(format!("Telegram has {texts:?}")),
        }
    })
    .await
    .iter()
    .enumerate()
    .for_each(|(n, post)| {
        assert_eq!(post.parse_mode, None, "post {n} is plain text");
        if n == 0 {
            assert!(post.text.contains(NAME), "{}", post.text);
        }
    });
    // WhatsApp: the team's texts exactly, as plain text without link previews; those
    // written in Telegram signed with the member's name (itself markup, kept as text).
    let expected_team: Vec<String> = PAYLOADS
        .iter()
        .map(|payload| payload.to_string())
        .chain(PAYLOADS.iter().map(|payload| format!("{NAME}:\n{payload}")))
        .collect();
    let sent = eventually(30, || async {
        let sent = world.whatsapp.sent();
        let team: Vec<String> = sent
            .iter()
            .skip(1)
            .map(|s| s.body["text"]["body"].as_str().unwrap_or("").to_string())
            .collect();
        match team == expected_team {
            true => Ok(sent.clone()),
            false => Err(format!("WhatsApp sent {team:?}")),
        }
    })
    .await;
    for message in &sent {
        assert_eq!(message.body["type"], "text");
        assert_ne!(message.body["text"]["preview_url"], true);
    }
    // The brand's backend: each text exactly, in JSON.
    let events = world.backend.received();
    let created: Vec<&str> = events
        .iter()
        .filter(|e| e.event["type"] == "message.created")
        .filter_map(|e| e.event["message"]["text"].as_str())
        .filter(|text| *text != "Continued on WhatsApp")
        .collect();
    let mut sorted_created = created.clone();
    sorted_created.sort();
    let mut sorted_expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    sorted_expected.sort();
    assert_eq!(sorted_created, sorted_expected);
}
