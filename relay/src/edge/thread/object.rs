//! The Thread Durable Object: one per conversation, the single writer of its messages.
//!
//! Storage is the object's own SQLite database. A message's `seq` is its row id
//! (`AUTOINCREMENT`: strictly increasing, never reused), and `client_id` is `UNIQUE`, so a
//! retried send finds its first copy instead of adding a second. Each call runs its SQL
//! without awaiting in between, so the runtime commits it as one unit.
//!
//! Sockets use the hibernation API: the object may be evicted from memory while sockets stay
//! open. A socket opens with a single-use ticket and the last `seq` the client has; it gets
//! the missed messages, then `ready`, then every new message as it is stored.

use super::super::http::{self, internal};
use super::Append;
use super::Init;
use crate::error::RelayError;
use crate::route::{parse_page_query, parse_socket_query};
use confab_protocol::{
    validate_text, Author, Channel, ClientFrame, DeliveryStatus, Message, MessageId, MessagePage,
    Seq, ServerFrame, SocketTicket, Timestamp,
};
use serde::Serialize;
use std::cell::Cell;
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Method, Request, Response, Result,
    SqlStorage, SqlStorageValue, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// How long a socket ticket works: long enough to open a socket, too short to be worth
/// stealing from a log.
const TICKET_LIFETIME_MS: u64 = 60_000;

/// The most missed messages sent on a new socket; a client further behind pages over HTTP.
const SOCKET_BACKLOG_LIMIT: u32 = 500;

const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS tickets (ticket TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
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
    state: State,
    sql: SqlStorage,
    schema_ready: Cell<bool>,
}

impl DurableObject for Thread {
    fn new(state: State, _env: Env) -> Self {
        Self {
            sql: state.storage().sql(),
            state,
            schema_ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        Ok(self
            .serve(&mut request)
            .await
            .unwrap_or_else(|error| http::error_response(&error)))
    }

    async fn websocket_message(
        &self,
        socket: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            return Ok(());
        };
        // Frames that do not decode are ignored, like unknown ones: a newer widget may speak
        // a richer protocol.
        match serde_json::from_str::<ClientFrame>(&text) {
            Ok(ClientFrame::Send { client_id, text }) => {
                let append = Append {
                    client_id: client_id.clone(),
                    text,
                    author: Author::Visitor,
                    channel: Channel::Web,
                };
                let outcome = validate_text(&append.text)
                    .map_err(RelayError::from)
                    .and_then(|_| self.ensure_schema())
                    .and_then(|_| self.append(append));
                match outcome {
                    // A new message went to every socket, this one included.
                    Ok((_, true)) => {}
                    Ok((message, false)) => send(&socket, &ServerFrame::Message { message }),
                    Err(error) => send(
                        &socket,
                        &ServerFrame::Rejected {
                            client_id,
                            code: error.code().to_string(),
                            message: error.body().error.message,
                        },
                    ),
                }
            }
            Ok(ClientFrame::Ping) => send(&socket, &ServerFrame::Pong),
            Ok(ClientFrame::Unknown) | Err(_) => {}
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        socket: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        // Complete the closing handshake; 1005/1006 cannot be sent back, so answer 1000.
        let code = u16::try_from(code)
            .ok()
            .filter(|code| (1000..=4999).contains(code) && ![1005, 1006, 1015].contains(code))
            .unwrap_or(1000);
        let _ = socket.close(Some(code), Some("closing"));
        Ok(())
    }

    async fn websocket_error(&self, _socket: WebSocket, _error: worker::Error) -> Result<()> {
        // The runtime has already closed the socket; nothing is kept per socket.
        Ok(())
    }
}

/// Sends a frame; a socket that has gone away is not an error of the sender's.
fn send(socket: &WebSocket, frame: &ServerFrame) {
    if let Ok(json) = serde_json::to_string(frame) {
        let _ = socket.send_with_str(json);
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
                let (message, created) = self.append(append)?;
                http::json(&message, if created { 201 } else { 200 })
            }
            (Method::Post, "/tickets") => http::json(&self.issue_ticket()?, 201),
            (Method::Get, "/ws") => self.open_socket(url.query().unwrap_or("")),
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

    /// Stores a message unless its client id is known; returns the stored copy and whether
    /// it is new. A new message goes out to every open socket.
    fn append(&self, append: Append) -> std::result::Result<(Message, bool), RelayError> {
        if let Some(existing) = self.find_by_client_id(append.client_id.as_str())? {
            return Ok((existing, false));
        }
        let message = self.insert(append)?;
        let frame = ServerFrame::Message {
            message: message.clone(),
        };
        for socket in self.state.get_websockets() {
            send(&socket, &frame);
        }
        Ok((message, true))
    }

    fn issue_ticket(&self) -> std::result::Result<SocketTicket, RelayError> {
        let now = worker::Date::now().as_millis();
        let ticket = super::super::random_id()?;
        let expires_at = Timestamp(now + TICKET_LIFETIME_MS);
        self.sql
            .exec(
                "DELETE FROM tickets WHERE expires_at <= ?",
                vec![sql_int(now)?],
            )
            .map_err(internal)?;
        self.sql
            .exec(
                "INSERT INTO tickets (ticket, expires_at) VALUES (?, ?)",
                vec![
                    SqlStorageValue::from(ticket.clone()),
                    sql_int(expires_at.0)?,
                ],
            )
            .map_err(internal)?;
        Ok(SocketTicket { ticket, expires_at })
    }

    fn open_socket(&self, query: &str) -> std::result::Result<Response, RelayError> {
        let query = parse_socket_query(query)?;
        let now = worker::Date::now().as_millis();
        // Deleting the ticket is what makes it single-use.
        let used: Vec<serde_json::Value> = self
            .sql
            .exec(
                "DELETE FROM tickets WHERE ticket = ? AND expires_at > ? RETURNING ticket",
                vec![SqlStorageValue::from(query.ticket), sql_int(now)?],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        if used.is_empty() {
            return Err(RelayError::InvalidTicket);
        }
        let pair = WebSocketPair::new().map_err(internal)?;
        self.state.accept_web_socket(&pair.server);
        let backlog = self.page(query.after, SOCKET_BACKLOG_LIMIT)?;
        let mut last_seq = Seq(query.after);
        for message in backlog.messages {
            last_seq = message.seq;
            send(&pair.server, &ServerFrame::Message { message });
        }
        let ready = ServerFrame::Ready {
            last_seq,
            complete: !backlog.has_more,
        };
        send(&pair.server, &ready);
        Response::from_websocket(pair.client).map_err(internal)
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
