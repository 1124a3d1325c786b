//! The thread's live sockets: tickets spent once, a socket opened with the messages its
//! client missed, the frames clients send, and each new message encoded once for all.
//!
//! A team socket (opened with a ticket of `POST /v1/agent/threads/{id}/tickets`) is tagged
//! [`TEAM_TAG`] and with its member's name ([`name_tag`]), so that the tags survive hibernation: it gets
//! every frame; its typing shows as the team's (author agent) to the visitor, and with the
//! member's name to the other team sockets only. It sends no messages (the agent API does).

use super::super::{Append, OpenSocket};
use super::{now, sql_int, Outcome, Thread};
use crate::edge::http::internal;
use crate::error::RelayError;
use crate::inbox::{name_tag, team_name, TEAM_TAG};
use crate::meter;
use confab_protocol::{
    normalize_text, validate_client_id, Author, Channel, ClientFrame, Message, Seq, ServerFrame,
};
use worker::{Response, SqlStorageValue, WebSocket, WebSocketPair};

/// The most missed messages sent on a new socket; a client further behind pages over HTTP.
const SOCKET_BACKLOG_LIMIT: u32 = 500;

impl Thread {
    /// A frame a client sent on its socket. Frames that do not decode are ignored, like
    /// unknown ones: a newer widget may speak a richer protocol.
    pub(super) async fn socket_frame(&self, socket: &WebSocket, text: &str) {
        let team = team_name(&self.state.get_tags(socket));
        match serde_json::from_str::<ClientFrame>(text) {
            Ok(ClientFrame::Send { client_id, .. }) if team.is_some() => send(
                socket,
                &ServerFrame::Rejected {
                    client_id,
                    code: "invalid_parameter".into(),
                    message: "A team socket sends through the agent API.".into(),
                },
            ),
            Ok(ClientFrame::Send { client_id, text }) => {
                match self.socket_send(client_id.clone(), text).await {
                    // A new message went to every socket, this one included.
                    Ok((_, true)) => {}
                    Ok((message, false)) => {
                        let message = self.with_links(message);
                        send(socket, &ServerFrame::Message { message })
                    }
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
                let author = match team {
                    Some(_) => Author::Agent,
                    None => Author::Visitor,
                };
                let plain = ServerFrame::Typing {
                    author,
                    active,
                    name: None,
                };
                // The member's name goes only to the other team sockets.
                let named = ServerFrame::Typing {
                    author,
                    active,
                    name: team,
                };
                for other in self.state.get_websockets() {
                    if &other == socket {
                        continue;
                    }
                    match team_name(&self.state.get_tags(&other)) {
                        Some(_) => send(&other, &named),
                        None => send(&other, &plain),
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
        validate_client_id(client_id.as_str())?;
        let text = normalize_text(&text)?;
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
            sender: None,
            attachments: Vec::new(),
            policy,
            replies: Vec::new(),
        })
        .await
    }

    pub(super) fn broadcast(&self, message: &Message) {
        let frame = ServerFrame::Message {
            message: self.with_links(message.clone()),
        };
        // Encoded once, however many sockets the thread has.
        let Ok(json) = serde_json::to_string(&frame) else {
            return;
        };
        for socket in self.state.get_websockets() {
            meter::frame(json.len());
            let _ = socket.send_with_str(&json);
        }
    }

    /// Opens a socket for a ticket the Worker has checked (signature, thread, expiry): its
    /// nonce is spent here, so each ticket opens one socket. The client gets what it
    /// missed after `after`, then `ready`.
    pub(super) fn open_socket(&self, open: &OpenSocket) -> Outcome<Response> {
        let now = now();
        if open.expires_at <= now {
            return Err(RelayError::InvalidTicket);
        }
        self.sql
            .exec(
                "DELETE FROM tickets WHERE expires_at <= ?",
                vec![sql_int(now)?],
            )
            .map_err(internal)?;
        // Spent tickets are kept until they expire: a second use finds its row.
        let spent: Vec<serde_json::Value> = self.rows(
            "INSERT INTO tickets (ticket, expires_at) VALUES (?, ?) \
             ON CONFLICT (ticket) DO NOTHING RETURNING ticket",
            vec![
                SqlStorageValue::from(open.nonce.clone()),
                sql_int(open.expires_at)?,
            ],
        )?;
        if spent.is_empty() {
            return Err(RelayError::InvalidTicket);
        }
        let pair = WebSocketPair::new().map_err(internal)?;
        match &open.team {
            Some(name) => {
                let name = name_tag(name);
                self.state
                    .accept_websocket_with_tags(&pair.server, &[TEAM_TAG, &name]);
            }
            None => self.state.accept_web_socket(&pair.server),
        }
        let backlog = self.page(open.after, SOCKET_BACKLOG_LIMIT)?;
        let mut last_seq = Seq(open.after);
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
        meter::frame(json.len());
        let _ = socket.send_with_str(json);
    }
}
