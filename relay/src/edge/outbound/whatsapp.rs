//! Delivering to the visitor's WhatsApp: the team's answers (as text within the 24-hour
//! window, as the brand's template outside it, or refused with 131047's reason) and the
//! confirmation that the thread is linked. The id WhatsApp gives each sent message is kept,
//! so that its delivery and read statuses can move the message's ticks. Files go as media
//! ([`media`]), and the visitor's media come in through [`download`].

use super::{delivery_timeout, post_json, secret, setting, Answer};
use crate::connector::whatsapp::{self, linked_confirmation, WhatsappSettings, WINDOW_CLOSED};
use crate::connector::{Delivery, FailureReason};
use crate::delivery::Job;
use crate::edge::brands;
use crate::edge::d1::{number, text, Db};
use crate::edge::thread::{self, StatusChange};
use crate::edge::wire_name;
use crate::error::RelayError;
use crate::resolution::replies::with_lines;
use confab_protocol::{Author, DeliveryStatus, Message, Seq, ThreadId};
use worker::wasm_bindgen::JsValue;
use worker::Env;

mod media;

pub use media::download;

/// The Graph API's address, unless `WHATSAPP_API_BASE` names another (the tests' fake).
const DEFAULT_API_BASE: &str = "https://graph.facebook.com";

/// The Graph API's base address.
pub fn api_base(env: &Env) -> String {
    setting(env, "WHATSAPP_API_BASE", DEFAULT_API_BASE)
}

/// Sends a job's message to `wa_id`. A message with files goes in parts (a text, then each
/// file, [`media`]); `parts_sent` counts those that went (a retry starts after them).
pub async fn deliver(
    env: &Env,
    job: &Job,
    wa_id: &str,
    window_open: bool,
    parts_sent: &mut u32,
) -> Delivery {
    match send(env, job, wa_id, window_open, parts_sent).await {
        Ok(()) => Delivery::Delivered,
        Err(delivery) => delivery,
    }
}

async fn send(
    env: &Env,
    job: &Job,
    wa_id: &str,
    window_open: bool,
    parts_sent: &mut u32,
) -> Result<(), Delivery> {
    let brand = brands::load(env, job.brand.as_str())
        .await
        .map_err(|error| Delivery::retry(FailureReason::Unknown, error.to_string()))?;
    let settings = brand.settings.connectors.whatsapp.clone().ok_or_else(|| {
        Delivery::refused(
            FailureReason::NotConfigured,
            "the brand has no WhatsApp number",
        )
    })?;
    let message = job.message.as_ref().ok_or_else(|| {
        Delivery::refused(FailureReason::Unknown, "a WhatsApp job without a message")
    })?;
    let body = if message.author == Author::System {
        whatsapp::send_text(wa_id, &linked_confirmation(&brand.settings.name))
    } else if window_open && !message.attachments.is_empty() {
        let number = Number::of(env, &settings)?;
        let text = crate::connector::team_text(
            &Message {
                attachments: Vec::new(),
                ..message.clone()
            },
            brand.settings.show_agent_names,
        );
        // Quick replies cannot be buttons here: they go as lines under the text.
        let text = with_lines(&text, &message.replies);
        return media::send(env, &number, job, message, wa_id, &text, parts_sent).await;
    } else if window_open {
        whatsapp::send_text(
            wa_id,
            &with_lines(
                &crate::connector::team_text(message, brand.settings.show_agent_names),
                &message.replies,
            ),
        )
    } else if let Some(template) = &settings.template {
        whatsapp::send_template(wa_id, template)
    } else {
        return Err(Delivery::refused(
            FailureReason::WindowClosed,
            format!("outside WhatsApp's 24-hour window ({WINDOW_CLOSED}), and no template"),
        ));
    };
    let number = Number::of(env, &settings)?;
    number
        .send_message(env, job, message.seq, &body, parts_sent)
        .await
}

/// A brand's number at the Cloud API: where calls go, and with which token.
struct Number {
    base: String,
    timeout: std::time::Duration,
    token: String,
    phone_number_id: String,
}

impl Number {
    fn of(env: &Env, settings: &WhatsappSettings) -> Result<Number, Delivery> {
        Ok(Number {
            base: api_base(env),
            timeout: delivery_timeout(env),
            token: secret(env, &settings.access_token_secret)?,
            phone_number_id: settings.phone_number_id.clone(),
        })
    }

    fn authorization(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Sends one message (`body`), counts it in `parts_sent`, and keeps its `wamid` for
    /// `seq`'s ticks. A message that went is done even if keeping its id fails: sending it
    /// again would show it twice, which is worse than ticks that do not move.
    async fn send_message(
        &self,
        env: &Env,
        job: &Job,
        seq: Seq,
        body: &str,
        parts_sent: &mut u32,
    ) -> Result<(), Delivery> {
        let url = whatsapp::messages_url(&self.base, &self.phone_number_id);
        let authorization = self.authorization();
        // WhatsApp's words may quote the token it was sent: it is taken out of any failure.
        let wamid = post_json(
            self.timeout,
            &url,
            body,
            &[("Authorization", &authorization)],
            true,
        )
        .await
        .and_then(|Answer { status, body, .. }| whatsapp::read_send_answer(status, &body))
        .map_err(|failed| failed.without(&self.token))?;
        *parts_sent += 1;
        if let Err(error) = remember(env, &wamid, &job.thread, seq).await {
            worker::console_error!("keeping WhatsApp's id of {}: {error}", job.thread);
        }
        Ok(())
    }
}

/// How long a status may wait for its message's WhatsApp id to be known (ms).
const EARLY_STATUS_LIFETIME_MS: u64 = 24 * 3600 * 1000;

/// A status of a message whose WhatsApp id the relay does not know (yet): kept until it
/// does. Written, then the id looked up again, so that a send recording the id at the same
/// moment cannot miss it (each side writes before it reads; applying twice is harmless, a
/// status only moves forward).
pub async fn keep_early_status(
    env: &Env,
    wamid: &str,
    status: DeliveryStatus,
    failure: Option<String>,
) -> Result<(), RelayError> {
    let now = worker::Date::now().as_millis();
    let db = Db::new(env)?;
    db.run(
        "DELETE FROM whatsapp_early_statuses WHERE received_at < ?1",
        &[number(now.saturating_sub(EARLY_STATUS_LIFETIME_MS))],
    )
    .await?;
    let status = wire_name(&status)?;
    db.run(
        "INSERT INTO whatsapp_early_statuses (wamid, status, failure, received_at) \
         VALUES (?1, ?2, ?3, ?4)",
        &[
            text(wamid),
            text(&status),
            failure.map_or(JsValue::NULL, |failure| text(&failure)),
            number(now),
        ],
    )
    .await?;
    match sent_message(env, wamid).await? {
        Some((thread, seq)) => apply_early_statuses(env, wamid, &thread, seq).await,
        None => Ok(()),
    }
}

/// Moves a message's ticks by the statuses that came before its WhatsApp id was known.
async fn apply_early_statuses(
    env: &Env,
    wamid: &str,
    thread: &ThreadId,
    seq: Seq,
) -> Result<(), RelayError> {
    #[derive(serde::Deserialize)]
    struct Early {
        status: DeliveryStatus,
        failure: Option<String>,
    }
    let early: Vec<Early> = Db::new(env)?
        .all(
            "DELETE FROM whatsapp_early_statuses WHERE wamid = ?1 RETURNING status, failure",
            &[text(wamid)],
        )
        .await?;
    for Early { status, failure } in early {
        let change = StatusChange {
            seq,
            status,
            failure,
        };
        thread::set_status(env, thread, &change).await?;
    }
    Ok(())
}

/// Keeps which message a WhatsApp id stands for, and applies any status that came first.
async fn remember(env: &Env, wamid: &str, thread: &ThreadId, seq: Seq) -> Result<(), RelayError> {
    Db::new(env)?
        .run(
            "INSERT INTO whatsapp_messages (wamid, thread_id, seq) VALUES (?1, ?2, ?3) \
             ON CONFLICT (wamid) DO NOTHING",
            &[text(wamid), text(thread.as_str()), number(seq.0)],
        )
        .await?;
    apply_early_statuses(env, wamid, thread, seq).await
}

/// The message a WhatsApp id stands for, if the relay sent it.
pub async fn sent_message(env: &Env, wamid: &str) -> Result<Option<(ThreadId, Seq)>, RelayError> {
    #[derive(serde::Deserialize)]
    struct Row {
        thread_id: String,
        seq: f64,
    }
    let row: Option<Row> = Db::new(env)?
        .first(
            "SELECT thread_id, seq FROM whatsapp_messages WHERE wamid = ?1",
            &[text(wamid)],
            None,
        )
        .await?;
    Ok(row.map(|row| (ThreadId::new(row.thread_id), Seq(row.seq as u64))))
}
