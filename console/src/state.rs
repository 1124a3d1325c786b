//! The console's state and everything that can happen to it, as one reducer.
//!
//! Pure: no browser APIs, so the rules (the inbox's order and filters, merging a thread's
//! messages by `seq`, pending replies, settings edits) are tested natively
//! (`state/tests.rs`). The [`crate::app`] component turns events into [`Action`]s and
//! runs the effects.

pub mod hours;
pub mod inbox;
pub mod insights;
pub mod settings;
#[cfg(test)]
mod tests;
pub mod thread;

use crate::route::Route;
use confab_protocol::console::{ConsoleMe, Member, Role};
use confab_protocol::insights::Insights;
use confab_protocol::{
    AgentThread, Author, BrandProfile, ClientMessageId, Message, Seq, ThreadId, ThreadSummary,
    Timestamp,
};
use inbox::Filter;
use insights::{InsightsPage, Period};
use serde_json::Value;
use settings::SettingsForm;
use std::rc::Rc;
use thread::{Pending, ThreadView, Typist};
use yew::Reducible;

/// Where the console stands with its member's session.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Auth {
    /// Asking the relay who the session is (or spending a link's token).
    #[default]
    Checking,
    /// Not signed in: the sign-in form.
    SignedOut(SignInStage),
    /// Signed in.
    SignedIn(ConsoleMe),
}

/// What the sign-in page shows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SignInStage {
    /// The form.
    #[default]
    Form,
    /// The link went out: "Check your email".
    Sent(String),
    /// The link's token was refused: used or expired; the form again.
    LinkRefused,
    /// Signed out (this session, or everywhere).
    SignedOut,
}

/// What a connector's "Test" came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectorTest {
    /// Under way.
    Running,
    /// The provider's answer.
    Done {
        /// Whether it worked.
        ok: bool,
        /// The HTTP status, if one came.
        status: Option<u16>,
        /// What the provider answered.
        detail: String,
    },
}

/// Everything the console shows.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct State {
    /// The page the hash names.
    pub route: Route,
    /// The session.
    pub auth: Auth,
    /// The brand's threads as filtered, latest first.
    pub threads: Vec<ThreadSummary>,
    /// The list's filters.
    pub filter: Filter,
    /// Whether the list is loaded.
    pub listed: bool,
    /// Whether the inbox socket is open.
    pub inbox_live: bool,
    /// The open thread.
    pub thread: Option<ThreadView>,
    /// The settings form (owners), once loaded.
    pub settings: Option<SettingsForm>,
    /// The widget profile the relay previewed for the unsaved settings.
    pub preview: Option<BrandProfile>,
    /// The team (owners), once loaded.
    pub members: Option<Vec<Member>>,
    /// The agent key just created: shown once.
    pub new_key: Option<String>,
    /// Connector tests by connector name.
    pub connector_tests: Vec<(String, ConnectorTest)>,
    /// A line for the top of the page (an error, a confirmation).
    pub notice: Option<String>,
    /// The live region's text: what just arrived, for screen readers.
    pub announcement: String,
    /// The visitor message last announced (its thread and time): the list's socket and
    /// the open thread's both bring it, and it is said once.
    pub announced: Option<(ThreadId, Timestamp)>,
    /// The Insights page.
    pub insights: InsightsPage,
}

/// Everything that can happen.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The hash changed.
    Route(Route),
    /// The session is this member's.
    SignedIn(ConsoleMe),
    /// No session (a 401 anywhere, or signing out): the sign-in page at this stage.
    SignedOut(SignInStage),
    /// The list was fetched (after a filter change or a reconnect).
    Threads(Vec<ThreadSummary>),
    /// The inbox socket says a thread changed.
    ThreadChanged(ThreadSummary),
    /// The inbox socket opened or closed.
    InboxLive(bool),
    /// The filters changed (the list is fetched again).
    Filter(Filter),
    /// A page of the open thread's history.
    History(AgentThread),
    /// A stored message of the open thread (socket frame or the answer to a send).
    Stored(Message),
    /// The thread's socket opened or closed.
    ThreadLive(bool),
    /// Someone in the open thread started or stopped typing.
    Typing(Typist, bool),
    /// The composer's text.
    Draft(String),
    /// The quick replies to offer with the next reply.
    Replies(Vec<String>),
    /// A reply was written: pending until stored.
    Queued {
        /// Its client id.
        client_id: ClientMessageId,
        /// Its text.
        text: String,
        /// Its quick replies.
        replies: Vec<String>,
    },
    /// A pending reply's send failed.
    SendFailed(ClientMessageId, String),
    /// The open thread was reported read up to this `seq`.
    Read(Seq),
    /// Settings loaded or saved.
    Settings(Value),
    /// The relay took the settings: the form over what it stored, saying so.
    SettingsSaved(Value),
    /// A settings field changed (a key path and its new value; `Null` removes it).
    EditSetting(String, Value),
    /// The relay refused the settings: the field it names, and why.
    SettingsRefused(Option<String>, String),
    /// The relay's preview of the unsaved settings.
    Preview(BrandProfile),
    /// The team.
    Members(Vec<Member>),
    /// A member was added or changed.
    MemberAdded(Member),
    /// A member was removed.
    MemberRemoved(String),
    /// An agent key was created.
    KeyCreated(String),
    /// A connector test started or answered.
    ConnectorTest(String, ConnectorTest),
    /// A line for the top of the page (or none).
    Notice(Option<String>),
    /// The Insights range chosen, with its bounds (`None` for dates that make no range).
    InsightsPeriod(Period, Option<(Timestamp, Timestamp)>),
    /// The Insights report for these bounds.
    Insights((Timestamp, Timestamp), Box<Insights>),
}

impl State {
    /// The signed-in member, if any.
    pub fn me(&self) -> Option<&ConsoleMe> {
        match &self.auth {
            Auth::SignedIn(me) => Some(me),
            _ => None,
        }
    }

    /// Whether the signed-in member is an owner.
    pub fn is_owner(&self) -> bool {
        self.me().is_some_and(|me| me.member.role == Role::Owner)
    }

    /// The summary of the open thread, if one is known.
    pub fn open_summary(&self) -> Option<&ThreadSummary> {
        let thread = self.thread.as_ref()?;
        thread.summary.as_ref().or_else(|| {
            self.threads
                .iter()
                .find(|summary| summary.thread_id == thread.id)
        })
    }

    fn thread_mut(&mut self) -> Option<&mut ThreadView> {
        self.thread.as_mut()
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Route(route) => {
                let id = match &route {
                    Route::Thread(id) => Some(id.clone()),
                    _ => None,
                };
                if id.as_ref() != self.thread.as_ref().map(|thread| &thread.id) {
                    self.thread = id.map(ThreadView::new);
                }
                if route != self.route {
                    self.notice = None;
                }
                self.route = route;
            }
            Action::SignedIn(me) => {
                // Another member's link opened here: nothing of the last session stays.
                if self.me().is_some_and(|held| !same_member(held, &me)) {
                    let route = self.route.clone();
                    *self = State {
                        route,
                        ..State::default()
                    };
                }
                self.auth = Auth::SignedIn(me);
            }
            Action::SignedOut(stage) => {
                let route = self.route.clone();
                *self = State {
                    route,
                    auth: Auth::SignedOut(stage),
                    ..State::default()
                };
            }
            Action::Threads(mut threads) => {
                inbox::sort(&mut threads);
                self.threads = threads;
                self.listed = true;
            }
            Action::ThreadChanged(summary) => {
                let announce = summary.awaiting_reply
                    && self
                        .threads
                        .iter()
                        .find(|old| old.thread_id == summary.thread_id)
                        .is_none_or(|old| old.last_message_at < summary.last_message_at);
                if announce {
                    let text = summary.last_text.as_deref().unwrap_or("a file");
                    let key = (summary.thread_id.clone(), summary.last_message_at);
                    self.announce(key, format!("New message: {text}"));
                }
                if let Some(thread) = self
                    .thread
                    .as_mut()
                    .filter(|thread| thread.id == summary.thread_id)
                {
                    thread.summary = Some(summary.clone());
                }
                inbox::upsert(&mut self.threads, &self.filter, summary);
            }
            Action::InboxLive(live) => self.inbox_live = live,
            Action::Filter(filter) => {
                self.filter = filter;
                self.listed = false;
            }
            Action::History(page) => {
                if let Some(thread) = self.thread_mut().filter(|open| open.id == page.thread_id) {
                    thread.page(page);
                }
            }
            Action::Stored(message) => {
                let visitor = message.author == Author::Visitor;
                let text = message.text.clone();
                if let Some(thread) = self.thread_mut() {
                    let new = !thread.messages.iter().any(|held| held.seq == message.seq);
                    let key = (thread.id.clone(), message.created_at);
                    thread.merge(message);
                    if new && visitor {
                        self.announce(key, format!("New message: {text}"));
                    }
                }
            }
            Action::ThreadLive(live) => {
                if let Some(thread) = self.thread_mut() {
                    thread.live = live;
                    if !live {
                        thread.typing.clear();
                    }
                }
            }
            Action::Typing(typist, active) => {
                if let Some(thread) = self.thread_mut() {
                    thread.typing(typist, active);
                }
            }
            Action::Draft(draft) => {
                if let Some(thread) = self.thread_mut() {
                    thread.draft = draft;
                }
            }
            Action::Replies(replies) => {
                if let Some(thread) = self.thread_mut() {
                    thread.replies = replies
                        .into_iter()
                        .take(confab_protocol::MAX_REPLIES)
                        .collect();
                }
            }
            Action::Queued {
                client_id,
                text,
                replies,
            } => {
                if let Some(thread) = self.thread_mut() {
                    thread.draft.clear();
                    thread.replies.clear();
                    thread.pending.push(Pending {
                        client_id,
                        text,
                        replies,
                        error: None,
                    });
                }
            }
            Action::SendFailed(client_id, error) => {
                if let Some(pending) = self.thread_mut().and_then(|thread| {
                    thread
                        .pending
                        .iter_mut()
                        .find(|pending| pending.client_id == client_id)
                }) {
                    pending.error = Some(error);
                }
            }
            Action::Read(seq) => {
                let id = self.thread.as_ref().map(|thread| thread.id.clone());
                if let Some(thread) = self.thread_mut() {
                    thread.read_up_to = thread.read_up_to.max(seq);
                }
                if let Some(summary) = self
                    .threads
                    .iter_mut()
                    .find(|summary| Some(&summary.thread_id) == id.as_ref())
                {
                    summary.unread = 0;
                }
            }
            Action::Settings(value) => {
                self.settings = Some(SettingsForm::loaded(value));
            }
            Action::SettingsSaved(value) => {
                self.settings = Some(SettingsForm {
                    just_saved: true,
                    ..SettingsForm::loaded(value)
                });
            }
            Action::EditSetting(path, value) => {
                if let Some(form) = self.settings.as_mut() {
                    settings::set(&mut form.value, &path, value);
                    form.just_saved = false;
                    if form.error_at(&path).is_some() {
                        form.error = None;
                    }
                }
            }
            Action::SettingsRefused(field, message) => {
                if let Some(form) = self.settings.as_mut() {
                    form.error = Some((field, message));
                    form.just_saved = false;
                }
            }
            Action::Preview(profile) => self.preview = Some(profile),
            Action::Members(mut members) => {
                members.sort_by(|a, b| a.email.cmp(&b.email));
                self.members = Some(members);
            }
            Action::MemberAdded(member) => {
                let members = self.members.get_or_insert_with(Vec::new);
                members.retain(|held| held.email != member.email);
                members.push(member);
                members.sort_by(|a, b| a.email.cmp(&b.email));
            }
            Action::MemberRemoved(email) => {
                if let Some(members) = self.members.as_mut() {
                    members.retain(|held| held.email != email);
                }
            }
            Action::KeyCreated(key) => self.new_key = Some(key),
            Action::ConnectorTest(name, test) => {
                self.connector_tests.retain(|(held, _)| held != &name);
                self.connector_tests.push((name, test));
            }
            Action::Notice(notice) => self.notice = notice,
            Action::InsightsPeriod(period, bounds) => {
                if bounds != self.insights.bounds {
                    self.insights.report = None;
                }
                self.insights.period = period;
                self.insights.bounds = bounds;
            }
            Action::Insights(bounds, report) => {
                // An answer for a range no longer chosen is dropped.
                if self.insights.bounds == Some(bounds) {
                    self.insights.report = Some(*report);
                }
            }
        }
    }

    /// Says a visitor's message in the live region, unless it was just said: the list's
    /// socket and the open thread's socket both bring it, in either order, and the same
    /// message is the same thread and time.
    fn announce(&mut self, key: (ThreadId, Timestamp), words: String) {
        if self.announced.as_ref() != Some(&key) {
            self.announced = Some(key);
            self.announcement = words;
        }
    }
}

/// Whether two sessions are the same member's, of the same brand.
pub fn same_member(a: &ConsoleMe, b: &ConsoleMe) -> bool {
    a.brand == b.brand && a.member.email == b.member.email
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        state.apply(action);
        Rc::new(state)
    }
}
