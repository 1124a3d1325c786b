//! The install page: the script tag to copy, and a live preview of the widget with the
//! unsaved settings (a phone-sized frame of `preview.html`, given the relay's preview of
//! the brand's profile by `postMessage`), in English or Chinese.

use super::settings::fields::{Field, Kind};
use crate::app::Intent;
use crate::state::settings::{get, SettingsForm};
use confab_protocol::BrandProfile;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The install page's settings.
#[derive(Properties, PartialEq)]
pub struct InstallProps {
    /// The brand's id (the tag's `data-brand`).
    pub brand: String,
    /// The settings form, once loaded (its colour and greeting are edited here too).
    pub form: Option<SettingsForm>,
    /// The relay's preview of the unsaved settings.
    pub preview: Option<BrandProfile>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The install page.
#[function_component(Install)]
pub fn install(props: &InstallProps) -> Html {
    let lang = use_state(|| "en");
    let frame = use_node_ref();
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    let tag = format!(
        "<script src=\"{origin}/widget.js\" data-brand=\"{}\" async></script>",
        props.brand
    );
    {
        // Every new profile (and every load of the frame) is posted to the frame.
        let frame = frame.clone();
        use_effect_with(props.preview.clone(), move |profile| {
            post(&frame, profile.as_ref());
        });
    }
    let on_load = {
        let (frame, profile) = (frame.clone(), props.preview.clone());
        Callback::from(move |_: Event| post(&frame, profile.as_ref()))
    };
    let on_intent = &props.on_intent;
    let language = |code: &'static str, label: &'static str, lang_attr: &'static str| {
        let state = lang.clone();
        html! {
            <button type="button" lang={lang_attr} aria-pressed={(*lang == code).to_string()}
                onclick={Callback::from(move |_: MouseEvent| state.set(code))}>{ label }</button>
        }
    };
    let quick = props.form.as_ref().map(|form| {
        html! {
            <>
                <Field label="Accent colour" path="themeColor" kind={Kind::Colour}
                    value={get(&form.value, "themeColor").cloned()} error={form.error_at("themeColor").map(str::to_string)}
                    on_intent={on_intent.clone()} />
                <Field label="Greeting" path="greeting" kind={Kind::Area}
                    value={get(&form.value, "greeting").cloned()} error={form.error_at("greeting").map(str::to_string)}
                    on_intent={on_intent.clone()} />
                <div class="save-row">
                    <button type="button" class="primary" onclick={on_intent.reform(|_: MouseEvent| Intent::Save)}>{ "Save settings" }</button>
                    if form.just_saved { <span role="status">{ "Saved." }</span> }
                    else if form.dirty() { <span class="quiet">{ "Unsaved changes: the preview shows them" }</span> }
                </div>
            </>
        }
    });
    html! {
        <section class="page install" aria-labelledby="install-title">
            <h1 id="install-title">{ "Install" }</h1>
            <div class="install-grid">
                <div class="stack">
                    <h2>{ "Your script tag" }</h2>
                    <p>{ "Paste it before </body> on every page that shows the chat." }</p>
                    <pre class="code" tabindex="0" aria-label="Script tag"><code>{ tag.clone() }</code></pre>
                    <button type="button" onclick={on_intent.reform(move |_: MouseEvent| Intent::Copy(tag.clone()))}>{ "Copy the tag" }</button>
                    <h2>{ "Try changes" }</h2>
                    { quick.unwrap_or_default() }
                </div>
                <div class="stack preview">
                    <h2>{ "Preview" }</h2>
                    <div class="toggle" role="group" aria-label="Preview language">
                        { language("en", "English", "en") }
                        { language("zh", "中文", "zh") }
                    </div>
                    <iframe ref={frame} class="phone" title="Widget preview"
                        src={format!("preview.html?lang={}", *lang)} onload={on_load} />
                </div>
            </div>
        </section>
    }
}

/// Posts the profile to the preview frame (same origin only).
fn post(frame: &NodeRef, profile: Option<&BrandProfile>) {
    let (Some(frame), Some(profile)) = (frame.cast::<web_sys::HtmlIFrameElement>(), profile) else {
        return;
    };
    let Some(target) = frame.content_window() else {
        return;
    };
    let Ok(json) = serde_json::to_string(&serde_json::json!({
        "type": "confab-preview",
        "profile": profile,
    })) else {
        return;
    };
    let origin = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    let message = js_sys::JSON::parse(&json).unwrap_or_default();
    let _ = target
        .unchecked_ref::<web_sys::Window>()
        .post_message(&message, &origin);
}
