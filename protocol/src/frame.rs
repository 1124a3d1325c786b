//! Frames of a thread's WebSocket (`GET /v1/threads/{id}/ws`), JSON text tagged by `type`.
//!
//! On connect the client names, in the URL, the last `seq` it has; the relay sends every
//! later message in order, then [`ServerFrame::Ready`], then live frames. Unknown frame
//! types decode as `Unknown` and are ignored by both sides.

use crate::ids::{ClientMessageId, Seq};
use crate::message::{Author, Message};
use serde::{Deserialize, Serialize};

/// What the relay sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ServerFrame {
    /// A message of the thread: missed ones first, then each new one as it is stored.
    Message {
        /// The message.
        message: Message,
    },
    /// The missed messages have all been sent (or, if `complete` is false, the first page of
    /// them: fetch the rest over HTTP); live frames follow.
    Ready {
        /// The thread's highest `seq` when the socket opened.
        last_seq: Seq,
        /// Whether every missed message was sent on the socket.
        complete: bool,
        /// The relay's [`crate::PROTOCOL_VERSION`].
        #[serde(default)]
        protocol: u32,
    },
    /// A send over this socket was refused.
    Rejected {
        /// The refused message.
        client_id: ClientMessageId,
        /// The stable error code, as in HTTP error bodies.
        code: String,
        /// A sentence for people.
        message: String,
    },
    /// Someone started or stopped typing (never stored).
    Typing {
        /// Who is typing.
        author: Author,
        /// Whether they are typing now.
        active: bool,
        /// The team member's name, only on frames to the team's own sockets (the visitor
        /// is told only that the team is typing).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// The thread was erased; the socket closes after this frame.
    Erased,
    /// The answer to [`ClientFrame::Ping`].
    Pong,
    /// A frame this version does not know.
    #[serde(other)]
    Unknown,
}

/// What the widget sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ClientFrame {
    /// Send a message, exactly as `POST /v1/threads/{id}/messages` does; the stored message
    /// comes back as a [`ServerFrame::Message`] to every socket of the thread.
    Send {
        /// Chosen before the first attempt; retries reuse it.
        client_id: ClientMessageId,
        /// The text.
        text: String,
    },
    /// The visitor started or stopped typing; relayed to the thread's other sockets.
    Typing {
        /// Whether the visitor is typing now.
        active: bool,
    },
    /// Keeps the connection alive; answered with [`ServerFrame::Pong`].
    Ping,
    /// A frame this version does not know.
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_client(json: serde_json::Value, expected: ClientFrame) {
        assert_eq!(
            serde_json::from_value::<ClientFrame>(json.clone()).unwrap(),
            expected,
            "{json}"
        );
    }

    #[test]
    fn decodes_client_frames() {
        check_client(json!({"type": "ping"}), ClientFrame::Ping);
        check_client(
            json!({"type": "send", "clientId": "c1", "text": "hi", "extra": 1}),
            ClientFrame::Send {
                client_id: ClientMessageId::new("c1"),
                text: "hi".into(),
            },
        );
        check_client(
            json!({"type": "teleport", "to": "mars"}),
            ClientFrame::Unknown,
        );
        assert!(serde_json::from_value::<ClientFrame>(json!({"text": "no type"})).is_err());
        assert!(serde_json::from_value::<ClientFrame>(json!({"type": "send"})).is_err());
    }

    #[test]
    fn encodes_server_frames() {
        let ready = ServerFrame::Ready {
            last_seq: Seq(4),
            complete: true,
            protocol: 1,
        };
        assert_eq!(
            serde_json::to_value(&ready).unwrap(),
            json!({"type": "ready", "lastSeq": 4, "complete": true, "protocol": 1})
        );
        assert_eq!(
            serde_json::to_value(ServerFrame::Pong).unwrap(),
            json!({"type": "pong"})
        );
        let unknown: ServerFrame =
            serde_json::from_value(json!({"type": "presence", "online": true})).unwrap();
        assert_eq!(unknown, ServerFrame::Unknown);
    }
}
