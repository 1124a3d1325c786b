//! The agent API's Insights parameters, in pure code: the report's range
//! (`GET /v1/agent/insights?from=MS&to=MS`) and the export's
//! (`GET /v1/agent/insights/export?what=&format=&from=&to=&cursor=&limit=`), and the
//! export's pages of conversations, in start order then by thread id, with an opaque cursor.
//! A page that carries the conversations' messages (JSON conversations, `what=messages`)
//! holds at most [`MESSAGES_MAX_LIMIT`] conversations: each costs the Worker a call to its
//! thread's object.

use super::zone::DAY_MS;
use super::ThreadFigures;
use crate::error::RelayError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use confab_protocol::ThreadId;
use serde::{Deserialize, Serialize};

/// The longest range a report or an export covers.
pub const MAX_RANGE_MS: u64 = 366 * DAY_MS;
/// The range when none is asked: the 7 days before now.
pub const DEFAULT_RANGE_MS: u64 = 7 * DAY_MS;
/// Conversations per export page when no `limit` is asked.
pub const DEFAULT_LIMIT: usize = 500;
/// The most conversations on one export page.
pub const MAX_LIMIT: usize = 5_000;
/// Conversations per page, by default and at most, when the page carries their messages
/// (JSON conversations, `what=messages`): one thread object call each (more for a thread
/// past [`MESSAGES_PER_CALL`] messages), so a page stays a modest fan-out (well within the
/// runtime's 1,000 calls to Cloudflare services per request) and a modest body.
pub const MESSAGES_MAX_LIMIT: usize = 50;
/// Messages asked of a thread's object per call when an export reads them (the object's
/// history page's maximum).
pub const MESSAGES_PER_CALL: u32 = 500;

/// A range `[from, to)` of ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// The first ms.
    pub from: u64,
    /// The ms after the range.
    pub to: u64,
}

/// What an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// The report's figures.
    Metrics,
    /// One row per conversation (its messages too, in JSON).
    Conversations,
    /// One row per message of the page's conversations (CSV; JSON gives the conversations
    /// with their messages).
    Messages,
}

/// How an export is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV, as a download.
    Csv,
    /// JSON.
    Json,
}

/// Where an export page starts: after this conversation (by start, then id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The last conversation's start (ms).
    pub started_at: u64,
    /// Its thread.
    pub thread: ThreadId,
}

impl Cursor {
    /// The cursor as the API shows it: opaque (base64url of its JSON), so that clients
    /// pass it back rather than build one.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// A cursor the API gave out.
    pub fn decode(text: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The cursor after `figures`.
    pub fn after(figures: &ThreadFigures) -> Cursor {
        Cursor {
            started_at: figures.started_at,
            thread: figures.thread.clone(),
        }
    }
}

/// An export's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportQuery {
    /// Metrics, conversations or messages.
    pub what: What,
    /// CSV or JSON.
    pub format: Format,
    /// The conversations started in this range.
    pub range: Range,
    /// Where the page starts (conversations only).
    pub cursor: Option<Cursor>,
    /// How many conversations a page holds (at most [`MESSAGES_MAX_LIMIT`] with their
    /// messages; that many by default).
    pub limit: usize,
}

impl ExportQuery {
    /// Whether the page carries the conversations' messages, read from their threads.
    pub fn with_messages(&self) -> bool {
        match self.what {
            What::Metrics => false,
            What::Conversations => self.format == Format::Json,
            What::Messages => true,
        }
    }
}

fn bad(name: &'static str, value: &str, expected: &str) -> RelayError {
    RelayError::InvalidParameter {
        name,
        reason: format!("{value:?} is not {expected}"),
    }
}

fn millis(name: &'static str, value: &str) -> Result<u64, RelayError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|_| value.bytes().all(|byte| byte.is_ascii_digit()))
        .ok_or_else(|| bad(name, value, "a time in ms"))
}

/// The range of `from` and `to` (either may be absent): by default the 7 days before
/// `now`, or 7 days from `from` or up to `to`; at most [`MAX_RANGE_MS`] long, never empty.
pub fn range(from: Option<&str>, to: Option<&str>, now: u64) -> Result<Range, RelayError> {
    let from = from.map(|from| millis("from", from)).transpose()?;
    let to = to.map(|to| millis("to", to)).transpose()?;
    let (from, to) = match (from, to) {
        (Some(from), Some(to)) => (from, to),
        (Some(from), None) => (from, from.saturating_add(DEFAULT_RANGE_MS)),
        (None, Some(to)) => (to.saturating_sub(DEFAULT_RANGE_MS), to),
        (None, None) => (now.saturating_sub(DEFAULT_RANGE_MS), now),
    };
    if to <= from {
        return Err(bad("to", &to.to_string(), "after from"));
    }
    if to - from > MAX_RANGE_MS {
        return Err(RelayError::InvalidParameter {
            name: "to",
            reason: "the range is longer than 366 days".into(),
        });
    }
    Ok(Range { from, to })
}

/// `GET /v1/agent/insights`'s query.
pub fn parse_report_query(query: &str, now: u64) -> Result<Range, RelayError> {
    let (mut from, mut to) = (None, None);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "from" => from = Some(value.into_owned()),
            "to" => to = Some(value.into_owned()),
            _ => {}
        }
    }
    range(from.as_deref(), to.as_deref(), now)
}

/// `GET /v1/agent/insights/export`'s query (`what` is required; CSV by default; `limit`
/// [`DEFAULT_LIMIT`] by default, at most [`MAX_LIMIT`], or [`MESSAGES_MAX_LIMIT`] for both
/// when the page carries messages).
pub fn parse_export_query(query: &str, now: u64) -> Result<ExportQuery, RelayError> {
    let (mut from, mut to, mut what, mut format, mut cursor, mut limit) =
        (None, None, None, Format::Csv, None, None);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match &*key {
            "from" => from = Some(value.into_owned()),
            "to" => to = Some(value.into_owned()),
            "what" => {
                what = Some(match &*value {
                    "metrics" => What::Metrics,
                    "conversations" => What::Conversations,
                    "messages" => What::Messages,
                    _ => return Err(bad("what", &value, "metrics, conversations or messages")),
                })
            }
            "format" => {
                format = match &*value {
                    "csv" => Format::Csv,
                    "json" => Format::Json,
                    _ => return Err(bad("format", &value, "csv or json")),
                }
            }
            "cursor" => {
                cursor =
                    Some(Cursor::decode(&value).ok_or_else(|| bad("cursor", &value, "a cursor"))?)
            }
            // Checked against its maximum once `what` and `format` are known.
            "limit" => {
                limit = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|limit| *limit >= 1)
                        .ok_or_else(|| bad("limit", &value, "a number from 1"))?,
                )
            }
            _ => {}
        }
    }
    let what = what.ok_or_else(|| RelayError::InvalidParameter {
        name: "what",
        reason: "metrics, conversations or messages is required".into(),
    })?;
    let mut export = ExportQuery {
        what,
        format,
        range: range(from.as_deref(), to.as_deref(), now)?,
        cursor,
        limit: DEFAULT_LIMIT,
    };
    let max = match export.with_messages() {
        true => MESSAGES_MAX_LIMIT,
        false => MAX_LIMIT,
    };
    export.limit = match limit {
        None => DEFAULT_LIMIT.min(max),
        Some(limit) if limit <= max => limit,
        Some(limit) => {
            let expected = format!("a number from 1 to {max}");
            return Err(bad("limit", &limit.to_string(), &expected));
        }
    };
    Ok(export)
}

/// A page of conversations and the cursor of the next, if there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// The conversations, by start then thread id.
    pub conversations: Vec<ThreadFigures>,
    /// Where the next page starts (absent on the last).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The page of `limit` conversations of `threads` started in `range` after `cursor` (the
/// roll-up's rows, in any order; [`Page::cursor`] is set only when more follow).
pub fn page(
    threads: impl IntoIterator<Item = ThreadFigures>,
    range: Range,
    cursor: Option<&Cursor>,
    limit: usize,
) -> Page {
    let after = cursor.map(|cursor| (cursor.started_at, &cursor.thread));
    let mut threads: Vec<ThreadFigures> = threads
        .into_iter()
        .filter(|thread| (range.from..range.to).contains(&thread.started_at))
        .filter(|thread| after.is_none_or(|after| (thread.started_at, &thread.thread) > after))
        .collect();
    threads.sort_by(|a, b| (a.started_at, &a.thread).cmp(&(b.started_at, &b.thread)));
    let more = threads.len() > limit;
    threads.truncate(limit);
    let cursor = more
        .then(|| threads.last().map(|last| Cursor::after(last).encode()))
        .flatten();
    Page {
        conversations: threads,
        cursor,
    }
}
