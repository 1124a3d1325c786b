//! Webhooks from messaging apps: checked (shared secret or signature, in constant time),
//! decoded by their connector, and turned into messages of the right thread. A hook answers
//! 200 to anything it took or chose to ignore, since the app would otherwise redeliver it.

use super::brands;
use super::http::{self, internal};
use super::outbound::telegram::thread_of_topic;
use super::thread::{self, Append, Policy};
use crate::connector::telegram::{read_update, Update};
use crate::error::RelayError;
use confab_protocol::{validate_text, Author, BrandId, Channel, ClientMessageId};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
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
        .map_err(|_| internal(format!("the {} secret is not set", settings.webhook_secret)))?;
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
    let stored = thread::append(env, &append).await?;
    match stored.status_code() {
        200 | 201 => http::json(&serde_json::json!({ "stored": true }), 200),
        // The visitor erased the thread: the team's reply has nowhere to go.
        410 => ignored("the thread was erased"),
        status => Err(internal(format!("thread answered {status}"))),
    }
}
