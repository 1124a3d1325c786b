//! The brand registry in D1 (binding `DB`, see `relay/migrations/`): brands, agent-key
//! hashes and the directory of verified users. Brands are cached in the isolate for a few
//! seconds, since every API call needs its brand.

use super::http::internal;
use crate::brand::{Brand, BrandRow, BrandSettings};
use crate::error::RelayError;
use crate::origin::origin_allowed;
use confab_protocol::{BrandId, ThreadId};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{wasm_bindgen::JsValue, D1Database, Env};

/// How long a brand read from D1 is reused by this isolate.
const CACHE_MS: u64 = 10_000;

thread_local! {
    static CACHE: RefCell<HashMap<String, (u64, Brand)>> = RefCell::new(HashMap::new());
    static ORIGINS: RefCell<HashMap<String, (u64, bool)>> = RefCell::new(HashMap::new());
}

fn db(env: &Env) -> Result<D1Database, RelayError> {
    env.d1("DB").map_err(internal)
}

fn now() -> u64 {
    worker::Date::now().as_millis()
}

/// Loads one brand, or [`RelayError::UnknownBrand`].
pub async fn load(env: &Env, id: &str) -> Result<Brand, RelayError> {
    let cached = CACHE.with(|cache| {
        cache
            .borrow()
            .get(id)
            .filter(|(loaded, _)| now().saturating_sub(*loaded) < CACHE_MS)
            .map(|(_, brand)| brand.clone())
    });
    if let Some(brand) = cached {
        return Ok(brand);
    }
    let row: Option<BrandRow> = db(env)?
        .prepare("SELECT id, settings FROM brands WHERE id = ?1")
        .bind(&[JsValue::from_str(id)])
        .map_err(internal)?
        .first(None)
        .await
        .map_err(internal)?;
    let brand = Brand::try_from(row.ok_or_else(|| RelayError::UnknownBrand(id.to_string()))?)?;
    CACHE.with(|cache| {
        cache
            .borrow_mut()
            .insert(id.to_string(), (now(), brand.clone()))
    });
    Ok(brand)
}

/// Creates or replaces a brand's settings; returns whether it was created.
pub async fn put(env: &Env, id: &BrandId, settings: &BrandSettings) -> Result<bool, RelayError> {
    let json = serde_json::to_string(settings).map_err(internal)?;
    let existed = load(env, id.as_str()).await.is_ok();
    db(env)?
        .prepare(
            "INSERT INTO brands (id, settings) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, \
             updated_at = unixepoch() * 1000",
        )
        .bind(&[JsValue::from_str(id.as_str()), JsValue::from_str(&json)])
        .map_err(internal)?
        .run()
        .await
        .map_err(internal)?;
    CACHE.with(|cache| cache.borrow_mut().remove(id.as_str()));
    Ok(!existed)
}

/// Stores the hash of a new agent API key.
pub async fn add_agent_key(env: &Env, brand: &BrandId, hash: &str) -> Result<(), RelayError> {
    db(env)?
        .prepare("INSERT INTO agent_keys (hash, brand_id) VALUES (?1, ?2)")
        .bind(&[JsValue::from_str(hash), JsValue::from_str(brand.as_str())])
        .map_err(internal)?
        .run()
        .await
        .map_err(internal)?;
    Ok(())
}

/// The brand an agent API key (given as its hash) belongs to.
pub async fn agent_key_brand(env: &Env, hash: &str) -> Result<Option<BrandId>, RelayError> {
    let brand: Option<String> = db(env)?
        .prepare("SELECT brand_id FROM agent_keys WHERE hash = ?1")
        .bind(&[JsValue::from_str(hash)])
        .map_err(internal)?
        .first(Some("brand_id"))
        .await
        .map_err(internal)?;
    Ok(brand.map(BrandId::new))
}

/// The thread of a verified user, creating the entry with `candidate` if there is none.
/// Two devices racing both end up with the thread that won the insert.
pub async fn identity_thread(
    env: &Env,
    brand: &BrandId,
    user_id: &str,
    candidate: &ThreadId,
) -> Result<ThreadId, RelayError> {
    let db = db(env)?;
    let args = [
        JsValue::from_str(brand.as_str()),
        JsValue::from_str(user_id),
        JsValue::from_str(candidate.as_str()),
    ];
    db.prepare(
        "INSERT INTO identities (brand_id, user_id, thread_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (brand_id, user_id) DO NOTHING",
    )
    .bind(&args)
    .map_err(internal)?
    .run()
    .await
    .map_err(internal)?;
    let thread: Option<String> = db
        .prepare("SELECT thread_id FROM identities WHERE brand_id = ?1 AND user_id = ?2")
        .bind(&args[..2])
        .map_err(internal)?
        .first(Some("thread_id"))
        .await
        .map_err(internal)?;
    thread
        .map(ThreadId::new)
        .ok_or_else(|| internal("identity row vanished after insert"))
}

/// The thread a verified user already has, if any.
pub async fn existing_identity_thread(
    env: &Env,
    brand: &BrandId,
    user_id: &str,
) -> Result<Option<ThreadId>, RelayError> {
    let thread: Option<String> = db(env)?
        .prepare("SELECT thread_id FROM identities WHERE brand_id = ?1 AND user_id = ?2")
        .bind(&[
            JsValue::from_str(brand.as_str()),
            JsValue::from_str(user_id),
        ])
        .map_err(internal)?
        .first(Some("thread_id"))
        .await
        .map_err(internal)?;
    Ok(thread.map(ThreadId::new))
}

/// Forgets every directory entry that points at an erased thread: its verified user, its
/// Telegram topic, its link codes, its WhatsApp user and the ids of its WhatsApp messages.
pub async fn forget_thread(env: &Env, thread: &ThreadId) -> Result<(), RelayError> {
    let db = db(env)?;
    let args = [JsValue::from_str(thread.as_str())];
    for statement in [
        "DELETE FROM identities WHERE thread_id = ?1",
        "DELETE FROM telegram_topics WHERE thread_id = ?1",
        "DELETE FROM link_codes WHERE thread_id = ?1",
        "DELETE FROM whatsapp_users WHERE thread_id = ?1",
        "DELETE FROM whatsapp_messages WHERE thread_id = ?1",
        "DELETE FROM threads WHERE thread_id = ?1",
    ] {
        db.prepare(statement)
            .bind(&args)
            .map_err(internal)?
            .run()
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// Whether any brand allows `origin`. Used only to decide whether the browser may read a
/// response (CORS); each call still checks the origin against its own brand.
pub async fn any_allows(env: &Env, origin: &str) -> Result<bool, RelayError> {
    let cached = ORIGINS.with(|cache| {
        cache
            .borrow()
            .get(origin)
            .filter(|(checked, _)| now().saturating_sub(*checked) < CACHE_MS)
            .map(|(_, allowed)| *allowed)
    });
    if let Some(allowed) = cached {
        return Ok(allowed);
    }
    let allowed = all(env)
        .await?
        .iter()
        .any(|brand| origin_allowed(&brand.settings.allowed_origins, origin));
    ORIGINS.with(|cache| {
        let mut cache = cache.borrow_mut();
        // Origins are attacker-chosen: bound the cache.
        if cache.len() > 1000 {
            cache.clear();
        }
        cache.insert(origin.to_string(), (now(), allowed));
    });
    Ok(allowed)
}

/// Every brand whose settings read (one that does not is skipped, not fatal to the others).
async fn all(env: &Env) -> Result<Vec<Brand>, RelayError> {
    let rows: Vec<BrandRow> = db(env)?
        .prepare("SELECT id, settings FROM brands")
        .all()
        .await
        .map_err(internal)?
        .results()
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| Brand::try_from(row).ok())
        .collect())
}

/// The brand whose WhatsApp number has this Cloud API id, if any (webhooks name the number,
/// not the brand).
pub async fn by_whatsapp_number(
    env: &Env,
    phone_number_id: &str,
) -> Result<Option<Brand>, RelayError> {
    Ok(all(env).await?.into_iter().find(|brand| {
        brand
            .settings
            .connectors
            .whatsapp
            .as_ref()
            .is_some_and(|whatsapp| whatsapp.phone_number_id == phone_number_id)
    }))
}

/// Lists a new thread under its brand (for the agent API).
pub async fn register_thread(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
) -> Result<(), RelayError> {
    let now = JsValue::from_f64(now() as f64);
    db(env)?
        .prepare(
            "INSERT INTO threads (thread_id, brand_id, created_at, last_message_at) \
             VALUES (?1, ?2, ?3, ?3) ON CONFLICT (thread_id) DO NOTHING",
        )
        .bind(&[
            JsValue::from_str(thread.as_str()),
            JsValue::from_str(brand.as_str()),
            now,
        ])
        .map_err(internal)?
        .run()
        .await
        .map_err(internal)?;
    Ok(())
}

/// Records a thread's latest message for the agent API's list.
pub async fn touch_thread(
    env: &Env,
    thread: &ThreadId,
    at: u64,
    text: &str,
) -> Result<(), RelayError> {
    db(env)?
        .prepare("UPDATE threads SET last_message_at = ?2, last_text = ?3 WHERE thread_id = ?1")
        .bind(&[
            JsValue::from_str(thread.as_str()),
            JsValue::from_f64(at as f64),
            JsValue::from_str(text),
        ])
        .map_err(internal)?
        .run()
        .await
        .map_err(internal)?;
    Ok(())
}

/// The brand's threads, latest activity first, before `before` (ms) if given.
pub async fn list_threads(
    env: &Env,
    brand: &BrandId,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<confab_protocol::ThreadSummary>, RelayError> {
    #[derive(serde::Deserialize)]
    struct Row {
        thread_id: String,
        created_at: f64,
        last_message_at: f64,
        last_text: Option<String>,
    }
    let rows: Vec<Row> = db(env)?
        .prepare(
            "SELECT thread_id, created_at, last_message_at, last_text FROM threads \
             WHERE brand_id = ?1 AND last_message_at < ?2 \
             ORDER BY last_message_at DESC LIMIT ?3",
        )
        .bind(&[
            JsValue::from_str(brand.as_str()),
            JsValue::from_f64(before.unwrap_or(u64::MAX >> 11) as f64),
            JsValue::from_f64(f64::from(limit)),
        ])
        .map_err(internal)?
        .all()
        .await
        .map_err(internal)?
        .results()
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| confab_protocol::ThreadSummary {
            thread_id: ThreadId::new(row.thread_id),
            created_at: confab_protocol::Timestamp(row.created_at as u64),
            last_message_at: confab_protocol::Timestamp(row.last_message_at as u64),
            last_text: row.last_text,
        })
        .collect())
}
