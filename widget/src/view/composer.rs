//! The composer: Enter sends, Shift+Enter starts a new line, and Enter that confirms an IME
//! candidate (Chinese, Japanese input) does neither. Files come from the paper-clip button
//! or a paste, and wait above the text box until sent.

use super::attachments::{files_of, staged};
use super::Intent;
use crate::i18n::Texts;
use crate::state::OutFile;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The composer's data.
pub struct ComposerProps<'a> {
    /// The text being written.
    pub draft: &'a str,
    /// The files picked for the message.
    pub staged: &'a [OutFile],
    /// Whether more were picked than a message takes (then the composer says so).
    pub files_left_out: bool,
    /// Where changes and sends go ([`Intent::Draft`], [`Intent::Send`], [`Intent::Files`],
    /// [`Intent::Unstage`]).
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
    // Files pasted (a screenshot) are staged; pasted text is left to the text box.
    let onpaste = {
        let on_intent = props.on_intent.clone();
        Callback::from(move |event: Event| {
            let files = event
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|event| event.clipboard_data())
                .and_then(|data| data.files());
            let files = files_of(files);
            if !files.is_empty() {
                event.prevent_default();
                on_intent.emit(Intent::Files(files));
            }
        })
    };
    let onchange = props.on_intent.reform(|event: Event| {
        let input = event.target_unchecked_into::<web_sys::HtmlInputElement>();
        let files = files_of(input.files());
        // Emptied, so that picking the same file again is a change too.
        input.set_value("");
        Intent::Files(files)
    });
    html! {
        <form class="confab-composer" {onsubmit}>
            { staged(props.staged, props.on_intent, texts) }
            if props.files_left_out {
                <p class="confab-files-note" role="status">{ texts.too_many_files }</p>
            }
            <label class="confab-attach">
                <input type="file" multiple=true class="confab-visually-hidden"
                    aria-label={texts.attach} {onchange} />
            </label>
            <textarea
                class="confab-input"
                rows="1"
                aria-label={texts.message}
                placeholder={texts.placeholder}
                value={props.draft.to_string()}
                {oninput}
                {onkeydown}
                {onpaste}
            />
            <button type="submit" class="confab-send" aria-label={texts.send} />
        </form>
    }
}
