//! The widget's state and everything that can happen to it, as one reducer.
//!
//! Pure: no browser APIs, so the rules (ordering by `seq`, de-duplication, the outbox) are
//! tested natively. The [`crate::app`] component turns events into [`Action`]s and runs the
//! effects that the state asks for.

use confab_protocol::{Author, ClientMessageId, Link, Message, Seq, ServerFrame, Session};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use yew::Reducible;

/// Where the widget stands with the relay.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Connection {
    /// Starting or resuming the session.
    #[default]
    Connecting,
    /// The session is ready; history is loaded.
    Ready,
    /// The live socket is open: new messages arrive as they are stored.
    Live,
    /// The last attempt failed; the widget will try again.
    Failed(String),
}

/// A message the visitor wrote that the relay has not yet acknowledged. Kept in the browser
/// until it is, so a reload or a closed tab loses nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Chosen when the visitor pressed Enter; every retry reuses it.
    pub client_id: ClientMessageId,
    /// What the visitor wrote.
    pub text: String,
    /// Why the last attempt failed, if it did.
    #[serde(default)]
    pub error: Option<String>,
    /// Whether trying again later may succeed (offline, 5xx, 429) or the relay refused it.
    #[serde(default)]
    pub retryable: bool,
}

/// The outbox to store when several tabs share one: what another tab stored stays unless
/// this tab has seen it acknowledged (every tab sees every message of the thread), and this
/// tab's own entries are added after. A message is therefore never dropped from storage by a
/// tab that did not know of it; sending one twice is harmless, the relay keeps the first.
pub fn merge_outboxes(
    stored: Vec<Outgoing>,
    mine: &[Outgoing],
    acknowledged: &[ClientMessageId],
) -> Vec<Outgoing> {
    let mut merged: Vec<Outgoing> = stored
        .into_iter()
        .filter(|entry| {
            !acknowledged.contains(&entry.client_id)
                && !mine.iter().any(|own| own.client_id == entry.client_id)
        })
        .collect();
    merged.extend(mine.iter().cloned());
    merged
}

/// Everything the widget shows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct State {
    /// Whether the panel is open.
    pub open: bool,
    /// The session with the relay, once started.
    pub session: Option<Session>,
    /// Where the widget stands with the relay.
    pub connection: Connection,
    /// Acknowledged messages, ordered by `seq`, each once.
    pub messages: Vec<Message>,
    /// Unacknowledged messages, in the order the visitor wrote them.
    pub outbox: Vec<Outgoing>,
    /// The outbox message being sent now (one at a time, so order is kept).
    pub sending: Option<ClientMessageId>,
    /// What the composer holds.
    pub draft: String,
    /// Someone of the team is typing.
    pub team_typing: bool,
    /// Messages from the team that arrived while the panel was closed.
    pub unread: u32,
    /// Where the "new messages" divider goes: the first team message that arrived while the
    /// panel was closed. It stays while the panel is open and goes when it closes.
    pub first_unread: Option<Seq>,
    /// The highest `seq` reported to the relay as read.
    pub read_up_to: Seq,
    /// Whether the visitor accepted the brand's privacy notice (if it has one).
    pub consented: bool,
    /// Whether the tab is hidden (then nothing is being read, even with the panel open).
    pub hidden: bool,
    /// Whether the visitor turned the new-message sound on.
    pub sound: bool,
    /// A link to continue elsewhere (WhatsApp, another device), while it is shown.
    pub link: Option<Link>,
    /// The page was opened with a resume link while this browser has a conversation with
    /// messages: the visitor is asked which one to continue, and no session starts until
    /// they answer.
    pub resume_prompt: bool,
}

/// Everything that can happen to the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// What the browser kept from the last page: messages, the outbox and the draft.
    Restored {
        /// The cached latest messages.
        messages: Vec<Message>,
        /// Messages not yet acknowledged.
        outbox: Vec<Outgoing>,
        /// The composer's text.
        draft: String,
    },
    /// The visitor opened or closed the panel.
    SetOpen(bool),
    /// Forget the thread (`Confab.shutdown()`, a new identity, or deletion): a new session
    /// follows.
    Reset,
    /// The visitor accepted the brand's privacy notice (or had on an earlier page).
    Consented,
    /// The tab was hidden or shown.
    Visibility {
        /// Whether it is hidden now.
        hidden: bool,
    },
    /// The visitor turned the sound on or off.
    SetSound(bool),
    /// The relay started or resumed the session.
    SessionStarted(Session),
    /// Starting the session or loading history failed.
    ConnectionFailed(String),
    /// Messages arrived from the relay (history or a send's acknowledgement).
    Received(Vec<Message>),
    /// The composer changed.
    DraftChanged(String),
    /// The visitor sent a message: it joins the outbox and the composer empties.
    Queued(Outgoing),
    /// The visitor sent a suggested question: it joins the outbox; the composer keeps what
    /// it holds.
    Asked(Outgoing),
    /// The app started sending this outbox message.
    SendStarted(ClientMessageId),
    /// An attempt to send failed.
    SendFailed {
        /// The message.
        client_id: ClientMessageId,
        /// Why.
        reason: String,
        /// Whether trying again later may succeed.
        retryable: bool,
    },
    /// Try the failed messages again (the visitor asked, the network came back, or a
    /// backoff delay passed).
    RetrySends,
    /// The relay was told the visitor has read up to this `seq`.
    ReadReported(Seq),
    /// The visitor saw the thread up to this `seq` in another tab: what they saw there is
    /// no longer unread here.
    SeenElsewhere(Seq),
    /// The live socket opened.
    SocketOpened,
    /// The live socket closed; the widget reconnects.
    SocketClosed,
    /// A frame arrived on the live socket.
    Frame(ServerFrame),
    /// A link to continue elsewhere arrived (`Some`), or the visitor is done with it.
    ShowLink(Option<Link>),
    /// Ask the visitor whether to follow a resume link (`true`: the panel opens to ask), or
    /// they answered (`false`).
    ResumePrompt(bool),
}

impl State {
    /// A state with the panel open or closed.
    pub fn new(open: bool) -> Self {
        Self {
            open,
            ..Self::default()
        }
    }

    /// The highest `seq` the widget has.
    pub fn last_seq(&self) -> Seq {
        self.messages.last().map_or(Seq(0), |message| message.seq)
    }

    /// Whether the brand's privacy notice must be accepted before the visitor can write.
    pub fn needs_consent(&self) -> bool {
        let asks = self
            .session
            .as_ref()
            .is_some_and(|session| session.brand.consent.is_some());
        asks && !self.consented && self.messages.is_empty()
    }

    /// The highest `seq` of a team message, which the visitor reads by looking at the open
    /// panel (their own messages need no receipt).
    pub fn last_team_seq(&self) -> Option<Seq> {
        self.messages
            .iter()
            .rev()
            .find(|message| message.author != Author::Visitor)
            .map(|message| message.seq)
    }

    /// The outbox message to send now, if any. Messages go out in the order they were
    /// written: one that failed but will be retried holds back those behind it; only one the
    /// relay refused for good (it stays, marked, for the visitor) is stepped over.
    pub fn next_to_send(&self) -> Option<&Outgoing> {
        if self.sending.is_some() {
            return None;
        }
        self.outbox
            .iter()
            .find(|outgoing| outgoing.error.is_none() || outgoing.retryable)
            .filter(|outgoing| outgoing.error.is_none())
    }

    /// Adds messages, keeping `messages` ordered by `seq` without duplicates, and removes
    /// from the outbox those that the relay has now acknowledged.
    fn merge(&mut self, incoming: Vec<Message>) {
        for message in incoming {
            self.outbox
                .retain(|outgoing| outgoing.client_id != message.client_id);
            // Acknowledged by the socket or by the HTTP answer, whichever came first: the
            // next message may go.
            if self.sending.as_ref() == Some(&message.client_id) {
                self.sending = None;
            }
            match self
                .messages
                .binary_search_by_key(&message.seq, |existing| existing.seq)
            {
                // A newer copy (a status change) replaces the older one.
                Ok(index) => self.messages[index] = message,
                Err(index) => self.messages.insert(index, message),
            }
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Restored {
                messages,
                outbox,
                draft,
            } => {
                next.outbox = outbox;
                next.merge(messages);
                if next.draft.is_empty() {
                    next.draft = draft;
                }
            }
            Action::SetOpen(open) => {
                next.open = open;
                if open {
                    next.unread = 0;
                } else {
                    next.first_unread = None;
                }
            }
            Action::ReadReported(seq) => next.read_up_to = next.read_up_to.max(seq),
            Action::SeenElsewhere(seq) => {
                let unseen = next
                    .messages
                    .iter()
                    .filter(|message| message.author != Author::Visitor && message.seq > seq)
                    .count();
                next.unread = next.unread.min(u32::try_from(unseen).unwrap_or(u32::MAX));
                if next.unread == 0 && !next.open {
                    next.first_unread = None;
                }
            }
            Action::Reset => {
                next = State {
                    open: next.open,
                    consented: next.consented,
                    hidden: next.hidden,
                    sound: next.sound,
                    ..State::default()
                };
            }
            Action::Consented => next.consented = true,
            Action::Visibility { hidden } => {
                next.hidden = hidden;
                if !hidden && next.open {
                    next.unread = 0;
                }
            }
            Action::SetSound(on) => next.sound = on,
            Action::ShowLink(link) => next.link = link,
            Action::ResumePrompt(ask) => {
                next.resume_prompt = ask;
                next.open |= ask;
            }
            Action::SessionStarted(session) => {
                next.session = Some(session);
                next.connection = Connection::Ready;
            }
            Action::ConnectionFailed(reason) => next.connection = Connection::Failed(reason),
            Action::Received(messages) => next.merge(messages),
            Action::DraftChanged(draft) => next.draft = draft,
            Action::Queued(outgoing) => {
                next.draft.clear();
                next.outbox.push(outgoing);
            }
            Action::Asked(outgoing) => next.outbox.push(outgoing),
            Action::SendStarted(client_id) => next.sending = Some(client_id),
            Action::SendFailed {
                client_id,
                reason,
                retryable,
            } => {
                if next.sending.as_ref() == Some(&client_id) {
                    next.sending = None;
                }
                if let Some(outgoing) = next
                    .outbox
                    .iter_mut()
                    .find(|outgoing| outgoing.client_id == client_id)
                {
                    outgoing.error = Some(reason);
                    outgoing.retryable = retryable;
                }
            }
            Action::RetrySends => {
                for outgoing in &mut next.outbox {
                    outgoing.error = None;
                }
            }
            Action::SocketOpened => next.connection = Connection::Live,
            Action::SocketClosed => {
                if next.connection == Connection::Live {
                    next.connection = Connection::Ready;
                }
                next.team_typing = false;
            }
            Action::Frame(frame) => match frame {
                ServerFrame::Message { message } => {
                    let from_team = message.author != Author::Visitor;
                    let new = message.seq > next.last_seq();
                    if from_team {
                        next.team_typing = false;
                        if new && (!next.open || next.hidden) {
                            next.unread += 1;
                            next.first_unread.get_or_insert(message.seq);
                        }
                    }
                    next.merge(vec![message]);
                }
                ServerFrame::Typing { author, active } => {
                    next.team_typing = active && author != Author::Visitor;
                }
                ServerFrame::Erased => {
                    next.messages.clear();
                    next.outbox.clear();
                    next.sending = None;
                    next.session = None;
                    next.connection = Connection::Connecting;
                }
                ServerFrame::Ready { .. }
                | ServerFrame::Rejected { .. }
                | ServerFrame::Pong
                | ServerFrame::Unknown => {}
            },
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::{Author, Channel, DeliveryStatus, MessageId, Seq, Timestamp};

    fn message(seq: u64, client_id: &str) -> Message {
        Message {
            id: MessageId::new(format!("m{seq}")),
            client_id: ClientMessageId::new(client_id),
            seq: Seq(seq),
            author: Author::Visitor,
            channel: Channel::Web,
            text: format!("text {seq}"),
            created_at: Timestamp(seq),
            status: DeliveryStatus::Sent,
            failure: None,
            sender: None,
        }
    }

    fn outgoing(client_id: &str) -> Outgoing {
        Outgoing {
            client_id: ClientMessageId::new(client_id),
            text: client_id.to_string(),
            error: None,
            retryable: false,
        }
    }

    /// Applies `actions` to a fresh state and checks the seqs and outbox ids that remain.
    fn check(actions: Vec<Action>, seqs: &[u64], outbox: &[&str]) {
        let state = actions
            .into_iter()
            .fold(Rc::new(State::default()), |state, action| {
                state.reduce(action)
            });
        let actual_seqs: Vec<u64> = state.messages.iter().map(|m| m.seq.0).collect();
        let actual_outbox: Vec<&str> = state.outbox.iter().map(|o| o.client_id.as_str()).collect();
        assert_eq!(
            (actual_seqs.as_slice(), actual_outbox.as_slice()),
            (seqs, outbox)
        );
    }

    #[test]
    fn keeps_messages_ordered_and_unique() {
        check(
            vec![Action::Received(vec![message(2, "b"), message(1, "a")])],
            &[1, 2],
            &[],
        );
        check(
            vec![
                Action::Received(vec![message(1, "a"), message(3, "c")]),
                Action::Received(vec![message(2, "b"), message(3, "c")]),
            ],
            &[1, 2, 3],
            &[],
        );
        check(vec![Action::Received(vec![])], &[], &[]);
    }

    #[test]
    fn acknowledgements_empty_the_outbox() {
        check(
            vec![Action::Queued(outgoing("a")), Action::Queued(outgoing("b"))],
            &[],
            &["a", "b"],
        );
        check(
            vec![
                Action::Queued(outgoing("a")),
                Action::Queued(outgoing("b")),
                Action::Received(vec![message(7, "b")]),
            ],
            &[7],
            &["a"],
        );
        // An acknowledgement that arrives twice (a retry, history) changes nothing more.
        check(
            vec![
                Action::Queued(outgoing("a")),
                Action::Received(vec![message(1, "a")]),
                Action::Received(vec![message(1, "a")]),
            ],
            &[1],
            &[],
        );
    }

    #[test]
    fn a_newer_copy_replaces_the_older() {
        let mut read = message(1, "a");
        read.status = DeliveryStatus::Read;
        let state = Rc::new(State::default())
            .reduce(Action::Received(vec![message(1, "a")]))
            .reduce(Action::Received(vec![read]));
        assert_eq!(state.messages[0].status, DeliveryStatus::Read);
    }

    #[test]
    fn queueing_clears_the_draft_and_failures_are_kept() {
        let state = Rc::new(State::new(true))
            .reduce(Action::DraftChanged("hello".into()))
            .reduce(Action::Queued(outgoing("a")))
            .reduce(Action::SendFailed {
                client_id: ClientMessageId::new("a"),
                reason: "offline".into(),
                retryable: true,
            });
        assert_eq!(state.draft, "");
        assert_eq!(state.outbox[0].error.as_deref(), Some("offline"));
        assert_eq!(
            state.next_to_send(),
            None,
            "a failed message waits for a retry"
        );
        assert!(state.open);
        let state = state.reduce(Action::RetrySends);
        assert_eq!(
            state.next_to_send().map(|o| o.client_id.as_str()),
            Some("a")
        );
    }

    #[test]
    fn the_outbox_keeps_its_order_through_failures() {
        let failed = |client_id: &str, retryable| Action::SendFailed {
            client_id: ClientMessageId::new(client_id),
            reason: "x".into(),
            retryable,
        };
        let queued = |ids: &[&str]| ids.iter().map(|id| Action::Queued(outgoing(id))).collect();
        let next = |actions: Vec<Action>| {
            actions
                .into_iter()
                .fold(Rc::new(State::default()), |state, action| {
                    state.reduce(action)
                })
                .next_to_send()
                .map(|outgoing| outgoing.client_id.to_string())
        };
        let mut actions: Vec<Action> = queued(&["a", "b"]);
        assert_eq!(next(actions.clone()), Some("a".into()));
        // One at a time: nothing else goes while "a" is on its way.
        let mut in_flight = actions.clone();
        in_flight.push(Action::SendStarted(ClientMessageId::new("a")));
        assert_eq!(next(in_flight.clone()), None);
        // The socket's copy of "a" may arrive before the HTTP answer: "b" may go.
        in_flight.push(Action::Frame(ServerFrame::Message {
            message: message(1, "a"),
        }));
        assert_eq!(next(in_flight), Some("b".into()));
        actions.push(Action::SendStarted(ClientMessageId::new("a")));
        // "a" will be retried: "b" must wait behind it.
        actions.push(failed("a", true));
        assert_eq!(next(actions.clone()), None);
        // "a" was refused for good: "b" goes.
        let mut refused: Vec<Action> = queued(&["a", "b"]);
        refused.push(failed("a", false));
        assert_eq!(next(refused), Some("b".into()));
        actions.push(Action::RetrySends);
        assert_eq!(next(actions), Some("a".into()));
    }

    #[test]
    fn team_messages_count_as_unread_while_the_panel_is_closed() {
        let team = |seq| {
            let mut answer = message(seq, &format!("t{seq}"));
            answer.author = Author::Agent;
            Action::Frame(ServerFrame::Message { message: answer })
        };
        let state = Rc::new(State::new(false))
            .reduce(team(1))
            .reduce(team(2))
            .reduce(team(2)) // the same message again: not counted twice
            .reduce(Action::Frame(ServerFrame::Message {
                message: message(3, "mine"),
            }));
        assert_eq!(state.unread, 2);
        assert_eq!(state.first_unread, Some(Seq(1)));
        assert_eq!(state.last_team_seq(), Some(Seq(2)));
        let state = state.reduce(Action::SetOpen(true));
        assert_eq!(state.unread, 0);
        assert_eq!(
            state.first_unread,
            Some(Seq(1)),
            "the divider stays while open"
        );
        let state = state.reduce(team(4));
        assert_eq!(state.unread, 0, "read as it arrives while open");
        // Open but in a hidden tab: nobody is reading.
        let state = state
            .reduce(Action::Visibility { hidden: true })
            .reduce(team(5));
        assert_eq!(state.unread, 1);
        let state = state.reduce(Action::Visibility { hidden: false });
        assert_eq!(state.unread, 0, "seen once the tab is back");
        let state = state.reduce(Action::Reset);
        assert!(state.messages.is_empty() && state.open);
    }

    #[test]
    fn what_the_visitor_saw_in_another_tab_is_no_longer_unread() {
        let team = |seq| {
            let mut answer = message(seq, &format!("t{seq}"));
            answer.author = Author::Agent;
            Action::Frame(ServerFrame::Message { message: answer })
        };
        let check = |seen: u64, unread: u32, divider: Option<u64>| {
            let state = Rc::new(State::new(false))
                .reduce(team(1))
                .reduce(team(2))
                .reduce(team(3))
                .reduce(Action::SeenElsewhere(Seq(seen)));
            assert_eq!(
                (state.unread, state.first_unread),
                (unread, divider.map(Seq)),
                "seen up to {seen}"
            );
        };
        check(0, 3, Some(1));
        check(2, 1, Some(1));
        check(3, 0, None);
        check(9, 0, None);
    }

    #[test]
    fn tabs_sharing_the_outbox_never_drop_each_others_messages() {
        let ids = |outbox: &[Outgoing]| -> Vec<String> {
            outbox.iter().map(|o| o.client_id.to_string()).collect()
        };
        let acked = |list: &[&str]| -> Vec<ClientMessageId> {
            list.iter().map(|id| ClientMessageId::new(*id)).collect()
        };
        // Another tab queued "x"; this tab queues "a": both are kept.
        let merged = merge_outboxes(vec![outgoing("x")], &[outgoing("a")], &[]);
        assert_eq!(ids(&merged), ["x", "a"]);
        // This tab saw "x" acknowledged: it goes.
        let merged = merge_outboxes(vec![outgoing("x")], &[outgoing("a")], &acked(&["x"]));
        assert_eq!(ids(&merged), ["a"]);
        // This tab's own copy of an entry replaces the stored one (its error state is newer).
        let mut failed = outgoing("a");
        failed.error = Some("offline".into());
        let merged = merge_outboxes(vec![outgoing("a")], &[failed.clone()], &[]);
        assert_eq!(merged, vec![failed]);
        // An empty tab saving does not erase what another tab queued.
        assert_eq!(ids(&merge_outboxes(vec![outgoing("x")], &[], &[])), ["x"]);
    }

    #[test]
    fn restores_the_last_page_and_reconciles_with_the_relay() {
        check(
            vec![
                Action::Restored {
                    messages: vec![message(1, "a"), message(2, "b")],
                    outbox: vec![outgoing("c"), outgoing("d")],
                    draft: "half a sen".into(),
                },
                // The relay had stored "c" before the reload: it comes back once.
                Action::Received(vec![message(2, "b"), message(3, "c")]),
            ],
            &[1, 2, 3],
            &["d"],
        );
    }

    #[test]
    fn socket_frames_update_the_thread() {
        let mut answer = message(2, "agent-1");
        answer.author = Author::Agent;
        let typing = |active| {
            Action::Frame(ServerFrame::Typing {
                author: Author::Agent,
                active,
            })
        };
        let state = Rc::new(State::default())
            .reduce(Action::SocketOpened)
            .reduce(Action::Received(vec![message(1, "a")]))
            .reduce(typing(true));
        assert!(state.team_typing);
        assert_eq!(state.connection, Connection::Live);
        let state = state.reduce(Action::Frame(ServerFrame::Message { message: answer }));
        assert!(!state.team_typing, "an answer ends the typing notice");
        assert_eq!(state.last_seq(), Seq(2));
        let state = state.reduce(Action::SocketClosed);
        assert_eq!(state.connection, Connection::Ready);
        let state = state.reduce(Action::Frame(ServerFrame::Erased));
        assert!(state.messages.is_empty() && state.session.is_none());
    }

    #[test]
    fn a_suggested_question_joins_the_outbox_and_keeps_the_draft() {
        let state = Rc::new(State::new(true))
            .reduce(Action::DraftChanged("half a sen".into()))
            .reduce(Action::Asked(outgoing("q")));
        assert_eq!(state.draft, "half a sen");
        assert_eq!(
            state.next_to_send().map(|o| o.client_id.as_str()),
            Some("q")
        );
        assert_eq!(state.unread, 0);
    }

    #[test]
    fn a_resume_link_asks_with_the_panel_open_until_answered() {
        let state = Rc::new(State::new(false))
            .reduce(Action::Received(vec![message(1, "a")]))
            .reduce(Action::ResumePrompt(true));
        assert!(state.resume_prompt && state.open);
        let answered = state.clone().reduce(Action::ResumePrompt(false));
        assert!(!answered.resume_prompt && answered.open);
        assert_eq!(answered.messages, state.messages, "the thread is kept");
        // Following the link starts over on its thread: nothing is left to ask.
        let state = state.reduce(Action::Reset);
        assert!(!state.resume_prompt && state.messages.is_empty());
    }
}
