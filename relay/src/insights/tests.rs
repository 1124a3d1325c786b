//! Tests of the insights, data-driven: threads are seeded as tables of events at fixed
//! clocks (no sleeping, no system time), and every figure is checked against numbers worked
//! out by hand beside the table.
//!
//! - [`seeded`]: the report of a brand in Asia/Shanghai (+8) and one in UTC.
//! - [`figures`]: one thread's figures, their versions, and the roll-up's copies.
//! - [`hours`]: business time and the expected reply time.
//! - [`export`]: the CSV files.
//! - [`messages`]: the exports' messages, and the CSV's formula guard.

mod api;
mod closed;
mod cost;
mod export;
mod figures;
mod hours;
mod messages;
mod seeded;

use super::*;
use confab_protocol::insights::{Count, Durations};
use confab_protocol::{BusinessHours, OpeningSpan};

/// A minute, an hour and a day in ms.
const M: u64 = 60_000;
const H: u64 = 60 * M;
const D: u64 = 24 * H;

/// Monday 2026-11-30 00:00 UTC (day 20787 since the epoch).
const MONDAY_UTC: u64 = 20_787 * D;

/// An instant on the clock of a zone `east` hours east of UTC: `day` days after Monday
/// 2026-11-30 (negative: before), at `hour:minute`.
fn clock(east: i64, day: i64, hour: u64, minute: u64) -> u64 {
    (MONDAY_UTC as i64 + day * D as i64 - east * H as i64) as u64 + hour * H + minute * M
}

/// Shanghai's clock (+8 all year).
fn cst(day: i64, hour: u64, minute: u64) -> u64 {
    clock(8, day, hour, minute)
}

/// Monday to Friday, `open` to `close` (`HH:MM`), in `zone`.
fn weekdays(zone: &str, open: &str, close: &str) -> BusinessHours {
    BusinessHours {
        time_zone: zone.into(),
        weekly: (1..=5)
            .map(|day| OpeningSpan {
                day,
                open: open.into(),
                close: close.into(),
            })
            .collect(),
    }
}

fn visitor(at: u64) -> Event<'static> {
    visitor_on(Channel::Web, at)
}

fn visitor_on(channel: Channel, at: u64) -> Event<'static> {
    Event::Message {
        author: Author::Visitor,
        channel,
        at,
    }
}

fn agent(at: u64) -> Event<'static> {
    Event::Message {
        author: Author::Agent,
        channel: Channel::Telegram,
        at,
    }
}

fn bot(at: u64) -> Event<'static> {
    Event::Message {
        author: Author::Bot,
        channel: Channel::Web,
        at,
    }
}

fn rated(at: u64, score: u8, comment: Option<&'static str>) -> Event<'static> {
    Event::Rated { at, score, comment }
}

fn handed(at: u64, reason: Handover) -> Event<'static> {
    Event::HandedOver { at, reason }
}

/// A seeded thread: its name (the thread id), start, page, language and events.
struct Seed {
    name: &'static str,
    start: u64,
    page: Option<&'static str>,
    language: Option<&'static str>,
    events: Vec<Event<'static>>,
}

impl Seed {
    fn figures(&self) -> ThreadFigures {
        let mut figures = ThreadFigures::new(
            ThreadId::new(self.name),
            self.start,
            self.page,
            self.language,
        );
        for event in &self.events {
            figures.observe(*event);
        }
        figures
    }
}

fn rollup(seeds: &[Seed]) -> Rollup {
    let mut rollup = Rollup::new();
    for seed in seeds {
        assert!(rollup.offer(seed.figures()), "{} taken", seed.name);
    }
    rollup
}

/// Durations in whole minutes.
fn minutes(count: u32, p50: u64, p90: u64) -> Durations {
    Durations {
        count,
        p50_ms: Some(p50 * M),
        p90_ms: Some(p90 * M),
    }
}

fn counts(pairs: &[(&str, u32)]) -> Vec<Count> {
    pairs
        .iter()
        .map(|&(key, count)| Count {
            key: key.into(),
            count,
        })
        .collect()
}

/// The heatmap with these `(cell, count)`s, the rest zero.
fn week(cells: &[(usize, u32)]) -> Vec<u32> {
    let mut week = vec![0; confab_protocol::insights::WEEK_HOURS];
    for &(cell, count) in cells {
        week[cell] = count;
    }
    week
}
