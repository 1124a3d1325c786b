//! Replies by email: the form that asks for the visitor's address, and where the address
//! stands (its link not opened yet, or replies going there, with a way to stop).

use super::Intent;
use crate::i18n::{fill, Texts};
use confab_protocol::{EmailStatus, EmailVerification};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The form: one address field, checked by the browser (`type="email"`) and then by the
/// relay, whose refusal (`problem`) is said under it.
pub fn email_form(problem: Option<&str>, on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    let onsubmit = on_intent.reform(|event: SubmitEvent| {
        event.prevent_default();
        let address = event
            .target_unchecked_into::<web_sys::Element>()
            .query_selector("input")
            .ok()
            .flatten()
            .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|input| input.value())
            .unwrap_or_default();
        Intent::Email(address.trim().to_string())
    });
    html! {
        <form class="confab-email" {onsubmit}>
            <label>
                { texts.email_prompt }
                <input type="email" name="email" autocomplete="email" required=true
                    class="confab-email-address" />
            </label>
            if let Some(problem) = problem {
                <p class="confab-failure" role="alert">{ problem }</p>
            }
            <button type="submit" class="confab-email-submit">{ texts.email_submit }</button>
            <button type="button" class="confab-link-done"
                onclick={on_intent.reform(|_: MouseEvent| Intent::EmailForm(false))}>
                { texts.close }
            </button>
        </form>
    }
}

/// Where the thread's address stands: waiting for its link to be opened, or receiving the
/// replies the visitor has not seen (with "Stop").
pub fn email_state(status: &EmailStatus, on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    match status.state {
        EmailVerification::Pending => html! {
            <p class="confab-linked" role="status">{ fill(texts.email_pending, &status.address) }</p>
        },
        EmailVerification::Verified => html! {
            <p class="confab-linked">
                { fill(texts.email_verified, &status.address) }{ " " }
                <button type="button" class="confab-email-stop"
                    onclick={on_intent.reform(|_: MouseEvent| Intent::StopEmail)}>
                    { texts.email_stop }
                </button>
            </p>
        },
        EmailVerification::Unknown => Html::default(),
    }
}
