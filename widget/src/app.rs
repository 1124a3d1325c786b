//! The root component: owns the [`State`] and runs the effects it calls for — starting the
//! session, keeping the live socket open, sending the outbox in order, retrying what failed,
//! and keeping the thread, the outbox and the draft in the browser across pages.

use crate::backoff::delay_ms;
use crate::config::Config;
use crate::host::{Command, CommandSlot, Events, SharedSlot};
use crate::i18n::{Lang, Texts};
use crate::live::{open_socket, random, sleep, Listener, LiveSocket};
use crate::notify::{self, TitleBadge};
use crate::relay::RelayClient;
use crate::state::{Action, Outgoing, State};
use crate::storage::BrowserStorage;
use crate::view::{Launcher, Panel};
use confab_protocol::{
    validate_text, ClientMessageId, ReadReceipts, SendMessage, Seq, ServerFrame, Session,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// The root component's settings.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The element the widget is mounted in (inside the shadow root).
    pub root: web_sys::Element,
    /// The loader's settings.
    pub config: Rc<Config>,
    /// Whether to open the panel at once.
    pub open: bool,
    /// Whether the visitor just asked for it (a click), so focus may move into it.
    pub focus: bool,
    /// Where `window.Confab` commands arrive.
    pub commands: SharedSlot,
    /// The page's `Confab.on` listeners.
    pub events: Events,
}

/// What the effects share between renders.
#[derive(Default)]
struct Runtime {
    /// The open socket, if any.
    socket: Option<LiveSocket>,
    /// Whether a socket is being opened.
    connecting: bool,
    /// Reconnection attempts since the socket was last ready.
    socket_attempt: u32,
    /// Failed sends in a row, for the retry backoff.
    send_attempt: u32,
    /// Whether a retry of failed sends is already scheduled.
    retry_scheduled: bool,
    /// The highest `seq` the widget has, for resuming the socket.
    last_seq: Seq,
}

/// A counter that wakes the socket effect; reducing from the current value means no wake is
/// lost to a stale handle.
#[derive(Default, PartialEq)]
struct Wake(u32);

impl Reducible for Wake {
    type Action = ();

    fn reduce(self: Rc<Self>, _: ()) -> Rc<Self> {
        Rc::new(Wake(self.0.wrapping_add(1)))
    }
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
    let texts: &'static Texts = Lang::from_tag(&config.lang).texts();
    let runtime = use_mut_ref(Runtime::default);
    // Bumped to make the socket effect look again (after a close, online, visible).
    let wake = use_reducer(Wake::default);
    runtime.borrow_mut().last_seq = state.last_seq();

    // What the last page kept, at once, before the relay answers.
    {
        let (storage, dispatcher) = (storage.clone(), state.dispatcher());
        use_effect_with((), move |_| {
            dispatcher.dispatch(Action::Restored {
                messages: storage.messages(),
                outbox: storage.outbox(),
                draft: storage.draft(),
            });
            if storage.consented() {
                dispatcher.dispatch(Action::Consented);
            }
            dispatcher.dispatch(Action::SetSound(storage.sound()));
            dispatcher.dispatch(Action::Visibility {
                hidden: document_hidden(),
            });
        });
    }

    // The session: started on mount, and again after the thread was erased.
    {
        let (relay, storage, dispatcher) = (relay.clone(), storage.clone(), state.dispatcher());
        let brand = config.brand.clone();
        let runtime = runtime.clone();
        use_effect_with(state.session.is_none(), move |&missing| {
            if missing {
                spawn_local(async move {
                    let session = start_session(&relay, &storage, &brand, &dispatcher).await;
                    let after = runtime.borrow().last_seq;
                    load_history(&relay, &session, after, &dispatcher).await;
                });
            }
        });
    }

    // Read receipts: the team's messages count as read while the panel is open and the tab
    // visible, if the brand reports reads.
    {
        let (relay, dispatcher) = (relay.clone(), state.dispatcher());
        let reports = state
            .session
            .as_ref()
            .is_some_and(|session| session.brand.read_receipts == ReadReceipts::On);
        let unread_up_to = state
            .last_team_seq()
            .filter(|&seq| state.open && reports && seq > state.read_up_to);
        use_effect_with(
            (state.session.clone(), unread_up_to, wake.0),
            move |(session, seq, _)| {
                let visible = web_sys::window()
                    .and_then(|window| window.document())
                    .is_some_and(|document| !document.hidden());
                if let (Some(session), Some(seq), true) = (session.clone(), *seq, visible) {
                    dispatcher.dispatch(Action::ReadReported(seq));
                    spawn_local(async move {
                        // A lost receipt is not worth a retry: the next message brings another.
                        let _ = relay.mark_read(&session, seq).await;
                    });
                }
            },
        );
    }

    // The tab: hidden or shown (unread counting and the title depend on it).
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = Listener::visibility(Callback::from(move |()| {
                dispatcher.dispatch(Action::Visibility {
                    hidden: document_hidden(),
                })
            }));
            move || drop(listener)
        });
    }
    // "(2) New message" in the tab title while hidden; the page's own title otherwise.
    {
        let badge = use_mut_ref(TitleBadge::new);
        let label = texts.new_message_title;
        use_effect_with((state.unread, state.hidden), move |&(unread, _)| {
            badge.borrow_mut().show(unread, label);
        });
    }

    // The brand's colour, unless the page chose one with data-color.
    {
        let root = props.root.clone();
        let color = state
            .session
            .as_ref()
            .and_then(|session| session.brand.theme_color.clone());
        use_effect_with(color, move |color| {
            let chosen_by_page = root
                .get_root_node()
                .dyn_into::<web_sys::ShadowRoot>()
                .ok()
                .and_then(|shadow| shadow.host().dyn_into::<web_sys::HtmlElement>().ok())
                .is_some_and(|host| {
                    !host
                        .style()
                        .get_property_value("--confab-accent")
                        .unwrap_or_default()
                        .is_empty()
                });
            if let (Some(color), false) = (color, chosen_by_page) {
                if let Ok(root) = root.clone().dyn_into::<web_sys::HtmlElement>() {
                    let _ = root.style().set_property("--confab-accent", color);
                }
            }
        });
    }

    // The browser keeps the thread, the outbox and the draft for the next page.
    {
        let storage = storage.clone();
        use_effect_with(state.messages.clone(), move |messages| {
            storage.set_messages(messages)
        });
    }
    {
        let storage = storage.clone();
        // Acknowledged client ids let this tab drop other tabs' entries it has seen stored.
        let acknowledged: Vec<ClientMessageId> = state
            .messages
            .iter()
            .map(|message| message.client_id.clone())
            .collect();
        use_effect_with(
            (state.outbox.clone(), acknowledged),
            move |(outbox, acknowledged)| storage.set_outbox(outbox, acknowledged),
        );
    }
    {
        let storage = storage.clone();
        use_effect_with(state.draft.clone(), move |draft| storage.set_draft(draft));
    }
    {
        let storage = storage.clone();
        use_effect_with(state.open, move |open| storage.set_open(*open));
    }

    // The live socket: open while there is a session; reopened with backoff after a close.
    {
        let wakes = wake.0;
        let events = props.events.clone();
        let brand_name = state
            .session
            .as_ref()
            .map(|session| session.brand.name.clone())
            .unwrap_or_default();
        let (relay, storage, dispatcher, runtime, wake) = (
            relay.clone(),
            storage.clone(),
            state.dispatcher(),
            runtime.clone(),
            wake.dispatcher(),
        );
        use_effect_with((state.session.clone(), wakes), move |(session, _)| {
            let Some(session) = session.clone() else {
                runtime.borrow_mut().socket = None;
                return;
            };
            let busy = {
                let runtime = runtime.borrow();
                runtime.socket.is_some() || runtime.connecting
            };
            if busy {
                return;
            }
            runtime.borrow_mut().connecting = true;
            spawn_local(async move {
                let after = runtime.borrow().last_seq;
                let on_frame = {
                    let (dispatcher, runtime) = (dispatcher.clone(), runtime.clone());
                    Callback::from(move |frame: ServerFrame| {
                        match &frame {
                            ServerFrame::Ready { .. } => {
                                runtime.borrow_mut().socket_attempt = 0;
                                dispatcher.dispatch(Action::SocketOpened);
                            }
                            // The browser forgets an erased thread too.
                            ServerFrame::Erased => storage.forget(),
                            ServerFrame::Message { message }
                                if message.author != confab_protocol::Author::Visitor
                                    && message.seq > runtime.borrow().last_seq =>
                            {
                                if let Ok(json) = serde_json::to_string(message) {
                                    events.send("message", JsValue::from_str(&json));
                                }
                                if document_hidden() {
                                    if storage.sound() {
                                        notify::chime();
                                    }
                                    notify::notify(&brand_name, &message.text);
                                }
                            }
                            _ => {}
                        }
                        dispatcher.dispatch(Action::Frame(frame));
                    })
                };
                let on_close = {
                    let (dispatcher, runtime, wake) =
                        (dispatcher.clone(), runtime.clone(), wake.clone());
                    Callback::from(move |()| {
                        runtime.borrow_mut().socket = None;
                        dispatcher.dispatch(Action::SocketClosed);
                        schedule_reconnect(runtime.clone(), wake.clone());
                    })
                };
                let opened = open_socket(&relay, &session, after, on_frame, on_close).await;
                let mut shared = runtime.borrow_mut();
                shared.connecting = false;
                match opened {
                    Ok(socket) => shared.socket = Some(socket),
                    Err(_) => {
                        drop(shared);
                        schedule_reconnect(runtime.clone(), wake.clone());
                    }
                }
            });
        });
    }

    // Back online, or back to the tab: reconnect and retry now rather than after a backoff.
    {
        let (dispatcher, runtime, wake) = (state.dispatcher(), runtime.clone(), wake.dispatcher());
        use_effect_with((), move |_| {
            let poke = Callback::from(move |()| {
                {
                    let mut shared = runtime.borrow_mut();
                    shared.socket_attempt = 0;
                    shared.send_attempt = 0;
                }
                dispatcher.dispatch(Action::RetrySends);
                wake.dispatch(());
            });
            let listeners = [
                Listener::new("online", poke.clone()),
                Listener::new("visibilitychange", poke),
            ];
            move || drop(listeners)
        });
    }

    // The outbox goes out in order, one message at a time.
    {
        let (relay, dispatcher, runtime) = (relay.clone(), state.dispatcher(), runtime.clone());
        let next = state.next_to_send().cloned();
        use_effect_with((state.session.clone(), next), move |(session, next)| {
            let (Some(session), Some(next)) = (session.clone(), next.clone()) else {
                return;
            };
            dispatcher.dispatch(Action::SendStarted(next.client_id.clone()));
            spawn_local(async move {
                let message = SendMessage {
                    client_id: next.client_id.clone(),
                    text: next.text.clone(),
                };
                match relay.send(&session, &message).await {
                    Ok(stored) => {
                        runtime.borrow_mut().send_attempt = 0;
                        dispatcher.dispatch(Action::Received(vec![stored]));
                    }
                    Err(error) => {
                        dispatcher.dispatch(Action::SendFailed {
                            client_id: next.client_id,
                            reason: error.to_string(),
                            retryable: error.is_transient(),
                        });
                    }
                }
            });
        });
    }

    // Failed sends that may succeed later are retried with backoff.
    {
        let (dispatcher, runtime) = (state.dispatcher(), runtime.clone());
        let waiting = state
            .outbox
            .iter()
            .any(|outgoing| outgoing.error.is_some() && outgoing.retryable);
        use_effect_with(waiting, move |&waiting| {
            if !waiting || runtime.borrow().retry_scheduled {
                return;
            }
            let delay = {
                let mut shared = runtime.borrow_mut();
                shared.retry_scheduled = true;
                shared.send_attempt += 1;
                delay_ms(shared.send_attempt - 1, random())
            };
            spawn_local(async move {
                sleep(delay).await;
                runtime.borrow_mut().retry_scheduled = false;
                dispatcher.dispatch(Action::RetrySends);
            });
        });
    }

    // Who moved the panel last: the visitor (focus follows) or a page load (it does not).
    let by_visitor = use_mut_ref(|| props.focus);
    let launcher = use_node_ref();
    {
        let (launcher, by_visitor) = (launcher.clone(), by_visitor.clone());
        use_effect_with(state.open, move |&open| {
            if !open && *by_visitor.borrow() {
                if let Some(button) = launcher.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            }
        });
    }
    let on_toggle = {
        let (dispatcher, open, by_visitor) = (state.dispatcher(), state.open, by_visitor.clone());
        Callback::from(move |_| {
            *by_visitor.borrow_mut() = true;
            dispatcher.dispatch(Action::SetOpen(!open))
        })
    };
    let on_close = {
        let (dispatcher, by_visitor) = (state.dispatcher(), by_visitor.clone());
        Callback::from(move |_| {
            *by_visitor.borrow_mut() = true;
            dispatcher.dispatch(Action::SetOpen(false))
        })
    };
    let take_focus = *by_visitor.borrow();

    // Commands from the page (window.Confab), and events back to it.
    {
        let (dispatcher, storage, by_visitor) =
            (state.dispatcher(), storage.clone(), by_visitor.clone());
        let slot = props.commands.clone();
        let opened = use_mut_ref(|| state.open);
        *opened.borrow_mut() = state.open;
        use_effect_with((), move |_| {
            let listener = Callback::from(move |command: Command| match command {
                Command::Open | Command::Close | Command::Toggle => {
                    let open = match command {
                        Command::Open => true,
                        Command::Close => false,
                        _ => !*opened.borrow(),
                    };
                    *by_visitor.borrow_mut() = true;
                    dispatcher.dispatch(Action::SetOpen(open));
                }
                Command::Identify(identity) => {
                    if storage.identity().as_ref() != Some(&identity) {
                        storage.forget();
                        storage.set_identity(Some(&identity));
                        dispatcher.dispatch(Action::Reset);
                    }
                }
                Command::Shutdown => {
                    storage.forget();
                    storage.set_identity(None);
                    dispatcher.dispatch(Action::Reset);
                }
            });
            CommandSlot::listen(&slot, listener);
        });
    }
    {
        let events = props.events.clone();
        // "open" whenever the panel becomes visible (also when the page starts with it
        // open); "close" only when it was open.
        let first = use_mut_ref(|| true);
        use_effect_with(state.open, move |&open| {
            let first = std::mem::replace(&mut *first.borrow_mut(), false);
            if open || !first {
                events.send(if open { "open" } else { "close" }, JsValue::UNDEFINED);
            }
        });
    }
    {
        let events = props.events.clone();
        use_effect_with(state.unread, move |&unread| {
            events.send("unread", JsValue::from(unread));
        });
    }
    let on_draft = {
        let dispatcher = state.dispatcher();
        Callback::from(move |draft: String| dispatcher.dispatch(Action::DraftChanged(draft)))
    };
    let on_retry = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::RetrySends))
    };
    let on_send = {
        let (dispatcher, draft) = (state.dispatcher(), state.draft.clone());
        Callback::from(move |_| {
            if let Ok(text) = validate_text(&draft) {
                dispatcher.dispatch(Action::Queued(Outgoing {
                    client_id: new_client_id(),
                    text: text.to_string(),
                    error: None,
                    retryable: false,
                }));
            }
        })
    };

    let on_consent = {
        let (dispatcher, storage) = (state.dispatcher(), storage.clone());
        Callback::from(move |_| {
            storage.set_consented();
            dispatcher.dispatch(Action::Consented);
        })
    };
    let on_download = {
        let (relay, session, root) = (relay.clone(), state.session.clone(), props.root.clone());
        Callback::from(move |_| {
            let (relay, session, root) = (relay.clone(), session.clone(), root.clone());
            if let Some(session) = session {
                spawn_local(async move {
                    if let Ok(text) = relay.transcript_text(&session).await {
                        crate::live::save_text(&root, "conversation.txt", &text);
                    }
                });
            }
        })
    };
    let on_sound = {
        let (dispatcher, storage, sound) = (state.dispatcher(), storage.clone(), state.sound);
        Callback::from(move |_| {
            storage.set_sound(!sound);
            dispatcher.dispatch(Action::SetSound(!sound));
        })
    };
    let on_notify = Callback::from(|_| notify::request_permission());
    // Where the visitor left the list (this page or the last), for a panel that mounts now.
    let initial_scroll = storage.scroll();
    // Saved only when it moves by more than a line, not on every scroll event.
    let last_scroll = use_mut_ref(|| Some(i32::MIN));
    let on_scroll = {
        let storage = storage.clone();
        Callback::from(move |offset: Option<i32>| {
            let moved = match (*last_scroll.borrow(), offset) {
                (Some(before), Some(now)) => (before - now).abs() > 20,
                (before, now) => before.is_some() != now.is_some(),
            };
            if moved {
                *last_scroll.borrow_mut() = offset;
                storage.set_scroll(offset);
            }
        })
    };
    let on_delete = {
        let (relay, session, storage, dispatcher) = (
            relay.clone(),
            state.session.clone(),
            storage.clone(),
            state.dispatcher(),
        );
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|window| window.confirm_with_message(texts.confirm_delete).ok())
                .unwrap_or(false);
            let Some(session) = session.clone().filter(|_| confirmed) else {
                return;
            };
            let (relay, storage, dispatcher) = (relay.clone(), storage.clone(), dispatcher.clone());
            spawn_local(async move {
                if relay.erase(&session).await.is_ok() {
                    storage.forget();
                    dispatcher.dispatch(Action::Reset);
                }
            });
        })
    };
    // The privacy notice shows until the visitor accepts it (only in an empty thread).
    let consent = state
        .needs_consent()
        .then(|| state.session.as_ref()?.brand.consent.clone())
        .flatten();
    let brand_name = state
        .session
        .as_ref()
        .map(|session| session.brand.name.clone())
        .unwrap_or_default();
    html! {
        <ContextProvider<&'static Texts> context={texts}>
            if state.open {
                <Panel
                    brand_name={brand_name}
                    messages={state.messages.clone()}
                    outbox={state.outbox.clone()}
                    draft={state.draft.clone()}
                    connection={state.connection.clone()}
                    team_typing={state.team_typing}
                    first_unread={state.first_unread}
                    consent={consent}
                    {on_consent}
                    {on_download}
                    {on_delete}
                    sound={state.sound}
                    initial_scroll={initial_scroll}
                    {on_scroll}
                    {on_sound}
                    {on_notify}
                    {on_draft}
                    {on_send}
                    {on_retry}
                    {on_close}
                    {take_focus}
                />
            }
            <Launcher open={state.open} {on_toggle} node={launcher} unread={state.unread} />
        </ContextProvider<&'static Texts>>
    }
}

/// Starts (or resumes) the session, retrying with backoff until the relay answers.
async fn start_session(
    relay: &RelayClient,
    storage: &BrowserStorage,
    brand: &confab_protocol::BrandId,
    dispatcher: &UseReducerDispatcher<State>,
) -> Session {
    let mut attempt = 0;
    loop {
        match relay
            .start_session(brand, storage.token(), storage.identity())
            .await
        {
            Ok(session) => {
                storage.set_token(&session.token);
                dispatcher.dispatch(Action::SessionStarted(session.clone()));
                return session;
            }
            Err(error) => {
                dispatcher.dispatch(Action::ConnectionFailed(error.to_string()));
                sleep(delay_ms(attempt, random())).await;
                attempt += 1;
            }
        }
    }
}

/// Loads the thread after `after`, page by page.
async fn load_history(
    relay: &RelayClient,
    session: &Session,
    mut after: Seq,
    dispatcher: &UseReducerDispatcher<State>,
) {
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

/// Wakes the socket effect after a backoff delay.
fn schedule_reconnect(runtime: Rc<RefCell<Runtime>>, wake: UseReducerDispatcher<Wake>) {
    let delay = {
        let mut shared = runtime.borrow_mut();
        shared.socket_attempt += 1;
        delay_ms(shared.socket_attempt - 1, random())
    };
    spawn_local(async move {
        sleep(delay).await;
        wake.dispatch(());
    });
}

/// Whether the page's tab is hidden.
fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.hidden())
}

/// A fresh client id for a message: a random UUID from the browser's CSPRNG.
fn new_client_id() -> ClientMessageId {
    let uuid = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| format!("{}-{}", js_sys::Date::now(), js_sys::Math::random()));
    ClientMessageId::new(uuid)
}
