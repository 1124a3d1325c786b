//! The thread's email address for replies ([`crate::email`]): kept in `meta` (so erasure
//! removes it with the rest, and D1 never sees it), verified by a signed link, and the
//! team's replies the visitor has not seen put in one email job at a time on the thread's
//! `email` lane.
//!
//! A team reply to a verified address adds a replies job unless one is waiting already;
//! when the consumer attempts it, the thread says what to send ([`Composed`]): nothing if
//! the visitor has seen everything meanwhile, "wait" while the oldest unseen reply is
//! younger than the brand's delay (the job comes back then, so a burst goes in one email),
//! else the unseen replies. The visitor's reads (`ReadByVisitor`) and each email sent move
//! `seen_seq`.

use super::{now, sql_int, Outcome, Thread, MESSAGE_COLUMNS};
use crate::delivery::Target;
use crate::edge::email::{Composed, EmailAnswer, EmailCall};
use crate::edge::thread::Append;
use crate::email::{
    count_request, same_address, status_of, EmailKind, EmailState, Language,
    MAX_MESSAGES_PER_EMAIL, VERIFY_LINK_LIFETIME_MS,
};
use crate::error::RelayError;
use confab_protocol::api::EmailStatus;
use confab_protocol::{Author, Channel, ClientMessageId, Message, Seq};

/// The address, in `meta`.
const STATE_KEY: &str = "email";
/// When verification emails were asked for (JSON array of ms), in `meta`.
const REQUESTS_KEY: &str = "email_requests";

impl Thread {
    fn email_state(&self) -> Outcome<Option<EmailState>> {
        self.meta_json(STATE_KEY)
    }

    fn set_email_state(&self, state: Option<&EmailState>) -> Outcome<()> {
        match state {
            Some(state) => self.set_meta_json(STATE_KEY, state),
            None => {
                self.delete_meta(STATE_KEY)?;
                Ok(())
            }
        }
    }

    /// What the widget is told of the address, for a session.
    pub(super) fn email_status(&self) -> Outcome<Option<EmailStatus>> {
        Ok(self.email_state()?.as_ref().map(status_of))
    }

    /// Answers an [`EmailCall`].
    pub(super) async fn email(&self, call: EmailCall) -> Outcome<EmailAnswer> {
        Ok(match call {
            EmailCall::Request {
                address,
                language,
                policy,
            } => {
                if self.policy()?.brand != policy.brand {
                    return Err(RelayError::NotFound("thread".into()));
                }
                self.set_policy(&policy)?;
                self.request_email(address, language).await?;
                EmailAnswer::Done
            }
            EmailCall::Verify { nonce } => self.verify_email(&nonce).await?,
            EmailCall::Remove { nonce } => {
                self.remove_email(nonce.as_deref()).await?;
                EmailAnswer::Done
            }
            EmailCall::Current { nonce } => match self.email_state()? {
                Some(state) if state.verified && state.nonce == nonce => EmailAnswer::Current {
                    brand: self.policy()?.brand,
                },
                _ => return Err(RelayError::InvalidEmailLink),
            },
            EmailCall::Compose {
                kind,
                delay_seconds,
            } => EmailAnswer::Composed(self.compose_email(kind, delay_seconds)?),
            EmailCall::Sent { up_to } => {
                self.emailed(up_to)?;
                EmailAnswer::Done
            }
            EmailCall::Inbound {
                from,
                client_id,
                text,
            } => EmailAnswer::Inbound {
                added: self.email_inbound(&from, client_id, text).await?,
            },
        })
    }

    /// Keeps `address` unverified (in place of any address before) and queues its
    /// verification email, unless the thread asked too often.
    async fn request_email(&self, address: String, language: Language) -> Outcome<()> {
        let current = self.email_state()?;
        if current
            .as_ref()
            .is_some_and(|state| state.verified && same_address(&state.address, &address))
        {
            return Ok(());
        }
        let mut requests: Vec<u64> = self.meta_json(REQUESTS_KEY)?.unwrap_or_default();
        let now = now();
        count_request(&mut requests, now)
            .map_err(|retry_after| RelayError::RateLimited { retry_after })?;
        self.set_meta_json(REQUESTS_KEY, &requests)?;
        // What the team wrote before the address was given is not emailed.
        let last = self.number("SELECT MAX(seq) AS value FROM messages", None)?;
        let state = EmailState {
            address,
            nonce: crate::edge::random_id()?,
            verified: false,
            verify_expires_at: now + VERIFY_LINK_LIFETIME_MS,
            language,
            seen_seq: last.unwrap_or(0),
            replies_pending: false,
        };
        self.set_email_state(Some(&state))?;
        let lane = self.add_job(
            Target::Email {
                email: EmailKind::Verification { nonce: state.nonce },
            },
            None,
        )?;
        self.pump(&lane).await
    }

    /// A verification link was followed: the pending address is verified, once, and the
    /// thread says so (a notice the widget, the transcript and the team see).
    async fn verify_email(&self, nonce: &str) -> Outcome<EmailAnswer> {
        let Some(mut state) = self.email_state()? else {
            return Err(RelayError::InvalidEmailLink);
        };
        if state.nonce != nonce || state.verified || now() >= state.verify_expires_at {
            return Err(RelayError::InvalidEmailLink);
        }
        state.verified = true;
        // Replies from now on are emailed; what came before, the visitor saw or will see.
        let last = self.number("SELECT MAX(seq) AS value FROM messages", None)?;
        state.seen_seq = state.seen_seq.max(last.unwrap_or(0));
        self.set_email_state(Some(&state))?;
        let text = match state.language {
            Language::En => format!("Replies will be emailed to {}", state.address),
            Language::ZhCn => format!("回复将发送到邮箱 {}", state.address),
        };
        self.email_notice(format!("email-verified:{nonce}"), text)
            .await?;
        Ok(EmailAnswer::Verified {
            address: state.address,
            language: state.language,
        })
    }

    /// Removes the address (only the one `nonce` names, if given).
    async fn remove_email(&self, nonce: Option<&str>) -> Outcome<()> {
        let Some(state) = self.email_state()? else {
            return Ok(());
        };
        if nonce.is_some_and(|nonce| nonce != state.nonce) {
            return Ok(());
        }
        self.set_email_state(None)?;
        if state.verified {
            let text = match state.language {
                Language::En => "Replies are no longer emailed".to_string(),
                Language::ZhCn => "回复不再发送到邮箱".to_string(),
            };
            self.email_notice(format!("email-removed:{}", state.nonce), text)
                .await?;
        }
        Ok(())
    }

    /// Stores a notice of the relay's about the address.
    async fn email_notice(&self, client_id: String, text: String) -> Outcome<()> {
        self.store(Append {
            client_id: ClientMessageId::new(client_id),
            text,
            author: Author::System,
            channel: Channel::Email,
            sender: None,
            attachments: Vec::new(),
            policy: self.policy()?,
            replies: Vec::new(),
        })
        .await?;
        Ok(())
    }

    /// The visitor has read up to `seq`: those replies are not emailed.
    pub(super) fn email_seen(&self, seq: Seq) -> Outcome<()> {
        if let Some(mut state) = self.email_state()? {
            if seq.0 > state.seen_seq {
                state.seen_seq = seq.0;
                self.set_email_state(Some(&state))?;
            }
        }
        Ok(())
    }

    /// A team reply to a verified address: a replies job, unless one is waiting already.
    /// Returns its lane, to [`Thread::pump`]. Synchronous, to be stored with the message.
    pub(super) fn plan_email(&self, message: &Message) -> Outcome<Option<String>> {
        if !matches!(message.author, Author::Agent | Author::Bot) {
            return Ok(None);
        }
        let Some(mut state) = self.email_state()?.filter(|state| state.verified) else {
            return Ok(None);
        };
        // A job still deciding takes this reply too (one that was given up does not count).
        let waiting = self.number(
            "SELECT COUNT(*) AS value FROM outbox WHERE lane = 'email' \
             AND json_extract(job, '$.target.email') = 'replies'",
            None,
        )?;
        if state.replies_pending && waiting.unwrap_or(0) > 0 {
            return Ok(None);
        }
        state.replies_pending = true;
        self.set_email_state(Some(&state))?;
        let lane = self.add_job(
            Target::Email {
                email: EmailKind::Replies,
            },
            None,
        )?;
        Ok(Some(lane))
    }

    /// What an email job sends now. A replies job that decides (to send, or that there is
    /// nothing to) is no longer pending: later replies get a job of their own.
    fn compose_email(&self, kind: EmailKind, delay_seconds: u32) -> Outcome<Composed> {
        let replies = kind == EmailKind::Replies;
        let composed = self.decide_email(kind, delay_seconds)?;
        if replies && !matches!(composed, Composed::Wait { .. }) {
            if let Some(mut state) = self.email_state()?.filter(|state| state.replies_pending) {
                state.replies_pending = false;
                self.set_email_state(Some(&state))?;
            }
        }
        Ok(composed)
    }

    fn decide_email(&self, kind: EmailKind, delay_seconds: u32) -> Outcome<Composed> {
        let Some(state) = self.email_state()? else {
            return Ok(Composed::Nothing);
        };
        let brand_name = self.policy()?.brand_name;
        match kind {
            EmailKind::Verification { nonce } if !state.verified && nonce == state.nonce => {
                Ok(Composed::Verification {
                    address: state.address,
                    nonce: state.nonce,
                    expires_at: state.verify_expires_at,
                    language: state.language,
                    brand_name,
                })
            }
            EmailKind::Verification { .. } => Ok(Composed::Nothing),
            EmailKind::Replies if !state.verified => Ok(Composed::Nothing),
            EmailKind::Replies => {
                let unseen: Vec<Message> = self.rows(
                    &format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq > ? \
                         AND author IN ('agent', 'bot') ORDER BY seq"
                    ),
                    vec![sql_int(state.seen_seq)?],
                )?;
                let (Some(oldest), Some(latest)) = (unseen.first(), unseen.last()) else {
                    return Ok(Composed::Nothing);
                };
                let due = oldest
                    .created_at
                    .0
                    .saturating_add(u64::from(delay_seconds) * 1000);
                let now = now();
                if now < due {
                    let seconds = (due - now).div_ceil(1000);
                    return Ok(Composed::Wait {
                        seconds: u32::try_from(seconds).unwrap_or(u32::MAX),
                    });
                }
                let up_to = latest.seq;
                let skip = unseen.len().saturating_sub(MAX_MESSAGES_PER_EMAIL);
                Ok(Composed::Replies {
                    address: state.address,
                    nonce: state.nonce,
                    language: state.language,
                    brand_name,
                    replies: unseen.into_iter().skip(skip).collect(),
                    up_to,
                })
            }
        }
    }

    /// The replies up to `up_to` were emailed: they count as seen.
    fn emailed(&self, up_to: Seq) -> Outcome<()> {
        if let Some(mut state) = self.email_state()? {
            if up_to.0 > state.seen_seq {
                state.seen_seq = up_to.0;
                self.set_email_state(Some(&state))?;
            }
        }
        Ok(())
    }

    /// A reply email: stored as the visitor's (channel `email`) if it is from the thread's
    /// verified address; a redelivery (same client id) adds nothing. Returns whether it was
    /// stored now.
    async fn email_inbound(&self, from: &str, client_id: String, text: String) -> Outcome<bool> {
        let verified = self
            .email_state()?
            .filter(|state| state.verified && same_address(&state.address, from));
        let Some(mut state) = verified else {
            return Err(RelayError::NotFound("the thread's email address".into()));
        };
        let (message, created) = self
            .store(Append {
                client_id: ClientMessageId::new(client_id),
                text,
                author: Author::Visitor,
                channel: Channel::Email,
                sender: None,
                attachments: Vec::new(),
                policy: self.policy()?,
                replies: Vec::new(),
            })
            .await?;
        // Who answers has read what came before.
        if message.seq.0 > state.seen_seq {
            state.seen_seq = message.seq.0;
            self.set_email_state(Some(&state))?;
        }
        Ok(created)
    }
}
