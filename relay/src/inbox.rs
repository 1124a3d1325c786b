//! The inbox's thread list (`GET /v1/agent/threads`): its query (paging, the filters and the
//! text search, parsed with `form_urlencoded`) and the one SQL statement that answers it,
//! built here in pure code so that every combination is tested natively.
//!
//! The filters read the columns the thread's listings keep up to date
//! ([`crate::directory::Listing`]); `q` reads the FTS5 index over the threads' message texts
//! (`thread_text`, trigrams: any part of a word, in any script, case-blind).
//!
//! Also the tags a thread's team sockets carry (the console's member at a thread), read
//! back on each frame by the thread's object.

use crate::directory::Param;
use crate::error::RelayError;
use confab_protocol::{BrandId, Channel};

/// The page size when the query names none.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page served.
pub const MAX_LIMIT: u32 = 200;
/// The fewest characters a search takes (the index is of trigrams).
pub const MIN_SEARCH_CHARS: usize = 3;
/// The most characters a search takes.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Which threads by their resolution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Not resolved (or written to since).
    Open,
    /// Resolved.
    Resolved,
    /// Both (the default).
    #[default]
    All,
}

/// What `GET /v1/agent/threads?…` asks for. Filters combine with AND.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    /// Threads whose latest activity is before this (ms), for the next page.
    pub before: Option<u64>,
    /// At most this many.
    pub limit: u32,
    /// `status=open|resolved|all`.
    pub status: Status,
    /// `unanswered=1`: only threads whose latest message is the visitor's.
    pub unanswered: bool,
    /// `bot=1`: only threads the bot still answers.
    pub bot: bool,
    /// `channel=web|…`: only threads the visitor wrote to from this channel.
    pub channel: Option<Channel>,
    /// `q=text`: only threads one of whose messages contains the text.
    pub q: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            before: None,
            limit: DEFAULT_LIMIT,
            status: Status::All,
            unanswered: false,
            bot: false,
            channel: None,
            q: None,
        }
    }
}

/// A statement whose text depends on the query (built only from the fixed pieces below;
/// everything the client sent is a parameter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The SQL.
    pub sql: String,
    /// Its parameters, `?1`, `?2`, … in order.
    pub params: Vec<Param>,
}

/// The columns a [`confab_protocol::ThreadSummary`] is read from.
pub const COLUMNS: &str = "thread_id, created_at, last_message_at, last_text, resolved, \
     awaiting_reply, assistant, channels, unread, language, page";

/// Parses the list's query string. Unknown parameters are ignored; a known one with a
/// value it cannot take is `invalid_parameter` (400).
pub fn parse_list_query(query: &str) -> Result<ListQuery, RelayError> {
    let mut list = ListQuery::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let bad = |name: &'static str, expected: &str| RelayError::InvalidParameter {
            name,
            reason: format!("{value:?} is not {expected}"),
        };
        match &*key {
            "before" => {
                list.before = Some(
                    digits(&value)
                        .and_then(|digits| digits.parse().ok())
                        .ok_or_else(|| bad("before", "a time in ms"))?,
                )
            }
            "limit" => {
                list.limit = digits(&value)
                    .and_then(|digits| digits.parse().ok())
                    .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                    .ok_or_else(|| bad("limit", "a number from 1 to 200"))?
            }
            "status" => {
                list.status = match &*value {
                    "open" => Status::Open,
                    "resolved" => Status::Resolved,
                    "all" => Status::All,
                    _ => return Err(bad("status", "open, resolved or all")),
                }
            }
            "unanswered" => {
                list.unanswered = flag(&value).ok_or_else(|| bad("unanswered", "1 or 0"))?
            }
            "bot" => list.bot = flag(&value).ok_or_else(|| bad("bot", "1 or 0"))?,
            "channel" => {
                // The channel's wire name, as messages carry it; `Unknown` is no filter.
                let channel =
                    serde_json::from_value::<Channel>(serde_json::Value::String(value.to_string()))
                        .ok()
                        .filter(|channel| *channel != Channel::Unknown)
                        .ok_or_else(|| bad("channel", "a channel (web, whatsapp, wechat, …)"))?;
                list.channel = Some(channel);
            }
            "q" => {
                let text = value.trim();
                let chars = text.chars().count();
                if !(MIN_SEARCH_CHARS..=MAX_SEARCH_CHARS).contains(&chars) {
                    return Err(bad("q", "a search of 3 to 200 characters"));
                }
                list.q = Some(text.to_string());
            }
            _ => {}
        }
    }
    Ok(list)
}

impl ListQuery {
    /// The statement that answers this query for `brand`: its threads, latest activity
    /// first, at most `limit`.
    pub fn statement(&self, brand: &BrandId) -> Query {
        let mut params = vec![
            Param::Text(brand.as_str().to_string()),
            // Numbers travel as doubles: 2^53 is later than any time.
            Param::Number(self.before.unwrap_or(1 << 53).min(1 << 53)),
        ];
        let mut sql =
            format!("SELECT {COLUMNS} FROM threads WHERE brand_id = ?1 AND last_message_at < ?2");
        match self.status {
            Status::Open => sql.push_str(" AND resolved = 0"),
            Status::Resolved => sql.push_str(" AND resolved = 1"),
            Status::All => {}
        }
        if self.unanswered {
            sql.push_str(" AND awaiting_reply = 1");
        }
        if self.bot {
            sql.push_str(" AND assistant = 1");
        }
        if let Some(channel) = self.channel {
            params.push(Param::Text(channel_name(channel)));
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM json_each(threads.channels) WHERE value = ?{})",
                params.len()
            ));
        }
        if let Some(q) = &self.q {
            params.push(Param::Text(phrase(q)));
            sql.push_str(&format!(
                " AND thread_id IN (SELECT thread_texts.thread_id FROM thread_text \
                 JOIN thread_texts ON thread_texts.rowid = thread_text.rowid \
                 WHERE thread_text MATCH ?{})",
                params.len()
            ));
        }
        params.push(Param::Number(u64::from(self.limit)));
        sql.push_str(&format!(
            " ORDER BY last_message_at DESC LIMIT ?{}",
            params.len()
        ));
        Query { sql, params }
    }
}

/// `text` as one FTS5 phrase: quoted, its own quotes doubled, so that nothing in it is
/// read as query syntax (`OR`, `*`, `NEAR`, a column name).
pub fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A channel's wire name (`web`, `whatsapp`, …).
fn channel_name(channel: Channel) -> String {
    serde_json::to_value(channel)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `1` or `0` (also `true`/`false`).
fn flag(value: &str) -> Option<bool> {
    match value {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

/// `value` if it is one or more ASCII digits (no sign, no space).
fn digits(value: &str) -> Option<&str> {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())).then_some(value)
}

/// The tag of the team's sockets.
pub const TEAM_TAG: &str = "team";

/// What precedes a team socket's member name among its tags.
const NAME_TAG: &str = "name:";

/// The most bytes of a member's name kept in a tag (the runtime takes 256 per tag).
const MAX_NAME_TAG: usize = 200;

/// Who is at a socket, read from its tags: the team (with the member's name) or the visitor.
pub fn team_name(tags: &[String]) -> Option<String> {
    if !tags.iter().any(|tag| tag == TEAM_TAG) {
        return None;
    }
    Some(
        tags.iter()
            .find_map(|tag| tag.strip_prefix(NAME_TAG))
            .unwrap_or_default()
            .to_string(),
    )
}

/// `name` cut to at most [`MAX_NAME_TAG`] bytes, on a character boundary.
pub fn name_tag(name: &str) -> String {
    let mut end = name.len().min(MAX_NAME_TAG);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{NAME_TAG}{}", &name[..end])
}

#[cfg(test)]
mod tests;
