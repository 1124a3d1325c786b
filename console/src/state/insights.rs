//! The Insights page's model and its view logic, pure so it is tested natively: which range
//! is asked for, the tiles (each figure beside its previous-period value and the change),
//! durations and percentages in words, the charts' geometry, and the export links.

use confab_protocol::insights::{Durations, Figures, Insights, WEEK_HOURS};
use confab_protocol::Timestamp;

/// Which range the page shows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Period {
    /// The last 7 days, today included.
    #[default]
    Last7,
    /// The last 30 days, today included.
    Last30,
    /// From the first of this month to the end of today.
    ThisMonth,
    /// From one date to another, both included (`YYYY-MM-DD`, as a date input gives them).
    Custom {
        /// The first day.
        from: String,
        /// The last day.
        to: String,
    },
}

impl Period {
    /// The presets, with the words of their buttons.
    pub const PRESETS: [(Period, &'static str); 3] = [
        (Period::Last7, "Last 7 days"),
        (Period::Last30, "Last 30 days"),
        (Period::ThisMonth, "This month"),
    ];
}

/// The page's data.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InsightsPage {
    /// The range chosen.
    pub period: Period,
    /// Its bounds in milliseconds, `[from, to)`, once the browser worked them out (custom
    /// dates that do not make a range leave it `None`).
    pub bounds: Option<(Timestamp, Timestamp)>,
    /// The report for `bounds`, once loaded.
    pub report: Option<Insights>,
}

/// Whether a change is good news, bad news, or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Better than before.
    Good,
    /// Worse than before.
    Bad,
    /// No change, or no way to say.
    Flat,
}

/// A figure's change from the previous period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `▲`, `▼`, or empty.
    pub arrow: &'static str,
    /// What is shown beside the arrow (`25%`, `new`, `no change`).
    pub shown: String,
    /// The whole change in words, for screen readers (`up 25% from 8`).
    pub words: String,
    /// Good or bad news.
    pub tone: Tone,
}

/// How the change between two values reads; `lower_is_better` for times and unanswered
/// counts. `previous` is shown in `words` as `shown_previous`.
pub fn change(current: f64, previous: f64, lower_is_better: bool, shown_previous: &str) -> Change {
    let up = current > previous;
    let tone = if current == previous {
        Tone::Flat
    } else if up != lower_is_better {
        Tone::Good
    } else {
        Tone::Bad
    };
    if current == previous {
        return Change {
            arrow: "",
            shown: "no change".into(),
            words: format!("no change from {shown_previous}"),
            tone,
        };
    }
    let arrow = if up { "▲" } else { "▼" };
    let direction = if up { "up" } else { "down" };
    if previous == 0.0 {
        return Change {
            arrow,
            shown: "new".into(),
            words: format!("{direction} from {shown_previous}"),
            tone,
        };
    }
    let percent = ((current - previous).abs() / previous * 100.0).round();
    Change {
        arrow,
        shown: format!("{percent}%"),
        words: format!("{direction} {percent}% from {shown_previous}"),
        tone,
    }
}

/// A duration in milliseconds as people say it: `45 s`, `3 min 20 s`, `2 h 5 min`,
/// `1 d 3 h`; `—` for none.
pub fn duration(ms: Option<u64>) -> String {
    let Some(ms) = ms else {
        return "—".into();
    };
    let seconds = (ms + 500) / 1000;
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    let pair = |big: u64, big_unit: &str, small: u64, small_unit: &str| {
        if small == 0 {
            format!("{big} {big_unit}")
        } else {
            format!("{big} {big_unit} {small} {small_unit}")
        }
    };
    match seconds {
        0..=59 => format!("{seconds} s"),
        60..=3599 => pair(minutes, "min", seconds % 60, "s"),
        3600..=86_399 => pair(hours, "h", minutes % 60, "min"),
        _ => pair(days, "d", hours % 24, "h"),
    }
}

/// `part` of `whole` as a percentage, if `whole` is not zero.
pub fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole) * 100.0)
}

/// A percentage as shown, whole (`79%`), `—` for none.
pub fn percent_text(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |value| format!("{}%", value.round()))
}

/// One tile of the page: a figure now and before, and the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    /// What it is.
    pub label: &'static str,
    /// Its value in the range, as shown.
    pub value: String,
    /// Its value in the previous period, as shown.
    pub previous: String,
    /// The change, absent where either period has no value.
    pub change: Option<Change>,
}

/// A figure that can be read from a period's [`Figures`].
enum Measure {
    Count(fn(&Figures) -> u32, bool),
    Share(fn(&Figures) -> (u32, u32)),
    Time(fn(&Figures) -> Option<u64>),
    Rating,
}

fn p50(durations: Durations) -> Option<u64> {
    durations.p50_ms
}

fn p90(durations: Durations) -> Option<u64> {
    durations.p90_ms
}

/// The tiles, in the page's order.
pub fn tiles(report: &Insights) -> Vec<Tile> {
    let measures: [(&'static str, Measure); 11] = [
        ("Conversations", Measure::Count(|f| f.started, false)),
        (
            "Answered",
            Measure::Share(|f| (f.answered, f.answered + f.unanswered)),
        ),
        ("Unanswered", Measure::Count(|f| f.unanswered, true)),
        (
            "Unanswered in business hours",
            Measure::Count(|f| f.unanswered_business, true),
        ),
        ("Resolved", Measure::Count(|f| f.resolved, false)),
        ("First reply, median", Measure::Time(|f| p50(f.first_reply))),
        ("First reply, 90%", Measure::Time(|f| p90(f.first_reply))),
        (
            "First reply in business hours, median",
            Measure::Time(|f| p50(f.first_reply_business)),
        ),
        (
            "First reply in business hours, 90%",
            Measure::Time(|f| p90(f.first_reply_business)),
        ),
        (
            "Time to resolution, median",
            Measure::Time(|f| p50(f.resolution)),
        ),
        ("Rating", Measure::Rating),
    ];
    measures
        .into_iter()
        .map(|(label, measure)| {
            let (now, before) = (&report.current, &report.previous);
            // Each measure: the shown texts, and the numbers the change is worked from.
            let (value, previous, numbers, lower_is_better) = match measure {
                Measure::Count(read, lower) => (
                    read(now).to_string(),
                    read(before).to_string(),
                    Some((f64::from(read(now)), f64::from(read(before)))),
                    lower,
                ),
                Measure::Share(read) => {
                    let (a, b) = (percent_of(read(now)), percent_of(read(before)));
                    (percent_text(a), percent_text(b), a.zip(b), false)
                }
                Measure::Time(read) => {
                    let (a, b) = (read(now), read(before));
                    let numbers = a.zip(b).map(|(a, b)| (a as f64, b as f64));
                    (duration(a), duration(b), numbers, true)
                }
                Measure::Rating => {
                    let (a, b) = (now.ratings.average, before.ratings.average);
                    (rating_text(a), rating_text(b), a.zip(b), false)
                }
            };
            let change = numbers.map(|(a, b)| change(a, b, lower_is_better, &previous));
            Tile {
                label,
                value,
                previous,
                change,
            }
        })
        .collect()
}

fn percent_of((part, whole): (u32, u32)) -> Option<f64> {
    percent(part, whole)
}

/// An average rating as shown, one decimal out of 5 (`4.3 / 5`), `—` for none.
pub fn rating_text(average: Option<f64>) -> String {
    average.map_or_else(|| "—".into(), |average| format!("{average:.1} / 5"))
}

/// A round top for an axis over values up to `max`: 1, 2 or 5 times a power of ten, at
/// least 1.
pub fn axis_top(max: u32) -> u32 {
    let mut step = 1u32;
    loop {
        for factor in [1, 2, 5] {
            let top = step.saturating_mul(factor);
            if top >= max || top == u32::MAX {
                return top;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The length of each value's bar, out of `length`, on an axis up to [`axis_top`].
pub fn bar_lengths(values: &[u32], length: f64) -> Vec<f64> {
    let top = axis_top(values.iter().copied().max().unwrap_or(0));
    values
        .iter()
        .map(|value| f64::from(*value) / f64::from(top) * length)
        .collect()
}

/// The heatmap's shades: 0 for an empty hour, else 1 to 4 by quarter of the busiest hour.
pub fn heat_level(value: u32, max: u32) -> u8 {
    if value == 0 || max == 0 {
        return 0;
    }
    (u64::from(value) * 4).div_ceil(u64::from(max)).clamp(1, 4) as u8
}

/// The week's hours as 7 rows (Monday first) of 24, missing cells being 0.
pub fn week_rows(week_hours: &[u32]) -> [[u32; 24]; 7] {
    let mut rows = [[0; 24]; 7];
    for (at, count) in week_hours.iter().take(WEEK_HOURS).enumerate() {
        rows[at / 24][at % 24] = *count;
    }
    rows
}

/// The weekdays' short names, Monday first.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A hand-over reason's words.
pub fn reason_words(code: &str) -> &str {
    match code {
        "visitorAsked" => "The visitor asked for a person",
        "botUnsure" => "The bot was unsure",
        "teamTookOver" => "The team took over",
        other => other,
    }
}

/// An export's address for the range: `what` is `metrics`, `conversations` or `messages`
/// (the conversations' messages, a row each), `format` `csv` or `json`.
pub fn export_url(what: &str, format: &str, from: Timestamp, to: Timestamp) -> String {
    format!(
        "/v1/agent/insights/export?what={what}&format={format}&from={}&to={}",
        from.0, to.0
    )
}

/// The report's address for the range.
pub fn report_url(from: Timestamp, to: Timestamp) -> String {
    format!("/v1/agent/insights?from={}&to={}", from.0, to.0)
}

#[cfg(test)]
mod tests;
