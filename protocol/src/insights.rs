//! Wire types of a brand's Insights report (issue 19): what the console draws and the agent
//! API exports.
//!
//! A report covers a range `[from, to)` of milliseconds. A conversation counts in the range
//! its thread *started* in (a cohort), and every figure of it — answers, reply times,
//! resolution, rating — counts there too, so a report never mixes halves of conversations.
//! Durations are milliseconds; "business" durations count only the brand's opening hours in
//! its zone (wall-clock where the brand has no hours). Percentiles are nearest-rank: the
//! p-th percentile of n sorted values is the value at rank ⌈p·n/100⌉ (1-based). Every
//! field has a default, so a report missing newer figures still decodes.

use crate::ids::Timestamp;
use serde::{Deserialize, Serialize};

/// The hours of a week, as the heatmap's cells: `(weekday − 1) · 24 + hour`, Monday first.
pub const WEEK_HOURS: usize = 7 * 24;

/// A brand's Insights over a range, beside the period of equal length just before it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Insights {
    /// The range's first millisecond.
    pub from: Timestamp,
    /// The millisecond after the range.
    pub to: Timestamp,
    /// The figures of conversations started in the range.
    pub current: Figures,
    /// The same figures for `[from − (to − from), from)`, for comparison.
    pub previous: Figures,
    /// One entry per day of the range in the brand's zone, for charts.
    #[serde(default)]
    pub days: Vec<DayFigures>,
}

/// The figures of a set of conversations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Figures {
    /// Conversations started.
    pub started: u32,
    /// Of those, conversations where the visitor wrote.
    pub with_visitor_message: u32,
    /// Answered by the team or the bot within 24 hours of the visitor's first message.
    pub answered: u32,
    /// Not answered within 24 hours of the visitor's first message (answered later, or
    /// never, the 24 hours having passed).
    pub unanswered: u32,
    /// Neither yet: the visitor's first message is less than 24 hours old and unanswered.
    /// `answered + unanswered + waiting = with_visitor_message`.
    pub waiting: u32,
    /// Not answered within 24 *business* hours (24 hours of the brand's opening time after
    /// the visitor's first message), those 24 business hours having passed.
    pub unanswered_business: u32,
    /// Resolved (and not reopened since).
    pub resolved: u32,
    /// From the visitor's first message to the first answer, wall-clock.
    pub first_reply: Durations,
    /// The same in business hours.
    pub first_reply_business: Durations,
    /// Every answer: from the first unanswered visitor message of a run to the next team or
    /// bot message, wall-clock.
    pub reply: Durations,
    /// The same in business hours.
    pub reply_business: Durations,
    /// From the conversation's start to its (latest) resolution, wall-clock.
    pub resolution: Durations,
    /// Conversations started in each hour of the week in the brand's zone ([`WEEK_HOURS`]
    /// cells, Monday 00:00 first).
    #[serde(default)]
    pub week_hours: Vec<u32>,
    /// Conversations by the channel the visitor first wrote on (`web`, `whatsapp`, …).
    #[serde(default)]
    pub channels: Vec<Count>,
    /// Conversations by the visitor's language (`und` where unknown).
    #[serde(default)]
    pub languages: Vec<Count>,
    /// Conversations by the page (path only) they started on: the most frequent first, then
    /// one `other` entry for the rest.
    #[serde(default)]
    pub pages: Vec<Count>,
    /// What the assistant did.
    pub assistant: AssistantFigures,
    /// The visitors' ratings.
    pub ratings: RatingFigures,
}

/// Percentiles of a set of durations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Durations {
    /// How many durations there were.
    pub count: u32,
    /// The median (nearest-rank), in milliseconds; absent with no durations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<u64>,
    /// The 90th percentile (nearest-rank), in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90_ms: Option<u64>,
}

/// How many conversations had a key (a channel, a language, a page, a reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    /// The key.
    pub key: String,
    /// How many.
    pub count: u32,
}

/// Why a conversation went from the bot to a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Handover {
    /// The visitor asked for a person (in words, a keyword, or a button).
    VisitorAsked,
    /// The bot was not sure of its answers.
    BotUnsure,
    /// A person of the team answered while the bot was on.
    TeamTookOver,
    /// A reason this version does not know.
    #[serde(other)]
    Unknown,
}

impl Handover {
    /// The stable code, as in JSON and CSV.
    pub fn code(self) -> &'static str {
        match self {
            Handover::VisitorAsked => "visitorAsked",
            Handover::BotUnsure => "botUnsure",
            Handover::TeamTookOver => "teamTookOver",
            Handover::Unknown => "unknown",
        }
    }
}

/// What the assistant did in a set of conversations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AssistantFigures {
    /// The bot's answers.
    pub answered: u32,
    /// Conversations the bot handed to a person, by [`Handover::code`].
    #[serde(default)]
    pub handed_over: Vec<Count>,
}

/// The visitors' ratings of a set of conversations (each conversation's latest rating).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RatingFigures {
    /// Conversations rated.
    pub count: u32,
    /// Their average score (1 to 5); absent with none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average: Option<f64>,
    /// How many scored 1, 2, 3, 4 and 5.
    pub distribution: [u32; 5],
    /// The comments, latest first, a few.
    #[serde(default)]
    pub comments: Vec<RatingComment>,
}

/// A rating's comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingComment {
    /// When the visitor rated.
    pub at: Timestamp,
    /// The score.
    pub score: u8,
    /// What they wrote.
    pub comment: String,
}

/// One day's figures, for charts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DayFigures {
    /// The day in the brand's zone, `YYYY-MM-DD`.
    pub date: String,
    /// Conversations started that day.
    pub started: u32,
    /// Of those, answered within 24 hours.
    pub answered: u32,
    /// Of those, not answered within 24 hours.
    pub unanswered: u32,
    /// Of those, resolved.
    pub resolved: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_decode_tolerantly() {
        let report: Insights = serde_json::from_str(
            r#"{"from":1,"current":{"started":2,"assistant":{"handedOver":[{"key":"x","count":1}]},"later":[]},"days":[{"date":"2026-12-01"}]}"#,
        )
        .unwrap();
        assert_eq!((report.from.0, report.to.0), (1, 0));
        assert_eq!(report.current.started, 2);
        assert_eq!(report.current.assistant.handed_over[0].count, 1);
        assert_eq!(report.days[0].started, 0);
        assert_eq!(report.previous, Figures::default());
        let reasons: Vec<Handover> =
            serde_json::from_str(r#"["visitorAsked","botUnsure","teamTookOver","later"]"#).unwrap();
        assert_eq!(
            reasons
                .iter()
                .map(|reason| reason.code())
                .collect::<Vec<_>>(),
            ["visitorAsked", "botUnsure", "teamTookOver", "unknown"]
        );
    }

    #[test]
    fn absent_figures_are_left_out() {
        let json = serde_json::to_string(&Durations::default()).unwrap();
        assert_eq!(json, r#"{"count":0}"#);
    }
}
