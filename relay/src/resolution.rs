//! Resolution and satisfaction ratings (issue 17), in pure code: a thread the team marks
//! resolved (`/resolve` in its Telegram topic, or the agent API) and reopens (`/reopen`,
//! the API, or simply the visitor writing again), and the visitor's 1–5 rating of how it
//! went, asked for once after a resolution or after the brand's quiet time following a
//! team reply.
//!
//! The thread's object keeps a [`ResolutionState`] in its `meta` and moves it with the
//! functions here; what the visitor, the team and the backend are told is decided by the
//! edge (`edge/thread/object/resolution.rs`) from what these return. Time is a parameter
//! everywhere (milliseconds), so the rules are tested without waiting.
//!
//! [`replies`]: the quick replies a bot or team message may offer, and how they read where
//! no button can be shown.

pub mod replies;
pub mod texts;

#[cfg(test)]
mod tests;

use confab_protocol::RatingStatus;
use serde::{Deserialize, Serialize};

/// The longest comment a rating may carry, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The lowest and highest scores.
pub const SCORES: std::ops::RangeInclusive<u8> = 1..=5;

/// The longest quiet time a brand may set before a rating is asked for: thirty days.
pub const MAX_QUIET_SECONDS: u32 = 30 * 24 * 60 * 60;

/// How many past ratings a thread keeps (the latest last).
pub const KEPT_RATINGS: usize = 20;

/// A brand's rating settings (`ratings` in its settings; absent: a rating is asked for
/// after a resolution only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatingSettings {
    /// Ask for a rating once the team's last reply has had no answer from the visitor for
    /// this long, in seconds (absent: only after a resolution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_quiet_seconds: Option<u32>,
}

impl RatingSettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        match self.after_quiet_seconds {
            Some(seconds) if seconds == 0 || seconds > MAX_QUIET_SECONDS => Err(format!(
                "ratings.afterQuietSeconds must be from 1 to {MAX_QUIET_SECONDS}, not {seconds}"
            )),
            _ => Ok(()),
        }
    }
}

/// A visitor's rating as the API takes it: `{"score": 1..5, "comment"?: "…"}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// The score, checked by [`RatingRequest::validated`] (a number of any form is read,
    /// so that `4.5` or `9` is refused as a bad rating rather than as bad JSON).
    pub score: f64,
    /// What the visitor adds, if anything.
    #[serde(default)]
    pub comment: Option<String>,
}

impl RatingRequest {
    /// The rating, if the score is a whole number from 1 to 5 and the comment at most
    /// [`MAX_COMMENT_CHARS`] characters (trimmed; an empty comment is none); else why not.
    pub fn validated(self) -> Result<Rating, String> {
        let score = self.score;
        let range = f64::from(*SCORES.start())..=f64::from(*SCORES.end());
        let whole = score.fract() == 0.0 && range.contains(&score);
        if !whole {
            return Err(format!(
                "score must be a whole number from 1 to 5, not {score}"
            ));
        }
        let comment = self
            .comment
            .map(|comment| comment.trim().to_string())
            .filter(|comment| !comment.is_empty());
        if let Some(comment) = &comment {
            let chars = comment.chars().count();
            if chars > MAX_COMMENT_CHARS {
                return Err(format!(
                    "comment is {chars} characters; at most {MAX_COMMENT_CHARS}"
                ));
            }
            if comment.chars().any(|c| c.is_control() && c != '\n') {
                return Err("comment has control characters".into());
            }
        }
        Ok(Rating {
            // In range and whole, checked above.
            score: score as u8,
            comment,
        })
    }
}

/// A visitor's rating, as the thread keeps it and the backend receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    /// 1 (bad) to 5 (very good).
    pub score: u8,
    /// What the visitor added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A rating with when it was given, as the thread keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rated {
    /// The rating.
    #[serde(flatten)]
    pub rating: Rating,
    /// When (ms).
    pub at: u64,
}

/// What the thread remembers about its resolution and ratings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionState {
    /// Resolved now.
    #[serde(default)]
    pub resolved: bool,
    /// How many times it was resolved (names each resolution's notice, so that a repeated
    /// call adds nothing).
    #[serde(default)]
    pub rounds: u32,
    /// When the team last replied with no visitor message since (ms), for the quiet time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_reply_at: Option<u64>,
    /// Whether the visitor rated since the thread last reopened or they last wrote: a
    /// rating covers the conversation up to there, and is asked for once.
    #[serde(default)]
    pub rated: bool,
    /// The ratings given, the latest last (at most [`KEPT_RATINGS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<Rated>,
}

/// Who changed a thread's resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum By {
    /// The team, in the thread's Telegram topic.
    Telegram,
    /// The team, through the agent API.
    Api,
    /// The visitor, by writing again.
    Visitor,
}

/// Why a rating is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The visitor rated this conversation already.
    AlreadyRated,
    /// Nothing to rate yet: not resolved, and no quiet team reply.
    NotWanted,
}

impl ResolutionState {
    /// Marks the thread resolved; `None` if it is already (nothing to do or tell).
    pub fn resolve(&self) -> Option<ResolutionState> {
        (!self.resolved).then(|| ResolutionState {
            resolved: true,
            rounds: self.rounds + 1,
            ..self.clone()
        })
    }

    /// Reopens the thread; `None` if it is not resolved. A reopened conversation is a new
    /// one to rate.
    pub fn reopen(&self) -> Option<ResolutionState> {
        self.resolved.then(|| ResolutionState {
            resolved: false,
            rated: false,
            ..self.clone()
        })
    }

    /// A visitor's message: it reopens a resolved thread (`true` when it did), ends the
    /// team reply's quiet, and starts a new conversation to rate.
    pub fn on_visitor_message(&self) -> (ResolutionState, bool) {
        let next = ResolutionState {
            resolved: false,
            team_reply_at: None,
            rated: false,
            ..self.clone()
        };
        (next, self.resolved)
    }

    /// A person of the team replied at `at` (ms): the quiet time starts (from the first
    /// reply the visitor has not answered).
    pub fn on_team_reply(&self, at: u64) -> ResolutionState {
        ResolutionState {
            team_reply_at: self.team_reply_at.or(Some(at)),
            ..self.clone()
        }
    }

    /// Whether a rating is wanted or given at `now` (ms), by the brand's settings: wanted
    /// once the thread is resolved, or once the team's unanswered reply is older than the
    /// brand's quiet time; given once the visitor rated that; else nothing.
    pub fn rating_status(
        &self,
        settings: Option<&RatingSettings>,
        now: u64,
    ) -> Option<RatingStatus> {
        let quiet = settings
            .and_then(|settings| settings.after_quiet_seconds)
            .zip(self.team_reply_at)
            .is_some_and(|(seconds, at)| now >= at.saturating_add(u64::from(seconds) * 1000));
        match (self.resolved || quiet, self.rated) {
            (_, true) => Some(RatingStatus::Given),
            (true, false) => Some(RatingStatus::Wanted),
            (false, false) => None,
        }
    }

    /// The visitor's rating at `now`: accepted once while one is wanted.
    pub fn rate(
        &self,
        rating: Rating,
        settings: Option<&RatingSettings>,
        now: u64,
    ) -> Result<ResolutionState, Refusal> {
        match self.rating_status(settings, now) {
            Some(RatingStatus::Wanted) => {}
            Some(RatingStatus::Given) => return Err(Refusal::AlreadyRated),
            _ => return Err(Refusal::NotWanted),
        }
        let mut ratings = self.ratings.clone();
        ratings.push(Rated { rating, at: now });
        let excess = ratings.len().saturating_sub(KEPT_RATINGS);
        ratings.drain(..excess);
        Ok(ResolutionState {
            rated: true,
            ratings,
            ..self.clone()
        })
    }

    /// The latest rating, if any.
    pub fn latest_rating(&self) -> Option<&Rating> {
        self.ratings.last().map(|rated| &rated.rating)
    }
}

/// A team command in a thread's topic: `/resolve` or `/reopen` (Telegram may add the bot's
/// name, `/resolve@acme_bot`; nothing may follow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Mark the thread resolved.
    Resolve,
    /// Reopen it.
    Reopen,
}

/// The command a topic message is, if it is one.
pub fn command(text: &str) -> Option<Command> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    if words.next().is_some() {
        return None;
    }
    let (name, _bot) = first.split_once('@').unwrap_or((first, ""));
    if name.eq_ignore_ascii_case("/resolve") {
        Some(Command::Resolve)
    } else if name.eq_ignore_ascii_case("/reopen") {
        Some(Command::Reopen)
    } else {
        None
    }
}
