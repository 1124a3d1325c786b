//! Link codes: made for a thread (`POST /v1/threads/{id}/links`) and redeemed once — by
//! the WhatsApp webhook, or by a session in another browser. The thread's object owns its
//! codes (it makes them count, and spends each once); D1's `link_codes` is the index from a
//! code to its thread, written here when a code is made (expired entries purged in the same
//! batch) and removed by the thread when the code is spent.

use super::d1::{self, Db};
use super::http;
use super::random_bytes;
use super::thread::{self, NewLink, ThreadCall};
use crate::brand::Brand;
use crate::connector::whatsapp::click_to_chat;
use crate::directory::{Param, Statement};
use crate::error::RelayError;
use crate::link::{code_from, whatsapp_text, LIFETIME_MS};
use crate::origin::origin_allowed;
use confab_protocol::{BrandId, Link, LinkPurpose, LinkRequest, ThreadId, Timestamp};
use worker::{Env, Response};

/// Makes a single-use link for the thread: a `wa.me` link carrying the code, a WeChat QR
/// code whose scene is the code (its URL, as WeChat's API answers it), or a resume link to
/// the page the visitor is on.
pub async fn create(
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
    request: &LinkRequest,
) -> Result<Response, RelayError> {
    let code = code_from(random_bytes()?);
    let url =
        match request.purpose {
            LinkPurpose::Whatsapp => {
                let whatsapp =
                    brand.settings.connectors.whatsapp.as_ref().ok_or_else(|| {
                        RelayError::NotFound("the brand's WhatsApp number".into())
                    })?;
                click_to_chat(&whatsapp.display_number, &whatsapp_text(&code))
            }
            LinkPurpose::Device => resume_url(brand, request.page.as_deref(), &code)?,
            // WeChat first: a code is kept only once WeChat made its QR code.
            LinkPurpose::Wechat => {
                let wechat = brand
                    .settings
                    .connectors
                    .wechat
                    .as_ref()
                    .ok_or_else(|| RelayError::NotFound("the brand's WeChat account".into()))?;
                super::outbound::wechat::create_qr(env, wechat, &code)
                    .await?
                    .url
            }
            LinkPurpose::Unknown => {
                return Err(RelayError::InvalidParameter {
                    name: "purpose",
                    reason: "is neither whatsapp, wechat nor device".into(),
                })
            }
        };
    let expires_at = Timestamp(worker::Date::now().as_millis() + LIFETIME_MS);
    let purpose = match request.purpose {
        LinkPurpose::Whatsapp => "whatsapp",
        LinkPurpose::Wechat => "wechat",
        _ => "device",
    };
    let new = NewLink {
        code: code.clone(),
        purpose: purpose.to_string(),
        expires_at: expires_at.0,
    };
    // The thread first: it refuses a thread with too many live codes, and a code it keeps
    // that D1 never indexes only expires unused.
    thread::act(env, thread, &ThreadCall::CreateLink(new)).await?;
    let now = worker::Date::now().as_millis();
    Db::new(env)?
        .batch(&[
            Statement {
                sql: "DELETE FROM link_codes WHERE expires_at <= ?1",
                params: vec![Param::Number(now)],
            },
            Statement {
                sql: "INSERT INTO link_codes (code, brand_id, thread_id, purpose, expires_at) \
                      VALUES (?1, ?2, ?3, ?4, ?5)",
                params: vec![
                    Param::Text(code.clone()),
                    Param::Text(brand.id.as_str().to_string()),
                    Param::Text(thread.as_str().to_string()),
                    Param::Text(purpose.to_string()),
                    Param::Number(expires_at.0),
                ],
            },
        ])
        .await?;
    let link = Link {
        qr_svg: crate::qr::svg(&url)?,
        code,
        url,
        expires_at,
    };
    http::json(&link, 201)
}

/// The page with `confab-resume=<code>` added: it must be on one of the brand's origins, so
/// that a resume link never sends a visitor anywhere else.
fn resume_url(brand: &Brand, page: Option<&str>, code: &str) -> Result<String, RelayError> {
    let page = page.ok_or(RelayError::InvalidParameter {
        name: "page",
        reason: "a device link needs the page it opens".into(),
    })?;
    let url = worker::Url::parse(page).map_err(|e| RelayError::InvalidParameter {
        name: "page",
        reason: e.to_string(),
    })?;
    let origin = url.origin().ascii_serialization();
    if !origin_allowed(&brand.settings.allowed_origins, &origin) {
        return Err(RelayError::OriginNotAllowed(origin));
    }
    let mut url = url;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(key, _)| key != "confab-resume")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("confab-resume", code);
    url.set_fragment(None);
    Ok(url.to_string())
}

/// The thread a live code of `brand` for `purpose` belongs to, if any (the index only:
/// the thread itself decides whether the code is still unspent).
pub async fn thread_of_code(
    env: &Env,
    brand: &BrandId,
    code: &str,
    purpose: &str,
) -> Result<Option<ThreadId>, RelayError> {
    let thread: Option<String> = Db::new(env)?
        .first(
            "SELECT thread_id FROM link_codes WHERE code = ?1 AND brand_id = ?2 \
             AND purpose = ?3 AND expires_at > ?4",
            &[
                d1::text(code),
                d1::text(brand.as_str()),
                d1::text(purpose),
                d1::number(worker::Date::now().as_millis()),
            ],
            Some("thread_id"),
        )
        .await?;
    Ok(thread.map(ThreadId::new))
}

/// Redeems a device code of `brand`: its thread, once, while it is fresh; else
/// [`RelayError::InvalidLinkCode`].
pub async fn redeem_device_code(
    env: &Env,
    brand: &BrandId,
    code: &str,
) -> Result<ThreadId, RelayError> {
    let thread = thread_of_code(env, brand, code, "device")
        .await?
        .ok_or(RelayError::InvalidLinkCode)?;
    let redeem = ThreadCall::RedeemLink {
        code: code.to_string(),
    };
    match thread::act(env, &thread, &redeem).await {
        Ok(()) => Ok(thread),
        Err(RelayError::ThreadErased) => Err(RelayError::InvalidLinkCode),
        Err(other) => Err(other),
    }
}
