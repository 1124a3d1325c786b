//! The business-hours editor: a zone (typed, with common IANA zones offered) and each
//! weekday's opening spans as time inputs, "Closed", and a further span; every change
//! writes the whole `businessHours` value (see [`crate::state::hours`]).

use crate::app::Intent;
use crate::state::hours::{apply, read, spans, HoursEdit, DAY_NAMES, MAX_SPANS, ZONES};
use crate::view::{checked_of, value_of};
use serde_json::Value;
use yew::prelude::*;

/// The editor's settings.
#[derive(Properties, PartialEq)]
pub struct HoursProps {
    /// `businessHours` as the settings hold it now.
    pub value: Option<Value>,
    /// The relay's refusal of it, if any.
    pub error: Option<String>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The browser's own zone (the default for new hours).
fn browser_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// The editor.
#[function_component(HoursEditor)]
pub fn hours_editor(props: &HoursProps) -> Html {
    let current = props.value.clone();
    let edit = {
        let (current, on_intent) = (current.clone(), props.on_intent.clone());
        move |edit: HoursEdit| {
            on_intent.emit(Intent::Edit(
                "businessHours".into(),
                apply(current.as_ref(), edit),
            ))
        }
    };
    let on = |make: Box<dyn Fn(&Event) -> HoursEdit>| {
        let edit = edit.clone();
        Callback::from(move |event: Event| edit(make(&event)))
    };
    let hours = read(current.as_ref());
    let invalid = props.error.is_some().then_some("true");
    let described = props.error.as_ref().map(|_| "error-businessHours");
    html! {
        <fieldset class="hours" aria-describedby={described}>
            <legend>{ "Business hours" }</legend>
            <label class="check">
                <input type="checkbox" id="field-businessHours" checked={hours.is_some()}
                    onchange={on(Box::new(|event| HoursEdit::Enabled(checked_of(event), browser_zone())))} />
                { "Set business hours (otherwise the team is always open)" }
            </label>
            if let Some(error) = &props.error {
                <p class="problem" id="error-businessHours">{ error.clone() }</p>
            }
            if let Some(hours) = &hours {
                <div class="field">
                    <label for="field-timeZone">{ "Time zone" }</label>
                    <input id="field-timeZone" type="text" list="zones" value={hours.time_zone.clone()}
                        aria-invalid={invalid} autocomplete="off"
                        oninput={let edit = edit.clone(); Callback::from(move |event: InputEvent| edit(HoursEdit::Zone(value_of(&event))))} />
                    <datalist id="zones">
                        { for ZONES.iter().map(|zone| html! { <option value={*zone} /> }) }
                    </datalist>
                </div>
                <div class="week">
                    { for (1..=7u8).map(|day| {
                        let name = DAY_NAMES[usize::from(day - 1)];
                        let day_spans = spans(hours, day);
                        let closed = day_spans.is_empty();
                        html! {
                            <div class="weekday" role="group" aria-label={name}>
                                <span class="day-name" aria-hidden="true">{ name }</span>
                                <label class="check">
                                    <input type="checkbox" checked={closed}
                                        onchange={on(Box::new(move |event| HoursEdit::Closed(day, checked_of(event))))} />
                                    { "Closed" }
                                </label>
                                { for day_spans.iter().enumerate().map(|(index, span)| html! {
                                    <span class="span">
                                        <label>
                                            <span class="visually-hidden">{ format!("{name}, span {}, opens", index + 1) }</span>
                                            <input type="time" value={span.open.clone()}
                                                onchange={on(Box::new(move |event| HoursEdit::Open(day, index, value_of(event))))} />
                                        </label>
                                        <span aria-hidden="true">{ "–" }</span>
                                        <label>
                                            <span class="visually-hidden">{ format!("{name}, span {}, closes", index + 1) }</span>
                                            <input type="time" value={span.close.clone()}
                                                onchange={on(Box::new(move |event| HoursEdit::Close(day, index, value_of(event))))} />
                                        </label>
                                        if index > 0 {
                                            <button type="button" aria-label={format!("Remove {name}'s span {}", index + 1)}
                                                onclick={let edit = edit.clone(); Callback::from(move |_: MouseEvent| edit(HoursEdit::RemoveSpan(day, index)))}>{ "Remove" }</button>
                                        }
                                    </span>
                                }) }
                                if !closed && day_spans.len() < MAX_SPANS {
                                    <button type="button" aria-label={format!("Add a span on {name}")}
                                        onclick={let edit = edit.clone(); Callback::from(move |_: MouseEvent| edit(HoursEdit::AddSpan(day)))}>{ "Add a span" }</button>
                                }
                            </div>
                        }
                    }) }
                </div>
            }
        </fieldset>
    }
}
