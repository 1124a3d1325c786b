//! The thread: acknowledged messages in order, then those still being sent. Text is always
//! rendered as a text node, never as HTML.

use super::use_texts;
use crate::i18n::Texts;
use crate::state::Outgoing;
use confab_protocol::{Author, Message};
use yew::prelude::*;

/// The list's data.
#[derive(Properties, PartialEq)]
pub struct MessageListProps {
    /// Acknowledged messages, in order.
    pub messages: Vec<Message>,
    /// Messages still being sent.
    pub outbox: Vec<Outgoing>,
    /// The visitor asked to retry what could not be sent.
    pub on_retry: Callback<()>,
}

/// The scrolling list of messages; it keeps the newest in view.
#[function_component(MessageList)]
pub fn message_list(props: &MessageListProps) -> Html {
    let texts = use_texts();
    let list = use_node_ref();
    {
        let list = list.clone();
        let count = props.messages.len() + props.outbox.len();
        use_effect_with(count, move |_| {
            if let Some(element) = list.cast::<web_sys::Element>() {
                element.set_scroll_top(element.scroll_height());
            }
        });
    }
    html! {
        <ol class="confab-messages" ref={list} aria-live="polite">
            { for props.messages.iter().map(stored) }
            { for props.outbox.iter().map(|outgoing| pending(outgoing, &props.on_retry, texts)) }
        </ol>
    }
}

fn stored(message: &Message) -> Html {
    let from = match message.author {
        Author::Visitor => "confab-from-visitor",
        _ => "confab-from-team",
    };
    html! {
        <li class={classes!("confab-message", from)} key={message.seq.0} data-seq={message.seq.0.to_string()}>
            <p class="confab-text">{ &message.text }</p>
            <span class="confab-meta">{ clock(message.created_at.0) }</span>
        </li>
    }
}

fn pending(outgoing: &Outgoing, on_retry: &Callback<()>, texts: &Texts) -> Html {
    // A failed message is retried by itself, with backoff; the visitor can retry at once.
    let status = if outgoing.error.is_some() {
        html! {
            <button type="button" class="confab-retry" onclick={on_retry.reform(|_: MouseEvent| ())}>
                { texts.not_sent_retry }
            </button>
        }
    } else {
        html! { { texts.sending } }
    };
    html! {
        <li class="confab-message confab-from-visitor confab-pending" key={outgoing.client_id.as_str()}>
            <p class="confab-text">{ &outgoing.text }</p>
            <span class="confab-meta">{ status }</span>
        </li>
    }
}

/// `HH:MM` in the visitor's time zone.
fn clock(millis: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
