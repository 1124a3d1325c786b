//! The thread: acknowledged messages in order — with day separators, delivery ticks,
//! channel marks and a divider before what arrived while the panel was closed — then those
//! still being sent. Text is always rendered as a text node, never as HTML.
//!
//! Classes are fixed strings; what varies (who wrote a message, how far it travelled) is in
//! `data-from` and `data-status`, which the stylesheet selects on: a class computed at run
//! time would compile Yew's class set (an index set of strings) into the widget.

use super::Intent;
use crate::i18n::Texts;
use crate::state::Outgoing;
use confab_protocol::{Author, Channel, DeliveryStatus, Message, Seq};
use yew::prelude::*;

/// The list's data.
#[derive(Properties, PartialEq)]
pub struct MessageListProps {
    /// The strings of the widget's language.
    pub texts: &'static Texts,
    /// Acknowledged messages, in order.
    pub messages: Vec<Message>,
    /// Messages still being sent.
    pub outbox: Vec<Outgoing>,
    /// Where the "new messages" divider goes, if anywhere.
    pub first_unread: Option<Seq>,
    /// Where the visitor left the list on the last page (`None`: at the latest message).
    pub initial_scroll: Option<i32>,
    /// Where the visitor's retries and scrolls go ([`Intent::Retry`], [`Intent::Scrolled`]:
    /// where the list is now, `None` at the latest message).
    pub on_intent: Callback<Intent>,
}

/// Within this many pixels of the bottom, the list counts as "at the latest message".
const AT_BOTTOM_PX: i32 = 48;

/// The scrolling list of messages. It follows new messages while the visitor is at the
/// bottom; a visitor reading further up is left there, with a button to jump down.
#[function_component(MessageList)]
pub fn message_list(props: &MessageListProps) -> Html {
    let texts = props.texts;
    let list = use_node_ref();
    let at_bottom = use_state(|| props.initial_scroll.is_none());
    // The last page's position is restored once, when the first messages are shown.
    let restored = use_mut_ref(|| props.initial_scroll.is_none());
    let count = props.messages.len() + props.outbox.len();
    // Messages that arrived while the visitor was reading further up.
    let unseen_below = use_state(|| false);
    {
        let (list, at_bottom, unseen_below) =
            (list.clone(), at_bottom.clone(), unseen_below.clone());
        let initial = props.initial_scroll;
        use_effect_with(count, move |&count| {
            if !*restored.borrow() {
                if let (Some(offset), Some(element), true) =
                    (initial, list.cast::<web_sys::Element>(), count > 0)
                {
                    element.set_scroll_top(offset);
                    *restored.borrow_mut() = true;
                }
            } else if *at_bottom {
                scroll_to_bottom(&list);
            } else {
                unseen_below.set(true);
            }
        });
    }
    let onscroll = {
        let (list, at_bottom, unseen_below) =
            (list.clone(), at_bottom.clone(), unseen_below.clone());
        let on_intent = props.on_intent.clone();
        Callback::from(move |_: Event| {
            if let Some(element) = list.cast::<web_sys::Element>() {
                let bottom =
                    element.scroll_height() - element.scroll_top() - element.client_height()
                        < AT_BOTTOM_PX;
                on_intent.emit(Intent::Scrolled((!bottom).then(|| element.scroll_top())));
                if bottom != *at_bottom {
                    at_bottom.set(bottom);
                }
                if bottom && *unseen_below {
                    unseen_below.set(false);
                }
            }
        })
    };
    let jump = {
        let list = list.clone();
        Callback::from(move |_: MouseEvent| scroll_to_bottom(&list))
    };

    let mut items = Vec::with_capacity(props.messages.len() + 4);
    let mut last_day = None;
    for message in &props.messages {
        let day = local_day(message.created_at.0);
        if last_day != Some(day) {
            items.push(html! {
                <li class="confab-day" key={format!("day-{day}")}>
                    { day_label(message.created_at.0, texts) }
                </li>
            });
            last_day = Some(day);
        }
        if props.first_unread == Some(message.seq) {
            items.push(html! {
                <li class="confab-divider" key="new-messages">{ texts.new_messages }</li>
            });
        }
        items.push(stored(message, texts));
    }
    html! {
        <div class="confab-thread">
            <ol class="confab-messages" ref={list} aria-live="polite" {onscroll}>
                { for items }
                { for props.outbox.iter().map(|outgoing| pending(outgoing, &props.on_intent, texts)) }
            </ol>
            if *unseen_below && !*at_bottom {
                <button type="button" class="confab-jump" onclick={jump}>{ texts.jump_to_latest }</button>
            }
        </div>
    }
}

fn scroll_to_bottom(list: &NodeRef) {
    if let Some(element) = list.cast::<web_sys::Element>() {
        element.set_scroll_top(element.scroll_height());
    }
}

fn stored(message: &Message, texts: &Texts) -> Html {
    let from_visitor = message.author == Author::Visitor;
    let via = match message.channel {
        Channel::Whatsapp => Some(texts.via_whatsapp),
        Channel::Telegram if from_visitor => Some(texts.via_telegram),
        _ => None,
    };
    // Ticks only on the visitor's own messages: how far they have travelled.
    let status = from_visitor.then_some(match message.status {
        DeliveryStatus::Sent => ("sent", "✓", texts.sent),
        DeliveryStatus::Delivered => ("delivered", "✓✓", texts.delivered),
        DeliveryStatus::Read => ("read", "✓✓", texts.read),
        DeliveryStatus::Failed => ("failed", "!", texts.failed),
        DeliveryStatus::Unknown => ("sent", "✓", texts.sent),
    });
    let failure = (message.status == DeliveryStatus::Failed)
        .then(|| message.failure.clone())
        .flatten();
    html! {
        <li
            class="confab-message"
            data-from={if from_visitor { "visitor" } else { "team" }}
            key={message.seq.0}
            data-seq={message.seq.0.to_string()}
        >
            <p class="confab-text">{ &message.text }</p>
            <span class="confab-meta">
                if let Some(via) = via {
                    <span class="confab-via">{ via }{ " · " }</span>
                }
                { clock(message.created_at.0) }
                if let Some((name, mark, label)) = status {
                    <span class="confab-status" data-status={name} title={label}>
                        <span aria-hidden="true">{ " " }{ mark }</span>
                        <span class="confab-visually-hidden">{ label }</span>
                    </span>
                }
            </span>
            if let Some(failure) = failure {
                <span class="confab-failure">{ failure }</span>
            }
        </li>
    }
}

fn pending(outgoing: &Outgoing, on_intent: &Callback<Intent>, texts: &Texts) -> Html {
    // A failed message is retried by itself, with backoff; the visitor can retry at once.
    let status = if outgoing.error.is_some() {
        html! {
            <button type="button" class="confab-retry" onclick={on_intent.reform(|_: MouseEvent| Intent::Retry)}>
                { texts.not_sent_retry }
            </button>
        }
    } else {
        html! { { texts.sending } }
    };
    html! {
        <li class="confab-message confab-pending" data-from="visitor" key={outgoing.client_id.as_str()}>
            <p class="confab-text">{ &outgoing.text }</p>
            <span class="confab-meta">{ status }</span>
        </li>
    }
}

fn date(millis: u64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64))
}

/// A number for the visitor's local calendar day (comparable, not a date).
fn local_day(millis: u64) -> u32 {
    let date = date(millis);
    date.get_full_year() * 400 + date.get_month() * 32 + date.get_date()
}

/// "Today", "Yesterday", or the date in the widget's language.
pub(crate) fn day_label(millis: u64, texts: &Texts) -> String {
    let now = js_sys::Date::now() as u64;
    let day = local_day(millis);
    if day == local_day(now) {
        texts.today.to_string()
    } else if day == local_day(now.saturating_sub(86_400_000)) {
        texts.yesterday.to_string()
    } else {
        date(millis)
            .to_locale_date_string(texts.code, &wasm_bindgen::JsValue::UNDEFINED)
            .into()
    }
}

/// `HH:MM` in the visitor's time zone.
pub(crate) fn clock(millis: u64) -> String {
    let date = date(millis);
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
