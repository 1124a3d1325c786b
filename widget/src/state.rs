//! The widget's state and everything that can happen to it, as one reducer.
//!
//! Pure: no browser APIs, so the rules (ordering by `seq`, de-duplication, the outbox) are
//! tested natively. The [`crate::app`] component turns events into [`Action`]s and runs the
//! effects that the state asks for.

use confab_protocol::{ClientMessageId, Message, Session};
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
    /// The last attempt failed; the widget will try again.
    Failed(String),
}

/// A message the visitor wrote that the relay has not yet acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Chosen when the visitor pressed Enter; every retry reuses it.
    pub client_id: ClientMessageId,
    /// What the visitor wrote.
    pub text: String,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
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
    /// What the composer holds.
    pub draft: String,
}

/// Everything that can happen to the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The visitor opened or closed the panel.
    SetOpen(bool),
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
    /// An attempt to send failed.
    SendFailed {
        /// The message.
        client_id: ClientMessageId,
        /// Why.
        reason: String,
    },
}

impl State {
    /// A state with the panel open or closed.
    pub fn new(open: bool) -> Self {
        Self {
            open,
            ..Self::default()
        }
    }

    /// Adds messages, keeping `messages` ordered by `seq` without duplicates, and removes
    /// from the outbox those that the relay has now acknowledged.
    fn merge(&mut self, incoming: Vec<Message>) {
        for message in incoming {
            self.outbox
                .retain(|outgoing| outgoing.client_id != message.client_id);
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
            Action::SetOpen(open) => next.open = open,
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
            Action::SendFailed { client_id, reason } => {
                if let Some(outgoing) = next
                    .outbox
                    .iter_mut()
                    .find(|outgoing| outgoing.client_id == client_id)
                {
                    outgoing.error = Some(reason);
                }
            }
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
        }
    }

    fn outgoing(client_id: &str) -> Outgoing {
        Outgoing {
            client_id: ClientMessageId::new(client_id),
            text: client_id.to_string(),
            error: None,
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
            });
        assert_eq!(state.draft, "");
        assert_eq!(state.outbox[0].error.as_deref(), Some("offline"));
        assert!(state.open);
    }
}
