//! The settings form's controls: one key path each, with its label and the relay's error.

use crate::app::Intent;
use crate::state::settings::optional_text;
use crate::view::value_of;
use serde_json::Value;
use yew::prelude::*;

/// What a control edits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text (absent when empty).
    Text,
    /// A URL.
    Url,
    /// Several lines of text.
    Area,
    /// A `#rrggbb` colour.
    Colour,
    /// A whole number.
    Number,
    /// `on` or `off`.
    Receipts,
}

/// A control's settings.
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    /// Its label.
    pub label: &'static str,
    /// The key path it edits.
    pub path: &'static str,
    /// What it edits.
    pub kind: Kind,
    /// The value there now.
    pub value: Option<Value>,
    /// The relay's refusal of this field, if any.
    pub error: Option<String>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// One control.
#[function_component(Field)]
pub fn field(props: &FieldProps) -> Html {
    let id = format!("field-{}", props.path.replace('.', "-"));
    let error_id = format!("error-{}", props.path.replace('.', "-"));
    let path = props.path;
    let kind = props.kind;
    let text = match &props.value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    let edit = props.on_intent.reform(move |event: Event| {
        let raw = value_of(&event);
        let value = match kind {
            Kind::Number => raw
                .trim()
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::Null),
            Kind::Receipts => Value::String(raw),
            _ => optional_text(&raw),
        };
        Intent::Edit(path.to_string(), value)
    });
    let on_input = edit.reform(|event: InputEvent| Event::from(event));
    let invalid = props.error.is_some().then_some("true");
    let described = props.error.as_ref().map(|_| error_id.clone());
    let control = match kind {
        Kind::Area => html! {
            <textarea id={id.clone()} rows="2" value={text} oninput={on_input}
                aria-invalid={invalid} aria-describedby={described} />
        },
        Kind::Receipts => html! {
            <select id={id.clone()} onchange={edit} aria-invalid={invalid} aria-describedby={described}>
                <option value="on" selected={text != "off"}>{ "On" }</option>
                <option value="off" selected={text == "off"}>{ "Off" }</option>
            </select>
        },
        _ => {
            let (input_type, value) = match kind {
                Kind::Colour => (
                    "color",
                    if text.is_empty() {
                        "#2563eb".to_string()
                    } else {
                        text
                    },
                ),
                Kind::Number => ("number", text),
                Kind::Url => ("url", text),
                _ => ("text", text),
            };
            html! {
                <input id={id.clone()} type={input_type} value={value} oninput={on_input}
                    aria-invalid={invalid} aria-describedby={described} />
            }
        }
    };
    html! {
        <div class="field">
            <label for={id}>{ props.label }</label>
            { control }
            if let Some(error) = &props.error {
                <p class="problem" id={error_id}>{ error.clone() }</p>
            }
        </div>
    }
}
