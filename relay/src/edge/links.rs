//! Link codes in D1: made for a thread (`POST /v1/threads/{id}/links`) and redeemed once —
//! by the WhatsApp webhook, or by a session in another browser.

use super::http::{self, internal};
use super::random_bytes;
use crate::brand::Brand;
use crate::connector::whatsapp::click_to_chat;
use crate::error::RelayError;
use crate::link::{code_from, whatsapp_text, LIFETIME_MS};
use crate::origin::origin_allowed;
use confab_protocol::{BrandId, Link, LinkPurpose, LinkRequest, ThreadId, Timestamp};
use worker::wasm_bindgen::JsValue;
use worker::{Env, Response};

/// Makes a single-use link for the thread: a `wa.me` link carrying the code, or a resume
/// link to the page the visitor is on.
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
            LinkPurpose::Unknown => {
                return Err(RelayError::InvalidParameter {
                    name: "purpose",
                    reason: "is neither whatsapp nor device".into(),
                })
            }
        };
    let expires_at = Timestamp(worker::Date::now().as_millis() + LIFETIME_MS);
    let purpose = match request.purpose {
        LinkPurpose::Whatsapp => "whatsapp",
        _ => "device",
    };
    env.d1("DB")
        .map_err(internal)?
        .prepare(
            "INSERT INTO link_codes (code, brand_id, thread_id, purpose, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&[
            JsValue::from_str(&code),
            JsValue::from_str(brand.id.as_str()),
            JsValue::from_str(thread.as_str()),
            JsValue::from_str(purpose),
            JsValue::from_f64(expires_at.0 as f64),
        ])
        .map_err(internal)?
        .run()
        .await
        .map_err(internal)?;
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

/// Redeems a code of `brand` for `purpose`: its thread, once, while it is fresh.
pub async fn redeem(
    env: &Env,
    brand: &BrandId,
    code: &str,
    purpose: &str,
) -> Result<Option<ThreadId>, RelayError> {
    // Deleting the row is what makes the code single-use, even under concurrent redeemers.
    let thread: Option<String> = env
        .d1("DB")
        .map_err(internal)?
        .prepare(
            "DELETE FROM link_codes WHERE code = ?1 AND brand_id = ?2 AND purpose = ?3 \
             AND expires_at > ?4 RETURNING thread_id",
        )
        .bind(&[
            JsValue::from_str(code),
            JsValue::from_str(brand.as_str()),
            JsValue::from_str(purpose),
            JsValue::from_f64(worker::Date::now().as_millis() as f64),
        ])
        .map_err(internal)?
        .first(Some("thread_id"))
        .await
        .map_err(internal)?;
    Ok(thread.map(ThreadId::new))
}
