//! Webhooks from messaging apps: checked (shared secret or signature, in constant time),
//! decoded by their connector, and turned into messages of the right thread. A hook answers
//! 200 to anything it took or chose to ignore, since the app would otherwise redeliver it.

pub mod wechat;

use super::awaiting::{self, Waited};
use super::d1::{self, Db};
use super::http::{self, internal};
use super::outbound::{self, telegram::thread_of_topic};
use super::thread::{self, Append, Policy, StatusChange, WhatsappInbound, WhatsappOutcome};
use super::{api, brands, links};
use crate::attachment::message_text;
use crate::awaiting::Awaited;
use crate::brand::Brand;
use crate::connector::telegram::{read_update, Update};
use crate::connector::whatsapp::{self, Event, Inbound, IncomingMedia, Status};
use crate::error::RelayError;
use crate::link;
use confab_protocol::{
    normalize_text, AttachmentId, Author, BrandId, Channel, ClientMessageId, DeliveryStatus,
    ThreadId,
};
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
        sender,
        file,
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
    // `/bot on` and `/bot off` turn the thread's bot on or off; they are not answers.
    if let Some(on) = crate::connector::telegram::bot_command(&text).filter(|_| file.is_none()) {
        return match super::assistant::switch(env, &brand.id, &thread, on).await {
            Ok(on) => http::json(&serde_json::json!({ "bot": on }), 200),
            Err(RelayError::ThreadErased) => ignored("the thread was erased"),
            Err(other) => Err(other),
        };
    }
    // `/resolve` and `/reopen` change the thread's resolution; they are not answers.
    if let Some(command) = crate::resolution::command(&text).filter(|_| file.is_none()) {
        return match super::resolution::command(env, &brand.id, &thread, command).await {
            Ok(answer) => http::json(&answer, 200),
            Err(RelayError::ThreadErased) => ignored("the thread was erased"),
            Err(other) => Err(other),
        };
    }
    let mut attachments = Vec::new();
    if let Some(file) = &file {
        match team_file(env, &brand, &settings, &thread, file).await {
            Ok(id) => attachments.push(id),
            Err(RelayError::ThreadErased) => return ignored("the thread was erased"),
            // A file the brand does not take: the caption still goes.
            Err(refused) if (400..500).contains(&refused.status()) => {
                worker::console_warn!("a team file refused: {refused}");
            }
            Err(other) => return Err(other),
        }
    }
    let Ok(text) = message_text(&text, &attachments) else {
        return ignored("text the widget cannot show");
    };
    let append = Append {
        // Telegram's message ids are unique per chat: a redelivered update finds its copy.
        client_id: ClientMessageId::new(format!("telegram:{chat_id}:{message_id}")),
        text,
        author: Author::Agent,
        channel: Channel::Telegram,
        sender,
        attachments,
        policy: Policy::new(&brand, &thread).reached_by(request),
        replies: Vec::new(),
    };
    match thread::append(env, &append).await {
        Ok(_) => http::json(&serde_json::json!({ "stored": true }), 200),
        // The visitor erased the thread: the team's reply has nowhere to go.
        Err(RelayError::ThreadErased) => ignored("the thread was erased"),
        Err(other) => Err(other),
    }
}

/// A team member's file from Telegram, downloaded, checked, stored and recorded in the
/// thread; returns its id.
async fn team_file(
    env: &Env,
    brand: &Brand,
    settings: &crate::connector::telegram::TelegramSettings,
    thread: &ThreadId,
    file: &crate::connector::telegram::IncomingFile,
) -> Result<AttachmentId, RelayError> {
    let bot = outbound::telegram::Bot::of(env, settings.clone())
        .map_err(|failed| internal(format!("the Telegram bot: {failed:?}")))?;
    let rules = &brand.settings.attachments;
    let attachment = outbound::telegram::download(env, &bot, thread, file, rules).await?;
    super::files::record(
        env,
        &brand.id,
        thread,
        &attachment,
        super::files::Uploader::Team,
    )
    .await?;
    Ok(attachment.id)
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
/// over the raw body); texts, photos and documents become messages of the linked thread
/// (or link one, with a code), statuses move the ticks of the messages the relay sent.
///
/// A delivery may carry many events. Each is handled on its own: one that cannot be taken
/// for good (another brand's number, a stranger, an erased thread) is skipped and the rest
/// still go; if any failed in a way that may pass (D1 or a thread unreachable), the answer
/// is 500 so that Meta delivers the whole body again — every event is idempotent (texts by
/// `wamid`, statuses only move forward), so the ones already taken add nothing.
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
    let mut failed = 0;
    for event in whatsapp::read_webhook(&body)? {
        if let Err(error) = whatsapp_event(env, event).await {
            worker::console_error!("WhatsApp hook: {error}");
            failed += 1;
        }
    }
    if failed > 0 {
        return Err(internal(format!(
            "{failed} WhatsApp events failed; Meta will deliver them again"
        )));
    }
    http::json(&serde_json::json!({ "ok": true }), 200)
}

/// One event of a WhatsApp delivery.
async fn whatsapp_event(env: &Env, event: Event) -> Result<(), RelayError> {
    match event {
        Event::Text {
            phone_number_id,
            wa_id,
            wamid,
            text,
            sent_at,
        } => {
            let inbound = Inbound {
                wa_id,
                wamid,
                text,
                media: None,
                sent_at,
            };
            whatsapp_from_visitor(env, &phone_number_id, inbound, Waited::new()).await
        }
        Event::Media {
            phone_number_id,
            inbound,
        } => whatsapp_from_visitor(env, &phone_number_id, inbound, Waited::new()).await,
        Event::Status { wamid, status, .. } => {
            let change = match status {
                Status::Delivered => (DeliveryStatus::Delivered, None),
                Status::Read => (DeliveryStatus::Read, None),
                Status::Failed { code, reason } => {
                    // WhatsApp's own words go to the log; the thread keeps a safe reason.
                    let failure = whatsapp::status_failure(code, &reason);
                    worker::console_warn!("WhatsApp status of {wamid}: {failure}");
                    (
                        DeliveryStatus::Failed,
                        Some(failure.visitor_text().to_string()),
                    )
                }
                Status::Sent => return Ok(()),
            };
            match outbound::whatsapp::sent_message(env, &wamid).await? {
                Some((thread, seq)) => {
                    let change = StatusChange {
                        seq,
                        status: change.0,
                        failure: change.1,
                    };
                    thread::set_status(env, &thread, &change).await
                }
                // Meta's hook overtook the Cloud API's answer: the status waits.
                None => {
                    outbound::whatsapp::keep_early_status(env, &wamid, change.0, change.1).await
                }
            }
        }
        Event::Unsupported { .. } => Ok(()),
    }
}

/// A visitor's message on WhatsApp to the number `phone_number_id`, as the hook received
/// it or, `waited` so far, as it comes back from the queue while its sender's link settles
/// ([`crate::awaiting`]).
pub async fn whatsapp_from_visitor(
    env: &Env,
    phone_number_id: &str,
    inbound: Inbound,
    waited: Waited,
) -> Result<(), RelayError> {
    let Some(brand) = brands::by_whatsapp_number(env, phone_number_id).await? else {
        return Ok(());
    };
    whatsapp_message(env, &brand, phone_number_id, inbound, waited).await
}

/// A visitor's message on WhatsApp. With a link code it goes to the code's thread, which
/// links itself to this WhatsApp user if the code is one of its live codes; otherwise it
/// joins the thread the user is linked to. The thread decides (D1 only says where to ask),
/// and records the link in D1 itself — a moment later, so a sender D1 does not know yet
/// waits on the queue for up to `LINK_SETTLE_SECONDS` before being taken for a stranger.
/// Code-bearing texts are limited per user (when they arrive, not each time they are
/// looked up again), so codes cannot be guessed. A file is stored in the thread first
/// ([`whatsapp_file`]).
async fn whatsapp_message(
    env: &Env,
    brand: &Brand,
    phone_number_id: &str,
    inbound: Inbound,
    waited: Waited,
) -> Result<(), RelayError> {
    let code = link::find_code(&inbound.text);
    let coded_thread = match &code {
        Some(code) => {
            let first_look = waited.tries == 0;
            if first_look
                && api::limit(env, "LINK_GUESSES", &format!("wa:{}", inbound.wa_id))
                    .await
                    .is_err()
            {
                worker::console_warn!("WhatsApp user over the link-code limit: text ignored");
                return Ok(());
            }
            links::thread_of_code(env, &brand.id, code, "whatsapp").await?
        }
        None => None,
    };
    let thread = match coded_thread {
        Some(thread) => thread,
        None => {
            let linked: Option<String> = Db::new(env)?
                .first(
                    "SELECT thread_id FROM whatsapp_users WHERE brand_id = ?1 AND wa_id = ?2",
                    &[d1::text(brand.id.as_str()), d1::text(&inbound.wa_id)],
                    Some("thread_id"),
                )
                .await?;
            let Some(thread) = linked else {
                // No thread of theirs (yet): the link may be on its way to D1.
                let awaited = Awaited::Whatsapp {
                    phone_number_id: phone_number_id.to_string(),
                    inbound,
                };
                if !awaiting::wait(env, awaited, waited).await? {
                    worker::console_log!("a WhatsApp message from a stranger: ignored");
                }
                return Ok(());
            };
            ThreadId::new(thread)
        }
    };
    let Inbound {
        wa_id,
        wamid,
        text,
        media,
        sent_at,
    } = inbound;
    let mut text = text;
    let mut attachments = Vec::new();
    if let Some(media) = &media {
        match whatsapp_file(env, brand, &thread, media).await {
            Ok(id) => attachments.push(id),
            Err(RelayError::ThreadErased) => return Ok(()),
            // A file the brand does not take: the visitor's message says so, not silence.
            Err(refused) if (400..500).contains(&refused.status()) => {
                worker::console_warn!("a visitor's WhatsApp file refused: {refused}");
                let note = refused_file_note(&refused);
                text = match text.trim().is_empty() {
                    true => note,
                    false => format!("{}\n{note}", text.trim()),
                };
            }
            Err(other) => return Err(other),
        }
    }
    // A text longer than the widget shows is cut, not refused: it was sent already.
    let kept = match attachments.is_empty() {
        true => normalize_text(&text).ok(),
        false => message_text(&text, &attachments).ok(),
    };
    let text = kept.unwrap_or_else(|| {
        text.trim()
            .chars()
            .take(confab_protocol::MAX_TEXT_CHARS)
            .collect()
    });
    let inbound = WhatsappInbound {
        wa_id,
        wamid,
        text,
        attachments,
        sent_at,
        code,
        policy: Policy::new(brand, &thread),
    };
    match thread::whatsapp_inbound(env, &inbound).await {
        Ok(WhatsappOutcome::NotLinked) => {
            worker::console_log!("a WhatsApp text for a thread not linked to its sender");
            Ok(())
        }
        // The visitor erased the thread meanwhile: nothing to add to.
        Ok(_) | Err(RelayError::ThreadErased) => Ok(()),
        Err(other) => Err(other),
    }
}

/// A visitor's file from WhatsApp, downloaded, checked, stored and recorded in the thread;
/// returns its id. A redelivered message downloads it again; the thread keeps the message
/// once (by `wamid`), and the copy no message names is deleted with the unused uploads.
async fn whatsapp_file(
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
    media: &IncomingMedia,
) -> Result<AttachmentId, RelayError> {
    let settings = brand
        .settings
        .connectors
        .whatsapp
        .as_ref()
        .ok_or_else(|| RelayError::NotFound("the brand's WhatsApp number".into()))?;
    let rules = &brand.settings.attachments;
    let attachment = outbound::whatsapp::download(env, settings, thread, media, rules).await?;
    // WhatsApp paces its users itself: like their texts, their files spend no send budget
    // of the web widget's.
    let uploader = super::files::Uploader::Team;
    super::files::record(env, &brand.id, thread, &attachment, uploader).await?;
    Ok(attachment.id)
}

/// What the thread shows in place of a visitor's WhatsApp file it did not keep.
fn refused_file_note(refused: &RelayError) -> String {
    let why = match refused {
        RelayError::FileTooLarge { limit } => format!(
            "it is larger than {}",
            crate::attachment::human_size(*limit)
        ),
        RelayError::FileTypeRefused(_) | RelayError::FileTypeMismatch(_) => {
            "its type is not accepted here".to_string()
        }
        _ => "it could not be fetched from WhatsApp".to_string(),
    };
    format!("[A file sent on WhatsApp was not kept: {why}.]")
}
