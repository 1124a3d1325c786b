//! The Insights page: a range (presets or custom dates), the tiles (each figure beside the
//! previous period's, with the change in arrows and in words), the charts, the rating
//! comments, and the export links.

mod charts;

use super::time;
use super::value_of;
use crate::app::Intent;
use crate::state::insights::{
    export_url, rating_text, reason_words, tiles, InsightsPage, Period, Tile, Tone,
};
use confab_protocol::insights::{Count, Insights};
use confab_protocol::Timestamp;
use yew::prelude::*;

/// The Insights page's settings.
#[derive(Properties, PartialEq)]
pub struct InsightsProps {
    /// The range and the report.
    pub page: InsightsPage,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The Insights page.
#[function_component(InsightsView)]
pub fn insights(props: &InsightsProps) -> Html {
    let page = &props.page;
    let on_intent = &props.on_intent;
    html! {
        <section class="page insights" aria-labelledby="insights-title">
            <h1 id="insights-title">{ "Insights" }</h1>
            <Ranges period={page.period.clone()} on_intent={on_intent.clone()} />
            if let Some((from, to)) = page.bounds {
                <p class="quiet range-line">{ format!("{} to {}, beside the period just before.", day(from), day(Timestamp(to.0.saturating_sub(1)))) }</p>
            }
            { match (&page.report, page.bounds) {
                (Some(report), Some((from, to))) => report_view(report, from, to),
                (None, Some(_)) => html! { <p class="quiet">{ "Loading…" }</p> },
                _ => html! {},
            } }
        </section>
    }
}

/// A day as the browser writes it (`3 Dec 2026`).
fn day(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    let options = js_sys::Object::new();
    for (key, value) in [("day", "numeric"), ("month", "short"), ("year", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_date_string("en-GB", &options))
}

#[derive(Properties, PartialEq)]
struct RangesProps {
    period: Period,
    on_intent: Callback<Intent>,
}

/// The range buttons and the custom dates.
#[function_component(Ranges)]
fn ranges(props: &RangesProps) -> Html {
    let (from, to) = match &props.period {
        Period::Custom { from, to } => (from.clone(), to.clone()),
        _ => (String::new(), String::new()),
    };
    let from = use_state(|| from);
    let to = use_state(|| to);
    let on_submit = {
        let (from, to, on_intent) = (from.clone(), to.clone(), props.on_intent.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_intent.emit(Intent::Period(Period::Custom {
                from: (*from).clone(),
                to: (*to).clone(),
            }));
        })
    };
    let set = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |event: Event| state.set(value_of(&event)))
    };
    html! {
        <div class="ranges">
            <div role="group" aria-label="Range" class="presets">
                { for Period::PRESETS.iter().map(|(period, words)| {
                    let chosen = &props.period == period;
                    let period = period.clone();
                    html! {
                        <button type="button" aria-pressed={chosen.to_string()}
                            onclick={props.on_intent.reform(move |_: MouseEvent| Intent::Period(period.clone()))}>
                            { *words }
                        </button>
                    }
                }) }
            </div>
            <form class="custom-range" onsubmit={on_submit} aria-label="Custom range">
                <label>{ "From" }<input type="date" id="range-from" value={(*from).clone()} onchange={set(&from)} /></label>
                <label>{ "To" }<input type="date" id="range-to" value={(*to).clone()} onchange={set(&to)} /></label>
                <button type="submit" aria-pressed={matches!(props.period, Period::Custom { .. }).to_string()}>{ "Show" }</button>
            </form>
        </div>
    }
}

fn tile(tile: &Tile) -> Html {
    let tone = tile.change.as_ref().map(|change| match change.tone {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Flat => "flat",
    });
    html! {
        <li class="tile">
            <span class="tile-label">{ tile.label }</span>
            <span class="tile-value">{ tile.value.clone() }</span>
            if let Some(change) = &tile.change {
                <span class={classes!("change", tone)}>
                    <span aria-hidden="true">{ format!("{} {}", change.arrow, change.shown).trim().to_string() }</span>
                    <span class="visually-hidden">{ change.words.clone() }</span>
                </span>
            }
            <span class="quiet before" aria-hidden={tile.change.is_some().then_some("true")}>{ format!("Before: {}", tile.previous) }</span>
        </li>
    }
}

fn counts(counts: &[Count], words: impl Fn(&str) -> String) -> Vec<(String, u32)> {
    counts
        .iter()
        .map(|count| (words(&count.key), count.count))
        .collect()
}

fn report_view(report: &Insights, from: Timestamp, to: Timestamp) -> Html {
    let now = &report.current;
    let dates: Vec<String> = report
        .days
        .iter()
        .map(|day| day.date.get(5..).unwrap_or(&day.date).to_string())
        .collect();
    let per_day: Vec<u32> = report.days.iter().map(|day| day.started).collect();
    let day_rows = report
        .days
        .iter()
        .map(|day| {
            vec![
                day.date.clone(),
                day.started.to_string(),
                day.answered.to_string(),
                day.unanswered.to_string(),
                day.resolved.to_string(),
            ]
        })
        .collect();
    let ratings: Vec<(String, u32)> = (1..=5)
        .rev()
        .map(|score| {
            let words = if score == 1 {
                "1 star".to_string()
            } else {
                format!("{score} stars")
            };
            (words, now.ratings.distribution[score - 1])
        })
        .collect();
    let mut assistant = vec![("Answered by the bot".to_string(), now.assistant.answered)];
    assistant.extend(counts(&now.assistant.handed_over, |code| {
        format!("Handed over: {}", reason_words(code))
    }));
    let mut comments = now.ratings.comments.clone();
    comments.sort_by_key(|comment| std::cmp::Reverse(comment.at));
    let download = |what: &str, format: &str, words: &str| {
        html! {
            <li>
                <a class="button-link" href={export_url(what, format, from, to)}
                    download={format!("confab-{what}-{}-{}.{format}", from.0, to.0)}>{ words.to_string() }</a>
            </li>
        }
    };
    html! {
        <>
            <ul class="tiles" aria-label="Figures">
                { for tiles(report).iter().map(tile) }
            </ul>
            <div class="charts">
                { charts::columns("chart-days", "Conversations per day", &dates, &per_day, day_rows,
                    &["Day", "Conversations", "Answered", "Unanswered", "Resolved"]) }
                { charts::heatmap("chart-hours", "Conversations by hour of the week", &now.week_hours) }
                { charts::bars("chart-channels", "Channels", ["Channel", "Conversations"], &counts(&now.channels, str::to_string)) }
                { charts::bars("chart-languages", "Languages", ["Language", "Conversations"], &counts(&now.languages, str::to_string)) }
                { charts::bars("chart-pages", "Pages", ["Page", "Conversations"], &counts(&now.pages, str::to_string)) }
                { charts::bars("chart-ratings", &format!("Ratings ({} rated, average {})", now.ratings.count, rating_text(now.ratings.average)),
                    ["Score", "Conversations"], &ratings) }
                { charts::bars("chart-assistant", "The assistant", ["What", "Count"], &assistant) }
            </div>
            <section class="card" aria-labelledby="comments-title">
                <h2 id="comments-title">{ "Rating comments" }</h2>
                if comments.is_empty() { <p class="quiet">{ "No comments in this range." }</p> }
                <ul class="comments">
                    { for comments.iter().map(|comment| html! {
                        <li>
                            <p class="meta"><span>{ format!("{} out of 5", comment.score) }</span>{ " · " }<time>{ time(comment.at) }</time></p>
                            <p>{ comment.comment.clone() }</p>
                        </li>
                    }) }
                </ul>
            </section>
            <section class="card" aria-labelledby="export-title">
                <h2 id="export-title">{ "Export this range" }</h2>
                <ul class="exports">
                    { download("metrics", "csv", "Metrics (CSV)") }
                    { download("conversations", "csv", "Conversations (CSV)") }
                    { download("conversations", "json", "Conversations (JSON)") }
                    { download("messages", "csv", "Messages (CSV)") }
                </ul>
            </section>
        </>
    }
}
