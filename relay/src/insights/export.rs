//! The report and the conversations as CSV (RFC 4180, through the `csv` crate), for the
//! console's and the agent API's exports. Times are ms since the epoch, durations ms; an
//! empty cell is a figure that does not exist (no reply, no rating). Free text (a rating's
//! comment, a page, a message) is guarded against spreadsheet formulas ([`cell`]). The
//! messages' part is [`messages`].

pub mod messages;

pub use messages::{cell, messages_csv, Conversation, ConversationPage, ExportedMessage};

use super::report::channel_code;
use super::{Responder, ThreadFigures};
use crate::error::RelayError;
use confab_protocol::insights::{Count, Durations, Figures, Insights};

/// The report's figures, one per line: `metric,current,previous`. Counts by key are named
/// `channel:web`, `page:/pricing`, `weekHour:0` (Monday 00:00, in the brand's zone), … .
pub fn metrics_csv(insights: &Insights) -> Result<String, RelayError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["metric", "current", "previous"])
        .map_err(internal)?;
    let (current, previous) = (rows(&insights.current), rows(&insights.previous));
    let mut names: Vec<&String> = current.iter().map(|(name, _)| name).collect();
    for (name, _) in &previous {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let find = |rows: &[(String, String)], name: &str| {
        rows.iter()
            .find(|(row, _)| row == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    for name in names {
        out.write_record([name.as_str(), &find(&current, name), &find(&previous, name)])
            .map_err(internal)?;
    }
    finish(out)
}

/// One set of figures as `(metric, value)` rows.
fn rows(figures: &Figures) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = [
        ("started", figures.started),
        ("withVisitorMessage", figures.with_visitor_message),
        ("answered", figures.answered),
        ("unanswered", figures.unanswered),
        ("waiting", figures.waiting),
        ("unansweredBusiness", figures.unanswered_business),
        ("resolved", figures.resolved),
        ("assistantAnswered", figures.assistant.answered),
        ("ratings", figures.ratings.count),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_string()))
    .collect();
    for (name, durations) in [
        ("firstReply", figures.first_reply),
        ("firstReplyBusiness", figures.first_reply_business),
        ("reply", figures.reply),
        ("replyBusiness", figures.reply_business),
        ("resolution", figures.resolution),
    ] {
        rows.extend(percentiles(name, durations));
    }
    rows.push((
        "ratingAverage".into(),
        figures
            .ratings
            .average
            .map(|a| a.to_string())
            .unwrap_or_default(),
    ));
    for (score, count) in figures.ratings.distribution.iter().enumerate() {
        rows.push((format!("rating:{}", score + 1), count.to_string()));
    }
    for (prefix, counts) in [
        ("channel", &figures.channels),
        ("language", &figures.languages),
        ("page", &figures.pages),
        ("handedOver", &figures.assistant.handed_over),
    ] {
        rows.extend(keyed(prefix, counts));
    }
    for (hour, count) in figures.week_hours.iter().enumerate() {
        rows.push((format!("weekHour:{hour}"), count.to_string()));
    }
    rows
}

fn percentiles(name: &str, durations: Durations) -> [(String, String); 3] {
    let ms = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
    [
        (format!("{name}Count"), durations.count.to_string()),
        (format!("{name}P50Ms"), ms(durations.p50_ms)),
        (format!("{name}P90Ms"), ms(durations.p90_ms)),
    ]
}

fn keyed<'a>(prefix: &'a str, counts: &'a [Count]) -> impl Iterator<Item = (String, String)> + 'a {
    counts
        .iter()
        .map(move |count| (format!("{prefix}:{}", count.key), count.count.to_string()))
}

/// The columns of [`conversations_csv`].
pub const CONVERSATION_COLUMNS: [&str; 17] = [
    "thread",
    "startedAt",
    "channel",
    "channels",
    "language",
    "page",
    "firstVisitorAt",
    "firstReplyAt",
    "firstReplyBy",
    "firstReplyMs",
    "replies",
    "resolvedAt",
    "reopened",
    "rating",
    "ratingComment",
    "botAnswers",
    "handedOver",
];

/// One row per conversation, the earliest started first (then by thread id).
pub fn conversations_csv<'a>(
    threads: impl Iterator<Item = &'a ThreadFigures>,
) -> Result<String, RelayError> {
    let mut threads: Vec<&ThreadFigures> = threads.collect();
    threads.sort_by(|a, b| (a.started_at, &a.thread).cmp(&(b.started_at, &b.thread)));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CONVERSATION_COLUMNS).map_err(internal)?;
    let text = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
    for thread in threads {
        let first = thread.first_reply();
        let channels: Vec<&str> = thread.channels.iter().map(|c| channel_code(*c)).collect();
        out.write_record([
            thread.thread.as_str().to_owned(),
            thread.started_at.to_string(),
            thread
                .first_channel()
                .map(channel_code)
                .unwrap_or("")
                .to_owned(),
            channels.join(" "),
            thread.language.clone().unwrap_or_default(),
            cell(thread.page.as_deref().unwrap_or_default()).into_owned(),
            text(thread.first_visitor_at),
            text(first.map(|reply| reply.answered_at)),
            match first.map(|reply| reply.by) {
                Some(Responder::Team) => "team".into(),
                Some(Responder::Bot) => "bot".into(),
                None => String::new(),
            },
            text(first.map(|reply| reply.wait())),
            thread.replies.len().to_string(),
            text(thread.resolved_at),
            thread.reopened.to_string(),
            text(thread.rating().map(|rating| u64::from(rating.score))),
            cell(
                thread
                    .rating()
                    .and_then(|rating| rating.comment.as_deref())
                    .unwrap_or_default(),
            )
            .into_owned(),
            thread.bot_answers.to_string(),
            thread
                .handovers
                .first()
                .map(|handover| handover.reason.code())
                .unwrap_or("")
                .to_owned(),
        ])
        .map_err(internal)?;
    }
    finish(out)
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<String, RelayError> {
    let bytes = out
        .into_inner()
        .map_err(|error| internal(error.into_error()))?;
    String::from_utf8(bytes).map_err(|error| RelayError::Internal(error.to_string()))
}

fn internal(error: impl std::fmt::Display) -> RelayError {
    RelayError::Internal(format!("csv: {error}"))
}
