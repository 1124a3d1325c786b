//! Threads: the Worker's side of the calls to a thread's Durable Object ([`object::Thread`]).
//!
//! The Worker has already authorised the caller; the object trusts these internal calls.
//! Each thread is the Durable Object named by its id.

mod object;

use super::http::internal;
use crate::error::RelayError;
use confab_protocol::{Author, BrandId, Channel, ClientMessageId, ThreadId};
use serde::{Deserialize, Serialize};
use worker::{wasm_bindgen::JsValue, Env, Headers, Method, Request, RequestInit, Response};

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
}

/// The body of the internal call `POST /init`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Init {
    brand: BrandId,
}

/// Creates a thread's storage for `brand` (idempotent).
pub async fn init(env: &Env, thread: &ThreadId, brand: &BrandId) -> Result<(), RelayError> {
    let body = serde_json::to_string(&Init {
        brand: brand.clone(),
    })
    .map_err(internal)?;
    let response = call(env, thread, Method::Post, "/init", Some(body)).await?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(internal(format!("thread init answered {status}"))),
    }
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
pub async fn append(
    env: &Env,
    thread: &ThreadId,
    message: &Append,
) -> Result<Response, RelayError> {
    let body = serde_json::to_string(message).map_err(internal)?;
    call(env, thread, Method::Post, "/messages", Some(body)).await
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

/// Calls the thread's object and re-wraps its answer so the caller can add headers.
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
    let bytes = answer.bytes().await.map_err(internal)?;
    let headers = Headers::new();
    headers
        .set("Content-Type", "application/json")
        .map_err(internal)?;
    Ok(Response::from_bytes(bytes)
        .map_err(internal)?
        .with_status(status)
        .with_headers(headers))
}
