//! Reaching the visitor after they leave: the sheet that asks for their email address and
//! offers notifications in this browser, and where those stand.

use super::Intent;
use crate::i18n::{fill, Texts};
use confab_protocol::{EmailStatus, EmailVerification};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The sheet: the address field (checked by the browser, `type="email"`, then by the
/// relay) when the brand emails replies, the notification button when this browser can
/// push, and why the last try failed (`problem`).
pub fn reach_form(
    (email, push): (bool, bool),
    problem: Option<&str>,
    on_intent: &Callback<Intent>,
    texts: &Texts,
) -> Html {
    let onsubmit = on_intent.reform(|event: SubmitEvent| Intent::Email(Some(form_field(&event))));
    html! {
        <form class="confab-email" {onsubmit}>
            if email {
                <label>
                    { texts.email_prompt }
                    <input type="email" name="email" autocomplete="email" required=true
                        class="confab-email-address" />
                </label>
                <button type="submit" class="confab-email-submit">{ texts.email_submit }</button>
            }
            if push {
                <button type="button" class="confab-push"
                    onclick={on_intent.reform(|_: MouseEvent| Intent::Notify)}>
                    { texts.notify_me }
                </button>
            }
            if let Some(problem) = problem {
                <p class="confab-failure" role="alert">{ problem }</p>
            }
            <button type="button" class="confab-link-done"
                onclick={on_intent.reform(|_: MouseEvent| Intent::ReachForm(false))}>
                { texts.close }
            </button>
        </form>
    }
}

/// A submitted form's first field, trimmed; the page is not left.
pub(super) fn form_field(event: &SubmitEvent) -> String {
    event.prevent_default();
    event
        .target_unchecked_into::<web_sys::Element>()
        .query_selector("input")
        .ok()
        .flatten()
        .map(|input| input.unchecked_into::<web_sys::HtmlInputElement>().value())
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Where the thread's address stands (its link not opened yet, or replies going there),
/// with "Stop".
pub fn email_state(status: &EmailStatus, on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    let template = match status.state {
        EmailVerification::Pending => texts.email_pending,
        EmailVerification::Verified => texts.email_verified,
        EmailVerification::Unknown => return Html::default(),
    };
    html! {
        <p class="confab-linked" role="status">
            { fill(template, &status.address) }{ " " }
            <button type="button" class="confab-email-stop"
                onclick={on_intent.reform(|_: MouseEvent| Intent::Email(None))}>
                { texts.email_stop }
            </button>
        </p>
    }
}
