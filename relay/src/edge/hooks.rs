//! Webhooks from messaging apps: checked (shared secret or signature, in constant time),
//! decoded by their connector, and turned into messages of the right thread. A hook answers
//! 200 to anything it took or chose to ignore, since the app would otherwise redeliver it.

use super::http::{self, internal};
use super::outbound::{self, telegram::thread_of_topic};
use super::thread::{self, Append, Policy, StatusChange, WhatsappInbound};
use super::{brands, links};
use crate::brand::Brand;
use crate::connector::telegram::{read_update, Update};
use crate::connector::whatsapp::{self, Event, Status};
use crate::error::RelayError;
use crate::link;
use confab_protocol::{
    validate_text, Author, BrandId, Channel, ClientMessageId, DeliveryStatus, ThreadId,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use worker::wasm_bindgen::JsValue;
use worker::{Env, Request, Response};

/// Updates quote the message they answer, so they may be larger than API calls.
const MAX_HOOK_BYTES: usize = 256 * 1024;

/// `POST /v1/hooks/telegram/{brand}`: a team member's reply in a thread's topic becomes an
/// agent message of that thread (once, however often Telegram delivers it).
pub async fn telegram(
    request: &mut Request,
    env: &Env,
    brand: &BrandId,
) -> Result<Response, RelayError> {
    let brand = brands::load(env, brand.as_str()).await?;
    let settings = brand
        .settings
        .connectors
        .telegram
        .clone()
        .ok_or_else(|| RelayError::NotFound("telegram hook".into()))?;
    let presented = request
        .headers()
        .get("X-Telegram-Bot-Api-Secret-Token")
        .map_err(internal)?
        .unwrap_or_default();
    let expected = env
        .secret(&settings.webhook_secret)
        .map(|secret| secret.to_string())
        .map_err(|_| {
            RelayError::NotFound(format!(
                "the Telegram hook (no {})",
                settings.webhook_secret
            ))
        })?;
    // Digests keep the comparison constant-time whatever the lengths.
    let matches: bool = Sha256::digest(&expected)
        .ct_eq(&Sha256::digest(&presented))
        .into();
    if expected.is_empty() || !matches {
        return Err(RelayError::InvalidWebhookSignature);
    }
    let body = http::read_bytes(request, MAX_HOOK_BYTES).await?;
    let ignored = |why: &str| http::json(&serde_json::json!({ "ignored": why }), 200);
    let Update::Reply {
        chat_id,
        topic_id,
        message_id,
        text,
    } = read_update(&body)?
    else {
        return ignored("not a reply in a topic");
    };
    if chat_id != settings.chat_id {
        return ignored("another chat");
    }
    let Some(thread) = thread_of_topic(env, &brand.id, chat_id, topic_id).await? else {
        return ignored("a topic of no thread");
    };
    if validate_text(&text).is_err() {
        return ignored("text the widget cannot show");
    }
    let append = Append {
        // Telegram's message ids are unique per chat: a redelivered update finds its copy.
        client_id: ClientMessageId::new(format!("telegram:{chat_id}:{message_id}")),
        text,
        author: Author::Agent,
        channel: Channel::Telegram,
        policy: Policy::new(&brand, &thread),
    };
    let text = append.text.clone();
    let stored = thread::append(env, &append).await?;
    if stored.status_code() == 201 {
        let at = worker::Date::now().as_millis();
        brands::touch_thread(env, &thread, at, &text).await?;
    }
    match stored.status_code() {
        200 | 201 => http::json(&serde_json::json!({ "stored": true }), 200),
        // The visitor erased the thread: the team's reply has nowhere to go.
        410 => ignored("the thread was erased"),
        status => Err(internal(format!("thread answered {status}"))),
    }
}

/// `GET /v1/hooks/whatsapp`: Meta's verification handshake — the raw challenge if the verify
/// token matches `WHATSAPP_VERIFY_TOKEN`, else 403.
pub fn whatsapp_verify(request: &Request, env: &Env) -> Result<Response, RelayError> {
    let query = request
        .url()
        .map_err(internal)?
        .query()
        .unwrap_or("")
        .to_string();
    let expected = env
        .secret("WHATSAPP_VERIFY_TOKEN")
        .map(|secret| secret.to_string())
        .unwrap_or_default();
    match whatsapp::subscription_challenge(&query, &expected) {
        Some(challenge) => Response::ok(challenge).map_err(internal),
        None => Ok(Response::error("verification failed", 403).map_err(internal)?),
    }
}

/// `POST /v1/hooks/whatsapp`: signed with the operator's app secret (`X-Hub-Signature-256`
/// over the raw body); texts become messages of the linked thread (or link one, with a
/// code), statuses move the ticks of the messages the relay sent.
pub async fn whatsapp(request: &mut Request, env: &Env) -> Result<Response, RelayError> {
    let signature = request
        .headers()
        .get("X-Hub-Signature-256")
        .map_err(internal)?
        .ok_or(RelayError::InvalidWebhookSignature)?;
    let secret = env
        .secret("WHATSAPP_APP_SECRET")
        .map(|secret| secret.to_string())
        // Without the app secret this relay takes no WhatsApp at all.
        .map_err(|_| RelayError::NotFound("the WhatsApp hook (no WHATSAPP_APP_SECRET)".into()))?;
    let body = http::read_bytes(request, MAX_HOOK_BYTES).await?;
    whatsapp::verify_signature(secret.as_bytes(), &signature, &body)?;
    for event in whatsapp::read_webhook(&body)? {
        match event {
            Event::Text {
                phone_number_id,
                wa_id,
                wamid,
                text,
                sent_at,
            } => {
                let Some(brand) = brands::by_whatsapp_number(env, &phone_number_id).await? else {
                    continue;
                };
                whatsapp_text(env, &brand, wa_id, wamid, text, sent_at).await?;
            }
            Event::Status { wamid, status, .. } => {
                let change = match status {
                    Status::Delivered => (DeliveryStatus::Delivered, None),
                    Status::Read => (DeliveryStatus::Read, None),
                    Status::Failed { code, reason } => (
                        DeliveryStatus::Failed,
                        Some(if code == whatsapp::WINDOW_CLOSED {
                            format!("outside WhatsApp's 24-hour window ({code})")
                        } else {
                            format!("WhatsApp {code}: {reason}")
                        }),
                    ),
                    Status::Sent => continue,
                };
                match outbound::whatsapp::sent_message(env, &wamid).await? {
                    Some((thread, seq)) => {
                        let change = StatusChange {
                            seq,
                            status: change.0,
                            failure: change.1,
                        };
                        thread::set_status(env, &thread, &change).await?;
                    }
                    // Meta's hook overtook the Cloud API's answer: the status waits.
                    None => {
                        outbound::whatsapp::keep_early_status(env, &wamid, change.0, change.1)
                            .await?
                    }
                }
            }
            Event::Unsupported { .. } => {}
        }
    }
    http::json(&serde_json::json!({ "ok": true }), 200)
}

/// A visitor's text on WhatsApp: with a link code it links the code's thread to this
/// WhatsApp user; otherwise it joins the thread the user is linked to, if any.
async fn whatsapp_text(
    env: &Env,
    brand: &Brand,
    wa_id: String,
    wamid: String,
    text: String,
    sent_at: u64,
) -> Result<(), RelayError> {
    let db = env.d1("DB").map_err(internal)?;
    let redeemed = match link::find_code(&text) {
        Some(code) => links::redeem(env, &brand.id, &code, "whatsapp").await?,
        None => None,
    };
    let args = [
        JsValue::from_str(brand.id.as_str()),
        JsValue::from_str(&wa_id),
    ];
    let thread = match &redeemed {
        Some(thread) => {
            db.prepare(
                "INSERT INTO whatsapp_users (brand_id, wa_id, thread_id) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (brand_id, wa_id) DO UPDATE SET thread_id = excluded.thread_id",
            )
            .bind(&[
                args[0].clone(),
                args[1].clone(),
                JsValue::from_str(thread.as_str()),
            ])
            .map_err(internal)?
            .run()
            .await
            .map_err(internal)?;
            thread.clone()
        }
        None => {
            let linked: Option<String> = db
                .prepare("SELECT thread_id FROM whatsapp_users WHERE brand_id = ?1 AND wa_id = ?2")
                .bind(&args)
                .map_err(internal)?
                .first(Some("thread_id"))
                .await
                .map_err(internal)?;
            // A stranger without a code: there is no thread of theirs to add to.
            let Some(thread) = linked else {
                return Ok(());
            };
            ThreadId::new(thread)
        }
    };
    let text = if validate_text(&text).is_ok() {
        text
    } else {
        text.chars().take(confab_protocol::MAX_TEXT_CHARS).collect()
    };
    brands::touch_thread(env, &thread, worker::Date::now().as_millis(), &text).await?;
    let inbound = WhatsappInbound {
        wa_id,
        wamid,
        text,
        sent_at,
        links: redeemed.is_some(),
        policy: Policy::new(brand, &thread),
    };
    match thread::whatsapp_inbound(env, &inbound).await {
        // The visitor erased the thread meanwhile: nothing to add to.
        Ok(()) | Err(RelayError::ThreadErased) => Ok(()),
        Err(other) => Err(other),
    }
}
