//! Readers and writers of messages ([`Message`], its [`Sender`] and [`Attachment`]s, and
//! their enums), in the protocol's wire format: the widget reads them from the relay and
//! from its own storage, and writes them to storage and to the page's `message` event.

use super::backend::{self, Value};
use super::read::{self, MAX_WHOLE};
use super::words::{required_variant, word, Words};
use super::write::Object;
use super::{FromJson, Invalid, ToJson};
use confab_protocol::{
    Attachment, AttachmentId, Author, Channel, ClientMessageId, DeliveryStatus, Message, MessageId,
    Sender, Seq, Timestamp,
};

/// Authors by their wire words (`rename_all = "lowercase"`).
pub const AUTHORS: &Words<Author> = &[
    ("visitor", Author::Visitor),
    ("agent", Author::Agent),
    ("system", Author::System),
    ("bot", Author::Bot),
];

/// Channels by their wire words.
pub const CHANNELS: &Words<Channel> = &[
    ("web", Channel::Web),
    ("whatsapp", Channel::Whatsapp),
    ("wechat", Channel::Wechat),
    ("telegram", Channel::Telegram),
    ("api", Channel::Api),
];

/// Delivery statuses by their wire words.
pub const STATUSES: &Words<DeliveryStatus> = &[
    ("sent", DeliveryStatus::Sent),
    ("delivered", DeliveryStatus::Delivered),
    ("read", DeliveryStatus::Read),
    ("failed", DeliveryStatus::Failed),
];

impl FromJson for Message {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(Message {
            id: MessageId::new(read::string(value, "id")?),
            client_id: ClientMessageId::new(read::string(value, "clientId")?),
            seq: Seq(read::number(value, "seq", MAX_WHOLE)?),
            author: required_variant(value, "author", AUTHORS, Author::Unknown)?,
            channel: required_variant(value, "channel", CHANNELS, Channel::Unknown)?,
            text: read::string(value, "text")?,
            created_at: Timestamp(read::number(value, "createdAt", MAX_WHOLE)?),
            status: required_variant(value, "status", STATUSES, DeliveryStatus::Unknown)?,
            // `failureCode` is not read: `Message::failure_code` finds it in `failure`.
            failure: read::optional_string(value, "failure")?,
            sender: read::optional(value, "sender")?,
            attachments: read::list(value, "attachments", false)?,
            replies: read::list(value, "replies", false)?,
        })
    }
}

impl ToJson for Message {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("id", self.id.as_str());
        object.string("clientId", self.client_id.as_str());
        object.number("seq", self.seq.0);
        object.string("author", word(AUTHORS, &self.author));
        object.string("channel", word(CHANNELS, &self.channel));
        object.string("text", &self.text);
        object.number("createdAt", self.created_at.0);
        object.string("status", word(STATUSES, &self.status));
        object.optional_string("failure", self.failure.as_deref());
        object.optional_string("failureCode", self.failure_code().map(|code| code.code()));
        if let Some(sender) = &self.sender {
            object.value("sender", &sender.to_json());
        }
        object.list("attachments", &self.attachments);
        object.list("replies", &self.replies);
        object.finish()
    }
}

impl FromJson for Sender {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(Sender {
            name: read::string(value, "name")?,
            avatar_url: read::optional_string(value, "avatarUrl")?,
        })
    }
}

impl ToJson for Sender {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("name", &self.name);
        object.optional_string("avatarUrl", self.avatar_url.as_deref());
        object.finish()
    }
}

impl FromJson for Attachment {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        let pixels = |key| read::optional_number(value, key, u32::MAX.into());
        Ok(Attachment {
            id: AttachmentId::new(read::string(value, "id")?),
            name: read::string(value, "name")?,
            content_type: read::string(value, "contentType")?,
            declared_type: read::string(value, "declaredType")?,
            size: read::number(value, "size", MAX_WHOLE)?,
            width: pixels("width")?.map(|width| width as u32),
            height: pixels("height")?.map(|height| height as u32),
            url: read::optional_string(value, "url")?,
        })
    }
}

impl ToJson for Attachment {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("id", self.id.as_str());
        object.string("name", &self.name);
        object.string("contentType", &self.content_type);
        object.string("declaredType", &self.declared_type);
        object.number("size", self.size);
        object.optional_number("width", self.width.map(u64::from));
        object.optional_number("height", self.height.map(u64::from));
        object.optional_string("url", self.url.as_deref());
        object.finish()
    }
}

impl ToJson for AttachmentId {
    fn to_json(&self) -> Value {
        backend::string(self.as_str())
    }
}
