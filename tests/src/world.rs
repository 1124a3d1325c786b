//! A relay whose `demo` brand forwards everywhere at once — a fake Telegram group, a fake
//! WhatsApp number and a fake backend — and the one check the fault suite makes of it: every
//! copy of a thread holds exactly the messages sent, once each, in one order.

use crate::api::Api;
use crate::fakes::telegram::FakeTelegram;
use crate::fakes::webhook::FakeWebhook;
use crate::fakes::whatsapp::{signature, FakeWhatsapp};
use crate::{eventually, Browser, Relay};
use confab_protocol::{Author, Link, Session};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// The bot's token at the fake Telegram.
pub const BOT_TOKEN: &str = "4242:fake-bot-token";
/// The group's chat id.
pub const CHAT: i64 = -1001234567890;
/// The relay's Meta app secret (signs WhatsApp hooks).
pub const APP_SECRET: &str = "test-app-secret";
/// The brand's WhatsApp number id.
pub const NUMBER_ID: &str = "106540352242922";
/// The visitor's WhatsApp id.
pub const VISITOR: &str = "8613800138000";
/// The brand's Cloud API access token at the fake WhatsApp.
pub const ACCESS_TOKEN: &str = "fake-cloud-api-token";
/// The secret the relay signs the brand's webhook events with.
pub const WEBHOOK_SECRET: &str = "brand-webhook-secret";
/// The secret the bot's Telegram webhook was set with.
pub const HOOK_SECRET: &str = "telegram-hook-secret";

/// The relay, its three fakes, and the API.
pub struct World {
    /// The relay on workerd.
    pub relay: Relay,
    /// Its API.
    pub api: Api,
    /// The team's group.
    pub telegram: FakeTelegram,
    /// The brand's number.
    pub whatsapp: FakeWhatsapp,
    /// The brand's backend.
    pub backend: FakeWebhook,
}

impl World {
    /// Starts the fakes and a relay forwarding to them, with `vars` on top (the tests'
    /// short timeouts and leases, say).
    pub async fn start(vars: &[(&str, &str)]) -> World {
        World::start_named("Acme Outdoor", vars).await
    }

    /// [`World::start`], for a brand of this `name`.
    pub async fn start_named(name: &str, vars: &[(&str, &str)]) -> World {
        let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
        let whatsapp = FakeWhatsapp::start(ACCESS_TOKEN, NUMBER_ID).await;
        let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
        let mut all = vec![
            ("TELEGRAM_API_BASE", telegram.base.as_str()),
            ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
            ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
            ("WHATSAPP_API_BASE", whatsapp.base.as_str()),
            ("WHATSAPP_APP_SECRET", APP_SECRET),
            ("WHATSAPP_VERIFY_TOKEN", "verify-me"),
            ("DEMO_WHATSAPP_TOKEN", ACCESS_TOKEN),
            ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ];
        all.extend_from_slice(vars);
        let relay = Relay::start_with(&all).await;
        let api = Api::new(relay.origin());
        let status = api
            .put_brand("demo", brand_settings(name, &backend.url))
            .await;
        assert_eq!(status, 200);
        World {
            relay,
            api,
            telegram,
            whatsapp,
            backend,
        }
    }

    /// Sets the `demo` brand's settings again: named `name`, forwarding to the fakes as
    /// [`World::start`] does, with `extra` settings on top (a greeting, business hours…).
    pub async fn configure(&self, name: &str, extra: Value) {
        let mut settings = brand_settings(name, &self.backend.url);
        for (key, value) in extra.as_object().expect("settings are an object") {
            settings[key] = value.clone();
        }
        assert_eq!(self.api.put_brand("demo", settings).await, 200);
    }

    /// The forum topic of the thread whose visitor wrote first (its first message made it).
    pub async fn first_topic(&self) -> i64 {
        eventually(30, || async {
            match self.telegram.seen(|seen| seen.topics.first().map(|t| t.0)) {
                Some(topic) => Ok(topic),
                None => Err("no topic yet".to_string()),
            }
        })
        .await
    }

    /// Carries the session's thread onto the visitor's WhatsApp (a link code, sent from
    /// there) and waits for the confirmation to reach them.
    pub async fn link_whatsapp(&self, session: &Session) {
        let response = self
            .api
            .http
            .post(
                self.api
                    .url(&format!("/v1/threads/{}/links", session.thread_id)),
            )
            .bearer_auth(session.token.as_str())
            .json(&json!({ "purpose": "whatsapp" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let link: Link = response.json().await.unwrap();
        let sent = self.whatsapp.sent().len();
        let text = format!("Continue my chat: {}", link.code);
        assert_eq!(self.whatsapp_says("wamid.LINK", &text).await, 200);
        eventually(30, || async {
            match self.whatsapp.sent().len() > sent {
                true => Ok(()),
                false => Err("no confirmation on WhatsApp yet".to_string()),
            }
        })
        .await;
    }

    /// A team member called `name` answers `text` in the thread's Telegram `topic` (the
    /// bot's hook, with its secret): returns the status.
    pub async fn team_says_on_telegram(
        &self,
        topic: i64,
        message_id: i64,
        name: &str,
        text: &str,
    ) -> u16 {
        let update = telegram_reply(topic, message_id, name, text);
        post_telegram_update(&self.api, Some(HOOK_SECRET), &update).await
    }

    /// The visitor writes `text` on WhatsApp (Meta's hook, signed): returns the status.
    pub async fn whatsapp_says(&self, wamid: &str, text: &str) -> u16 {
        let message = json!({
            "from": VISITOR, "id": wamid, "timestamp": now_seconds().to_string(),
            "type": "text", "text": { "body": text },
        });
        self.whatsapp_hook(json!({ "messages": [message], "contacts": [
            { "profile": { "name": "Mei Lin" }, "wa_id": VISITOR }
        ] }))
        .await
    }

    /// WhatsApp reports `status` (`delivered`, `read`) of the message it knows as `wamid`.
    pub async fn whatsapp_status(&self, wamid: &str, status: &str) -> u16 {
        let status = json!({
            "id": wamid, "status": status, "timestamp": now_seconds().to_string(),
            "recipient_id": VISITOR,
        });
        self.whatsapp_hook(json!({ "statuses": [status] })).await
    }

    /// POSTs a hook of Meta's shape around `value`, signed with the app secret.
    async fn whatsapp_hook(&self, mut value: Value) -> u16 {
        value["messaging_product"] = json!("whatsapp");
        value["metadata"] =
            json!({ "display_phone_number": "15550783881", "phone_number_id": NUMBER_ID });
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": value }] }],
        })
        .to_string();
        post_whatsapp_hook(&self.api, &body, APP_SECRET).await
    }

    /// Waits until every copy of the thread holds what was sent: the relay's history is
    /// exactly `thread` (its texts, notices aside, in order); the Telegram topic has the
    /// visitor's messages among them, the visitor's WhatsApp the team's (after the link's
    /// confirmation), each once and in the thread's order; the backend heard of each message
    /// once; and every tab of `browser` shows the thread as the relay has it.
    pub async fn wait_for_every_copy(
        &self,
        session: &Session,
        thread: &[String],
        visitor_wrote: impl Fn(&str) -> bool,
        browser: Option<&Browser>,
    ) {
        let to_team: Vec<&String> = thread.iter().filter(|t| visitor_wrote(t)).collect();
        let to_visitor: Vec<&String> = thread.iter().filter(|t| !visitor_wrote(t)).collect();
        eventually(60, || async {
            let history = self.api.history(session).await;
            let texts: Vec<&String> = history
                .iter()
                .filter(|m| m.author != Author::System)
                .map(|m| &m.text)
                .collect();
            if texts != thread.iter().collect::<Vec<_>>() {
                return Err(format!("the relay has {texts:?}"));
            }
            // Each topic opens with the relay's notice of the new conversation.
            let telegram: Vec<String> = self
                .telegram
                .texts()
                .into_iter()
                .filter(|text| !text.starts_with("New conversation on"))
                .collect();
            if telegram.iter().collect::<Vec<_>>() != to_team {
                return Err(format!("Telegram has {telegram:?}, not {to_team:?}"));
            }
            let whatsapp: Vec<String> = self
                .whatsapp
                .sent()
                .iter()
                .filter(|sent| {
                    !sent.body["text"]["body"]
                        .as_str()
                        .is_some_and(|t| t.contains("connected"))
                })
                .map(|sent| sent.body["text"]["body"].as_str().unwrap_or("").to_string())
                .collect();
            if whatsapp.iter().collect::<Vec<_>>() != to_visitor {
                return Err(format!("WhatsApp has {whatsapp:?}, not {to_visitor:?}"));
            }
            let mut created: BTreeMap<u64, u32> = BTreeMap::new();
            for received in self.backend.received() {
                if received.event["type"] == "message.created" {
                    let seq = received.event["message"]["seq"].as_u64().unwrap_or(0);
                    *created.entry(seq).or_default() += 1;
                }
            }
            let expected: BTreeMap<u64, u32> = history.iter().map(|m| (m.seq.0, 1)).collect();
            if created != expected {
                return Err(format!("the backend heard of (seq, times) {created:?}"));
            }
            let everything: Vec<String> = history.iter().map(|m| m.text.clone()).collect();
            if let Some(browser) = browser {
                for (index, shown) in every_tab(browser).await.into_iter().enumerate() {
                    if shown != everything {
                        return Err(format!("tab {index} shows {shown:?}"));
                    }
                }
            }
            Ok(())
        })
        .await
    }
}

/// The `demo` brand's settings in a world: named `name`, forwarding to the fake Telegram
/// group and WhatsApp number, and to the backend at `backend`.
fn brand_settings(name: &str, backend: &str) -> Value {
    json!({
        "name": name,
        "allowedOrigins": ["http://127.0.0.1:*"],
        "connectors": {
            "telegram": {
                "chatId": CHAT,
                "botTokenSecret": "DEMO_TELEGRAM_TOKEN",
                "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
            },
            "whatsapp": {
                "phoneNumberId": NUMBER_ID,
                "displayNumber": "15550783881",
                "accessTokenSecret": "DEMO_WHATSAPP_TOKEN",
            },
            "webhook": { "url": backend, "secret": "DEMO_WEBHOOK_SECRET" },
        },
    })
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A team member's reply in `topic`, shaped as Telegram sends it (see the fixture).
pub fn telegram_reply(topic: i64, message_id: i64, name: &str, text: &str) -> Value {
    json!({
        "update_id": 734_001_122 + message_id,
        "message": {
            "message_id": message_id,
            "from": { "id": 5550001, "is_bot": false, "first_name": name },
            "chat": { "id": CHAT, "title": "Acme support", "type": "supergroup", "is_forum": true },
            "date": now_seconds(),
            "message_thread_id": topic,
            "is_topic_message": true,
            "text": text,
        }
    })
}

/// Posts an update to the relay's Telegram hook of `demo` with `secret`; returns the status.
pub async fn post_telegram_update(api: &Api, secret: Option<&str>, update: &Value) -> u16 {
    let mut request = api
        .http
        .post(api.url("/v1/hooks/telegram/demo"))
        .json(update);
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.unwrap().status().as_u16()
}

/// POSTs a WhatsApp hook `body` as Meta would, signed with `secret`; returns the status.
pub async fn post_whatsapp_hook(api: &Api, body: &str, secret: &str) -> u16 {
    api.http
        .post(api.url("/v1/hooks/whatsapp"))
        .header("Content-Type", "application/json")
        .header("X-Hub-Signature-256", signature(secret, body))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The messages every tab of `browser` shows, tab by tab (the current tab stays current).
pub async fn every_tab(browser: &Browser) -> Vec<Vec<String>> {
    let current = browser.client.window().await.unwrap();
    let mut shown = Vec::new();
    for handle in browser.client.windows().await.unwrap() {
        browser.client.switch_to_window(handle).await.unwrap();
        shown.push(browser.shown_messages().await);
    }
    browser.client.switch_to_window(current).await.unwrap();
    shown
}
