//! Threads: the Worker's side of the calls to a thread's Durable Object ([`object::Thread`]).
//!
//! The Worker has already authorised the caller; the object trusts these internal calls.
//! Each thread is the Durable Object named by its id. Calls that can change the brand's
//! policy for the thread carry it, so the object always applies the brand's current rules.

mod object;

use super::http::internal;
use crate::brand::{Brand, RateLimit};
use crate::connector::Forwarding;
use crate::delivery::{Job, VisitorContext};
use crate::error::RelayError;
use confab_protocol::{
    Author, BrandId, Channel, ClientMessageId, DeliveryStatus, ReadReceipts, Seq, ThreadId,
    WhatsappWindow,
};
use serde::{Deserialize, Serialize};
use worker::{wasm_bindgen::JsValue, Env, Method, Request, RequestInit, Response};

/// The brand's rules for one thread, as the object stores them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The thread's own id (the object does not otherwise know its name).
    pub thread: ThreadId,
    /// The brand.
    pub brand: BrandId,
    /// The brand's display name, for transcripts.
    pub brand_name: String,
    /// Erase the thread after this long without a message.
    pub retention_ms: u64,
    /// How fast the visitor may send.
    pub rate: RateLimit,
    /// Whether reads are reported.
    pub read_receipts: ReadReceipts,
    /// Which of the brand's connectors the thread's messages go to.
    #[serde(default)]
    pub forward: Forwarding,
}

impl Policy {
    /// The policy of `brand` for `thread`.
    pub fn new(brand: &Brand, thread: &ThreadId) -> Self {
        Policy {
            thread: thread.clone(),
            brand: brand.id.clone(),
            brand_name: brand.settings.name.clone(),
            retention_ms: brand.retention_ms(),
            rate: brand.settings.visitor_rate_limit,
            read_receipts: brand.settings.read_receipts,
            forward: brand.settings.connectors.forwarding(),
        }
    }
}

/// A message to add to a thread (internal call `POST /messages`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Append {
    /// The sender's id for the message, for de-duplication.
    pub client_id: ClientMessageId,
    /// The text, already validated.
    pub text: String,
    /// Who wrote it.
    pub author: Author,
    /// Where it was written.
    pub channel: Channel,
    /// The brand's current rules.
    pub policy: Policy,
}

/// A session for a thread (internal call `POST /init`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Init {
    /// The brand's current rules.
    pub policy: Policy,
    /// What the visitor's page says about itself (kept from the thread's first session).
    #[serde(default)]
    pub context: VisitorContext,
}

/// A message's new delivery status (internal call `POST /status`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusChange {
    /// The message.
    pub seq: Seq,
    /// Its new status.
    pub status: DeliveryStatus,
    /// Why it failed, for `failed`.
    #[serde(default)]
    pub failure: Option<String>,
}

/// A consumer about to attempt a job (internal call `POST /lane/claim`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LaneClaim {
    /// The job.
    pub job_id: String,
    /// Its copy.
    pub generation: u32,
}

/// What an attempt at a job came to (internal call `POST /lane/settle`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LaneSettled {
    /// The job.
    pub job_id: String,
    /// Its copy.
    pub generation: u32,
    /// Its lane ([`Job::lane`]).
    pub lane: String,
    /// Enqueued again, to run after this many seconds; `None`: finished.
    #[serde(default)]
    pub again_in_seconds: Option<u32>,
    /// The message's new status, when finishing moves its ticks.
    #[serde(default)]
    pub status: Option<StatusChange>,
}

/// `POST /lane/claim`: whether this copy of a job is the one to attempt (false: the job is
/// settled, a newer copy is out, or the thread was erased).
pub async fn claim(env: &Env, job: &Job) -> Result<bool, RelayError> {
    let claim = LaneClaim {
        job_id: job.id.clone(),
        generation: job.generation,
    };
    let body = serde_json::to_string(&claim).map_err(internal)?;
    let mut answer = call(env, &job.thread, Method::Post, "/lane/claim", Some(body)).await?;
    if answer.status_code() != 200 {
        return match expect_success(answer).await {
            Err(RelayError::ThreadErased) => Ok(false),
            other => other.map(|()| false),
        };
    }
    #[derive(Deserialize)]
    struct Claimed {
        current: bool,
    }
    let claimed: Claimed = answer.json().await.map_err(internal)?;
    Ok(claimed.current)
}

/// `POST /lane/settle`: what an attempt at a job came to (an erased thread has nothing
/// left to settle).
pub async fn settle(env: &Env, thread: &ThreadId, settled: &LaneSettled) -> Result<(), RelayError> {
    let body = serde_json::to_string(settled).map_err(internal)?;
    unless_erased(
        expect_success(call(env, thread, Method::Post, "/lane/settle", Some(body)).await?).await,
    )
}

/// An erased thread's ticks are gone with it: nothing to do is not a failure.
fn unless_erased(result: Result<(), RelayError>) -> Result<(), RelayError> {
    match result {
        Err(RelayError::ThreadErased) => Ok(()),
        other => other,
    }
}

/// A text the visitor wrote on WhatsApp (internal call `POST /whatsapp`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WhatsappInbound {
    /// The visitor's WhatsApp id.
    pub wa_id: String,
    /// WhatsApp's id of the message (redeliveries repeat it).
    pub wamid: String,
    /// The text.
    pub text: String,
    /// When it was sent (ms).
    pub sent_at: u64,
    /// Whether it carried a valid link code: the thread is linked to `wa_id` now.
    pub links: bool,
    /// The brand's current rules.
    pub policy: Policy,
}

/// `POST /whatsapp`: a visitor's WhatsApp message (or the one that links the thread).
pub async fn whatsapp_inbound(env: &Env, inbound: &WhatsappInbound) -> Result<(), RelayError> {
    let body = serde_json::to_string(inbound).map_err(internal)?;
    let thread = &inbound.policy.thread;
    expect_success(call(env, thread, Method::Post, "/whatsapp", Some(body)).await?).await
}

/// What a thread says of itself when a session starts.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Started {
    /// Its WhatsApp link and window, if any.
    #[serde(default)]
    pub whatsapp: Option<WhatsappWindow>,
}

/// Creates a thread, or refreshes an existing thread's policy (`POST /init`). Fails with
/// [`RelayError::ThreadErased`] if the thread was erased.
pub async fn init(env: &Env, init: &Init) -> Result<Started, RelayError> {
    let body = serde_json::to_string(init).map_err(internal)?;
    let mut answer = call(env, &init.policy.thread, Method::Post, "/init", Some(body)).await?;
    if answer.status_code() != 200 {
        expect_success(answer).await?;
        return Ok(Started::default());
    }
    answer.json().await.map_err(internal)
}

/// `GET /agent-view`: the thread as the team of `brand` sees it (404 for another brand's).
pub async fn agent_view(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
    query: &str,
) -> Result<Response, RelayError> {
    let path = format!("/agent-view?brand={brand}&{query}");
    call(env, thread, Method::Get, &path, None).await
}

/// `POST /agent-read`: the team has read the visitor's messages up to `seq`.
pub async fn agent_read(env: &Env, thread: &ThreadId, seq: u64) -> Result<Response, RelayError> {
    let body = serde_json::json!({ "seq": seq }).to_string();
    call(env, thread, Method::Post, "/agent-read", Some(body)).await
}

/// `POST /status`: a delivery moved a message's ticks (delivered, or failed with a reason);
/// an erased thread has no ticks left to move.
pub async fn set_status(
    env: &Env,
    thread: &ThreadId,
    change: &StatusChange,
) -> Result<(), RelayError> {
    let body = serde_json::to_string(change).map_err(internal)?;
    unless_erased(
        expect_success(call(env, thread, Method::Post, "/status", Some(body)).await?).await,
    )
}

/// `GET /messages?<query>`: a page of history, passed through as the object wrote it.
pub async fn list_messages(
    env: &Env,
    thread: &ThreadId,
    query: &str,
) -> Result<Response, RelayError> {
    call(
        env,
        thread,
        Method::Get,
        &format!("/messages?{query}"),
        None,
    )
    .await
}

/// `POST /messages`: appends a message, or returns the one with the same client id.
pub async fn append(env: &Env, message: &Append) -> Result<Response, RelayError> {
    let body = serde_json::to_string(message).map_err(internal)?;
    call(
        env,
        &message.policy.thread,
        Method::Post,
        "/messages",
        Some(body),
    )
    .await
}

/// `POST /read`: marks the team's messages up to `seq` as read.
pub async fn mark_read(env: &Env, thread: &ThreadId, seq: u64) -> Result<Response, RelayError> {
    let body = serde_json::json!({ "seq": seq }).to_string();
    call(env, thread, Method::Post, "/read", Some(body)).await
}

/// `GET /transcript`: every message of the thread.
pub async fn transcript(env: &Env, thread: &ThreadId) -> Result<Response, RelayError> {
    call(env, thread, Method::Get, "/transcript", None).await
}

/// `DELETE /`: erases the thread.
pub async fn erase(env: &Env, thread: &ThreadId) -> Result<Response, RelayError> {
    call(env, thread, Method::Delete, "/", None).await
}

/// `POST /tickets`: a single-use WebSocket ticket.
pub async fn create_ticket(env: &Env, thread: &ThreadId) -> Result<Response, RelayError> {
    call(env, thread, Method::Post, "/tickets", None).await
}

/// `GET /ws?<query>`: hands the upgrade request to the object, whose answer (101 with the
/// socket, or an error) goes back untouched.
pub async fn open_socket(
    env: &Env,
    thread: &ThreadId,
    query: &str,
    request: &Request,
) -> Result<Response, RelayError> {
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(request.headers().clone());
    let upgrade =
        Request::new_with_init(&format!("https://thread/ws?{query}"), &init).map_err(internal)?;
    stub(env, thread)?
        .fetch_with_request(upgrade)
        .await
        .map_err(internal)
}

fn stub(env: &Env, thread: &ThreadId) -> Result<worker::Stub, RelayError> {
    env.durable_object("THREAD")
        .and_then(|namespace| namespace.get_by_name(thread.as_str()))
        .map_err(internal)
}

/// Turns an error answer of the object back into the error it stands for.
async fn expect_success(mut response: Response) -> Result<(), RelayError> {
    match response.status_code() {
        200..=299 => Ok(()),
        410 => Err(RelayError::ThreadErased),
        status => {
            let body = response.text().await.unwrap_or_default();
            Err(internal(format!("thread answered {status}: {body}")))
        }
    }
}

/// Calls the thread's object and re-wraps its answer, with all its headers (`Retry-After`,
/// `Allow`, …), in a response whose headers the caller can still change.
async fn call(
    env: &Env,
    thread: &ThreadId,
    method: Method,
    path_and_query: &str,
    body: Option<String>,
) -> Result<Response, RelayError> {
    let stub = stub(env, thread)?;
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        init.with_body(Some(JsValue::from_str(&body)));
    }
    let request = Request::new_with_init(&format!("https://thread{path_and_query}"), &init)
        .map_err(internal)?;
    let mut answer = stub.fetch_with_request(request).await.map_err(internal)?;
    let status = answer.status_code();
    // A copy: the headers of a fetched response are immutable.
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.map_err(internal)?;
    Ok(Response::from_bytes(bytes)
        .map_err(internal)?
        .with_status(status)
        .with_headers(headers))
}
