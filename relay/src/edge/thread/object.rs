//! The Thread Durable Object: one per conversation, the single writer of its messages.
//!
//! Storage is the object's own SQLite database. A message's `seq` is its row id
//! (`AUTOINCREMENT`: strictly increasing, never reused), and `client_id` is `UNIQUE`, so a
//! retried send finds its first copy instead of adding a second. Each call runs its SQL
//! without awaiting in between, so the runtime commits it as one unit.

use super::super::http::{self, internal};
use super::Append;
use super::Init;
use crate::error::RelayError;
use crate::route::parse_page_query;
use confab_protocol::{DeliveryStatus, Message, MessageId, MessagePage, Seq, Timestamp};
use serde::Serialize;
use std::cell::Cell;
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Method, Request, Response, Result,
    SqlStorage, SqlStorageValue, State,
};

const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL UNIQUE,
        author TEXT NOT NULL,
        channel TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL,
        failure TEXT
    )",
];

/// Columns aliased to the wire names, so rows decode straight into [`Message`].
const MESSAGE_COLUMNS: &str = "id, client_id AS clientId, seq, author, channel, text, \
     created_at AS createdAt, status, failure";

/// One conversation thread.
#[durable_object]
pub struct Thread {
    sql: SqlStorage,
    schema_ready: Cell<bool>,
}

impl DurableObject for Thread {
    fn new(state: State, _env: Env) -> Self {
        Self {
            sql: state.storage().sql(),
            schema_ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        Ok(self
            .serve(&mut request)
            .await
            .unwrap_or_else(|error| http::error_response(&error)))
    }
}

impl Thread {
    async fn serve(&self, request: &mut Request) -> std::result::Result<Response, RelayError> {
        self.ensure_schema()?;
        let url = request.url().map_err(internal)?;
        match (request.method(), url.path()) {
            (Method::Post, "/init") => {
                let init: Init = http::read_json(request).await?;
                self.sql
                    .exec(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES ('brand', ?)",
                        vec![SqlStorageValue::from(init.brand.to_string())],
                    )
                    .map_err(internal)?;
                Ok(Response::empty().map_err(internal)?.with_status(204))
            }
            (Method::Get, "/messages") => {
                let page = parse_page_query(url.query().unwrap_or(""))?;
                http::json(&self.page(page.after, page.limit)?, 200)
            }
            (Method::Post, "/messages") => {
                let append: Append = http::read_json(request).await?;
                match self.find_by_client_id(append.client_id.as_str())? {
                    Some(existing) => http::json(&existing, 200),
                    None => http::json(&self.insert(append)?, 201),
                }
            }
            (_, path) => Err(RelayError::NotFound(path.to_string())),
        }
    }

    fn ensure_schema(&self) -> std::result::Result<(), RelayError> {
        if !self.schema_ready.get() {
            for statement in SCHEMA {
                self.sql.exec(statement, None).map_err(internal)?;
            }
            self.schema_ready.set(true);
        }
        Ok(())
    }

    fn page(&self, after: u64, limit: u32) -> std::result::Result<MessagePage, RelayError> {
        // One row more than asked tells whether another page follows.
        let mut messages: Vec<Message> = self
            .sql
            .exec(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?"
                ),
                vec![sql_int(after)?, sql_int(u64::from(limit) + 1)?],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        Ok(MessagePage { messages, has_more })
    }

    fn find_by_client_id(
        &self,
        client_id: &str,
    ) -> std::result::Result<Option<Message>, RelayError> {
        let mut rows: Vec<Message> = self
            .sql
            .exec(
                &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = ?"),
                vec![SqlStorageValue::from(client_id.to_string())],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        Ok(rows.pop())
    }

    fn insert(&self, append: Append) -> std::result::Result<Message, RelayError> {
        #[derive(serde::Deserialize)]
        struct Inserted {
            seq: u64,
        }
        let id = MessageId::new(super::super::random_id()?);
        let created_at = Timestamp(worker::Date::now().as_millis());
        let status = DeliveryStatus::Sent;
        let inserted: Inserted = self
            .sql
            .exec(
                "INSERT INTO messages (id, client_id, author, channel, text, created_at, status)
                 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                vec![
                    SqlStorageValue::from(id.to_string()),
                    SqlStorageValue::from(append.client_id.to_string()),
                    SqlStorageValue::from(wire_name(&append.author)?),
                    SqlStorageValue::from(wire_name(&append.channel)?),
                    SqlStorageValue::from(append.text.clone()),
                    sql_int(created_at.0)?,
                    SqlStorageValue::from(wire_name(&status)?),
                ],
            )
            .and_then(|cursor| cursor.one())
            .map_err(internal)?;
        Ok(Message {
            id,
            client_id: append.client_id,
            seq: Seq(inserted.seq),
            author: append.author,
            channel: append.channel,
            text: append.text,
            created_at,
            status,
            failure: None,
        })
    }
}

/// The JSON string a unit enum variant serialises to (`Author::Visitor` → `visitor`).
fn wire_name<T: Serialize>(value: &T) -> std::result::Result<String, RelayError> {
    match serde_json::to_value(value).map_err(internal)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(internal(format!("{other} is not a unit variant"))),
    }
}

fn sql_int(value: u64) -> std::result::Result<SqlStorageValue, RelayError> {
    let value = i64::try_from(value).map_err(internal)?;
    SqlStorageValue::try_from_i64(value).map_err(internal)
}
