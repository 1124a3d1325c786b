//! The brand registry in D1 (binding `DB`, see `relay/migrations/`): brands, agent-key
//! hashes, the directory of verified users, and the brand's thread list (written by the
//! threads themselves, as derived facts: [`crate::directory`]). Brands are cached in the isolate for a few
//! seconds, since every API call needs its brand.

use super::d1::{number, text, Db};
use super::http::internal;
use crate::brand::{Brand, BrandRow, BrandSettings};
use crate::error::RelayError;
use crate::origin::AllowedOrigins;
use confab_protocol::{BrandId, ThreadId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::Env;

/// How long a brand read from D1 is reused by this isolate.
const CACHE_MS: u64 = 10_000;

thread_local! {
    static CACHE: RefCell<HashMap<String, (u64, Brand)>> = RefCell::new(HashMap::new());
    static REGISTRY: RefCell<Option<Rc<Registry>>> = const { RefCell::new(None) };
}

/// Every brand at once, as read (for a few seconds) by the checks that span brands: which
/// origins any brand allows (parsed once per read, not per origin asked about: origins are
/// chosen by whoever sends the request), and which brand a WhatsApp number belongs to.
struct Registry {
    loaded_at: u64,
    brands: Vec<Brand>,
    origins: AllowedOrigins,
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
    let row: Option<BrandRow> = Db::new(env)?
        .first(
            "SELECT id, settings FROM brands WHERE id = ?1",
            &[text(id)],
            None,
        )
        .await?;
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
    Db::new(env)?
        .run(
            "INSERT INTO brands (id, settings) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, \
             updated_at = unixepoch() * 1000",
            &[text(id.as_str()), text(&json)],
        )
        .await?;
    CACHE.with(|cache| cache.borrow_mut().remove(id.as_str()));
    REGISTRY.with(|cache| cache.borrow_mut().take());
    Ok(!existed)
}

/// Stores the hash of a new agent API key.
pub async fn add_agent_key(env: &Env, brand: &BrandId, hash: &str) -> Result<(), RelayError> {
    Db::new(env)?
        .run(
            "INSERT INTO agent_keys (hash, brand_id) VALUES (?1, ?2)",
            &[text(hash), text(brand.as_str())],
        )
        .await
}

/// The brand an agent API key (given as its hash) belongs to.
pub async fn agent_key_brand(env: &Env, hash: &str) -> Result<Option<BrandId>, RelayError> {
    let brand: Option<String> = Db::new(env)?
        .first(
            "SELECT brand_id FROM agent_keys WHERE hash = ?1",
            &[text(hash)],
            Some("brand_id"),
        )
        .await?;
    Ok(brand.map(BrandId::new))
}

/// The thread of a verified user, creating the entry with `candidate` if there is none,
/// or replacing the entry if it still names `replacing` (an erased thread D1 has not
/// forgotten yet). Two devices racing both end up with the thread that won the insert.
pub async fn identity_thread(
    env: &Env,
    brand: &BrandId,
    user_id: &str,
    candidate: &ThreadId,
    replacing: Option<&ThreadId>,
) -> Result<ThreadId, RelayError> {
    let db = Db::new(env)?;
    let args = [
        text(brand.as_str()),
        text(user_id),
        text(candidate.as_str()),
    ];
    if let Some(erased) = replacing {
        db.run(
            "UPDATE identities SET thread_id = ?3 WHERE brand_id = ?1 AND user_id = ?2 \
             AND thread_id = ?4",
            &[
                args[0].clone(),
                args[1].clone(),
                args[2].clone(),
                text(erased.as_str()),
            ],
        )
        .await?;
    }
    db.run(
        "INSERT INTO identities (brand_id, user_id, thread_id) VALUES (?1, ?2, ?3) \
         ON CONFLICT (brand_id, user_id) DO NOTHING",
        &args,
    )
    .await?;
    let thread: Option<String> = db
        .first(
            "SELECT thread_id FROM identities WHERE brand_id = ?1 AND user_id = ?2",
            &args[..2],
            Some("thread_id"),
        )
        .await?;
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
    let thread: Option<String> = Db::new(env)?
        .first(
            "SELECT thread_id FROM identities WHERE brand_id = ?1 AND user_id = ?2",
            &[text(brand.as_str()), text(user_id)],
            Some("thread_id"),
        )
        .await?;
    Ok(thread.map(ThreadId::new))
}

/// Whether any brand allows `origin`. Used only to decide whether the browser may read a
/// response (CORS); each call still checks the origin against its own brand.
pub async fn any_allows(env: &Env, origin: &str) -> Result<bool, RelayError> {
    Ok(registry(env).await?.origins.allows(origin))
}

/// Every brand whose settings read (one that does not is skipped, not fatal to the others),
/// reused for [`CACHE_MS`].
async fn registry(env: &Env) -> Result<Rc<Registry>, RelayError> {
    let cached = REGISTRY.with(|cache| {
        cache
            .borrow()
            .as_ref()
            .filter(|registry| now().saturating_sub(registry.loaded_at) < CACHE_MS)
            .cloned()
    });
    if let Some(registry) = cached {
        return Ok(registry);
    }
    let rows: Vec<BrandRow> = Db::new(env)?
        .all("SELECT id, settings FROM brands", &[])
        .await?;
    let brands: Vec<Brand> = rows
        .into_iter()
        .filter_map(|row| Brand::try_from(row).ok())
        .collect();
    let origins = AllowedOrigins::parse(
        brands
            .iter()
            .flat_map(|brand| brand.settings.allowed_origins.iter()),
    );
    let registry = Rc::new(Registry {
        loaded_at: now(),
        brands,
        origins,
    });
    REGISTRY.with(|cache| *cache.borrow_mut() = Some(registry.clone()));
    Ok(registry)
}

/// The brand whose WhatsApp number has this Cloud API id, if any (webhooks name the number,
/// not the brand).
pub async fn by_whatsapp_number(
    env: &Env,
    phone_number_id: &str,
) -> Result<Option<Brand>, RelayError> {
    Ok(registry(env)
        .await?
        .brands
        .iter()
        .find(|brand| {
            brand
                .settings
                .connectors
                .whatsapp
                .as_ref()
                .is_some_and(|whatsapp| whatsapp.phone_number_id == phone_number_id)
        })
        .cloned())
}

/// The brand's threads as `query` asks (filters and search, [`crate::inbox`]), latest
/// activity first.
pub async fn list_threads(
    env: &Env,
    brand: &BrandId,
    query: &crate::inbox::ListQuery,
) -> Result<Vec<confab_protocol::ThreadSummary>, RelayError> {
    use crate::directory::Param;
    #[derive(serde::Deserialize)]
    struct Row {
        thread_id: String,
        created_at: f64,
        last_message_at: f64,
        last_text: Option<String>,
        #[serde(default)]
        resolved: f64,
        #[serde(default)]
        awaiting_reply: f64,
        #[serde(default)]
        assistant: f64,
        #[serde(default)]
        channels: Option<String>,
        #[serde(default)]
        unread: f64,
        language: Option<String>,
        page: Option<String>,
    }
    let statement = query.statement(brand);
    let params: Vec<_> = statement
        .params
        .iter()
        .map(|param| match param {
            Param::Text(value) => text(value),
            Param::Number(value) => number(*value),
            Param::Null => worker::wasm_bindgen::JsValue::NULL,
        })
        .collect();
    let rows: Vec<Row> = Db::new(env)?.all(&statement.sql, &params).await?;
    Ok(rows
        .into_iter()
        .map(|row| confab_protocol::ThreadSummary {
            thread_id: ThreadId::new(row.thread_id),
            created_at: confab_protocol::Timestamp(row.created_at as u64),
            last_message_at: confab_protocol::Timestamp(row.last_message_at as u64),
            last_text: row.last_text,
            resolved: row.resolved != 0.0,
            awaiting_reply: row.awaiting_reply != 0.0,
            assistant: row.assistant != 0.0,
            channels: row
                .channels
                .and_then(|json| serde_json::from_str(&json).ok())
                .unwrap_or_default(),
            unread: row.unread as u32,
            language: row.language,
            page: row.page,
        })
        .collect())
}
