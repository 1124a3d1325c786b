//! Web push through the real relay on workerd to a local fake push service that checks the
//! VAPID JWT and decrypts the payload with the browser's key: a team reply unseen past the
//! brand's delay is pushed once (a burst once), a reply the visitor has seen is not pushed
//! at all, a subscription the service reports gone (410) is forgotten, and a "slow down"
//! (429) is waited out and retried.

use confab_e2e::api::Api;
use confab_e2e::fakes::push::{FakePush, DEV_VAPID_PRIVATE_KEY, DEV_VAPID_SUBJECT};
use confab_e2e::fakes::Failure;
use confab_e2e::{eventually, Relay};
use confab_protocol::api::{PushKey, PushSubscription, PushSubscriptions};
use confab_protocol::{DeliveryStatus, Session};
use serde_json::{json, Value};

/// The brand's delay in these tests: a second, so nothing waits long.
const DELAY_SECONDS: u32 = 1;

/// A relay with the development VAPID key, whose `demo` brand pushes after a second.
async fn push_relay() -> (Relay, Api, String) {
    let relay = Relay::start_with(&[
        ("VAPID_PRIVATE_KEY", DEV_VAPID_PRIVATE_KEY),
        ("VAPID_SUBJECT", DEV_VAPID_SUBJECT),
    ])
    .await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "push": { "delaySeconds": DELAY_SECONDS },
            }),
        )
        .await;
    assert_eq!(status, 200);
    let key = api.agent_key("demo").await;
    (relay, api, key)
}

/// The key a widget would subscribe with.
async fn application_server_key(api: &Api) -> String {
    let response = api.http.get(api.url("/v1/push/key")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let key: PushKey = response.json().await.unwrap();
    key.public_key
}

/// `POST /v1/threads/{id}/push`: the status and body.
async fn subscribe(api: &Api, session: &Session, subscription: &Value) -> (u16, String) {
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/push", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(subscription)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

async fn subscriptions(api: &Api, session: &Session) -> PushSubscriptions {
    let response = api
        .http
        .get(api.url(&format!("/v1/threads/{}/push", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A browser of `session` subscribes at the fake; returns its subscription.
async fn browser_subscribes(api: &Api, fake: &FakePush, session: &Session) -> PushSubscription {
    let subscription = fake.subscribe(&application_server_key(api).await);
    let (status, body) = subscribe(api, session, &json!(subscription)).await;
    assert_eq!(status, 204, "{body}");
    subscription
}

/// The team replies through the agent API; returns the reply's seq.
async fn reply(api: &Api, key: &str, session: &Session, client_id: &str, text: &str) -> u64 {
    let (status, message) = api
        .agent_send(key, &session.thread_id, client_id, text)
        .await;
    assert_eq!(status, 201, "{message}");
    message["seq"].as_u64().expect("a seq")
}

/// Waits until the subscription's last push has `status`.
async fn wait_for_last_push(api: &Api, session: &Session, status: DeliveryStatus) {
    eventually(30, || async {
        let kept = subscriptions(api, session).await;
        match kept
            .subscriptions
            .first()
            .and_then(|one| one.last_push.clone())
        {
            Some(last) if last.status == status => Ok(()),
            other => Err(format!("last push {other:?}")),
        }
    })
    .await
}

fn endpoint_id(subscription: &PushSubscription) -> String {
    subscription
        .endpoint
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn unseen_replies_are_pushed_once_and_seen_ones_not_at_all() {
    let fake = FakePush::start().await;
    let (_relay, api, key) = push_relay().await;

    // A thread whose visitor sees the reply before the delay is up.
    let seen = api.session().await;
    let seen_browser = browser_subscribes(&api, &fake, &seen).await;
    let seq = reply(&api, &key, &seen, "agent-seen", "Seen at once").await;
    let read = api
        .http
        .post(api.url(&format!("/v1/threads/{}/read", seen.thread_id)))
        .bearer_auth(seen.token.as_str())
        .json(&json!({ "seq": seq }))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 204);

    // A thread whose visitor left: a burst of two replies, after the first thread's.
    let away = api.session().await;
    let away_browser = browser_subscribes(&api, &fake, &away).await;
    // A second browser, then gone again: unsubscribed, it gets nothing.
    let other = browser_subscribes(&api, &fake, &away).await;
    let forget = api
        .http
        .delete(api.url(&format!("/v1/threads/{}/push", away.thread_id)))
        .bearer_auth(away.token.as_str())
        .json(&json!({ "endpoint": other.endpoint }))
        .send()
        .await
        .unwrap();
    assert_eq!(forget.status(), 204);
    assert_eq!(subscriptions(&api, &away).await.subscriptions.len(), 1);
    reply(&api, &key, &away, "agent-1", "One moment please").await;
    reply(
        &api,
        &key,
        &away,
        "agent-2",
        "\nYour order shipped today\nTracking: 42",
    )
    .await;

    wait_for_last_push(&api, &away, DeliveryStatus::Delivered).await;
    let received = fake.received();
    assert!(fake.refused().is_empty(), "refused: {:?}", fake.refused());
    assert_eq!(received.len(), 1, "one push for the burst: {received:?}");
    assert_eq!(fake.requests(), 1, "nothing for the seen reply");
    let push = &received[0];
    assert_eq!(push.subscription, endpoint_id(&away_browser));
    assert_ne!(push.subscription, endpoint_id(&seen_browser));
    assert_eq!(push.payload["title"], "Acme Outdoor");
    assert_eq!(push.payload["body"], "Your order shipped today");
    assert_eq!(
        push.payload["tag"],
        format!("confab-{}", away.thread_id).as_str()
    );
    assert_eq!(push.ttl, 86_400);
    assert_eq!(push.urgency.as_deref(), Some("normal"));
    assert!(push.topic.as_deref().is_some_and(|topic| topic.len() <= 32));
    // The seen thread's subscription was never pushed.
    let seen_kept = subscriptions(&api, &seen).await;
    assert_eq!(seen_kept.subscriptions.len(), 1);
    assert_eq!(seen_kept.subscriptions[0].last_push, None);
}

#[tokio::test]
async fn a_gone_subscription_is_forgotten_and_slow_down_is_retried() {
    let fake = FakePush::start().await;
    let (_relay, api, key) = push_relay().await;

    // Refusals: bad keys, and a brand without push.
    let session = api.session().await;
    let mut bad = json!(fake.subscribe(&application_server_key(&api).await));
    bad["keys"]["auth"] = json!("c2hvcnQ");
    let (status, body) = subscribe(&api, &session, &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("push_subscription_invalid"), "{body}");

    // 410: the service says the subscription is gone; the thread forgets it.
    let gone = api.session().await;
    browser_subscribes(&api, &fake, &gone).await;
    fake.fail_next([Failure::Status(410)]);
    reply(&api, &key, &gone, "agent-gone", "Are you there?").await;
    eventually(30, || async {
        match subscriptions(&api, &gone).await.subscriptions.len() {
            0 => Ok(()),
            kept => Err(format!("{kept} subscriptions kept")),
        }
    })
    .await;
    assert_eq!(fake.requests(), 1);
    assert!(fake.received().is_empty());

    // 429: waited out and tried again, then delivered once.
    let busy = api.session().await;
    let browser = browser_subscribes(&api, &fake, &busy).await;
    fake.fail_next([Failure::SlowDown(1)]);
    reply(&api, &key, &busy, "agent-busy", "Here is your answer").await;
    wait_for_last_push(&api, &busy, DeliveryStatus::Delivered).await;
    let received = fake.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].subscription, endpoint_id(&browser));
    assert_eq!(received[0].payload["body"], "Here is your answer");
    assert_eq!(fake.requests(), 3, "the 410, the 429 and the retry");

    // A brand that turns push off takes no new subscriptions.
    let status = api
        .put_brand(
            "demo",
            json!({ "name": "Acme Outdoor", "allowedOrigins": ["http://127.0.0.1:*"] }),
        )
        .await;
    assert_eq!(status, 200);
    let off = api.session().await;
    let subscription = json!(fake.subscribe(&application_server_key(&api).await));
    let refused = eventually(30, || async {
        // The relay's brand cache may hold the old settings a few seconds.
        match subscribe(&api, &off, &subscription).await {
            (404, body) => Ok(body),
            (status, body) => Err(format!("{status}: {body}")),
        }
    })
    .await;
    assert!(refused.contains("push_unavailable"), "{refused}");
}
