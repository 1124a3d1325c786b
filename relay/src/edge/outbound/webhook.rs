//! Delivering to the brand's webhook: the event as JSON, signed with the brand's secret.

use super::{delivery_timeout, post_json, secret};
use crate::connector::webhook::{self, Event, EventKind, SIGNATURE_HEADER};
use crate::connector::{by_status, Delivery, FailureReason};
use crate::delivery::Job;
use crate::edge::brands;
use confab_protocol::Timestamp;
use worker::Env;

/// POSTs the job's event to the brand's webhook.
pub async fn deliver(env: &Env, job: &Job, kind: EventKind) -> Delivery {
    let brand = match brands::load(env, job.brand.as_str()).await {
        Ok(brand) => brand,
        Err(error) => return Delivery::retry(FailureReason::Unknown, error.to_string()),
    };
    let Some(settings) = brand.settings.connectors.webhook else {
        return Delivery::refused(FailureReason::NotConfigured, "the brand has no webhook");
    };
    // Checked again here: settings may have reached D1 without the admin API.
    let allow_local = super::setting(env, "CONFAB_ENV", "production") == "development";
    // The request goes to exactly the URL that was judged, as parsed.
    let url = match webhook::checked_url(&settings.url, allow_local) {
        Ok(url) => url,
        Err(reason) => return Delivery::refused(FailureReason::NotConfigured, reason),
    };
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
        return Delivery::refused(FailureReason::Unknown, "the event could not be encoded");
    };
    let signature = match webhook::sign(key.as_bytes(), now / 1000, &body) {
        Ok(signature) => signature,
        Err(error) => return Delivery::refused(FailureReason::Unknown, error.to_string()),
    };
    // Only the status counts: the answer's body is not read.
    let answer = post_json(
        delivery_timeout(env),
        url.as_str(),
        &body,
        &[(SIGNATURE_HEADER, &signature)],
        false,
    )
    .await;
    let delivery = match answer {
        Ok(answer) => {
            let detail = match &answer.location {
                Some(location) => format!("the brand's webhook, redirecting to {location}"),
                None => "the brand's webhook".to_string(),
            };
            by_status(answer.status, answer.retry_after, &detail)
        }
        Err(unreachable) => unreachable,
    };
    delivery.without(&key)
}
