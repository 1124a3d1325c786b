//! The thread's side of forwarding: it never calls a third party, it enqueues jobs on the
//! `confab-outbound` queue ([`crate::delivery`]) and takes back what the deliveries came to
//! (a message delivered, or failed with a reason) to move the message's ticks.

use super::{internal, now, sql_int, wire_name, Outcome, Thread, MESSAGE_COLUMNS};
use crate::connector::webhook::EventKind;
use crate::delivery::{route, Job, Target, VisitorContext};
use crate::edge::outbound::enqueue;
use crate::edge::thread::StatusChange;
use confab_protocol::{DeliveryStatus, Message};
use worker::SqlStorageValue;

impl Thread {
    /// What the visitor's page said when the thread started.
    fn context(&self) -> Outcome<VisitorContext> {
        Ok(self
            .meta("context")?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default())
    }

    /// Keeps what the visitor's page says about itself, from the thread's first session.
    pub(super) fn remember_context(&self, context: &VisitorContext) -> Outcome<()> {
        if *context == VisitorContext::default() || self.meta("context")?.is_some() {
            return Ok(());
        }
        self.set_meta(
            "context",
            &serde_json::to_string(context).map_err(internal)?,
        )
    }

    /// Enqueues a job for each of the brand's connectors a new message goes to.
    pub(super) async fn forward(&self, message: &Message) -> Outcome<()> {
        let policy = self.policy()?;
        for target in route(policy.forward, message) {
            self.enqueue(target, Some(message.clone())).await?;
        }
        Ok(())
    }

    /// Tells the brand's backend that a visitor started this thread.
    pub(super) async fn announce(&self) -> Outcome<()> {
        if self.policy()?.forward.webhook {
            let target = Target::Webhook {
                event: EventKind::ThreadCreated,
            };
            self.enqueue(target, None).await?;
        }
        Ok(())
    }

    async fn enqueue(&self, target: Target, message: Option<Message>) -> Outcome<()> {
        let policy = self.policy()?;
        let job = Job {
            id: crate::edge::random_id()?,
            thread: policy.thread,
            brand: policy.brand,
            target,
            message,
            context: self.context()?,
            attempts: 0,
            postponements: 0,
            last_error: None,
            enqueued_at: now(),
        };
        enqueue(&self.env, &job, 0).await
    }

    /// Moves a message's status forward (sent → delivered → read; failed only from sent),
    /// tells every socket, and the brand's backend. Returns the message if it changed.
    pub(super) async fn change_status(&self, change: StatusChange) -> Outcome<Option<Message>> {
        let from: &[&str] = match change.status {
            DeliveryStatus::Delivered => &["sent"],
            DeliveryStatus::Read => &["sent", "delivered"],
            DeliveryStatus::Failed => &["sent"],
            _ => return Ok(None),
        };
        let placeholders = vec!["?"; from.len()].join(", ");
        let mut values = vec![
            SqlStorageValue::from(wire_name(&change.status)?),
            match &change.failure {
                Some(reason) => SqlStorageValue::from(reason.clone()),
                None => SqlStorageValue::Null,
            },
            sql_int(change.seq.0)?,
        ];
        values.extend(
            from.iter()
                .map(|status| SqlStorageValue::from(status.to_string())),
        );
        let mut updated: Vec<Message> = self
            .sql
            .exec(
                &format!(
                    "UPDATE messages SET status = ?, failure = ? WHERE seq = ? \
                     AND status IN ({placeholders}) RETURNING {MESSAGE_COLUMNS}"
                ),
                values,
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        let Some(message) = updated.pop() else {
            return Ok(None);
        };
        self.broadcast(&message);
        if self.policy()?.forward.webhook {
            let target = Target::Webhook {
                event: EventKind::MessageStatus,
            };
            self.enqueue(target, Some(message.clone())).await?;
        }
        Ok(Some(message))
    }
}
