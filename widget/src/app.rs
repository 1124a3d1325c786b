//! The root component: owns the [`State`], and runs the effects it calls for — starting the
//! session, loading history, sending the outbox in order, remembering the open panel.

use crate::config::Config;
use crate::relay::RelayClient;
use crate::state::{Action, Outgoing, State};
use crate::storage::BrowserStorage;
use crate::view::{Launcher, Panel};
use confab_protocol::{validate_text, ClientMessageId, SendMessage, Seq, Session};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// The root component's settings.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The loader's settings.
    pub config: Rc<Config>,
    /// Whether to open the panel at once (the visitor clicked the launcher).
    pub open: bool,
}

/// The widget.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let config = props.config.clone();
    let storage = use_memo(config.clone(), |config| {
        BrowserStorage::new(config.storage_prefix())
    });
    let relay = use_memo(config.clone(), |config| {
        RelayClient::new(config.relay.clone())
    });
    let state = use_reducer(|| State::new(props.open));
    // Set while a send is under way, so the outbox goes out one message at a time, in order.
    let sending = use_mut_ref(|| false);

    {
        let (relay, storage, dispatcher) = (relay.clone(), storage.clone(), state.dispatcher());
        let brand = config.brand.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let token = storage.token();
                match relay.start_session(&brand, token).await {
                    Ok(session) => {
                        storage.set_token(&session.token);
                        dispatcher.dispatch(Action::SessionStarted(session.clone()));
                        load_history(&relay, &session, &dispatcher).await;
                    }
                    Err(error) => dispatcher.dispatch(Action::ConnectionFailed(error.to_string())),
                }
            });
        });
    }

    {
        let storage = storage.clone();
        use_effect_with(state.open, move |open| storage.set_open(*open));
    }

    {
        let (relay, dispatcher, sending) = (relay.clone(), state.dispatcher(), sending.clone());
        let next = state
            .outbox
            .iter()
            .find(|outgoing| outgoing.error.is_none())
            .cloned();
        use_effect_with((state.session.clone(), next), move |(session, next)| {
            if let (Some(session), Some(next)) = (session.clone(), next.clone()) {
                if !*sending.borrow() {
                    *sending.borrow_mut() = true;
                    spawn_local(async move {
                        let message = SendMessage {
                            client_id: next.client_id.clone(),
                            text: next.text.clone(),
                        };
                        let result = relay.send(&session, &message).await;
                        *sending.borrow_mut() = false;
                        dispatcher.dispatch(match result {
                            Ok(stored) => Action::Received(vec![stored]),
                            Err(error) => Action::SendFailed {
                                client_id: next.client_id,
                                reason: error.to_string(),
                            },
                        });
                    });
                }
            }
        });
    }

    let on_toggle = {
        let (dispatcher, open) = (state.dispatcher(), state.open);
        Callback::from(move |_| dispatcher.dispatch(Action::SetOpen(!open)))
    };
    let on_close = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::SetOpen(false)))
    };
    let on_draft = {
        let dispatcher = state.dispatcher();
        Callback::from(move |draft: String| dispatcher.dispatch(Action::DraftChanged(draft)))
    };
    let on_send = {
        let (dispatcher, draft) = (state.dispatcher(), state.draft.clone());
        Callback::from(move |_| {
            if let Ok(text) = validate_text(&draft) {
                dispatcher.dispatch(Action::Queued(Outgoing {
                    client_id: new_client_id(),
                    text: text.to_string(),
                    error: None,
                }));
            }
        })
    };

    let brand_name = state
        .session
        .as_ref()
        .map(|session| session.brand.name.clone())
        .unwrap_or_default();
    html! {
        <>
            if state.open {
                <Panel
                    brand_name={brand_name}
                    messages={state.messages.clone()}
                    outbox={state.outbox.clone()}
                    draft={state.draft.clone()}
                    connection={state.connection.clone()}
                    {on_draft}
                    {on_send}
                    {on_close}
                />
            }
            <Launcher open={state.open} {on_toggle} />
        </>
    }
}

/// Loads the whole thread after the highest `seq` the widget has, page by page.
async fn load_history(
    relay: &RelayClient,
    session: &Session,
    dispatcher: &UseReducerDispatcher<State>,
) {
    let mut after = Seq(0);
    loop {
        match relay.messages(session, after).await {
            Ok(page) => {
                after = page.messages.last().map_or(after, |message| message.seq);
                let more = page.has_more && !page.messages.is_empty();
                dispatcher.dispatch(Action::Received(page.messages));
                if !more {
                    return;
                }
            }
            Err(error) => {
                dispatcher.dispatch(Action::ConnectionFailed(error.to_string()));
                return;
            }
        }
    }
}

/// A fresh client id for a message: a random UUID from the browser's CSPRNG.
fn new_client_id() -> ClientMessageId {
    let uuid = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| format!("{}-{}", js_sys::Date::now(), js_sys::Math::random()));
    ClientMessageId::new(uuid)
}
