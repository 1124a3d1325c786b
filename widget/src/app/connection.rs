//! Staying connected: starting or resuming the session (one per browser, whichever tab asks
//! first), loading the history, and — in the leader tab only — keeping the thread's socket
//! open, reconnecting with backoff.

use super::effects::Effects;
use crate::backoff::delay_ms;
use crate::error::WidgetError;
use crate::live::{open_socket, random, sleep};
use crate::state::Action;
use crate::tabs::{self, TabNews};
use confab_protocol::{Seq, Session};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

/// The URL parameter a resume link carries its code in.
const RESUME_PARAMETER: &str = "confab-resume";

/// The resume link's code in the page's URL, if any; the parameter is taken out of the
/// address bar (the code works once, and should not be shared or bookmarked).
pub(super) fn take_resume_link() -> Option<String> {
    let window = web_sys::window()?;
    let url = web_sys::Url::new(&window.location().href().ok()?).ok()?;
    let code = url.search_params().get(RESUME_PARAMETER)?;
    url.search_params().delete(RESUME_PARAMETER);
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
    }
    Some(code)
}

impl Effects {
    /// Starts (or resumes) the session unless that is under way, then loads the history.
    pub(super) fn start_session(self: &Rc<Self>) {
        {
            let mut runtime = self.runtime.borrow_mut();
            if runtime.starting_session || runtime.stopped {
                return;
            }
            runtime.starting_session = true;
        }
        let effects = self.clone();
        spawn_local(async move {
            // Tabs opened together would each start a thread; under the lock the second one
            // finds the first one's token and resumes the same thread.
            let lock = format!("{}session", effects.config.storage_prefix());
            let session = {
                let _held = tabs::acquire(&lock).await;
                effects.open_session().await
            };
            let after = effects.runtime.borrow().last_seq;
            effects.load_history(&session, after).await;
        });
    }

    /// Asks the relay for the session, retrying with backoff until it answers. A resume
    /// link the page was opened with (from "Continue on another device") is tried first,
    /// once; its thread replaces the one this browser kept.
    async fn open_session(&self) -> Session {
        let mut attempt = 0;
        let mut link = self.runtime.borrow_mut().link.take();
        loop {
            let token = self.storage.token();
            let identity = self.storage.identity();
            match self
                .relay
                .start_session(&self.config.brand, token, identity, link.clone())
                .await
            {
                // A used or expired link: this browser's own thread, then.
                Err(WidgetError::Relay { status: 410, .. }) if link.is_some() => link = None,
                Ok(session) => {
                    if link.is_some() {
                        self.storage.forget();
                        self.dispatcher.dispatch(Action::Reset);
                        // The history to load is the new thread's, all of it.
                        self.runtime.borrow_mut().last_seq = Seq(0);
                    }
                    self.storage.set_token(&session.token);
                    self.dispatcher
                        .dispatch(Action::SessionStarted(Box::new(session.clone())));
                    return session;
                }
                Err(error) => {
                    self.dispatcher
                        .dispatch(Action::ConnectionFailed(error.to_string()));
                    sleep(delay_ms(attempt, random())).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Loads the thread after `after`, page by page.
    async fn load_history(&self, session: &Session, mut after: Seq) {
        loop {
            match self.relay.messages(session, after).await {
                Ok(page) => {
                    after = page.messages.last().map_or(after, |message| message.seq);
                    let more = page.has_more && !page.messages.is_empty();
                    self.dispatcher.dispatch(Action::Received(page.messages));
                    if !more {
                        return;
                    }
                }
                Err(error) => {
                    self.dispatcher
                        .dispatch(Action::ConnectionFailed(error.to_string()));
                    return;
                }
            }
        }
    }

    /// Opens the socket if this tab leads, there is a session, and none is open or opening.
    pub(super) fn ensure_socket(self: &Rc<Self>) {
        let session = {
            let mut runtime = self.runtime.borrow_mut();
            let idle = runtime.socket.is_none() && !runtime.connecting;
            match runtime.session.clone() {
                Some(session) if idle && runtime.leader && !runtime.stopped => {
                    runtime.connecting = true;
                    session
                }
                _ => return,
            }
        };
        let effects = self.clone();
        spawn_local(async move {
            let weak = Rc::downgrade(&effects);
            let on_frame = Callback::from({
                let weak = weak.clone();
                move |text: String| {
                    if let Some(effects) = weak.upgrade() {
                        effects.frame(text, true);
                    }
                }
            });
            let on_close = Callback::from(move |()| {
                if let Some(effects) = weak.upgrade() {
                    effects.socket_closed();
                }
            });
            let after = effects.runtime.borrow().last_seq;
            let opened = open_socket(&effects.relay, &session, after, on_frame, on_close).await;
            let mut runtime = effects.runtime.borrow_mut();
            runtime.connecting = false;
            let same_thread = runtime
                .session
                .as_ref()
                .is_some_and(|current| current.thread_id == session.thread_id);
            match opened {
                Ok(socket) if same_thread && !runtime.stopped => runtime.socket = Some(socket),
                // The thread changed (erased, a new identity) while this one opened.
                Ok(_) => {
                    drop(runtime);
                    effects.ensure_socket();
                }
                Err(_) => {
                    drop(runtime);
                    effects.schedule_reconnect();
                }
            }
        });
    }

    /// The socket closed by itself: the other tabs hear of it, and it reopens after a
    /// backoff delay.
    fn socket_closed(self: &Rc<Self>) {
        {
            let mut runtime = self.runtime.borrow_mut();
            runtime.socket = None;
            runtime.live = false;
            if let Some(channel) = &runtime.channel {
                channel.tell(&TabNews::Live(false));
            }
        }
        self.dispatcher.dispatch(Action::SocketClosed);
        self.schedule_reconnect();
    }

    /// Tries the socket again after a backoff delay.
    fn schedule_reconnect(self: &Rc<Self>) {
        let delay = {
            let mut runtime = self.runtime.borrow_mut();
            runtime.socket_attempt += 1;
            delay_ms(runtime.socket_attempt - 1, random())
        };
        let effects = self.clone();
        spawn_local(async move {
            sleep(delay).await;
            effects.ensure_socket();
        });
    }

    /// Back online or back to the tab: reconnect and retry now rather than after a backoff.
    pub(super) fn poke(self: &Rc<Self>) {
        {
            let mut runtime = self.runtime.borrow_mut();
            runtime.socket_attempt = 0;
            runtime.send_attempt = 0;
        }
        self.dispatcher.dispatch(Action::RetrySends);
        self.ensure_socket();
    }
}
