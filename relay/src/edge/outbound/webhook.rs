//! Delivering to the brand's webhook: the event as JSON, signed with the brand's secret.
//! A message's files carry absolute links that work for a day (`PUBLIC_ORIGIN`, else the
//! origin the thread was last reached at).

use super::{delivery_timeout, post_json, secret};
use crate::attachment::WEBHOOK_LINK_TTL_SECONDS;
use crate::connector::webhook::{self, Event, EventKind, SIGNATURE_HEADER};
use crate::connector::{by_status, Delivery, FailureReason};
use crate::delivery::Job;
use crate::edge::{brands, files};
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
    let mut message = job.message.clone();
    if let Some(message) = message.as_mut().filter(|m| !m.attachments.is_empty()) {
        // Absolute links that work for a day, under the relay's public origin.
        let origin = env
            .var("PUBLIC_ORIGIN")
            .map(|origin| origin.to_string())
            .ok()
            .or_else(|| job.relay_origin.clone())
            .unwrap_or_default();
        match files::links_for(env, WEBHOOK_LINK_TTL_SECONDS) {
            Ok(links) => links.fill(message, &job.thread, now / 1000, &origin),
            Err(error) => return Delivery::retry(FailureReason::NotConfigured, error.to_string()),
        }
    }
    let event = Event {
        id: job.id.clone(),
        kind,
        created_at: Timestamp(now),
        brand: job.brand.clone(),
        thread_id: job.thread.clone(),
        message,
        sources: job.sources.clone(),
        rating: job.rating.clone(),
        figures: job.figures.as_deref().cloned(),
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
