//! Replies by email from the widget, in real headless Chromium against the real relay: the
//! menu offers it, the form takes an address (the relay's refusal said in the visitor's
//! words), the panel says where the verification link went, and once the link from the
//! email the runtime really sent is opened, a new page says replies go there, with "Stop";
//! the offer comes after the brand's wait or at once while the team is away; and the
//! visitor's answer by email appears live in the widget and in the team's Telegram topic.

use confab_e2e::api::Api;
use confab_e2e::mailbox::{self, unique_address};
use confab_e2e::{eventually, Browser, Relay};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// A relay whose `demo` brand emails replies, with `more` settings.
async fn email_relay_with(more: Value) -> (Relay, Api) {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let mut settings = json!({
        "name": "Acme Outdoor",
        "allowedOrigins": ["http://127.0.0.1:*"],
        "email": {
            "from": "support@acme.example",
            "replyDomain": "reply.acme.example",
            "page": "http://127.0.0.1:9/help",
        },
    });
    for (key, value) in more.as_object().into_iter().flatten() {
        settings[key] = value.clone();
    }
    let status = api.put_brand("demo", settings).await;
    assert_eq!(status, 200);
    (relay, api)
}

/// A relay whose `demo` brand emails replies.
async fn email_relay() -> (Relay, Api) {
    email_relay_with(json!({})).await
}

/// Types `address` into the email form and submits it.
async fn submit_address(browser: &Browser, address: &str) {
    let field = browser.widget_element(".confab-email-address").await;
    field.clear().await.unwrap();
    field.send_keys(address).await.unwrap();
    browser
        .widget_element(".confab-email-submit")
        .await
        .click()
        .await
        .unwrap();
}

/// The first text the widget shows at `selector`, once there is one.
async fn shown(browser: &Browser, selector: &str) -> String {
    eventually(20, || async {
        let texts = browser.widget_texts(selector).await;
        texts
            .first()
            .cloned()
            .ok_or_else(|| format!("nothing at {selector}"))
    })
    .await
}

#[tokio::test]
async fn the_visitor_leaves_an_address_confirms_it_and_can_stop() {
    let (relay, api) = email_relay().await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser
        .send_in_widget("Is the blue tent back in stock?")
        .await;
    browser
        .wait_for_messages(&["Is the blue tent back in stock?"])
        .await;

    browser.pick_from_menu(".confab-email-menu").await;

    // An address the browser takes but the relay does not: said in the form.
    submit_address(&browser, "anna@localhost").await;
    assert_eq!(
        shown(&browser, ".confab-email .confab-failure").await,
        "That email address doesn't look right."
    );

    // A real one: the form closes and the panel says where the link went.
    let address = unique_address("anna");
    submit_address(&browser, &address).await;
    let pending = shown(&browser, ".confab-linked").await;
    assert!(
        pending.starts_with("Check your inbox") && pending.contains("@example.com"),
        "{pending}"
    );
    assert!(
        !pending.contains(address.split('@').next().unwrap()),
        "masked: {pending}"
    );
    assert!(browser.widget_texts(".confab-email").await.is_empty());
    browser.save_screenshot("widget-email-pending").await;

    // The link in the email the runtime sent confirms it; a new page says so.
    let sent = mailbox::wait_for(&address, 1).await;
    let link = sent[0]
        .link(&api.url("/v1/email/verify?"))
        .expect("a verification link");
    let status = reqwest::get(&link).await.unwrap().status().as_u16();
    assert_eq!(status, 200);
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    let verified = shown(&browser, ".confab-linked").await;
    assert!(
        verified.starts_with("Replies you haven't seen also go to"),
        "{verified}"
    );
    browser
        .widget_element(".confab-menu-button")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        browser.widget_texts(".confab-email-menu").await.is_empty(),
        "no second offer while an address is kept"
    );

    // "Stop": the address is gone, and the offer is back.
    browser
        .widget_element(".confab-email-stop")
        .await
        .click()
        .await
        .unwrap();
    eventually(20, || async {
        let linked = browser.widget_texts(".confab-linked").await;
        let offered = browser.widget_texts(".confab-email-menu").await;
        if linked.is_empty() && !offered.is_empty() {
            Ok(())
        } else {
            Err(format!("linked {linked:?}, offered {offered:?}"))
        }
    })
    .await;
}

/// Milliseconds since the epoch, on the clock the relay shares with this test.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn the_offer_comes_when_a_message_has_waited_and_goes_with_the_answer() {
    const WAIT_SECONDS: u64 = 4;
    let (relay, api) = email_relay_with(json!({ "reachOfferSeconds": WAIT_SECONDS })).await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.send_in_widget("Anyone there?").await;
    browser.wait_for_messages(&["Anyone there?"]).await;
    let session = confab_e2e::widget_session(&browser, &api, "demo").await;
    let asked_at = api.history(&session).await[0].created_at.0;

    // Not before the brand's wait (the team is not away: it has no hours), then offered.
    let offered_at = eventually(30, || async {
        let offers = browser.widget_texts(".confab-email-offer").await;
        match offers.as_slice() {
            [offer] => Ok((now_ms(), offer.clone())),
            _ => Err(format!("offers {offers:?}")),
        }
    })
    .await;
    assert_eq!(offered_at.1, "Get replies by email");
    assert!(
        offered_at.0 >= asked_at + WAIT_SECONDS * 1000,
        "offered {} ms after the message",
        offered_at.0.saturating_sub(asked_at)
    );
    browser.save_screenshot("widget-email-offer").await;

    // The offer opens the form; the team's answer ends the wait, and the offer goes.
    browser
        .widget_element(".confab-email-offer")
        .await
        .click()
        .await
        .unwrap();
    browser.widget_element(".confab-email-address").await;
    browser
        .widget_element(".confab-email .confab-link-done")
        .await
        .click()
        .await
        .unwrap();
    let key = api.agent_key("demo").await;
    let (status, _) = api
        .agent_send(&key, &session.thread_id, "agent-1", "Here! How can I help?")
        .await;
    assert_eq!(status, 201);
    browser
        .wait_for_messages(&["Anyone there?", "Here! How can I help?"])
        .await;
    assert!(browser.widget_texts(".confab-email-offer").await.is_empty());
}

#[tokio::test]
async fn an_away_team_offers_email_at_once() {
    // Open one minute a week, on a day that is not today in UTC+14 nor UTC-12: away now.
    let (relay, _api) = email_relay_with(json!({
        "businessHours": {
            "timeZone": "UTC",
            "weekly": [{ "day": away_day(), "open": "00:00", "close": "00:01" }],
        },
    }))
    .await;
    let browser = Browser::start().await;
    browser.client.goto(&relay.url("/")).await.unwrap();
    browser.open_panel().await;
    let offers = eventually(20, || async {
        let offers = browser.widget_texts(".confab-email-offer").await;
        if offers.is_empty() {
            Err("no offer".to_string())
        } else {
            Ok(offers)
        }
    })
    .await;
    assert_eq!(offers, ["Get replies by email"]);
}

/// An ISO weekday (1 = Monday) three days from today in UTC: not today anywhere on Earth.
fn away_day() -> u64 {
    // 1970-01-01 was a Thursday (index 3 with Monday 0).
    let today = (now_ms() / 86_400_000 + 3) % 7;
    (today + 3) % 7 + 1
}

#[tokio::test]
async fn a_reply_by_email_appears_live_in_the_widget_and_the_teams_topic() {
    let world = confab_e2e::world::World::start(&[]).await;
    world
        .configure(
            "Acme Outdoor",
            json!({
                "email": {
                    "from": "support@acme.example",
                    "replyDomain": "reply.acme.example",
                    "page": "http://127.0.0.1:9/help",
                    "delaySeconds": 1,
                },
            }),
        )
        .await;
    let api = &world.api;
    let browser = Browser::start().await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    browser.send_in_widget("Is the green tent in stock?").await;
    browser
        .wait_for_messages(&["Is the green tent in stock?"])
        .await;
    let session = confab_e2e::widget_session(&browser, api, "demo").await;

    // The visitor leaves a confirmed address, then the page (the panel closed: unseen).
    let address = unique_address("lee");
    browser.pick_from_menu(".confab-email-menu").await;
    submit_address(&browser, &address).await;
    let link = mailbox::wait_for(&address, 1).await[0]
        .link(&api.url("/v1/email/verify?"))
        .expect("a verification link");
    assert_eq!(reqwest::get(&link).await.unwrap().status().as_u16(), 200);
    browser
        .widget_element(".confab-close")
        .await
        .click()
        .await
        .unwrap();
    let key = api.agent_key("demo").await;
    let (status, _) = api
        .agent_send(
            &key,
            &session.thread_id,
            "agent-1",
            "Yes, in green and blue.",
        )
        .await;
    assert_eq!(status, 201);
    let reply_to = mailbox::wait_for(&address, 2).await[1]
        .reply_to
        .clone()
        .expect("the reply email has a Reply-To");

    // The visitor answers from their mailbox: the widget shows it live, and the team's topic
    // has it.
    browser.open_panel().await;
    let answer = "Great, I'll take the green one.";
    let raw = format!(
        "From: Lee <{address}>\r\nTo: {reply_to}\r\nSubject: Re: New reply from Acme Outdoor\r\n\
         Message-ID: <widget-live-1@mail.example>\r\nDate: Thu, 3 Dec 2026 16:20:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{answer}\r\n\r\n\
         On Thu, Dec 3, 2026 at 4:19 PM Acme Support <support@acme.example> wrote:\r\n\
         > Yes, in green and blue.\r\n"
    );
    let delivered = api
        .http
        .post(api.url("/cdn-cgi/handler/email"))
        .query(&[("from", address.as_str()), ("to", reply_to.as_str())])
        .body(raw)
        .send()
        .await
        .unwrap();
    assert!(delivered.status().is_success(), "{}", delivered.status());
    // (The thread also says where replies go: the relay's notice, in the transcript too.)
    let notice = format!("Replies will be emailed to {address}");
    browser
        .wait_for_messages(&[
            "Is the green tent in stock?",
            &notice,
            "Yes, in green and blue.",
            answer,
        ])
        .await;
    eventually(30, || async {
        let posted = world.telegram.texts();
        match posted.iter().any(|text| text.contains(answer)) {
            true => Ok(()),
            false => Err(format!("the topic has {posted:?}")),
        }
    })
    .await;
}
