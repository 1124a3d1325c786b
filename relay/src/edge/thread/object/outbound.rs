//! The thread's side of forwarding: it never calls a third party, it enqueues jobs on the
//! `confab-outbound` queue ([`crate::delivery`]) and takes back what the deliveries came to
//! (a message delivered, or failed with a reason) to move the message's ticks.

use super::{now, sql_int, Outcome, Thread, MESSAGE_COLUMNS};
use crate::connector::webhook::EventKind;
use crate::delivery::{route, Job, Target, VisitorContext, WhatsappLink};
use crate::directory::Fact;
use crate::edge::thread::{Append, StatusChange, WhatsappInbound, WhatsappOutcome};
use crate::edge::wire_name;
use confab_protocol::{
    Author, Channel, ClientMessageId, DeliveryStatus, Message, Timestamp, WhatsappWindow,
};
use worker::SqlStorageValue;

impl Thread {
    /// What the visitor's page said when the thread started.
    fn context(&self) -> Outcome<VisitorContext> {
        Ok(self.meta_json("context")?.unwrap_or_default())
    }

    /// Keeps what the visitor's page says about itself, from the thread's first session.
    pub(super) fn remember_context(&self, context: &VisitorContext) -> Outcome<()> {
        if *context == VisitorContext::default() || self.meta("context")?.is_some() {
            return Ok(());
        }
        self.set_meta_json("context", context)
    }

    /// The visitor's WhatsApp, once the thread is linked there.
    fn whatsapp(&self) -> Outcome<Option<WhatsappLink>> {
        if let Some(cached) = self.whatsapp.borrow().as_ref() {
            return Ok(cached.clone());
        }
        let link: Option<WhatsappLink> = self.meta_json("whatsapp")?;
        *self.whatsapp.borrow_mut() = Some(link.clone());
        Ok(link)
    }

    /// The thread's WhatsApp window, for the widget and the team.
    pub(super) fn whatsapp_window(&self) -> Outcome<Option<WhatsappWindow>> {
        Ok(self.whatsapp()?.map(|link| WhatsappWindow {
            window_ends_at: Timestamp(link.window_ends_at()),
        }))
    }

    fn set_whatsapp(&self, link: &WhatsappLink) -> Outcome<()> {
        self.set_meta_json("whatsapp", link)?;
        *self.whatsapp.borrow_mut() = Some(Some(link.clone()));
        Ok(())
    }

    /// A text from the visitor's WhatsApp: the one whose code links the thread (stored as a
    /// "Continued on WhatsApp" notice, confirmed to the visitor there), or a message of the
    /// linked visitor. A redelivery (the same `wamid`) finds its copy and adds nothing; a
    /// stranger's text, or a code that is not one of the thread's live codes, is
    /// [`WhatsappOutcome::NotLinked`]. Linking records the user in D1 as a derived fact
    /// (replacing the previous user's entry) in the same commit.
    pub(super) async fn whatsapp_inbound(
        &self,
        inbound: WhatsappInbound,
    ) -> Outcome<WhatsappOutcome> {
        self.set_policy(&inbound.policy)?;
        let client_id = ClientMessageId::new(format!("whatsapp:{}", inbound.wamid));
        if let Some(first) = self.find_by_client_id(client_id.as_str())? {
            return Ok(match first.author {
                Author::System => WhatsappOutcome::Linked,
                _ => WhatsappOutcome::Added,
            });
        }
        let sent_at = inbound.sent_at.min(now());
        let linked = self.whatsapp()?;
        let same_user = linked
            .as_ref()
            .is_some_and(|link| link.wa_id == inbound.wa_id);
        let mut lanes = Vec::new();
        if !same_user {
            let spent = match &inbound.code {
                Some(code) => self.spend_code(code, "whatsapp")?,
                None => None,
            };
            let Some(lane) = spent else {
                return Ok(WhatsappOutcome::NotLinked);
            };
            lanes.push(lane);
            lanes.push(self.add_fact(Fact::WhatsappUser {
                wa_id: inbound.wa_id.clone(),
                previous: linked.as_ref().map(|link| link.wa_id.clone()),
            })?);
        }
        let last_inbound_at = linked
            .filter(|_| same_user)
            .map_or(sent_at, |link| link.last_inbound_at.max(sent_at));
        self.set_whatsapp(&WhatsappLink {
            wa_id: inbound.wa_id.clone(),
            last_inbound_at,
        })?;
        let (author, text, outcome) = match same_user {
            false => (
                Author::System,
                "Continued on WhatsApp".to_string(),
                WhatsappOutcome::Linked,
            ),
            true => (Author::Visitor, inbound.text, WhatsappOutcome::Added),
        };
        // The backend's `thread.linked` joins the outbox with the link itself (one commit).
        if !same_user && self.policy()?.forward.webhook {
            lanes.push(self.add_job(
                Target::Webhook {
                    event: EventKind::ThreadLinked,
                },
                None,
            )?);
        }
        self.store(Append {
            client_id,
            text,
            author,
            channel: Channel::Whatsapp,
            sender: None,
            // A file goes with the visitor's message, never with the notice of a link.
            attachments: match same_user {
                true => inbound.attachments,
                false => Vec::new(),
            },
            policy: inbound.policy,
            replies: Vec::new(),
        })
        .await?;
        for lane in lanes {
            self.pump(&lane).await?;
        }
        Ok(outcome)
    }

    /// Puts a job in the outbox for each of the brand's connectors a new message goes to;
    /// returns their lanes, to [`Thread::pump`]. Synchronous, so that the jobs are stored
    /// with the message itself (writes without an `await` between them commit together).
    pub(super) fn plan_forwarding(&self, message: &Message) -> Outcome<Vec<String>> {
        let policy = self.policy()?;
        let whatsapp = self.whatsapp()?;
        let mut lanes = route(policy.forward, message, whatsapp.as_ref(), now())
            .into_iter()
            .map(|target| self.add_job(target, Some(message.clone())))
            .collect::<Outcome<Vec<String>>>()?;
        lanes.extend(self.plan_wechat(message)?);
        lanes.extend(self.plan_push(message)?);
        lanes.extend(self.plan_email(message)?);
        lanes.extend(self.plan_assistant(message)?);
        lanes.extend(self.plan_resolution(message)?);
        Ok(lanes)
    }

    /// The job that tells the brand's backend a visitor started this thread, if it wants
    /// to know; returns its lane, to [`Thread::pump`]. Synchronous, to be written with the
    /// thread's first policy.
    pub(super) fn plan_announcement(&self) -> Outcome<Option<String>> {
        if !self.policy()?.forward.webhook {
            return Ok(None);
        }
        let target = Target::Webhook {
            event: EventKind::ThreadCreated,
        };
        self.add_job(target, None).map(Some)
    }

    /// Puts a new job for `target` in the outbox; returns its lane.
    pub(super) fn add_job(&self, target: Target, message: Option<Message>) -> Outcome<String> {
        let policy = self.policy()?;
        let sources = self.sources_of(message.as_ref())?;
        let rating = self.rating_for(&target)?;
        let figures = self.closed_for(&target)?.map(Box::new);
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
            generation: 0,
            parts_sent: 0,
            relay_origin: policy.relay_origin,
            sources,
            rating,
            figures,
        };
        self.add_to_outbox(&job)?;
        Ok(job.lane())
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
        let mut updated: Vec<Message> = self.rows(
            &format!(
                "UPDATE messages SET status = ?, failure = ? WHERE seq = ? \
                 AND status IN ({placeholders}) RETURNING {MESSAGE_COLUMNS}"
            ),
            values,
        )?;
        let Some(message) = updated.pop() else {
            return Ok(None);
        };
        self.broadcast(&message);
        if self.policy()?.forward.webhook {
            let target = Target::Webhook {
                event: EventKind::MessageStatus,
            };
            let lane = self.add_job(target, Some(message.clone()))?;
            self.pump(&lane).await?;
        }
        Ok(Some(message))
    }
}
