//! The thread's side of resolution and ratings ([`crate::resolution`]): its
//! [`ResolutionState`] in `meta`, the [`ResolutionCall`]s of the team and the visitor, and
//! what a stored message changes (a visitor's reopens a resolved thread and ends a team
//! reply's quiet; a person's starts it).
//!
//! Each change is one commit with what it tells: the visitor's system line (a resolution),
//! the team's note in its topic (`Target::TeamNote`), and the backend's `thread.resolved`,
//! `thread.reopened` or `thread.rated` event, whose job carries the rating.

use super::{now, Outcome, Thread};
use crate::connector::webhook::EventKind;
use crate::delivery::{Target, VisitorContext};
use crate::edge::resolution::{ResolutionAnswer, ResolutionCall};
use crate::edge::thread::Append;
use crate::error::RelayError;
use crate::insights::Event;
use crate::resolution::{texts, By, Rating, Refusal, ResolutionState};
use confab_protocol::{
    Author, BrandId, Channel, ClientMessageId, Message, RatingStatus, RESOLVED_CLIENT_ID_PREFIX,
};

/// Where the thread keeps its [`ResolutionState`] in `meta`.
const STATE_KEY: &str = "resolution";

impl Thread {
    fn resolution_state(&self) -> Outcome<ResolutionState> {
        Ok(self.meta_json(STATE_KEY)?.unwrap_or_default())
    }

    fn set_resolution_state(&self, state: &ResolutionState) -> Outcome<()> {
        self.set_meta_json(STATE_KEY, state)
    }

    /// Whether the thread is resolved, and whether a rating is wanted now or was given,
    /// for the visitor's session.
    pub(super) fn resolution_status(&self) -> Outcome<(bool, Option<RatingStatus>)> {
        let state = self.resolution_state()?;
        let policy = self.policy()?;
        let rating = state.rating_status(policy.ratings.as_ref(), now());
        Ok((state.resolved, rating))
    }

    /// The rating a job carries: the latest, for a `thread.rated` event; none otherwise.
    pub(super) fn rating_for(&self, target: &Target) -> Outcome<Option<Rating>> {
        match target {
            Target::Webhook {
                event: EventKind::ThreadRated,
            } => Ok(self.resolution_state()?.latest_rating().cloned()),
            _ => Ok(None),
        }
    }

    /// What a newly stored message changes: a visitor's reopens a resolved thread (the
    /// team and the backend are told) and ends the quiet after a team reply; a person's
    /// reply starts that quiet. Returns the lanes to [`Thread::pump`]; synchronous, so that
    /// it commits with the message.
    pub(super) fn plan_resolution(&self, message: &Message) -> Outcome<Vec<String>> {
        let state = self.resolution_state()?;
        match message.author {
            Author::Visitor => {
                let (next, reopened) = state.on_visitor_message();
                if next != state {
                    self.set_resolution_state(&next)?;
                }
                match reopened {
                    true => {
                        self.observe(Event::Reopened)?;
                        self.tell_reopened(By::Visitor, Some(message.clone()))
                    }
                    false => Ok(Vec::new()),
                }
            }
            Author::Agent => {
                let next = state.on_team_reply(message.created_at.0);
                if next != state {
                    self.set_resolution_state(&next)?;
                }
                Ok(Vec::new())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// The team's note and the backend's `thread.reopened` (with the visitor's message
    /// that reopened it, if one did). Returns their lanes.
    fn tell_reopened(&self, by: By, message: Option<Message>) -> Outcome<Vec<String>> {
        let policy = self.policy()?;
        let mut lanes = Vec::new();
        if policy.forward.telegram {
            let note = Target::TeamNote {
                text: texts::team_resolution(false, by),
            };
            lanes.push(self.add_job(note, None)?);
        }
        if policy.forward.webhook {
            let event = Target::Webhook {
                event: EventKind::ThreadReopened,
            };
            lanes.push(self.add_job(event, message)?);
        }
        Ok(lanes)
    }

    /// Marks the thread resolved: the visitor's system line (in their language), the
    /// team's note, the backend's `thread.resolved` with the line. Returns the lanes;
    /// synchronous.
    fn resolve(&self, next: &ResolutionState, by: By) -> Outcome<Vec<String>> {
        self.set_resolution_state(next)?;
        self.observe(Event::Resolved { at: now() })?;
        let policy = self.policy()?;
        let language = self
            .meta("context")?
            .and_then(|json| serde_json::from_str::<VisitorContext>(&json).ok())
            .and_then(|context| context.language);
        let (line, created) = self.append(Append {
            // One notice per resolution, however often the call is repeated.
            client_id: ClientMessageId::new(format!("{RESOLVED_CLIENT_ID_PREFIX}{}", next.rounds)),
            text: texts::resolved(language.as_deref()).to_string(),
            author: Author::System,
            channel: Channel::Web,
            sender: None,
            attachments: Vec::new(),
            policy: policy.clone(),
            replies: Vec::new(),
        })?;
        if !created {
            return Ok(Vec::new());
        }
        let mut lanes = self.plan_forwarding(&line)?;
        if policy.forward.telegram {
            let note = Target::TeamNote {
                text: texts::team_resolution(true, by),
            };
            lanes.push(self.add_job(note, None)?);
        }
        if policy.forward.webhook {
            let event = Target::Webhook {
                event: EventKind::ThreadResolved,
            };
            lanes.push(self.add_job(event, Some(line))?);
            // The CRM's summary, after the notice (same lane, so in this order).
            let closed = Target::Webhook {
                event: EventKind::ThreadClosed,
            };
            lanes.push(self.add_job(closed, None)?);
        }
        Ok(lanes)
    }

    /// Keeps the visitor's rating (once while one is wanted), tells the team in its topic
    /// and the backend with `thread.rated`. Returns the lanes; synchronous.
    fn rate(&self, rating: Rating) -> Outcome<Vec<String>> {
        let state = self.resolution_state()?;
        let policy = self.policy()?;
        let next = state
            .rate(rating.clone(), policy.ratings.as_ref(), now())
            .map_err(|refusal| match refusal {
                Refusal::AlreadyRated => RelayError::AlreadyRated,
                Refusal::NotWanted => RelayError::RatingNotWanted,
            })?;
        self.set_resolution_state(&next)?;
        self.observe(Event::Rated {
            at: now(),
            score: rating.score,
            comment: rating.comment.as_deref(),
        })?;
        let mut lanes = Vec::new();
        if policy.forward.telegram {
            let note = Target::TeamNote {
                text: texts::team_rating(&rating),
            };
            lanes.push(self.add_job(note, None)?);
        }
        if policy.forward.webhook {
            let event = Target::Webhook {
                event: EventKind::ThreadRated,
            };
            lanes.push(self.add_job(event, None)?);
        }
        Ok(lanes)
    }

    fn same_brand(&self, brand: &BrandId) -> Outcome<()> {
        match self.policy()?.brand == *brand {
            true => Ok(()),
            false => Err(RelayError::NotFound("thread".into())),
        }
    }

    /// Answers a [`ResolutionCall`].
    pub(super) async fn resolution(&self, call: ResolutionCall) -> Outcome<ResolutionAnswer> {
        let lanes = match call {
            ResolutionCall::Resolve { brand, by } => {
                self.same_brand(&brand)?;
                match self.resolution_state()?.resolve() {
                    Some(next) => self.resolve(&next, by)?,
                    // Resolved already: nothing to tell anyone again.
                    None => Vec::new(),
                }
            }
            ResolutionCall::Reopen { brand, by } => {
                self.same_brand(&brand)?;
                match self.resolution_state()?.reopen() {
                    Some(next) => {
                        self.set_resolution_state(&next)?;
                        self.observe(Event::Reopened)?;
                        self.tell_reopened(by, None)?
                    }
                    None => Vec::new(),
                }
            }
            ResolutionCall::Rate { brand, rating } => {
                self.same_brand(&brand)?;
                self.rate(rating)?
            }
        };
        for lane in lanes {
            // The jobs are stored; one that does not reach the queue now is sent by the
            // alarm.
            if let Err(error) = self.pump(&lane).await {
                worker::console_error!("sending a resolution job: {error}");
            }
        }
        let (resolved, rating) = self.resolution_status()?;
        Ok(ResolutionAnswer { resolved, rating })
    }
}
