//! One thread, two channels: a visitor carries the web thread into WeChat by scanning the
//! brand's QR code (a scene carrying a link code) and back, through the real relay, the
//! real queue and a fake Official Account API, with hooks shaped like the documentation's
//! examples, signed (and, in safe mode, encrypted) as WeChat does.

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::wechat::FakeWechat;
use confab_e2e::fakes::Failure;
use confab_e2e::world::{BOT_TOKEN, CHAT, HOOK_SECRET};
use confab_e2e::{eventually, repo_root, widget_session, Browser, Relay};
use confab_protocol::{
    Author, Channel, DeliveryStatus, FailureReason, Link, Message, Session, Timestamp,
};
use confab_relay::connector::wechat::crypto;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const APP_ID: &str = "wx5823bf96d3bd56c7";
const APP_SECRET: &str = "fake-wechat-app-secret";
const HOOK_TOKEN: &str = "fake-wechat-hook-token";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const ACCOUNT: &str = "gh_7f083739789a";
const OPEN_ID: &str = "oia2TjjewbmiOUlr6X-1crbLOvLw";
const FIXTURE_CODE: &str = "LINK-7K2Q9XM4HV8RT";

/// How the hook is signed.
#[derive(Clone, Copy)]
enum Mode {
    /// `signature` only, with this token.
    Plain(&'static str),
    /// Safe mode: encrypted with this EncodingAESKey, `msg_signature` with the hook token.
    Safe(&'static str),
}

/// A relay whose `demo` brand has a (fake) Official Account, and its team a (fake)
/// Telegram group.
async fn wechat_relay(safe: bool, template: bool) -> (Relay, Api, FakeWechat, FakeTelegram) {
    let wechat = FakeWechat::start(APP_ID, APP_SECRET).await;
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("WECHAT_API_BASE", &wechat.base),
        ("DEMO_WECHAT_SECRET", APP_SECRET),
        ("DEMO_WECHAT_TOKEN", HOOK_TOKEN),
        ("DEMO_WECHAT_AES_KEY", AES_KEY),
        // The fault switch (armed only where a test asks): D1 held back on demand.
        ("CONFAB_FAULTS", "on"),
    ])
    .await;
    let api = Api::new(relay.origin());
    let mut account = json!({
        "appId": APP_ID,
        "appSecret": "DEMO_WECHAT_SECRET",
        "token": "DEMO_WECHAT_TOKEN",
        "originalId": ACCOUNT,
    });
    if safe {
        account["encodingAesKey"] = json!("DEMO_WECHAT_AES_KEY");
    }
    if template {
        account["templateId"] = json!("ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY");
    }
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "connectors": {
                    "wechat": account,
                    "telegram": {
                        "chatId": CHAT,
                        "botTokenSecret": "DEMO_TELEGRAM_TOKEN",
                        "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
                    },
                },
            }),
        )
        .await;
    assert_eq!(status, 200);
    (relay, api, wechat, telegram)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A fixture body, with replacements (`from` → `to`).
fn fixture(name: &str, replacements: &[(&str, &str)]) -> String {
    let path = repo_root().join(format!("relay/tests/fixtures/wechat/{name}.xml"));
    let mut body = std::fs::read_to_string(path).unwrap();
    for (from, to) in replacements {
        assert!(body.contains(from), "{name} has no {from}");
        body = body.replace(from, to);
    }
    body
}

/// The query of a hook call signed with `token`, now.
fn signed_query(token: &str) -> (String, String, String) {
    static NONCE: AtomicU64 = AtomicU64::new(1_714_036_504);
    let timestamp = (now_ms() / 1000).to_string();
    let nonce = NONCE.fetch_add(1, Ordering::Relaxed).to_string();
    let query = format!(
        "signature={}&timestamp={timestamp}&nonce={nonce}&openid={OPEN_ID}",
        crypto::signature(token, &timestamp, &nonce)
    );
    (query, timestamp, nonce)
}

/// POSTs `xml` to the brand's hook as WeChat would: the status and the answer's text.
async fn post_hook(api: &Api, xml: &str, mode: Mode) -> (u16, String) {
    let (query, body) = match mode {
        Mode::Plain(token) => (signed_query(token).0, xml.to_string()),
        Mode::Safe(encoding_key) => {
            let key = crypto::AesKey::from_encoding_key(encoding_key).unwrap();
            let random: [u8; 16] = std::array::from_fn(|i| (now_ms() as u8).wrapping_add(i as u8));
            let encrypted = crypto::encrypt(&key, random, xml.as_bytes(), APP_ID);
            let (query, timestamp, nonce) = signed_query(HOOK_TOKEN);
            let query = format!(
                "{query}&encrypt_type=aes&msg_signature={}",
                crypto::msg_signature(HOOK_TOKEN, &timestamp, &nonce, &encrypted)
            );
            let body = format!(
                "<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            );
            (query, body)
        }
    };
    let response = reqwest::Client::new()
        .post(api.url(&format!("/v1/hooks/wechat/demo?{query}")))
        .header("Content-Type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// A WeChat link for the session's thread: checked, and the scene the fake was asked for.
async fn wechat_link(api: &Api, wechat: &FakeWechat, session: &Session) -> Link {
    let (status, body) = api.create_link(session, "wechat").await;
    assert_eq!(status, 201, "{body}");
    let link: Link = serde_json::from_value(body).unwrap();
    assert!(
        link.url.starts_with("http://weixin.qq.com/q/"),
        "{}",
        link.url
    );
    assert!(link.qr_svg.contains("<svg"), "a QR code");
    assert_eq!(wechat.scenes().last(), Some(&link.code));
    link
}

/// The user `open_id` scans the link's QR code at `at_ms` (twice: WeChat retries).
async fn scan(api: &Api, wechat: &FakeWechat, link: &Link, open_id: &str, at_ms: u64, mode: Mode) {
    let seconds = (at_ms / 1000).to_string();
    let body = fixture(
        "subscribe-scene",
        &[
            (FIXTURE_CODE, &link.code),
            ("1795000000", &seconds),
            (OPEN_ID, open_id),
        ],
    );
    wechat.interacted(open_id, at_ms);
    for _ in 0..2 {
        assert_eq!(
            post_hook(api, &body, mode).await,
            (200, "success".to_string())
        );
    }
}

/// The user writes `text` with `msg_id`, now (twice: WeChat retries).
async fn write(api: &Api, wechat: &FakeWechat, msg_id: &str, text: &str, mode: Mode) {
    let body = fixture(
        "text",
        &[
            ("1795000060", &(now_ms() / 1000).to_string()),
            ("24602150061845683", msg_id),
            ("蓝色的帐篷有货吗？", text),
        ],
    );
    wechat.interacted(OPEN_ID, now_ms());
    for _ in 0..2 {
        assert_eq!(
            post_hook(api, &body, mode).await,
            (200, "success".to_string())
        );
    }
}

/// The user writes `text` with `msg_id`, now, once (no retry by WeChat).
async fn write_once(api: &Api, wechat: &FakeWechat, msg_id: &str, text: &str, mode: Mode) {
    let body = fixture(
        "text",
        &[
            ("1795000060", &(now_ms() / 1000).to_string()),
            ("24602150061845683", msg_id),
            ("蓝色的帐篷有货吗？", text),
        ],
    );
    wechat.interacted(OPEN_ID, now_ms());
    assert_eq!(
        post_hook(api, &body, mode).await,
        (200, "success".to_string())
    );
}

/// Waits until the thread's history satisfies `check`.
async fn wait_for_history(
    api: &Api,
    session: &Session,
    check: impl Fn(&[Message]) -> bool,
) -> Vec<Message> {
    eventually(30, || async {
        let history = api.history(session).await;
        if check(&history) {
            Ok(history)
        } else {
            let seen: Vec<_> = history.iter().map(|m| (m.text.clone(), m.status)).collect();
            Err(format!("the thread has {seen:?}"))
        }
    })
    .await
}

/// Waits until the fake has accepted `count` messages.
async fn wait_for_sent(wechat: &FakeWechat, count: usize) {
    eventually(30, || async {
        let sent = wechat.sent();
        if sent.len() >= count {
            Ok(())
        } else {
            Err(format!("WeChat has {sent:?}; calls {:?}", wechat.calls()))
        }
    })
    .await
}

#[tokio::test]
async fn a_thread_continues_on_wechat_and_comes_back_in_one_order() {
    let (_relay, api, wechat, telegram) = wechat_relay(false, false).await;
    let plain = Mode::Plain(HOOK_TOKEN);

    // WeChat's handshake: the echo only for the account's token.
    for (token, expected) in [(HOOK_TOKEN, 200), ("not-the-token", 401)] {
        let (query, _, _) = signed_query(token);
        let response =
            reqwest::get(api.url(&format!("/v1/hooks/wechat/demo?{query}&echostr=5839201840")))
                .await
                .unwrap();
        assert_eq!(response.status().as_u16(), expected, "{token}");
        if expected == 200 {
            assert_eq!(response.text().await.unwrap(), "5839201840");
        }
    }

    let session = api.session().await;
    // The widget learns that the brand answers on WeChat, and that this thread is not there.
    assert!(session.brand.wechat, "{:?}", session.brand);
    assert_eq!(session.wechat, None);
    api.send(&session, "c1", "Is the blue tent in stock?").await;
    let link = wechat_link(&api, &wechat, &session).await;
    let scanned_at = now_ms();
    scan(&api, &wechat, &link, OPEN_ID, scanned_at, plain).await;
    let history = wait_for_history(&api, &session, |h| h.len() == 2).await;
    // A new session of the thread carries its WeChat window: 48 hours from the scan.
    let resumed = api.resume("demo", session.token.as_str()).await;
    assert_eq!(resumed.thread_id, session.thread_id);
    let window = resumed.wechat.expect("the session's WeChat window");
    assert!(
        (scanned_at + 48 * 3600 * 1000).abs_diff(window.window_ends_at.0) < 2_000,
        "{window:?}"
    );
    assert_eq!(history[1].text, "Continued on WeChat");
    assert_eq!(
        (history[1].author, history[1].channel),
        (Author::System, Channel::Wechat)
    );
    // The visitor is greeted on WeChat.
    wait_for_sent(&wechat, 1).await;
    let greeting = &wechat.sent()[0];
    assert_eq!(
        (greeting.kind.as_str(), greeting.to.as_str()),
        ("custom", OPEN_ID)
    );
    assert!(greeting.body["text"]["content"]
        .as_str()
        .unwrap()
        .contains("connected"));

    // The team sees the 48-hour window, and its answer goes to WeChat.
    let key = api.agent_key("demo").await;
    let (_, thread) = api
        .agent_get(&key, &format!("/v1/agent/threads/{}", session.thread_id))
        .await;
    let window_ends_at = thread["wechat"]["windowEndsAt"].as_u64().unwrap_or(0);
    assert!(
        (now_ms() + 48 * 3600 * 1000).abs_diff(window_ends_at) < 60_000,
        "{thread}"
    );
    let (status, _) = api
        .agent_send(&key, &session.thread_id, "agent-1", "Yes! Which size?")
        .await;
    assert_eq!(status, 201);
    wait_for_sent(&wechat, 2).await;
    assert_eq!(
        wechat.sent()[1].body["text"]["content"].as_str(),
        Some("Yes! Which size?")
    );

    // The visitor writes on WeChat: once, however often WeChat retries.
    write(&api, &wechat, "24602150061845683", "要中号的，谢谢", plain).await;
    let history = wait_for_history(&api, &session, |h| h.len() == 4).await;
    assert_eq!(history[3].text, "要中号的，谢谢");
    assert_eq!(
        (history[3].author, history[3].channel),
        (Author::Visitor, Channel::Wechat)
    );
    // The team reads it in the thread's Telegram topic, after the web message.
    eventually(30, || async {
        let texts = telegram.texts();
        let web = texts
            .iter()
            .position(|t| t.contains("Is the blue tent in stock?"));
        let wechat = texts.iter().position(|t| t.contains("要中号的，谢谢"));
        match (web, wechat) {
            (Some(web), Some(wechat)) if web < wechat => Ok(()),
            _ => Err(format!("Telegram has {texts:?}")),
        }
    })
    .await;

    // A forged signature is refused; a stranger's text and a spent code add nothing.
    let forged = fixture("text", &[("24602150061845683", "999")]);
    assert_eq!(post_hook(&api, &forged, Mode::Plain("forged")).await.0, 401);
    let stranger = fixture("text", &[(OPEN_ID, "oStranger000000000000000000x")]);
    assert_eq!(
        post_hook(&api, &stranger, plain).await,
        (200, "success".into())
    );
    scan(
        &api,
        &wechat,
        &link,
        "oStranger000000000000000000x",
        now_ms(),
        plain,
    )
    .await;
    assert_eq!(api.history(&session).await.len(), 4);

    // An answer WeChat refuses at once with 45015 is marked failed with that reason.
    wechat.fail_next([Failure::WindowClosed]);
    api.agent_send(&key, &session.thread_id, "agent-2", "Still there?")
        .await;
    let history = wait_for_history(&api, &session, |h| {
        h.last()
            .is_some_and(|m| m.text == "Still there?" && m.status == DeliveryStatus::Failed)
    })
    .await;
    assert_eq!(
        history.last().unwrap().failure_code(),
        Some(FailureReason::WindowClosed)
    );

    // One token served the QR code, the greeting and the answers.
    assert_eq!(wechat.token_fetches(), 1);
    let tokens: std::collections::BTreeSet<_> = wechat
        .calls()
        .into_iter()
        .filter_map(|call| call.token)
        .collect();
    assert_eq!(tokens.len(), 1, "{tokens:?}");

    // Two threads answered at the same moment, the token having expired: WeChat refuses
    // both (42001), the holder fetches one new token, and both go with it.
    let second = api.session().await;
    let second_link = wechat_link(&api, &wechat, &second).await;
    let other_user = "oia2TjjewbmiOUlr6X-2crbLOvLw";
    scan(&api, &wechat, &second_link, other_user, now_ms(), plain).await;
    // The greeting, the first answer and this greeting (the refused answer was not sent).
    wait_for_sent(&wechat, 3).await;
    wechat.expire_tokens();
    let fetched = wechat.token_fetches();
    let (first, second_answer) = tokio::join!(
        api.agent_send(&key, &session.thread_id, "agent-3", "Size M is in stock."),
        api.agent_send(&key, &second.thread_id, "agent-4", "Welcome!"),
    );
    assert_eq!((first.0, second_answer.0), (201, 201));
    wait_for_sent(&wechat, 5).await;
    assert_eq!(wechat.token_fetches(), fetched + 1, "one fetch for both");
    let sent = wechat.sent();
    assert_eq!(sent[3].token, sent[4].token);
    assert_ne!(sent[3].token, sent[0].token, "a new token");
}

#[tokio::test]
async fn outside_the_48_hour_window_a_reply_goes_as_the_template_or_fails_with_45015() {
    for template in [false, true] {
        let (_relay, api, wechat, _telegram) = wechat_relay(false, template).await;
        let session = api.session().await;
        let link = wechat_link(&api, &wechat, &session).await;
        // The scan is three days old (WeChat retried it late): the window has closed.
        let three_days_ago = now_ms() - 72 * 3600 * 1000;
        scan(
            &api,
            &wechat,
            &link,
            OPEN_ID,
            three_days_ago,
            Mode::Plain(HOOK_TOKEN),
        )
        .await;
        wait_for_history(&api, &session, |h| h.len() == 1).await;
        let key = api.agent_key("demo").await;
        api.agent_send(&key, &session.thread_id, "late-1", "Sorry for the wait!")
            .await;
        if template {
            wait_for_sent(&wechat, 1).await;
            let sent = &wechat.sent()[0];
            assert_eq!(sent.kind, "template");
            assert_eq!(sent.body["data"]["content"]["value"], "Sorry for the wait!");
        } else {
            let history = wait_for_history(&api, &session, |h| {
                h.last().is_some_and(|m| {
                    m.text == "Sorry for the wait!" && m.status == DeliveryStatus::Failed
                })
            })
            .await;
            assert_eq!(
                history.last().unwrap().failure_code(),
                Some(FailureReason::WindowClosed)
            );
            assert!(
                wechat.sent().is_empty(),
                "nothing was sent outside the window"
            );
        }
    }
}

#[tokio::test]
async fn safe_mode_links_and_carries_encrypted_messages() {
    let (_relay, api, wechat, _telegram) = wechat_relay(true, false).await;
    let safe = Mode::Safe(AES_KEY);
    // Settings hold names of secrets, and WeChat's ids in their shapes.
    for (field, value) in [
        ("appId", "5823bf96d3bd56c7"),
        ("originalId", "7f083739789a"),
        ("encodingAesKey", AES_KEY),
    ] {
        let mut account = json!({
            "appId": APP_ID, "appSecret": "DEMO_WECHAT_SECRET", "token": "DEMO_WECHAT_TOKEN",
            "originalId": ACCOUNT,
        });
        account[field] = json!(value);
        let settings = json!({ "name": "Acme", "connectors": { "wechat": account } });
        assert_eq!(api.put_brand("demo", settings).await, 422, "{field}");
    }
    // A visitor whose browser reads Chinese is greeted in Chinese on WeChat.
    let (status, body) = api
        .post_session(json!({ "brand": "demo", "language": "zh-CN" }))
        .await;
    assert_eq!(status, 201, "{body}");
    let session: Session = serde_json::from_value(body).unwrap();
    let link = wechat_link(&api, &wechat, &session).await;

    // Plain bodies, another key's, or a forged msg_signature open nothing.
    let body = fixture(
        "subscribe-scene",
        &[
            (FIXTURE_CODE, &link.code),
            ("1795000000", &(now_ms() / 1000).to_string()),
        ],
    );
    assert_eq!(post_hook(&api, &body, Mode::Plain(HOOK_TOKEN)).await.0, 401);
    let other_key = Mode::Safe("0000000000000000000000000000000000000000000");
    assert_eq!(post_hook(&api, &body, other_key).await.0, 401);

    scan(&api, &wechat, &link, OPEN_ID, now_ms(), safe).await;
    let history = wait_for_history(&api, &session, |h| h.len() == 1).await;
    assert_eq!(history[0].text, "Continued on WeChat");
    // Right after the scan, once: kept even if it overtakes the link's way into D1.
    write_once(&api, &wechat, "24602150061845690", "你好", safe).await;
    let history = wait_for_history(&api, &session, |h| h.len() == 2).await;
    assert_eq!(
        (history[1].text.as_str(), history[1].channel),
        ("你好", Channel::Wechat)
    );
    let key = api.agent_key("demo").await;
    api.agent_send(&key, &session.thread_id, "agent-1", "您好！")
        .await;
    wait_for_sent(&wechat, 2).await;
    let sent = wechat.sent();
    assert!(sent[0].body["text"]["content"]
        .as_str()
        .unwrap()
        .starts_with("已连接"));
    assert_eq!(sent[1].body["text"]["content"], "您好！");

    // Erased, the thread takes nothing more from WeChat: the text is absorbed.
    assert_eq!(api.erase(&session).await, 204);
    write(&api, &wechat, "24602150061845691", "还在吗？", safe).await;
    assert_eq!(api.thread_status(&session).await, 410);
}

/// A PNG of 3 × 2 pixels.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0xE8, 0x7A, 0x1B,
    0xE0, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A minimal PDF.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// The user sends the photo `media_id` as message `msg_id`, now (twice: WeChat retries).
async fn send_photo(api: &Api, wechat: &FakeWechat, msg_id: &str, media_id: &str) {
    let body = fixture(
        "image",
        &[
            ("1795000120", &(now_ms() / 1000).to_string()),
            ("24602150061845684", msg_id),
            ("[media_id]", &format!("[{media_id}]")),
        ],
    );
    wechat.interacted(OPEN_ID, now_ms());
    for _ in 0..2 {
        assert_eq!(
            post_hook(api, &body, Mode::Plain(HOOK_TOKEN)).await,
            (200, "success".to_string())
        );
    }
}

/// GETs a file link (absolute, or a path on the relay): status and bytes.
async fn fetch_file(api: &Api, link: &str) -> (u16, Vec<u8>) {
    let url = match link.starts_with("http") {
        true => link.to_string(),
        false => api.url(link),
    };
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

/// The team uploads `bytes` as `name` through the agent API: the upload's id.
async fn agent_upload(
    api: &Api,
    key: &str,
    session: &Session,
    name: &str,
    kind: &str,
    bytes: &[u8],
) -> serde_json::Value {
    let response = api
        .http
        .post(api.url(&format!(
            "/v1/agent/threads/{}/uploads?name={name}",
            session.thread_id
        )))
        .bearer_auth(key)
        .header("Content-Type", kind)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "{name}");
    let uploaded: serde_json::Value = response.json().await.unwrap();
    uploaded["id"].clone()
}

#[tokio::test]
async fn photos_cross_between_wechat_and_the_thread() {
    let (_relay, api, wechat, _telegram) = wechat_relay(false, false).await;
    let session = api.session().await;
    let link = wechat_link(&api, &wechat, &session).await;
    scan(
        &api,
        &wechat,
        &link,
        OPEN_ID,
        now_ms(),
        Mode::Plain(HOOK_TOKEN),
    )
    .await;
    wait_for_history(&api, &session, |h| h.len() == 1).await;

    // The visitor's photo joins the thread as a file, once, served by its signed link
    // with the bytes WeChat had.
    wechat.add_media("MEDIA-VISITOR-1", "image/png", PNG);
    send_photo(&api, &wechat, "24602150061845700", "MEDIA-VISITOR-1").await;
    let history = wait_for_history(&api, &session, |h| {
        h.iter().any(|m| !m.attachments.is_empty())
    })
    .await;
    let photos: Vec<_> = history
        .iter()
        .filter(|m| !m.attachments.is_empty())
        .collect();
    assert_eq!(
        photos.len(),
        1,
        "once, however often WeChat delivers: {history:?}"
    );
    let photo = photos[0];
    assert_eq!(
        (photo.author, photo.channel),
        (Author::Visitor, Channel::Wechat)
    );
    let file = &photo.attachments[0];
    assert_eq!(file.content_type, "image/png");
    assert_eq!((file.width, file.height), (Some(3), Some(2)));
    let (status, bytes) = fetch_file(&api, file.url.as_deref().unwrap()).await;
    assert_eq!((status, bytes.as_slice()), (200, PNG));
    assert!(wechat.calls().iter().any(
        |call| call.path == "/cgi-bin/media/get" && call.body["media_id"] == "MEDIA-VISITOR-1"
    ));
    // Media WeChat no longer has (40007) adds nothing.
    send_photo(&api, &wechat, "24602150061845701", "MEDIA-GONE").await;

    // The team's photo goes to WeChat as an image message (uploaded as temporary media
    // with its bytes), and its PDF as a line with a signed link, after the text.
    let key = api.agent_key("demo").await;
    let png = agent_upload(&api, &key, &session, "tent.png", "image/png", PNG).await;
    let pdf = agent_upload(&api, &key, &session, "manual.pdf", "application/pdf", PDF).await;
    let response = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
        .bearer_auth(&key)
        .json(&json!({ "clientId": "a1", "text": "Here it is", "attachments": [png, pdf] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    // The greeting, the text with the PDF's link, the image.
    wait_for_sent(&wechat, 3).await;
    let sent = wechat.sent();
    let text = sent[1].body["text"]["content"].as_str().unwrap();
    assert!(text.starts_with("Here it is\n📎 manual.pdf: "), "{text}");
    let pdf_link = text.rsplit(": ").next().unwrap();
    let (status, bytes) = fetch_file(&api, pdf_link).await;
    assert_eq!((status, bytes.as_slice()), (200, PDF), "{pdf_link}");
    assert_eq!(
        (sent[2].kind.as_str(), sent[2].body["msgtype"].as_str()),
        ("custom", Some("image"))
    );
    let media_id = sent[2].body["image"]["media_id"].as_str().unwrap();
    let uploaded = wechat.media(media_id).expect("the uploaded photo");
    assert_eq!(
        (uploaded.content_type.as_str(), uploaded.bytes.as_slice()),
        ("image/png", PNG)
    );
    // WeChat reports no delivery: the answer stays sent, with both files.
    let delivered = api.history(&session).await;
    let answer = delivered.last().unwrap();
    assert_eq!(answer.text, "Here it is");
    assert_ne!(answer.status, DeliveryStatus::Failed);
    assert_eq!(delivered.last().unwrap().attachments.len(), 2);
    // The photo from the visitor and the one that was gone (asked for, refused with
    // 40007): one message in all.
    eventually(30, || async {
        let asked = wechat
            .calls()
            .iter()
            .any(|call| call.path == "/cgi-bin/media/get" && call.body["media_id"] == "MEDIA-GONE");
        match asked {
            true => Ok(()),
            false => Err("the relay has not asked for MEDIA-GONE".to_string()),
        }
    })
    .await;
    let delivered = api.history(&session).await;
    assert_eq!(
        delivered
            .iter()
            .filter(|m| m.author == Author::Visitor)
            .count(),
        1,
        "{delivered:?}"
    );
}

#[tokio::test]
async fn a_first_text_that_overtakes_the_link_is_kept_once() {
    let (_relay, api, wechat, _telegram) = wechat_relay(false, false).await;
    let plain = Mode::Plain(HOOK_TOKEN);
    let session = api.session().await;
    let link = wechat_link(&api, &wechat, &session).await;
    // D1 does not learn of the link yet: the visitor's first text overtakes it for sure.
    api.arm_fault("d1", "INSERT INTO wechat_users", 1_000).await;
    scan(&api, &wechat, &link, OPEN_ID, now_ms(), plain).await;
    wait_for_history(&api, &session, |h| h.len() == 1).await;
    write_once(&api, &wechat, "24602150061845710", "能寄到上海吗？", plain).await;
    let texts = api.history_texts(&session).await;
    assert_eq!(texts, ["Continued on WeChat"], "no thread for the text yet");
    // D1 takes the link; the text, waiting on the queue, joins the thread without
    // WeChat (or the test) sending it again.
    api.clear_faults().await;
    let history = wait_for_history(&api, &session, |h| h.len() == 2).await;
    assert_eq!(
        (
            history[1].text.as_str(),
            history[1].author,
            history[1].channel
        ),
        ("能寄到上海吗？", Author::Visitor, Channel::Wechat)
    );
    // WeChat's late retry of it adds nothing.
    write_once(&api, &wechat, "24602150061845710", "能寄到上海吗？", plain).await;
    write_once(&api, &wechat, "24602150061845711", "谢谢", plain).await;
    let history = wait_for_history(&api, &session, |h| h.len() == 3).await;
    assert_eq!(history[2].text, "谢谢");
    assert_eq!(
        history
            .iter()
            .filter(|m| m.text == "能寄到上海吗？")
            .count(),
        1,
        "{history:?}"
    );
}

/// What the widget's menu and link sheet show, in the page's order: each menu item's class
/// and text, the sheet's hint, whether it offers a link to open, and whether its QR code is
/// drawn.
async fn menu_and_sheet(browser: &Browser) -> serde_json::Value {
    browser
        .eval(
            "const root = document.querySelector('confab-chat').shadowRoot;\
             return {\
               menu: [...root.querySelectorAll('.confab-menu button')].map(b => [b.className, b.textContent]),\
               hint: root.querySelector('.confab-link p')?.textContent ?? null,\
               open: !!root.querySelector('.confab-link-open'),\
               drawn: !!root.querySelector('.confab-link .confab-qr svg'),\
             };",
        )
        .await
}

/// In Chinese the widget offers WeChat first; its sheet shows the account's QR code with
/// what to do (no link to open: the code is for WeChat's scanner), and, once the visitor has
/// scanned it and written on WeChat, the text appears live in the widget, marked as from
/// WeChat, and a new session says until when answers reach them there.
#[tokio::test]
async fn the_chinese_widget_offers_wechat_first_and_shows_what_comes_from_it() {
    let (relay, api, wechat, _telegram) = wechat_relay(false, false).await;
    let plain = Mode::Plain(HOOK_TOKEN);
    let browser = Browser::start().await;
    browser
        .client
        .goto(&relay.url("/languages?lang=zh-CN"))
        .await
        .unwrap();
    browser.send_in_widget("你好").await;
    browser.wait_for_messages(&["你好"]).await;
    let session = widget_session(&browser, &api, "demo").await;
    assert!(session.brand.wechat && session.wechat.is_none());

    browser
        .widget_element(".confab-menu-button")
        .await
        .click()
        .await
        .unwrap();
    let shown = menu_and_sheet(&browser).await;
    let items: Vec<String> = shown["menu"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[0].as_str().unwrap_or_default().to_string())
        .collect();
    let at = |class: &str| items.iter().position(|item| item == class);
    assert!(
        at("confab-continue-wechat").is_some()
            && at("confab-continue-wechat") < at("confab-continue-device"),
        "{shown}"
    );
    assert!(
        shown["menu"].to_string().contains("在微信中继续"),
        "{shown}"
    );
    browser
        .widget_element(".confab-continue-wechat")
        .await
        .click()
        .await
        .unwrap();
    let sheet = eventually(20, || async {
        let shown = menu_and_sheet(&browser).await;
        if shown["drawn"] == true {
            Ok(shown)
        } else {
            Err(format!("no QR code yet: {shown}"))
        }
    })
    .await;
    assert_eq!(sheet["open"], false, "{sheet}");
    // For a look by a person (target/e2e-artifacts/): the sheet as a Chinese visitor sees it.
    browser.save_screenshot("wechat-sheet-zh").await;
    assert!(
        sheet["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("微信扫码"),
        "{sheet}"
    );

    // The visitor scans the code the sheet shows (its scene is the link code) and writes.
    let code = wechat.scenes().last().cloned().expect("a QR code was made");
    let link = Link {
        code,
        url: String::new(),
        qr_svg: String::new(),
        expires_at: Timestamp(0),
    };
    scan(&api, &wechat, &link, OPEN_ID, now_ms(), plain).await;
    write_once(
        &api,
        &wechat,
        "24602150061845700",
        "蓝色的帐篷有货吗?",
        plain,
    )
    .await;
    eventually(30, || async {
        let texts = browser.shown_messages().await;
        let via = browser.widget_texts(".confab-via").await;
        if texts.iter().any(|text| text == "蓝色的帐篷有货吗?")
            && via.iter().any(|label| label.contains("来自微信"))
        {
            Ok(())
        } else {
            Err(format!("the widget shows {texts:?} with marks {via:?}"))
        }
    })
    .await;

    // A new page's session knows the link, and the panel says until when it holds.
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    let linked = eventually(20, || async {
        let linked = browser.widget_texts(".confab-linked").await;
        match linked.first() {
            Some(text) if text.contains("此对话也在微信中继续") => Ok(text.clone()),
            _ => Err(format!("the panel says {linked:?}")),
        }
    })
    .await;
    assert!(linked.contains("那里的回复窗口开放至"), "{linked}");
}
