//! The `Inbox` Durable Object, one per brand: the brand's console sockets, accepted with
//! the hibernation API (the object may leave memory while they stay open), and each
//! [`InboxCall::Changed`] sent to all of them, encoded once. It keeps the nonces of spent
//! tickets, until they expire, and the brand's Insights roll-up ([`rollup`]).

mod rollup;

use super::{InboxCall, OpenInbox, CALL_HEADER};
use crate::edge::http::{self, internal};
use crate::edge::sql::Sql;
use crate::error::RelayError;
use crate::meter::{self, Use};
use confab_protocol::console::InboxFrame;
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Request, Response, Result, SqlStorageValue,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// The spent tickets' nonces, until they expire.
const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS tickets (ticket TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)";

/// A brand's inbox.
#[durable_object]
pub struct Inbox {
    state: State,
    sql: Sql,
}

impl DurableObject for Inbox {
    fn new(state: State, _env: Env) -> Self {
        meter::one(Use::ObjectStarts);
        Self {
            sql: Sql::new(state.storage().sql()),
            state,
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        meter::one(Use::ObjectRequests);
        Ok(self
            .serve(&mut request)
            .await
            .unwrap_or_else(|error| http::error_response(&error)))
    }

    async fn websocket_message(
        &self,
        _socket: WebSocket,
        _message: WebSocketIncomingMessage,
    ) -> Result<()> {
        meter::one(Use::SocketMessagesIn);
        // The inbox socket only listens; what a member does goes through the API.
        Ok(())
    }

    async fn websocket_close(
        &self,
        socket: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        let _ = socket.close(Some(crate::edge::http::close_echo(code)), Some("closing"));
        Ok(())
    }

    async fn websocket_error(&self, _socket: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}

impl Inbox {
    async fn serve(&self, request: &mut Request) -> Result<Response, RelayError> {
        for schema in [SCHEMA, rollup::SCHEMA, rollup::INDEX] {
            self.sql.exec(schema, None).map_err(internal)?;
        }
        if let Some(open) = request.headers().get(CALL_HEADER).map_err(internal)? {
            let open: OpenInbox = serde_json::from_str(&open).map_err(internal)?;
            return self.open_socket(&open);
        }
        match http::read_json::<InboxCall>(request).await? {
            InboxCall::Changed {
                threads,
                figures,
                forgotten,
            } => {
                for figures in &figures {
                    self.offer(figures)?;
                }
                for thread in &forgotten {
                    self.forget(thread)?;
                }
                let sockets = self.state.get_websockets();
                for thread in threads {
                    let frame = InboxFrame::Thread { thread };
                    let json = serde_json::to_string(&frame).map_err(internal)?;
                    for socket in &sockets {
                        // A socket that has gone away is not the sender's error.
                        meter::frame(json.len());
                        let _ = socket.send_with_str(&json);
                    }
                }
            }
            InboxCall::Insights { query } => return http::json(&self.insights(&query)?, 200),
            InboxCall::Export {
                range,
                cursor,
                limit,
            } => return http::json(&self.export(range, cursor.as_ref(), limit)?, 200),
            InboxCall::ExpectedReply { now, hours } => {
                return http::json(&self.expected_reply(now, hours.as_ref())?, 200)
            }
            InboxCall::Seed { figures } => {
                for figures in &figures {
                    self.offer(figures)?;
                }
                return http::json(&figures.len(), 200);
            }
        }
        Ok(Response::empty().map_err(internal)?.with_status(204))
    }

    /// Opens a socket for a ticket the Worker has checked; its nonce is spent here, so each
    /// ticket opens one socket.
    fn open_socket(&self, open: &OpenInbox) -> Result<Response, RelayError> {
        let now = worker::Date::now().as_millis();
        if open.expires_at <= now {
            return Err(RelayError::InvalidTicket);
        }
        self.sql
            .exec(
                "DELETE FROM tickets WHERE expires_at <= ?",
                vec![number(now)?],
            )
            .map_err(internal)?;
        let spent: Vec<serde_json::Value> = self
            .sql
            .exec(
                "INSERT INTO tickets (ticket, expires_at) VALUES (?, ?) \
                 ON CONFLICT (ticket) DO NOTHING RETURNING ticket",
                vec![
                    SqlStorageValue::from(open.nonce.clone()),
                    number(open.expires_at)?,
                ],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        if spent.is_empty() {
            return Err(RelayError::InvalidTicket);
        }
        let pair = WebSocketPair::new().map_err(internal)?;
        self.state.accept_web_socket(&pair.server);
        Response::from_websocket(pair.client).map_err(internal)
    }
}

/// A time in ms for a statement (far below SQLite's largest integer).
fn number(value: u64) -> Result<SqlStorageValue, RelayError> {
    let value = i64::try_from(value).map_err(internal)?;
    SqlStorageValue::try_from_i64(value).map_err(internal)
}
