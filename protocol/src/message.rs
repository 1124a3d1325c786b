//! A message of a thread, as the relay stores and serves it.

use crate::ids::{AttachmentId, ClientMessageId, MessageId, Seq, Timestamp};
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
    /// WeChat (the brand's Official Account).
    Wechat,
    /// Email: the visitor answered a reply email.
    Email,
    /// The brand console (`/console`): a member of the team answered there.
    Console,
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

/// Who of the team wrote a message: a display name and, optionally, a picture. Absent on
/// messages of the visitor, of the relay, and of team members no name is known for (a
/// widget then shows the brand).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    /// The name shown above the member's messages, 1 to [`Sender::MAX_NAME_CHARS`].
    pub name: String,
    /// A picture of the member. The agent API takes an `https` URL (at most
    /// [`Sender::MAX_AVATAR_URL_BYTES`]); the relay stores and sends, in its place, a path on
    /// the relay (`/v1/images?src=…&sig=…`, to resolve against the relay's origin) that
    /// serves a checked copy of it, so a visitor's browser never contacts the brand's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

impl Sender {
    /// The longest name, in characters.
    pub const MAX_NAME_CHARS: usize = 64;
    /// The longest avatar URL, in bytes.
    pub const MAX_AVATAR_URL_BYTES: usize = 2048;

    /// A sender named from what a messaging app knows (a first and a last name, say):
    /// the parts joined by a space, control characters dropped, cut to
    /// [`Sender::MAX_NAME_CHARS`]; `None` if nothing is left.
    pub fn from_names<'a>(parts: impl IntoIterator<Item = &'a str>) -> Option<Sender> {
        let joined: Vec<&str> = parts
            .into_iter()
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect();
        let name: String = joined
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .take(Sender::MAX_NAME_CHARS)
            .collect();
        let name = name.trim();
        (!name.is_empty()).then(|| Sender {
            name: name.to_string(),
            avatar_url: None,
        })
    }

    /// Checks a sender given through the API: a name of 1 to [`Sender::MAX_NAME_CHARS`]
    /// characters (trimmed, no control characters) and, if any, an `https` avatar URL.
    /// Returns the sender trimmed, or what is wrong.
    pub fn validated(&self) -> Result<Sender, &'static str> {
        let name = self.name.trim();
        let chars = name.chars().count();
        if !(1..=Sender::MAX_NAME_CHARS).contains(&chars) || name.chars().any(char::is_control) {
            return Err(
                "sender.name must have 1 to 64 characters, none of them control characters",
            );
        }
        if let Some(url) = &self.avatar_url {
            let host = url.strip_prefix("https://").unwrap_or("");
            let host = host.split(['/', '?', '#']).next().unwrap_or("");
            let valid = url.len() <= Sender::MAX_AVATAR_URL_BYTES
                && !host.is_empty()
                && !host.contains('@')
                && url
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'<' | b'>' | b'\\'));
            if !valid {
                return Err("sender.avatarUrl must be an https URL of at most 2048 characters");
            }
        }
        Ok(Sender {
            name: name.to_string(),
            avatar_url: self.avatar_url.clone(),
        })
    }
}

/// The most files one message carries.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;

/// The client id of the assistant's handoff notice ("A person will answer here…") starts
/// with this: the thread's bot has handed over, and the widget stops offering "Talk to a
/// person" until the bot answers again.
pub const HANDOFF_CLIENT_ID_PREFIX: &str = "bot:handoff:";

/// The client id of the relay's notice that the team marked the thread resolved starts
/// with this (then the resolution's number): the widget asks how it went, once, unless the
/// visitor wrote after it.
pub const RESOLVED_CLIENT_ID_PREFIX: &str = "resolved:";

/// A file of a message: uploaded to the relay (`POST /v1/threads/{id}/uploads`), checked,
/// and served only through short-lived signed links.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// The relay's id for the file.
    pub id: AttachmentId,
    /// The file's name, sanitised by the relay: no path, no control characters, at most
    /// 255 bytes.
    pub name: String,
    /// The type the relay detected from the file's bytes: the one that counts.
    pub content_type: String,
    /// The type the uploader declared.
    pub declared_type: String,
    /// The size in bytes.
    pub size: u64,
    /// The width in pixels, for raster images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// The height in pixels, for raster images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Where to fetch it: a signed, expiring link. Relative to the relay's origin
    /// (`/v1/files/{threadId}/{attachmentId}?exp=…&sig=…`) for the widget and the agent
    /// API, absolute in webhook events. Absent where the file is stored, not served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
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
    /// Who of the team wrote it, if known (older relays and widgets leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Sender>,
    /// Its files, in the order they were sent (a message has text, files, or both).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Quick replies a bot or team message offers the visitor (at most
    /// [`MAX_REPLIES`], each 1–[`MAX_REPLY_CHARS`] characters): a tap sends that text as
    /// the visitor's own message. Widgets that do not know them show the text alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<String>,
}

/// The most quick replies a message offers.
pub const MAX_REPLIES: usize = 4;

/// The longest quick reply, in characters.
pub const MAX_REPLY_CHARS: usize = 40;

impl Message {
    /// The stable code of why delivery failed, if it failed for one of the relay's reasons.
    pub fn failure_code(&self) -> Option<FailureReason> {
        self.failure.as_deref().and_then(FailureReason::of_failure)
    }

    /// Whether this is the assistant's handoff notice (see [`HANDOFF_CLIENT_ID_PREFIX`]).
    pub fn is_handoff(&self) -> bool {
        self.author == Author::Bot
            && self
                .client_id
                .as_str()
                .starts_with(HANDOFF_CLIENT_ID_PREFIX)
    }

    /// Whether this is the relay's notice of a resolution (see
    /// [`RESOLVED_CLIENT_ID_PREFIX`]).
    pub fn is_resolution(&self) -> bool {
        self.author == Author::System
            && self
                .client_id
                .as_str()
                .starts_with(RESOLVED_CLIENT_ID_PREFIX)
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
            #[serde(skip_serializing_if = "Option::is_none")]
            sender: Option<&'a Sender>,
            #[serde(skip_serializing_if = "<[Attachment]>::is_empty")]
            attachments: &'a [Attachment],
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            replies: &'a [String],
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
            sender: self.sender.as_ref(),
            attachments: &self.attachments,
            replies: &self.replies,
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
            status: DeliveryStatus::Sent,
            failure: None,
            ..failed("")
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
            sender: None,
            attachments: Vec::new(),
            replies: Vec::new(),
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

    #[test]
    fn a_sender_goes_with_team_messages_and_is_optional() {
        let mut message = failed("x");
        message.failure = None;
        message.status = DeliveryStatus::Sent;
        message.author = Author::Agent;
        message.sender = Some(Sender {
            name: "Ana".into(),
            avatar_url: Some("https://cdn.example/ana.png".into()),
        });
        let wire = serde_json::to_value(&message).unwrap();
        assert_eq!(
            wire["sender"],
            json!({"name": "Ana", "avatarUrl": "https://cdn.example/ana.png"})
        );
        assert_eq!(serde_json::from_value::<Message>(wire).unwrap(), message);
        // Without one, or with fields of a later version, it still decodes.
        let old: Message = serde_json::from_value(json!({
            "id": "m1", "clientId": "c1", "seq": 3, "author": "agent", "channel": "api",
            "text": "hi", "createdAt": 1, "status": "sent"
        }))
        .unwrap();
        assert_eq!(old.sender, None);
        let later: Message = serde_json::from_value(json!({
            "id": "m1", "clientId": "c1", "seq": 3, "author": "agent", "channel": "api",
            "text": "hi", "createdAt": 1, "status": "sent",
            "sender": {"name": "Bo", "role": "support"}
        }))
        .unwrap();
        assert_eq!(later.sender.unwrap().name, "Bo");
    }

    #[test]
    fn attachments_go_in_camel_case_and_are_optional() {
        let mut message = failed("x");
        message.failure = None;
        message.status = DeliveryStatus::Sent;
        message.attachments = vec![Attachment {
            id: AttachmentId::new("a1"),
            name: "photo.png".into(),
            content_type: "image/png".into(),
            declared_type: "image/png".into(),
            size: 67,
            width: Some(3),
            height: Some(2),
            url: None,
        }];
        let wire = serde_json::to_value(&message).unwrap();
        assert_eq!(
            wire["attachments"],
            json!([{"id": "a1", "name": "photo.png", "contentType": "image/png",
                    "declaredType": "image/png", "size": 67, "width": 3, "height": 2}])
        );
        assert_eq!(serde_json::from_value::<Message>(wire).unwrap(), message);
        message.attachments.clear();
        let wire = serde_json::to_value(&message).unwrap();
        assert!(wire.get("attachments").is_none(), "{wire}");
        assert_eq!(serde_json::from_value::<Message>(wire).unwrap(), message);
    }

    #[test]
    fn senders_are_named_and_checked() {
        for (parts, expected) in [
            (vec!["Ana"], Some("Ana")),
            (vec!["Ana", "Lima"], Some("Ana Lima")),
            (vec![" Ana ", ""], Some("Ana")),
            (vec!["", "  "], None),
            (vec!["\u{7}"], None),
            (vec!["王", "芳"], Some("王 芳")),
        ] {
            let sender = Sender::from_names(parts.iter().copied());
            assert_eq!(
                sender.as_ref().map(|s| s.name.as_str()),
                expected,
                "{parts:?}"
            );
        }
        let long = Sender::from_names(["a".repeat(100).as_str()]).unwrap();
        assert_eq!(long.name.chars().count(), Sender::MAX_NAME_CHARS);
        let check = |name: &str, avatar: Option<&str>, valid: bool| {
            let sender = Sender {
                name: name.into(),
                avatar_url: avatar.map(str::to_string),
            };
            assert_eq!(sender.validated().is_ok(), valid, "{sender:?}");
        };
        check("Ana", None, true);
        check(" Ana ", None, true);
        check(&"蓝".repeat(64), None, true);
        check(&"a".repeat(65), None, false);
        check("  ", None, false);
        check("A\nB", None, false);
        check("Ana", Some("https://cdn.example/a.png"), true);
        check("Ana", Some("http://cdn.example/a.png"), false);
        check("Ana", Some("javascript:alert(1)"), false);
        check("Ana", Some("https://"), false);
        check("Ana", Some("https://user@cdn.example/a.png"), false);
        check("Ana", Some("https://cdn.example/a b.png"), false);
        check("Ana", Some("https://cdn.example/\"onerror=x"), false);
        assert_eq!(
            Sender {
                name: " Ana ".into(),
                avatar_url: None
            }
            .validated()
            .unwrap()
            .name,
            "Ana"
        );
    }
}
