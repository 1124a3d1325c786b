//! The open thread: its history by `seq`, the replies still being stored, who is typing.

use confab_protocol::{
    AgentThread, Author, ClientMessageId, Message, Seq, ThreadId, ThreadSummary, WechatWindow,
    WhatsappWindow,
};

/// The client id of a reply written in the console, from a unique string (a UUID): only
/// letters, digits, `-` and `_` are allowed (`:` is the relay's own ids').
pub fn reply_client_id(unique: &str) -> ClientMessageId {
    ClientMessageId::new(format!("console-{unique}"))
}

/// A reply written in the console that the relay has not stored yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Chosen when Enter was pressed; a retry reuses it.
    pub client_id: ClientMessageId,
    /// The text.
    pub text: String,
    /// Quick replies offered with it.
    pub replies: Vec<String>,
    /// Why the last attempt failed, if it did.
    pub error: Option<String>,
}

/// Someone else in the thread who is typing now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typist {
    /// Who: the visitor, or a member of the team.
    pub author: Author,
    /// The member's name (absent for the visitor).
    pub name: Option<String>,
}

/// Everything the thread page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadView {
    /// The thread.
    pub id: ThreadId,
    /// Stored messages, by `seq`, each once.
    pub messages: Vec<Message>,
    /// Replies not stored yet, in the order written.
    pub pending: Vec<Pending>,
    /// Its WhatsApp window, if the visitor carried it there.
    pub whatsapp: Option<WhatsappWindow>,
    /// Its WeChat window, if the visitor carried it there.
    pub wechat: Option<WechatWindow>,
    /// Whether the history is loaded to its end.
    pub loaded: bool,
    /// Whether the thread's socket is open.
    pub live: bool,
    /// Who is typing.
    pub typing: Vec<Typist>,
    /// What the composer holds.
    pub draft: String,
    /// The quick replies to offer with the next reply (at most four).
    pub replies: Vec<String>,
    /// The highest `seq` reported read.
    pub read_up_to: Seq,
    /// Its latest summary (resolved, bot, page, language), from its history's pages and
    /// the inbox socket, kept even when the list's filter leaves it out (a resolved thread
    /// in the open list).
    pub summary: Option<ThreadSummary>,
}

impl ThreadView {
    /// An empty view of `id`, its history not loaded yet.
    pub fn new(id: ThreadId) -> ThreadView {
        ThreadView {
            id,
            messages: Vec::new(),
            pending: Vec::new(),
            whatsapp: None,
            wechat: None,
            loaded: false,
            live: false,
            typing: Vec::new(),
            draft: String::new(),
            replies: Vec::new(),
            read_up_to: Seq(0),
            summary: None,
        }
    }

    /// The highest `seq` held (0 for none): where the next page and the socket start.
    pub fn last_seq(&self) -> Seq {
        self.messages.last().map_or(Seq(0), |message| message.seq)
    }

    /// A page of history: its messages merged, the windows taken, and whether it ended.
    pub fn page(&mut self, page: AgentThread) {
        self.whatsapp = page.whatsapp.or(self.whatsapp.take());
        self.wechat = page.wechat.or(self.wechat.take());
        self.loaded = !page.has_more;
        if page.summary.is_some() {
            self.summary = page.summary;
        }
        for message in page.messages {
            self.merge(message);
        }
    }

    /// A stored message: placed by `seq` (a later copy, with newer ticks, replaces an
    /// earlier one), and its pending copy, if any, dropped.
    pub fn merge(&mut self, message: Message) {
        self.pending
            .retain(|pending| pending.client_id != message.client_id);
        if message.author == Author::Visitor {
            self.typing
                .retain(|typist| typist.author != Author::Visitor);
        }
        match self
            .messages
            .binary_search_by_key(&message.seq, |held| held.seq)
        {
            Ok(at) => self.messages[at] = message,
            Err(at) => self.messages.insert(at, message),
        }
    }

    /// Someone started or stopped typing.
    pub fn typing(&mut self, typist: Typist, active: bool) {
        self.typing.retain(|held| held != &typist);
        if active {
            self.typing.push(typist);
        }
    }

    /// The newest message the team has not reported read, if any (the page reports it
    /// once shown).
    pub fn unread_seq(&self) -> Option<Seq> {
        let last = self.last_seq();
        (last > self.read_up_to).then_some(last)
    }

    /// Whether the bot is answering: its latest bot message is newer than the team's
    /// latest, and it has not handed over.
    pub fn bot_answering(&self) -> bool {
        self.messages
            .iter()
            .rev()
            .find(|message| matches!(message.author, Author::Bot | Author::Agent))
            .is_some_and(|message| message.author == Author::Bot && !message.is_handoff())
    }
}
