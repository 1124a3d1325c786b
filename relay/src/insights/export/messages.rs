//! The conversations' messages in the exports (issue 19): each message as the export shows
//! it ([`ExportedMessage`]: who, where, when, the text and the files' names, types and
//! sizes, never a signed link or an avatar's address), the JSON page of conversations with
//! their messages ([`ConversationPage`]) and the CSV of `what=messages` ([`messages_csv`]),
//! one row per message, guarded against spreadsheet formulas ([`cell`]).

use super::{finish, internal};
use crate::error::RelayError;
use crate::insights::report::channel_code;
use crate::insights::ThreadFigures;
use confab_protocol::{Author, Channel, Message};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A file of an exported message: what it is, not where to fetch it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAttachment {
    /// The file's name, as the relay sanitised it.
    pub name: String,
    /// The type the relay detected from its bytes.
    pub content_type: String,
    /// The size in bytes.
    pub size: u64,
}

/// One message as the export shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedMessage {
    /// Its position in the thread.
    pub seq: u64,
    /// When the relay stored it (ms).
    pub sent_at: u64,
    /// Who wrote it (`visitor`, `agent`, `bot`, `system`).
    pub author: Author,
    /// The team member's (or bot's) name it was sent under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    /// Where it was written.
    pub channel: Channel,
    /// The text.
    pub text: String,
    /// Its files, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ExportedAttachment>,
}

impl ExportedMessage {
    /// `message` without what an export must not carry: files' signed links, the sender's
    /// avatar, client ids and delivery states.
    pub fn of(message: &Message) -> ExportedMessage {
        ExportedMessage {
            seq: message.seq.0,
            sent_at: message.created_at.0,
            author: message.author,
            author_name: message.sender.as_ref().map(|sender| sender.name.clone()),
            channel: message.channel,
            text: message.text.clone(),
            attachments: message
                .attachments
                .iter()
                .map(|file| ExportedAttachment {
                    name: file.name.clone(),
                    content_type: file.content_type.clone(),
                    size: file.size,
                })
                .collect(),
        }
    }
}

/// A conversation of a JSON export page: its figures, and its messages in `seq` order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// The conversation's figures, as a page without messages gives them.
    #[serde(flatten)]
    pub figures: ThreadFigures,
    /// Its messages, oldest first.
    pub messages: Vec<ExportedMessage>,
}

/// A JSON export page of conversations with their messages: a thread erased since the
/// roll-up listed it is left out, and the cursor is the listing's, so paging goes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationPage {
    /// The conversations, by start then thread id.
    pub conversations: Vec<Conversation>,
    /// Where the next page starts (absent on the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The columns of [`messages_csv`].
pub const MESSAGE_COLUMNS: [&str; 8] = [
    "thread",
    "seq",
    "sentAt",
    "author",
    "authorName",
    "channel",
    "text",
    "attachments",
];

/// One row per message: the conversations in the order given (the page's), each one's
/// messages in `seq` order. Files are `name (type, N bytes)`, joined by `; `.
pub fn messages_csv(conversations: &[Conversation]) -> Result<String, RelayError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(MESSAGE_COLUMNS).map_err(internal)?;
    for conversation in conversations {
        let thread = conversation.figures.thread.as_str();
        let mut messages: Vec<&ExportedMessage> = conversation.messages.iter().collect();
        messages.sort_by_key(|message| message.seq);
        for message in messages {
            let files: Vec<String> = message
                .attachments
                .iter()
                .map(|file| format!("{} ({}, {} bytes)", file.name, file.content_type, file.size))
                .collect();
            out.write_record([
                thread,
                &message.seq.to_string(),
                &message.sent_at.to_string(),
                author_code(message.author),
                &cell(message.author_name.as_deref().unwrap_or_default()),
                channel_code(message.channel),
                &cell(&message.text),
                &cell(&files.join("; ")),
            ])
            .map_err(internal)?;
        }
    }
    finish(out)
}

/// The author as the CSV writes it (the JSON's word).
pub fn author_code(author: Author) -> &'static str {
    match author {
        Author::Visitor => "visitor",
        Author::Agent => "agent",
        Author::System => "system",
        Author::Bot => "bot",
        Author::Unknown => "unknown",
    }
}

/// A free-text cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (what spreadsheets read as a formula) gets a leading `'`, as
/// OWASP's advice on CSV injection has it. The text is otherwise unchanged: quoting is the
/// `csv` crate's.
pub fn cell(text: &str) -> Cow<'_, str> {
    match text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => Cow::Owned(format!("'{text}")),
        false => Cow::Borrowed(text),
    }
}
