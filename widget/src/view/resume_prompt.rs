//! The question a resume link asks when this browser already has a conversation: keep it,
//! or switch to the link's. Someone else's link would otherwise carry the visitor's next
//! messages into a thread its sender reads.

use super::Intent;
use crate::i18n::Texts;
use crate::state::State;
use yew::prelude::*;

/// Names both conversations — this browser's by its size and the start of its last message
/// (the stylesheet keeps it to one line) — and offers to keep it (focused first) or to
/// switch.
pub fn resume_prompt(state: &State, on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    let count = state.messages.len() + state.outbox.len();
    let count = if count == 1 {
        texts.one_message.to_string()
    } else {
        format!("{count} {}", texts.messages)
    };
    // What the visitor wrote last comes after what the relay holds.
    let last = state
        .outbox
        .last()
        .map(|outgoing| outgoing.text.clone())
        .or_else(|| state.messages.last().map(|message| message.text.clone()));
    let choose = |switch| on_intent.reform(move |_: MouseEvent| Intent::Resume(switch));
    html! {
        <div
            class="confab-resume"
            role="alertdialog"
            aria-labelledby="confab-resume-title"
            aria-describedby="confab-resume-here confab-resume-there"
        >
            <h3 id="confab-resume-title">{ texts.resume_title }</h3>
            <p id="confab-resume-here">
                <strong>{ texts.resume_here }</strong>
                { count }{ texts.last_was }<q>{ last }</q>
            </p>
            <p id="confab-resume-there">
                <strong>{ texts.resume_linked }</strong>
                { texts.resume_warning }
            </p>
            <button type="button" class="confab-resume-keep" onclick={choose(false)}>
                { texts.resume_keep }
            </button>
            <button type="button" class="confab-resume-switch" onclick={choose(true)}>
                { texts.resume_switch }
            </button>
        </div>
    }
}
