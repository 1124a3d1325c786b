//! What a `thread.closed` webhook event tells a brand's CRM of the conversation it closes:
//! the thread's figures in summary ([`Closed`]), with no message text and no rating comment
//! (the event goes to systems the visitor never saw; the comment stays in the console and
//! the export).

use super::report::channel_code;
use super::{Responder, ThreadFigures};
use serde::{Deserialize, Serialize};

/// A closed conversation's figures, as the `thread.closed` event carries them. Times are
/// ms since the epoch, durations ms; absent where the figure does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Closed {
    /// When the conversation started.
    pub started_at: u64,
    /// When the team resolved it.
    pub resolved_at: u64,
    /// From the start to the resolution.
    pub resolution_ms: u64,
    /// The channels the visitor wrote on (`web`, `whatsapp`, …), the first first.
    pub channels: Vec<String>,
    /// The visitor's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The path of the page it started on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The visitor's first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_visitor_at: Option<u64>,
    /// From the visitor's first message to the first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply_ms: Option<u64>,
    /// Who answered first: `team` or `bot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_reply_by: Option<Responder>,
    /// How many runs of visitor messages were answered.
    pub replies: u32,
    /// The bot's answers.
    pub bot_answers: u32,
    /// Whether the bot handed the conversation to a person.
    pub handed_over: bool,
    /// How many times it was reopened before.
    pub reopened: u32,
    /// The visitor's latest score (1 to 5), if they rated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

impl Closed {
    /// The summary of `figures`, or none while they say the thread is open.
    pub fn of(figures: &ThreadFigures) -> Option<Closed> {
        let resolved_at = figures.resolved_at?;
        let first = figures.first_reply();
        Some(Closed {
            started_at: figures.started_at,
            resolved_at,
            resolution_ms: resolved_at.saturating_sub(figures.started_at),
            channels: figures
                .channels
                .iter()
                .map(|channel| channel_code(*channel).to_owned())
                .collect(),
            language: figures.language.clone(),
            page: figures.page.clone(),
            first_visitor_at: figures.first_visitor_at,
            first_reply_ms: first.map(|reply| reply.wait()),
            first_reply_by: first.map(|reply| reply.by),
            replies: u32::try_from(figures.replies.len()).unwrap_or(u32::MAX),
            bot_answers: figures.bot_answers,
            handed_over: !figures.handovers.is_empty(),
            reopened: figures.reopened,
            rating: figures.rating().map(|rating| rating.score),
        })
    }
}
