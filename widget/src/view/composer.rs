//! The composer: Enter sends, Shift+Enter starts a new line, and Enter that confirms an IME
//! candidate (Chinese, Japanese input) does neither.

use super::Intent;
use crate::i18n::Texts;
use yew::prelude::*;

/// The composer's data.
pub struct ComposerProps<'a> {
    /// The text being written.
    pub draft: &'a str,
    /// Where changes and sends go ([`Intent::Draft`], [`Intent::Send`]).
    pub on_intent: &'a Callback<Intent>,
}

/// The text box and send button at the bottom of the panel.
pub fn composer(props: ComposerProps, texts: &Texts) -> Html {
    let oninput = props.on_intent.reform(|event: InputEvent| {
        Intent::Draft(
            event
                .target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                .value(),
        )
    });
    let onkeydown = {
        let on_intent = props.on_intent.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
                event.prevent_default();
                on_intent.emit(Intent::Send);
            }
        })
    };
    let onsubmit = props.on_intent.reform(|event: SubmitEvent| {
        event.prevent_default();
        Intent::Send
    });
    html! {
        <form class="confab-composer" {onsubmit}>
            <textarea
                class="confab-input"
                rows="1"
                aria-label={texts.message}
                placeholder={texts.placeholder}
                value={props.draft.to_string()}
                {oninput}
                {onkeydown}
            />
            <button type="submit" class="confab-send" aria-label={texts.send} />
        </form>
    }
}
