//! The Insights page's effects: a range's bounds in the browser's own calendar (its days
//! and months, through `Date`), and the report for them, asked once per range.

use super::effects::Effects;
use crate::api::{self, NO_BODY};
use crate::route::Route;
use crate::state::insights::{report_url, Period};
use crate::state::{Action, State};
use confab_protocol::insights::Insights;
use confab_protocol::Timestamp;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

/// The longest range the relay reports on, in days.
const MAX_DAYS: f64 = 366.0;

const DAY_MS: f64 = 86_400_000.0;

impl Effects {
    /// A range was chosen: its bounds, worked out here (the reducer has no calendar).
    pub(super) fn choose_period(&self, period: Period) {
        let bounds = bounds(&period);
        // Choosing a range again asks again, even one whose last call failed.
        self.loading_insights.replace(None);
        let notice = match (&period, bounds) {
            (Period::Custom { .. }, None) => Some(
                "Choose a first day on or before the last, at most 366 days apart.".to_string(),
            ),
            _ => None,
        };
        self.dispatch.dispatch(Action::Notice(notice));
        self.dispatch
            .dispatch(Action::InsightsPeriod(period, bounds));
    }

    /// After a render on the Insights page: the default range's bounds, then its report.
    pub(super) fn insights(self: &Rc<Self>, next: &State) {
        if next.route != Route::Insights {
            return;
        }
        let page = &next.insights;
        let Some(bounds) = page.bounds else {
            if !matches!(page.period, Period::Custom { .. }) {
                self.choose_period(page.period.clone());
            }
            return;
        };
        if page.report.is_some() || *self.loading_insights.borrow() == Some(bounds) {
            return;
        }
        self.loading_insights.replace(Some(bounds));
        let this = self.clone();
        spawn_local(async move {
            let answer: Result<Insights, _> =
                api::json("GET", &report_url(bounds.0, bounds.1), NO_BODY).await;
            // A failed range stays marked as asked (so it is not asked at every render);
            // choosing a range again asks again.
            match answer {
                Ok(report) => {
                    this.loading_insights.replace(None);
                    this.dispatch
                        .dispatch(Action::Insights(bounds, Box::new(report)));
                }
                Err(error) => this.failed(error),
            }
        });
    }
}

/// The bounds of a range in the browser's calendar: from a midnight to the midnight after
/// the range's last day (today for the presets); `None` for custom dates that do not read
/// or do not make a range of 1 to 366 days.
fn bounds(period: &Period) -> Option<(Timestamp, Timestamp)> {
    let today = js_sys::Date::new_0();
    today.set_hours(0);
    today.set_minutes(0);
    today.set_seconds(0);
    today.set_milliseconds(0);
    let tomorrow = day_after(&today);
    let start = |days_back: u32| {
        let day = js_sys::Date::new(&today.value_of().into());
        day.set_date(day.get_date().wrapping_sub(days_back));
        day.value_of()
    };
    let (from, to) = match period {
        Period::Last7 => (start(6), tomorrow),
        Period::Last30 => (start(29), tomorrow),
        Period::ThisMonth => (start(today.get_date() - 1), tomorrow),
        Period::Custom { from, to } => {
            // A date and time without a zone reads as local time.
            let from = js_sys::Date::parse(&format!("{from}T00:00"));
            let last = js_sys::Date::new(&js_sys::Date::parse(&format!("{to}T00:00")).into());
            (from, day_after(&last))
        }
    };
    let valid = from.is_finite()
        && to.is_finite()
        && from < to
        && to - from <= MAX_DAYS * DAY_MS + 3_600_000.0;
    valid.then_some((Timestamp(from as u64), Timestamp(to as u64)))
}

/// The midnight after a day's midnight (through the calendar: a day is not always 24 h).
fn day_after(day: &js_sys::Date) -> f64 {
    let next = js_sys::Date::new(&day.value_of().into());
    next.set_date(next.get_date() + 1);
    next.value_of()
}
