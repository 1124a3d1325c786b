//! What a pushed team reply says, and when it goes.
//!
//! The payload is small JSON the Confab service worker shows as a notification: the
//! brand's name, the reply's first line (or "New message" for a reply of files only), the
//! page to open and a tag per thread, so that a burst of replies replaces one notification
//! instead of stacking several. It is encrypted for the browser; the push service sees only
//! its padded length.

use confab_protocol::{Author, Message};
use serde::{Deserialize, Serialize};

/// How long a team reply may stay unseen before it is pushed, unless the brand says.
pub const DEFAULT_DELAY_SECONDS: u32 = 10;

/// The longest delay a brand may set: a minute. Push is the quick reminder (email is the
/// slow one), and a job out waiting for its due time holds a lease of the outbox
/// (`LANE_LEASE_MS`, two minutes): a longer wait would have the alarm send needless copies.
pub const MAX_DELAY_SECONDS: u32 = 60;

/// The most characters of the reply a notification shows.
pub const MAX_BODY_CHARS: usize = 120;

/// The most characters of the brand's name a notification shows.
pub const MAX_TITLE_CHARS: usize = 60;

/// Payloads are padded to a multiple of this many bytes, so their length says little
/// about the reply's.
pub const PAD_TO: usize = 256;

/// How long a push service keeps an undelivered notification (`TTL`): a day. A reply
/// older than that is better found in the thread.
pub const TTL_SECONDS: u32 = 24 * 60 * 60;

/// What the service worker shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The brand's name.
    pub title: String,
    /// The reply's first line, or "New message".
    pub body: String,
    /// The page the conversation started on (origin and path), to open on a click.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// One per thread: a newer notification replaces the older.
    pub tag: String,
}

impl Notification {
    /// The notification of `message` from `brand_name` in thread `thread`, whose
    /// conversation started on `page`.
    pub fn for_reply(
        brand_name: &str,
        message: &Message,
        thread: &str,
        page: Option<&str>,
    ) -> Notification {
        Notification {
            title: shorten(brand_name.trim(), MAX_TITLE_CHARS),
            body: first_line(&message.text),
            url: page.map(str::to_string),
            tag: format!("confab-{thread}"),
        }
    }

    /// The payload's bytes, and the padding that brings them to a multiple of [`PAD_TO`].
    pub fn payload(&self) -> (Vec<u8>, usize) {
        let json = serde_json::to_vec(self).unwrap_or_default();
        // The record carries the delimiter byte too.
        let used = json.len() + 1;
        let padding = (PAD_TO - used % PAD_TO) % PAD_TO;
        (json, padding)
    }
}

/// The first non-blank line of `text`, at most [`MAX_BODY_CHARS`] characters (cut with
/// "…"), or "New message" when there is none (a reply of files only).
pub fn first_line(text: &str) -> String {
    match text.lines().map(str::trim).find(|line| !line.is_empty()) {
        Some(line) => shorten(line, MAX_BODY_CHARS),
        None => "New message".to_string(),
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max - 1).collect();
    short.push('…');
    short
}

/// Whether a message is one the visitor may be pushed: the team's (a person's or a bot's).
pub fn is_team_reply(message: &Message) -> bool {
    matches!(message.author, Author::Agent | Author::Bot)
}

/// Whether a reply stored as `seq` is still worth pushing when it falls due: the visitor
/// has not seen it (`seen` is the last `seq` they reported reading) and no later team reply
/// (`latest_reply`) will carry the news instead, so a burst makes one notification.
pub fn still_unseen(seq: u64, seen: u64, latest_reply: u64) -> bool {
    seen < seq && latest_reply <= seq
}

/// A brand's web push settings (`push` in its settings; absent: no push).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSettings {
    /// How long a team reply may stay unseen before it is pushed, in seconds.
    #[serde(default = "default_delay")]
    pub delay_seconds: u32,
}

fn default_delay() -> u32 {
    DEFAULT_DELAY_SECONDS
}

impl Default for PushSettings {
    fn default() -> Self {
        PushSettings {
            delay_seconds: DEFAULT_DELAY_SECONDS,
        }
    }
}

impl PushSettings {
    /// The settings' rules, as a sentence for the admin API's refusal.
    pub fn check(&self) -> Result<(), String> {
        match self.delay_seconds <= MAX_DELAY_SECONDS {
            true => Ok(()),
            false => Err(format!(
                "push.delaySeconds must be from 0 to {MAX_DELAY_SECONDS}"
            )),
        }
    }
}
