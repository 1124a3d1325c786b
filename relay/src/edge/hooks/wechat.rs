//! `GET`/`POST /v1/hooks/wechat/{brand}`: the brand's Official Account. `GET` is WeChat's
//! handshake (the `echostr`, once the signature holds); `POST` carries a text or an event,
//! signed (`signature`, or `msg_signature` and encrypted in safe mode), and is answered
//! `success` as soon as the thread has it — nothing on this path calls WeChat, whose
//! answers go through the queue. A scan of a thread's QR code (its scene a live link code)
//! links the thread; texts of a linked user join it; anything else is taken and ignored.

use super::super::d1::{self, Db};
use super::super::http::{self, internal};
use super::super::thread::{self, Policy, WechatInbound, WechatKind, WhatsappOutcome};
use super::super::{api, brands, links};
use super::MAX_HOOK_BYTES;
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

/// `POST`: one message or event, checked, decrypted in safe mode, handed to its thread.
/// A failure that may pass (D1 or a thread unreachable) answers 500, and WeChat retries;
/// every retry is absorbed (texts by `MsgId`, scans by sender and time).
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
    let (open_id, kind, sent_at) = match inbound {
        Inbound::Scanned {
            open_id,
            scene,
            sent_at,
            ..
        } => {
            let Some(code) = link::parse_code(&scene) else {
                return text("success");
            };
            if api::limit(env, "LINK_GUESSES", &format!("wx:{open_id}"))
                .await
                .is_err()
            {
                worker::console_warn!("WeChat user over the link-code limit: scan ignored");
                return text("success");
            }
            (open_id, WechatKind::Scanned { code }, sent_at)
        }
        Inbound::Text {
            open_id,
            msg_id,
            text: words,
            sent_at,
            ..
        } => {
            // A text longer than the widget shows is cut, not refused: it was sent already.
            let words = normalize_text(&words).unwrap_or_else(|_| {
                words
                    .trim()
                    .chars()
                    .take(confab_protocol::MAX_TEXT_CHARS)
                    .collect()
            });
            if words.is_empty() {
                return text("success");
            }
            let kind = WechatKind::Text {
                msg_id,
                text: words,
            };
            (open_id, kind, sent_at)
        }
        Inbound::Other { .. } => return text("success"),
    };
    let Some(thread) = thread_for(env, &brand, &open_id, &kind).await? else {
        return text("success");
    };
    let inbound = WechatInbound {
        open_id,
        kind,
        sent_at,
        policy: Policy::new(&brand, &thread),
    };
    match thread::wechat_inbound(env, &inbound).await {
        Ok(WhatsappOutcome::NotLinked) => {
            worker::console_log!("a WeChat message for a thread not linked to its sender");
            text("success")
        }
        // The visitor erased the thread meanwhile: nothing to add to.
        Ok(_) | Err(RelayError::ThreadErased) => text("success"),
        Err(other) => Err(other),
    }
}

/// Where a scan or a text goes: a scan to its code's thread (if the code is live), a text
/// to the thread its sender is linked to (D1 only says where to ask; the thread decides).
async fn thread_for(
    env: &Env,
    brand: &Brand,
    open_id: &str,
    kind: &WechatKind,
) -> Result<Option<ThreadId>, RelayError> {
    match kind {
        WechatKind::Scanned { code } => links::thread_of_code(env, &brand.id, code, "wechat").await,
        WechatKind::Text { .. } => {
            let linked: Option<String> = Db::new(env)?
                .first(
                    "SELECT thread_id FROM wechat_users WHERE brand_id = ?1 AND open_id = ?2",
                    &[d1::text(brand.id.as_str()), d1::text(open_id)],
                    Some("thread_id"),
                )
                .await?;
            Ok(linked.map(ThreadId::new))
        }
    }
}
