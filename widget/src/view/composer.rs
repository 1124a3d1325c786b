//! The composer: Enter sends, Shift+Enter starts a new line, and Enter that confirms an IME
//! candidate (Chinese, Japanese input) does neither.

use crate::i18n::Texts;
use yew::prelude::*;

/// The composer's data.
pub struct ComposerProps<'a> {
    /// The text being written.
    pub draft: &'a str,
    /// The text changed.
    pub on_draft: &'a Callback<String>,
    /// The visitor sent the text.
    pub on_send: &'a Callback<()>,
}

/// The text box and send button at the bottom of the panel.
pub fn composer(props: ComposerProps, texts: &Texts) -> Html {
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
                value={props.draft.to_string()}
                {oninput}
                {onkeydown}
            />
            <button type="submit" class="confab-send" aria-label={texts.send} />
        </form>
    }
}
