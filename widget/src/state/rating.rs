//! What the widget offers under the thread once the team has spoken: the quick replies of
//! its latest message, and the satisfaction rating asked for once a conversation is
//! resolved (or quiet for the brand's time after a team reply).
//!
//! The relay decides whether a rating is wanted ([`confab_protocol::Session::rating`], read
//! when the session starts); a resolution that happens while the page is open arrives as
//! the relay's notice ([`Message::is_resolution`]), and the visitor writing again ends the
//! question, as it does on the relay. A rating the relay refuses (given in another tab) is
//! simply not asked for again.

use super::State;
use confab_protocol::{Author, Message, RatingStatus};

/// The rating part of the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatingPrompt {
    /// Ask how the conversation went: the scale, with the score picked so far (then the
    /// comment field and the send button).
    Ask(Option<u8>),
    /// The visitor rated on this page: thank them.
    Thanks,
}

impl State {
    /// Whether, and how, to show the rating under the thread.
    pub fn rating_prompt(&self) -> Option<RatingPrompt> {
        match (self.rating, self.score) {
            (Some(RatingStatus::Given), Some(_)) => Some(RatingPrompt::Thanks),
            (Some(RatingStatus::Given), None) => None,
            (Some(RatingStatus::Wanted), score) => Some(RatingPrompt::Ask(score)),
            // Until the session says where the rating stands, the cached thread cannot.
            (_, score) => (self.session.is_some() && self.resolved_since_last_word())
                .then_some(RatingPrompt::Ask(score)),
        }
    }

    /// The quick replies to offer: those of the thread's latest message when it is the
    /// team's or the bot's and nothing the visitor wrote is waiting to be sent.
    pub fn quick_replies(&self) -> &[String] {
        match self.messages.last() {
            Some(last)
                if self.outbox.is_empty() && matches!(last.author, Author::Agent | Author::Bot) =>
            {
                &last.replies
            }
            _ => &[],
        }
    }

    /// The visitor wrote: a new conversation, which is not rated until it too is resolved.
    pub(super) fn wrote_again(&mut self) {
        self.rating = None;
        self.score = None;
    }

    /// Whether the relay's latest notice of a resolution came after the visitor's last
    /// message (and nothing of theirs waits to be sent).
    fn resolved_since_last_word(&self) -> bool {
        self.outbox.is_empty()
            && self
                .messages
                .iter()
                .rev()
                .find(|message| message.author == Author::Visitor || message.is_resolution())
                .is_some_and(Message::is_resolution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Action, Outgoing};
    use confab_protocol::{
        BrandProfile, Channel, ClientMessageId, DeliveryStatus, MessageId, Seq, Session, ThreadId,
        Timestamp, VisitorToken, RESOLVED_CLIENT_ID_PREFIX,
    };
    use std::rc::Rc;
    use yew::Reducible;

    fn message(seq: u64, author: Author, client_id: &str, replies: &[&str]) -> Message {
        Message {
            id: MessageId::new(format!("m{seq}")),
            seq: Seq(seq),
            client_id: ClientMessageId::new(client_id),
            author,
            text: "text".into(),
            created_at: Timestamp(seq),
            channel: Channel::Web,
            status: DeliveryStatus::Sent,
            failure: None,
            sender: None,
            attachments: Vec::new(),
            replies: replies.iter().map(|reply| reply.to_string()).collect(),
        }
    }

    fn visitor(seq: u64) -> Message {
        message(seq, Author::Visitor, &format!("v{seq}"), &[])
    }

    fn resolved(seq: u64) -> Message {
        let id = format!("{RESOLVED_CLIENT_ID_PREFIX}{seq}");
        message(seq, Author::System, &id, &[])
    }

    fn session() -> Session {
        Session {
            thread_id: ThreadId::new("t1"),
            token: VisitorToken::new("v"),
            expires_at: Timestamp(0),
            brand: BrandProfile::default(),
            whatsapp: None,
            wechat: None,
            email: None,
            resolved: false,
            rating: None,
        }
    }

    fn run(rating: Option<RatingStatus>, actions: Vec<Action>) -> Rc<State> {
        let start = State {
            rating,
            session: Some(session()),
            ..State::default()
        };
        start.reduce_all(actions)
    }

    trait ReduceAll {
        fn reduce_all(self, actions: Vec<Action>) -> Rc<State>;
    }

    impl ReduceAll for State {
        fn reduce_all(self, actions: Vec<Action>) -> Rc<State> {
            actions
                .into_iter()
                .fold(Rc::new(self), |state, action| state.reduce(action))
        }
    }

    fn sent(id: &str) -> Action {
        Action::Queued(Outgoing {
            client_id: ClientMessageId::new(id),
            text: "again".into(),
            error: None,
            retryable: true,
            files: Vec::new(),
        })
    }

    #[test]
    fn the_rating_is_asked_for_once_per_resolved_conversation() {
        use RatingPrompt::{Ask, Thanks};
        // What the session said, what happened, and what the panel shows.
        type Case = (
            &'static str,
            Option<RatingStatus>,
            Vec<Action>,
            Option<RatingPrompt>,
        );
        let cases: Vec<Case> = vec![
            (
                "nothing resolved",
                None,
                vec![Action::Received(vec![visitor(1)])],
                None,
            ),
            (
                "resolved while the page is open",
                None,
                vec![Action::Received(vec![visitor(1), resolved(2)])],
                Some(Ask(None)),
            ),
            (
                "a score picked",
                None,
                vec![Action::Received(vec![resolved(2)]), Action::Score(4)],
                Some(Ask(Some(4))),
            ),
            (
                "rated here: thanked",
                None,
                vec![
                    Action::Received(vec![resolved(2)]),
                    Action::Score(4),
                    Action::Rated(true),
                ],
                Some(Thanks),
            ),
            (
                "refused by the relay: gone",
                None,
                vec![
                    Action::Received(vec![resolved(2)]),
                    Action::Score(4),
                    Action::Rated(false),
                ],
                None,
            ),
            (
                "rated on an earlier page",
                Some(RatingStatus::Given),
                vec![Action::Received(vec![visitor(1), resolved(2)])],
                None,
            ),
            (
                "the session asks (a quiet team reply)",
                Some(RatingStatus::Wanted),
                vec![Action::Received(vec![visitor(1)])],
                Some(Ask(None)),
            ),
            (
                "the visitor wrote again",
                Some(RatingStatus::Wanted),
                vec![Action::Received(vec![resolved(2)]), sent("a")],
                None,
            ),
            (
                "the visitor's message after the resolution",
                None,
                vec![Action::Received(vec![resolved(2), visitor(3)])],
                None,
            ),
            (
                "resolved again after writing again",
                Some(RatingStatus::Given),
                vec![
                    sent("v3"),
                    Action::Received(vec![resolved(2), visitor(3), resolved(4)]),
                ],
                Some(Ask(None)),
            ),
        ];
        for (name, rating, actions, expected) in cases {
            assert_eq!(run(rating, actions).rating_prompt(), expected, "{name}");
        }
        // A page whose cached thread ends with a resolution asks nothing until the session
        // says whether it was rated.
        let cached = State::default().reduce_all(vec![Action::Received(vec![resolved(2)])]);
        assert_eq!(cached.rating_prompt(), None);
    }

    #[test]
    fn quick_replies_are_those_of_the_latest_team_message_until_the_visitor_writes() {
        let offer = message(2, Author::Bot, "b2", &["Yes", "No"]);
        let cases: Vec<(&str, Vec<Action>, &[&str])> = vec![
            (
                "the bot offers",
                vec![Action::Received(vec![visitor(1), offer.clone()])],
                &["Yes", "No"],
            ),
            (
                "a team message offers",
                vec![Action::Received(vec![message(
                    2,
                    Author::Agent,
                    "a2",
                    &["Track it"],
                )])],
                &["Track it"],
            ),
            (
                "tapped: waiting to be sent",
                vec![Action::Received(vec![offer.clone()]), sent("a")],
                &[],
            ),
            (
                "the visitor answered",
                vec![Action::Received(vec![offer.clone(), visitor(3)])],
                &[],
            ),
            (
                "a later message offers none",
                vec![Action::Received(vec![
                    offer,
                    message(3, Author::Agent, "a3", &[]),
                ])],
                &[],
            ),
        ];
        for (name, actions, expected) in cases {
            assert_eq!(run(None, actions).quick_replies(), expected, "{name}");
        }
    }
}
