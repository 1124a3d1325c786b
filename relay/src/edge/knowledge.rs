//! The admin API of a brand's knowledge, kept in D1's `knowledge` table (brand data, written
//! only here): entries one by one, bulk imports (all or nothing: one D1 batch), and a
//! search that ranks them as the assistant will ([`crate::knowledge::index`]).

use super::d1::{text, Db};
use super::http::{self, internal};
use super::{api, brands};
use crate::directory::{Param, Statement};
use crate::error::RelayError;
use crate::knowledge::api::{parse_search_query, KnowledgeCall, SearchAnswer};
use crate::knowledge::import::{self, ImportMode};
use crate::knowledge::index::Index;
use crate::knowledge::{check_entry, Entry, EntryInput, Place, MAX_ENTRIES, MAX_IMPORT_BYTES};
use confab_protocol::BrandId;
use std::collections::HashSet;
use worker::{Env, Request, Response};

/// The largest body of one entry (`PUT`): twenty long questions and a long answer, all in
/// four-byte characters, fit.
const MAX_ENTRY_BYTES: usize = 64 * 1024;
/// The largest JSON array bound to one statement of an import: D1 takes strings of up to
/// 2 MB; a smaller chunk keeps each statement's work short.
const CHUNK_BYTES: usize = 256 * 1024;

/// Inserts (or replaces) the entries of a JSON array bound as `?2`: one statement per
/// chunk, however many entries it holds (D1 binds at most 100 parameters per statement).
const UPSERT: &str = "INSERT INTO knowledge \
     (brand_id, entry_id, language, questions, answer, link, replies, updated_at) \
     SELECT ?1, json_extract(value, '$.id'), json_extract(value, '$.language'), \
     json_extract(value, '$.questions'), json_extract(value, '$.answer'), \
     json_extract(value, '$.link'), coalesce(json_extract(value, '$.replies'), '[]'), ?3 \
     FROM json_each(?2) WHERE true \
     ON CONFLICT (brand_id, entry_id) DO UPDATE SET language = excluded.language, \
     questions = excluded.questions, answer = excluded.answer, link = excluded.link, \
     replies = excluded.replies, updated_at = excluded.updated_at";

/// Answers one knowledge call of the admin API.
pub async fn handle(
    request: &mut Request,
    env: &Env,
    brand: &BrandId,
    call: KnowledgeCall,
) -> Result<Response, RelayError> {
    api::authorize_admin(request, env)?;
    brands::load(env, brand.as_str()).await?;
    match call {
        KnowledgeCall::List => {
            let entries = load(env, brand).await?;
            http::json(&serde_json::json!({ "entries": entries }), 200)
        }
        KnowledgeCall::Clear => {
            Db::new(env)?
                .run(
                    "DELETE FROM knowledge WHERE brand_id = ?1",
                    &[text(brand.as_str())],
                )
                .await?;
            no_content()
        }
        KnowledgeCall::Get(id) => http::json(&find(env, brand, &id).await?, 200),
        KnowledgeCall::Put(id) => put(request, env, brand, id).await,
        KnowledgeCall::Delete(id) => {
            let deleted: Option<String> = Db::new(env)?
                .first(
                    "DELETE FROM knowledge WHERE brand_id = ?1 AND entry_id = ?2 \
                     RETURNING entry_id",
                    &[text(brand.as_str()), text(&id)],
                    Some("entry_id"),
                )
                .await?;
            deleted.ok_or_else(|| not_found(&id))?;
            no_content()
        }
        KnowledgeCall::Import => import(request, env, brand).await,
        KnowledgeCall::Search => {
            let query = parse_search_query(request.url().map_err(internal)?.query().unwrap_or(""))?;
            let entries = load(env, brand).await?;
            let index = Index::new(&entries);
            let search = index.search(&query.question, query.language.as_deref());
            http::json(&SearchAnswer::new(&search, query.limit), 200)
        }
    }
}

/// `PUT .../knowledge/{entry}`: the body is the entry; an `id` in it must be the path's.
async fn put(
    request: &mut Request,
    env: &Env,
    brand: &BrandId,
    id: String,
) -> Result<Response, RelayError> {
    let bytes = http::read_bytes(request, MAX_ENTRY_BYTES).await?;
    let mut input: EntryInput =
        serde_json::from_slice(&bytes).map_err(|e| RelayError::MalformedJson(e.to_string()))?;
    if input.id.as_ref().is_some_and(|given| *given != id) {
        return Err(Place::Single.invalid("the body's id is not the path's"));
    }
    input.id = Some(id.clone());
    let entry = check_entry(input, Place::Single)?;
    let db = Db::new(env)?;
    let others: Option<f64> = db
        .first(
            "SELECT count(*) AS n FROM knowledge WHERE brand_id = ?1 AND entry_id != ?2",
            &[text(brand.as_str()), text(&id)],
            Some("n"),
        )
        .await?;
    let existed = find(env, brand, &id).await.is_ok();
    if !existed && others.unwrap_or(0.0) as usize >= MAX_ENTRIES {
        return Err(
            Place::Single.over_limit(format!("a brand keeps at most {MAX_ENTRIES} entries"))
        );
    }
    db.batch(&upserts(brand, std::slice::from_ref(&entry))?)
        .await?;
    http::json(&entry, if existed { 200 } else { 201 })
}

/// `POST .../knowledge/import?mode=merge|replace`: JSON or CSV, checked whole, then stored
/// in one batch (D1 applies all of it or none).
async fn import(request: &mut Request, env: &Env, brand: &BrandId) -> Result<Response, RelayError> {
    let content_type = request.headers().get("Content-Type").map_err(internal)?;
    let format = import::format_of(content_type.as_deref())?;
    let mode = import::mode_of(request.url().map_err(internal)?.query().unwrap_or(""))?;
    let bytes = http::read_bytes(request, MAX_IMPORT_BYTES).await?;
    let entries = import::parse(format, &bytes)?;
    let existing: HashSet<String> = load(env, brand)
        .await?
        .into_iter()
        .map(|entry| entry.id)
        .collect();
    let total = import::total_after(&existing, &entries, mode)?;
    let mut statements = Vec::new();
    if mode == ImportMode::Replace {
        statements.push(Statement {
            sql: "DELETE FROM knowledge WHERE brand_id = ?1",
            params: vec![Param::Text(brand.as_str().to_string())],
        });
    }
    statements.extend(upserts(brand, &entries)?);
    // An empty merge stores nothing (and D1 refuses an empty batch).
    if !statements.is_empty() {
        Db::new(env)?.batch(&statements).await?;
    }
    http::json(
        &serde_json::json!({ "imported": entries.len(), "total": total, "mode": mode }),
        200,
    )
}

/// The statements that store `entries`, a chunk of them per statement.
fn upserts(brand: &BrandId, entries: &[Entry]) -> Result<Vec<Statement>, RelayError> {
    let now = worker::Date::now().as_millis();
    let mut statements = Vec::new();
    let mut chunk: Vec<&Entry> = Vec::new();
    let mut size = 0;
    let mut flush = |chunk: &mut Vec<&Entry>| -> Result<(), RelayError> {
        if !chunk.is_empty() {
            statements.push(Statement {
                sql: UPSERT,
                params: vec![
                    Param::Text(brand.as_str().to_string()),
                    Param::Text(serde_json::to_string(chunk).map_err(internal)?),
                    Param::Number(now),
                ],
            });
            chunk.clear();
        }
        Ok(())
    };
    for entry in entries {
        let length = serde_json::to_string(entry).map_err(internal)?.len();
        if size + length > CHUNK_BYTES {
            flush(&mut chunk)?;
            size = 0;
        }
        chunk.push(entry);
        size += length;
    }
    flush(&mut chunk)?;
    Ok(statements)
}

/// A stored row.
#[derive(serde::Deserialize)]
struct Row {
    entry_id: String,
    language: String,
    questions: String,
    answer: String,
    link: Option<String>,
    /// A JSON array (`[]` for rows stored before entries had replies).
    replies: Option<String>,
}

impl Row {
    fn entry(self) -> Result<Entry, RelayError> {
        Ok(Entry {
            questions: serde_json::from_str(&self.questions).map_err(internal)?,
            id: self.entry_id,
            answer: self.answer,
            language: self.language,
            link: self.link,
            replies: match self.replies.as_deref() {
                Some(json) => serde_json::from_str(json).map_err(internal)?,
                None => Vec::new(),
            },
        })
    }
}

const COLUMNS: &str = "entry_id, language, questions, answer, link, replies";

/// Every entry of the brand, by id.
pub async fn load(env: &Env, brand: &BrandId) -> Result<Vec<Entry>, RelayError> {
    let rows: Vec<Row> = Db::new(env)?
        .all(
            &format!("SELECT {COLUMNS} FROM knowledge WHERE brand_id = ?1 ORDER BY entry_id"),
            &[text(brand.as_str())],
        )
        .await?;
    rows.into_iter().map(Row::entry).collect()
}

async fn find(env: &Env, brand: &BrandId, id: &str) -> Result<Entry, RelayError> {
    let row: Option<Row> = Db::new(env)?
        .first(
            &format!("SELECT {COLUMNS} FROM knowledge WHERE brand_id = ?1 AND entry_id = ?2"),
            &[text(brand.as_str()), text(id)],
            None,
        )
        .await?;
    row.ok_or_else(|| not_found(id))?.entry()
}

fn not_found(id: &str) -> RelayError {
    RelayError::NotFound(format!("knowledge entry {id:?}"))
}

fn no_content() -> Result<Response, RelayError> {
    Ok(Response::empty().map_err(internal)?.with_status(204))
}
