//! Delivering to the visitor's WhatsApp: the team's answers (as text within the 24-hour
//! window, as the brand's template outside it, or refused with 131047's reason) and the
//! confirmation that the thread is linked. The id WhatsApp gives each sent message is kept,
//! so that its delivery and read statuses can move the message's ticks.

use super::{post_json, secret, setting, Answer};
use crate::connector::whatsapp::{self, linked_confirmation, WINDOW_CLOSED};
use crate::connector::Delivery;
use crate::delivery::Job;
use crate::edge::brands;
use crate::edge::http::internal;
use crate::error::RelayError;
use confab_protocol::{Author, Seq, ThreadId};
use worker::wasm_bindgen::JsValue;
use worker::Env;

/// The Graph API's address, unless `WHATSAPP_API_BASE` names another (the tests' fake).
const DEFAULT_API_BASE: &str = "https://graph.facebook.com";

/// Sends a job's message to `wa_id`.
pub async fn deliver(env: &Env, job: &Job, wa_id: &str, window_open: bool) -> Delivery {
    match send(env, job, wa_id, window_open).await {
        Ok(()) => Delivery::Delivered,
        Err(delivery) => delivery,
    }
}

async fn send(env: &Env, job: &Job, wa_id: &str, window_open: bool) -> Result<(), Delivery> {
    let brand = brands::load(env, job.brand.as_str())
        .await
        .map_err(|error| Delivery::Retry {
            reason: error.to_string(),
            after_seconds: None,
        })?;
    let settings = brand
        .settings
        .connectors
        .whatsapp
        .clone()
        .ok_or_else(|| Delivery::Refused {
            reason: "the brand has no WhatsApp number".into(),
        })?;
    let message = job.message.as_ref().ok_or_else(|| Delivery::Refused {
        reason: "a WhatsApp job without a message".into(),
    })?;
    let body = if message.author == Author::System {
        whatsapp::send_text(wa_id, &linked_confirmation(&brand.settings.name))
    } else if window_open {
        whatsapp::send_text(wa_id, &message.text)
    } else if let Some(template) = &settings.template {
        whatsapp::send_template(wa_id, template)
    } else {
        return Err(Delivery::Refused {
            reason: format!("outside WhatsApp's 24-hour window ({WINDOW_CLOSED})"),
        });
    };
    let token = secret(env, &settings.access_token_secret)?;
    let base = setting(env, "WHATSAPP_API_BASE", DEFAULT_API_BASE);
    let url = whatsapp::messages_url(&base, &settings.phone_number_id);
    let authorization = format!("Bearer {token}");
    let Answer { status, body, .. } =
        post_json(&url, &body, &[("Authorization", &authorization)]).await?;
    let wamid = whatsapp::read_send_answer(status, &body)?;
    remember(env, &wamid, &job.thread, message.seq)
        .await
        .map_err(|error| Delivery::Retry {
            reason: error.to_string(),
            after_seconds: None,
        })
}

/// Keeps which message a WhatsApp id stands for.
async fn remember(env: &Env, wamid: &str, thread: &ThreadId, seq: Seq) -> Result<(), RelayError> {
    env.d1("DB")
        .map_err(internal)?
        .prepare(
            "INSERT INTO whatsapp_messages (wamid, thread_id, seq) VALUES (?1, ?2, ?3) \
             ON CONFLICT (wamid) DO NOTHING",
        )
        .bind(&[
            JsValue::from_str(wamid),
            JsValue::from_str(thread.as_str()),
            JsValue::from_f64(seq.0 as f64),
        ])
        .map_err(internal)?
        .run()
        .await
        .map_err(internal)?;
    Ok(())
}

/// The message a WhatsApp id stands for, if the relay sent it.
pub async fn sent_message(env: &Env, wamid: &str) -> Result<Option<(ThreadId, Seq)>, RelayError> {
    #[derive(serde::Deserialize)]
    struct Row {
        thread_id: String,
        seq: f64,
    }
    let row: Option<Row> = env
        .d1("DB")
        .map_err(internal)?
        .prepare("SELECT thread_id, seq FROM whatsapp_messages WHERE wamid = ?1")
        .bind(&[JsValue::from_str(wamid)])
        .map_err(internal)?
        .first(None)
        .await
        .map_err(internal)?;
    Ok(row.map(|row| (ThreadId::new(row.thread_id), Seq(row.seq as u64))))
}
