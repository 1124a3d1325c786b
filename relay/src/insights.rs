//! Insights (issue 19), in pure code: what one thread contributes to its brand's figures
//! ([`ThreadFigures`]), kept up to date by the thread's object as it stores messages, and
//! the roll-up of a brand's threads into the [`Insights`] report.
//!
//! The thread's object owns its figures: it calls [`ThreadFigures::observe`] in the commit
//! of each message, resolution, reopening, rating and handover, and keeps the result in its
//! `meta`. A copy goes to the brand's roll-up the way other derived facts go (through the
//! outbox and the queue), so copies may arrive late, twice, or out of order; the
//! [`ThreadFigures::version`] lets [`Rollup::offer`] keep the newest. No message text is
//! kept, only rating comments (which the visitor wrote to be read), and the start page is a
//! path without its query.
//!
//! - [`api`]: the agent API's ranges, export parameters and pages.
//! - [`closed`]: the figures a `thread.closed` webhook event carries.
//! - [`zone`]: local weekday and minute at an instant, through a [`ZoneClock`].
//! - [`business`]: time between two instants counted in a brand's opening hours.
//! - [`percentile`]: nearest-rank percentiles.
//! - [`report`]: the roll-up's query, the report, and the expected reply time.
//! - [`export`]: the report and the conversations as CSV.

pub mod api;
pub mod business;
pub mod closed;
pub mod export;
pub mod percentile;
pub mod report;
pub mod zone;

#[cfg(test)]
mod tests;

use crate::assistant::HandoffReason;
use confab_protocol::insights::Handover;
use confab_protocol::{Author, Channel, ThreadId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

pub use report::{expected_reply_minutes, Query};
pub use zone::{FixedOffset, ZoneClock};

pub use confab_protocol::insights::Insights;

/// How many answered runs a thread keeps (the earliest): enough for any conversation a
/// person reads, and a bound on the size of the object's `meta`.
pub const KEPT_REPLIES: usize = 200;

/// How many ratings a thread keeps (the latest), as [`crate::resolution`] does.
pub const KEPT_RATINGS: usize = crate::resolution::KEPT_RATINGS;

/// How many handovers a thread keeps (the earliest).
pub const KEPT_HANDOVERS: usize = 20;

/// Who answered a visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Responder {
    /// A person of the team.
    Team,
    /// The assistant.
    Bot,
}

/// One run of visitor messages and its answer. Stored as `[askedAt, answeredAt, by]`: a
/// thread keeps up to [`KEPT_REPLIES`] of them, and field names would be half its figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "(u64, u64, Responder)", into = "(u64, u64, Responder)")]
pub struct Reply {
    /// The run's first visitor message (ms).
    pub asked_at: u64,
    /// The next team or bot message (ms).
    pub answered_at: u64,
    /// Who answered.
    pub by: Responder,
}

impl From<(u64, u64, Responder)> for Reply {
    fn from((asked_at, answered_at, by): (u64, u64, Responder)) -> Self {
        Reply {
            asked_at,
            answered_at,
            by,
        }
    }
}

impl From<Reply> for (u64, u64, Responder) {
    fn from(reply: Reply) -> Self {
        (reply.asked_at, reply.answered_at, reply.by)
    }
}

impl Reply {
    /// How long the visitor waited, in ms.
    pub fn wait(&self) -> u64 {
        self.answered_at.saturating_sub(self.asked_at)
    }
}

/// A visitor's rating as the figures keep it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rated {
    /// When (ms).
    pub at: u64,
    /// 1 to 5.
    pub score: u8,
    /// The visitor's comment, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A handover from the bot to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandedOver {
    /// When (ms).
    pub at: u64,
    /// Why.
    pub reason: Handover,
}

/// Maps the assistant's reasons onto the report's three.
pub fn handover_of(reason: HandoffReason) -> Handover {
    match reason {
        HandoffReason::Asked | HandoffReason::Keyword | HandoffReason::Requested => {
            Handover::VisitorAsked
        }
        HandoffReason::Unsure => Handover::BotUnsure,
    }
}

/// Something that happened in a thread, as the figures need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A message was stored. The assistant's handover notice is not a message here (it is
    /// a [`Event::HandedOver`]), nor are the relay's own notes (`Author::System`, ignored).
    Message {
        /// Who wrote it.
        author: Author,
        /// Where.
        channel: Channel,
        /// When (ms).
        at: u64,
    },
    /// The team resolved the thread.
    Resolved {
        /// When (ms).
        at: u64,
    },
    /// The thread was reopened.
    Reopened,
    /// The visitor rated the conversation.
    Rated {
        /// When (ms).
        at: u64,
        /// 1 to 5.
        score: u8,
        /// The visitor's comment.
        comment: Option<&'a str>,
    },
    /// The bot handed the thread to a person.
    HandedOver {
        /// When (ms).
        at: u64,
        /// Why.
        reason: Handover,
    },
}

/// What one thread contributes to its brand's figures (in the thread's `meta`, and in the
/// brand's roll-up). Compact: times in ms, absent fields skipped; tolerant: every field
/// has a default, so older copies decode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ThreadFigures {
    /// The thread.
    pub thread: ThreadId,
    /// Bumped by every observed event: the object is the thread's only writer, so a higher
    /// version is always the newer copy. (Not the latest `seq`: a rating or a resolution
    /// may change the figures without storing a message.)
    pub version: u64,
    /// When the conversation started (the session that created the thread, ms).
    pub started_at: u64,
    /// Every channel the visitor wrote on, the first first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// The visitor's language (a BCP 47 tag), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The path of the page the conversation started on (no query, no fragment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The visitor's first message (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_visitor_at: Option<u64>,
    /// The first visitor message not answered yet (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_since: Option<u64>,
    /// Every answered run, the earliest first (at most [`KEPT_REPLIES`]); the first is the
    /// first reply.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<Reply>,
    /// The latest resolution (ms), absent while the thread is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<u64>,
    /// How many times it was reopened.
    #[serde(skip_serializing_if = "is_zero")]
    pub reopened: u32,
    /// The visitor's ratings, the latest last (at most [`KEPT_RATINGS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<Rated>,
    /// The bot's answers.
    #[serde(skip_serializing_if = "is_zero")]
    pub bot_answers: u32,
    /// Handovers to a person (at most [`KEPT_HANDOVERS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handovers: Vec<HandedOver>,
}

impl Default for ThreadFigures {
    fn default() -> Self {
        ThreadFigures {
            thread: ThreadId::new(String::new()),
            version: 0,
            started_at: 0,
            channels: Vec::new(),
            language: None,
            page: None,
            first_visitor_at: None,
            waiting_since: None,
            replies: Vec::new(),
            resolved_at: None,
            reopened: 0,
            ratings: Vec::new(),
            bot_answers: 0,
            handovers: Vec::new(),
        }
    }
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

impl ThreadFigures {
    /// A thread's figures as its session creates it: when, the page's address (only its
    /// path is kept) and the visitor's language, if the widget sent them.
    pub fn new(
        thread: ThreadId,
        started_at: u64,
        page: Option<&str>,
        language: Option<&str>,
    ) -> Self {
        ThreadFigures {
            thread,
            started_at,
            page: page.and_then(page_path),
            language: language.map(str::to_owned),
            ..ThreadFigures::default()
        }
    }

    /// Takes one event into the figures (in the commit that stores it).
    pub fn observe(&mut self, event: Event<'_>) {
        self.version += 1;
        match event {
            Event::Message {
                author: Author::Visitor,
                channel,
                at,
            } => {
                if !self.channels.contains(&channel) {
                    self.channels.push(channel);
                }
                self.first_visitor_at.get_or_insert(at);
                self.waiting_since.get_or_insert(at);
            }
            Event::Message {
                author: author @ (Author::Agent | Author::Bot),
                at,
                ..
            } => {
                let by = if author == Author::Bot {
                    self.bot_answers += 1;
                    Responder::Bot
                } else {
                    Responder::Team
                };
                if let Some(asked_at) = self.waiting_since.take() {
                    if self.replies.len() < KEPT_REPLIES {
                        self.replies.push(Reply {
                            asked_at,
                            answered_at: at,
                            by,
                        });
                    }
                }
            }
            Event::Message { .. } => {}
            Event::Resolved { at } => self.resolved_at = Some(at),
            Event::Reopened => {
                if self.resolved_at.take().is_some() {
                    self.reopened += 1;
                }
            }
            Event::Rated { at, score, comment } => {
                if self.ratings.len() == KEPT_RATINGS {
                    self.ratings.remove(0);
                }
                self.ratings.push(Rated {
                    at,
                    score,
                    comment: comment.map(str::to_owned),
                });
            }
            Event::HandedOver { at, reason } => {
                if self.handovers.len() < KEPT_HANDOVERS {
                    self.handovers.push(HandedOver { at, reason });
                }
            }
        }
    }

    /// The first reply, if any.
    pub fn first_reply(&self) -> Option<&Reply> {
        self.replies.first()
    }

    /// The channel the visitor first wrote on.
    pub fn first_channel(&self) -> Option<Channel> {
        self.channels.first().copied()
    }

    /// The visitor's latest rating.
    pub fn rating(&self) -> Option<&Rated> {
        self.ratings.last()
    }
}

/// The path of a page's address: no query or fragment (they may carry personal data), or
/// `None` for something that is not an address.
pub fn page_path(page: &str) -> Option<String> {
    // A relative page is read against a placeholder origin, which only its path survives.
    let base = url::Url::parse("https://page.invalid/").ok()?;
    let url = base.join(page.trim()).ok()?;
    Some(url.path().to_owned())
}

/// A brand's threads' figures, the newest copy of each (the per-brand object keeps this).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    threads: HashMap<ThreadId, ThreadFigures>,
    /// Erased threads: a copy still on its way when the thread was erased stays out.
    erased: HashSet<ThreadId>,
}

impl Rollup {
    /// An empty roll-up.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes a copy of a thread's figures unless a copy as new or newer is already kept
    /// (late and repeated copies change nothing), or the thread was erased; whether it was
    /// taken.
    pub fn offer(&mut self, figures: ThreadFigures) -> bool {
        if self.erased.contains(&figures.thread) {
            return false;
        }
        match self.threads.get(&figures.thread) {
            Some(kept) if kept.version >= figures.version => false,
            _ => {
                self.threads.insert(figures.thread.clone(), figures);
                true
            }
        }
    }

    /// Forgets an erased thread.
    pub fn forget(&mut self, thread: &ThreadId) {
        self.threads.remove(thread);
        self.erased.insert(thread.clone());
    }

    /// The kept figures, in no order.
    pub fn threads(&self) -> impl Iterator<Item = &ThreadFigures> {
        self.threads.values()
    }

    /// The kept copy of one thread.
    pub fn get(&self, thread: &ThreadId) -> Option<&ThreadFigures> {
        self.threads.get(thread)
    }

    /// The report of `query` over the kept threads.
    pub fn report(&self, query: &Query<'_>, zone: &dyn ZoneClock) -> Insights {
        report::insights(self.threads.values(), query, zone)
    }
}
