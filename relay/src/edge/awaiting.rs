//! Inbound messages waiting for their link, at the edge ([`crate::awaiting`]): put on the
//! outbound queue with a delay, and handed back to their channel's hook code when the
//! consumer takes them. A channel uses it in two places: its hook calls [`wait`] where it
//! would drop a stranger's message, and [`consume`] sends the message back to it.

use super::http::internal;
use crate::awaiting::{next_delay, Awaited, AwaitingLink, DEFAULT_SETTLE_SECONDS};
use crate::error::RelayError;
use worker::{Env, MessageBuilder};

/// How long a message may wait for its link (`LINK_SETTLE_SECONDS`, default 120 s).
pub fn settle_seconds(env: &Env) -> u64 {
    env.var("LINK_SETTLE_SECONDS")
        .ok()
        .and_then(|value| value.to_string().trim().parse().ok())
        .unwrap_or(DEFAULT_SETTLE_SECONDS)
}

/// Where a message stands in its wait: first seen at, lookups so far.
#[derive(Clone, Copy, Debug)]
pub struct Waited {
    /// When the relay first had it (ms).
    pub first_seen_at: u64,
    /// Lookups so far.
    pub tries: u32,
}

impl Waited {
    /// A message the relay has just received.
    pub fn new() -> Waited {
        Waited {
            first_seen_at: worker::Date::now().as_millis(),
            tries: 0,
        }
    }
}

impl Default for Waited {
    fn default() -> Self {
        Waited::new()
    }
}

/// Puts a message whose sender has no linked thread (yet) on the queue to be looked up
/// again; `false` if its settle time is over (it is a stranger's: drop it).
pub async fn wait(env: &Env, awaited: Awaited, waited: Waited) -> Result<bool, RelayError> {
    let now = worker::Date::now().as_millis();
    let Some(delay) = next_delay(waited.first_seen_at, now, settle_seconds(env), waited.tries)
    else {
        return Ok(false);
    };
    let waiting = AwaitingLink {
        awaited,
        first_seen_at: waited.first_seen_at,
        tries: waited.tries + 1,
    };
    let text = waiting.to_queue_text();
    crate::meter::queued(text.len());
    env.queue("OUTBOUND")
        .map_err(internal)?
        .send(MessageBuilder::new(text).delay_seconds(delay).build())
        .await
        .map_err(internal)?;
    Ok(true)
}

/// A waiting message taken from the queue: its channel looks its sender up again (and
/// waits again, or drops it, if there is still no link). An error leaves it to the
/// queue's own retry.
pub async fn consume(env: &Env, waiting: AwaitingLink) -> Result<(), RelayError> {
    let waited = Waited {
        first_seen_at: waiting.first_seen_at,
        tries: waiting.tries,
    };
    match waiting.awaited {
        Awaited::Whatsapp {
            phone_number_id,
            inbound,
        } => super::hooks::whatsapp_from_visitor(env, &phone_number_id, inbound, waited).await,
        Awaited::Wechat { brand, inbound } => {
            super::hooks::wechat::again(env, &brand, inbound, waited).await
        }
    }
}
