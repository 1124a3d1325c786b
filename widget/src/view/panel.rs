//! The chat panel: header, messages and composer.

use super::{use_texts, Composer, MessageList};
use crate::state::{Connection, Outgoing};
use confab_protocol::Message;
use yew::prelude::*;

/// The panel's data.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The brand's display name (empty until the session starts).
    pub brand_name: String,
    /// Acknowledged messages, in order.
    pub messages: Vec<Message>,
    /// Messages still being sent.
    pub outbox: Vec<Outgoing>,
    /// The composer's text.
    pub draft: String,
    /// Where the widget stands with the relay.
    pub connection: Connection,
    /// Someone of the team is typing.
    pub team_typing: bool,
    /// The composer changed.
    pub on_draft: Callback<String>,
    /// The visitor sent the draft.
    pub on_send: Callback<()>,
    /// The visitor asked to retry the messages that could not be sent.
    pub on_retry: Callback<()>,
    /// The visitor closed the panel.
    pub on_close: Callback<()>,
}

/// The open chat.
#[function_component(Panel)]
pub fn panel(props: &PanelProps) -> Html {
    let texts = use_texts();
    let title = if props.brand_name.is_empty() {
        texts.chat.to_string()
    } else {
        props.brand_name.clone()
    };
    let notice = match &props.connection {
        Connection::Connecting => Some(texts.connecting),
        Connection::Ready | Connection::Live => None,
        Connection::Failed(_) => Some(texts.unreachable),
    };
    html! {
        <section class="confab-panel" role="dialog" aria-label={format!("{} {title}", texts.chat_with)}>
            <header class="confab-header">
                <h2 class="confab-title">{ title }</h2>
                <button
                    type="button"
                    class="confab-close"
                    aria-label={texts.close_chat}
                    onclick={props.on_close.reform(|_: MouseEvent| ())}
                />
            </header>
            if let Some(notice) = notice {
                <p class="confab-notice" role="status">{ notice }</p>
            }
            <MessageList
                messages={props.messages.clone()}
                outbox={props.outbox.clone()}
                on_retry={props.on_retry.clone()}
            />
            if props.team_typing {
                <p class="confab-typing" role="status">{ texts.typing }</p>
            }
            <Composer
                draft={props.draft.clone()}
                on_draft={props.on_draft.clone()}
                on_send={props.on_send.clone()}
            />
        </section>
    }
}
