//! Everything the widget does besides drawing: [`Effects`] sees each new [`State`] after it is
//! rendered and does what the change calls for (keep the browser's copy, report reads,
//! send, connect), and turns what happens outside (the page's commands, other tabs, the
//! tab being hidden or the network coming back) into [`Action`]s.

use super::connection::take_resume_link;
use super::AppProps;
use crate::config::Config;
use crate::host::{Command, CommandSlot, Events, SharedSlot};
use crate::i18n::Texts;
use crate::live::{Listener, LiveSocket};
use crate::notify::{self, TitleBadge};
use crate::relay::RelayClient;
use crate::state::{Action, State};
use crate::storage::BrowserStorage;
use crate::tabs::{self, LockGuard, TabChannel, TabNews};
use confab_protocol::{Author, Seq, ServerFrame, Session, Theme};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use yew::{Callback, NodeRef, UseReducerDispatcher};

/// What the effects keep between renders.
#[derive(Default)]
pub(super) struct Runtime {
    /// The session at the last render.
    pub session: Option<Session>,
    /// The highest `seq` the widget had at the last render, for resuming the socket.
    pub last_seq: Seq,
    /// A session is being started or resumed.
    pub starting_session: bool,
    /// This tab holds the leader lock: it keeps the socket for every tab.
    pub leader: bool,
    /// The open socket (leader only).
    pub socket: Option<LiveSocket>,
    /// A socket is being opened.
    pub connecting: bool,
    /// The socket is open and has sent `ready`.
    pub live: bool,
    /// Reconnection attempts since the socket was last ready.
    pub socket_attempt: u32,
    /// Failed sends in a row, for the retry backoff.
    pub send_attempt: u32,
    /// A retry of failed sends is scheduled.
    pub retry_scheduled: bool,
    /// The highest `seq` other tabs were told the visitor has seen.
    pub seen_told: Seq,
    /// Page and tab events listened to until the widget stops.
    pub listeners: Vec<Option<Listener>>,
    /// The channel to the other tabs.
    pub channel: Option<TabChannel>,
    /// The leader lock, while this tab holds it.
    pub leadership: Option<LockGuard>,
    /// The widget was unmounted.
    pub stopped: bool,
    /// The code of the resume link the page was opened with, until a session uses it (or
    /// the visitor declines it).
    pub link: Option<String>,
}

/// The widget's side effects, shared by the component's hooks and callbacks.
pub struct Effects {
    pub(super) root: web_sys::Element,
    pub(super) config: Rc<Config>,
    pub(super) storage: BrowserStorage,
    pub(super) relay: RelayClient,
    pub(super) texts: &'static Texts,
    pub(super) dispatcher: UseReducerDispatcher<State>,
    pub(super) runtime: RefCell<Runtime>,
    launcher: NodeRef,
    commands: SharedSlot,
    events: Events,
    /// The state at the last render, to see what changed (`None` before the first).
    last: RefCell<Option<State>>,
    title: RefCell<TitleBadge>,
    /// Who moved the panel last: the visitor (focus follows) or a page load (it does not).
    pub(super) by_visitor: Cell<bool>,
    /// Where the visitor left the message list (this page or the last).
    initial_scroll: Option<i32>,
    /// The bytes of staged and outgoing files, by their previews' object URLs.
    pub(super) blobs: RefCell<Vec<(String, web_sys::Blob)>>,
    /// Whether the restored outbox's files are back from IndexedDB.
    pub(super) files_ready: Cell<bool>,
    /// The upload under way, so the visitor can cancel it.
    pub(super) upload: RefCell<Option<web_sys::XmlHttpRequest>>,
    /// The last scroll offset saved (saved only when it moves by more than a line).
    pub(super) saved_scroll: Cell<Option<i32>>,
}

impl Effects {
    /// Effects for the component with these props, dispatching into `dispatcher`.
    pub fn new(
        props: &AppProps,
        texts: &'static Texts,
        dispatcher: UseReducerDispatcher<State>,
        launcher: NodeRef,
    ) -> Effects {
        let storage = BrowserStorage::new(props.config.storage_prefix());
        Effects {
            root: props.root.clone(),
            config: props.config.clone(),
            relay: RelayClient::new(props.config.relay.clone()),
            initial_scroll: storage.scroll(),
            storage,
            texts,
            dispatcher,
            runtime: RefCell::default(),
            launcher,
            commands: props.commands.clone(),
            events: props.events.clone(),
            last: RefCell::default(),
            title: RefCell::new(TitleBadge::new()),
            by_visitor: Cell::new(props.focus),
            saved_scroll: Cell::new(Some(i32::MIN)),
            blobs: RefCell::default(),
            files_ready: Cell::new(false),
            upload: RefCell::default(),
        }
    }

    /// On mount: what the last page kept, then listening to the page, the tab and the other
    /// tabs, and standing in line to lead them.
    pub fn start(self: &Rc<Self>) {
        let storage = &self.storage;
        let (messages, outbox) = (storage.messages(), storage.outbox());
        let link = take_resume_link();
        // Someone else's link must not take a conversation over unasked: the visitor's next
        // messages would go to a thread its sender reads.
        let ask = link.is_some() && !(messages.is_empty() && outbox.is_empty());
        self.runtime.borrow_mut().link = link;
        self.restore_files(outbox.clone());
        self.dispatcher.dispatch(Action::Restored {
            messages,
            outbox,
            draft: storage.draft(),
        });
        if ask {
            self.dispatcher.dispatch(Action::ResumePrompt(true));
        }
        if storage.consented() {
            self.dispatcher.dispatch(Action::Consented);
        }
        self.dispatcher.dispatch(Action::SetSound(storage.sound()));
        self.dispatcher.dispatch(Action::Visibility {
            hidden: document_hidden(),
        });

        let weak = Rc::downgrade(self);
        let visibility = Listener::visibility(with(&weak, |effects, ()| {
            effects.dispatcher.dispatch(Action::Visibility {
                hidden: document_hidden(),
            })
        }));
        // Back online, or back to the tab: reconnect and retry now, not after a backoff.
        let poke = with(&weak, |effects, ()| effects.poke());
        let listeners = vec![
            visibility,
            Listener::new("online", poke.clone()),
            Listener::new("visibilitychange", poke),
        ];
        CommandSlot::listen(
            &self.commands,
            with(&weak, |effects, command| effects.command(command)),
        );

        let prefix = self.config.storage_prefix();
        let channel = TabChannel::join(
            &format!("{prefix}tabs"),
            with(&weak, |effects, news| effects.news(news)),
        );
        if let Some(channel) = &channel {
            channel.tell(&TabNews::Hello);
        }
        let _ = self.root.set_attribute("data-role", "follower");
        {
            let mut runtime = self.runtime.borrow_mut();
            runtime.listeners = listeners;
            runtime.channel = channel;
        }
        let effects = self.clone();
        spawn_local(async move {
            let guard = tabs::acquire(&format!("{prefix}leader")).await;
            if effects.runtime.borrow().stopped {
                return;
            }
            {
                let mut runtime = effects.runtime.borrow_mut();
                runtime.leadership = guard;
                runtime.leader = true;
            }
            let _ = effects.root.set_attribute("data-role", "leader");
            effects.ensure_socket();
        });
    }

    /// On unmount: let go of the socket, the listeners, the other tabs and the lead.
    pub fn stop(&self) {
        let mut runtime = self.runtime.borrow_mut();
        runtime.stopped = true;
        runtime.socket = None;
        runtime.listeners.clear();
        runtime.channel = None;
        runtime.leadership = None;
    }

    /// After each render: does what the change from the last rendered state calls for.
    pub fn after_render(self: &Rc<Self>, state: &State) {
        let last = self.last.borrow_mut().replace(state.clone());
        let first = last.is_none();
        let last = last.unwrap_or_default();
        {
            let mut runtime = self.runtime.borrow_mut();
            runtime.session = state.session.clone();
            runtime.last_seq = state.last_seq();
            if state.session.is_some() {
                runtime.starting_session = false;
            } else {
                // Erased or reset: the socket belonged to the old thread.
                runtime.socket = None;
            }
        }
        // Not on the first render: the state that `start` restores, and whether a resume
        // link must be asked about first, is in the next one.
        if state.session.is_none() && !state.resume_prompt && !first {
            self.start_session();
        }
        // A new thread: whether this browser pushes for it, or may be offered to.
        let thread_now = state.session.as_ref().map(|session| &session.thread_id);
        if thread_now != last.session.as_ref().map(|session| &session.thread_id)
            && state
                .session
                .as_ref()
                .is_some_and(|session| session.brand.push_key.is_some())
            && self.config.push.is_some()
            && crate::push::supported()
        {
            self.push(false);
        }
        self.keep(state, &last, first);
        self.release_sent(state, &last);
        self.report_reading(state);
        if first || (state.unread, state.hidden) != (last.unread, last.hidden) {
            self.title
                .borrow_mut()
                .show(state.unread, self.texts.new_message_title);
        }
        let theme = |state: &State| {
            let brand = &state.session.as_ref()?.brand;
            Some((brand.theme_color.clone(), brand.theme))
        };
        if first || theme(state) != theme(&last) {
            let (color, scheme) = theme(state).unwrap_or_default();
            apply_theme(&self.root, color, scheme);
        }
        if last.open && !state.open && self.by_visitor.get() {
            if let Some(button) = self.launcher.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        }
        // "open" whenever the panel becomes visible (also when the page starts with it
        // open); "close" only when it was open.
        if state.open != last.open || (first && state.open) {
            let event = if state.open { "open" } else { "close" };
            self.events.send(event, JsValue::UNDEFINED);
        }
        if first || state.unread != last.unread {
            self.events.send("unread", JsValue::from(state.unread));
        }
        self.ensure_socket();
        self.send_next(state);
        self.schedule_retry(state);
    }

    /// The browser keeps the thread, the outbox, the draft and the open state for the next
    /// page.
    fn keep(&self, state: &State, last: &State, first: bool) {
        if state.messages != last.messages {
            self.storage.set_messages(&state.messages);
        }
        if state.outbox != last.outbox || state.messages != last.messages {
            // Acknowledged ids let this tab drop other tabs' entries it has seen stored.
            let acknowledged: Vec<_> = state
                .messages
                .iter()
                .map(|message| message.client_id.clone())
                .collect();
            self.storage.set_outbox(&state.outbox, &acknowledged);
        }
        if state.draft != last.draft {
            self.storage.set_draft(&state.draft);
        }
        if first || state.open != last.open {
            self.storage.set_open(state.open);
        }
    }

    /// The team's messages count as read while the panel is open and the tab visible: the
    /// relay and the other tabs hear of it. The relay shows the team only if the brand
    /// reports reads, but always stops the email or push of a reply the visitor has seen.
    fn report_reading(&self, state: &State) {
        let (Some(seq), true, false) = (state.last_team_seq(), state.open, state.hidden) else {
            return;
        };
        if let Some(session) = state.session.as_ref().filter(|_| seq > state.read_up_to) {
            self.dispatcher.dispatch(Action::ReadReported(seq));
            let (relay, session) = (self.relay.clone(), session.clone());
            spawn_local(async move {
                // A lost receipt is not worth a retry: the next message brings another.
                let _ = relay.mark_read(&session, seq).await;
            });
        }
        let mut runtime = self.runtime.borrow_mut();
        if seq > runtime.seen_told {
            runtime.seen_told = seq;
            if let Some(channel) = &runtime.channel {
                channel.tell(&TabNews::Seen(seq));
            }
        }
    }

    /// A frame from the relay, as its text: from this tab's socket (`own`), or passed on by
    /// the leader. Frames that do not decode are ignored, like unknown ones.
    pub(super) fn frame(&self, text: String, own: bool) {
        let Ok(frame) = crate::json::decode_frame(&text) else {
            return;
        };
        match &frame {
            ServerFrame::Ready { .. } if own => {
                let mut runtime = self.runtime.borrow_mut();
                runtime.socket_attempt = 0;
                runtime.live = true;
                if let Some(channel) = &runtime.channel {
                    channel.tell(&TabNews::Live(true));
                }
                drop(runtime);
                self.dispatcher.dispatch(Action::SocketOpened);
            }
            // The browser forgets an erased thread too.
            ServerFrame::Erased => self.storage.forget(),
            ServerFrame::Message { message }
                if message.author != Author::Visitor
                    && message.seq > self.runtime.borrow().last_seq =>
            {
                let json = crate::json::encode(message);
                self.events.send("message", JsValue::from_str(&json));
                // One chime and one notification per browser: the leader's.
                if own && document_hidden() {
                    if self.storage.sound() {
                        notify::chime();
                    }
                    let brand = self.runtime.borrow().session.clone();
                    let brand = brand.map(|session| session.brand.name).unwrap_or_default();
                    notify::notify(&brand, &message.text);
                }
            }
            _ => {}
        }
        if own {
            if let Some(channel) = &self.runtime.borrow().channel {
                channel.tell(&TabNews::Frame(text));
            }
        }
        self.dispatcher.dispatch(Action::Frame(frame));
    }

    /// News from another tab.
    fn news(&self, news: TabNews) {
        match news {
            TabNews::Frame(text) => self.frame(text, false),
            TabNews::Live(live) => self.dispatcher.dispatch(if live {
                Action::SocketOpened
            } else {
                Action::SocketClosed
            }),
            TabNews::Seen(seq) => {
                let mut runtime = self.runtime.borrow_mut();
                runtime.seen_told = runtime.seen_told.max(seq);
                drop(runtime);
                self.dispatcher.dispatch(Action::SeenElsewhere(seq));
            }
            TabNews::Hello => {
                let runtime = self.runtime.borrow();
                if let (true, Some(channel)) = (runtime.leader, &runtime.channel) {
                    channel.tell(&TabNews::Live(runtime.live));
                }
            }
        }
    }

    /// A command from the page (`window.Confab`).
    fn command(&self, command: Command) {
        match command {
            Command::Open => self.set_open_by_visitor(true),
            Command::Close => self.set_open_by_visitor(false),
            Command::Toggle => self.toggle(),
            Command::Identify(identity) => {
                if self.storage.identity().as_ref() != Some(&identity) {
                    self.runtime.borrow_mut().link = None;
                    self.storage.forget();
                    self.storage.set_identity(Some(&identity));
                    self.dispatcher.dispatch(Action::Reset);
                }
            }
            Command::Shutdown => {
                self.runtime.borrow_mut().link = None;
                self.storage.forget();
                self.storage.set_identity(None);
                self.dispatcher.dispatch(Action::Reset);
            }
        }
    }

    /// Reads the state the visitor saw: the last rendered one (`None` before the first).
    pub(super) fn rendered<T>(&self, read: impl FnOnce(&State) -> T) -> Option<T> {
        self.last.borrow().as_ref().map(read)
    }

    /// Opens the panel if it is closed, closes it if it is open.
    pub(super) fn toggle(&self) {
        let open = self.rendered(|state| state.open).unwrap_or(false);
        self.set_open_by_visitor(!open);
    }

    /// Opens or closes the panel because the visitor (or the page for them) asked.
    pub fn set_open_by_visitor(&self, open: bool) {
        self.by_visitor.set(true);
        self.dispatcher.dispatch(Action::SetOpen(open));
    }

    /// Whether the visitor moved the panel last (then focus may move with it).
    pub fn moved_by_visitor(&self) -> bool {
        self.by_visitor.get()
    }

    /// Where the message list should start: where the visitor left it.
    pub fn initial_scroll(&self) -> Option<i32> {
        self.initial_scroll
    }
}

/// A callback that reaches the effects while they exist (listeners must not keep them
/// alive: the effects own the listeners).
fn with<T: 'static>(weak: &Weak<Effects>, f: impl Fn(&Rc<Effects>, T) + 'static) -> Callback<T> {
    let weak = weak.clone();
    Callback::from(move |value: T| {
        if let Some(effects) = weak.upgrade() {
            f(&effects, value);
        }
    })
}

/// The brand's accent colour (unless the page's tag chose one) and its light or dark
/// choice (`data-theme`, which the stylesheet's `color-scheme` follows).
fn apply_theme(root: &web_sys::Element, color: Option<String>, scheme: Theme) {
    let _ = match scheme {
        Theme::Light => root.set_attribute("data-theme", "light"),
        Theme::Dark => root.set_attribute("data-theme", "dark"),
        Theme::Auto | Theme::Unknown => root.remove_attribute("data-theme"),
    };
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
            let _ = root.style().set_property("--confab-accent", &color);
        }
    }
}

/// Whether the page's tab is hidden.
pub(super) fn document_hidden() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .is_some_and(|document| document.hidden())
}
