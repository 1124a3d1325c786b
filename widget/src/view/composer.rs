//! The composer: Enter sends, Shift+Enter starts a new line, and Enter that confirms an IME
//! candidate (Chinese, Japanese input) does neither.

use super::use_texts;
use yew::prelude::*;

/// The composer's data.
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// The text being written.
    pub draft: String,
    /// The text changed.
    pub on_draft: Callback<String>,
    /// The visitor sent the text.
    pub on_send: Callback<()>,
}

/// The text box and send button at the bottom of the panel.
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let texts = use_texts();
    let oninput = props.on_draft.reform(|event: InputEvent| {
        event
            .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
            .value()
    });
    let onkeydown = {
        let on_send = props.on_send.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
                event.prevent_default();
                on_send.emit(());
            }
        })
    };
    let onsubmit = props
        .on_send
        .reform(|event: SubmitEvent| event.prevent_default());
    html! {
        <form class="confab-composer" {onsubmit}>
            <textarea
                class="confab-input"
                rows="1"
                aria-label={texts.message}
                placeholder={texts.placeholder}
                value={props.draft.clone()}
                {oninput}
                {onkeydown}
            />
            <button type="submit" class="confab-send" aria-label={texts.send} />
        </form>
    }
}
