//! The live parts: the inbox socket (every change to the brand's threads) and the open
//! thread's team socket (its messages, ticks and typing), each reopened with backoff.

use super::effects::Effects;
use crate::api::{self, NO_BODY};
use crate::error::ConsoleError;
use crate::live::{delay_ms, sleep, Socket};
use crate::state::thread::Typist;
use crate::state::Action;
use confab_protocol::console::InboxFrame;
use confab_protocol::{AgentThread, ClientFrame, Seq, ServerFrame, SocketTicket, ThreadId};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

impl Effects {
    /// (Re)opens the inbox socket of run `run`, after the backoff of attempt `attempt`.
    pub(super) fn connect_inbox(self: Rc<Self>, run: u32, attempt: u32) {
        spawn_local(async move {
            if attempt > 0 {
                sleep(delay_ms(attempt - 1, js_sys::Math::random())).await;
            }
            if self.inbox_run.get() != run {
                return;
            }
            let ticket: Result<SocketTicket, _> =
                api::json("POST", "/v1/agent/inbox/tickets", NO_BODY).await;
            if self.inbox_run.get() != run {
                return;
            }
            let ticket = match ticket {
                Ok(ticket) => ticket,
                Err(error @ ConsoleError::SignedOut { .. }) => return self.failed(error),
                Err(_) => return self.clone().connect_inbox(run, attempt + 1),
            };
            let path = format!("/v1/agent/inbox/ws?ticket={}", api::encode(&ticket.ticket));
            let on_open = {
                let this = self.clone();
                Callback::from(move |()| {
                    this.inbox_attempt.set(0);
                    this.dispatch.dispatch(Action::InboxLive(true));
                    // Whatever changed while the socket was down: the list, asked again.
                    this.listing.replace(None);
                    let filter = this.state.borrow().filter.clone();
                    this.dispatch.dispatch(Action::Filter(filter));
                })
            };
            let on_text = {
                let dispatch = self.dispatch.clone();
                Callback::from(move |text: String| {
                    if let Ok(InboxFrame::Thread { thread }) = api::decode(&text) {
                        dispatch.dispatch(Action::ThreadChanged(thread));
                    }
                })
            };
            let on_close = {
                let this = self.clone();
                Callback::from(move |()| {
                    this.dispatch.dispatch(Action::InboxLive(false));
                    if this.inbox_run.get() == run {
                        let attempt = this.inbox_attempt.get() + 1;
                        this.inbox_attempt.set(attempt);
                        this.clone().connect_inbox(run, attempt);
                    }
                })
            };
            match Socket::open(&path, on_open, on_text, on_close) {
                Ok(socket) => {
                    self.inbox.replace(Some(socket));
                }
                Err(_) => self.clone().connect_inbox(run, attempt + 1),
            }
        });
    }

    /// Closes the open thread's socket and stops its loops.
    pub(super) fn close_thread(&self) {
        self.thread_run.set(self.thread_run.get().wrapping_add(1));
        self.thread.replace(None);
        self.typing_sent.set(false);
    }

    /// Opens a thread: its whole history, page by page, then its socket.
    pub(super) fn open_thread(self: Rc<Self>, id: ThreadId) {
        let run = self.thread_run.get();
        self.thread_attempt.set(0);
        spawn_local(async move {
            if self.load_history(&id, run, Seq(0)).await {
                self.connect_thread(id, run, 0);
            }
        });
    }

    /// Loads the thread's messages after `after` to the end; false if the run ended or
    /// the thread could not be read.
    async fn load_history(&self, id: &ThreadId, run: u32, mut after: Seq) -> bool {
        loop {
            let path = Self::thread_path(id, &format!("?after={}", after.0));
            let page: Result<AgentThread, _> = api::json("GET", &path, NO_BODY).await;
            if self.thread_run.get() != run {
                return false;
            }
            match page {
                Ok(page) => {
                    let more = page.has_more;
                    let last = page.messages.last().map(|message| message.seq);
                    self.dispatch.dispatch(Action::History(page));
                    match (more, last) {
                        (true, Some(last)) if last > after => after = last,
                        _ => return true,
                    }
                }
                Err(error) => {
                    self.failed(error);
                    return false;
                }
            }
        }
    }

    fn connect_thread(self: Rc<Self>, id: ThreadId, run: u32, attempt: u32) {
        spawn_local(async move {
            if attempt > 0 {
                sleep(delay_ms(attempt - 1, js_sys::Math::random())).await;
            }
            if self.thread_run.get() != run {
                return;
            }
            let ticket: Result<SocketTicket, _> =
                api::json("POST", &Self::thread_path(&id, "/tickets"), NO_BODY).await;
            if self.thread_run.get() != run {
                return;
            }
            let ticket = match ticket {
                Ok(ticket) => ticket,
                Err(error @ ConsoleError::SignedOut { .. }) => return self.failed(error),
                Err(_) => return self.clone().connect_thread(id, run, attempt + 1),
            };
            let after = self
                .state
                .borrow()
                .thread
                .as_ref()
                .map_or(Seq(0), |thread| thread.last_seq());
            let path = format!(
                "/v1/threads/{}/ws?ticket={}&after={}",
                api::encode(id.as_str()),
                api::encode(&ticket.ticket),
                after.0
            );
            let on_open = {
                let this = self.clone();
                Callback::from(move |()| {
                    this.thread_attempt.set(0);
                    this.dispatch.dispatch(Action::ThreadLive(true));
                })
            };
            let on_text = {
                let (this, id) = (self.clone(), id.clone());
                Callback::from(move |text: String| this.thread_frame(&id, run, &text))
            };
            let on_close = {
                let (this, id) = (self.clone(), id.clone());
                Callback::from(move |()| {
                    if this.thread_run.get() == run {
                        this.dispatch.dispatch(Action::ThreadLive(false));
                        let attempt = this.thread_attempt.get() + 1;
                        this.thread_attempt.set(attempt);
                        this.clone().connect_thread(id.clone(), run, attempt);
                    }
                })
            };
            match Socket::open(&path, on_open, on_text, on_close) {
                Ok(socket) => {
                    self.thread.replace(Some(socket));
                }
                Err(_) => self.clone().connect_thread(id, run, attempt + 1),
            }
        });
    }

    fn thread_frame(self: &Rc<Self>, id: &ThreadId, run: u32, text: &str) {
        let Ok(frame) = api::decode::<ServerFrame>(text) else {
            return;
        };
        match frame {
            ServerFrame::Message { message } => self.dispatch.dispatch(Action::Stored(message)),
            // `name` is on frames to the team's sockets only: who of the team is typing.
            ServerFrame::Typing {
                author,
                active,
                name,
            } => self
                .dispatch
                .dispatch(Action::Typing(Typist { author, name }, active)),
            ServerFrame::Ready {
                complete: false, ..
            } => {
                // The socket sent the first page of what was missed: the rest over HTTP.
                let (this, id) = (self.clone(), id.clone());
                spawn_local(async move {
                    let after = this
                        .state
                        .borrow()
                        .thread
                        .as_ref()
                        .map_or(Seq(0), |thread| thread.last_seq());
                    this.load_history(&id, run, after).await;
                });
            }
            _ => {}
        }
    }

    /// Tells the thread's other sockets whether this member is typing (only on a change).
    pub(super) fn send_typing(&self, active: bool) {
        if self.typing_sent.replace(active) == active {
            return;
        }
        if let (Some(socket), Ok(frame)) = (
            self.thread.borrow().as_ref(),
            serde_json::to_string(&ClientFrame::Typing { active }),
        ) {
            socket.send(&frame);
        }
    }
}
