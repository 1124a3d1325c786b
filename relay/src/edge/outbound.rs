//! The outbound queue's consumer: delivers each job through its connector and does what
//! [`next_step`] says — done (the message is marked delivered), again after a delay (the job
//! is enqueued anew, its counters moved on), refused (the message is marked failed with the
//! reason's sentence), or dead: the job goes to `confab-outbound-dead`, whose consumer keeps
//! a record in D1 and marks the message failed.
//!
//! What a provider said never reaches a visitor or the brand's webhook: a message shows a
//! [`FailureReason`]'s sentence (and, on the wire, its code); the provider's words, scrubbed
//! of tokens and URL paths ([`crate::connector::scrub`]), go to the log and the job's
//! dead-letter record. Calls to providers do not follow redirects, and their answers are
//! read within the same timeout as their headers, up to [`MAX_ANSWER_BYTES`].
//!
//! Jobs travel as JSON text. Retries are new messages rather than the queue's own retry, so
//! that each carries its attempt count and the delay the provider asked for; the queue's
//! retry (and, after it, the dead-letter queue) still catches a consumer that crashes.

mod directory;
mod stored_form;
pub mod telegram;
mod webhook;
pub mod wechat;
pub mod whatsapp;

use super::d1::Db;
use super::http::internal;
use super::thread::{self, Buried, LaneSettled, StatusChange, ThreadCall};
use super::wire_name;
use crate::connector::{Delivery, FailureReason};
use crate::delivery::{next_step, Job, Step, Target};
use crate::error::RelayError;
use confab_protocol::{BrandId, DeliveryStatus};
use futures_util::future::{join_all, select, Either};
use serde::{Deserialize, Serialize};
use std::pin::pin;
use std::time::Duration;
use worker::wasm_bindgen::JsValue;
use worker::{event, Context, Env, MessageBatch, MessageBuilder, MessageExt, RawMessage};

/// The dead-letter queue's name (as in `wrangler.toml`).
const DEAD_QUEUE: &str = "confab-outbound-dead";

/// The first retry delay, unless `DELIVERY_RETRY_BASE_SECONDS` says otherwise (the tests set
/// 0, to see many attempts quickly).
const DEFAULT_RETRY_BASE_SECONDS: u32 = 2;

/// How long a listing waits on the queue unless `LISTING_DELAY_SECONDS` says otherwise: the
/// inbox shows a new message a second later at most, and a thread that gets several a
/// second lists them once.
const DEFAULT_LISTING_DELAY_SECONDS: u32 = 1;

/// Puts a job on the outbound queue, to run after `delay_seconds`.
pub async fn enqueue(env: &Env, job: &Job, delay_seconds: u32) -> Result<(), RelayError> {
    // A push waits for its due time (the brand's delay after the reply), however it is
    // sent; so does the assistant's answer (the brand's `afterSeconds`).
    let delay_seconds = match &job.target {
        Target::Push { due_at, .. } | Target::Assistant { due_at } => {
            let wait_ms = due_at.saturating_sub(worker::Date::now().as_millis());
            delay_seconds.max(u32::try_from(wait_ms.div_ceil(1000)).unwrap_or(u32::MAX))
        }
        // A thread's listing waits a moment on the queue: the listings of the messages
        // that follow meanwhile replace one another in the outbox, so a busy thread costs
        // D1 and the inbox one listing per moment, not one per message.
        Target::Directory {
            fact: crate::directory::Fact::Listed(_),
        } => delay_seconds.max(listing_delay(env)),
        _ => delay_seconds,
    };
    let text = serde_json::to_string(job).map_err(internal)?;
    crate::meter::queued(text.len());
    env.queue("OUTBOUND")
        .map_err(internal)?
        .send(
            MessageBuilder::new(text)
                .delay_seconds(delay_seconds)
                .build(),
        )
        .await
        .map_err(internal)
}

/// The queue handler, for both the outbound queue and its dead-letter queue.
#[event(queue)]
pub async fn consume(batch: MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    let dead = batch.queue() == DEAD_QUEUE;
    crate::meter::one(crate::meter::Use::QueueBatches);
    crate::meter::amount(crate::meter::Use::QueueMessagesIn, batch.raw_iter().count());
    // The batch's jobs go side by side: at most one job of a lane is ever out, so none of
    // them waits for another, and one slow provider does not hold up the rest.
    let news = super::inbox::InboxNews::default();
    join_all(
        batch
            .raw_iter()
            .map(|message| handle(&env, message, dead, &news)),
    )
    .await;
    // The summaries the batch wrote to D1 go to their brands' inboxes, one call each.
    news.tell(&env).await;
    Ok(())
}

/// One message of a batch: its job attempted (or buried), then acknowledged, or left to
/// the queue's own retry if the relay itself failed.
async fn handle(env: &Env, message: RawMessage, dead: bool, news: &super::inbox::InboxNews) {
    let text = message.body().as_string();
    // An inbound message waiting for its sender's link is looked up again; one that
    // reached the dead-letter queue (its lookups kept failing) is dropped, with a log.
    if let Some(waiting) = text
        .as_deref()
        .and_then(crate::awaiting::AwaitingLink::from_queue_text)
    {
        match dead {
            true => {
                worker::console_error!("waiting message {} given up", message.id());
                message.ack();
            }
            false => match super::awaiting::consume(env, waiting).await {
                Ok(()) => message.ack(),
                Err(error) => {
                    worker::console_error!("waiting message {}: {error}", message.id());
                    message.retry();
                }
            },
        }
        return;
    }
    let job = text.and_then(|text| serde_json::from_str::<Job>(&text).ok());
    let Some(job) = job else {
        // Not a job of this version: nothing can deliver it; keeping it would only loop.
        worker::console_error!("dropping an undecodable job {}", message.id());
        message.ack();
        return;
    };
    let handled = if dead {
        bury(env, job).await
    } else {
        attempt(env, job, news).await
    };
    match handled {
        Ok(()) => message.ack(),
        Err(error) => {
            worker::console_error!("job {}: {error}", message.id());
            message.retry();
        }
    }
}

/// One attempt at a job, and what follows it. The job is claimed from its thread's outbox
/// first (a stale copy, or one of an erased thread, is dropped) and settled after.
async fn attempt(
    env: &Env,
    mut job: Job,
    news: &super::inbox::InboxNews,
) -> Result<(), RelayError> {
    if !thread::claim(env, &job).await? {
        worker::console_log!("job {} settled or superseded: dropped", job.id);
        return Ok(());
    }
    let mut parts_sent = job.parts_sent;
    let delivery = match &job.target {
        Target::Telegram | Target::TeamNote { .. } => {
            telegram::deliver(env, &job, &mut parts_sent).await
        }
        Target::Assistant { due_at } => super::assistant::deliver(env, &job, *due_at).await,
        Target::Webhook { event } => webhook::deliver(env, &job, *event).await,
        Target::Whatsapp { wa_id, window_open } => {
            whatsapp::deliver(env, &job, wa_id, *window_open, &mut parts_sent).await
        }
        Target::Wechat {
            open_id,
            window_open,
        } => wechat::deliver(env, &job, open_id, *window_open, &mut parts_sent).await,
        Target::Directory { fact } => directory::write(env, &job, fact, news).await,
        Target::Files => match super::files::erase_thread(env, &job.thread).await {
            Ok(()) => Delivery::Delivered,
            Err(error) => Delivery::retry(
                crate::connector::FailureReason::ProviderUnavailable,
                format!("R2: {error}"),
            ),
        },
        // Replies not due yet come back later, without using an attempt.
        Target::Email { email } => match super::email::deliver(env, &job, email.clone()).await {
            Ok(delivery) => delivery,
            Err(seconds) => return super::email::postpone(env, job, seconds).await,
        },
        Target::Push { endpoint, .. } => super::push::deliver(env, &job, endpoint).await,
    };
    // What went already of a delivery in parts is not sent again by a retry.
    job.parts_sent = parts_sent;
    if let Delivery::Delivered = delivery {
        worker::console_log!(
            "delivered {:?} for {} after {} ms",
            job.target,
            job.thread,
            worker::Date::now()
                .as_millis()
                .saturating_sub(job.enqueued_at)
        );
    }
    let delivers_message = job.delivers_message();
    let tracks_failure = job.tracks_failure();
    let seq = job.message.as_ref().map(|message| message.seq);
    let thread = job.thread.clone();
    let mut settled = LaneSettled {
        job_id: job.id.clone(),
        generation: job.generation,
        lane: job.lane(),
        again_in_seconds: None,
        status: None,
    };
    match next_step(job, delivery, retry_base(env), random_unit()) {
        Step::Done => {
            settled.status = seq.filter(|_| delivers_message).map(|seq| StatusChange {
                seq,
                status: DeliveryStatus::Delivered,
                failure: None,
            });
        }
        Step::Again { job, delay_seconds } => {
            enqueue(env, &job, delay_seconds).await?;
            settled.again_in_seconds = Some(delay_seconds);
        }
        Step::Refused { failure } => {
            worker::console_warn!("delivery for {thread} refused: {failure}");
            settled.status = seq.filter(|_| tracks_failure).map(|seq| StatusChange {
                seq,
                status: DeliveryStatus::Failed,
                failure: Some(failure.visitor_text().to_string()),
            });
        }
        Step::Dead { job } => {
            // The dead-letter consumer marks the message failed; the lane moves on now.
            let text = serde_json::to_string(&job).map_err(internal)?;
            crate::meter::queued(text.len());
            env.queue("OUTBOUND_DEAD")
                .map_err(internal)?
                .send(text)
                .await
                .map_err(internal)?;
        }
    }
    // The job is settled in its thread's outbox, which moves the message's ticks too.
    thread::settle(env, &thread, &settled).await
}

/// A job given up: its thread takes it out of its outbox, marks its message failed, and
/// records it for the operator (a fact for D1, so that erasure forgets it like the rest).
async fn bury(env: &Env, job: Job) -> Result<(), RelayError> {
    // The record's reason is also what the message shows: the reason's sentence. The
    // provider's (scrubbed) words stay in the log and in the recorded job.
    let reason = job.given_up_text();
    worker::console_error!(
        "job {} for {} given up after {} attempts: {}",
        job.id,
        job.thread,
        job.attempts.max(1),
        job.last_error
            .as_deref()
            .map(crate::connector::scrub)
            .unwrap_or_default()
    );
    let target = match &job.target {
        Target::Telegram => "telegram".to_string(),
        Target::Webhook { event } => format!("webhook {}", wire_name(event).unwrap_or_default()),
        Target::Whatsapp { .. } => "whatsapp".to_string(),
        Target::Wechat { .. } => "wechat".to_string(),
        Target::Directory { .. } => "directory".to_string(),
        Target::Files => "files".to_string(),
        Target::Email { .. } => "email".to_string(),
        Target::Push { .. } => "push".to_string(),
        Target::Assistant { .. } => "assistant".to_string(),
        Target::TeamNote { .. } => "telegram note".to_string(),
    };
    let thread = job.thread.clone();
    let buried = Buried {
        job,
        reason,
        target,
    };
    match thread::act(env, &thread, &ThreadCall::Bury(buried)).await {
        // An erased thread keeps no record of anything.
        Ok(()) | Err(RelayError::ThreadErased) => Ok(()),
        Err(other) => Err(other),
    }
}

/// A job given up, as the admin API lists it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadJob {
    /// The thread.
    #[serde(alias = "thread_id")]
    pub thread_id: String,
    /// Where it was going.
    pub target: String,
    /// Why it was given up.
    pub reason: String,
    /// When (ms since the epoch).
    #[serde(alias = "failed_at")]
    pub failed_at: u64,
}

/// The brand's most recent dead jobs.
pub async fn dead_jobs(env: &Env, brand: &BrandId) -> Result<Vec<DeadJob>, RelayError> {
    Db::new(env)?
        .all(
            "SELECT thread_id, target, reason, failed_at FROM dead_jobs \
             WHERE brand_id = ?1 ORDER BY id DESC LIMIT 100",
            &[super::d1::text(brand.as_str())],
        )
        .await
}

/// How long a listing waits on the queue (`LISTING_DELAY_SECONDS`; the tests set 0).
fn listing_delay(env: &Env) -> u32 {
    env.var("LISTING_DELAY_SECONDS")
        .ok()
        .and_then(|value| value.to_string().parse().ok())
        .unwrap_or(DEFAULT_LISTING_DELAY_SECONDS)
}

fn retry_base(env: &Env) -> u32 {
    env.var("DELIVERY_RETRY_BASE_SECONDS")
        .ok()
        .and_then(|value| value.to_string().parse().ok())
        .unwrap_or(DEFAULT_RETRY_BASE_SECONDS)
}

/// A random number in `[0, 1)`, for jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// A Worker secret's value, or a refusal naming (for the operator's log) what to set.
pub(super) fn secret(env: &Env, name: &str) -> Result<String, Delivery> {
    env.secret(name)
        .map(|secret| secret.to_string())
        .map_err(|_| {
            Delivery::refused(
                FailureReason::NotConfigured,
                format!("the Worker secret {name} is not set"),
            )
        })
}

/// A setting (Worker variable) with a default.
pub(super) fn setting(env: &Env, name: &str, default: &str) -> String {
    env.var(name)
        .map(|value| value.to_string())
        .unwrap_or_else(|_| default.to_string())
}

/// What an HTTP exchange with a provider came to, when no answer arrived at all.
pub(super) fn unreachable(error: impl std::fmt::Display) -> Delivery {
    Delivery::retry(
        FailureReason::ProviderUnavailable,
        format!("unreachable: {error}"),
    )
}

/// An answer from a provider: its status, `Retry-After` (seconds), `Location` (of a
/// redirect, which is not followed) and body (empty for a redirect, or when not asked for).
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) retry_after: Option<u32>,
    pub(super) location: Option<String>,
    pub(super) body: String,
}

/// The most of a provider's answer the relay reads. Bot API and Graph API answers are a
/// few kilobytes (a sent message echoed back); anything larger is not an answer to read.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// How long a provider may take to answer, unless `DELIVERY_TIMEOUT_SECONDS` says otherwise.
/// Without a limit a provider that never answers would hold the job (and, in an ordered
/// lane, every message after it) for as long as the platform lets the consumer run.
const DEFAULT_TIMEOUT_SECONDS: u64 = 15;

/// How long a provider may take to answer.
pub(super) fn delivery_timeout(env: &Env) -> Duration {
    let seconds = env
        .var("DELIVERY_TIMEOUT_SECONDS")
        .ok()
        .and_then(|value| value.to_string().parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    Duration::from_secs(seconds)
}

/// POSTs JSON to a provider and reads its answer, the body too if `read_body` (at most
/// [`MAX_ANSWER_BYTES`] of it), all within `timeout`: no answer at all, or no whole answer
/// in time, is a [`Delivery::Retry`] (the provider may or may not have acted on it). A
/// redirect is not followed (`redirect: manual`), and its body is not read.
pub(super) async fn post_json(
    timeout: Duration,
    url: &str,
    body: &str,
    headers: &[(&str, &str)],
    read_body: bool,
) -> Result<Answer, Delivery> {
    crate::meter::amount(crate::meter::Use::SubrequestBytesOut, body.len());
    let body = Body {
        content_type: "application/json",
        value: JsValue::from_str(body),
    };
    post(timeout, url, body, headers, read_body).await
}

/// A request body and its type.
pub(super) struct Body<'a> {
    pub(super) content_type: &'a str,
    pub(super) value: JsValue,
}

/// [`post_json`] for a body of any type (a `multipart/form-data` form, say).
pub(super) async fn post(
    timeout: Duration,
    url: &str,
    body: Body<'_>,
    headers: &[(&str, &str)],
    read_body: bool,
) -> Result<Answer, Delivery> {
    fetch_answer(timeout, url, Some(body), headers, read_body).await
}

/// GETs a provider's answer, body and all, by the same rules as [`post_json`] (a lookup
/// the console's connector test makes, say).
pub(super) async fn get(
    timeout: Duration,
    url: &str,
    headers: &[(&str, &str)],
) -> Result<Answer, Delivery> {
    fetch_answer(timeout, url, None, headers, true).await
}

/// One exchange with a provider: a `POST` of `body`, or a `GET` without one.
async fn fetch_answer(
    timeout: Duration,
    url: &str,
    body: Option<Body<'_>>,
    headers: &[(&str, &str)],
    read_body: bool,
) -> Result<Answer, Delivery> {
    let mut init = worker::RequestInit::new();
    let request_headers = worker::Headers::new();
    if let Some(body) = &body {
        request_headers
            .set("Content-Type", body.content_type)
            .map_err(unreachable)?;
    }
    for (name, value) in headers {
        request_headers.set(name, value).map_err(unreachable)?;
    }
    let method = match body {
        Some(body) => {
            init.with_body(Some(body.value));
            worker::Method::Post
        }
        None => worker::Method::Get,
    };
    init.with_method(method)
        .with_headers(request_headers)
        .with_redirect(worker::RequestRedirect::Manual);
    let request = worker::Request::new_with_init(url, &init).map_err(|error| {
        Delivery::refused(
            FailureReason::NotConfigured,
            format!("bad provider URL {url}: {error}"),
        )
    })?;
    let abort = worker::AbortController::default();
    let signal = abort.signal();
    crate::meter::one(crate::meter::Use::Subrequests);
    let exchange = async move {
        let mut response = worker::Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(unreachable)?;
        let status = response.status_code();
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let retry_after = header("Retry-After").and_then(|value| value.trim().parse().ok());
        let location = header("Location");
        let redirected = (300..400).contains(&status);
        let body = match read_body && !redirected {
            true => read_answer(&mut response).await?,
            false => String::new(),
        };
        Ok(Answer {
            status,
            retry_after,
            location,
            body,
        })
    };
    match select(pin!(exchange), worker::Delay::from(timeout)).await {
        Either::Left((answer, _)) => answer,
        Either::Right(((), _)) => {
            abort.abort();
            Err(Delivery::retry(
                FailureReason::TimedOut,
                format!("no whole answer within {} s", timeout.as_secs()),
            ))
        }
    }
}

/// A provider's answer, read chunk by chunk up to [`MAX_ANSWER_BYTES`]: a larger one is
/// a [`Delivery::Retry`] (what it says is unknown), its rest left unread.
async fn read_answer(response: &mut worker::Response) -> Result<String, Delivery> {
    use futures_util::StreamExt;
    let mut chunks = match response.stream() {
        Ok(chunks) => chunks,
        // Not a stream: no body, or one already in memory.
        Err(_) => return Ok(response.text().await.unwrap_or_default()),
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(unreachable)?;
        if chunk.len() > MAX_ANSWER_BYTES.saturating_sub(bytes.len()) {
            // Dropping the stream cancels it.
            return Err(Delivery::retry(
                FailureReason::TooLarge,
                format!("an answer of more than {MAX_ANSWER_BYTES} bytes"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
