//! The inbox: the brand's threads, latest first, and the filters the list is asked with.

use confab_protocol::{Channel, ThreadSummary};

/// Which threads the list shows (the query of `GET /v1/agent/threads`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Filter {
    /// Open, resolved, or both.
    pub status: Status,
    /// Only threads whose last message is the visitor's.
    pub unanswered: bool,
    /// Only threads the bot is answering.
    pub bot: bool,
    /// Only threads the visitor wrote from this channel.
    pub channel: Option<Channel>,
    /// Text the thread's messages contain.
    pub q: String,
}

/// A thread's status, as the list filters it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Status {
    /// Not resolved.
    #[default]
    Open,
    /// Resolved.
    Resolved,
    /// Either.
    All,
}

impl Status {
    /// The API's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Resolved => "resolved",
            Status::All => "all",
        }
    }
}

/// The API's word for a channel (`web`, `whatsapp`…), as serde writes it.
pub fn channel_word(channel: Channel) -> String {
    serde_json::to_value(channel)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl Filter {
    /// The query string of the list call, without `?`.
    pub fn query(&self) -> String {
        let mut parts = vec![format!("status={}", self.status.word())];
        if self.unanswered {
            parts.push("unanswered=1".into());
        }
        if self.bot {
            parts.push("bot=1".into());
        }
        if let Some(channel) = self.channel {
            parts.push(format!("channel={}", channel_word(channel)));
        }
        let q = self.q.trim();
        if !q.is_empty() {
            parts.push(format!("q={}", js_encode(q)));
        }
        parts.join("&")
    }

    /// Whether a thread whose summary changed belongs in the list as filtered. The text
    /// search (`q`) is the relay's: a live change is kept only if the list already had it
    /// or its last text matches.
    pub fn admits(&self, thread: &ThreadSummary, listed: bool) -> bool {
        let status = match self.status {
            Status::Open => !thread.resolved,
            Status::Resolved => thread.resolved,
            Status::All => true,
        };
        let q = self.q.trim().to_lowercase();
        let text = q.is_empty()
            || listed
            || thread
                .last_text
                .as_deref()
                .is_some_and(|text| text.to_lowercase().contains(&q));
        status
            && (!self.unanswered || thread.awaiting_reply)
            && (!self.bot || thread.assistant)
            && self
                .channel
                .is_none_or(|channel| thread.channels.contains(&channel))
            && text
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept), the way
/// `encodeURIComponent` does, so that native tests see the same query as the browser.
fn js_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Puts a changed thread in the list (replacing its old summary), or takes it out if the
/// filter no longer admits it; the list stays latest first.
pub fn upsert(threads: &mut Vec<ThreadSummary>, filter: &Filter, thread: ThreadSummary) {
    let listed = threads.iter().any(|old| old.thread_id == thread.thread_id);
    threads.retain(|old| old.thread_id != thread.thread_id);
    if filter.admits(&thread, listed) {
        threads.push(thread);
    }
    sort(threads);
}

/// Latest activity first; ties by id, so the order is stable.
pub fn sort(threads: &mut [ThreadSummary]) {
    threads.sort_by(|a, b| {
        b.last_message_at
            .cmp(&a.last_message_at)
            .then_with(|| a.thread_id.as_str().cmp(b.thread_id.as_str()))
    });
}
