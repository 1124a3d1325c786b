//! A thread's life on real workerd: brands managed through the admin API, verified users on
//! several devices, typing notices, transcripts, erasure, retention, and send limits.

use confab_e2e::api::Api;
use confab_e2e::relay::{user_hash, TEST_ADMIN_SECRET};
use confab_e2e::{eventually, Relay};
use confab_protocol::{Author, ClientFrame, ServerFrame, Session, Transcript};
use serde_json::{json, Value};

#[tokio::test]
async fn brands_are_managed_through_the_admin_api() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let put = |body: Value, secret: &str| {
        api.http
            .put(api.url("/v1/admin/brands/acme"))
            .bearer_auth(secret)
            .json(&body)
    };
    let settings = json!({
        "name": "Acme", "allowedOrigins": ["https://www.acme.example"],
        "greeting": "Hello!", "themeColor": "#ff6600"
    });
    let status = |response: reqwest::Response| response.status().as_u16();
    assert_eq!(
        status(put(settings.clone(), "wrong").send().await.unwrap()),
        401
    );
    assert_eq!(
        status(
            put(settings.clone(), TEST_ADMIN_SECRET)
                .send()
                .await
                .unwrap()
        ),
        201
    );
    assert_eq!(
        status(
            put(settings.clone(), TEST_ADMIN_SECRET)
                .send()
                .await
                .unwrap()
        ),
        200
    );
    let invalid = json!({ "name": "Acme", "themeColor": "orange" });
    assert_eq!(
        status(put(invalid, TEST_ADMIN_SECRET).send().await.unwrap()),
        422
    );

    let stored: Value = api
        .http
        .get(api.url("/v1/admin/brands/acme"))
        .bearer_auth(TEST_ADMIN_SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["greeting"], "Hello!");
    assert_eq!(
        stored["retentionSeconds"],
        180 * 24 * 3600,
        "defaults are filled in"
    );

    // The new brand works at once, and its profile reaches the widget.
    let (code, session) = api.post_session(json!({ "brand": "acme" })).await;
    assert_eq!(code, 201);
    assert_eq!(session["brand"]["name"], "Acme");
    assert_eq!(session["brand"]["themeColor"], "#ff6600");
    let refused = api
        .http
        .post(api.url("/v1/sessions"))
        .header("Origin", "http://127.0.0.1:1")
        .json(&json!({ "brand": "acme" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403, "acme allows only its own origin");

    let key = api.agent_key("acme").await;
    assert!(key.starts_with("ck_") && key.len() > 40, "{key}");
}

#[tokio::test]
async fn a_verified_user_gets_one_thread_on_every_device() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let hash = user_hash("user-42");

    // On a laptop, anonymous first: the thread is adopted when the user signs in.
    let anonymous = api.session().await;
    api.send(&anonymous, "laptop-1", "hello from the laptop")
        .await;
    let (code, laptop) = api.post_session(json!({ "brand": "demo", "token": anonymous.token, "userId": "user-42", "userHash": hash }),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(laptop["threadId"], anonymous.thread_id.as_str());

    // On a phone, with no token at all: the same thread and its history.
    let (_, phone) = api
        .post_session(json!({ "brand": "demo", "userId": "user-42", "userHash": hash }))
        .await;
    assert_eq!(phone["threadId"], anonymous.thread_id.as_str());
    let phone: Session = serde_json::from_value(phone).unwrap();
    let texts: Vec<String> = api
        .history(&phone)
        .await
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, vec!["hello from the laptop"]);

    // A wrong or missing hash is refused.
    for body in [
        json!({ "brand": "demo", "userId": "user-42", "userHash": user_hash("user-43") }),
        json!({ "brand": "demo", "userId": "user-42" }),
    ] {
        let (code, error) = api.post_session(body).await;
        assert_eq!(
            (code, error["error"]["code"].as_str()),
            (401, Some("identity_invalid"))
        );
    }
}

#[tokio::test]
async fn typing_notices_reach_the_other_sockets_only() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let mut typist = api.socket(&session, 0).await;
    let mut watcher = api.socket(&session, 0).await;
    typist.until_ready().await;
    watcher.until_ready().await;
    typist.send(&ClientFrame::Typing { active: true }).await;
    assert_eq!(
        watcher.next().await,
        ServerFrame::Typing {
            author: Author::Visitor,
            active: true,
            name: None,
        }
    );
    // The typist's next frame is the answer to its ping, not its own notice.
    typist.send(&ClientFrame::Ping).await;
    assert_eq!(typist.next().await, ServerFrame::Pong);
}

#[tokio::test]
async fn transcripts_come_as_json_and_text() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    api.send(&session, "t1", "Is the <b>blue</b> tent in stock?")
        .await;
    api.send(&session, "t2", "蓝色的还有货吗?").await;
    let url = |format: &str| {
        api.url(&format!(
            "/v1/threads/{}/transcript?format={format}",
            session.thread_id
        ))
    };
    let json: Transcript = api
        .http
        .get(url("json"))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (json.brand.as_str(), json.messages.len()),
        ("Acme Outdoor", 2)
    );
    let text = api
        .http
        .get(url("text"))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap();
    assert!(text.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = text.text().await.unwrap();
    assert!(
        text.starts_with("Conversation with Acme Outdoor\n"),
        "{text}"
    );
    assert!(
        text.contains("You:\nIs the <b>blue</b> tent in stock?\n"),
        "{text}"
    );
    assert!(text.contains("You:\n蓝色的还有货吗?\n"), "{text}");
}

#[tokio::test]
async fn erasure_removes_the_thread_everywhere() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let hash = user_hash("user-7");
    let (_, session) = api
        .post_session(json!({ "brand": "demo", "userId": "user-7", "userHash": hash }))
        .await;
    let session: Session = serde_json::from_value(session).unwrap();
    api.send(&session, "e1", "please forget me").await;
    let mut socket = api.socket(&session, 0).await;
    socket.until_ready().await;

    let erased = api
        .http
        .delete(api.url(&format!("/v1/threads/{}", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);
    assert_eq!(socket.next().await, ServerFrame::Erased);
    let gone = api
        .http
        .get(api.url(&format!("/v1/threads/{}/messages", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 410);

    // The old token and the user's directory entry now lead to a new, empty thread.
    for body in [
        json!({ "brand": "demo", "token": session.token }),
        json!({ "brand": "demo", "userId": "user-7", "userHash": hash }),
    ] {
        let (code, fresh) = api.post_session(body).await;
        assert_eq!(code, 201);
        assert_ne!(fresh["threadId"], session.thread_id.as_str());
        let fresh: Session = serde_json::from_value(fresh).unwrap();
        assert!(api.history(&fresh).await.is_empty());
    }
}

#[tokio::test]
async fn idle_threads_are_erased_after_the_brands_retention() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let brief = json!({ "name": "Brief", "allowedOrigins": [], "retentionSeconds": 2 });
    assert_eq!(api.put_brand("brief", brief).await, 201);
    let session = api.session_of("brief").await;
    assert_eq!(api.send(&session, "r1", "short-lived").await.0, 201);
    eventually(20, || async {
        match api.thread_status(&session).await {
            410 => Ok(()),
            other => Err(format!("the idle thread still answers {other}")),
        }
    })
    .await;
}

#[tokio::test]
async fn floods_get_429_with_retry_after() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    // One visitor: the demo brand allows a burst of 30 sends, then one a second. The first
    // 30 always pass; 60 sent as fast as possible cannot all pass, whatever the machine's
    // speed, unless they took half a minute.
    let session = api.session().await;
    let started = std::time::Instant::now();
    let mut statuses = Vec::new();
    for i in 0..60 {
        let response = api
            .http
            .post(api.url(&format!("/v1/threads/{}/messages", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .json(&json!({ "clientId": format!("f{i}"), "text": "flood" }))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
        }
        statuses.push(response.status().as_u16());
    }
    assert!(
        started.elapsed().as_secs() < 29,
        "the flood was too slow to prove anything"
    );
    assert!(
        statuses[..30].iter().all(|&status| status == 201),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    let accepted = statuses.iter().filter(|&&status| status == 201).count();
    assert_eq!(
        api.history(&session).await.len(),
        accepted,
        "refused sends stored nothing"
    );

    // One address: at most 30 new sessions a minute. The limiter counts in fixed windows,
    // so a burst that straddles a window's end may pass 30 before its first refusal; 61
    // attempts within a minute must meet one, however the windows fall.
    let mut refused = None;
    for _ in 0..61 {
        let response = api
            .http
            .post(api.url("/v1/sessions"))
            .json(&json!({ "brand": "demo" }))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            refused = Some(
                response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .to_string(),
            );
            break;
        }
    }
    assert_eq!(
        refused.as_deref(),
        Some("60"),
        "sessions per IP are limited"
    );
}

async fn mark_read(api: &Api, session: &Session, seq: u64) -> u16 {
    api.http
        .post(api.url(&format!("/v1/threads/{}/read", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "seq": seq }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn agents_answer_with_their_brands_key_and_reads_follow_the_brands_policy() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    api.send(&session, "q1", "Does the blue tent ship tomorrow?")
        .await;
    let mut socket = api.socket(&session, 1).await;
    socket.until_ready().await;

    let key = api.agent_key("demo").await;
    let (status, answer) = api
        .agent_send(&key, &session.thread_id, "a1", "Yes, it ships tomorrow.")
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        (answer["author"].as_str(), answer["channel"].as_str()),
        (Some("agent"), Some("api"))
    );
    let ServerFrame::Message { message } = socket.next().await else {
        panic!("a message frame")
    };
    assert_eq!((message.seq.0, message.author), (2, Author::Agent));

    // Keys work only for their own brand's threads; no key, no answer.
    let bench_key = api.agent_key("bench").await;
    assert_eq!(
        api.agent_send(
            &bench_key,
            &session.thread_id,
            "a2",
            "Yes, it ships tomorrow."
        )
        .await
        .0,
        404
    );
    assert_eq!(
        api.agent_send(
            "ck_not-a-key",
            &session.thread_id,
            "a3",
            "Yes, it ships tomorrow."
        )
        .await
        .0,
        401
    );

    // The visitor reads: the team's message turns "read" on every socket; theirs stays "sent".
    assert_eq!(mark_read(&api, &session, 2).await, 204);
    let ServerFrame::Message { message } = socket.next().await else {
        panic!("a message frame")
    };
    assert_eq!(
        (message.seq.0, message.status),
        (2, confab_protocol::DeliveryStatus::Read)
    );
    let statuses: Vec<_> = api
        .history(&session)
        .await
        .iter()
        .map(|m| m.status)
        .collect();
    use confab_protocol::DeliveryStatus::{Read, Sent};
    assert_eq!(statuses, vec![Sent, Read]);

    // A brand that does not report reads leaves the team's messages unread.
    let quiet = json!({ "name": "Quiet", "readReceipts": "off" });
    assert_eq!(api.put_brand("quiet", quiet).await, 201);
    let quiet_session = api.session_of("quiet").await;
    let quiet_key = api.agent_key("quiet").await;
    assert_eq!(
        api.agent_send(
            &quiet_key,
            &quiet_session.thread_id,
            "a1",
            "Yes, it ships tomorrow."
        )
        .await
        .0,
        201
    );
    assert_eq!(mark_read(&api, &quiet_session, 1).await, 204);
    let statuses: Vec<_> = api
        .history(&quiet_session)
        .await
        .iter()
        .map(|m| m.status)
        .collect();
    assert_eq!(statuses, vec![Sent]);
}
