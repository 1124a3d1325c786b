//! Inbound messages waiting for their link: a messaging app's message from a sender that
//! D1 does not (yet) know as linked to a thread.
//!
//! Which thread a WhatsApp or WeChat user writes into is a derived fact: the thread links
//! itself (a code spent, a QR code scanned) and its outbox writes the user's row to D1 a
//! moment later. The visitor's next message can overtake that write. Rather than being
//! dropped as a stranger's, such a message is put on the outbound queue as an
//! [`AwaitingLink`] and looked up again, with a growing delay ([`next_delay`]), until the
//! link settles or `LINK_SETTLE_SECONDS` have passed since it first arrived; only then is
//! it taken as a stranger's. Adding it is idempotent by the provider's message id, like
//! any redelivery, so a message that waited is never stored twice.
//!
//! The queue carries it as `{"awaitingLink": …}` ([`AwaitingLink::to_queue_text`]), which
//! no delivery job looks like; the consumer hands it back to its channel's hook code.

use serde::{Deserialize, Serialize};

/// How long a message may wait for its link unless `LINK_SETTLE_SECONDS` says otherwise.
pub const DEFAULT_SETTLE_SECONDS: u64 = 120;

/// The longest wait between two lookups.
pub const MAX_WAIT_SECONDS: u64 = 15;

/// A message waiting for its sender's link, and its channel's own record of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "channel", rename_all = "camelCase")]
pub enum Awaited {
    /// A WhatsApp message to the brand whose number is `phone_number_id`.
    Whatsapp {
        /// The number it was sent to.
        phone_number_id: String,
        /// The message.
        inbound: crate::connector::whatsapp::Inbound,
    },
    /// A WeChat message to the brand's Official Account: a text, or a photo (which always
    /// comes this way, since its download does not belong on the hook's path).
    Wechat {
        /// The brand whose hook took it.
        brand: confab_protocol::BrandId,
        /// The message.
        inbound: crate::connector::wechat::Inbound,
    },
}

/// A queue message: an inbound message waiting for its link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AwaitingLink {
    /// The message.
    pub awaited: Awaited,
    /// When the relay first had it (ms): it waits at most the settle time from here.
    pub first_seen_at: u64,
    /// Lookups so far.
    pub tries: u32,
}

/// The queue's wrapper, so that a waiting message never reads as a delivery job.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Envelope {
    awaiting_link: AwaitingLink,
}

impl AwaitingLink {
    /// The queue message's text.
    pub fn to_queue_text(&self) -> String {
        let envelope = Envelope {
            awaiting_link: self.clone(),
        };
        serde_json::to_string(&envelope).unwrap_or_default()
    }

    /// Reads a queue message's text, if it is a waiting message.
    pub fn from_queue_text(text: &str) -> Option<AwaitingLink> {
        serde_json::from_str::<Envelope>(text)
            .ok()
            .map(|envelope| envelope.awaiting_link)
    }
}

/// How long a message first seen at `first_seen_at`, looked up `tries` times, waits before
/// its next lookup at `now` (all ms; seconds out): 1, 2, 4, 8 s, then [`MAX_WAIT_SECONDS`],
/// never past the settle time. `None` once the settle time is over: it is a stranger's.
pub fn next_delay(first_seen_at: u64, now: u64, settle_seconds: u64, tries: u32) -> Option<u32> {
    let ends_at = first_seen_at.saturating_add(settle_seconds.saturating_mul(1000));
    if now >= ends_at {
        return None;
    }
    let left = (ends_at - now).div_ceil(1000);
    let backoff = 1u64 << tries.min(6);
    let delay = backoff.min(MAX_WAIT_SECONDS).min(left).max(1);
    u32::try_from(delay).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::whatsapp::Inbound;

    #[test]
    fn waits_longer_each_time_but_never_past_the_settle_time() {
        let delays: Vec<Option<u32>> = (0..8).map(|tries| next_delay(0, 0, 120, tries)).collect();
        assert_eq!(
            delays,
            [1, 2, 4, 8, 15, 15, 15, 15].map(Some).to_vec(),
            "backoff"
        );
        assert_eq!(
            next_delay(0, 117_500, 120, 5),
            Some(3),
            "up to the end only"
        );
        assert_eq!(next_delay(0, 119_999, 120, 0), Some(1));
        assert_eq!(
            next_delay(0, 120_000, 120, 0),
            None,
            "a stranger's after that"
        );
        assert_eq!(
            next_delay(5_000, 5_000, 0, 0),
            None,
            "no settle time: no wait"
        );
        assert_eq!(next_delay(u64::MAX - 5, 0, u64::MAX, 40), Some(15));
    }

    #[test]
    fn goes_through_the_queue_as_itself_and_never_as_a_job() {
        let waiting = AwaitingLink {
            awaited: Awaited::Whatsapp {
                phone_number_id: "106".into(),
                inbound: Inbound {
                    wa_id: "86".into(),
                    wamid: "wamid.A".into(),
                    text: "hello".into(),
                    media: None,
                    sent_at: 7,
                },
            },
            first_seen_at: 1,
            tries: 2,
        };
        let text = waiting.to_queue_text();
        assert!(
            text.starts_with(r#"{"awaitingLink":{"awaited":{"channel":"whatsapp""#),
            "{text}"
        );
        assert_eq!(AwaitingLink::from_queue_text(&text), Some(waiting));
        assert!(serde_json::from_str::<crate::delivery::Job>(&text).is_err());
        let job = r#"{"id":"j","thread":"t","brand":"demo","target":{"kind":"telegram"}}"#;
        assert!(serde_json::from_str::<crate::delivery::Job>(job).is_ok());
        assert_eq!(AwaitingLink::from_queue_text(job), None);
    }
}
