//! The assistant through the real relay, its queue and local fakes of Telegram and of the
//! brand's backend: a question answered from the brand's knowledge (a `bot` message, its
//! sources told to the team and the backend), "talk to a person" handing the thread over
//! (the team's topic says so, the bot then stays silent), a team reply from Telegram
//! silencing the bot until `/bot on`, `afterSeconds` answering only when no person did, and
//! an entry's quick replies offered by the bot's answers from it.

use confab_e2e::api::Api;
use confab_e2e::fakes::llm::{FakeLlm, PREFIX};
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::fakes::Failure;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::world::{
    post_telegram_update, telegram_reply, BOT_TOKEN, CHAT, HOOK_SECRET, WEBHOOK_SECRET,
};
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::{Author, Message, Session};
use serde_json::{json, Value};

/// The outdoor shop's knowledge (English and Chinese), as the relay's retrieval tests use it.
const SHOP: &str = include_str!("../../../relay/src/knowledge/testdata/outdoor-shop.json");

/// Entries with quick replies, as a CSV import (the relay's retrieval tests use it too).
const GIFT_CARDS_CSV: &str = include_str!("../../../relay/src/knowledge/testdata/gift-cards.csv");

/// The quick replies of the `gift-cards` entry, as its CSV cell gives them (` | ` and a line
/// break between them).
const GIFT_CARD_REPLIES: [&str; 3] = ["Buy a gift card", "Check my balance", "Talk to a person"];

/// The shop's answer to "How much is shipping?" (entry `shipping-cost`), and its link.
const SHIPPING: &str = "Shipping within the EU is free on orders over €50";
const SHIPPING_LINK: &str = "More: https://acme-outdoor.example/help/shipping";

/// A relay whose `demo` brand has the bot in `assistant`'s mode, the shop's knowledge, a
/// fake Telegram group, and, if given, a fake backend.
async fn assistant_relay(
    assistant: Value,
    webhook: Option<&FakeWebhook>,
) -> (Relay, Api, FakeTelegram) {
    assistant_relay_with(assistant, webhook, &[]).await
}

/// [`assistant_relay`] with more Worker variables and secrets.
async fn assistant_relay_with(
    assistant: Value,
    webhook: Option<&FakeWebhook>,
    more: &[(&str, &str)],
) -> (Relay, Api, FakeTelegram) {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let mut vars = vec![
        ("TELEGRAM_API_BASE", telegram.base.as_str()),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    vars.extend_from_slice(more);
    let relay = Relay::start_with(&vars).await;
    let api = Api::new(relay.origin());
    let mut connectors = json!({
        "telegram": {
            "chatId": CHAT,
            "botTokenSecret": "DEMO_TELEGRAM_TOKEN",
            "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
        }
    });
    if let Some(webhook) = webhook {
        connectors["webhook"] = json!({ "url": webhook.url, "secret": "DEMO_WEBHOOK_SECRET" });
    }
    let settings = json!({
        "name": "Acme Outdoor",
        "allowedOrigins": ["http://127.0.0.1:*"],
        "connectors": connectors,
        "assistant": assistant,
    });
    assert_eq!(api.put_brand("demo", settings).await, 200);
    let (status, body) = api
        .import_knowledge("demo", "replace", "application/json", SHOP)
        .await;
    assert_eq!(status, 200, "{body}");
    (relay, api, telegram)
}

/// A new thread of `demo` whose visitor's browser speaks `language`.
async fn session_in(api: &Api, language: &str) -> Session {
    let (status, body) = api
        .post_session(json!({ "brand": "demo", "language": language }))
        .await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_value(body).expect("a session")
}

/// The thread's messages once `ready` says they are as expected.
async fn wait_for_history(
    api: &Api,
    session: &Session,
    what: &str,
    ready: impl Fn(&[Message]) -> bool,
) -> Vec<Message> {
    eventually(30, || async {
        let history = api.history(session).await;
        match ready(&history) {
            true => Ok(history),
            false => Err(format!(
                "waiting for {what}; the thread has {:?}",
                texts(&history)
            )),
        }
    })
    .await
}

fn texts(history: &[Message]) -> Vec<(Author, String)> {
    history
        .iter()
        .map(|message| (message.author, message.text.clone()))
        .collect()
}

fn bot_lines(history: &[Message]) -> Vec<String> {
    history
        .iter()
        .filter(|message| message.author == Author::Bot)
        .map(|message| message.text.clone())
        .collect()
}

/// Waits until the fake Telegram group has a post for which `found` holds.
async fn wait_for_post(telegram: &FakeTelegram, what: &str, found: impl Fn(&str) -> bool) {
    eventually(30, || async {
        let posted = telegram.texts();
        match posted.iter().any(|text| found(text)) {
            true => Ok(()),
            false => Err(format!("waiting for {what}; Telegram has {posted:?}")),
        }
    })
    .await
}

/// `POST /v1/threads/{id}/assistant` with the brand's agent key: the status and answer.
async fn switch_bot(api: &Api, key: &str, session: &Session, on: bool) -> (u16, Value) {
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/assistant", session.thread_id)))
        .bearer_auth(key)
        .json(&json!({ "on": on }))
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_bot_answers_from_knowledge_and_hands_over_when_asked() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api, telegram) =
        assistant_relay(json!({ "mode": "always" }), Some(&backend)).await;
    let session = session_in(&api, "en-GB").await;

    // A question in words unlike the entry's is answered from it, as the bot, on the
    // visitor's socket as on every other.
    let mut socket = api.socket(&session, 0).await;
    socket.until_ready().await;
    let asked = std::time::Instant::now();
    api.send(&session, "q1", "How much does shipping cost?")
        .await;
    let live = socket.messages(2).await;
    // Reported, not asserted: speed is for the bench.
    eprintln!("the bot's answer on the socket after {:?}", asked.elapsed());
    assert_eq!(live[1].author, Author::Bot);
    assert!(live[1].text.starts_with(SHIPPING), "{}", live[1].text);
    let history = wait_for_history(&api, &session, "the bot's answer", |history| {
        history.len() == 2
    })
    .await;
    let answer = &history[1];
    assert_eq!(answer.author, Author::Bot);
    assert!(
        answer.text.starts_with(SHIPPING) && answer.text.ends_with(SHIPPING_LINK),
        "{}",
        answer.text
    );
    // The team sees it marked as the bot's, with the entry it came from; so does the backend.
    wait_for_post(&telegram, "the bot's answer", |text| {
        text.starts_with(&format!("🤖 Bot: {SHIPPING}")) && text.ends_with("(from: shipping-cost)")
    })
    .await;
    let created = eventually(30, || async {
        backend
            .received()
            .into_iter()
            .map(|received| received.event)
            .find(|event| event["type"] == "message.created" && event["message"]["author"] == "bot")
            .ok_or_else(|| format!("the backend has {:?}", backend.types()))
    })
    .await;
    assert_eq!(created["sources"], json!(["shipping-cost"]));
    assert_eq!(created["message"]["text"], answer.text.as_str());

    // "Talk to a person": the visitor is told what happens next, the team and the backend
    // that the thread is theirs.
    api.send(&session, "q2", "Can I talk to a person, please?")
        .await;
    let history =
        wait_for_history(&api, &session, "the handoff", |history| history.len() == 4).await;
    assert_eq!(history[3].author, Author::Bot);
    assert_eq!(
        history[3].text,
        "I've asked the team to take over. A person will answer here."
    );
    wait_for_post(&telegram, "the team's handoff note", |text| {
        text.starts_with("🙋 Handoff: the visitor asked for a person")
    })
    .await;
    let handoff = eventually(30, || async {
        backend
            .received()
            .into_iter()
            .map(|received| received.event)
            .find(|event| event["type"] == "thread.handoff")
            .ok_or_else(|| format!("the backend has {:?}", backend.types()))
    })
    .await;
    assert_eq!(handoff["message"]["text"], history[3].text.as_str());
    // Asking again through the API changes nothing: the team knows already.
    let again = api
        .http
        .post(api.url(&format!("/v1/threads/{}/handoff", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.json::<Value>().await.unwrap(), json!({ "on": false }));

    // The bot is silent now. Once the team turns it back on, the next question is
    // answered; the one before it never was.
    api.send(&session, "q3", "How much is shipping?").await;
    let key = api.agent_key("demo").await;
    assert_eq!(
        switch_bot(&api, &key, &session, true).await,
        (200, json!({ "on": true }))
    );
    api.send(&session, "q4", "Do you ship internationally?")
        .await;
    let history = wait_for_history(&api, &session, "the answer after /bot on", |history| {
        history.len() == 7
    })
    .await;
    let order: Vec<Author> = history.iter().map(|message| message.author).collect();
    assert_eq!(
        order,
        [
            Author::Visitor,
            Author::Bot,
            Author::Visitor,
            Author::Bot,
            Author::Visitor,
            Author::Visitor,
            Author::Bot
        ],
        "{:?}",
        texts(&history)
    );
    assert!(history[6].text.contains("UK"), "{}", history[6].text);
    assert_eq!(
        backend
            .types()
            .iter()
            .filter(|t| *t == "thread.handoff")
            .count(),
        1
    );
    // Another brand's key cannot touch the thread.
    assert_eq!(switch_bot(&api, "not-a-key", &session, false).await.0, 401);
}

#[tokio::test]
async fn a_team_reply_from_telegram_silences_the_bot_until_bot_on() {
    let (_relay, api, telegram) = assistant_relay(json!({ "mode": "always" }), None).await;
    let session = session_in(&api, "zh-CN").await;
    api.send(&session, "q1", "运费是多少？").await;
    let history = wait_for_history(&api, &session, "the bot's answer", |history| {
        history.len() == 2
    })
    .await;
    assert_eq!(history[1].author, Author::Bot);
    assert!(
        history[1].text.contains("满50欧元免运费"),
        "{}",
        history[1].text
    );
    wait_for_post(&telegram, "the bot's answer", |text| {
        text.contains("(from: zh-shipping-cost)")
    })
    .await;
    let topic = telegram.seen(|seen| seen.topics[0].0);

    // A person answers in the topic: from now on the bot is silent in this thread.
    let reply = telegram_reply(topic, 70, "Ana", "您好，我是 Ana，有什么可以帮您？");
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &reply).await,
        200
    );
    api.send(&session, "q2", "支持哪些付款方式？").await;
    wait_for_post(&telegram, "the visitor's second question", |text| {
        text == "支持哪些付款方式？"
    })
    .await;

    // `/bot on` in the topic is a command, not an answer: the bot answers again.
    let command = telegram_reply(topic, 71, "Ana", "/bot on");
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &command).await,
        200
    );
    wait_for_post(&telegram, "the note that the bot is on", |text| {
        text.starts_with("🤖 The bot is on in this thread")
    })
    .await;
    api.send(&session, "q3", "保修多久？").await;
    let history = wait_for_history(&api, &session, "the answer after /bot on", |history| {
        history.len() == 6
    })
    .await;
    let order: Vec<Author> = history.iter().map(|message| message.author).collect();
    assert_eq!(
        order,
        [
            Author::Visitor,
            Author::Bot,
            Author::Agent,
            Author::Visitor,
            Author::Visitor,
            Author::Bot
        ],
        "{:?}",
        texts(&history)
    );
    assert!(!api
        .history_texts(&session)
        .await
        .contains(&"/bot on".to_string()));

    // In Chinese, asking for a person hands over, and says so in Chinese.
    api.send(&session, "q4", "转人工").await;
    let history =
        wait_for_history(&api, &session, "the handoff", |history| history.len() == 8).await;
    assert_eq!(history[7].author, Author::Bot);
    assert!(
        history[7].text.contains("转接人工客服"),
        "{}",
        history[7].text
    );
    wait_for_post(&telegram, "the team's handoff note", |text| {
        text.starts_with("🙋 Handoff:")
    })
    .await;
}

#[tokio::test]
async fn after_seconds_the_bot_answers_only_if_no_person_did() {
    let (_relay, api, _telegram) =
        assistant_relay(json!({ "mode": "afterSeconds", "afterSeconds": 5 }), None).await;
    let key = api.agent_key("demo").await;
    let session = session_in(&api, "en").await;

    // A person answers within the brand's seconds: the bot does not.
    api.send(&session, "q1", "How much is shipping?").await;
    let (status, _) = api
        .agent_send(
            &key,
            &session.thread_id,
            "a1",
            "Hi, Ana here: it's free over €50.",
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        switch_bot(&api, &key, &session, true).await,
        (200, json!({ "on": true }))
    );

    // Nobody answers this one: the bot does, after its wait, and it is the only bot message
    // (the first question's job, due earlier, found a person had answered).
    api.send(&session, "q2", "Do you ship internationally?")
        .await;
    let history = wait_for_history(&api, &session, "the bot's answer", |history| {
        !bot_lines(history).is_empty()
    })
    .await;
    let order: Vec<Author> = history.iter().map(|message| message.author).collect();
    assert_eq!(
        order,
        [Author::Visitor, Author::Agent, Author::Visitor, Author::Bot],
        "{:?}",
        texts(&history)
    );
}

#[tokio::test]
async fn in_the_widget_the_bot_is_marked_and_a_tap_hands_over_to_a_person() {
    let (relay, api, telegram) = assistant_relay(json!({ "mode": "always" }), None).await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("How much does shipping cost?").await;

    // The bot's answer is marked as the bot's, and a person is one tap away.
    let shown = eventually(30, || async {
        let shown = browser.shown_messages().await;
        match shown.get(1) {
            Some(answer) if answer.starts_with(SHIPPING) => Ok(shown),
            _ => Err(format!("the widget shows {shown:?}")),
        }
    })
    .await;
    assert_eq!(shown.len(), 2);
    assert_eq!(browser.widget_texts(".confab-via").await, ["Bot ·"]);
    let talk = browser.widget_texts(".confab-handoff").await;
    assert_eq!(talk, ["Talk to a person"]);
    browser.save_screenshot("widget-assistant").await;

    // The tap hands over: the visitor reads what happens next, the team's topic says so,
    // and the button goes.
    browser
        .widget_element(".confab-handoff")
        .await
        .click()
        .await
        .unwrap();
    eventually(30, || async {
        let shown = browser.shown_messages().await;
        let buttons = browser.widget_texts(".confab-handoff").await;
        match shown.last() {
            Some(last)
                if last == "I've asked the team to take over. A person will answer here."
                    && buttons.is_empty() =>
            {
                Ok(())
            }
            _ => Err(format!("the widget shows {shown:?}, buttons {buttons:?}")),
        }
    })
    .await;
    wait_for_post(&telegram, "the team's handoff note", |text| {
        text.starts_with("🙋 Handoff:")
    })
    .await;
    let session = widget_session(&browser, &api, "demo").await;
    let history = api.history(&session).await;
    assert!(
        history.last().is_some_and(Message::is_handoff),
        "{history:?}"
    );
}

/// The fake model's key, as the relay's Worker secret `DEMO_LLM_KEY` holds it.
const LLM_KEY: &str = "llm-test-key";

#[tokio::test]
async fn a_model_words_answers_from_retrieved_entries_and_its_failures_fall_back() {
    let model = FakeLlm::start(LLM_KEY).await;
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let assistant = json!({
        "mode": "always",
        "generative": {
            "baseUrl": model.base_url,
            "model": "fake-1",
            "keySecret": "DEMO_LLM_KEY",
            "timeoutMs": 1000,
        },
    });
    let (_relay, api, _telegram) =
        assistant_relay_with(assistant, Some(&backend), &[("DEMO_LLM_KEY", LLM_KEY)]).await;
    // The shipping entry, given quick replies one by one (`PUT`): a worded answer grounded
    // on it offers them, as does retrieval's answer when the model fails.
    let mut entry = api
        .admin_get("/v1/admin/brands/demo/knowledge/shipping-cost")
        .await;
    let offered = json!(["Track my order", "Free shipping?"]);
    entry["replies"] = offered.clone();
    let put = api
        .http
        .put(api.url("/v1/admin/brands/demo/knowledge/shipping-cost"))
        .bearer_auth(TEST_ADMIN_SECRET)
        .json(&entry)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(put.status(), 200);
    let session = session_in(&api, "en-GB").await;
    let question = "How much does shipping cost?";
    // Each round: what the model does, then the bot's answer: the model's words, or the
    // entry's own when the model failed (an error, or no answer within the timeout).
    let rounds = [
        (None, true),
        (Some(Failure::Status(500)), false),
        (Some(Failure::Hang), false),
        (None, true),
    ];
    for (round, (failure, worded)) in rounds.into_iter().enumerate() {
        model.fail_next(failure);
        api.send(&session, &format!("q{round}"), question).await;
        let history = wait_for_history(&api, &session, "the bot's answer", |history| {
            history.len() == 2 * (round + 1)
        })
        .await;
        let answer = &history[2 * round + 1];
        assert_eq!(answer.author, Author::Bot);
        let expected = match worded {
            true => format!("{PREFIX}{SHIPPING}"),
            false => SHIPPING.to_string(),
        };
        assert!(
            answer.text.starts_with(&expected),
            "round {round}: {}",
            answer.text
        );
        assert_eq!(json!(answer.replies), offered, "round {round}");
    }
    assert_eq!(model.refused(), 0, "the relay sends the brand's key");
    // The model was given the question and only the retrieved entries, the best first.
    let requests = model.requests();
    assert_eq!(requests.len(), 4);
    let system = requests[0]["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains(SHIPPING) && system.contains("NO_ANSWER"),
        "{system}"
    );
    assert!(
        !system.contains("慕尼黑门店"),
        "only retrieved entries: {system}"
    );
    assert_eq!(requests[0]["messages"][1]["content"], question);
    assert_eq!(requests[0]["model"], "fake-1");
    // The worded answer names the entries it was given: the best one first.
    let worded = eventually(30, || async {
        backend
            .received()
            .into_iter()
            .map(|received| received.event)
            .find(|event| {
                event["message"]["author"] == "bot"
                    && event["message"]["text"]
                        .as_str()
                        .is_some_and(|text| text.starts_with(PREFIX))
            })
            .ok_or_else(|| format!("the backend has {:?}", backend.types()))
    })
    .await;
    assert_eq!(worded["sources"][0], "shipping-cost");

    // A question the entries do not answer: nothing worded, the bot says it is unsure.
    api.send(&session, "q-juggling", "Can you juggle flaming torches?")
        .await;
    let history = wait_for_history(&api, &session, "the bot's reply", |history| {
        history.len() == 10
    })
    .await;
    assert_eq!(history[9].author, Author::Bot);
    assert!(!history[9].text.starts_with(PREFIX), "{}", history[9].text);
    assert!(history[9].replies.is_empty(), "{:?}", history[9]);
}

#[tokio::test]
async fn an_entrys_quick_replies_come_with_the_bots_answer_everywhere() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api, telegram) =
        assistant_relay(json!({ "mode": "always" }), Some(&backend)).await;
    // A bad row stores nothing and is named: five replies, one too long, one repeated.
    let header = "question,answer,language,replies\n";
    for (cell, refusal) in [
        ("a | b | c | d | e", "row 2: 5 quick replies; at most 4"),
        (&*"x".repeat(41), "row 2: quick reply 1 has 41 characters"),
        ("Yes | Yes", "row 2: quick reply 2 repeats another"),
    ] {
        let (status, body) = api
            .import_knowledge(
                "demo",
                "merge",
                "text/csv",
                &format!("{header}Gift cards?,Yes.,en,{cell}\n"),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["code"], "knowledge_invalid", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(refusal)),
            "{body}"
        );
    }
    // The entries with quick replies, merged into the shop's by CSV, and stored with them.
    let (status, body) = api
        .import_knowledge("demo", "merge", "text/csv", GIFT_CARDS_CSV)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["imported"], 2, "{body}");
    let stored = api
        .admin_get("/v1/admin/brands/demo/knowledge/gift-cards")
        .await;
    assert_eq!(stored["replies"], json!(GIFT_CARD_REPLIES), "{stored}");
    let shop_entry = api
        .admin_get("/v1/admin/brands/demo/knowledge/shipping-cost")
        .await;
    assert!(shop_entry.get("replies").is_none(), "{shop_entry}");

    // The bot's answer from the entry offers exactly its replies, live on the visitor's
    // socket and in the thread's history.
    let session = session_in(&api, "en-GB").await;
    let mut socket = api.socket(&session, 0).await;
    socket.until_ready().await;
    api.send(&session, "q1", "Can I buy a gift card?").await;
    let live = socket.messages(2).await;
    assert_eq!(live[1].author, Author::Bot);
    assert!(
        live[1].text.starts_with("Yes: gift cards"),
        "{}",
        live[1].text
    );
    assert_eq!(live[1].replies, GIFT_CARD_REPLIES);
    let history = wait_for_history(&api, &session, "the bot's answer", |history| {
        history.len() == 2
    })
    .await;
    let answer = history[1].clone();
    assert_eq!(answer.replies, GIFT_CARD_REPLIES);
    // The team's topic shows them as lines under the answer, before its source.
    let lines = GIFT_CARD_REPLIES
        .map(|reply| format!("• {reply}"))
        .join("\n");
    let expected = format!("🤖 Bot: {}\n\n{lines}\n(from: gift-cards)", answer.text);
    wait_for_post(&telegram, "the bot's answer with its replies", |text| {
        text == expected
    })
    .await;
    // The backend's event and the agent API's thread carry them in the message.
    let created = eventually(30, || async {
        backend
            .received()
            .into_iter()
            .map(|received| received.event)
            .find(|event| event["type"] == "message.created" && event["message"]["author"] == "bot")
            .ok_or_else(|| format!("the backend has {:?}", backend.types()))
    })
    .await;
    assert_eq!(created["message"]["replies"], json!(GIFT_CARD_REPLIES));
    assert_eq!(created["sources"], json!(["gift-cards"]));
    let key = api.agent_key("demo").await;
    let (status, thread) = api
        .agent_get(&key, &format!("/v1/agent/threads/{}", session.thread_id))
        .await;
    assert_eq!(status, 200, "{thread}");
    assert_eq!(thread["messages"][1]["replies"], json!(GIFT_CARD_REPLIES));

    // A tap on "Talk to a person" is the visitor's message with that text: the thread is
    // handed over, and the handoff notice offers no replies.
    api.send(&session, "tap", GIFT_CARD_REPLIES[2]).await;
    let history =
        wait_for_history(&api, &session, "the handoff", |history| history.len() == 4).await;
    assert_eq!(history[2].text, GIFT_CARD_REPLIES[2]);
    assert!(history[2].replies.is_empty());
    assert_eq!(history[3].author, Author::Bot);
    assert!(history[3].replies.is_empty(), "{:?}", history[3]);
    wait_for_post(&telegram, "the team's handoff note", |text| {
        text.starts_with("🙋 Handoff: the visitor asked for a person")
    })
    .await;
}
