//! The widget's state and everything that can happen to it, as one reducer.
//!
//! Pure: no browser APIs, so the rules (ordering by `seq`, de-duplication, the outbox) are
//! tested natively. The [`crate::app`] component turns events into [`Action`]s and runs the
//! effects that the state asks for.

mod rating;

pub use rating::RatingPrompt;

use confab_protocol::{
    AttachmentId, Author, ClientMessageId, EmailStatus, Link, LinkPurpose, Message, RatingStatus,
    Seq, ServerFrame, Session, MAX_ATTACHMENTS_PER_MESSAGE,
};
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
/// until it is, so a reload or a closed tab loses nothing (stored as JSON with snake_case
/// keys, see `json/stored.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Chosen when the visitor pressed Enter; every retry reuses it.
    pub client_id: ClientMessageId,
    /// What the visitor wrote.
    pub text: String,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
    /// Whether trying again later may succeed (offline, 5xx, 429) or the relay refused it.
    pub retryable: bool,
    /// The files sent with it, in order.
    pub files: Vec<OutFile>,
}

/// A file the visitor picked: staged above the composer, then part of an [`Outgoing`]
/// message. Its bytes stay in the browser (a `Blob` the effects hold, and IndexedDB), out of
/// this pure state; `preview` (an object URL) names them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct OutFile {
    /// An object URL of the bytes: the preview, and the key the effects find them by.
    /// Not stored: a new page makes a new one.
    pub preview: String,
    /// The file's name.
    pub name: String,
    /// Its type, as the browser gives it.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// The relay's id once uploaded, so a retry does not upload it again.
    pub uploaded: Option<AttachmentId>,
    /// Percent uploaded, while it uploads (not stored).
    pub progress: u8,
}

impl OutFile {
    /// Whether the browser can show it as a picture.
    pub fn is_image(&self) -> bool {
        is_raster(&self.content_type)
    }
}

/// Whether `content_type` is a raster image the widget shows inline.
pub fn is_raster(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif"
    )
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
    /// Files picked for the next message (at most [`MAX_ATTACHMENTS_PER_MESSAGE`]).
    pub staged: Vec<OutFile>,
    /// The visitor picked more files than a message takes: the rest were left out, and the
    /// composer says so until the staged files change.
    pub files_left_out: bool,
    /// The sheet that offers replies by email or notification is open.
    pub reach_form: bool,
    /// Why the last address or subscription failed, while the sheet is open.
    pub reach_problem: Option<&'static str>,
    /// Web push in this browser: `None` where it cannot be offered (the page hosts no
    /// service worker, the brand does not push, the browser cannot or the visitor refused),
    /// `Some(false)` offered, `Some(true)` on for this thread.
    pub push: Option<bool>,
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
    /// A link to continue elsewhere (WhatsApp, WeChat, another device) and what it is for,
    /// while it is shown.
    pub link: Option<(LinkPurpose, Link)>,
    /// The page was opened with a resume link while this browser has a conversation with
    /// messages: the visitor is asked which one to continue, and no session starts until
    /// they answer.
    pub resume_prompt: bool,
    /// Where the visitor's rating of the conversation stands: as the session said, `Given`
    /// once they rated here, `None` once they wrote again (see [`State::rating_prompt`]).
    pub rating: Option<RatingStatus>,
    /// The score (1–5) the visitor picked, before it is sent; kept once sent, to thank them.
    pub score: Option<u8>,
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
    SessionStarted(Box<Session>),
    /// Starting the session or loading history failed.
    ConnectionFailed(String),
    /// Messages arrived from the relay (history or a send's acknowledgement).
    Received(Vec<Message>),
    /// The composer changed.
    DraftChanged(String),
    /// The visitor sent a message: it joins the outbox and the composer (text and staged
    /// files) empties.
    Queued(Outgoing),
    /// The visitor picked files for the next message (beyond the limit, the rest are
    /// dropped).
    Staged(Vec<OutFile>),
    /// The visitor removed the staged file with this preview.
    Unstaged(String),
    /// A file of an outbox message is uploading: percent done.
    Progress {
        /// The message.
        client_id: ClientMessageId,
        /// Which of its files.
        index: usize,
        /// Percent done.
        percent: u8,
    },
    /// A file of an outbox message was uploaded.
    Uploaded {
        /// The message.
        client_id: ClientMessageId,
        /// Which of its files.
        index: usize,
        /// The relay's id for it.
        id: AttachmentId,
    },
    /// The visitor cancelled (or removed, once refused) an outbox message.
    Cancelled(ClientMessageId),

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
    ShowLink(Option<(LinkPurpose, Link)>),
    /// Open (`true`) or close the sheet that offers replies by email or notification.
    ReachForm(bool),
    /// Where the thread's email address stands now (`None`: stopped); the sheet closes.
    Email(Option<EmailStatus>),
    /// Web push in this browser (see [`State::push`]); on, the sheet closes.
    Push(Option<bool>),
    /// Why an address or a subscription failed: the sheet says so.
    ReachProblem(&'static str),
    /// Ask the visitor whether to follow a resume link (`true`: the panel opens to ask), or
    /// they answered (`false`).
    ResumePrompt(bool),
    /// The visitor picked a score (1–5) for the conversation.
    Score(u8),
    /// The relay took the visitor's rating (`true`: they are thanked), or refused it as
    /// given already or not wanted (`false`): either way it is not asked for again.
    Rated(bool),
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

    /// Since when (ms) the visitor's last message has waited for an answer, if the thread's
    /// last message is theirs (the relay's own notices aside): after the brand's wait, the
    /// widget offers to reach them later.
    pub fn waiting_since(&self) -> Option<u64> {
        let last = self
            .messages
            .iter()
            .rev()
            .find(|message| message.author != Author::System)?;
        (last.author == Author::Visitor).then_some(last.created_at.0)
    }

    /// Whether the brand's assistant is answering this thread: its latest word on the
    /// team's side is the bot's, not its handoff, and the team has not resolved the thread
    /// since ("Talk to a person" is offered).
    pub fn bot_answering(&self) -> bool {
        self.messages
            .iter()
            .rev()
            .find(|message| {
                matches!(message.author, Author::Agent | Author::Bot) || message.is_resolution()
            })
            .is_some_and(|message| message.author == Author::Bot && !message.is_handoff())
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

    /// The file `index` of the outbox message `client_id`.
    fn file_mut(&mut self, client_id: &ClientMessageId, index: usize) -> Option<&mut OutFile> {
        self.outbox
            .iter_mut()
            .find(|outgoing| &outgoing.client_id == client_id)?
            .files
            .get_mut(index)
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
            Action::ReachForm(open) => {
                next.reach_form = open;
                next.reach_problem = None;
            }
            Action::Email(status) => {
                next.reach_form = false;
                next.reach_problem = None;
                if let Some(session) = &mut next.session {
                    session.email = status;
                }
            }
            Action::Push(push) => {
                next.reach_form &= push != Some(true);
                next.reach_problem = None;
                next.push = push;
            }
            Action::ReachProblem(problem) => next.reach_problem = Some(problem),
            Action::ResumePrompt(ask) => {
                next.resume_prompt = ask;
                next.open |= ask;
            }
            Action::SessionStarted(session) => {
                next.rating = session.rating;
                next.session = Some(*session);
                next.connection = Connection::Ready;
            }
            Action::ConnectionFailed(reason) => next.connection = Connection::Failed(reason),
            Action::Received(messages) => next.merge(messages),
            Action::DraftChanged(draft) => next.draft = draft,
            Action::Queued(outgoing) => {
                next.draft.clear();
                next.staged.clear();
                next.files_left_out = false;
                next.outbox.push(outgoing);
                next.wrote_again();
            }
            Action::Staged(files) => {
                let room = MAX_ATTACHMENTS_PER_MESSAGE.saturating_sub(next.staged.len());
                next.files_left_out = files.len() > room;
                next.staged.extend(files.into_iter().take(room));
            }
            Action::Unstaged(preview) => {
                next.staged.retain(|file| file.preview != preview);
                next.files_left_out = false;
            }
            Action::Progress {
                client_id,
                index,
                percent,
            } => {
                if let Some(file) = next.file_mut(&client_id, index) {
                    file.progress = percent;
                }
            }
            Action::Uploaded {
                client_id,
                index,
                id,
            } => {
                if let Some(file) = next.file_mut(&client_id, index) {
                    file.uploaded = Some(id);
                    file.progress = 100;
                }
            }
            Action::Cancelled(client_id) => {
                next.outbox
                    .retain(|outgoing| outgoing.client_id != client_id);
                if next.sending.as_ref() == Some(&client_id) {
                    next.sending = None;
                }
            }

            Action::Asked(outgoing) => {
                next.outbox.push(outgoing);
                next.wrote_again();
            }
            Action::Score(score) => next.score = Some(score),
            Action::Rated(thanked) => {
                next.rating = Some(RatingStatus::Given);
                next.score = next.score.filter(|_| thanked);
            }
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
                ServerFrame::Typing { author, active, .. } => {
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
            attachments: Vec::new(),
            replies: Vec::new(),
        }
    }

    fn outgoing(client_id: &str) -> Outgoing {
        Outgoing {
            client_id: ClientMessageId::new(client_id),
            text: client_id.to_string(),
            error: None,
            retryable: false,
            files: Vec::new(),
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
                name: None,
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

    fn file(preview: &str) -> OutFile {
        OutFile {
            preview: preview.into(),
            name: format!("{preview}.png"),
            content_type: "image/png".into(),
            size: 10,
            ..OutFile::default()
        }
    }

    fn with_files(client_id: &str, previews: &[&str]) -> Outgoing {
        Outgoing {
            files: previews.iter().map(|preview| file(preview)).collect(),
            ..outgoing(client_id)
        }
    }

    #[test]
    fn a_visitor_message_waits_until_the_team_or_bot_answers() {
        let written_by = |seq: u64, author: Author| Message {
            author,
            ..message(seq, "x")
        };
        for (authors, waiting) in [
            (vec![], None),
            (vec![Author::Visitor], Some(1)),
            (vec![Author::Visitor, Author::Visitor], Some(2)),
            (vec![Author::Visitor, Author::System], Some(1)),
            (vec![Author::Visitor, Author::Agent], None),
            (vec![Author::Visitor, Author::Bot], None),
            (vec![Author::Agent, Author::Visitor], Some(2)),
        ] {
            let state = State {
                messages: (1..)
                    .zip(&authors)
                    .map(|(seq, author)| written_by(seq, *author))
                    .collect(),
                ..State::default()
            };
            assert_eq!(state.waiting_since(), waiting, "{authors:?}");
        }
    }

    #[test]
    fn the_bot_answers_until_it_hands_over_a_person_writes_or_the_team_resolves() {
        let written = |seq: u64, (author, client_id): (Author, &str)| Message {
            author,
            ..message(seq, client_id)
        };
        let (visitor, bot, agent, system) = (
            (Author::Visitor, "v"),
            (Author::Bot, "bot:1"),
            (Author::Agent, "a"),
            (Author::System, "s"),
        );
        let handoff = (Author::Bot, "bot:handoff:2");
        let resolved = (Author::System, "resolved:1");
        for (thread, answering) in [
            (vec![visitor, bot, resolved], false),
            (vec![visitor, bot, resolved, visitor, bot], true),
            (vec![], false),
            (vec![visitor], false),
            (vec![visitor, bot], true),
            (vec![visitor, bot, visitor, system], true),
            (vec![visitor, bot, handoff], false),
            (vec![visitor, bot, agent], false),
            (vec![visitor, bot, agent, visitor, bot], true),
            (vec![visitor, handoff, visitor], false),
        ] {
            let state = State {
                messages: (1..)
                    .zip(&thread)
                    .map(|(seq, m)| written(seq, *m))
                    .collect(),
                ..State::default()
            };
            assert_eq!(state.bot_answering(), answering, "{thread:?}");
        }
    }

    #[test]
    fn the_reach_sheet_asks_refuses_subscribes_and_stops() {
        use confab_protocol::{BrandProfile, EmailVerification, ThreadId, VisitorToken};
        let session = Session {
            thread_id: ThreadId::new("t1"),
            token: VisitorToken::new("v"),
            expires_at: Timestamp(0),
            brand: BrandProfile::default(),
            whatsapp: None,
            wechat: None,
            email: None,
            resolved: false,
            rating: None,
        };
        let pending = || {
            Some(EmailStatus {
                state: EmailVerification::Pending,
                address: "a***@example.com".into(),
            })
        };
        use Action::{Email, Push, ReachForm, ReachProblem};
        // Each case: actions after the session started, then whether the sheet is open, the
        // problem it says, the address's state and push.
        type Case = (
            Vec<Action>,
            bool,
            Option<&'static str>,
            Option<EmailVerification>,
            Option<bool>,
        );
        let cases: Vec<Case> = vec![
            (vec![ReachForm(true)], true, None, None, None),
            (
                vec![ReachForm(true), ReachProblem("bad")],
                true,
                Some("bad"),
                None,
                None,
            ),
            (
                vec![ReachForm(true), ReachProblem("bad"), Email(pending())],
                false,
                None,
                Some(EmailVerification::Pending),
                None,
            ),
            (vec![Email(pending()), Email(None)], false, None, None, None),
            (
                vec![ReachForm(true), ReachForm(false)],
                false,
                None,
                None,
                None,
            ),
            // Push offered keeps the sheet open; on, it closes; a failure is said.
            (
                vec![Push(Some(false)), ReachForm(true)],
                true,
                None,
                None,
                Some(false),
            ),
            (
                vec![Push(Some(false)), ReachForm(true), ReachProblem("no")],
                true,
                Some("no"),
                None,
                Some(false),
            ),
            (
                vec![ReachForm(true), Push(Some(true))],
                false,
                None,
                None,
                Some(true),
            ),
        ];
        for (actions, form, problem, address, push) in cases {
            let state = std::iter::once(Action::SessionStarted(Box::new(session.clone())))
                .chain(actions)
                .fold(Rc::new(State::default()), |state, action| {
                    state.reduce(action)
                });
            let email = state.session.as_ref().and_then(|s| s.email.as_ref());
            assert_eq!(
                (
                    state.reach_form,
                    state.reach_problem,
                    email.map(|e| e.state),
                    state.push
                ),
                (form, problem, address, push)
            );
        }
    }

    #[test]
    fn files_beyond_ten_are_left_out_and_said_to_be() {
        let files = |count: usize| (0..count).map(|n| file(&n.to_string())).collect();
        for (actions, staged, left_out) in [
            (vec![Action::Staged(files(10))], 10, false),
            (vec![Action::Staged(files(12))], 10, true),
            (
                vec![Action::Staged(files(9)), Action::Staged(files(2))],
                10,
                true,
            ),
            (
                vec![Action::Staged(files(12)), Action::Unstaged("3".into())],
                9,
                false,
            ),
        ] {
            let state = actions
                .into_iter()
                .fold(Rc::new(State::default()), |state, action| {
                    state.reduce(action)
                });
            assert_eq!(
                (state.staged.len(), state.files_left_out),
                (staged, left_out)
            );
        }
    }

    /// Each case: actions, then the staged previews and, per outbox entry, its id and its
    /// files as `preview:progress:uploaded id`.
    #[test]
    fn files_are_staged_sent_uploaded_and_cancelled() {
        let id = ClientMessageId::new;
        let cases: Vec<(Vec<Action>, &[&str], &[&str])> = vec![
            // Picked files wait above the composer; one can be removed.
            (
                vec![
                    Action::Staged(vec![file("a"), file("b")]),
                    Action::Staged(vec![file("c")]),
                    Action::Unstaged("b".into()),
                ],
                &["a", "c"],
                &[],
            ),
            // At most ten files a message: the rest are left out (and the composer says so,
            // see `files_beyond_ten_are_left_out_and_said_to_be`).
            (
                vec![Action::Staged(
                    (0..12).map(|n| file(&n.to_string())).collect(),
                )],
                &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
                &[],
            ),
            // Sending empties the composer, files included.
            (
                vec![
                    Action::Staged(vec![file("a")]),
                    Action::Queued(with_files("m", &["a"])),
                ],
                &[],
                &["m a:0:-"],
            ),
            // Progress, then the relay's id, which a retry reuses.
            (
                vec![
                    Action::Queued(with_files("m", &["a", "b"])),
                    Action::SendStarted(id("m")),
                    Action::Progress {
                        client_id: id("m"),
                        index: 0,
                        percent: 40,
                    },
                    Action::Uploaded {
                        client_id: id("m"),
                        index: 0,
                        id: AttachmentId::new("f1"),
                    },
                    Action::Progress {
                        client_id: id("m"),
                        index: 1,
                        percent: 5,
                    },
                    Action::SendFailed {
                        client_id: id("m"),
                        reason: "offline".into(),
                        retryable: true,
                    },
                ],
                &[],
                &["m a:100:f1 b:5:-"],
            ),
            // News of a message or file that is not there changes nothing.
            (
                vec![
                    Action::Queued(with_files("m", &["a"])),
                    Action::Progress {
                        client_id: id("x"),
                        index: 0,
                        percent: 40,
                    },
                    Action::Uploaded {
                        client_id: id("m"),
                        index: 3,
                        id: AttachmentId::new("f"),
                    },
                ],
                &[],
                &["m a:0:-"],
            ),
            // A refused file (413, 415) stays, marked, for the visitor to remove; the next
            // message goes.
            (
                vec![
                    Action::Queued(with_files("m", &["a"])),
                    Action::Queued(outgoing("n")),
                    Action::SendStarted(id("m")),
                    Action::SendFailed {
                        client_id: id("m"),
                        reason: "too large".into(),
                        retryable: false,
                    },
                ],
                &[],
                &["m a:0:-", "n"],
            ),
            // Cancelling removes the message and lets the next one go.
            (
                vec![
                    Action::Queued(with_files("m", &["a"])),
                    Action::Queued(outgoing("n")),
                    Action::SendStarted(id("m")),
                    Action::Cancelled(id("m")),
                ],
                &[],
                &["n"],
            ),
        ];
        for (actions, staged, outbox) in cases {
            let state = actions
                .clone()
                .into_iter()
                .fold(Rc::new(State::default()), |state, action| {
                    state.reduce(action)
                });
            let actual_staged: Vec<&str> =
                state.staged.iter().map(|f| f.preview.as_str()).collect();
            let actual_outbox: Vec<String> = state
                .outbox
                .iter()
                .map(|o| {
                    let mut line = o.client_id.to_string();
                    for f in &o.files {
                        let uploaded = f.uploaded.as_ref().map_or("-", |id| id.as_str());
                        line.push_str(&format!(" {}:{}:{uploaded}", f.preview, f.progress));
                    }
                    line
                })
                .collect();
            assert_eq!(
                (actual_staged.as_slice(), actual_outbox),
                (staged, outbox.iter().map(|s| s.to_string()).collect()),
                "{actions:?}"
            );
            if state
                .outbox
                .first()
                .is_some_and(|o| o.client_id.as_str() == "n")
            {
                assert_eq!(
                    state.next_to_send().map(|o| o.client_id.as_str()),
                    Some("n")
                );
            }
        }
    }
}
