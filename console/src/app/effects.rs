//! What the console does besides drawing: the session at start, and after each render the
//! calls the new state asks for (the list, the open thread, the owner's pages).

use crate::api::{self, NO_BODY};
use crate::error::ConsoleError;
use crate::live::Socket;
use crate::route::Route;
use crate::state::inbox::Filter;
use crate::state::{Action, Auth, SignInStage, State};
use confab_protocol::console::{ConsoleMe, SignIn};
use confab_protocol::{ReadUpTo, Seq, ThreadId, ThreadList};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::UseReducerDispatcher;

/// The console's effects: what they hold between renders.
pub struct Effects {
    pub(super) dispatch: UseReducerDispatcher<State>,
    /// The state as last rendered (what async work reads when it resumes).
    pub(super) state: RefCell<Rc<State>>,
    /// The inbox socket, and the number of its current run (a new run, or signing out,
    /// makes older reconnection loops stop).
    pub(super) inbox: RefCell<Option<Socket>>,
    pub(super) inbox_run: Cell<u32>,
    pub(super) inbox_attempt: Cell<u32>,
    /// The open thread's socket, and its run.
    pub(super) thread: RefCell<Option<Socket>>,
    pub(super) thread_run: Cell<u32>,
    pub(super) thread_attempt: Cell<u32>,
    /// Whether the last typing frame said "typing".
    pub(super) typing_sent: Cell<bool>,
    /// The filter of the list call under way (or that last failed), so one is not asked
    /// twice.
    pub(super) listing: RefCell<Option<Filter>>,
    /// Owner data asked for (each once a session, so a failure is not asked at every render).
    pub(super) loading_settings: Cell<bool>,
    loading_members: Cell<bool>,
    /// The number of the latest preview asked for (older answers are dropped).
    pub(super) preview_run: Cell<u32>,
    /// The Insights range whose report is being asked for (or last failed).
    pub(super) loading_insights:
        RefCell<Option<(confab_protocol::Timestamp, confab_protocol::Timestamp)>>,
    /// The thread reported read, and up to which `seq`.
    reported: RefCell<Option<(ThreadId, Seq)>>,
    hashchange: RefCell<Option<Closure<dyn FnMut()>>>,
}

impl Effects {
    /// Effects dispatching to the console's reducer.
    pub fn new(dispatch: UseReducerDispatcher<State>) -> Effects {
        Effects {
            dispatch,
            state: RefCell::new(Rc::new(State::default())),
            inbox: RefCell::new(None),
            inbox_run: Cell::new(0),
            inbox_attempt: Cell::new(0),
            thread: RefCell::new(None),
            thread_run: Cell::new(0),
            thread_attempt: Cell::new(0),
            typing_sent: Cell::new(false),
            listing: RefCell::new(None),
            loading_settings: Cell::new(false),
            loading_members: Cell::new(false),
            preview_run: Cell::new(0),
            loading_insights: RefCell::new(None),
            reported: RefCell::new(None),
            hashchange: RefCell::new(None),
        }
    }

    /// Once, at mount: follow the hash from now on, and find out who the session is
    /// (spending a sign-in link's token first if the page was opened from one).
    pub fn start(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        // The listener lives as long as the page, and so do the effects it holds.
        let this = self.clone();
        let on_hash = Closure::<dyn FnMut()>::new(move || this.follow_hash(false));
        let _ =
            window.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
        self.hashchange.replace(Some(on_hash));
        self.follow_hash(true);
    }

    /// The hash changed (or the page opened, `first`): a sign-in link's token is spent (a
    /// link opened in a tab already showing the console only changes its hash), any other
    /// hash is a route.
    fn follow_hash(&self, first: bool) {
        let hash = current_hash().unwrap_or_default();
        let token = hash
            .strip_prefix('#')
            .filter(|query| query.starts_with("token="))
            .and_then(|query| web_sys::UrlSearchParams::new_with_str(query).ok())
            .and_then(|params| params.get("token"));
        let dispatch = self.dispatch.clone();
        match token {
            Some(token) => {
                // The token leaves the address bar (and the history) before it is spent.
                replace_hash(&Route::Inbox.hash());
                dispatch.dispatch(Action::Route(Route::Inbox));
                spawn_local(async move {
                    let answer: Result<ConsoleMe, _> =
                        api::json("POST", "/v1/console/sign-in", Some(&SignIn { token })).await;
                    match answer {
                        Ok(me) => dispatch.dispatch(Action::SignedIn(me)),
                        Err(ConsoleError::SignedOut { .. }) => {
                            dispatch.dispatch(Action::SignedOut(SignInStage::LinkRefused))
                        }
                        Err(error) => unreachable_relay(&dispatch, error),
                    }
                });
            }
            None => {
                dispatch.dispatch(Action::Route(Route::from_hash(&hash)));
                if first {
                    spawn_local(async move {
                        let answer: Result<ConsoleMe, _> =
                            api::json("GET", "/v1/console/me", NO_BODY).await;
                        match answer {
                            Ok(me) => dispatch.dispatch(Action::SignedIn(me)),
                            Err(ConsoleError::SignedOut { .. }) => {
                                dispatch.dispatch(Action::SignedOut(SignInStage::Form))
                            }
                            Err(error) => unreachable_relay(&dispatch, error),
                        }
                    });
                }
            }
        }
    }

    /// After each render: start or stop what the new state needs.
    pub fn after_render(self: &Rc<Self>, next: &State) {
        // A copy, kept for the async work that resumes later and for the next comparison.
        let next = Rc::new(next.clone());
        let previous = self.state.replace(next.clone());
        let switched = match (previous.me(), next.me()) {
            (Some(before), Some(now)) => !crate::state::same_member(before, now),
            _ => false,
        };
        if switched {
            self.stop();
        }
        let was_in = matches!(previous.auth, Auth::SignedIn(_)) && !switched;
        let is_in = matches!(next.auth, Auth::SignedIn(_));
        if !is_in {
            if was_in {
                self.stop();
            }
            return;
        }
        if !was_in {
            self.clone().connect_inbox(self.inbox_run.get(), 0);
        }
        if next.route.owner_only() && !next.is_owner() {
            replace_hash(&Route::Inbox.hash());
            self.dispatch.dispatch(Action::Route(Route::Inbox));
            self.dispatch.dispatch(Action::Notice(Some(
                "Only the brand's owners can open that page.".into(),
            )));
            return;
        }
        if !next.listed && self.listing.borrow().as_ref() != Some(&next.filter) {
            self.list(next.filter.clone());
        }
        let open = next.thread.as_ref().map(|thread| thread.id.clone());
        // A thread opened by the hash before the session was known opens now.
        let was_open = previous
            .thread
            .as_ref()
            .filter(|_| was_in)
            .map(|thread| thread.id.clone());
        if open != was_open {
            self.close_thread();
            if let Some(id) = open {
                self.clone().open_thread(id);
            }
        }
        self.report_read(&next);
        self.owner_pages(&previous, &next);
        self.insights(&next);
    }

    /// Signed out: every socket closed, every loop stopped.
    fn stop(&self) {
        self.inbox_run.set(self.inbox_run.get().wrapping_add(1));
        self.inbox.replace(None);
        self.close_thread();
        self.listing.replace(None);
        self.loading_settings.set(false);
        self.loading_members.set(false);
        self.loading_insights.replace(None);
    }

    fn list(self: &Rc<Self>, filter: Filter) {
        self.listing.replace(Some(filter.clone()));
        let this = self.clone();
        spawn_local(async move {
            let path = format!("/v1/agent/threads?{}", filter.query());
            let answer: Result<ThreadList, _> = api::json("GET", &path, NO_BODY).await;
            let current = this.state.borrow().filter == filter;
            match answer {
                Ok(list) => {
                    if this.listing.borrow().as_ref() == Some(&filter) {
                        this.listing.replace(None);
                    }
                    if current {
                        this.dispatch.dispatch(Action::Threads(list.threads));
                    }
                }
                // The filter stays marked as asked, so a failure is not asked again at once
                // (every render would): a new filter or the socket's reconnection asks.
                Err(error) => this.failed(error),
            }
        });
    }

    /// Reports the open thread read up to its newest message, while the page is shown.
    fn report_read(self: &Rc<Self>, state: &State) {
        let Some(thread) = state.thread.as_ref().filter(|thread| thread.loaded) else {
            return;
        };
        let visible = web_sys::window()
            .and_then(|window| window.document())
            .is_some_and(|document| !document.hidden());
        let reported = match &*self.reported.borrow() {
            Some((id, seq)) if *id == thread.id => *seq,
            _ => Seq(0),
        };
        let Some(seq) = thread.unread_seq().filter(|seq| visible && *seq > reported) else {
            return;
        };
        self.reported.replace(Some((thread.id.clone(), seq)));
        let (id, this) = (thread.id.clone(), self.clone());
        spawn_local(async move {
            let path = format!("/v1/agent/threads/{}/read", api::encode(id.as_str()));
            match api::send("POST", &path, Some(&ReadUpTo { seq })).await {
                Ok(()) => this.dispatch.dispatch(Action::Read(seq)),
                Err(error) => this.failed(error),
            }
        });
    }

    fn owner_pages(self: &Rc<Self>, previous: &State, next: &State) {
        if !next.is_owner() {
            return;
        }
        let wants_settings = matches!(next.route, Route::Settings | Route::Install);
        if wants_settings && next.settings.is_none() && !self.loading_settings.get() {
            self.loading_settings.set(true);
            let this = self.clone();
            spawn_local(async move {
                // The flag stays set after a failure, so it is not asked again at every
                // render; signing in again (or reloading) asks again.
                let answer = api::json("GET", "/v1/console/settings", NO_BODY).await;
                match answer {
                    Ok(value) => this.dispatch.dispatch(Action::Settings(value)),
                    Err(error) => this.failed(error),
                }
            });
        }
        if next.route == Route::Members && next.members.is_none() && !self.loading_members.get() {
            self.loading_members.set(true);
            let this = self.clone();
            spawn_local(async move {
                let answer: Result<confab_protocol::console::MemberList, _> =
                    api::json("GET", "/v1/console/members", NO_BODY).await;
                match answer {
                    Ok(list) => this.dispatch.dispatch(Action::Members(list.members)),
                    Err(error) => this.failed(error),
                }
            });
        }
        if next.route == Route::Install {
            let value = next.settings.as_ref().map(|form| &form.value);
            let changed = previous.route != Route::Install
                || previous.settings.as_ref().map(|form| &form.value) != value;
            if let Some(value) = value.filter(|_| changed) {
                self.clone().preview(value.clone());
            }
        }
    }

    /// What a failed call means: a 401 anywhere returns to sign-in; anything else is said
    /// at the top of the page.
    pub(super) fn failed(&self, error: ConsoleError) {
        match error {
            ConsoleError::SignedOut { .. } => {
                self.dispatch.dispatch(Action::SignedOut(SignInStage::Form))
            }
            error => self
                .dispatch
                .dispatch(Action::Notice(Some(error.to_string()))),
        }
    }

    /// A thread id in a path.
    pub(super) fn thread_path(id: &ThreadId, rest: &str) -> String {
        format!("/v1/agent/threads/{}{rest}", api::encode(id.as_str()))
    }
}

/// Signing in could not be settled (the relay unreachable, an answer unreadable): the form,
/// saying why.
fn unreachable_relay(dispatch: &UseReducerDispatcher<State>, error: ConsoleError) {
    dispatch.dispatch(Action::SignedOut(SignInStage::Form));
    dispatch.dispatch(Action::Notice(Some(error.to_string())));
}

/// The page's hash, `#…` (empty when none).
fn current_hash() -> Option<String> {
    web_sys::window()?.location().hash().ok()
}

/// Replaces the hash without a history entry or a `hashchange`.
pub(super) fn replace_hash(hash: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash));
    }
}
