//! The business-hours editor's model: the settings' `businessHours` JSON (`{timeZone,
//! weekly: [{day, open, close}]}`, read and written through the protocol's
//! [`BusinessHours`]) as a zone and each weekday's spans, and the edits the form makes.

use confab_protocol::{BusinessHours, OpeningSpan};
use serde_json::Value;

/// The most spans a day offers in the form.
pub const MAX_SPANS: usize = 3;

/// The weekdays' names, Monday first (ISO day 1).
pub const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Common IANA zones, offered in the zone field's list (any other may be typed).
pub const ZONES: [&str; 24] = [
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
];

/// An edit the form makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoursEdit {
    /// Hours on (a working week, 09:00–17:00 Monday to Friday, in this zone) or off
    /// (always open: the key removed).
    Enabled(bool, String),
    /// The zone's text.
    Zone(String),
    /// A day closed (its spans removed) or opened (09:00–17:00).
    Closed(u8, bool),
    /// A span's opening time: day, span index, `HH:MM`.
    Open(u8, usize, String),
    /// A span's closing time.
    Close(u8, usize, String),
    /// Another span for a day, after its last.
    AddSpan(u8),
    /// A day's span removed.
    RemoveSpan(u8, usize),
}

/// The hours in the settings, if any (and if they read).
pub fn read(value: Option<&Value>) -> Option<BusinessHours> {
    serde_json::from_value(value?.clone()).ok()
}

/// A day's spans, in the order the settings hold them.
pub fn spans(hours: &BusinessHours, day: u8) -> Vec<&OpeningSpan> {
    hours.weekly.iter().filter(|span| span.day == day).collect()
}

fn span(day: u8, open: &str, close: &str) -> OpeningSpan {
    OpeningSpan {
        day,
        open: open.into(),
        close: close.into(),
    }
}

/// The settings' new `businessHours` after an edit (`Null` removes the key: always open).
pub fn apply(current: Option<&Value>, edit: HoursEdit) -> Value {
    let mut hours = read(current).unwrap_or_else(|| BusinessHours {
        time_zone: String::new(),
        weekly: Vec::new(),
    });
    // The day's spans, at their positions in `weekly`.
    let positions = |hours: &BusinessHours, day: u8| -> Vec<usize> {
        (0..hours.weekly.len())
            .filter(|at| hours.weekly[*at].day == day)
            .collect()
    };
    match edit {
        HoursEdit::Enabled(false, _) => return Value::Null,
        HoursEdit::Enabled(true, zone) => {
            hours = BusinessHours {
                time_zone: zone,
                weekly: (1..=5).map(|day| span(day, "09:00", "17:00")).collect(),
            };
        }
        HoursEdit::Zone(zone) => hours.time_zone = zone,
        HoursEdit::Closed(day, true) => hours.weekly.retain(|span| span.day != day),
        HoursEdit::Closed(day, false) => {
            if positions(&hours, day).is_empty() {
                hours.weekly.push(span(day, "09:00", "17:00"));
            }
        }
        // A cleared time input keeps the time it had (the relay would refuse an empty one).
        HoursEdit::Open(_, _, time) | HoursEdit::Close(_, _, time) if time.is_empty() => {}
        HoursEdit::Open(day, index, time) => {
            if let Some(at) = positions(&hours, day).get(index) {
                hours.weekly[*at].open = time;
            }
        }
        HoursEdit::Close(day, index, time) => {
            if let Some(at) = positions(&hours, day).get(index) {
                hours.weekly[*at].close = time;
            }
        }
        HoursEdit::AddSpan(day) => {
            let at = positions(&hours, day);
            if at.len() < MAX_SPANS {
                let after = at
                    .last()
                    .map(|at| hours.weekly[*at].close.clone())
                    .unwrap_or_else(|| "09:00".into());
                // A time input's day ends at 23:59.
                let close = if after.as_str() < "20:00" {
                    "20:00"
                } else {
                    "23:59"
                };
                hours.weekly.push(span(day, &after, close));
            }
        }
        HoursEdit::RemoveSpan(day, index) => {
            if let Some(at) = positions(&hours, day).get(index) {
                hours.weekly.remove(*at);
            }
        }
    }
    // Days in order, each day's spans in the order given (so the form's rows keep their
    // places while times are typed).
    hours.weekly.sort_by_key(|span| span.day);
    serde_json::to_value(&hours).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests;
