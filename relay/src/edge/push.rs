//! Web push at the edge: the visitor's API (`GET /v1/push/key`, `POST`, `GET` and `DELETE
//! /v1/threads/{id}/push`), the thread's [`PushCall`]s, and the delivery of a push job by
//! the queue's consumer — the reply encrypted for the browser ([`crate::push::encrypt`]),
//! signed for its push service ([`crate::push::vapid`]), and what the service answered
//! reported back to the thread.
//!
//! The VAPID key is the Worker secret `VAPID_PRIVATE_KEY` (base64url P-256 scalar) and its
//! contact the variable `VAPID_SUBJECT` (`mailto:` or `https:`). A brand turns push on with
//! `push` in its settings; without it the relay neither keeps subscriptions nor pushes.

use super::http::{self, internal};
use super::outbound::{delivery_timeout, post, setting, Body};
use super::thread::{self, ThreadAnswer, ThreadCall};
use crate::brand::Brand;
use crate::connector::{Delivery, FailureReason};
use crate::delivery::Job;
use crate::error::RelayError;
use crate::push::notification::TTL_SECONDS;
use crate::push::{encrypt, Notification, Subscription, VapidKey};
use confab_protocol::api::{
    PushDelivery, PushKey, PushSubscription, PushSubscriptions, PushUnsubscribe,
};
use confab_protocol::{BrandId, DeliveryStatus, ThreadId, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use worker::{Env, Request, Response};

/// A web push call to a thread's object.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "push", rename_all = "camelCase")]
pub enum PushCall {
    /// Keep a browser's subscription (replacing one with the same endpoint), and the
    /// brand's delay for the pushes that follow.
    Subscribe {
        /// The caller's brand (not found for another brand's thread).
        brand: BrandId,
        /// The subscription, checked.
        subscription: Subscription,
        /// The brand's delay before a reply unseen is pushed.
        delay_seconds: u32,
    },
    /// Forget a subscription.
    Unsubscribe {
        /// Its endpoint.
        endpoint: String,
    },
    /// A push of the reply `seq` fell due: answers the subscription if the reply is still
    /// unseen (and not followed by another reply) and the subscription still kept.
    Due {
        /// The reply.
        seq: u64,
        /// The subscription's endpoint.
        endpoint: String,
    },
    /// What a push came to: `gone` forgets the subscription.
    Outcome {
        /// The subscription's endpoint.
        endpoint: String,
        /// The push service said the subscription no longer exists (404, 410).
        gone: bool,
        /// Delivered, or failed for good.
        delivery: Option<PushDelivery>,
    },
    /// The thread's subscriptions and their last pushes.
    List,
}

/// What the object answers a [`PushCall`] with.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "push", rename_all = "camelCase")]
pub enum PushAnswer {
    /// Done.
    Done,
    /// For [`PushCall::Due`]: the subscription to push to, or none (seen, superseded or
    /// forgotten).
    Due {
        /// The subscription.
        subscription: Option<Subscription>,
    },
    /// For [`PushCall::List`].
    List {
        /// The subscriptions.
        subscriptions: Vec<confab_protocol::api::PushSubscriptionStatus>,
    },
}

async fn call(env: &Env, thread: &ThreadId, push: PushCall) -> Result<PushAnswer, RelayError> {
    match thread::call(env, thread, &ThreadCall::Push(push)).await? {
        ThreadAnswer::Push(answer) => Ok(answer),
        other => Err(internal(format!("unexpected answer {other:?}"))),
    }
}

/// The public key widgets subscribe with, if this relay can sign pushes (it has a VAPID
/// key and a contact, `VAPID_SUBJECT`). Every session of a pushing brand carries it, so it
/// is worked out (a P-256 multiplication) once per isolate, whose secrets do not change.
pub fn offered_key(env: &Env) -> Option<String> {
    static OFFERED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    OFFERED
        .get_or_init(|| {
            let subject = env.var("VAPID_SUBJECT").ok()?.to_string();
            let key = vapid_key(env).ok()?;
            (!subject.is_empty()).then(|| key.public_key())
        })
        .clone()
}

/// The relay's VAPID key, from its secret.
fn vapid_key(env: &Env) -> Result<VapidKey, RelayError> {
    let secret = env
        .secret("VAPID_PRIVATE_KEY")
        .map_err(|_| RelayError::PushUnavailable("the relay has no VAPID key".into()))?;
    VapidKey::from_secret(&secret.to_string()).map_err(|error| internal(error.to_string()))
}

/// `GET /v1/push/key`: the public key the widget subscribes with.
pub fn public_key(env: &Env) -> Result<Response, RelayError> {
    let key = PushKey {
        public_key: vapid_key(env)?.public_key(),
    };
    http::json(&key, 200)
}

/// `POST /v1/threads/{id}/push`: keeps the browser's subscription (the caller is
/// authorised for the thread). `allow_local`: a development relay takes http endpoints on
/// this machine.
pub async fn subscribe(
    request: &mut Request,
    env: &Env,
    brand: &Brand,
    thread: &ThreadId,
    allow_local: bool,
) -> Result<Response, RelayError> {
    let raw: PushSubscription = http::read_json(request).await?;
    let Some(settings) = brand.settings.push else {
        return Err(RelayError::PushUnavailable(
            "the brand has not turned web push on".into(),
        ));
    };
    vapid_key(env)?;
    let subscription = Subscription::check(&raw, allow_local)?;
    let push = PushCall::Subscribe {
        brand: brand.id.clone(),
        subscription,
        delay_seconds: settings.delay_seconds,
    };
    call(env, thread, push).await?;
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

/// `DELETE /v1/threads/{id}/push`: forgets one subscription (the caller is authorised).
pub async fn unsubscribe(
    request: &mut Request,
    env: &Env,
    thread: &ThreadId,
) -> Result<Response, RelayError> {
    let body: PushUnsubscribe = http::read_json(request).await?;
    let push = PushCall::Unsubscribe {
        endpoint: body.endpoint,
    };
    call(env, thread, push).await?;
    Ok(Response::empty().map_err(internal)?.with_status(204))
}

/// `GET /v1/threads/{id}/push`: the thread's subscriptions and their last pushes.
pub async fn list(env: &Env, thread: &ThreadId) -> Result<Response, RelayError> {
    match call(env, thread, PushCall::List).await? {
        PushAnswer::List { subscriptions } => http::json(&PushSubscriptions { subscriptions }, 200),
        other => Err(internal(format!("unexpected answer {other:?}"))),
    }
}

/// Delivers a push job: asks the thread whether the reply is still unseen, then POSTs the
/// encrypted notification to the subscription's push service and tells the thread what
/// came of it.
pub async fn deliver(env: &Env, job: &Job, endpoint: &str) -> Delivery {
    let Some(message) = job.message.as_ref() else {
        return Delivery::refused(FailureReason::Unknown, "a push job without its reply");
    };
    let brand = match super::brands::load(env, job.brand.as_str()).await {
        Ok(brand) => brand,
        Err(error) => return Delivery::retry(FailureReason::Unknown, error.to_string()),
    };
    if brand.settings.push.is_none() {
        return Delivery::refused(FailureReason::NotConfigured, "the brand turned push off");
    }
    let due = PushCall::Due {
        seq: message.seq.0,
        endpoint: endpoint.to_string(),
    };
    let subscription = match call(env, &job.thread, due).await {
        Ok(PushAnswer::Due {
            subscription: Some(subscription),
        }) => subscription,
        // Seen, followed by a later reply, or forgotten (an erased thread too): no push.
        Ok(_) | Err(RelayError::ThreadErased) => {
            worker::console_log!("push for {} not needed: seen or superseded", job.thread);
            return Delivery::Delivered;
        }
        Err(error) => return Delivery::retry(FailureReason::Unknown, error.to_string()),
    };
    let (delivery, gone) = send(env, job, &brand, &subscription).await;
    let status = match &delivery {
        Delivery::Delivered => Some((DeliveryStatus::Delivered, None)),
        Delivery::Refused { failure } => Some((DeliveryStatus::Failed, Some(failure.reason))),
        // Tried again later: nothing to record yet.
        _ => None,
    };
    if gone || status.is_some() {
        let outcome = PushCall::Outcome {
            endpoint: subscription.endpoint.clone(),
            gone,
            delivery: status.map(|(status, failure_code)| PushDelivery {
                status,
                at: Timestamp(worker::Date::now().as_millis()),
                failure_code,
            }),
        };
        if let Err(error) = call(env, &job.thread, outcome).await {
            // The push went (or failed for good) whatever the record says; a gone
            // subscription is refused again by its service next time.
            worker::console_error!("recording a push of {}: {error}", job.thread);
        }
    }
    delivery
}

/// Encrypts and POSTs the notification; returns what it came to, and whether the push
/// service said the subscription is gone.
async fn send(
    env: &Env,
    job: &Job,
    brand: &Brand,
    subscription: &Subscription,
) -> (Delivery, bool) {
    let refused = |detail: String| {
        (
            Delivery::refused(FailureReason::NotConfigured, detail),
            false,
        )
    };
    let key = match vapid_key(env) {
        Ok(key) => key,
        Err(error) => return refused(error.to_string()),
    };
    let subject = setting(env, "VAPID_SUBJECT", "");
    let now_seconds = worker::Date::now().as_millis() / 1000;
    let authorization = match key.authorization(&subscription.endpoint, &subject, now_seconds) {
        Ok(header) => header,
        Err(error) => return refused(format!("{error} (VAPID_SUBJECT)")),
    };
    let Some(message) = job.message.as_ref() else {
        return refused("a push job without its reply".into());
    };
    let note = Notification::for_reply(
        &brand.settings.name,
        message,
        job.thread.as_str(),
        job.context.page.as_deref(),
    );
    let (plaintext, padding) = note.payload();
    let Some((ua_public, auth)) = subscription.key_bytes() else {
        return refused("the subscription's keys do not decode".into());
    };
    // A fresh key pair and salt for every message (RFC 8291 §3.1).
    let (Ok(ephemeral), Ok(salt)) = (super::random_bytes::<32>(), super::random_bytes::<16>())
    else {
        return (
            Delivery::retry(FailureReason::Unknown, "no random numbers"),
            false,
        );
    };
    let body = match encrypt(&plaintext, &ua_public, &auth, &ephemeral, &salt, padding) {
        Ok(body) => body,
        // A random scalar out of range (odds 2^-32) is tried again with another.
        Err(error) => {
            return (
                Delivery::retry(FailureReason::Unknown, error.to_string()),
                false,
            )
        }
    };
    let ttl = TTL_SECONDS.to_string();
    let topic = topic(job.thread.as_str());
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Encoding", "aes128gcm"),
        ("TTL", ttl.as_str()),
        ("Urgency", "normal"),
        ("Topic", topic.as_str()),
    ];
    let bytes = worker::js_sys::Uint8Array::from(body.as_slice());
    let body = Body {
        content_type: "application/octet-stream",
        value: bytes.into(),
    };
    let answer = post(
        delivery_timeout(env),
        &subscription.endpoint,
        body,
        &headers,
        false,
    )
    .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(delivery) => return (delivery, false),
    };
    crate::push::by_status(answer.status, answer.retry_after)
}

/// The `Topic` header (RFC 8030 §5.4): one per thread, so a push service holding an
/// undelivered notification replaces it with the newer one. A hash, so the service does
/// not learn the thread's id.
fn topic(thread: &str) -> String {
    crate::push::b64(&Sha256::digest(thread.as_bytes())[..16])
}
