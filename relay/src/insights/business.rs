//! Time between two instants counted in a brand's opening hours, in its zone.
//!
//! The week's spans ([`BusinessHours::weekly`]) are read per weekday and merged where they
//! overlap; each local day of the interval contributes its spans, turned into instants with
//! the zone's offset. A brand without hours (`None`) is open all the time, so its business
//! time is wall-clock; hours that never open have no business time, and nothing is ever due
//! in them. Spans that do not parse are skipped, as the widget skips them.

use super::zone::{self, ZoneClock, DAY_MS, MINUTE_MS};
use confab_protocol::{clock_minutes, BusinessHours};

/// A brand's opening hours, parsed: per weekday (Monday first), merged spans in minutes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opening {
    /// No hours: always open.
    Always,
    /// Open in these spans of each weekday.
    Weekly([Vec<(u32, u32)>; 7]),
}

impl Opening {
    /// Parses a brand's hours (`None`: always open).
    pub fn of(hours: Option<&BusinessHours>) -> Opening {
        let Some(hours) = hours else {
            return Opening::Always;
        };
        let mut days: [Vec<(u32, u32)>; 7] = Default::default();
        for span in &hours.weekly {
            let (Some(open), Some(close)) = (clock_minutes(&span.open), clock_minutes(&span.close))
            else {
                continue;
            };
            if (1..=7).contains(&span.day) && open < close {
                days[usize::from(span.day - 1)].push((open, close));
            }
        }
        for spans in &mut days {
            spans.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(spans.len());
            for &(open, close) in spans.iter() {
                match merged.last_mut() {
                    Some(last) if open <= last.1 => last.1 = last.1.max(close),
                    _ => merged.push((open, close)),
                }
            }
            *spans = merged;
        }
        Opening::Weekly(days)
    }

    /// Open minutes in a week.
    fn week_minutes(&self) -> u64 {
        match self {
            Opening::Always => 7 * 24 * 60,
            Opening::Weekly(days) => days
                .iter()
                .flatten()
                .map(|(open, close)| u64::from(close - open))
                .sum(),
        }
    }

    /// The open intervals (instants, ms) of the local days from the one holding `from`
    /// onwards, `days` of them; the day before is included too, for its spans that the
    /// zone's offset moves past midnight.
    fn intervals<'a>(
        &'a self,
        zone: &'a dyn ZoneClock,
        from: u64,
        days: i64,
    ) -> impl Iterator<Item = (i64, i64)> + 'a {
        let first = zone::local(zone, from).day - 1;
        (first..=first + days + 1).flat_map(move |day| {
            let spans: &[(u32, u32)] = match self {
                Opening::Always => &[(0, 24 * 60)],
                Opening::Weekly(days) => &days[usize::from(zone::weekday(day) - 1)],
            };
            spans.iter().map(move |&(open, close)| {
                let midnight = day * DAY_MS as i64;
                (
                    zone::instant(zone, midnight + i64::from(open) * MINUTE_MS as i64),
                    zone::instant(zone, midnight + i64::from(close) * MINUTE_MS as i64),
                )
            })
        })
    }

    /// The business time (ms) in `[from, to)`.
    pub fn between(&self, zone: &dyn ZoneClock, from: u64, to: u64) -> u64 {
        if to <= from {
            return 0;
        }
        if *self == Opening::Always {
            return to - from;
        }
        let days = ((to - from) / DAY_MS) as i64 + 1;
        let (from, to) = (from as i64, to as i64);
        self.intervals(zone, from as u64, days)
            .map(|(open, close)| (close.min(to) - open.max(from)).max(0) as u64)
            .sum()
    }

    /// The instant `amount` ms of business time after `from`; `None` if the hours never
    /// open.
    pub fn after(&self, zone: &dyn ZoneClock, from: u64, amount: u64) -> Option<u64> {
        if *self == Opening::Always {
            return Some(from + amount);
        }
        let week = self.week_minutes() * MINUTE_MS;
        if week == 0 {
            return None;
        }
        // Enough days to hold `amount` of open time, whichever weekday it starts on.
        let days = (amount / week + 2) as i64 * 7;
        let mut left = amount as i64;
        let start = from as i64;
        for (open, close) in self.intervals(zone, from, days) {
            let open = open.max(start);
            if close <= open {
                continue;
            }
            if close - open >= left {
                return Some((open + left) as u64);
            }
            left -= close - open;
        }
        None
    }
}
