//! Delivering to the brand's webhook: the event as JSON, signed with the brand's secret.

use super::{delivery_timeout, post_json, secret};
use crate::connector::webhook::{self, Event, EventKind, SIGNATURE_HEADER};
use crate::connector::{by_status, Delivery};
use crate::delivery::Job;
use crate::edge::brands;
use confab_protocol::Timestamp;
use worker::Env;

/// POSTs the job's event to the brand's webhook.
pub async fn deliver(env: &Env, job: &Job, kind: EventKind) -> Delivery {
    let brand = match brands::load(env, job.brand.as_str()).await {
        Ok(brand) => brand,
        Err(error) => {
            return Delivery::Retry {
                reason: error.to_string(),
                after_seconds: None,
            }
        }
    };
    let Some(settings) = brand.settings.connectors.webhook else {
        return Delivery::Refused {
            reason: "the brand has no webhook".into(),
        };
    };
    // Checked again here: settings may have reached D1 without the admin API.
    let allow_local = super::setting(env, "CONFAB_ENV", "production") == "development";
    if let Err(reason) = webhook::check_url(&settings.url, allow_local) {
        return Delivery::Refused { reason };
    }
    let key = match secret(env, &settings.secret) {
        Ok(key) => key,
        Err(refused) => return refused,
    };
    let now = worker::Date::now().as_millis();
    let event = Event {
        id: job.id.clone(),
        kind,
        created_at: Timestamp(now),
        brand: job.brand.clone(),
        thread_id: job.thread.clone(),
        message: job.message.clone(),
    };
    let Ok(body) = serde_json::to_string(&event) else {
        return Delivery::Refused {
            reason: "the event could not be encoded".into(),
        };
    };
    let signature = match webhook::sign(key.as_bytes(), now / 1000, &body) {
        Ok(signature) => signature,
        Err(error) => {
            return Delivery::Refused {
                reason: error.to_string(),
            }
        }
    };
    match post_json(
        delivery_timeout(env),
        &settings.url,
        &body,
        &[(SIGNATURE_HEADER, &signature)],
    )
    .await
    {
        Ok(answer) => by_status(answer.status, answer.retry_after, "the brand's webhook"),
        Err(unreachable) => unreachable,
    }
}
