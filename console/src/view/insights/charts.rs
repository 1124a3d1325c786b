//! The Insights charts, drawn as inline SVG by this small code (no chart crate): each is a
//! `<figure>` with its caption, an SVG with `role="img"` and a label saying what it shows,
//! and its numbers as a table under "Show the numbers".

use crate::state::insights::{axis_top, bar_lengths, heat_level, week_rows, WEEKDAYS};
use yew::prelude::*;

/// A figure: the caption, the drawing, and the table of its numbers.
fn figure(id: &str, caption: &str, svg: Html, table: Html) -> Html {
    html! {
        <figure class="chart card" aria-labelledby={format!("{id}-caption")}>
            <figcaption id={format!("{id}-caption")}>{ caption.to_string() }</figcaption>
            <div class="chart-body">{ svg }</div>
            <details>
                <summary>{ "Show the numbers" }</summary>
                <div class="scroll" tabindex="0" role="region" aria-label={format!("{caption}: numbers")}>
                    { table }
                </div>
            </details>
        </figure>
    }
}

/// A table with a header row and rows of cells, the first cell of each row its header.
fn table(caption: &str, head: &[&str], rows: Vec<Vec<String>>) -> Html {
    html! {
        <table class="numbers">
            <caption class="visually-hidden">{ caption.to_string() }</caption>
            <thead><tr>{ for head.iter().map(|cell| html! { <th scope="col">{ cell.to_string() }</th> }) }</tr></thead>
            <tbody>
                { for rows.into_iter().map(|row| {
                    let mut cells = row.into_iter();
                    let first = cells.next().unwrap_or_default();
                    html! {
                        <tr>
                            <th scope="row">{ first }</th>
                            { for cells.map(|cell| html! { <td>{ cell }</td> }) }
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}

/// Vertical bars, one per label (conversations per day).
pub fn columns(
    id: &str,
    caption: &str,
    labels: &[String],
    values: &[u32],
    table_rows: Vec<Vec<String>>,
    head: &[&str],
) -> Html {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 180.0;
    const FOOT: f64 = 20.0;
    let n = values.len().max(1) as f64;
    let slot = WIDTH / n;
    let lengths = bar_lengths(values, HEIGHT - 10.0);
    let top = axis_top(values.iter().copied().max().unwrap_or(0));
    // Every label on a short range; on a long one, a label per week.
    let every = if values.len() > 14 { 7 } else { 1 };
    let total: u32 = values.iter().sum();
    let label = format!(
        "{caption}: {total} in all over {} days, at most {} in a day",
        values.len(),
        values.iter().max().copied().unwrap_or(0)
    );
    let svg = html! {
        <svg viewBox={format!("0 0 {WIDTH} {}", HEIGHT + FOOT)} width="100%" role="img" aria-label={label.clone()} focusable="false">
            <line x1="0" x2={WIDTH.to_string()} y1={HEIGHT.to_string()} y2={HEIGHT.to_string()} class="axis" />
            <text x="2" y="12" class="tick">{ top }</text>
            { for lengths.iter().enumerate().map(|(at, length)| {
                let x = at as f64 * slot + slot * 0.15;
                html! {
                    <>
                        <rect class="bar" x={format!("{x:.1}")} y={format!("{:.1}", HEIGHT - length)}
                            width={format!("{:.1}", slot * 0.7)} height={format!("{length:.1}")} />
                        if at % every == 0 {
                            <text class="tick" x={format!("{x:.1}")} y={(HEIGHT + 15.0).to_string()}>
                                { labels.get(at).cloned().unwrap_or_default() }
                            </text>
                        }
                    </>
                }
            }) }
        </svg>
    };
    figure(id, caption, svg, table(caption, head, table_rows))
}

/// Horizontal bars, one per row (channels, languages, pages, ratings, the assistant).
pub fn bars(id: &str, caption: &str, head: [&str; 2], rows: &[(String, u32)]) -> Html {
    const WIDTH: f64 = 600.0;
    const ROW: f64 = 28.0;
    const LABEL: f64 = 220.0;
    let values: Vec<u32> = rows.iter().map(|(_, value)| *value).collect();
    let lengths = bar_lengths(&values, WIDTH - LABEL - 50.0);
    let label = if rows.is_empty() {
        format!("{caption}: none")
    } else {
        let parts: Vec<String> = rows
            .iter()
            .map(|(key, value)| format!("{key} {value}"))
            .collect();
        format!("{caption}: {}", parts.join(", "))
    };
    let height = (rows.len().max(1) as f64) * ROW;
    let svg = html! {
        <svg viewBox={format!("0 0 {WIDTH} {height}")} width="100%" role="img" aria-label={label.clone()} focusable="false">
            if rows.is_empty() {
                <text class="tick" x="0" y="18">{ "None in this range" }</text>
            }
            { for rows.iter().zip(lengths).enumerate().map(|(at, ((key, value), length))| {
                let y = at as f64 * ROW;
                html! {
                    <>
                        <text class="tick" x={(LABEL - 8.0).to_string()} y={(y + 18.0).to_string()} text-anchor="end">{ shorten(key) }</text>
                        <rect class="bar" x={LABEL.to_string()} y={(y + 5.0).to_string()} width={format!("{length:.1}")} height={(ROW - 10.0).to_string()} />
                        <text class="tick" x={format!("{:.1}", LABEL + length + 6.0)} y={(y + 18.0).to_string()}>{ *value }</text>
                    </>
                }
            }) }
        </svg>
    };
    let table_rows = rows
        .iter()
        .map(|(key, value)| vec![key.clone(), value.to_string()])
        .collect();
    figure(id, caption, svg, table(caption, &head, table_rows))
}

/// Labels longer than the room beside the bars are cut (the table has them whole).
fn shorten(key: &str) -> String {
    if key.chars().count() > 28 {
        format!("{}…", key.chars().take(27).collect::<String>())
    } else {
        key.to_string()
    }
}

/// The hour-of-week heatmap: 7 rows (Monday first) of 24 hours, shaded by quarter of the
/// busiest hour; its table has every number.
pub fn heatmap(id: &str, caption: &str, week_hours: &[u32]) -> Html {
    const CELL: f64 = 22.0;
    const LEFT: f64 = 40.0;
    const TOP: f64 = 16.0;
    let rows = week_rows(week_hours);
    let max = rows.iter().flatten().copied().max().unwrap_or(0);
    let busiest = rows
        .iter()
        .enumerate()
        .flat_map(|(day, hours)| {
            hours
                .iter()
                .enumerate()
                .map(move |(hour, n)| (*n, day, hour))
        })
        .max_by_key(|(n, day, hour)| (*n, std::cmp::Reverse((*day, *hour))));
    let label = match busiest {
        Some((n, day, hour)) if n > 0 => format!(
            "{caption}: busiest {} {hour:02}:00, {n} conversations",
            WEEKDAYS[day]
        ),
        _ => format!("{caption}: none"),
    };
    let svg = html! {
        <svg viewBox={format!("0 0 {} {}", LEFT + 24.0 * CELL, TOP + 7.0 * CELL)} width="100%" role="img" aria-label={label.clone()} focusable="false">
            { for (0..24).step_by(3).map(|hour| html! {
                <text class="tick" x={(LEFT + hour as f64 * CELL + 2.0).to_string()} y="12">{ format!("{hour:02}") }</text>
            }) }
            { for rows.iter().enumerate().map(|(day, hours)| html! {
                <>
                    <text class="tick" x="0" y={(TOP + day as f64 * CELL + 15.0).to_string()}>{ WEEKDAYS[day] }</text>
                    { for hours.iter().enumerate().map(|(hour, n)| html! {
                        <rect class={format!("heat heat-{}", heat_level(*n, max))}
                            x={(LEFT + hour as f64 * CELL).to_string()} y={(TOP + day as f64 * CELL).to_string()}
                            width={(CELL - 2.0).to_string()} height={(CELL - 2.0).to_string()} rx="3" />
                    }) }
                </>
            }) }
        </svg>
    };
    let mut head = vec!["Day".to_string()];
    head.extend((0..24).map(|hour| format!("{hour:02}")));
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    let table_rows = rows
        .iter()
        .enumerate()
        .map(|(day, hours)| {
            std::iter::once(WEEKDAYS[day].to_string())
                .chain(hours.iter().map(u32::to_string))
                .collect()
        })
        .collect();
    figure(id, caption, svg, table(caption, &head, table_rows))
}
