//! Resolution and ratings through the real relay, its queue and local fakes of Telegram and
//! of the brand's backend: `/resolve` in the team's topic tells the visitor (a system line),
//! the backend (`thread.resolved`) and the session (`rating: "wanted"`); the visitor's
//! rating is accepted once and reaches the topic and the backend; a visitor message
//! reopens the thread; the agent API resolves and reopens, in the visitor's language; an
//! agent message's quick replies reach the visitor's history and the backend.

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::world::{
    post_telegram_update, telegram_reply, BOT_TOKEN, CHAT, HOOK_SECRET, WEBHOOK_SECRET,
};
use confab_e2e::{eventually, Relay};
use confab_protocol::{Author, Message, RatingStatus, Session};
use serde_json::{json, Value};

/// A relay whose `demo` brand forwards to a fake Telegram group and a fake backend.
async fn resolution_relay(backend: &FakeWebhook) -> (Relay, Api, FakeTelegram) {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
    let api = Api::new(relay.origin());
    let settings = json!({
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
    assert_eq!(api.put_brand("demo", settings).await, 200);
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
            false => Err(format!("waiting for {what}; the thread has {history:?}")),
        }
    })
    .await
}

/// `POST path` with `bearer` and `body`: the status and the JSON answer.
async fn post(api: &Api, path: &str, bearer: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = api.http.post(api.url(path)).bearer_auth(bearer);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The visitor rates the thread: the status and the answer.
async fn rate(api: &Api, session: &Session, body: Value) -> (u16, Value) {
    let path = format!("/v1/threads/{}/rating", session.thread_id);
    post(api, &path, session.token.as_str(), Some(body)).await
}

/// Where the thread stands as the visitor's next session says.
async fn standing(api: &Api, session: &Session) -> (bool, Option<RatingStatus>) {
    let resumed = api.resume("demo", session.token.as_str()).await;
    assert_eq!(resumed.thread_id, session.thread_id);
    (resumed.resolved, resumed.rating)
}

#[tokio::test]
async fn resolved_in_telegram_rated_once_and_reopened_by_the_visitor() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api, telegram) = resolution_relay(&backend).await;
    let session = session_in(&api, "en-GB").await;
    assert_eq!((session.resolved, session.rating), (false, None));
    api.send(&session, "v1", "My order has not arrived").await;
    telegram.wait_for_post("My order has not arrived").await;
    let topic = telegram.seen(|seen| seen.topics[0].0);
    let reply = telegram_reply(topic, 80, "Ana", "It ships today, sorry for the wait!");
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &reply).await,
        200
    );

    // Nothing to rate before the thread is resolved (the brand set no quiet time).
    let (status, body) = rate(&api, &session, json!({ "score": 5 })).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("rating_not_wanted"))
    );

    // `/resolve` in the topic: the visitor's line, the team's note, the backend's event.
    let resolve = telegram_reply(topic, 81, "Ana", "/resolve");
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &resolve).await,
        200
    );
    let history = wait_for_history(&api, &session, "the resolution", |history| {
        history.len() == 3
    })
    .await;
    let line = &history[2];
    assert_eq!(line.author, Author::System);
    assert_eq!(line.text, "This conversation was marked as resolved");
    // The command is not an answer: the visitor never sees it.
    assert!(history.iter().all(|message| message.text != "/resolve"));
    telegram.wait_for_post("✅ Marked as resolved").await;
    let resolved = backend.wait_for_event("thread.resolved", |_| true).await;
    assert_eq!(resolved["message"]["text"], line.text.as_str());
    assert_eq!(resolved["threadId"], session.thread_id.as_str());
    assert_eq!(
        standing(&api, &session).await,
        (true, Some(RatingStatus::Wanted))
    );
    // Telegram delivering the command again resolves nothing twice.
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &resolve).await,
        200
    );

    // A bad rating is refused as such; a good one is taken once.
    for bad in [
        json!({ "score": 7 }),
        json!({ "score": 0 }),
        json!({ "score": 2.5 }),
    ] {
        let (status, body) = rate(&api, &session, bad.clone()).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (422, &json!("rating_invalid")),
            "{bad}"
        );
    }
    let long = "a".repeat(1001);
    let (status, _) = rate(&api, &session, json!({ "score": 4, "comment": long })).await;
    assert_eq!(status, 422);
    let good = json!({ "score": 4, "comment": "Quick and kind" });
    let (status, body) = rate(&api, &session, good.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({ "resolved": true, "rating": "given" }));
    let (status, body) = rate(&api, &session, good).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (409, &json!("already_rated"))
    );
    telegram
        .wait_for_post("⭐️⭐️⭐️⭐️ 4/5 — Quick and kind")
        .await;
    let rated = backend.wait_for_event("thread.rated", |_| true).await;
    assert_eq!(
        rated["rating"],
        json!({ "score": 4, "comment": "Quick and kind" })
    );
    assert_eq!(
        standing(&api, &session).await,
        (true, Some(RatingStatus::Given))
    );
    let resolutions = backend
        .received()
        .into_iter()
        .filter(|received| received.event["type"] == "thread.resolved")
        .count();
    assert_eq!(
        resolutions, 1,
        "one resolution, however often the command came"
    );

    // The visitor writes again: the thread reopens, and there is nothing to rate.
    api.send(&session, "v2", "One more thing: can I change the address?")
        .await;
    let reopened = backend.wait_for_event("thread.reopened", |_| true).await;
    assert_eq!(
        reopened["message"]["text"],
        "One more thing: can I change the address?"
    );
    telegram
        .wait_for_post("↩️ Reopened (the visitor wrote again)")
        .await;
    assert_eq!(standing(&api, &session).await, (false, None));
    let (status, _) = rate(&api, &session, json!({ "score": 5 })).await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn the_agent_api_resolves_in_the_visitors_language_and_reopens() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api, telegram) = resolution_relay(&backend).await;
    let key = api.agent_key("demo").await;
    let session = session_in(&api, "zh-CN").await;
    api.send(&session, "v1", "我的订单还没到").await;
    let resolve = format!("/v1/agent/threads/{}/resolve", session.thread_id);
    let reopen = format!("/v1/agent/threads/{}/reopen", session.thread_id);

    // Only with the brand's agent key.
    let (status, _) = post(&api, &resolve, session.token.as_str(), None).await;
    assert_eq!(status, 401);

    let (status, body) = post(&api, &resolve, &key, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "resolved": true, "rating": "wanted" }));
    let history = wait_for_history(&api, &session, "the resolution", |history| {
        history.len() == 2
    })
    .await;
    assert_eq!(history[1].author, Author::System);
    assert_eq!(history[1].text, "此对话已被标记为已解决");
    telegram
        .wait_for_post("✅ Marked as resolved (through the API)")
        .await;
    // Resolving again changes nothing.
    let (status, body) = post(&api, &resolve, &key, None).await;
    assert_eq!((status, body["resolved"].clone()), (200, json!(true)));

    let (status, body) = post(&api, &reopen, &key, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "resolved": false }));
    let reopened = backend.wait_for_event("thread.reopened", |_| true).await;
    assert!(reopened.get("message").is_none(), "{reopened}");
    telegram
        .wait_for_post("↩️ Reopened (through the API)")
        .await;
    assert_eq!(standing(&api, &session).await, (false, None));
    // Reopening what is open changes nothing.
    let (status, body) = post(&api, &reopen, &key, None).await;
    assert_eq!((status, body), (200, json!({ "resolved": false })));
    let history = api.history(&session).await;
    assert_eq!(history.len(), 2, "no second notice: {history:?}");
}

#[tokio::test]
async fn an_agent_messages_quick_replies_reach_the_visitor_and_the_backend() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api, _telegram) = resolution_relay(&backend).await;
    let key = api.agent_key("demo").await;
    let session = session_in(&api, "en-GB").await;
    api.send(&session, "v1", "Where is my parcel?").await;
    let send = format!("/v1/agent/threads/{}/messages", session.thread_id);

    // Too many buttons, or one too long, are refused; the message is not stored.
    for replies in [
        json!(["a", "b", "c", "d", "e"]),
        json!(["x".repeat(41)]),
        json!(["Yes", "Yes"]),
    ] {
        let body = json!({ "clientId": "bad", "text": "Anything else?", "replies": replies });
        let (status, answer) = post(&api, &send, &key, Some(body)).await;
        assert_eq!(
            (status, &answer["error"]["code"]),
            (400, &json!("invalid_parameter")),
            "{replies}"
        );
    }

    let body = json!({
        "clientId": "a1",
        "text": "It left our warehouse today. Anything else?",
        "replies": [" Track my parcel ", "No, thanks"],
    });
    let (status, stored) = post(&api, &send, &key, Some(body)).await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(stored["replies"], json!(["Track my parcel", "No, thanks"]));
    let history = wait_for_history(&api, &session, "the team's reply", |history| {
        history.len() == 2
    })
    .await;
    assert_eq!(history[1].author, Author::Agent);
    assert_eq!(history[1].replies, vec!["Track my parcel", "No, thanks"]);
    let created = backend
        .wait_for_event("message.created", |event| {
            event["message"]["clientId"] == "a1"
        })
        .await;
    assert_eq!(
        created["message"]["replies"],
        json!(["Track my parcel", "No, thanks"])
    );

    // A tap is an ordinary visitor message with the button's text, and offers nothing.
    let (status, tapped) = api.send(&session, "v2", "Track my parcel").await;
    assert_eq!(status, 201);
    assert_eq!(tapped.author, Author::Visitor);
    assert!(tapped.replies.is_empty());
    // Messages without buttons carry no `replies` key at all (older widgets see nothing new).
    let (_, plain) = post(
        &api,
        &send,
        &key,
        Some(json!({ "clientId": "a2", "text": "Here it is." })),
    )
    .await;
    assert!(plain.get("replies").is_none(), "{plain}");
}
