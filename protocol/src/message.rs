//! A message of a thread, as the relay stores and serves it.

use crate::ids::{ClientMessageId, MessageId, Seq, Timestamp};
use serde::{Deserialize, Serialize, Serializer};

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

/// Why a message could not be delivered, as a stable code (`failureCode` on the wire) that
/// programs may act on, with a sentence anyone may read. What the provider itself said
/// stays in the relay's logs: provider texts may carry addresses, settings and tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// The messaging service could not be reached, or failed (5xx, refused connections).
    ProviderUnavailable,
    /// The messaging service refused the message (4xx).
    ProviderRejected,
    /// WhatsApp's 24-hour window for free-form replies was closed (131047).
    WindowClosed,
    /// A setting or secret the delivery needs is missing or wrong.
    NotConfigured,
    /// The messaging service did not answer in time.
    TimedOut,
    /// The messaging service answered with a redirect, which the relay does not follow.
    Redirected,
    /// A message or an answer was too large.
    TooLarge,
    /// Anything else, and any code this version does not know.
    #[serde(other)]
    Unknown,
}

impl FailureReason {
    /// Every reason.
    pub const ALL: [FailureReason; 8] = [
        FailureReason::ProviderUnavailable,
        FailureReason::ProviderRejected,
        FailureReason::WindowClosed,
        FailureReason::NotConfigured,
        FailureReason::TimedOut,
        FailureReason::Redirected,
        FailureReason::TooLarge,
        FailureReason::Unknown,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            FailureReason::ProviderUnavailable => "provider_unavailable",
            FailureReason::ProviderRejected => "provider_rejected",
            FailureReason::WindowClosed => "window_closed",
            FailureReason::NotConfigured => "not_configured",
            FailureReason::TimedOut => "timed_out",
            FailureReason::Redirected => "redirected",
            FailureReason::TooLarge => "too_large",
            FailureReason::Unknown => "unknown",
        }
    }

    /// The sentence shown for it: safe for anyone to read.
    pub fn text(self) -> &'static str {
        match self {
            FailureReason::ProviderUnavailable => "The messaging service could not be reached.",
            FailureReason::ProviderRejected => "The messaging service refused the message.",
            FailureReason::WindowClosed => "WhatsApp's 24-hour reply window has closed.",
            FailureReason::NotConfigured => "This chat's connection is not fully set up.",
            FailureReason::TimedOut => "The messaging service did not answer in time.",
            FailureReason::Redirected => "The messaging service answered with a redirect.",
            FailureReason::TooLarge => "The message or its answer was too large.",
            FailureReason::Unknown => "The message could not be delivered.",
        }
    }

    /// A message's `failure` once its delivery was given up after `attempts` attempts, the
    /// last answered with the HTTP `status`, if any (a number says nothing secret, and
    /// tells the operator which way to look).
    pub fn after_attempts(self, attempts: u32, status: Option<u16>) -> String {
        let status = status.map_or(String::new(), |status| format!(" (HTTP {status})"));
        format!(
            "Message not delivered after {attempts} attempts{status}. {}",
            self.text()
        )
    }

    /// The reason a `failure` text states: [`FailureReason::text`], alone or after
    /// [`FailureReason::after_attempts`]'s words; `None` for any other text.
    pub fn of_failure(failure: &str) -> Option<FailureReason> {
        FailureReason::ALL
            .into_iter()
            .find(|reason| failure.ends_with(reason.text()))
    }
}

/// One message of a thread.
///
/// On the wire a failed message carries `failure` (a sentence) and, when the sentence is
/// one of [`FailureReason`]'s, `failureCode`; decoding ignores `failureCode`, which
/// [`Message::failure_code`] reads back from the sentence.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
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

impl Message {
    /// The stable code of why delivery failed, if it failed for one of the relay's reasons.
    pub fn failure_code(&self) -> Option<FailureReason> {
        self.failure.as_deref().and_then(FailureReason::of_failure)
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            id: &'a MessageId,
            client_id: &'a ClientMessageId,
            seq: &'a Seq,
            author: &'a Author,
            channel: &'a Channel,
            text: &'a str,
            created_at: &'a Timestamp,
            status: &'a DeliveryStatus,
            #[serde(skip_serializing_if = "Option::is_none")]
            failure: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            failure_code: Option<FailureReason>,
        }
        Wire {
            id: &self.id,
            client_id: &self.client_id,
            seq: &self.seq,
            author: &self.author,
            channel: &self.channel,
            text: &self.text,
            created_at: &self.created_at,
            status: &self.status,
            failure: self.failure.as_deref(),
            failure_code: self.failure_code(),
        }
        .serialize(serializer)
    }
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

    fn failed(failure: &str) -> Message {
        Message {
            id: MessageId::new("m1"),
            client_id: ClientMessageId::new("c1"),
            seq: Seq(1),
            author: Author::Visitor,
            channel: Channel::Web,
            text: "hello".into(),
            created_at: Timestamp(5),
            status: DeliveryStatus::Failed,
            failure: Some(failure.into()),
        }
    }

    #[test]
    fn failures_carry_their_stable_code_and_decode_without_it() {
        for reason in FailureReason::ALL {
            for text in [
                reason.text().to_string(),
                reason.after_attempts(6, None),
                reason.after_attempts(6, Some(503)),
            ] {
                let message = failed(&text);
                assert_eq!(message.failure_code(), Some(reason), "{text}");
                let wire = serde_json::to_value(&message).unwrap();
                assert_eq!(wire["failure"], text.as_str());
                assert_eq!(wire["failureCode"], reason.code());
                assert_eq!(
                    serde_json::from_value::<FailureReason>(json!(reason.code())).unwrap(),
                    reason
                );
                let back: Message = serde_json::from_value(wire).unwrap();
                assert_eq!(back, message);
            }
        }
        // A sentence of no reason (an older relay's) goes as it is, without a code.
        let wire = serde_json::to_value(failed("HTTP 500")).unwrap();
        assert_eq!(wire["failure"], "HTTP 500");
        assert!(wire.get("failureCode").is_none(), "{wire}");
        assert_eq!(
            serde_json::from_value::<FailureReason>(json!("on_fire")).unwrap(),
            FailureReason::Unknown
        );
    }

    #[test]
    fn each_reason_has_its_own_code_and_sentence() {
        for (i, a) in FailureReason::ALL.iter().enumerate() {
            assert_eq!(serde_json::to_value(a).unwrap(), json!(a.code()));
            for b in &FailureReason::ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert!(!a.text().ends_with(b.text()) && !b.text().ends_with(a.text()));
            }
        }
        assert_eq!(
            FailureReason::TimedOut.after_attempts(6, None),
            "Message not delivered after 6 attempts. The messaging service did not answer in time."
        );
        assert_eq!(
            FailureReason::ProviderUnavailable.after_attempts(6, Some(503)),
            "Message not delivered after 6 attempts (HTTP 503). \
             The messaging service could not be reached."
        );
    }
}
