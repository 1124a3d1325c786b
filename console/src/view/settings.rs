//! The owner's settings form, over the brand's settings JSON: each control edits one key
//! path, so fields the form does not show are saved as they were.

pub mod fields;
pub mod hours;

use crate::app::Intent;
use crate::state::settings::{get, text, SettingsForm};
use crate::state::ConnectorTest;
use fields::{Field, Kind};
use hours::HoursEditor;
use serde_json::Value;
use yew::prelude::*;

/// The key paths the form shows a control for (a refusal naming another goes on top).
pub const SHOWN: [&str; 14] = [
    "name",
    "themeColor",
    "greeting",
    "businessHours",
    "awayMessage",
    "allowedOrigins",
    "consent",
    "consent.text",
    "consent.privacyUrl",
    "retentionSeconds",
    "readReceipts",
    "visitorRateLimit",
    "visitorRateLimit.burst",
    "visitorRateLimit.perMinute",
];

/// The settings page's settings.
#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    /// The form, once loaded.
    pub form: Option<SettingsForm>,
    /// An agent key just created (shown once).
    pub new_key: Option<String>,
    /// Connector tests.
    pub tests: Vec<(String, ConnectorTest)>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The settings page.
#[function_component(Settings)]
pub fn settings(props: &SettingsProps) -> Html {
    let Some(form) = &props.form else {
        return html! { <section class="page"><h1>{ "Settings" }</h1><p class="quiet">{ "Loading…" }</p></section> };
    };
    let on_intent = &props.on_intent;
    let field = |label: &'static str, path: &'static str, kind: Kind| {
        html! { <Field {label} {path} {kind} value={get(&form.value, path).cloned()}
        error={form.error_at(path).map(str::to_string)} on_intent={on_intent.clone()} /> }
    };
    let on_submit = on_intent.reform(|event: SubmitEvent| {
        event.prevent_default();
        Intent::Save
    });
    let origins = get(&form.value, "allowedOrigins")
        .and_then(Value::as_array)
        .map(|origins| {
            origins
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    let connectors: Vec<(String, Value)> = get(&form.value, "connectors")
        .and_then(Value::as_object)
        .map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    html! {
        <section class="page" aria-labelledby="settings-title">
            <h1 id="settings-title">{ "Settings" }</h1>
            <form class="settings" onsubmit={on_submit} novalidate=true>
                if let Some(message) = form.error_on_top(&SHOWN) {
                    <p class="problem" role="alert">{ message.to_string() }</p>
                }
                <fieldset>
                    <legend>{ "The widget" }</legend>
                    { field("Name", "name", Kind::Text) }
                    { field("Accent colour", "themeColor", Kind::Colour) }
                    { field("Greeting", "greeting", Kind::Area) }
                    { field("Consent notice", "consent.text", Kind::Area) }
                    { field("Privacy policy URL", "consent.privacyUrl", Kind::Url) }
                    if let Some(error) = form.error_at("consent") { <p class="problem">{ error.to_string() }</p> }
                </fieldset>
                <fieldset>
                    <legend>{ "Hours" }</legend>
                    <HoursEditor value={get(&form.value, "businessHours").cloned()}
                        error={form.error_at("businessHours").map(str::to_string)} on_intent={on_intent.clone()} />
                    { field("Away message", "awayMessage", Kind::Area) }
                </fieldset>
                <fieldset>
                    <legend>{ "Access and privacy" }</legend>
                    <div class="field">
                        <label for="field-allowedOrigins">{ "Allowed origins (one per line)" }</label>
                        <textarea id="field-allowedOrigins" rows="3" value={origins}
                            aria-invalid={form.error_at("allowedOrigins").is_some().then_some("true")}
                            aria-describedby={form.error_at("allowedOrigins").map(|_| "error-allowedOrigins")}
                            oninput={on_intent.reform(|event: InputEvent| {
                                let lines: Vec<Value> = super::value_of(&event)
                                    .lines()
                                    .map(str::trim)
                                    .filter(|line| !line.is_empty())
                                    .map(|line| Value::String(line.to_string()))
                                    .collect();
                                Intent::Edit("allowedOrigins".into(), Value::Array(lines))
                            })} />
                        if let Some(error) = form.error_at("allowedOrigins") {
                            <p class="problem" id="error-allowedOrigins">{ error.to_string() }</p>
                        }
                    </div>
                    { field("Retention (seconds a quiet thread is kept)", "retentionSeconds", Kind::Number) }
                    { field("Read receipts", "readReceipts", Kind::Receipts) }
                    { field("Visitor burst (messages at once)", "visitorRateLimit.burst", Kind::Number) }
                    { field("Visitor rate (messages per minute)", "visitorRateLimit.perMinute", Kind::Number) }
                </fieldset>
                <div class="save-row">
                    <button type="submit" class="primary">{ "Save settings" }</button>
                    if form.just_saved { <span role="status">{ "Saved." }</span> }
                    else if form.dirty() { <span class="quiet">{ "Unsaved changes" }</span> }
                </div>
            </form>
            <section class="card" aria-labelledby="connectors-title">
                <h2 id="connectors-title">{ "Connectors" }</h2>
                if connectors.is_empty() { <p class="quiet">{ "No connector is set up." }</p> }
                { for connectors.iter().map(|(name, value)| connector(name, value, &props.tests, on_intent)) }
            </section>
            <section class="card" aria-labelledby="keys-title">
                <h2 id="keys-title">{ "Agent keys" }</h2>
                <p class="quiet">{ "A key lets your backend use the agent API. It is shown once." }</p>
                <button type="button" onclick={on_intent.reform(|_: MouseEvent| Intent::CreateKey)}>{ "Create an agent key" }</button>
                if let Some(key) = &props.new_key {
                    <div class="key">
                        <code id="new-key">{ key.clone() }</code>
                        <button type="button" onclick={let key = key.clone(); on_intent.reform(move |_: MouseEvent| Intent::Copy(key.clone()))}>{ "Copy" }</button>
                        <p role="status">{ "Copy it now: it will not be shown again." }</p>
                    </div>
                }
            </section>
        </section>
    }
}

fn connector(
    name: &str,
    value: &Value,
    tests: &[(String, ConnectorTest)],
    on_intent: &Callback<Intent>,
) -> Html {
    let rows: Vec<(String, String)> = value
        .as_object()
        .map(|map| {
            map.iter()
                .filter(|(_, value)| value.is_string() || value.is_number())
                .map(|(key, _)| (key.clone(), text(value, key)))
                .collect()
        })
        .unwrap_or_default();
    let test = tests
        .iter()
        .find(|(held, _)| held == name)
        .map(|(_, test)| test);
    let owned = name.to_string();
    // As the apps spell themselves; a test checks the credentials, and only Telegram's and
    // the webhook's post something.
    let label = match name {
        "telegram" => "Telegram",
        "whatsapp" => "WhatsApp",
        "wechat" => "WeChat",
        "webhook" => "the webhook",
        other => other,
    };
    html! {
        <div class="connector">
            <h3>{ label.trim_start_matches("the ").to_string() }</h3>
            <dl>
                { for rows.into_iter().map(|(key, value)| html! { <div><dt>{ key }</dt><dd><code>{ value }</code></dd></div> }) }
            </dl>
            <button type="button" disabled={test == Some(&ConnectorTest::Running)}
                onclick={on_intent.reform(move |_: MouseEvent| Intent::TestConnector(owned.clone()))}>
                { format!("Test {label}") }
            </button>
            <p role="status">
                { match test {
                    Some(ConnectorTest::Running) => "Testing…".to_string(),
                    Some(ConnectorTest::Done { ok, status, detail }) => format!(
                        "{}{}: {detail}",
                        if *ok { "Worked" } else { "Failed" },
                        status.map(|status| format!(" (HTTP {status})")).unwrap_or_default()
                    ),
                    None => String::new(),
                } }
            </p>
        </div>
    }
}
