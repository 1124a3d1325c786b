//! The thread's WeChat link: the visitor's OpenID and the time of their last message there
//! (the 48-hour window runs from it), kept in `meta` like the WhatsApp link. A scan of the
//! thread's QR code links it (the scene is a live link code, spent here once); texts of the
//! linked user join the thread (photos as files the Worker stored already); the team's
//! answers follow them through the `wechat` lane.

use super::{now, Outcome, Thread};
use crate::connector::webhook::EventKind;
use crate::delivery::{route_wechat, Target, WechatLink};
use crate::directory::Fact;
use crate::edge::thread::{Append, WechatInbound, WechatKind, WhatsappOutcome};
use confab_protocol::{Author, Channel, ClientMessageId, Message, Timestamp, WechatWindow};

impl Thread {
    /// The visitor's WeChat, once the thread is linked there.
    fn wechat(&self) -> Outcome<Option<WechatLink>> {
        self.meta_json("wechat")
    }

    fn set_wechat(&self, link: &WechatLink) -> Outcome<()> {
        self.set_meta_json("wechat", link)
    }

    /// The thread's WeChat window, for the widget and the team.
    pub(super) fn wechat_window(&self) -> Outcome<Option<WechatWindow>> {
        Ok(self.wechat()?.map(|link| WechatWindow {
            window_ends_at: Timestamp(link.window_ends_at()),
        }))
    }

    /// The WeChat job of a newly stored message, if it goes there; its lane, to
    /// [`Thread::pump`]. Synchronous, so that the job is stored with the message.
    pub(super) fn plan_wechat(&self, message: &Message) -> Outcome<Option<String>> {
        let Some(link) = self.wechat()? else {
            return Ok(None);
        };
        route_wechat(message, &link, now())
            .map(|target| self.add_job(target, Some(message.clone())))
            .transpose()
    }

    /// A scan, a text or a photo from WeChat. A scan whose code is one of the thread's live codes
    /// links the thread to the user (a "Continued on WeChat" notice, which greets them
    /// there; the user recorded in D1 as a derived fact, the code spent, all in one
    /// commit); a text of the linked user joins the thread. Retries (the same `MsgId`, or
    /// the same sender and time for a scan) find their copy and add nothing; anything else
    /// is [`WhatsappOutcome::NotLinked`].
    pub(super) async fn wechat_inbound(&self, inbound: WechatInbound) -> Outcome<WhatsappOutcome> {
        self.set_policy(&inbound.policy)?;
        let client_id = match &inbound.kind {
            WechatKind::Text { msg_id, .. } | WechatKind::Image { msg_id, .. } => {
                format!("wechat:{msg_id}")
            }
            WechatKind::Scanned { .. } => {
                format!("wechat:{}:{}", inbound.open_id, inbound.sent_at / 1000)
            }
        };
        let client_id = ClientMessageId::new(client_id);
        if let Some(first) = self.find_by_client_id(client_id.as_str())? {
            return Ok(match first.author {
                Author::System => WhatsappOutcome::Linked,
                _ => WhatsappOutcome::Added,
            });
        }
        let sent_at = inbound.sent_at.min(now());
        let linked = self.wechat()?;
        let same_user = linked
            .as_ref()
            .is_some_and(|link| link.open_id == inbound.open_id);
        let mut lanes = Vec::new();
        let mut attachments = Vec::new();
        let (author, text, outcome) = match inbound.kind {
            WechatKind::Text { text, .. } if same_user => {
                (Author::Visitor, text, WhatsappOutcome::Added)
            }
            WechatKind::Image { attachment, .. } if same_user => {
                attachments.push(attachment);
                (Author::Visitor, String::new(), WhatsappOutcome::Added)
            }
            // Not this thread's user: a photo stays an unsent upload, which the alarm deletes.
            WechatKind::Text { .. } | WechatKind::Image { .. } => {
                return Ok(WhatsappOutcome::NotLinked)
            }
            WechatKind::Scanned { code } => {
                let Some(lane) = self.spend_code(&code, "wechat")? else {
                    return Ok(WhatsappOutcome::NotLinked);
                };
                lanes.push(lane);
                if !same_user {
                    lanes.push(self.add_fact(Fact::WechatUser {
                        open_id: inbound.open_id.clone(),
                        previous: linked.as_ref().map(|link| link.open_id.clone()),
                    })?);
                }
                let text = "Continued on WeChat".to_string();
                (Author::System, text, WhatsappOutcome::Linked)
            }
        };
        let last_inbound_at = linked
            .filter(|_| same_user)
            .map_or(sent_at, |link| link.last_inbound_at.max(sent_at));
        self.set_wechat(&WechatLink {
            open_id: inbound.open_id.clone(),
            last_inbound_at,
        })?;
        // The backend's `thread.linked` joins the outbox with the link itself (one commit).
        if author == Author::System && self.policy()?.forward.webhook {
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
            channel: Channel::Wechat,
            sender: None,
            attachments,
            policy: inbound.policy,
            replies: Vec::new(),
        })
        .await?;
        for lane in lanes {
            self.pump(&lane).await?;
        }
        Ok(outcome)
    }
}
