//! The thread's own Insights figures ([`crate::insights::ThreadFigures`]): kept in `meta`
//! under [`FIGURES_KEY`] and updated by [`Thread::observe`] in the same synchronous stretch
//! as the change it counts (a stored message, a resolution or reopening, a rating, a
//! handover), so the figures commit with their cause. They leave the object only inside
//! the thread's listing, which the queue's consumer hands to the brand's `Inbox` object
//! with the batch's other news: no D1 write and no queue message of their own.

use super::{Outcome, Thread};
use crate::connector::webhook::EventKind;
use crate::delivery::{Target, VisitorContext};
use crate::insights::closed::Closed;
use crate::insights::{Event, ThreadFigures};

/// Where the figures are kept in `meta`.
const FIGURES_KEY: &str = "figures";

impl Thread {
    /// The figures as they stand: those kept, or a thread's first, made from its start and
    /// the visitor's context (threads from before figures were kept start here too).
    pub(super) fn figures(&self) -> Outcome<ThreadFigures> {
        if let Some(kept) = self.meta_json::<ThreadFigures>(FIGURES_KEY)? {
            return Ok(kept);
        }
        let started_at = self
            .meta("started_at")?
            .and_then(|started| started.parse::<u64>().ok())
            .unwrap_or_else(super::now);
        let context: VisitorContext = self.meta_json("context")?.unwrap_or_default();
        Ok(ThreadFigures::new(
            self.policy()?.thread,
            started_at,
            context.page.as_deref(),
            context.language.as_deref(),
        ))
    }

    /// Takes `event` into the figures and keeps them. Synchronous: it commits with the
    /// change that caused it.
    pub(super) fn observe(&self, event: Event<'_>) -> Outcome<()> {
        let mut figures = self.figures()?;
        figures.observe(event);
        self.set_meta_json(FIGURES_KEY, &figures)
    }

    /// The figures a job carries: the conversation's summary, for a `thread.closed` event
    /// (made as the thread is resolved); none otherwise.
    pub(super) fn closed_for(&self, target: &Target) -> Outcome<Option<Closed>> {
        match target {
            Target::Webhook {
                event: EventKind::ThreadClosed,
            } => Ok(Closed::of(&self.figures()?)),
            _ => Ok(None),
        }
    }
}
