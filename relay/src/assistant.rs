//! The assistant: the bot that answers visitors from the brand's knowledge, and hands the
//! thread over to a person when it should. This module is the pure part — the brand's
//! settings, what the thread remembers about its bot, when the bot answers, when it hands
//! over, and what it says — so every rule is tested natively; the thread's object applies
//! it (`edge/thread/object/assistant.rs`) and the queue's consumer answers
//! (`edge/assistant.rs`).
//!
//! The object never calls out: when a visitor's message is stored it decides
//! ([`on_visitor_message`]) and queues an assistant job; the consumer searches the
//! knowledge and hands a [`Reply`] back to the thread, which stores it as a `bot` message
//! ([`after_reply`]). A person's message silences the bot in that thread until the team
//! turns it back on, so the bot never talks over a person.

pub mod generative;
pub mod texts;
pub mod words;

#[cfg(test)]
mod tests;

use crate::knowledge::index::{Index, Search, Verdict, ANSWER_MIN_COVERAGE};
use confab_protocol::BusinessHours;
use serde::{Deserialize, Serialize};

/// The longest wait a brand may set for `afterSeconds`: a day.
pub const MAX_AFTER_SECONDS: u32 = 24 * 60 * 60;
/// The most handoff keywords a brand may set.
pub const MAX_KEYWORDS: usize = 20;
/// The longest handoff keyword, in characters.
pub const MAX_KEYWORD_CHARS: usize = 50;
/// Unconfident answers in a row after which the bot hands over instead of guessing again.
pub const UNSURE_BEFORE_HANDOFF: u32 = 2;

/// When the bot answers a visitor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Never: the team answers everything.
    #[default]
    Off,
    /// Always first.
    Always,
    /// Only outside the brand's business hours.
    OutsideHours,
    /// Only when no person has answered within `afterSeconds` of the visitor's message.
    AfterSeconds,
}

/// A brand's assistant settings (`assistant` in the brand's settings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssistantSettings {
    /// When the bot answers.
    #[serde(default)]
    pub mode: Mode,
    /// For [`Mode::AfterSeconds`]: how long a person has to answer first.
    #[serde(default = "default_after_seconds")]
    pub after_seconds: u32,
    /// The brand's own words that hand a thread over to a person (besides the built-in
    /// ones, [`words::asks_for_person`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub handoff_keywords: Vec<String>,
    /// The least coverage of the question (0 to 1) at which the bot answers from an entry;
    /// the index's own bar ([`ANSWER_MIN_COVERAGE`]) unless the brand is stricter.
    #[serde(default = "default_min_confidence")]
    pub min_confidence: f32,
    /// A language model that words the answer from the retrieved entries; absent: the
    /// best entry's answer as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generative: Option<generative::GenerativeSettings>,
}

// Validation keeps `min_confidence` finite, so equality is an equivalence.
impl Eq for AssistantSettings {}

impl Default for AssistantSettings {
    fn default() -> Self {
        AssistantSettings {
            mode: Mode::Off,
            after_seconds: default_after_seconds(),
            handoff_keywords: Vec::new(),
            min_confidence: default_min_confidence(),
            generative: None,
        }
    }
}

fn default_after_seconds() -> u32 {
    120
}

fn default_min_confidence() -> f32 {
    ANSWER_MIN_COVERAGE
}

impl AssistantSettings {
    /// Checks the settings; `has_hours`: the brand has business hours; `allow_local`: a
    /// development relay (a language model on this machine is fine). The message says what
    /// to fix.
    pub fn validate(&self, has_hours: bool, allow_local: bool) -> Result<(), String> {
        if let Some(generative) = &self.generative {
            generative.validate(allow_local)?;
        }
        if self.mode == Mode::OutsideHours && !has_hours {
            return Err("assistant.mode outsideHours needs businessHours".into());
        }
        if !(1..=MAX_AFTER_SECONDS).contains(&self.after_seconds) {
            return Err(format!(
                "assistant.afterSeconds must be from 1 to {MAX_AFTER_SECONDS}"
            ));
        }
        if !self.min_confidence.is_finite() || !(0.0..=1.0).contains(&self.min_confidence) {
            return Err("assistant.minConfidence must be from 0 to 1".into());
        }
        let bad_keyword = self.handoff_keywords.iter().any(|keyword| {
            let chars = keyword.trim().chars().count();
            !(1..=MAX_KEYWORD_CHARS).contains(&chars) || keyword.chars().any(char::is_control)
        });
        if self.handoff_keywords.len() > MAX_KEYWORDS || bad_keyword {
            return Err(format!(
                "assistant.handoffKeywords are at most {MAX_KEYWORDS} words or phrases of 1 \
                 to {MAX_KEYWORD_CHARS} characters, on one line each"
            ));
        }
        Ok(())
    }
}

/// What a thread's policy carries of the assistant: the brand's settings and its hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The brand's settings.
    pub settings: AssistantSettings,
    /// The brand's business hours, if it has any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
}

/// Whether the team is open, as the thread's object found out from the brand's hours and
/// the time zone's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opening {
    /// Open now.
    Open,
    /// Closed, and open again in this many minutes.
    ClosedFor(u32),
    /// No hours, or hours that never open, or a zone the runtime does not know.
    Unknown,
}

/// Why a thread went to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HandoffReason {
    /// The visitor asked in words ("talk to a person", "转人工").
    Asked,
    /// The visitor's words matched one of the brand's keywords.
    Keyword,
    /// The bot was not confident twice in a row.
    Unsure,
    /// The visitor asked through the API (a "Talk to a person" button).
    Requested,
}

/// Why the bot is silent in a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Silence {
    /// A person of the team answered.
    PersonAnswered,
    /// The team turned it off (`/bot off`, the agent API).
    TurnedOff,
    /// The thread was handed over.
    HandedOff,
}

/// What a thread remembers about its bot (in the object's `meta`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadState {
    /// Why the bot is silent, if it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silence: Option<Silence>,
    /// Unconfident answers since the last confident one.
    #[serde(default)]
    pub unsure_in_row: u32,
    /// The latest visitor message the bot answered (or decided not to): a repeated reply
    /// for it adds nothing.
    #[serde(default)]
    pub replied_to: u64,
}

/// What follows a visitor's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing from the bot.
    Quiet,
    /// Hand the thread over now.
    Handoff(HandoffReason),
    /// Queue an answer, to be worked out at `due_at` (ms).
    Answer {
        /// When the answer may go (for `afterSeconds`, once a person had their time).
        due_at: u64,
    },
}

/// What the bot does about a visitor's message `text` stored at `now` (ms), with the
/// brand's `plan` (none: no assistant), the thread's `state`, and the team's `opening`.
pub fn on_visitor_message(
    plan: Option<&Plan>,
    state: &ThreadState,
    text: &str,
    now: u64,
    opening: Opening,
) -> Decision {
    let Some(plan) = plan else {
        return Decision::Quiet;
    };
    let settings = &plan.settings;
    if settings.mode == Mode::Off || state.silence.is_some() {
        return Decision::Quiet;
    }
    if words::asks_for_person(text) {
        return Decision::Handoff(HandoffReason::Asked);
    }
    if words::matches_keyword(text, &settings.handoff_keywords) {
        return Decision::Handoff(HandoffReason::Keyword);
    }
    match settings.mode {
        Mode::Off => Decision::Quiet,
        Mode::Always => Decision::Answer { due_at: now },
        // A zone the runtime does not know: better an answer than silence.
        Mode::OutsideHours => match opening {
            Opening::Open => Decision::Quiet,
            Opening::ClosedFor(_) | Opening::Unknown => Decision::Answer { due_at: now },
        },
        Mode::AfterSeconds => Decision::Answer {
            due_at: now.saturating_add(u64::from(settings.after_seconds) * 1000),
        },
    }
}

/// What the consumer found for a question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Reply {
    /// A confident answer, from these entries (their ids). A generative answer grounded on
    /// retrieved entries will be one too, naming the entries it was given.
    Answer {
        /// The text for the visitor.
        text: String,
        /// The knowledge entries it came from.
        sources: Vec<String>,
        /// The quick replies it offers: those of the entry it answered from (for a
        /// generative answer, of the best entry it was grounded on).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        replies: Vec<String>,
    },
    /// Nothing the bot is sure of.
    Unsure,
}

/// What the thread does with a [`Reply`] to a visitor's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing: the bot is silent now (a person came meanwhile), or it answered already.
    Nothing,
    /// Store this bot message, from these entries.
    Say {
        /// The text.
        text: String,
        /// The entries it came from.
        sources: Vec<String>,
        /// The quick replies it offers (checked when the entry was stored).
        replies: Vec<String>,
    },
    /// Hand the thread over.
    Handoff(HandoffReason),
}

/// What a reply to the visitor's message `seq` comes to, in `language` (the visitor's),
/// and the thread's state after it.
pub fn after_reply(
    state: &ThreadState,
    seq: u64,
    reply: Reply,
    language: Option<&str>,
) -> (Outcome, ThreadState) {
    if state.silence.is_some() || seq <= state.replied_to {
        return (Outcome::Nothing, state.clone());
    }
    let mut next = ThreadState {
        replied_to: seq,
        ..state.clone()
    };
    match reply {
        Reply::Answer {
            text,
            sources,
            replies,
        } => {
            next.unsure_in_row = 0;
            (
                Outcome::Say {
                    text,
                    sources,
                    replies,
                },
                next,
            )
        }
        Reply::Unsure => {
            next.unsure_in_row += 1;
            if next.unsure_in_row >= UNSURE_BEFORE_HANDOFF {
                return (Outcome::Handoff(HandoffReason::Unsure), next);
            }
            let text = texts::unsure(language).to_string();
            (
                Outcome::Say {
                    text,
                    sources: Vec::new(),
                    replies: Vec::new(),
                },
                next,
            )
        }
    }
}

/// The thread's state once it is handed over.
pub fn handed_off(state: &ThreadState) -> ThreadState {
    ThreadState {
        silence: Some(Silence::HandedOff),
        unsure_in_row: 0,
        ..state.clone()
    }
}

/// The thread's state once the team turns the bot on or off.
pub fn switched(state: &ThreadState, on: bool) -> ThreadState {
    ThreadState {
        silence: (!on).then_some(Silence::TurnedOff),
        unsure_in_row: 0,
        ..state.clone()
    }
}

/// The thread's state once a person of the team answered: the bot stays silent until the
/// team turns it back on.
pub fn person_answered(state: &ThreadState) -> ThreadState {
    match state.silence {
        Some(_) => state.clone(),
        None => ThreadState {
            silence: Some(Silence::PersonAnswered),
            ..state.clone()
        },
    }
}

/// The bot's reply to `question` from `index`: the best entry's answer (with its link and
/// its quick replies) when the search is sure of it and covers at least `min_confidence`
/// of the question, else [`Reply::Unsure`]. `language` is the visitor's (a canonical tag), preferred in ranking.
pub fn reply_from(
    index: &Index<'_>,
    question: &str,
    language: Option<&str>,
    min_confidence: f32,
) -> Reply {
    reply_from_search(&index.search(question, language), min_confidence)
}

/// [`reply_from`], for a search already made.
pub fn reply_from_search(search: &Search<'_>, min_confidence: f32) -> Reply {
    match search.answer() {
        Some(entry)
            if search.confidence.verdict == Verdict::Answer
                && search.confidence.score >= min_confidence =>
        {
            let text = match &entry.link {
                Some(link) => format!(
                    "{}\n{} {link}",
                    entry.answer,
                    texts::more(Some(&entry.language))
                ),
                None => entry.answer.clone(),
            };
            Reply::Answer {
                text,
                sources: vec![entry.id.clone()],
                replies: entry.replies.clone(),
            }
        }
        _ => Reply::Unsure,
    }
}
