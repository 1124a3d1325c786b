//! A message of a thread, as the relay stores and serves it.

use crate::ids::{ClientMessageId, MessageId, Seq, Timestamp};
use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    /// The website visitor.
    Visitor,
    /// A member of the brand's team.
    Agent,
    /// The relay itself ("Continued on WhatsApp").
    System,
    /// An automated answer on the brand's behalf.
    Bot,
    /// A kind this version does not know.
    #[serde(other)]
    Unknown,
}

/// Where a message was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// The website widget.
    Web,
    /// WhatsApp.
    Whatsapp,
    /// Telegram.
    Telegram,
    /// The brand's REST API.
    Api,
    /// A channel this version does not know.
    #[serde(other)]
    Unknown,
}

/// How far a message has travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Stored by the relay.
    Sent,
    /// Handed to the recipient's app.
    Delivered,
    /// Seen by the recipient.
    Read,
    /// Could not be delivered; see [`Message::failure`].
    Failed,
    /// A status this version does not know.
    #[serde(other)]
    Unknown,
}

/// One message of a thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The relay's id for the message.
    pub id: MessageId,
    /// The sender's id for the message; unique within the thread.
    pub client_id: ClientMessageId,
    /// Position in the thread.
    pub seq: Seq,
    /// Who wrote it.
    pub author: Author,
    /// Where it was written.
    pub channel: Channel,
    /// The text, shown as text and never as HTML.
    pub text: String,
    /// When the relay stored it.
    pub created_at: Timestamp,
    /// How far it has travelled.
    pub status: DeliveryStatus,
    /// Why delivery failed, when `status` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_enum_values_and_fields_are_tolerated() {
        let message: Message = serde_json::from_value(json!({
            "id": "m1", "clientId": "c1", "seq": 3, "author": "robot", "channel": "fax",
            "text": "hi", "createdAt": 1, "status": "teleported", "mood": "cheerful"
        }))
        .unwrap();
        assert_eq!(message.author, Author::Unknown);
        assert_eq!(message.channel, Channel::Unknown);
        assert_eq!(message.status, DeliveryStatus::Unknown);
        assert_eq!(message.seq, Seq(3));
    }

    #[test]
    fn serialises_in_camel_case_without_absent_failure() {
        let message = Message {
            id: MessageId::new("m1"),
            client_id: ClientMessageId::new("c1"),
            seq: Seq(1),
            author: Author::Visitor,
            channel: Channel::Web,
            text: "hello".into(),
            created_at: Timestamp(5),
            status: DeliveryStatus::Sent,
            failure: None,
        };
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            json!({"id": "m1", "clientId": "c1", "seq": 1, "author": "visitor",
                   "channel": "web", "text": "hello", "createdAt": 5, "status": "sent"})
        );
    }
}
