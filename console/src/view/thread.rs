//! One thread: its whole history with authors, channels, ticks and files, the visitor's
//! page and language, the WhatsApp window, who is typing, and the composer.

use super::inbox::page_title;
use super::marks;
use super::{time, value_of};
use crate::app::Intent;
use crate::route::Route;
use crate::state::thread::{ThreadView, Typist};
use confab_protocol::{Author, Message, ThreadSummary, MAX_REPLIES};
use yew::prelude::*;

/// The thread page's settings.
#[derive(Properties, PartialEq)]
pub struct ThreadProps {
    /// The thread.
    pub thread: ThreadView,
    /// Its summary in the list, if the list has it (resolved, bot, language, page).
    pub summary: Option<ThreadSummary>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The thread page.
#[function_component(Thread)]
pub fn thread(props: &ThreadProps) -> Html {
    let thread = &props.thread;
    let on_intent = &props.on_intent;
    let list = use_node_ref();
    let title = use_node_ref();
    {
        // New messages scroll into view.
        let list = list.clone();
        use_effect_with((thread.messages.len(), thread.pending.len()), move |_| {
            if let Some(list) = list.cast::<web_sys::Element>() {
                list.set_scroll_top(list.scroll_height());
            }
        });
    }
    {
        // On a phone the list gives way to the thread: focus goes to its heading, not to
        // the hidden list.
        let title = title.clone();
        use_effect_with(thread.id.clone(), move |_| {
            let narrow = web_sys::window()
                .and_then(|window| window.inner_width().ok())
                .and_then(|width| width.as_f64())
                .is_some_and(|width| width < 900.0);
            if let Some(title) = title.cast::<web_sys::HtmlElement>().filter(|_| narrow) {
                let _ = title.focus();
            }
        });
    }
    let summary = props.summary.as_ref();
    let resolved = summary.is_some_and(|summary| summary.resolved);
    let bot = summary.map_or_else(|| thread.bot_answering(), |summary| summary.assistant);
    let button = |label: &'static str, intent: Intent| {
        html! {
            <button type="button" onclick={on_intent.reform(move |_: MouseEvent| intent.clone())}>
                { label }
            </button>
        }
    };
    let typing = typing_line(&thread.typing);
    html! {
        <section class="pane thread-pane" aria-labelledby="thread-title">
            <div class="pane-head thread-head">
                <a class="back" href={Route::Inbox.hash()}>{ "← Inbox" }</a>
                <h2 id="thread-title" ref={title} tabindex="-1">{ summary.and_then(|summary| summary.page.as_deref()).map(page_title).unwrap_or_else(|| "Conversation".into()) }</h2>
                <div class="actions">
                    if bot { { button("Take over", Intent::TakeOver) } }
                    if resolved { { button("Reopen", Intent::Reopen) } } else { { button("Resolve", Intent::Resolve) } }
                </div>
            </div>
            <dl class="facts">
                if let Some(page) = summary.and_then(|summary| summary.page.clone()) {
                    <div><dt>{ "Page" }</dt><dd><a href={page.clone()} target="_blank" rel="noopener noreferrer">{ page }</a></dd></div>
                }
                if let Some(language) = summary.and_then(|summary| summary.language.clone()) {
                    <div><dt>{ "Language" }</dt><dd>{ language }</dd></div>
                }
                if let Some(window) = &thread.whatsapp {
                    <div><dt>{ "WhatsApp window" }</dt><dd>{ format!("open until {}", time(window.window_ends_at)) }</dd></div>
                }
                if let Some(window) = &thread.wechat {
                    <div><dt>{ "WeChat window" }</dt><dd>{ format!("open until {}", time(window.window_ends_at)) }</dd></div>
                }
                if bot { <div><dt>{ "Bot" }</dt><dd>{ "answering" }</dd></div> }
                if resolved { <div><dt>{ "Status" }</dt><dd>{ "resolved" }</dd></div> }
            </dl>
            <ol class="messages" ref={list} tabindex="0" aria-label="Messages">
                if !thread.loaded && thread.messages.is_empty() {
                    <li class="quiet">{ "Loading…" }</li>
                }
                { for thread.messages.iter().map(message) }
                { for thread.pending.iter().map(|pending| {
                    let retry = pending.client_id.clone();
                    html! {
                        <li class="message team pending">
                            <p class="text">{ pending.text.clone() }</p>
                            if let Some(error) = &pending.error {
                                <p class="problem">{ error.clone() }
                                    <button type="button" onclick={on_intent.reform(move |_: MouseEvent| Intent::Retry(retry.clone()))}>{ "Try again" }</button>
                                </p>
                            } else {
                                <p class="meta">{ "Sending…" }</p>
                            }
                        </li>
                    }
                }) }
            </ol>
            <p class="typing" aria-live="polite">{ typing }</p>
            <Composer draft={thread.draft.clone()} replies={thread.replies.clone()} on_intent={on_intent.clone()} />
        </section>
    }
}

fn typing_line(typing: &[Typist]) -> String {
    let names: Vec<String> = typing
        .iter()
        .map(|typist| match (&typist.name, typist.author) {
            (Some(name), _) => name.clone(),
            (None, Author::Visitor) => "The visitor".into(),
            (None, _) => "A teammate".into(),
        })
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => format!("{one} is typing…"),
        many => format!("{} are typing…", many.join(" and ")),
    }
}

fn message(message: &Message) -> Html {
    let (who, class) = match message.author {
        Author::Visitor => ("Visitor".to_string(), "visitor"),
        Author::Agent => (
            message
                .sender
                .as_ref()
                .map_or_else(|| "Team".to_string(), |sender| sender.name.clone()),
            "team",
        ),
        Author::Bot => ("Bot".to_string(), "bot"),
        Author::System | Author::Unknown => ("Confab".to_string(), "system"),
    };
    let team = matches!(message.author, Author::Agent | Author::Bot);
    html! {
        <li class={classes!("message", class)}>
            <p class="meta">
                <span class="who">{ who }</span>
                { marks::channel(message.channel) }
                <time>{ time(message.created_at) }</time>
                if team { { marks::ticks(message.status) } }
            </p>
            if !message.text.is_empty() { <p class="text">{ message.text.clone() }</p> }
            if let Some(failure) = &message.failure { <p class="problem">{ failure.clone() }</p> }
            if !message.attachments.is_empty() {
                <ul class="files">
                    { for message.attachments.iter().map(|file| html! {
                        <li>
                            if let Some(url) = &file.url {
                                <a href={url.clone()} target="_blank" rel="noopener">{ format!("{} ({} KB)", file.name, file.size.div_ceil(1024)) }</a>
                            } else {
                                { file.name.clone() }
                            }
                        </li>
                    }) }
                </ul>
            }
            if !message.replies.is_empty() {
                <p class="meta">{ format!("Quick replies: {}", message.replies.join(" · ")) }</p>
            }
        </li>
    }
}

/// The composer's settings.
#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// Its text.
    pub draft: String,
    /// The quick replies for the next reply.
    pub replies: Vec<String>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The reply box: Enter sends, Shift+Enter breaks the line; quick replies under it.
#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let on_intent = &props.on_intent;
    let on_input = on_intent.reform(|event: InputEvent| Intent::Draft(value_of(&event)));
    let on_key = {
        let on_intent = on_intent.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
                event.prevent_default();
                on_intent.emit(Intent::Send);
            }
        })
    };
    let on_submit = on_intent.reform(|event: SubmitEvent| {
        event.prevent_default();
        Intent::Send
    });
    let replies = props.replies.clone();
    html! {
        <form class="composer" onsubmit={on_submit}>
            <label for="reply" class="visually-hidden">{ "Reply" }</label>
            <textarea id="reply" rows="3" placeholder="Write a reply (Enter sends, Shift+Enter for a new line)"
                value={props.draft.clone()} oninput={on_input} onkeydown={on_key} />
            <div class="composer-foot">
                <details class="quick">
                    <summary>{ "Quick replies (optional)" }</summary>
                    { for (0..MAX_REPLIES).map(|at| {
                        let replies = replies.clone();
                        let on_change = on_intent.reform(move |event: InputEvent| {
                            let mut replies = replies.clone();
                            replies.resize(MAX_REPLIES, String::new());
                            replies[at] = value_of(&event);
                            Intent::Replies(replies)
                        });
                        html! {
                            <label>{ format!("Quick reply {}", at + 1) }
                                <input type="text" maxlength="40"
                                    value={props.replies.get(at).cloned().unwrap_or_default()}
                                    oninput={on_change} />
                            </label>
                        }
                    }) }
                </details>
                <button type="submit" class="primary">{ "Send" }</button>
            </div>
        </form>
    }
}
