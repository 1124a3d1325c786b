//! What the relay's calls to providers may cost it, and what their failures may show: a
//! provider that stalls in the middle of its answer times out like one that never answers,
//! an answer too large to be one is not read, a redirect is refused rather than followed
//! (to wherever it points), and what a provider said — which may quote the URL the relay
//! called, with the bot's token in it — reaches neither the visitor (history, socket) nor
//! the brand's webhook nor the operator's dead-job list: they get a stable reason code and
//! its sentence.

use confab_e2e::api::{Api, SocketStream};
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::fakes::{Failure, HANG};
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::world::{BOT_TOKEN, CHAT, HOOK_SECRET, WEBHOOK_SECRET};
use confab_e2e::{eventually, Relay};
use confab_protocol::message::FailureReason;
use confab_protocol::{DeliveryStatus, Message, Session};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A relay whose `demo` brand forwards to a fake Telegram group at `telegram_base` (the
/// fake's, unless a test mistypes it) and to `backend`, with `vars` on top.
async fn relay(
    telegram_base: &str,
    backend: Option<&FakeWebhook>,
    vars: &[(&str, &str)],
) -> (Relay, Api) {
    let mut all = vec![
        ("TELEGRAM_API_BASE", telegram_base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    all.extend_from_slice(vars);
    let relay = Relay::start_with(&all).await;
    let api = Api::new(relay.origin());
    assert_eq!(
        put_brand(&api, "demo", "DEMO_TELEGRAM_TOKEN", backend).await,
        200
    );
    (relay, api)
}

/// Sets `brand` to forward to Telegram with the bot token in the secret `token_secret`
/// (and to `backend`, if given): the admin API's status.
async fn put_brand(
    api: &Api,
    brand: &str,
    token_secret: &str,
    backend: Option<&FakeWebhook>,
) -> u16 {
    let mut connectors = json!({
        "telegram": {
            "chatId": CHAT,
            "botTokenSecret": token_secret,
            "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
        }
    });
    if let Some(backend) = backend {
        connectors["webhook"] = json!({ "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" });
    }
    api.put_brand(
        brand,
        json!({
            "name": "Acme Outdoor",
            "allowedOrigins": ["http://127.0.0.1:*"],
            "connectors": connectors,
        }),
    )
    .await
}

/// Waits at most `seconds` until the thread's message `text` has `status`; returns it.
async fn wait_for_status(
    api: &Api,
    session: &Session,
    text: &str,
    status: DeliveryStatus,
    seconds: u64,
) -> Message {
    eventually(seconds, || async {
        let history = api.history(session).await;
        match history.into_iter().find(|message| message.text == text) {
            Some(message) if message.status == status => Ok(message),
            other => Err(format!("{text:?} is {:?}", other.map(|m| m.status))),
        }
    })
    .await
}

/// How many `sendMessage` calls the fake group got.
fn sends(telegram: &FakeTelegram) -> usize {
    telegram.seen(|seen| {
        seen.calls
            .iter()
            .filter(|(method, _)| method == "sendMessage")
            .count()
    })
}

/// A thread whose first message reached the group (its topic exists, its opener was
/// posted): later failures are planned for the message under test alone.
async fn thread_with_a_topic(api: &Api) -> Session {
    let session = api.session().await;
    assert_eq!(api.send(&session, "c1", "first").await.0, 201);
    wait_for_status(api, &session, "first", DeliveryStatus::Delivered, 30).await;
    session
}

/// The relay's timeout: a provider silent for longer has failed this attempt.
const TIMEOUT_SECONDS: u64 = 2;

#[tokio::test]
async fn a_provider_stalling_in_the_middle_of_its_answer_times_out_and_is_tried_again() {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let timeout = TIMEOUT_SECONDS.to_string();
    let (_relay, api) = relay(
        &telegram.base,
        None,
        &[("DELIVERY_TIMEOUT_SECONDS", timeout.as_str())],
    )
    .await;
    let session = thread_with_a_topic(&api).await;
    let before = sends(&telegram);

    // The headers come at once, then the body stops coming (for 40 s, then the fake
    // drops the connection). A timeout that covered the headers alone would wait all that.
    telegram.fail_next([Failure::HangInBody]);
    let started = Instant::now();
    assert_eq!(api.send(&session, "c2", "second").await.0, 201);
    let limit = HANG.as_secs() / 2;
    wait_for_status(&api, &session, "second", DeliveryStatus::Delivered, limit).await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(TIMEOUT_SECONDS),
        "delivered after {took:?}, before the stalled answer could have timed out"
    );
    assert_eq!(
        sends(&telegram) - before,
        2,
        "the stalled attempt, then the one that went through"
    );
    let texts = telegram.texts();
    assert_eq!(texts.iter().filter(|text| *text == "second").count(), 1);
    assert_eq!(texts.last().map(String::as_str), Some("second"));
}

#[tokio::test]
async fn an_answer_too_large_to_be_one_is_not_read_and_the_message_is_tried_again() {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let (_relay, api) = relay(&telegram.base, None, &[]).await;
    let session = thread_with_a_topic(&api).await;
    let before = sends(&telegram);

    // 4 MiB of a well-formed success, without a length, and nothing posted: a relay that
    // reads whole answers takes it for a delivery.
    telegram.fail_next([Failure::HugeAnswer]);
    assert_eq!(api.send(&session, "c2", "second").await.0, 201);
    wait_for_status(&api, &session, "second", DeliveryStatus::Delivered, 30).await;
    let texts = telegram.texts();
    assert_eq!(
        texts.iter().filter(|text| *text == "second").count(),
        1,
        "marked delivered, but the group has {texts:?}"
    );
    assert_eq!(
        sends(&telegram) - before,
        2,
        "the huge answer, then the real one"
    );
}

#[tokio::test]
async fn a_webhook_answering_with_a_redirect_is_refused_and_the_redirect_not_followed() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    // An address of the relay's own network, sharing the secret: a relay that followed a
    // 307 would hand it the signed event, and it would take it.
    let internal = FakeWebhook::start(WEBHOOK_SECRET).await;
    let relay = Relay::start_with(&[("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "connectors": {
                    "webhook": { "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" },
                },
            }),
        )
        .await;
    assert_eq!(status, 200);
    // thread.created, message.created and the message's failed status: each redirected.
    backend.fail_next([
        Failure::Redirect(307, internal.url.clone()),
        Failure::Redirect(302, internal.url.clone()),
        Failure::Redirect(307, internal.url.clone()),
    ]);
    let session = api.session().await;
    assert_eq!(api.send(&session, "c1", "hello").await.0, 201);

    eventually(30, || async {
        match backend.requests() {
            3 => Ok(()),
            other => Err(format!("the backend got {other} requests")),
        }
    })
    .await;
    // Time for a follow, or a retry, to arrive if the relay made one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(internal.requests(), 0, "the relay followed a redirect");
    assert!(internal.received().is_empty());
    assert_eq!(
        backend.requests(),
        3,
        "a refusal is not retried: one request per event"
    );
    // The visitor's message did not reach the backend: failed, for a stable reason.
    let failed = wait_for_status(&api, &session, "hello", DeliveryStatus::Failed, 30).await;
    assert_eq!(
        failed.failure_code(),
        Some(FailureReason::Redirected),
        "{failed:?}"
    );
    assert_eq!(
        failed.failure.as_deref(),
        Some(FailureReason::Redirected.text())
    );
    assert!(backend.received().is_empty(), "{:?}", backend.types());
}

/// What no visitor, webhook or operator list may show: the bot's token, the URL it is in,
/// the names of the Worker secrets.
const NEVER_SHOWN: [&str; 7] = [
    BOT_TOKEN,
    "fake-bot-token",
    "/bot",
    "api.telegram.org",
    "http",
    "DEMO_TELEGRAM_TOKEN",
    "ACME_TELEGRAM_TOKEN",
];

fn assert_nothing_secret(what: &str, text: &str) {
    for secret in NEVER_SHOWN {
        assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
    }
}

/// The raw text of the socket's frames until the message `seq` arrives `failed`.
async fn frames_until_failed(stream: &mut SocketStream, seq: u64) -> Vec<String> {
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let next = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no failed frame for {seq} in 30 s: {frames:?}"))
            .expect("the socket is open")
            .expect("a readable frame");
        let WsMessage::Text(text) = next else {
            continue;
        };
        let frame: Value = serde_json::from_str(&text).expect("a JSON frame");
        frames.push(text.to_string());
        if frame["type"] == "message"
            && frame["message"]["seq"] == seq
            && frame["message"]["status"] == "failed"
        {
            return frames;
        }
    }
}

/// The thread's history as the API gives it, as JSON text.
async fn history_json(api: &Api, session: &Session) -> String {
    api.http
        .get(api.url(&format!(
            "/v1/threads/{}/messages?after=0",
            session.thread_id
        )))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .expect("the relay answers")
        .text()
        .await
        .expect("a body")
}

/// Waits until the backend took `count` events, then has it ask for `seconds` of delay
/// (one second at a time, each answer postponing the event): the visitor's next message
/// is not marked delivered by reaching the backend before its Telegram job has failed.
/// (A backend that hung instead would hold up the local queue's next batches with it.)
async fn slow_the_next_event(backend: &FakeWebhook, count: usize, seconds: usize) {
    eventually(30, || async {
        match backend.received().len() {
            n if n == count => Ok(()),
            _ => Err(format!("the backend has {:?}", backend.types())),
        }
    })
    .await;
    backend.fail_next(std::iter::repeat_n(Failure::SlowDown(1), seconds));
}

/// Waits for the backend's `message.status` event of `seq`; returns it as JSON text.
async fn status_event(backend: &FakeWebhook, seq: u64) -> String {
    eventually(30, || async {
        backend
            .received()
            .into_iter()
            .find(|received| {
                received.event["type"] == "message.status"
                    && received.event["message"]["seq"] == seq
            })
            .map(|received| received.event.to_string())
            .ok_or_else(|| format!("the backend has {:?}", backend.types()))
    })
    .await
}

#[tokio::test]
async fn a_mistyped_api_base_or_a_missing_secret_shows_a_reason_never_the_token() {
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    // No scheme: the method URL the relay builds (with the bot's token in its path) is not
    // one it can call, and the runtime's error quotes it.
    let (_relay, api) = relay("api.telegram.org", Some(&backend), &[]).await;
    assert_eq!(
        put_brand(&api, "acme", "ACME_TELEGRAM_TOKEN", None).await,
        201
    );

    let session = api.session().await;
    slow_the_next_event(&backend, 1, 3).await;
    let socket = api.socket(&session, 0).await;
    let (_sink, mut frames) = socket.split();
    let (status, sent) = api.send(&session, "c1", "hello").await;
    assert_eq!(status, 201);
    let failed = wait_for_status(&api, &session, "hello", DeliveryStatus::Failed, 30).await;
    assert_eq!(failed.failure_code(), Some(FailureReason::NotConfigured));
    assert_eq!(
        failed.failure.as_deref(),
        Some(FailureReason::NotConfigured.text())
    );
    let history = history_json(&api, &session).await;
    assert!(
        history.contains(r#""failureCode":"not_configured""#),
        "{history}"
    );
    assert_nothing_secret("the history", &history);
    let frames = frames_until_failed(&mut frames, sent.seq.0).await;
    assert!(
        frames
            .last()
            .is_some_and(|frame| frame.contains(r#""failureCode":"not_configured""#)),
        "{frames:?}"
    );
    assert_nothing_secret("the socket", &frames.join("\n"));
    let event = status_event(&backend, sent.seq.0).await;
    assert!(
        event.contains(r#""failureCode":"not_configured""#),
        "{event}"
    );
    assert_nothing_secret("the webhook event", &event);

    // A brand whose settings name a secret the Worker does not have.
    let other = api.session_of("acme").await;
    assert_eq!(api.send(&other, "c1", "hi").await.0, 201);
    let failed = wait_for_status(&api, &other, "hi", DeliveryStatus::Failed, 30).await;
    assert_eq!(failed.failure_code(), Some(FailureReason::NotConfigured));
    assert_nothing_secret("the history", &history_json(&api, &other).await);
}

#[tokio::test]
async fn a_provider_quoting_the_tokened_url_until_the_job_dies_shows_a_reason_never_the_token() {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let (_relay, api) = relay(&telegram.base, Some(&backend), &[]).await;
    let session = thread_with_a_topic(&api).await;
    slow_the_next_event(&backend, 3, 6).await;

    // Six answers of 503 whose text quotes the URL called: `…/bot<token>/sendMessage`.
    telegram.fail_next(std::iter::repeat_n(Failure::QuoteUrl(503), 6));
    let (status, sent) = api.send(&session, "c2", "second").await;
    assert_eq!(status, 201);
    let failed = wait_for_status(&api, &session, "second", DeliveryStatus::Failed, 60).await;
    assert_eq!(
        failed.failure_code(),
        Some(FailureReason::ProviderUnavailable),
        "{failed:?}"
    );
    let history = history_json(&api, &session).await;
    assert!(
        history.contains(r#""failureCode":"provider_unavailable""#),
        "{history}"
    );
    assert_nothing_secret("the history", &history);
    let event = status_event(&backend, sent.seq.0).await;
    assert_nothing_secret("the webhook event", &event);

    // The operator's list says what happened, without the token either.
    let dead = eventually(30, || async {
        let dead: Value = api
            .http
            .get(api.url("/v1/admin/brands/demo/dead-jobs"))
            .bearer_auth(TEST_ADMIN_SECRET)
            .send()
            .await
            .expect("the relay answers")
            .json()
            .await
            .expect("a JSON answer");
        match dead["jobs"].as_array().map(Vec::len) {
            Some(1) => Ok(dead),
            _ => Err(format!("dead jobs: {dead}")),
        }
    })
    .await;
    let reason = dead["jobs"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("not delivered after 6 attempts") && reason.contains("503"),
        "{dead}"
    );
    assert_nothing_secret("the dead jobs", &dead.to_string());
}
