//! The brand's inbox socket: one `Inbox` Durable Object per brand ([`object`]) holds the
//! sockets of the brand's console (hibernated, as a thread's are) and sends each of them
//! [`InboxFrame::Thread`] whenever a thread's summary changes.
//!
//! It is fed from the queue's consumer, never from a send's path: once a batch's `Listed`
//! facts are in D1, the consumer makes one [`InboxCall::Changed`] per brand with the new
//! summaries ([`InboxNews`]). A socket opens as a thread's does: `POST
//! /v1/agent/inbox/tickets` (agent key or console cookie) signs a one-minute ticket naming
//! the brand, `GET /v1/agent/inbox/ws?ticket=…` checks it in the Worker and hands the
//! upgrade to the brand's object, which spends its nonce.
//!
//! The object sees every thread change of its brand as it happens, so it is the home of
//! the brand's Insights roll-up ([`crate::insights`]): the same per-batch call carries each
//! listed thread's figures and the erased threads, kept in the object's own SQLite
//! (`object/rollup.rs`) and asked for with [`InboxCall::Insights`], [`InboxCall::Export`]
//! and [`InboxCall::ExpectedReply`] ([`ask`]).

mod object;

use super::http::internal;
use crate::error::RelayError;
use crate::insights::api::{Cursor, Range};
use crate::insights::ThreadFigures;
use crate::token::{InboxTicketClaims, TokenSigner, TICKET_LIFETIME_MS};
use confab_protocol::{BrandId, BusinessHours, SocketTicket, ThreadId, ThreadSummary, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit, Response};

/// The header an upgrade carries its [`OpenInbox`] in (a socket's request has no body).
const CALL_HEADER: &str = "X-Confab-Inbox";

/// A call from the Worker (or the consumer) to a brand's inbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(
    tag = "call",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum InboxCall {
    /// These threads of the brand changed: their new summaries, for every socket.
    Changed {
        /// The summaries, in the order their facts were written.
        threads: Vec<ThreadSummary>,
        /// The listed threads' Insights figures, for the roll-up.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        figures: Vec<ThreadFigures>,
        /// Threads erased: out of the roll-up for good.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        forgotten: Vec<ThreadId>,
    },
    /// The report over a range; answers [`crate::insights::Insights`].
    Insights {
        /// What the report covers.
        query: InsightsQuery,
    },
    /// A page of the conversations started in a range; answers
    /// [`crate::insights::api::Page`].
    Export {
        /// The range.
        range: Range,
        /// Where the page starts.
        #[serde(default)]
        cursor: Option<Cursor>,
        /// How many conversations.
        limit: usize,
    },
    /// The brand's expected reply time, in minutes; answers `Option<u32>`.
    ExpectedReply {
        /// Now (ms).
        now: u64,
        /// The brand's hours.
        #[serde(default)]
        hours: Option<BusinessHours>,
    },
    /// Test seeding (development relays only): these figures, taken as the queue's would
    /// be.
    Seed {
        /// The threads' figures.
        figures: Vec<ThreadFigures>,
    },
}

/// What an Insights report covers, as the Worker asks it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InsightsQuery {
    /// The range.
    pub range: Range,
    /// Now (ms).
    pub now: u64,
    /// The brand's hours (and their zone); none: always open, in UTC.
    #[serde(default)]
    pub hours: Option<BusinessHours>,
}

/// The one way to an inbox socket: the ticket's nonce (signature and expiry checked by the
/// Worker) and when it expires, until which the object remembers the nonce.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenInbox {
    /// The ticket's nonce.
    pub nonce: String,
    /// When the ticket expires (ms).
    pub expires_at: u64,
}

/// `POST /v1/agent/inbox/tickets`: a single-use ticket for the brand's inbox socket.
pub fn ticket(
    signer: &TokenSigner,
    brand: &BrandId,
    now: Timestamp,
) -> Result<Response, RelayError> {
    let claims = InboxTicketClaims {
        brand: brand.clone(),
        expires_at: Timestamp(now.0 + TICKET_LIFETIME_MS),
        nonce: super::random_id()?,
    };
    let ticket = SocketTicket {
        ticket: signer.sign_inbox_ticket(&claims),
        expires_at: claims.expires_at,
    };
    super::http::json(&ticket, 201)
}

/// `GET /v1/agent/inbox/ws?ticket=…`: the ticket (checked here, so that no object is
/// reached for a request that is not authorised) opens its brand's inbox socket.
pub async fn open(
    env: &Env,
    signer: &TokenSigner,
    ticket: &str,
    request: &Request,
    now: Timestamp,
) -> Result<Response, RelayError> {
    let upgrade = request.headers().get("Upgrade").map_err(internal)?;
    if !upgrade.is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
        return Err(RelayError::UpgradeRequired);
    }
    let claims = signer.verify_inbox_ticket(ticket, now)?;
    let open = OpenInbox {
        nonce: claims.nonce,
        expires_at: claims.expires_at.0,
    };
    let headers = request.headers().clone();
    headers
        .set(
            CALL_HEADER,
            &serde_json::to_string(&open).map_err(internal)?,
        )
        .map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let upgrade = Request::new_with_init("https://inbox/", &init).map_err(internal)?;
    let answer = stub(env, &claims.brand)?
        .fetch_with_request(upgrade)
        .await
        .map_err(internal)?;
    match answer.status_code() {
        101 => Ok(answer),
        401 => Err(RelayError::InvalidTicket),
        status => Err(internal(format!("the inbox answered {status}"))),
    }
}

/// Calls a brand's inbox.
async fn call(env: &Env, brand: &BrandId, call: &InboxCall) -> Result<(), RelayError> {
    send(env, brand, call).await.map(|_| ())
}

/// `thread` of `brand` was erased: its roll-up forgets it for good. Told at once rather than
/// with the batch's news, and an error for the caller to retry: unlike a listing, whose
/// figures the thread's next listing carries again, nothing would repair a lost erasure.
pub async fn forget(env: &Env, brand: &BrandId, thread: &ThreadId) -> Result<(), RelayError> {
    let news = InboxCall::Changed {
        threads: Vec::new(),
        figures: Vec::new(),
        forgotten: vec![thread.clone()],
    };
    call(env, brand, &news).await
}

/// Asks a brand's inbox and reads its JSON answer.
pub async fn ask<T: DeserializeOwned>(
    env: &Env,
    brand: &BrandId,
    call: &InboxCall,
) -> Result<T, RelayError> {
    let mut answer = send(env, brand, call).await?;
    let text = answer.text().await.map_err(internal)?;
    serde_json::from_str(&text).map_err(internal)
}

async fn send(env: &Env, brand: &BrandId, call: &InboxCall) -> Result<Response, RelayError> {
    let body = serde_json::to_string(call).map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&body)));
    let request = Request::new_with_init("https://inbox/", &init).map_err(internal)?;
    let answer = stub(env, brand)?
        .fetch_with_request(request)
        .await
        .map_err(internal)?;
    match answer.status_code() {
        200..=299 => Ok(answer),
        status => Err(internal(format!("the inbox answered {status}"))),
    }
}

fn stub(env: &Env, brand: &BrandId) -> Result<worker::Stub, RelayError> {
    env.durable_object("INBOX")
        .and_then(|namespace| namespace.get_by_name(brand.as_str()))
        .map_err(internal)
}

/// The summaries a queue batch wrote to D1, by brand: collected while its jobs run side by
/// side, then told to each brand's inbox in one call ([`InboxNews::tell`]).
#[derive(Default)]
pub struct InboxNews {
    changed: RefCell<BTreeMap<BrandId, Changes>>,
}

/// One brand's news of a batch.
#[derive(Default)]
struct Changes {
    threads: Vec<ThreadSummary>,
    figures: Vec<ThreadFigures>,
}

impl InboxNews {
    /// `summary` of a thread of `brand` is in D1 now (a later one of the same thread in the
    /// batch replaces it).
    /// `figures`, if the listing carried them, go to the roll-up (the newest version wins
    /// there, whatever order they arrive in).
    pub fn add(&self, brand: &BrandId, summary: ThreadSummary, figures: Option<ThreadFigures>) {
        let mut changed = self.changed.borrow_mut();
        let changes = changed.entry(brand.clone()).or_default();
        changes
            .threads
            .retain(|known: &ThreadSummary| known.thread_id != summary.thread_id);
        changes.threads.push(summary);
        if let Some(figures) = figures {
            changes.figures.push(figures);
        }
    }

    /// Tells each brand's inbox what changed. The facts are in D1 whatever happens here: a
    /// socket that misses news reads the list again when it reopens, so a failure is
    /// logged, not retried.
    pub async fn tell(self, env: &Env) {
        for (brand, changes) in self.changed.into_inner() {
            let count = changes.threads.len();
            let news = InboxCall::Changed {
                threads: changes.threads,
                figures: changes.figures,
                forgotten: Vec::new(),
            };
            if let Err(error) = call(env, &brand, &news).await {
                worker::console_error!("inbox {brand}: {count} threads not told: {error}");
            }
        }
    }
}

/// The optional body of `POST /v1/agent/threads/{id}/tickets`: the name the other team
/// sockets see while this one types (the console's member name; a backend may give one).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TeamTicketRequest {
    #[serde(default)]
    name: Option<String>,
}

/// The name a team socket shows when none is given.
const DEFAULT_TEAM_NAME: &str = "Team";

/// `POST /v1/agent/threads/{id}/tickets`: a ticket for the thread's socket as a team socket
/// of `brand` (another brand's thread is `thread_not_found`, 404, as the agent API says).
pub async fn team_ticket(
    request: &mut Request,
    env: &Env,
    signer: &TokenSigner,
    team: Team<'_>,
    thread: &ThreadId,
    now: Timestamp,
) -> Result<Response, RelayError> {
    let brand = team.brand;
    if let Some(member) = team.member {
        return sign_team_ticket(env, signer, brand, thread, member.to_string(), now).await;
    }
    let body = request.text().await.map_err(internal)?;
    let asked: TeamTicketRequest = match body.trim().is_empty() {
        true => TeamTicketRequest::default(),
        false => serde_json::from_str(&body).map_err(|error| RelayError::InvalidParameter {
            name: "body",
            reason: error.to_string(),
        })?,
    };
    let name = match asked.name {
        Some(name) => {
            confab_protocol::Sender {
                name,
                avatar_url: None,
            }
            .validated()
            .map_err(|reason| RelayError::InvalidParameter {
                name: "name",
                reason: reason.replace("sender.name", "name"),
            })?
            .name
        }
        None => DEFAULT_TEAM_NAME.to_string(),
    };
    sign_team_ticket(env, signer, brand, thread, name, now).await
}

/// Who asks for a team socket: the brand, and the member's name when a console session
/// asks (a backend's key names itself in the body).
pub struct Team<'a> {
    /// The brand the caller answers for.
    pub brand: &'a BrandId,
    /// The member's name, from their session.
    pub member: Option<&'a str>,
}

/// Signs a team socket's ticket for `name`, once the thread is known to be `brand`'s.
async fn sign_team_ticket(
    env: &Env,
    signer: &TokenSigner,
    brand: &BrandId,
    thread: &ThreadId,
    name: String,
    now: Timestamp,
) -> Result<Response, RelayError> {
    // Only a thread of the brand: its object answers 404 to another brand (no messages
    // are read: none come after the largest `seq`).
    let page = super::thread::PageRequest {
        after: crate::route::MAX_SEQ,
        limit: 1,
    };
    super::thread::agent_view(env, brand, thread, page).await?;
    let claims = crate::token::TicketClaims {
        thread: thread.clone(),
        expires_at: Timestamp(now.0 + TICKET_LIFETIME_MS),
        nonce: super::random_id()?,
        team: Some(name),
    };
    let ticket = SocketTicket {
        ticket: signer.sign_ticket(&claims),
        expires_at: claims.expires_at,
    };
    super::http::json(&ticket, 201)
}
