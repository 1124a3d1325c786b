//! The thread's browsers for web push: the subscriptions the visitor allowed (kept in
//! `meta`, so erasure forgets them with the rest), how far the visitor has seen the
//! thread, and a push job per subscription for each team reply, due after the brand's
//! delay. When a job falls due the consumer asks whether the reply is still unseen and
//! the subscription still kept ([`PushCall::Due`]), and reports what the push service
//! answered ([`PushCall::Outcome`]): a gone subscription (404/410) is forgotten.

use super::{now, Outcome, Thread};
use crate::delivery::Target;
use crate::edge::push::{PushAnswer, PushCall};
use crate::error::RelayError;
use crate::push::notification::{is_team_reply, still_unseen};
use crate::push::subscription::MAX_PER_THREAD;
use crate::push::Subscription;
use confab_protocol::api::{PushDelivery, PushSubscriptionStatus};
use confab_protocol::{Message, Seq};
use serde::{Deserialize, Serialize};

/// A subscription as the thread keeps it, with what its last push came to.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kept {
    #[serde(flatten)]
    subscription: Subscription,
    /// When the visitor subscribed (ms).
    added_at: u64,
    /// The last push's outcome, if one went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<PushDelivery>,
}

impl Thread {
    fn subscriptions(&self) -> Outcome<Vec<Kept>> {
        Ok(self.meta_json("push")?.unwrap_or_default())
    }

    fn keep_subscriptions(&self, kept: &[Kept]) -> Outcome<()> {
        self.set_meta_json("push", kept)
    }

    /// The visitor has seen the thread up to `seq` (whether or not the brand reports reads).
    pub(super) fn note_seen(&self, seq: Seq) -> Outcome<()> {
        if seq.0 > self.seen()? {
            self.set_meta("push_seen", &seq.0.to_string())?;
        }
        Ok(())
    }

    fn seen(&self) -> Outcome<u64> {
        Ok(self
            .meta("push_seen")?
            .and_then(|seen| seen.parse().ok())
            .unwrap_or(0))
    }

    /// One push job per subscription for a team reply, due after the brand's delay;
    /// returns their lanes. Synchronous, so the jobs are stored with the message.
    pub(super) fn plan_push(&self, message: &Message) -> Outcome<Vec<String>> {
        if !is_team_reply(message) {
            return Ok(Vec::new());
        }
        let Some(delay) = self.meta("push_delay")?.and_then(|d| d.parse::<u64>().ok()) else {
            return Ok(Vec::new());
        };
        let due_at = message.created_at.0.saturating_add(delay * 1000);
        self.subscriptions()?
            .into_iter()
            .map(|kept| {
                let target = Target::Push {
                    endpoint: kept.subscription.endpoint,
                    due_at,
                };
                self.add_job(target, Some(message.clone()))
            })
            .collect()
    }

    /// Answers a [`PushCall`].
    pub(super) fn push(&self, call: PushCall) -> Outcome<PushAnswer> {
        match call {
            PushCall::Subscribe {
                brand,
                subscription,
                delay_seconds,
            } => {
                if self.policy()?.brand != brand {
                    return Err(RelayError::NotFound("thread".into()));
                }
                let mut kept = self.subscriptions()?;
                // One per browser: the same endpoint is replaced (its keys may be new).
                kept.retain(|old| old.subscription.endpoint != subscription.endpoint);
                kept.push(Kept {
                    subscription,
                    added_at: now(),
                    last: None,
                });
                // At most a few: the oldest gives way.
                let extra = kept.len().saturating_sub(MAX_PER_THREAD);
                kept.drain(..extra);
                self.keep_subscriptions(&kept)?;
                self.set_meta("push_delay", &delay_seconds.to_string())?;
                Ok(PushAnswer::Done)
            }
            PushCall::Unsubscribe { endpoint } => {
                self.forget_subscription(&endpoint)?;
                Ok(PushAnswer::Done)
            }
            PushCall::Due { seq, endpoint } => {
                let latest = self
                    .number(
                        "SELECT MAX(seq) AS value FROM messages \
                         WHERE author IN ('agent', 'bot')",
                        None,
                    )?
                    .unwrap_or(0);
                let subscription = self
                    .subscriptions()?
                    .into_iter()
                    .find(|kept| kept.subscription.endpoint == endpoint)
                    .map(|kept| kept.subscription)
                    .filter(|_| still_unseen(seq, self.seen().unwrap_or(0), latest));
                Ok(PushAnswer::Due { subscription })
            }
            PushCall::Outcome {
                endpoint,
                gone,
                delivery,
            } => {
                if gone {
                    self.forget_subscription(&endpoint)?;
                } else if let Some(delivery) = delivery {
                    let mut kept = self.subscriptions()?;
                    for one in kept
                        .iter_mut()
                        .filter(|kept| kept.subscription.endpoint == endpoint)
                    {
                        one.last = Some(delivery.clone());
                    }
                    self.keep_subscriptions(&kept)?;
                }
                Ok(PushAnswer::Done)
            }
            PushCall::List => Ok(PushAnswer::List {
                subscriptions: self
                    .subscriptions()?
                    .into_iter()
                    .map(|kept| PushSubscriptionStatus {
                        endpoint: kept.subscription.endpoint,
                        last_push: kept.last,
                    })
                    .collect(),
            }),
        }
    }

    fn forget_subscription(&self, endpoint: &str) -> Outcome<()> {
        let mut kept = self.subscriptions()?;
        kept.retain(|kept| kept.subscription.endpoint != endpoint);
        self.keep_subscriptions(&kept)
    }
}
