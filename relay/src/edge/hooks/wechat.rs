//! `GET`/`POST /v1/hooks/wechat/{brand}`: the brand's Official Account. `GET` is WeChat's
//! handshake (the `echostr`, once the signature holds); `POST` carries a text, a photo or
//! an event, signed (`signature`, or `msg_signature` and encrypted in safe mode), and is
//! answered `success` as soon as the thread or the queue has it — nothing on this path
//! calls WeChat, whose answers go through the queue. A scan of a thread's QR code (its
//! scene a live link code) links the thread; texts of a linked user join it. A text whose
//! sender D1 does not know as linked yet (the scan's derived fact can come after it), and
//! every photo (downloaded off the hook's path), go through the queue as an
//! [`AwaitingLink`](crate::awaiting::AwaitingLink) and come back to [`again`]; a sender
//! still linked to no thread after `LINK_SETTLE_SECONDS` is a stranger, and ignored.

use super::super::awaiting::{self, Waited};
use super::super::d1::{self, Db};
use super::super::files::{self, Uploader};
use super::super::http::{self, internal};
use super::super::outbound::wechat::media;
use super::super::thread::{self, Policy, WechatInbound, WechatKind, WhatsappOutcome};
use super::super::{api, brands, links};
use super::MAX_HOOK_BYTES;
use crate::awaiting::Awaited;
use crate::brand::Brand;
use crate::connector::wechat::{
    self, crypto::AesKey, HookQuery, Inbound, SafeMode, WechatSettings,
};
use crate::error::RelayError;
use crate::link;
use confab_protocol::{normalize_text, BrandId, ThreadId};
use worker::{Env, Request, Response};

/// The brand, its account, and the hook's token.
async fn account(
    env: &Env,
    brand: &BrandId,
) -> Result<(Brand, WechatSettings, String), RelayError> {
    let brand = brands::load(env, brand.as_str()).await?;
    let settings = brand
        .settings
        .connectors
        .wechat
        .clone()
        .ok_or_else(|| RelayError::NotFound("wechat hook".into()))?;
    let token = env
        .secret(&settings.token)
        .map(|secret| secret.to_string())
        .map_err(|_| RelayError::NotFound(format!("the WeChat hook (no {})", settings.token)))?;
    Ok((brand, settings, token))
}

fn query(request: &Request) -> Result<String, RelayError> {
    Ok(request
        .url()
        .map_err(internal)?
        .query()
        .unwrap_or("")
        .to_string())
}

fn text(body: &str) -> Result<Response, RelayError> {
    Response::ok(body).map_err(internal)
}

/// `GET`: the handshake — `echostr` back as plain text, if the signature holds (else 401).
pub async fn verify(request: &Request, env: &Env, brand: &BrandId) -> Result<Response, RelayError> {
    let (_, _, token) = account(env, brand).await?;
    let echo = wechat::handshake(&token, &query(request)?, worker::Date::now().as_millis())?;
    text(&echo)
}

/// `POST`: one message or event, checked, decrypted in safe mode, handed to its thread (or
/// to the queue: a photo, or a text whose sender has no linked thread yet). A failure that
/// may pass (D1, a thread or the queue unreachable) answers 500, and WeChat retries; every
/// retry is absorbed (texts and photos by `MsgId`, scans by sender and time).
pub async fn hook(
    request: &mut Request,
    env: &Env,
    brand: &BrandId,
) -> Result<Response, RelayError> {
    let (brand, settings, token) = account(env, brand).await?;
    let key =
        match &settings.encoding_aes_key {
            Some(name) => {
                let encoded = env
                    .secret(name)
                    .map(|secret| secret.to_string())
                    .map_err(|_| RelayError::NotFound(format!("the WeChat hook (no {name})")))?;
                Some(AesKey::from_encoding_key(&encoded).ok_or_else(|| {
                    internal(format!("{name} is not a 43-character EncodingAESKey"))
                })?)
            }
            None => None,
        };
    let safe = key.as_ref().map(|key| SafeMode {
        key,
        app_id: &settings.app_id,
    });
    let query = query(request)?;
    let now = worker::Date::now().as_millis();
    // The query's signature first: an unsigned call costs no body read.
    HookQuery::parse(&query)?.check(&token, now)?;
    let body = http::read_bytes(request, MAX_HOOK_BYTES).await?;
    let inbound = wechat::open(&token, safe, &query, &body, now)?;
    if inbound.account() != settings.original_id {
        worker::console_warn!("a WeChat hook for another account: ignored");
        return text("success");
    }
    match inbound {
        Inbound::Scanned {
            open_id,
            scene,
            sent_at,
            ..
        } => scanned(env, &brand, open_id, &scene, sent_at).await?,
        from_user @ (Inbound::Text { .. } | Inbound::Image { .. }) => {
            let waited = Waited::new();
            if matches!(from_user, Inbound::Image { .. }) {
                // A photo is downloaded from WeChat: through the queue, never here.
                wait(env, &brand, from_user, waited).await?;
            } else {
                from_visitor(env, &brand, &settings, from_user, waited).await?;
            }
        }
        Inbound::Other { .. } => {}
    }
    text("success")
}

/// A scan: to its code's thread (if the code is live), which links itself to the user.
async fn scanned(
    env: &Env,
    brand: &Brand,
    open_id: String,
    scene: &str,
    sent_at: u64,
) -> Result<(), RelayError> {
    let Some(code) = link::parse_code(scene) else {
        return Ok(());
    };
    if api::limit(env, "LINK_GUESSES", &format!("wx:{open_id}"))
        .await
        .is_err()
    {
        worker::console_warn!("WeChat user over the link-code limit: scan ignored");
        return Ok(());
    }
    let Some(thread) = links::thread_of_code(env, &brand.id, &code, "wechat").await? else {
        return Ok(());
    };
    let inbound = WechatInbound {
        open_id,
        kind: WechatKind::Scanned { code },
        sent_at,
        policy: Policy::new(brand, &thread),
    };
    match thread::wechat_inbound(env, &inbound).await {
        Ok(WhatsappOutcome::NotLinked) => {
            worker::console_log!("a WeChat scan of a code its thread no longer holds");
            Ok(())
        }
        // The visitor erased the thread meanwhile: nothing to add to.
        Ok(_) | Err(RelayError::ThreadErased) => Ok(()),
        Err(other) => Err(other),
    }
}

/// A WeChat text or photo back from the queue, where it waited for its sender's link (or,
/// a photo, for its download).
pub async fn again(
    env: &Env,
    brand: &BrandId,
    inbound: Inbound,
    waited: Waited,
) -> Result<(), RelayError> {
    let brand = match brands::load(env, brand.as_str()).await {
        Ok(brand) => brand,
        Err(RelayError::UnknownBrand(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let Some(settings) = brand.settings.connectors.wechat.clone() else {
        return Ok(());
    };
    from_visitor(env, &brand, &settings, inbound, waited).await
}

/// Puts a text or photo on the queue to wait for its sender's link; logs a stranger's
/// once the settling time is over.
async fn wait(
    env: &Env,
    brand: &Brand,
    inbound: Inbound,
    waited: Waited,
) -> Result<(), RelayError> {
    let awaited = Awaited::Wechat {
        brand: brand.id.clone(),
        inbound,
    };
    if !awaiting::wait(env, awaited, waited).await? {
        worker::console_log!("a WeChat message from a user linked to no thread: ignored");
    }
    Ok(())
}

/// A text or a photo of a WeChat user: into the thread D1 says the user is linked to (the
/// thread decides; a photo is first downloaded and recorded as the thread's file), or, if
/// there is none or the thread says it is not the user's, onto the queue to wait.
async fn from_visitor(
    env: &Env,
    brand: &Brand,
    settings: &WechatSettings,
    inbound: Inbound,
    waited: Waited,
) -> Result<(), RelayError> {
    let (open_id, sent_at) = match &inbound {
        Inbound::Text {
            open_id, sent_at, ..
        }
        | Inbound::Image {
            open_id, sent_at, ..
        } => (open_id.clone(), *sent_at),
        Inbound::Scanned { .. } | Inbound::Other { .. } => return Ok(()),
    };
    let Some(thread) = linked_thread(env, brand, &open_id).await? else {
        return wait(env, brand, inbound, waited).await;
    };
    let kind = match &inbound {
        Inbound::Text {
            msg_id,
            text: words,
            ..
        } => {
            // A text longer than the widget shows is cut, not refused: it was sent already.
            let words = normalize_text(words).unwrap_or_else(|_| {
                words
                    .trim()
                    .chars()
                    .take(confab_protocol::MAX_TEXT_CHARS)
                    .collect()
            });
            if words.is_empty() {
                return Ok(());
            }
            WechatKind::Text {
                msg_id: msg_id.clone(),
                text: words,
            }
        }
        Inbound::Image {
            msg_id, media_id, ..
        } => {
            let rules = &brand.settings.attachments;
            let stored = media::download(env, settings, &thread, msg_id, media_id, rules).await;
            let attachment = match stored {
                Ok(attachment) => attachment,
                // Too large, a type the brand does not take, or media WeChat no longer has:
                // nothing to add, and trying again would not change it.
                Err(refused) if (400..500).contains(&refused.status()) => {
                    worker::console_warn!("a WeChat photo not taken: {refused}");
                    return Ok(());
                }
                Err(other) => return Err(other),
            };
            // WeChat limits its users itself: their photos spend no web send budget.
            match files::record(env, &brand.id, &thread, &attachment, Uploader::Team).await {
                Ok(()) => {}
                Err(RelayError::ThreadErased) => return Ok(()),
                Err(other) => return Err(other),
            }
            WechatKind::Image {
                msg_id: msg_id.clone(),
                attachment: attachment.id,
            }
        }
        Inbound::Scanned { .. } | Inbound::Other { .. } => return Ok(()),
    };
    let call = WechatInbound {
        open_id,
        kind,
        sent_at,
        policy: Policy::new(brand, &thread),
    };
    match thread::wechat_inbound(env, &call).await {
        // D1 named a thread that is not (or no longer) this user's: the link may be moving.
        Ok(WhatsappOutcome::NotLinked) => wait(env, brand, inbound, waited).await,
        // The visitor erased the thread meanwhile: nothing to add to.
        Ok(_) | Err(RelayError::ThreadErased) => Ok(()),
        Err(other) => Err(other),
    }
}

/// The thread D1 says a user is linked to (D1 only says where to ask; the thread decides).
async fn linked_thread(
    env: &Env,
    brand: &Brand,
    open_id: &str,
) -> Result<Option<ThreadId>, RelayError> {
    let linked: Option<String> = Db::new(env)?
        .first(
            "SELECT thread_id FROM wechat_users WHERE brand_id = ?1 AND open_id = ?2",
            &[d1::text(brand.id.as_str()), d1::text(open_id)],
            Some("thread_id"),
        )
        .await?;
    Ok(linked.map(ThreadId::new))
}
