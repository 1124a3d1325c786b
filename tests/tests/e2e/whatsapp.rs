//! One thread, two channels: a visitor carries the web thread onto WhatsApp with a link
//! code and back, through the real relay, the real queue and a fake Cloud API, with
//! webhooks shaped like the fixtures and signed like Meta's.

use confab_e2e::api::Api;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::fakes::whatsapp::FakeWhatsapp;
use confab_e2e::fakes::Failure;
use confab_e2e::world::{
    post_whatsapp_hook, ACCESS_TOKEN, APP_SECRET, NUMBER_ID, VISITOR, WEBHOOK_SECRET,
};
use confab_e2e::{eventually, repo_root, widget_session, Browser, Relay};
use confab_protocol::{Author, Channel, DeliveryStatus, FailureReason, Link, Message, Session};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

const VERIFY_TOKEN: &str = "verify-me";

/// A relay whose `demo` brand answers on a fake WhatsApp number (and tells a fake backend).
async fn whatsapp_relay(template: bool) -> (Relay, Api, FakeWhatsapp, FakeWebhook) {
    let whatsapp = FakeWhatsapp::start(ACCESS_TOKEN, NUMBER_ID).await;
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let relay = Relay::start_with(&[
        ("WHATSAPP_API_BASE", &whatsapp.base),
        ("WHATSAPP_APP_SECRET", APP_SECRET),
        ("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN),
        ("DEMO_WHATSAPP_TOKEN", ACCESS_TOKEN),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
    let api = Api::new(relay.origin());
    let mut number = json!({
        "phoneNumberId": NUMBER_ID,
        "displayNumber": "15550783881",
        "accessTokenSecret": "DEMO_WHATSAPP_TOKEN",
    });
    if template {
        number["template"] = json!({ "name": "follow_up", "language": "en_US" });
    }
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "connectors": {
                    "whatsapp": number,
                    "webhook": { "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" },
                },
            }),
        )
        .await;
    assert_eq!(status, 200);
    (relay, api, whatsapp, backend)
}

/// A fixture body, with replacements (`from` → `to`), as the raw text Meta would POST.
fn fixture(name: &str, replacements: &[(&str, &str)]) -> String {
    let path = repo_root().join(format!("relay/tests/fixtures/whatsapp/{name}.json"));
    let mut body = std::fs::read_to_string(path).unwrap();
    for (from, to) in replacements {
        assert!(body.contains(from), "{name} has no {from}");
        body = body.replace(from, to);
    }
    body
}

fn now_seconds() -> String {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

/// A link for the session's thread.
async fn create_link(api: &Api, session: &Session, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(api.url(&format!("/v1/threads/{}/links", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Links the session's thread to the fixture's WhatsApp user, the link message sent at
/// `sent_at` (unix seconds).
async fn link_whatsapp(api: &Api, session: &Session, sent_at: &str) {
    let (status, body) = create_link(api, session, json!({ "purpose": "whatsapp" })).await;
    assert_eq!(status, 201, "{body}");
    let link: Link = serde_json::from_value(body).unwrap();
    assert!(
        link.url
            .starts_with("https://wa.me/15550783881?text=Continue%20my%20chat%3A%20LINK-"),
        "{}",
        link.url
    );
    assert!(link.url.ends_with(&link.code[5..]), "{}", link.url);
    assert!(link.qr_svg.contains("<svg"), "a QR code");
    let body = fixture(
        "inbound-text-link-code",
        &[("LINK-7K2Q9X", &link.code), ("1795000000", sent_at)],
    );
    assert_eq!(post_whatsapp_hook(api, &body, APP_SECRET).await, 200);
    // Meta redelivers until it hears 200, sometimes more: nothing is added twice.
    assert_eq!(post_whatsapp_hook(api, &body, APP_SECRET).await, 200);
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

/// Waits until the fake number has sent `count` messages.
async fn wait_for_sent(whatsapp: &FakeWhatsapp, count: usize) {
    eventually(30, || async {
        let sent = whatsapp.sent();
        if sent.len() >= count {
            Ok(())
        } else {
            Err(format!("WhatsApp sent {sent:?}"))
        }
    })
    .await
}

#[tokio::test]
async fn a_thread_continues_on_whatsapp_and_comes_back_in_one_order() {
    let (relay, api, whatsapp, backend) = whatsapp_relay(false).await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Is the blue tent in stock?").await;
    browser
        .wait_for_messages(&["Is the blue tent in stock?"])
        .await;
    let session = widget_session(&browser, &api, "demo").await;
    // Closed, the widget reads nothing: the ticks below are WhatsApp's alone.
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();

    link_whatsapp(&api, &session, &now_seconds()).await;
    let history = wait_for_history(&api, &session, |h| h.len() == 2).await;
    assert_eq!(history[1].text, "Continued on WhatsApp");
    assert_eq!(
        (history[1].author, history[1].channel),
        (Author::System, Channel::Whatsapp)
    );
    wait_for_sent(&whatsapp, 1).await;
    let confirmation = &whatsapp.sent()[0];
    assert_eq!(confirmation.to, VISITOR);
    assert!(confirmation.body["text"]["body"]
        .as_str()
        .unwrap()
        .contains("connected"));

    // The team answers (from its backend): the answer goes to WhatsApp and stays on the web.
    let key = api.agent_key("demo").await;
    // The team and the widget both see the 24-hour window, from the visitor's message.
    let view = format!("/v1/agent/threads/{}", session.thread_id);
    let (_, thread) = api.agent_get(&key, &view).await;
    let window_ends_at = thread["whatsapp"]["windowEndsAt"].as_u64().unwrap_or(0);
    let day_from_now = now_seconds().parse::<u64>().unwrap() * 1000 + 24 * 3600 * 1000;
    assert!(day_from_now.abs_diff(window_ends_at) < 60_000, "{thread}");
    let resumed = api.resume("demo", session.token.as_str()).await;
    assert_eq!(
        resumed.whatsapp.map(|whatsapp| whatsapp.window_ends_at.0),
        Some(window_ends_at)
    );
    let (status, _) = api
        .agent_send(&key, &session.thread_id, "agent-1", "Yes! Which size?")
        .await;
    assert_eq!(status, 201);
    wait_for_sent(&whatsapp, 2).await;
    let answer = whatsapp.sent()[1].clone();
    assert_eq!(
        (answer.to.as_str(), answer.body["text"]["body"].as_str()),
        (VISITOR, Some("Yes! Which size?"))
    );

    // The visitor answers on WhatsApp, once however often Meta delivers it.
    let reply = fixture("inbound-text", &[("1795000060", &now_seconds())]);
    assert_eq!(post_whatsapp_hook(&api, &reply, APP_SECRET).await, 200);
    assert_eq!(post_whatsapp_hook(&api, &reply, APP_SECRET).await, 200);
    let history = wait_for_history(&api, &session, |h| h.len() == 4).await;
    assert_eq!(
        (history[3].author, history[3].channel),
        (Author::Visitor, Channel::Whatsapp)
    );

    // Delivery and read statuses from WhatsApp move the answer's ticks.
    for (name, status) in [
        ("status-delivered", DeliveryStatus::Delivered),
        ("status-read", DeliveryStatus::Read),
    ] {
        let body = fixture(
            name,
            &[(
                "wamid.HBgNODYxMzgwMDEzODAwMBUCABEYEjQ2QkU4QjM1RjA5NDc0QzdEMQA=",
                &answer.wamid,
            )],
        );
        assert_eq!(post_whatsapp_hook(&api, &body, APP_SECRET).await, 200);
        wait_for_history(&api, &session, |h| h[2].status == status).await;
    }

    // A forged signature is refused and changes nothing.
    let forged = fixture(
        "inbound-text",
        &[("1795000060", &now_seconds()), ("wamid.", "wamid.FORGED")],
    );
    assert_eq!(
        post_whatsapp_hook(&api, &forged, "not-the-app-secret").await,
        401
    );
    let texts = api.history_texts(&session).await;
    assert_eq!(texts.len(), 4, "{texts:?}");

    // The web thread shows everything, in one order; the brand's backend heard of the link.
    let shown: Vec<String> = texts
        .iter()
        .filter(|t| *t != "Continued on WhatsApp")
        .cloned()
        .collect();
    // A new page's session knows of the link, and the widget says until when WhatsApp is open.
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    let note = browser.widget_texts(".confab-linked").await;
    assert!(
        note.first()
            .is_some_and(|note| note.contains("continues on WhatsApp")),
        "{note:?}"
    );
    eventually(20, || async {
        let widget = browser.shown_messages().await;
        if shown.iter().all(|text| widget.contains(text)) {
            Ok(())
        } else {
            Err(format!("the widget shows {widget:?}"))
        }
    })
    .await;
    eventually(20, || async {
        let types = backend.types();
        if types.contains(&"thread.linked".to_string()) {
            Ok(())
        } else {
            Err(format!("the backend has {types:?}"))
        }
    })
    .await;
}

#[tokio::test]
async fn outside_the_24_hour_window_a_reply_fails_with_its_reason_or_goes_as_the_template() {
    for template in [false, true] {
        let (_relay, api, whatsapp, _backend) = whatsapp_relay(template).await;
        let session = api.session().await;
        // The fixture's link message is days old: the window has closed since.
        link_whatsapp(&api, &session, "1795000000").await;
        wait_for_sent(&whatsapp, 1).await;
        let key = api.agent_key("demo").await;
        api.agent_send(&key, &session.thread_id, "late-1", "Sorry for the wait!")
            .await;
        if template {
            wait_for_sent(&whatsapp, 2).await;
            assert_eq!(whatsapp.sent()[1].body["template"]["name"], "follow_up");
        } else {
            let history = wait_for_history(&api, &session, |h| {
                h.last().is_some_and(|m| m.status == DeliveryStatus::Failed)
            })
            .await;
            let last = history.last().unwrap();
            assert_eq!(
                last.failure_code(),
                Some(FailureReason::WindowClosed),
                "{:?}",
                last.failure
            );
            assert_eq!(
                whatsapp.sent().len(),
                1,
                "nothing was sent outside the window"
            );
        }
    }
}

#[tokio::test]
async fn a_send_that_fails_later_with_131047_is_marked_failed() {
    let (_relay, api, whatsapp, _backend) = whatsapp_relay(false).await;
    let session = api.session().await;
    link_whatsapp(&api, &session, &now_seconds()).await;
    let key = api.agent_key("demo").await;
    api.agent_send(&key, &session.thread_id, "a1", "Here is your order number.")
        .await;
    wait_for_sent(&whatsapp, 2).await;
    let wamid = whatsapp.sent()[1].wamid.clone();
    let body = fixture(
        "status-failed-131047",
        &[(
            "wamid.HBgNODYxMzgwMDEzODAwMBUCABEYEjQ2QkU4QjM1RjA5NDc0QzdEMgA=",
            &wamid,
        )],
    );
    assert_eq!(post_whatsapp_hook(&api, &body, APP_SECRET).await, 200);
    let history = wait_for_history(&api, &session, |h| {
        h.last().is_some_and(|m| m.status == DeliveryStatus::Failed)
    })
    .await;
    let last = history.last().unwrap();
    assert_eq!(
        last.failure_code(),
        Some(FailureReason::WindowClosed),
        "WhatsApp's 131047, as a stable reason: {:?}",
        last.failure
    );

    // An answer WhatsApp refuses at once (its own 131047) fails the same way.
    whatsapp.fail_next([Failure::WindowClosed]);
    api.agent_send(&key, &session.thread_id, "a2", "Still there?")
        .await;
    wait_for_history(&api, &session, |h| {
        h.last()
            .is_some_and(|m| m.text == "Still there?" && m.status == DeliveryStatus::Failed)
    })
    .await;
}

#[tokio::test]
async fn the_verification_handshake_echoes_only_for_the_right_token() {
    let (_relay, api, _whatsapp, _backend) = whatsapp_relay(false).await;
    for (token, expected) in [(VERIFY_TOKEN, 200), ("wrong", 403)] {
        let response = reqwest::get(api.url(&format!(
            "/v1/hooks/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        )))
        .await
        .unwrap();
        assert_eq!(response.status().as_u16(), expected, "{token}");
        if expected == 200 {
            assert_eq!(response.text().await.unwrap(), "1158201444");
        }
    }
}

#[tokio::test]
async fn a_resume_link_opens_the_same_thread_in_another_browser_once() {
    let (relay, api, _whatsapp, _backend) = whatsapp_relay(false).await;
    let session = api.session().await;
    api.send(&session, "c1", "started on my laptop").await;
    let page = relay.url("/pricing?utm=x");
    let (status, body) =
        create_link(&api, &session, json!({ "purpose": "device", "page": page })).await;
    assert_eq!(status, 201, "{body}");
    let link: Link = serde_json::from_value(body).unwrap();
    assert_eq!(
        link.url,
        format!(
            "{}/pricing?utm=x&confab-resume={}",
            relay.origin(),
            link.code
        )
    );
    let (status, _) = link_elsewhere(&api, &link.code).await;
    assert_eq!(status, 200);
    // Used once: it does not work again.
    let (status, body) = link_elsewhere(&api, &link.code).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (410, Some("link_code_invalid"))
    );

    // The link, opened in another browser, shows the thread.
    let (status, body) =
        create_link(&api, &session, json!({ "purpose": "device", "page": page })).await;
    assert_eq!(status, 201);
    let link: Link = serde_json::from_value(body).unwrap();
    let browser = Browser::start().await;
    browser.client.goto(&link.url).await.unwrap();
    browser.open_panel().await;
    browser.wait_for_messages(&["started on my laptop"]).await;
    assert_eq!(
        widget_session(&browser, &api, "demo").await.thread_id,
        session.thread_id
    );

    // A page on another site cannot be a resume link's target.
    let (status, _) = create_link(
        &api,
        &session,
        json!({ "purpose": "device", "page": "https://evil.example/" }),
    )
    .await;
    assert_eq!(status, 403);
}

/// Starts a session elsewhere with a link code: the status and the answer.
async fn link_elsewhere(api: &Api, code: &str) -> (u16, Value) {
    api.post_session(json!({ "brand": "demo", "link": code }))
        .await
}

/// The link the widget's link sheet shows, once it shows one with a QR code.
async fn shown_link(browser: &Browser) -> String {
    eventually(20, || async {
        let href = browser
            .eval(
                "const root = document.querySelector('confab-chat').shadowRoot;\
                 const open = root.querySelector('.confab-link-open');\
                 const drawn = root.querySelector('.confab-qr svg');\
                 return open && drawn ? open.href : null;",
            )
            .await;
        href.as_str()
            .map(str::to_string)
            .ok_or_else(|| "no link with a QR code yet".to_string())
    })
    .await
}

#[tokio::test]
async fn the_widget_offers_whatsapp_and_another_device_with_qr_codes() {
    let (relay, api, _whatsapp, _backend) = whatsapp_relay(false).await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("hello from the laptop").await;
    browser.wait_for_messages(&["hello from the laptop"]).await;
    let session = widget_session(&browser, &api, "demo").await;

    browser.pick_from_menu(".confab-continue-whatsapp").await;
    let to_whatsapp = shown_link(&browser).await;
    assert!(
        to_whatsapp.starts_with("https://wa.me/15550783881?text=Continue%20my%20chat%3A%20LINK-"),
        "{to_whatsapp}"
    );
    browser
        .widget_element(".confab-link-done")
        .await
        .click()
        .await
        .unwrap();

    browser.pick_from_menu(".confab-continue-device").await;
    let resume = shown_link(&browser).await;
    assert!(resume.contains("confab-resume=LINK-"), "{resume}");

    // On the phone: the same thread, without a login; the code leaves the address bar.
    let phone = Browser::start().await;
    phone.client.goto(&resume).await.unwrap();
    phone.open_panel().await;
    phone.wait_for_messages(&["hello from the laptop"]).await;
    assert_eq!(
        widget_session(&phone, &api, "demo").await.thread_id,
        session.thread_id
    );
    let address = phone.eval("return location.href;").await;
    assert!(
        !address
            .as_str()
            .unwrap_or_default()
            .contains("confab-resume"),
        "{address}"
    );
}
