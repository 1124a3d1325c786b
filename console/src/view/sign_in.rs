//! The sign-in page: "Email me a sign-in link", then "Check your email".

use super::value_of;
use crate::app::Intent;
use crate::state::SignInStage;
use yew::prelude::*;

/// The sign-in page's settings.
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Where sign-in stands.
    pub stage: SignInStage,
    /// A line to show (the relay unreachable…).
    pub notice: Option<String>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The sign-in page.
#[function_component(SignIn)]
pub fn sign_in(props: &SignInProps) -> Html {
    let email = use_state(String::new);
    let on_input = {
        let email = email.clone();
        Callback::from(move |event: InputEvent| email.set(value_of(&event)))
    };
    let on_submit = {
        let (email, on_intent) = (email.clone(), props.on_intent.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_intent.emit(Intent::RequestLink((*email).clone()));
        })
    };
    let form = html! {
        <form class="stack" onsubmit={on_submit}>
            <label for="sign-in-email">{ "Your work email" }</label>
            <input id="sign-in-email" type="email" required=true autocomplete="email"
                value={(*email).clone()} oninput={on_input} />
            <button type="submit" class="primary">{ "Email me a sign-in link" }</button>
        </form>
    };
    let body = match &props.stage {
        SignInStage::Sent(address) => html! {
            <>
                <h2>{ "Check your email" }</h2>
                <p role="status">{ format!("If {address} is on a team, a sign-in link is on its way. It works once, for a short while.") }</p>
                <button type="button" class="quiet-button"
                    onclick={props.on_intent.reform(|_: MouseEvent| Intent::SignInForm)}>
                    { "Use another address" }
                </button>
            </>
        },
        SignInStage::LinkRefused => html! {
            <>
                <p class="problem" role="alert">
                    { "That sign-in link was already used or has expired. Ask for a new one." }
                </p>
                { form }
            </>
        },
        SignInStage::SignedOut => html! {
            <>
                <p role="status">{ "You are signed out." }</p>
                { form }
            </>
        },
        SignInStage::Form => form,
    };
    html! {
        <section class="card sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{ "Sign in to your Confab console" }</h1>
            if let Some(notice) = &props.notice {
                <p class="problem" role="alert">{ notice.clone() }</p>
            }
            { body }
        </section>
    }
}
