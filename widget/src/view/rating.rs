//! Under the thread, once the team has spoken: the quick replies its latest message offers
//! (a tap sends the reply's text as the visitor's), and the rating of a resolved
//! conversation: five points, then an optional comment and the send button.

use super::reach::form_field;
use super::Intent;
use crate::i18n::{fill, Texts};
use crate::state::RatingPrompt;
use yew::prelude::*;

/// The quick replies, drawn as the suggested questions are; nothing when there are none.
pub fn quick_replies(replies: &[String], on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    if replies.is_empty() {
        return Html::default();
    }
    html! {
        <div class="confab-suggestions confab-replies" role="group" aria-label={texts.quick_replies}>
            { ask_buttons(replies, on_intent) }
        </div>
    }
}

/// A button for each text that sends it as the visitor's message (suggested questions and
/// quick replies alike).
pub(super) fn ask_buttons(texts: &[String], on_intent: &Callback<Intent>) -> Html {
    texts
        .iter()
        .map(|text| {
            let ask = text.clone();
            html! {
                <button type="button" class="confab-suggestion"
                    onclick={on_intent.reform(move |_: MouseEvent| Intent::Ask(ask.clone()))}>
                    { text }
                </button>
            }
        })
        .collect()
}

/// The rating: the question and the scale, then (a score picked) the comment field and
/// the send button; or the thanks once sent.
pub fn rating(prompt: RatingPrompt, on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    let score = match prompt {
        RatingPrompt::Thanks => {
            return html! { <p class="confab-rating" role="status">{ texts.rate_thanks }</p> }
        }
        RatingPrompt::Ask(score) => score,
    };
    let onsubmit = on_intent.reform(|event: SubmitEvent| Intent::Rate(form_field(&event)));
    let mut points = Vec::with_capacity(5);
    for (point, digit) in (1..).zip(["1", "2", "3", "4", "5"]) {
        points.push(html! {
            <button type="button" aria-label={fill(texts.rate_score, digit)}
                aria-pressed={if score == Some(point) { "true" } else { "false" }}
                data-on={score.filter(|score| point <= *score).map(|_| "")}
                onclick={on_intent.reform(move |_: MouseEvent| Intent::Score(point))}>
                { "★" }
            </button>
        });
    }
    html! {
        <form class="confab-rating" {onsubmit}>
            <p>{ texts.rate_prompt }</p>
            <div class="confab-stars" role="group" aria-label={texts.rate_prompt}>{ points }</div>
            if score.is_some() {
                <input type="text" maxlength="1000" aria-label={texts.rate_comment}
                    placeholder={texts.rate_comment} />
                <button type="submit" class="confab-email-submit">{ texts.send }</button>
            }
        </form>
    }
}
