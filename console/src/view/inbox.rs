//! The inbox: filters, a search box, and the threads, latest first.

use super::marks::{self, CHANNELS};
use super::{checked_of, time, value_of};
use crate::app::Intent;
use crate::route::Route;
use crate::state::inbox::{channel_word, Filter, Status};
use confab_protocol::{ThreadId, ThreadSummary};
use yew::prelude::*;

/// The inbox's settings.
#[derive(Properties, PartialEq)]
pub struct InboxProps {
    /// The threads, as filtered.
    pub threads: Vec<ThreadSummary>,
    /// The filters.
    pub filter: Filter,
    /// Whether the list is loaded.
    pub listed: bool,
    /// Whether the inbox is live.
    pub live: bool,
    /// The open thread, if any.
    pub open: Option<ThreadId>,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The inbox.
#[function_component(Inbox)]
pub fn inbox(props: &InboxProps) -> Html {
    let query = use_state(|| props.filter.q.clone());
    let filter = props.filter.clone();
    let change = {
        let (filter, on_intent) = (filter.clone(), props.on_intent.clone());
        move |edit: fn(&mut Filter, &Event)| {
            let (filter, on_intent) = (filter.clone(), on_intent.clone());
            Callback::from(move |event: Event| {
                let mut filter = filter.clone();
                edit(&mut filter, &event);
                on_intent.emit(Intent::Filter(filter));
            })
        }
    };
    let on_search = {
        let (filter, query, on_intent) = (filter.clone(), query.clone(), props.on_intent.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_intent.emit(Intent::Filter(Filter {
                q: (*query).clone(),
                ..filter.clone()
            }));
        })
    };
    let on_query = {
        let query = query.clone();
        Callback::from(move |event: InputEvent| query.set(value_of(&event)))
    };
    let status = filter.status;
    let channel = filter.channel.map(channel_word).unwrap_or_default();
    html! {
        <section class="pane list-pane" aria-labelledby="inbox-title">
            <div class="pane-head">
                <h1 id="inbox-title">{ "Inbox" }</h1>
                <span class={classes!("dot", props.live.then_some("on"))}
                    title={if props.live { "Live" } else { "Reconnecting" }}>
                    <span class="visually-hidden">{ if props.live { "Live" } else { "Reconnecting" } }</span>
                </span>
            </div>
            <form class="filters" role="search" aria-label="Threads" onsubmit={on_search}>
                <label class="grow">
                    <span class="visually-hidden">{ "Search messages" }</span>
                    <input type="search" placeholder="Search messages" value={(*query).clone()}
                        oninput={on_query} />
                </label>
                <label>
                    <span class="visually-hidden">{ "Status" }</span>
                    <select onchange={change(|filter, event| {
                        filter.status = match value_of(event).as_str() {
                            "resolved" => Status::Resolved,
                            "all" => Status::All,
                            _ => Status::Open,
                        }
                    })}>
                        <option value="open" selected={status == Status::Open}>{ "Open" }</option>
                        <option value="resolved" selected={status == Status::Resolved}>{ "Resolved" }</option>
                        <option value="all" selected={status == Status::All}>{ "All" }</option>
                    </select>
                </label>
                <label>
                    <span class="visually-hidden">{ "Channel" }</span>
                    <select onchange={change(|filter, event| {
                        let word = value_of(event);
                        filter.channel = CHANNELS.into_iter().find(|channel| channel_word(*channel) == word);
                    })}>
                        <option value="" selected={channel.is_empty()}>{ "Any channel" }</option>
                        { for CHANNELS.iter().map(|each| {
                            let word = channel_word(*each);
                            html! { <option value={word.clone()} selected={word == channel}>{ marks::channel_name(*each) }</option> }
                        }) }
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" checked={filter.unanswered}
                        onchange={change(|filter, event| filter.unanswered = checked_of(event))} />
                    { "Unanswered" }
                </label>
                <label class="check">
                    <input type="checkbox" checked={filter.bot}
                        onchange={change(|filter, event| filter.bot = checked_of(event))} />
                    { "With the bot" }
                </label>
            </form>
            if props.listed && props.threads.is_empty() {
                <p class="quiet pad">{ "No conversations here." }</p>
            }
            <ul class="threads">
                { for props.threads.iter().map(|thread| row(thread, props.open.as_ref() == Some(&thread.thread_id))) }
            </ul>
        </section>
    }
}

fn row(thread: &ThreadSummary, open: bool) -> Html {
    let title = thread
        .page
        .as_deref()
        .map(page_title)
        .unwrap_or_else(|| "Visitor".into());
    let unread = thread.unread;
    html! {
        <li>
            <a class={classes!("thread-row", thread.awaiting_reply.then_some("awaiting"))}
                href={Route::Thread(thread.thread_id.clone()).hash()}
                aria-current={open.then_some("true")}>
                <span class="row-top">
                    <span class="row-title">{ title }</span>
                    <time>{ time(thread.last_message_at) }</time>
                </span>
                <span class="row-text">{ thread.last_text.clone().unwrap_or_else(|| "(a file)".into()) }</span>
                <span class="row-marks">
                    { for thread.channels.iter().map(|channel| marks::channel(*channel)) }
                    if thread.resolved { <span class="mark resolved">{ "Resolved" }</span> }
                    if thread.awaiting_reply { <span class="mark awaiting">{ "Awaiting reply" }</span> }
                    if thread.assistant { <span class="mark bot">{ "Bot" }</span> }
                    if unread > 0 {
                        <span class="badge">
                            <span aria-hidden="true">{ unread }</span>
                            <span class="visually-hidden">{ format!("{unread} unread") }</span>
                        </span>
                    }
                </span>
            </a>
        </li>
    }
}

/// A page URL as a short title: its host and path (the browser's URL parser reads it).
pub fn page_title(page: &str) -> String {
    match web_sys::Url::new(page) {
        Ok(url) => format!("{}{}", url.host(), url.pathname()),
        Err(_) => page.to_string(),
    }
}
