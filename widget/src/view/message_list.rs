//! The thread: acknowledged messages in order — with day separators, delivery ticks,
//! channel marks and a divider before what arrived while the panel was closed — then those
//! still being sent. Text is always rendered as a text node, never as HTML.
//!
//! Classes are fixed strings; what varies (who wrote a message, how far it travelled) is in
//! `data-from` and `data-status`, which the stylesheet selects on: a class computed at run
//! time would compile Yew's class set (an index set of strings) into the widget.

use super::attachments::{attachments, outgoing_files};
use super::panel::image_url;
use super::rating::ask_buttons;
use super::viewer::viewer;
use super::Intent;
use crate::i18n::Texts;
use crate::state::Outgoing;
use confab_protocol::{
    Author, BrandProfile, Channel, ClientMessageId, DeliveryStatus, Message, Seq,
};
use yew::prelude::*;

/// The list's data.
#[derive(Properties, PartialEq)]
pub struct MessageListProps {
    /// The strings of the widget's language.
    pub texts: &'static Texts,
    /// The relay's origin, which team members' pictures come from.
    pub relay: AttrValue,
    /// Acknowledged messages, in order.
    pub messages: Vec<Message>,
    /// Messages still being sent.
    pub outbox: Vec<Outgoing>,
    /// The one being sent now.
    pub sending: Option<ClientMessageId>,
    /// Where the "new messages" divider goes, if anywhere.
    pub first_unread: Option<Seq>,
    /// Where the visitor left the list on the last page (`None`: at the latest message).
    pub initial_scroll: Option<i32>,
    /// The brand: its greeting opens the thread, its name stands for team members whose
    /// names are unknown or not shown, and its suggested questions start an empty thread.
    pub brand: Option<BrandProfile>,
    /// The brand's away message, while the team is away.
    pub away: Option<String>,
    /// Whether the visitor may write now (no privacy notice waiting): suggested questions
    /// show only then.
    pub can_write: bool,
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
        // Restored once the brand is known too: its greeting stands above the messages,
        // and a position restored before it is drawn would be off by its height.
        let brand_known = props.brand.is_some();
        let shown = use_mut_ref(|| 0);
        use_effect_with((count, brand_known), move |&(count, brand_known)| {
            let grew = count != std::mem::replace(&mut *shown.borrow_mut(), count);
            if !*restored.borrow() {
                if let (Some(offset), Some(element), true, true) = (
                    initial,
                    list.cast::<web_sys::Element>(),
                    count > 0,
                    brand_known,
                ) {
                    element.set_scroll_top(offset);
                    *restored.borrow_mut() = true;
                }
            } else if grew && *at_bottom {
                scroll_to_bottom(&list);
            } else if grew {
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
    let brand = props.brand.as_ref();
    let brand_name = brand.map_or("", |brand| brand.name.as_str());
    let show_names = brand.is_none_or(|brand| brand.show_agent_names);
    let empty = props.messages.is_empty() && props.outbox.is_empty();
    // The greeting opens the thread: shown above its first message, never stored.
    let greeting = brand
        .and_then(|brand| brand.greeting.as_deref())
        .filter(|text| !text.is_empty())
        .filter(|_| {
            props
                .messages
                .first()
                .is_none_or(|first| first.seq == Seq(1))
        });
    let logo = brand.and_then(|brand| brand.logo_url.as_deref());
    if let Some(greeting) = greeting {
        items.push(html! {
            <li class="confab-welcome" key="greeting" data-sender={brand_name.to_string()}
                data-first="" data-hue={hue(brand_name)} data-initials={initials(brand_name)}>
                if let Some(src) = logo.and_then(|path| image_url(&props.relay, path)) {
                    <img class="confab-face" {src} alt="" />
                }
                <p class="confab-text">{ greeting }</p>
            </li>
        });
    }
    if let Some(away) = props.away.as_ref().filter(|_| empty) {
        items.push(html! {
            <li class="confab-away" key="away">{ away }</li>
        });
    }
    let questions = brand
        .map(|brand| brand.suggested_questions.as_slice())
        .unwrap_or_default();
    if empty && props.can_write && !questions.is_empty() {
        items.push(html! {
            <li class="confab-suggestions" key="suggestions" aria-label={texts.suggested}>
                { ask_buttons(questions, &props.on_intent) }
            </li>
        });
    }
    let mut last_day = None;
    // Who wrote the message before: consecutive messages of one writer form a group, named
    // once.
    let mut last_writer: Option<&str> = None;
    for message in &props.messages {
        let day = local_day(message.created_at.0);
        if last_day != Some(day) {
            items.push(html! {
                <li class="confab-day" key={format!("day-{day}")}>
                    { day_label(message.created_at.0, texts) }
                </li>
            });
            last_day = Some(day);
            last_writer = None;
        }
        if props.first_unread == Some(message.seq) {
            items.push(html! {
                <li class="confab-divider" key="new-messages">{ texts.new_messages }</li>
            });
            last_writer = None;
        }
        let writer = writer(message, brand_name, show_names);
        let first = writer.is_some() && writer != last_writer;
        last_writer = writer;
        // The first of a group shows its writer's picture: theirs if they have one and
        // names are shown, else the brand's logo for messages signed by the brand.
        let face = first
            .then(|| match message.sender.as_ref().filter(|_| show_names) {
                Some(sender) => sender.avatar_url.as_deref(),
                None => logo,
            })
            .flatten()
            .and_then(|path| image_url(&props.relay, path));
        let files = attachments(&message.attachments, &props.relay);
        items.push(stored(message, writer, face, first, files, texts));
    }
    html! {
        <div class="confab-thread">
            // Focusable, so that a keyboard can scroll the thread when nothing in it takes focus.
            <ol class="confab-messages" ref={list} aria-live="polite" tabindex="0" {onscroll}>
                { for items }
                { for props.outbox.iter().map(|outgoing| {
                    let sending = props.sending.as_ref() == Some(&outgoing.client_id);
                    pending(outgoing, sending, &props.on_intent, texts)
                }) }
            </ol>
            { viewer(texts) }
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

/// The name a message is shown under: a team member's (if known and the brand shows
/// names) or the brand's; `None` for the visitor's own and the relay's notices.
fn writer<'a>(message: &'a Message, brand_name: &'a str, show_names: bool) -> Option<&'a str> {
    match message.author {
        Author::Agent | Author::Bot => Some(
            message
                .sender
                .as_ref()
                .filter(|_| show_names)
                .map_or(brand_name, |sender| sender.name.as_str()),
        ),
        _ => None,
    }
}

/// Up to two letters standing for a name: the first of its first and last words ("Ana
/// Lima": "AL"; "王芳": "王"). Latin letters are capitalised (only ASCII: Unicode's case
/// tables would cost every visitor kilobytes).
pub(crate) fn initials(name: &str) -> String {
    let (mut first, mut last, mut after_space) = (None, None, true);
    for c in name.chars() {
        if c == ' ' {
            after_space = true;
        } else if after_space {
            after_space = false;
            match first {
                None => first = Some(c),
                Some(_) => last = Some(c),
            }
        }
    }
    first
        .into_iter()
        .chain(last)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// One of the stylesheet's eight avatar colours, the same for a name wherever it shows.
pub(crate) fn hue(name: &str) -> String {
    let sum = name
        .chars()
        .fold(0u32, |sum, c| sum.wrapping_mul(31).wrapping_add(c as u32));
    (sum % 8).to_string()
}

/// A stored message. A team message carries its writer's name in `data-sender`, which the
/// stylesheet shows above the first message of a group (with initials on a colour, in
/// `data-initials` and `data-hue`) and leaves to screen readers on the others: generated
/// content is read with the message, and the message's own text stays its text.
fn stored(
    message: &Message,
    writer: Option<&str>,
    face: Option<String>,
    first: bool,
    files: Html,
    texts: &Texts,
) -> Html {
    let from_visitor = message.author == Author::Visitor;
    let via = match message.channel {
        _ if message.author == Author::Bot => Some(texts.bot),
        Channel::Whatsapp => Some(texts.via_whatsapp),
        Channel::Wechat => Some(texts.via_wechat),
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
            data-from={match message.author {
                Author::Visitor => "visitor",
                Author::System => "system",
                _ => "team",
            }}
            key={message.seq.0}
            data-seq={message.seq.0.to_string()}
            data-sender={writer.map(str::to_string)}
            data-first={first.then_some("")}
            data-hue={writer.filter(|_| first).map(hue)}
            data-initials={writer.filter(|_| first).map(initials)}
        >
            if let Some(src) = face {
                <img class="confab-face" {src} alt="" />
            }
            if !message.text.is_empty() {
                <p class="confab-text">{ &message.text }</p>
            }
            { files }
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

fn pending(
    outgoing: &Outgoing,
    sending: bool,
    on_intent: &Callback<Intent>,
    texts: &Texts,
) -> Html {
    let with_files = !outgoing.files.is_empty();
    // What may go later (offline, the relay busy) waits, like a messaging app's clock, and
    // is retried by itself; only what the relay refused is a failure for the visitor to act on.
    let (state, status) = match (&outgoing.error, outgoing.retryable) {
        (None, _) => ("sending", html! { { texts.sending } }),
        (Some(_), true) => ("waiting", html! { { texts.waiting } }),
        // A refused file is told why, in the visitor's words; the message can only be removed.
        (Some(reason), false) if with_files => (
            "failed",
            html! { <span class="confab-failure">{ reason }</span> },
        ),
        (Some(_), false) => (
            "failed",
            html! {
                <button type="button" class="confab-retry" onclick={on_intent.reform(|_: MouseEvent| Intent::Retry)}>
                    { texts.not_sent_retry }
                </button>
            },
        ),
    };
    html! {
        <li class="confab-message confab-pending" data-from="visitor" data-state={state} key={outgoing.client_id.as_str()}>
            if !outgoing.text.is_empty() {
                <p class="confab-text">{ &outgoing.text }</p>
            }
            { outgoing_files(outgoing, sending, on_intent, texts) }
            <span class="confab-meta">{ status }</span>
        </li>
    }
}

fn date(millis: u64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64))
}

/// A number for the visitor's local calendar day (comparable, not a date).
pub(crate) fn local_day(millis: u64) -> u32 {
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
