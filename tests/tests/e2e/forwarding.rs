//! Forwarding through the real queue on workerd to local fakes of Telegram and of a brand's
//! backend: a visitor's message reaches the team's topic, the team's reply reaches the
//! widget, failures are retried exactly once over, "slow down" is waited out, and a job out
//! of attempts is dead-lettered and shown as failed.

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::fakes::Failure;
use confab_e2e::world::{
    post_telegram_update, telegram_reply, BOT_TOKEN, CHAT, HOOK_SECRET, WEBHOOK_SECRET,
};
use confab_e2e::{eventually, widget_session, Browser, Relay};
use confab_protocol::{DeliveryStatus, Session};
use serde_json::json;
use std::time::Duration;

/// A relay whose `demo` brand forwards to a fake Telegram group and, if given, a fake
/// backend.
async fn forwarding_relay(webhook: Option<&FakeWebhook>) -> (Relay, Api, FakeTelegram) {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
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
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "connectors": connectors,
            }),
        )
        .await;
    assert_eq!(status, 200);
    (relay, api, telegram)
}

/// Waits until the fake group has exactly `expected` posted, in order.
async fn wait_for_posts(telegram: &FakeTelegram, expected: &[&str]) {
    eventually(30, || async {
        let texts = telegram.texts();
        if texts == expected {
            Ok(())
        } else {
            Err(format!("Telegram has {texts:?}, expected {expected:?}"))
        }
    })
    .await
}

/// Waits until the thread's message `text` has `status`.
async fn wait_for_status(api: &Api, session: &Session, text: &str, status: DeliveryStatus) {
    eventually(30, || async {
        let history = api.history(session).await;
        let found = history.iter().find(|message| message.text == text);
        match found {
            Some(message) if message.status == status => Ok(()),
            other => Err(format!("{text:?} is {:?}", other.map(|m| &m.status))),
        }
    })
    .await
}

#[tokio::test]
async fn a_visitors_message_reaches_the_teams_topic_and_the_reply_reaches_the_widget() {
    let (relay, api, telegram) = forwarding_relay(None).await;
    let browser = Browser::start().await;
    // A page address that carries a token and an email: the team is told its path only.
    browser
        .client
        .goto(&relay.url("/pricing?token=s3cret-t0ken&email=mei%40example.com#card"))
        .await
        .unwrap();
    browser
        .send_in_widget("Do you ship to Shanghai? <b>urgent</b>")
        .await;
    let session = widget_session(&browser, &api, "demo").await;

    // A topic for the thread, opened with a summary, then the message as written.
    eventually(30, || async {
        let posted = telegram.texts();
        if posted.len() == 2 {
            Ok(())
        } else {
            Err(format!("Telegram has {posted:?}"))
        }
    })
    .await;
    let (topics, posted) = telegram.seen(|seen| (seen.topics.clone(), seen.posted.clone()));
    assert_eq!(topics.len(), 1);
    let topic = topics[0].0;
    assert!(topics[0].1.starts_with("Visitor "), "{topics:?}");
    let opener = &posted[0].text;
    assert!(
        opener.contains("Acme Outdoor")
            && opener.contains("/pricing")
            && opener.contains("Language: "),
        "{opener}"
    );
    for private in ["s3cret-t0ken", "mei", "token=", "#card"] {
        assert!(
            !opener.contains(private),
            "{private} reached Telegram: {opener}"
        );
    }
    assert_eq!(posted[1].text, "Do you ship to Shanghai? <b>urgent</b>");
    assert!(posted.iter().all(|post| post.topic_id == topic));
    wait_for_status(
        &api,
        &session,
        "Do you ship to Shanghai? <b>urgent</b>",
        DeliveryStatus::Delivered,
    )
    .await;

    // The team answers in the topic; the widget shows it, once, however often it comes.
    let reply = telegram_reply(topic, 58, "Ana", "Yes, in 2 days. 两天到。");
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &reply).await,
        200
    );
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &reply).await,
        200
    );
    browser
        .wait_for_messages(&[
            "Do you ship to Shanghai? <b>urgent</b>",
            "Yes, in 2 days. 两天到。",
        ])
        .await;
    // A forged or missing secret is refused and changes nothing.
    let forged = telegram_reply(topic, 59, "Ana", "forged");
    assert_eq!(
        post_telegram_update(&api, Some("wrong"), &forged).await,
        401
    );
    assert_eq!(post_telegram_update(&api, None, &forged).await, 401);
    assert_eq!(
        api.history_texts(&session).await,
        [
            "Do you ship to Shanghai? <b>urgent</b>",
            "Yes, in 2 days. 两天到。"
        ]
    );
    // The team's own reply is not echoed back into the topic.
    assert_eq!(telegram.texts().len(), 2);
}

#[tokio::test]
async fn a_provider_failing_twice_gets_the_message_exactly_once() {
    let (_relay, api, telegram) = forwarding_relay(None).await;
    let session = api.session().await;
    api.send(&session, "c1", "first").await;
    let opener = telegram_opener_of(&telegram).await;
    wait_for_posts(&telegram, &[opener.as_str(), "first"]).await;

    telegram.fail_next([Failure::Status(500), Failure::Status(500)]);
    api.send(&session, "c2", "second").await;
    wait_for_status(&api, &session, "second", DeliveryStatus::Delivered).await;
    assert_eq!(telegram.texts(), [opener.as_str(), "first", "second"]);
    let attempts = telegram.seen(|seen| {
        seen.calls
            .iter()
            .filter(|(method, _)| method == "sendMessage")
            .count()
    });
    assert_eq!(attempts, 2 + 3, "opener and first, then second three times");
}

/// The summary the fake group got first.
async fn telegram_opener_of(telegram: &FakeTelegram) -> String {
    eventually(30, || async {
        telegram
            .texts()
            .first()
            .cloned()
            .ok_or_else(|| "no opener yet".to_string())
    })
    .await
}

#[tokio::test]
async fn a_slow_down_answer_is_waited_out() {
    let (_relay, api, telegram) = forwarding_relay(None).await;
    let session = api.session().await;
    api.send(&session, "c1", "first").await;
    wait_for_status(&api, &session, "first", DeliveryStatus::Delivered).await;

    telegram.fail_next([Failure::SlowDown(2)]);
    api.send(&session, "c2", "second").await;
    wait_for_status(&api, &session, "second", DeliveryStatus::Delivered).await;
    let sends: Vec<_> = telegram.seen(|seen| {
        seen.calls
            .iter()
            .filter(|(method, _)| method == "sendMessage")
            .map(|(_, at)| *at)
            .collect()
    });
    let (refused, accepted) = (sends[sends.len() - 2], sends[sends.len() - 1]);
    let waited = accepted.duration_since(refused);
    assert!(
        waited >= Duration::from_secs(2),
        "retried after {waited:?}, before the 2 s Telegram asked for"
    );
}

#[tokio::test]
async fn a_job_out_of_attempts_is_dead_lettered_and_the_widget_shows_the_failure() {
    let (relay, api, telegram) = forwarding_relay(None).await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("hello").await;
    let session = widget_session(&browser, &api, "demo").await;
    wait_for_status(&api, &session, "hello", DeliveryStatus::Delivered).await;

    telegram.fail_next(std::iter::repeat_n(Failure::Status(503), 6));
    browser.send_in_widget("is anyone there?").await;
    wait_for_status(&api, &session, "is anyone there?", DeliveryStatus::Failed).await;
    let failure = browser.widget_element(".confab-failure").await;
    let shown = failure.text().await.unwrap();
    assert!(shown.contains("not delivered after 6 attempts"), "{shown}");

    let dead = api.admin_get("/v1/admin/brands/demo/dead-jobs").await;
    let jobs = dead["jobs"].as_array().cloned().unwrap_or_default();
    assert_eq!(jobs.len(), 1, "{dead}");
    assert_eq!(jobs[0]["threadId"], session.thread_id.as_str());
    assert_eq!(jobs[0]["target"], "telegram");
    assert!(
        jobs[0]["reason"].as_str().unwrap().contains("503"),
        "{dead}"
    );
}

#[tokio::test]
async fn the_brands_backend_gets_signed_events_once_each() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api, _telegram) = forwarding_relay(Some(&backend)).await;
    backend.fail_next([Failure::Status(500)]);
    let session = api.session().await;
    api.send(&session, "c1", "hello").await;
    eventually(30, || async {
        let mut types = backend.types();
        types.sort();
        if types == ["message.created", "message.status", "thread.created"] {
            Ok(())
        } else {
            Err(format!("the backend has {types:?}"))
        }
    })
    .await;
    let events = backend.received();
    let created = events
        .iter()
        .find(|received| received.event["type"] == "message.created")
        .unwrap();
    assert_eq!(created.event["threadId"], session.thread_id.as_str());
    assert_eq!(created.event["message"]["text"], "hello");
    let status = events
        .iter()
        .find(|received| received.event["type"] == "message.status")
        .unwrap();
    assert_eq!(status.event["message"]["status"], "delivered");
    assert_eq!(backend.refused(), 0, "every event was signed");
}
