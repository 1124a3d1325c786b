//! Properties of the widget's thread model: whatever order the relay's acknowledgements,
//! socket frames, history pages, failures, retries and reconnects arrive in — each any
//! number of times — the widget shows the thread in one order, by `seq`, with no gaps once
//! everything arrived and no message twice, and keeps in its outbox exactly what the relay
//! has not acknowledged.

use confab_protocol::{
    Author, Channel, ClientMessageId, DeliveryStatus, Message, MessageId, Seq, ServerFrame,
    Timestamp,
};
use confab_widget::state::{Action, Outgoing, State};
use proptest::prelude::*;
use std::rc::Rc;
use yew::Reducible;

/// The thread as the relay stored it: `seq` 1, 2, … in the order of `authors` (true: the
/// visitor, whose messages the widget queued first; false: the team).
fn thread(authors: &[bool]) -> Vec<Message> {
    authors
        .iter()
        .enumerate()
        .map(|(index, &visitor)| Message {
            id: MessageId::new(format!("m{index}")),
            client_id: ClientMessageId::new(format!("c{index}")),
            seq: Seq(index as u64 + 1),
            author: if visitor {
                Author::Visitor
            } else {
                Author::Agent
            },
            channel: Channel::Web,
            text: format!("text {index}"),
            created_at: Timestamp(index as u64),
            status: DeliveryStatus::Sent,
            failure: None,
            sender: None,
            attachments: Vec::new(),
            replies: Vec::new(),
        })
        .collect()
}

/// What can happen to the widget, picked by a number.
fn event(thread: &[Message], pick: usize, kind: u8) -> Action {
    let message = thread[pick % thread.len()].clone();
    match kind {
        0 => Action::Received(vec![message]),
        1 => Action::Frame(ServerFrame::Message { message }),
        // A history page: every message from this one on, in order.
        2 => Action::Received(thread[pick % thread.len()..].to_vec()),
        3 => Action::SendStarted(message.client_id),
        4 => Action::SendFailed {
            client_id: message.client_id,
            reason: "offline".into(),
            retryable: pick.is_multiple_of(2),
        },
        5 => Action::RetrySends,
        6 => Action::SocketClosed,
        _ => Action::SocketOpened,
    }
}

/// What must hold after every step.
fn check_invariants(state: &State) -> Result<(), TestCaseError> {
    let seqs: Vec<u64> = state.messages.iter().map(|m| m.seq.0).collect();
    prop_assert!(
        seqs.windows(2).all(|pair| pair[0] < pair[1]),
        "one order, no duplicates: {seqs:?}"
    );
    for outgoing in &state.outbox {
        prop_assert!(
            !state
                .messages
                .iter()
                .any(|m| m.client_id == outgoing.client_id),
            "{} is both acknowledged and waiting",
            outgoing.client_id
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_interleaving_gives_one_order_without_gaps_or_duplicates(
        authors in prop::collection::vec(any::<bool>(), 1..24),
        events in prop::collection::vec((0usize..64, 0u8..8), 0..160),
    ) {
        let thread = thread(&authors);
        let mut state = Rc::new(State::new(true));
        for message in thread.iter().filter(|m| m.author == Author::Visitor) {
            state = state.reduce(Action::Queued(Outgoing {
                client_id: message.client_id.clone(),
                text: message.text.clone(),
                error: None,
                retryable: false,
                files: Vec::new(),
            }));
        }
        for (pick, kind) in events {
            state = state.reduce(event(&thread, pick, kind));
            check_invariants(&state)?;
        }
        // Everything arrives in the end (the reconnect's history): the whole thread, once.
        state = state.reduce(Action::Received(thread.clone()));
        check_invariants(&state)?;
        prop_assert_eq!(&state.messages, &thread);
        prop_assert!(state.outbox.is_empty(), "left waiting: {:?}", state.outbox);
        prop_assert_eq!(state.next_to_send(), None);
    }
}
