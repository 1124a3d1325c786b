//! The thread's live sockets: single-use tickets, a socket opened with the messages its
//! client missed, the frames clients send, and each new message encoded once for all.

use super::super::Append;
use super::{now, sql_int, Outcome, Thread};
use crate::edge::http::internal;
use crate::error::RelayError;
use crate::route::parse_socket_query;
use confab_protocol::{
    validate_text, Author, Channel, ClientFrame, Message, Seq, ServerFrame, SocketTicket, Timestamp,
};
use worker::{Response, SqlStorageValue, WebSocket, WebSocketPair};

/// How long a socket ticket works: long enough to open a socket, too short to be worth
/// stealing from a log.
const TICKET_LIFETIME_MS: u64 = 60_000;

/// The most missed messages sent on a new socket; a client further behind pages over HTTP.
const SOCKET_BACKLOG_LIMIT: u32 = 500;

impl Thread {
    /// A frame a client sent on its socket. Frames that do not decode are ignored, like
    /// unknown ones: a newer widget may speak a richer protocol.
    pub(super) async fn socket_frame(&self, socket: &WebSocket, text: &str) {
        match serde_json::from_str::<ClientFrame>(text) {
            Ok(ClientFrame::Send { client_id, text }) => {
                match self.socket_send(client_id.clone(), text).await {
                    // A new message went to every socket, this one included.
                    Ok((_, true)) => {}
                    Ok((message, false)) => send(socket, &ServerFrame::Message { message }),
                    Err(error) => send(
                        socket,
                        &ServerFrame::Rejected {
                            client_id,
                            code: error.code().to_string(),
                            message: error.body().error.message,
                        },
                    ),
                }
            }
            Ok(ClientFrame::Typing { active }) => {
                let frame = ServerFrame::Typing {
                    author: Author::Visitor,
                    active,
                };
                for other in self.state.get_websockets() {
                    if &other != socket {
                        send(&other, &frame);
                    }
                }
            }
            Ok(ClientFrame::Ping) => send(socket, &ServerFrame::Pong),
            Ok(ClientFrame::Unknown) | Err(_) => {}
        }
    }

    /// A visitor's message sent on a socket, stored as one sent over HTTP would be.
    async fn socket_send(
        &self,
        client_id: confab_protocol::ClientMessageId,
        text: String,
    ) -> Outcome<(Message, bool)> {
        validate_text(&text)?;
        self.ensure_schema()?;
        if self.is_erased()? {
            return Err(RelayError::ThreadErased);
        }
        let policy = self.policy()?;
        self.store(Append {
            client_id,
            text,
            author: Author::Visitor,
            channel: Channel::Web,
            policy,
        })
        .await
    }

    pub(super) fn broadcast(&self, message: &Message) {
        let frame = ServerFrame::Message {
            message: message.clone(),
        };
        // Encoded once, however many sockets the thread has.
        let Ok(json) = serde_json::to_string(&frame) else {
            return;
        };
        for socket in self.state.get_websockets() {
            let _ = socket.send_with_str(&json);
        }
    }

    pub(super) fn issue_ticket(&self) -> Outcome<SocketTicket> {
        let now = now();
        let ticket = crate::edge::random_id()?;
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

    pub(super) fn open_socket(&self, query: &str) -> Outcome<Response> {
        let query = parse_socket_query(query)?;
        // Deleting the ticket is what makes it single-use.
        let used: Vec<serde_json::Value> = self.rows(
            "DELETE FROM tickets WHERE ticket = ? AND expires_at > ? RETURNING ticket",
            vec![SqlStorageValue::from(query.ticket), sql_int(now())?],
        )?;
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
            protocol: confab_protocol::PROTOCOL_VERSION,
        };
        send(&pair.server, &ready);
        Response::from_websocket(pair.client).map_err(internal)
    }
}

/// Sends a frame; a socket that has gone away is not an error of the sender's.
pub(super) fn send(socket: &WebSocket, frame: &ServerFrame) {
    if let Ok(json) = serde_json::to_string(frame) {
        let _ = socket.send_with_str(json);
    }
}
