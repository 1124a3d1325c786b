//! The roll-up: a brand's [`ThreadFigures`] over a range, as the [`Insights`] report, and
//! the expected reply time the widget may show.
//!
//! A conversation counts in the range it started in (see `confab_protocol::insights`).
//! "Answered" is judged on the visitor's first message: answered within 24 hours of it,
//! unanswered once 24 hours have passed without an answer (an answer after that is still
//! an unanswered conversation, the visitor having waited too long), else waiting.
//! "Unanswered in business hours" is the same with 24 hours of the brand's opening time:
//! no answer by the instant when 24 business hours have passed since the first message
//! (hours that never open: never due, so never counted).

use super::business::Opening;
use super::percentile::{durations, nearest_rank};
use super::zone::{self, ZoneClock, DAY_MS, MINUTE_MS};
use super::{Responder, ThreadFigures};
use confab_protocol::insights::{
    Count, DayFigures, Figures, Insights, RatingComment, RatingFigures, WEEK_HOURS,
};
use confab_protocol::{BusinessHours, Timestamp};
use std::collections::BTreeMap;

/// The wait after which a conversation is unanswered, wall-clock or business time.
pub const ANSWER_WITHIN_MS: u64 = 24 * 60 * MINUTE_MS;

/// What a report covers.
#[derive(Clone, Copy, Debug)]
pub struct Query<'a> {
    /// The range's first millisecond.
    pub from: u64,
    /// The millisecond after it.
    pub to: u64,
    /// Now (ms): whether 24 hours have passed is judged at this instant.
    pub now: u64,
    /// The brand's hours (`None`: always open).
    pub hours: Option<&'a BusinessHours>,
    /// How many pages are named before `other`.
    pub top_pages: usize,
    /// How many rating comments are listed.
    pub comments: usize,
}

/// The report of `query` over `threads` (any order; one copy per thread).
pub fn insights<'a>(
    threads: impl Iterator<Item = &'a ThreadFigures> + Clone,
    query: &Query<'_>,
    zone: &dyn ZoneClock,
) -> Insights {
    let opening = Opening::of(query.hours);
    let length = query.to.saturating_sub(query.from);
    let started_in = |from: u64, to: u64| -> Vec<&ThreadFigures> {
        threads
            .clone()
            .filter(|thread| (from..to).contains(&thread.started_at))
            .collect()
    };
    let current = started_in(query.from, query.to);
    let previous = started_in(query.from.saturating_sub(length), query.from);
    Insights {
        from: Timestamp(query.from),
        to: Timestamp(query.to),
        current: figures(&current, query, &opening, zone),
        previous: figures(&previous, query, &opening, zone),
        days: days(&current, query, zone),
    }
}

/// How a conversation's first message fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// No visitor message.
    Silent,
    Answered,
    Unanswered,
    Waiting,
}

fn fate(thread: &ThreadFigures, now: u64, deadline: impl Fn(u64) -> Option<u64>) -> Fate {
    let Some(asked) = thread.first_visitor_at else {
        return Fate::Silent;
    };
    let Some(due) = deadline(asked) else {
        return Fate::Waiting;
    };
    match thread.first_reply() {
        Some(reply) if reply.answered_at <= due => Fate::Answered,
        // Answered after the deadline: the deadline has passed.
        Some(_) => Fate::Unanswered,
        None if now >= due => Fate::Unanswered,
        None => Fate::Waiting,
    }
}

/// The figures of one set of conversations.
fn figures(
    threads: &[&ThreadFigures],
    query: &Query<'_>,
    opening: &Opening,
    zone: &dyn ZoneClock,
) -> Figures {
    let wall = |asked: u64| Some(asked + ANSWER_WITHIN_MS);
    let business = |asked: u64| opening.after(zone, asked, ANSWER_WITHIN_MS);
    let mut figures = Figures {
        started: threads.len() as u32,
        week_hours: vec![0; WEEK_HOURS],
        ..Figures::default()
    };
    let (mut first, mut first_business, mut every, mut every_business, mut resolution) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut channels, mut languages, mut pages, mut handovers) = (
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
    );
    let mut rated = Vec::new();
    for thread in threads {
        match fate(thread, query.now, wall) {
            Fate::Silent => {}
            Fate::Answered => figures.answered += 1,
            Fate::Unanswered => figures.unanswered += 1,
            Fate::Waiting => figures.waiting += 1,
        }
        if thread.first_visitor_at.is_some() {
            figures.with_visitor_message += 1;
        }
        if fate(thread, query.now, business) == Fate::Unanswered {
            figures.unanswered_business += 1;
        }
        if let Some(reply) = thread.first_reply() {
            first.push(reply.wait());
            first_business.push(opening.between(zone, reply.asked_at, reply.answered_at));
        }
        for reply in &thread.replies {
            every.push(reply.wait());
            every_business.push(opening.between(zone, reply.asked_at, reply.answered_at));
        }
        if let Some(resolved) = thread.resolved_at {
            figures.resolved += 1;
            resolution.push(resolved.saturating_sub(thread.started_at));
        }
        let local = zone::local(zone, thread.started_at);
        let hour = usize::from(local.weekday - 1) * 24 + (local.minute / 60) as usize;
        figures.week_hours[hour] += 1;
        if let Some(channel) = thread.first_channel() {
            *channels.entry(channel_code(channel)).or_insert(0) += 1;
        }
        let language = thread.language.as_deref().unwrap_or("und");
        *languages.entry(language.to_owned()).or_insert(0) += 1;
        if let Some(page) = &thread.page {
            *pages.entry(page.clone()).or_insert(0) += 1;
        }
        if let Some(first) = thread.handovers.first() {
            *handovers.entry(first.reason.code()).or_insert(0) += 1;
        }
        figures.assistant.answered += thread.bot_answers;
        rated.extend(thread.rating());
    }
    figures.first_reply = durations(first);
    figures.first_reply_business = durations(first_business);
    figures.reply = durations(every);
    figures.reply_business = durations(every_business);
    figures.resolution = durations(resolution);
    figures.channels = ranked(channels.into_iter().map(|(k, v)| (k.to_owned(), v)));
    figures.languages = ranked(languages);
    figures.pages = top(ranked(pages), query.top_pages);
    figures.assistant.handed_over = ranked(handovers.into_iter().map(|(k, v)| (k.to_owned(), v)));
    figures.ratings = ratings(rated, query.comments);
    figures
}

/// A channel's code, as on the wire (`web`, `whatsapp`, …).
pub fn channel_code(channel: confab_protocol::Channel) -> &'static str {
    use confab_protocol::Channel::*;
    match channel {
        Web => "web",
        Whatsapp => "whatsapp",
        Telegram => "telegram",
        Api => "api",
        Wechat => "wechat",
        Email => "email",
        Console => "console",
        Unknown => "unknown",
    }
}

/// Counts, the largest first, then by key.
fn ranked(counts: impl IntoIterator<Item = (String, u32)>) -> Vec<Count> {
    let mut counts: Vec<Count> = counts
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    counts
}

/// The first `n` counts, and the rest summed as `other`.
fn top(mut counts: Vec<Count>, n: usize) -> Vec<Count> {
    if counts.len() > n {
        let rest = counts.split_off(n).iter().map(|count| count.count).sum();
        counts.push(Count {
            key: "other".into(),
            count: rest,
        });
    }
    counts
}

fn ratings(mut rated: Vec<&super::Rated>, comments: usize) -> RatingFigures {
    let mut figures = RatingFigures {
        count: rated.len() as u32,
        ..RatingFigures::default()
    };
    let mut sum = 0u32;
    for rating in &rated {
        if let Some(slot) = figures
            .distribution
            .get_mut(usize::from(rating.score.max(1) - 1))
        {
            *slot += 1;
        }
        sum += u32::from(rating.score);
    }
    if !rated.is_empty() {
        figures.average = Some(f64::from(sum) / f64::from(figures.count));
    }
    rated.sort_by_key(|rating| std::cmp::Reverse(rating.at));
    figures.comments = rated
        .into_iter()
        .filter_map(|rating| {
            Some(RatingComment {
                at: Timestamp(rating.at),
                score: rating.score,
                comment: rating.comment.clone()?,
            })
        })
        .take(comments)
        .collect();
    figures
}

/// Per local day of the range (every day, empty ones too).
fn days(threads: &[&ThreadFigures], query: &Query<'_>, zone: &dyn ZoneClock) -> Vec<DayFigures> {
    if query.to <= query.from {
        return Vec::new();
    }
    let first = zone::local(zone, query.from).day;
    let last = zone::local(zone, query.to - 1).day;
    let mut days: Vec<DayFigures> = (first..=last)
        .map(|day| DayFigures {
            date: zone::date(day),
            ..DayFigures::default()
        })
        .collect();
    let wall = |asked: u64| Some(asked + ANSWER_WITHIN_MS);
    for thread in threads {
        let index = zone::local(zone, thread.started_at).day - first;
        let Some(day) = usize::try_from(index).ok().and_then(|at| days.get_mut(at)) else {
            continue;
        };
        day.started += 1;
        match fate(thread, query.now, wall) {
            Fate::Answered => day.answered += 1,
            Fate::Unanswered => day.unanswered += 1,
            Fate::Silent | Fate::Waiting => {}
        }
        if thread.resolved_at.is_some() {
            day.resolved += 1;
        }
    }
    days
}

/// The window the expected reply time is taken over.
pub const EXPECTED_WINDOW_MS: u64 = 7 * DAY_MS;

/// The fewest first replies in the window for an expected reply time.
pub const EXPECTED_MIN_THREADS: usize = 5;

/// The friendly steps an expected reply time is rounded up to, in minutes; above the last,
/// whole days.
pub const EXPECTED_STEPS: [u32; 10] = [5, 10, 15, 30, 60, 120, 180, 240, 480, 1440];

/// "Usually replies within …", in minutes: the median (nearest-rank) business-hours first
/// reply of the conversations first answered by the team in the last
/// [`EXPECTED_WINDOW_MS`] before `now`, rounded up to one of [`EXPECTED_STEPS`] (or whole
/// days); `None` with fewer than [`EXPECTED_MIN_THREADS`] of them. The bot's answers are
/// left out: a visitor asking when a person replies is not helped by the bot's speed.
pub fn expected_reply_minutes<'a>(
    threads: impl Iterator<Item = &'a ThreadFigures>,
    now: u64,
    hours: Option<&BusinessHours>,
    zone: &dyn ZoneClock,
) -> Option<u32> {
    let opening = Opening::of(hours);
    let since = now.saturating_sub(EXPECTED_WINDOW_MS);
    let mut waits: Vec<u64> = threads
        .filter_map(|thread| {
            let reply = thread.first_reply()?;
            (reply.by == Responder::Team && (since..now).contains(&reply.answered_at))
                .then(|| opening.between(zone, reply.asked_at, reply.answered_at))
        })
        .collect();
    if waits.len() < EXPECTED_MIN_THREADS {
        return None;
    }
    waits.sort_unstable();
    let minutes = nearest_rank(&waits, 50)?.div_ceil(MINUTE_MS);
    Some(friendly_minutes(u32::try_from(minutes).unwrap_or(u32::MAX)))
}

/// `minutes` rounded up to the next of [`EXPECTED_STEPS`], or to whole days above them.
pub fn friendly_minutes(minutes: u32) -> u32 {
    EXPECTED_STEPS
        .into_iter()
        .find(|&step| minutes <= step)
        .unwrap_or_else(|| minutes.div_ceil(1440).saturating_mul(1440))
}
