//! The Thread Durable Object: one per conversation, the single writer of its messages and
//! the one owner of every fact about its thread.
//!
//! Storage is the object's own SQLite database. A message's `seq` is its row id
//! (`AUTOINCREMENT`: strictly increasing, never reused), and `client_id` is `UNIQUE`, so a
//! retried send finds its first copy instead of adding a second. Each call runs its SQL
//! without awaiting in between, so the runtime commits it as one unit. The Worker's calls
//! are [`ThreadCall`]s; only a session's [`ThreadCall::Init`] creates the object's storage.
//!
//! Sockets use the hibernation API: the object may be evicted from memory while sockets stay
//! open. A socket opens with a single-use ticket and the last `seq` the client has; it gets
//! the missed messages, then `ready`, then every new message as it is stored ([`sockets`]).
//!
//! The object calls no third party: it keeps delivery jobs, and the facts D1 derives from
//! the thread ([`directory`]), in its outbox and puts them on the queue ([`outbound`],
//! [`lanes`]). Its one alarm re-sends jobs unheard of within their lease, and erases the
//! thread once it has been idle for the brand's retention period ([`alarm`]). Link codes
//! that carry the thread elsewhere are its own too ([`links`]).

mod alarm;
mod assistant;
mod directory;
mod email;
mod figures;
mod lanes;
mod links;
mod outbound;
mod push;
mod resolution;
mod sockets;
mod storage;
mod summary;
mod uploads;
mod wechat;

use super::super::http::{self, internal};
use super::super::wire_name;
use super::{Append, Init, OpenSocket, Policy, Started, ThreadAnswer, ThreadCall, CALL_HEADER};
use crate::edge::assistant::AssistantCall;
use crate::edge::resolution::ResolutionCall;
use crate::edge::sql::Sql;
use crate::error::RelayError;
use crate::meter::{self, Use};
use crate::rate::TokenBucket;
use confab_protocol::{
    AgentThread, Attachment, Author, DeliveryStatus, Message, MessageId, MessagePage, ReadReceipts,
    Seq, Timestamp,
};
use std::cell::{Cell, RefCell};
use worker::{
    durable_object, wasm_bindgen, DurableObject, Env, Request, Response, Result, SqlStorageValue,
    State, WebSocket, WebSocketIncomingMessage,
};

/// The most messages one page of a transcript holds (the Worker streams the pages).
const TRANSCRIPT_PAGE: u32 = 500;

/// Columns aliased to the wire names, so rows decode straight into [`Message`] (`sender`
/// and `attachments` are JSON text, made values by [`Thread::rows`]).
const MESSAGE_COLUMNS: &str = "id, client_id AS clientId, seq, author, channel, text, \
     created_at AS createdAt, status, failure, sender, attachments, replies";

/// One conversation thread.
#[durable_object]
pub struct Thread {
    state: State,
    env: Env,
    sql: Sql,
    schema_ready: Cell<bool>,
    /// The brand's rules, cached from `meta`.
    policy: RefCell<Option<Policy>>,
    /// The visitor's send budget; in memory, so approximate across evictions.
    bucket: RefCell<Option<TokenBucket>>,
    /// When the retention alarm is set for, as far as this instance knows.
    alarm_at: Cell<u64>,
    /// Whether the thread was erased, once read from `meta` (erasure is for good, so a
    /// `false` read stays true until this instance erases the thread itself).
    erased: Cell<Option<bool>>,
    /// The thread's WhatsApp link, once read from `meta` (`Some(None)`: not linked).
    whatsapp: RefCell<Option<Option<crate::delivery::WhatsappLink>>>,
    /// Whether this instance has looked for outbox jobs an earlier one left unsent.
    outbox_recovered: Cell<bool>,
    /// The `meta` rows this instance has read or written (`None`: no such row). Every
    /// write of `meta` goes through this instance, so the copy stays true, and a message
    /// reads its dozen facts from memory rather than with a statement each ([`storage`]).
    meta_cache: RefCell<std::collections::HashMap<String, Option<String>>>,
    /// Whether `meta_cache` holds every `meta` row (a key it lacks has no row).
    meta_loaded: Cell<bool>,
}

type Outcome<T> = std::result::Result<T, RelayError>;

fn now() -> u64 {
    worker::Date::now().as_millis()
}

impl DurableObject for Thread {
    fn new(state: State, env: Env) -> Self {
        meter::one(Use::ObjectStarts);
        Self {
            sql: Sql::new(state.storage().sql()),
            state,
            env,
            schema_ready: Cell::new(false),
            policy: RefCell::new(None),
            bucket: RefCell::new(None),
            alarm_at: Cell::new(0),
            erased: Cell::new(None),
            whatsapp: RefCell::new(None),
            outbox_recovered: Cell::new(false),
            meta_cache: RefCell::default(),
            meta_loaded: Cell::new(false),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        meter::one(Use::ObjectRequests);
        Ok(self
            .serve(&mut request)
            .await
            .unwrap_or_else(|error| http::error_response(&error)))
    }

    /// The one alarm serves two ends: jobs of the lanes unheard of within their lease, and
    /// the retention period. Each sets it again for its next time, if it is the earlier.
    async fn alarm(&self) -> Result<Response> {
        meter::one(Use::ObjectAlarms);
        self.alarm_at.set(0);
        if let Err(error) = self.wake().await {
            worker::console_error!("alarm: {error}");
        }
        Response::empty()
    }

    async fn websocket_message(
        &self,
        socket: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        meter::one(Use::SocketMessagesIn);
        if let WebSocketIncomingMessage::String(text) = message {
            self.socket_frame(&socket, &text).await;
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        socket: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        let _ = socket.close(Some(crate::edge::http::close_echo(code)), Some("closing"));
        Ok(())
    }

    async fn websocket_error(&self, _socket: WebSocket, _error: worker::Error) -> Result<()> {
        // The runtime has already closed the socket; nothing is kept per socket.
        Ok(())
    }
}

impl Thread {
    /// Answers one call of the Worker: an upgrade carries its [`OpenSocket`] in a header,
    /// any other call comes as JSON in the body.
    async fn serve(&self, request: &mut Request) -> Outcome<Response> {
        let upgrade = request.headers().get(CALL_HEADER).map_err(internal)?;
        if let Some(open) = upgrade {
            let open: OpenSocket = serde_json::from_str(&open).map_err(internal)?;
            self.open_existing()?;
            return self.open_socket(&open);
        }
        let call: ThreadCall = http::read_json(request).await?;
        match &call {
            ThreadCall::Init(_) => self.ensure_schema()?,
            _ => self.open_existing()?,
        }
        // An erased thread answers nothing but its outbox: the facts that make D1 forget it.
        if self.is_erased()?
            && !matches!(
                call,
                ThreadCall::Claim(_) | ThreadCall::Settle(_) | ThreadCall::Bury(_)
            )
        {
            return Err(RelayError::ThreadErased);
        }
        let answer = self.answer(call).await?;
        http::json(&answer, 200)
    }

    async fn answer(&self, call: ThreadCall) -> Outcome<ThreadAnswer> {
        // Changes the inbox shows that store no message of their own list the thread again.
        let relists = matches!(
            &call,
            ThreadCall::ReadByTeam { .. }
                | ThreadCall::Resolution(
                    ResolutionCall::Resolve { .. }
                        | ResolutionCall::Reopen { .. }
                        // A rating changes no list entry, but the figures it carries.
                        | ResolutionCall::Rate { .. }
                )
                | ThreadCall::Assistant(
                    AssistantCall::Reply { .. }
                        | AssistantCall::Handoff { .. }
                        | AssistantCall::Switch { .. }
                )
        );
        let answer = self.answer_call(call).await?;
        if relists {
            self.relist().await?;
        }
        Ok(answer)
    }

    async fn answer_call(&self, call: ThreadCall) -> Outcome<ThreadAnswer> {
        Ok(match call {
            ThreadCall::Init(init) => ThreadAnswer::Started(self.start_session(init).await?),
            ThreadCall::Append(append) => {
                // Only a thread of the caller's brand can be written to.
                if self.policy()?.brand != append.policy.brand {
                    return Err(RelayError::NotFound("thread".into()));
                }
                self.set_policy(&append.policy)?;
                let (message, created) = self.store(append).await?;
                ThreadAnswer::Stored {
                    message: self.with_links(message),
                    created,
                }
            }
            ThreadCall::History(page) => ThreadAnswer::Page(self.page(page.after, page.limit)?),
            ThreadCall::AgentView { brand, page } => {
                let policy = self.policy()?;
                if policy.brand != brand {
                    return Err(RelayError::NotFound("thread".into()));
                }
                let page = self.page(page.after, page.limit)?;
                ThreadAnswer::AgentView(AgentThread {
                    thread_id: policy.thread,
                    whatsapp: self.whatsapp_window()?,
                    wechat: self.wechat_window()?,
                    messages: page.messages,
                    has_more: page.has_more,
                    summary: Some(self.summary()?),
                })
            }
            ThreadCall::ReadByVisitor { seq } => {
                self.note_seen(seq)?;
                self.email_seen(seq)?;
                self.mark_read(seq)?;
                ThreadAnswer::Done
            }
            ThreadCall::ReadByTeam { brand, seq } => {
                if self.policy()?.brand != brand {
                    return Err(RelayError::NotFound("thread".into()));
                }
                self.mark_read_by_team(seq)?;
                ThreadAnswer::Done
            }
            ThreadCall::Whatsapp(inbound) => ThreadAnswer::Whatsapp {
                outcome: self.whatsapp_inbound(inbound).await?,
            },
            ThreadCall::Wechat(inbound) => ThreadAnswer::Wechat {
                outcome: self.wechat_inbound(inbound).await?,
            },
            ThreadCall::Status(change) => {
                self.change_status(change).await?;
                ThreadAnswer::Done
            }
            ThreadCall::Claim(claim) => ThreadAnswer::Claimed {
                current: self.claim(&claim).await?,
            },
            ThreadCall::Settle(settled) => {
                self.settle(settled).await?;
                ThreadAnswer::Done
            }
            ThreadCall::Bury(buried) => {
                self.bury(buried).await?;
                ThreadAnswer::Done
            }
            ThreadCall::Transcript(page) => ThreadAnswer::Transcript {
                brand_name: self.policy()?.brand_name,
                page: self.page(page.after, page.limit.min(TRANSCRIPT_PAGE))?,
            },
            ThreadCall::Erase => {
                self.erase().await?;
                ThreadAnswer::Done
            }
            ThreadCall::CreateLink(link) => {
                self.keep_link_code(&link)?;
                ThreadAnswer::Done
            }
            ThreadCall::RedeemLink { code } => {
                self.redeem_device_code(&code).await?;
                ThreadAnswer::Done
            }
            ThreadCall::Upload(record) => {
                self.record_upload(record).await?;
                ThreadAnswer::Done
            }
            ThreadCall::Push(call) => ThreadAnswer::Push(self.push(call)?),
            ThreadCall::Email(call) => ThreadAnswer::Email(self.email(call).await?),
            ThreadCall::Assistant(call) => ThreadAnswer::Assistant(self.assistant(call).await?),
            ThreadCall::Resolution(call) => ThreadAnswer::Resolution(self.resolution(call).await?),
        })
    }

    /// A session started: the thread is created (with its first listing in the brand's
    /// directory, in the same commit) or its policy refreshed; either way it is active now.
    async fn start_session(&self, init: Init) -> Outcome<Started> {
        let new = self.meta("policy")?.is_none();
        self.set_policy(&init.policy)?;
        self.remember_context(&init.context)?;
        let now = now();
        self.set_meta("last_activity", &now.to_string())?;
        let mut lanes = Vec::new();
        if new {
            self.set_meta("started_at", &now.to_string())?;
            lanes.extend(self.list()?);
            lanes.extend(self.plan_announcement()?);
        }
        self.schedule_expiry(now).await?;
        for lane in lanes {
            self.pump(&lane).await?;
        }
        let (resolved, rating) = self.resolution_status()?;
        Ok(Started {
            whatsapp: self.whatsapp_window()?,
            wechat: self.wechat_window()?,
            email: self.email_status()?,
            resolved,
            rating,
        })
    }

    /// The rows a statement returns, decoded (columns by name).
    fn rows<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        values: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> Outcome<Vec<T>> {
        let rows: Vec<serde_json::Value> = self
            .sql
            .exec(query, values)
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        rows.into_iter()
            .map(|mut row| {
                // A message's `sender` is stored as JSON text; on the wire it is an object.
                if let Some(sender) = row.get_mut("sender") {
                    *sender = match sender.as_str() {
                        Some(json) => serde_json::from_str(json).unwrap_or_default(),
                        None => serde_json::Value::Null,
                    };
                }
                // So are its files: an array, absent when it has none.
                if let Some(object) = row.as_object_mut() {
                    if let Some(serde_json::Value::String(json)) = object.remove("attachments") {
                        let files = serde_json::from_str(&json).unwrap_or_default();
                        object.insert("attachments".into(), files);
                    }
                    // And its quick replies: an array, absent when it offers none.
                    if let Some(serde_json::Value::String(json)) = object.remove("replies") {
                        let replies = serde_json::from_str(&json).unwrap_or_default();
                        object.insert("replies".into(), replies);
                    }
                }
                serde_json::from_value(row).map_err(internal)
            })
            .collect()
    }

    /// The one number a query selects, named `value` (`None` if it is NULL, as the MAX of
    /// no rows is).
    fn number(
        &self,
        query: &str,
        values: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> Outcome<Option<u64>> {
        #[derive(serde::Deserialize)]
        struct Row {
            value: Option<u64>,
        }
        let rows: Vec<Row> = self.rows(query, values)?;
        Ok(rows.first().and_then(|row| row.value))
    }

    fn policy(&self) -> Outcome<Policy> {
        if let Some(policy) = self.policy.borrow().as_ref() {
            return Ok(policy.clone());
        }
        let stored = self
            .meta("policy")?
            .ok_or_else(|| RelayError::NotFound("thread".into()))?;
        let policy: Policy = serde_json::from_str(&stored).map_err(internal)?;
        *self.policy.borrow_mut() = Some(policy.clone());
        Ok(policy)
    }

    /// Stores the brand's current rules if they changed (a policy that names no relay
    /// origin keeps the one known).
    fn set_policy(&self, policy: &Policy) -> Outcome<()> {
        let mut policy = policy.clone();
        if policy.relay_origin.is_none() {
            policy.relay_origin = self.policy().ok().and_then(|known| known.relay_origin);
        }
        let policy = &policy;
        if self.policy.borrow().as_ref() == Some(policy) {
            return Ok(());
        }
        self.set_meta("policy", &serde_json::to_string(policy).map_err(internal)?)?;
        if self.policy.borrow().as_ref().map(|old| old.rate) != Some(policy.rate) {
            *self.bucket.borrow_mut() = None;
        }
        *self.policy.borrow_mut() = Some(policy.clone());
        Ok(())
    }

    fn take_send_budget(&self) -> Outcome<()> {
        let rate = self.policy()?.rate;
        let now = now();
        let mut bucket = self.bucket.borrow_mut();
        let bucket = bucket.get_or_insert_with(|| {
            TokenBucket::new(rate.burst, f64::from(rate.per_minute) / 60.0, now)
        });
        bucket
            .take(now)
            .map_err(|retry_after| RelayError::RateLimited { retry_after })
    }

    /// Every send, over HTTP or the socket: the visitor's rate limit, then the store (or the
    /// earlier copy), then the retention alarm moved past the new message.
    async fn store(&self, append: Append) -> Outcome<(Message, bool)> {
        if append.author == Author::Visitor {
            self.take_send_budget()?;
        }
        let (message, created) = self.append(append)?;
        if created {
            // The deliveries and the brand's listing join the outbox with the message,
            // before anything is awaited.
            let mut lanes = self.plan_forwarding(&message)?;
            lanes.extend(self.note_activity(&message)?);
            self.schedule_expiry(message.created_at.0).await?;
            if !self.outbox_recovered.replace(true) {
                self.recover_outbox().await?;
            }
            // The message and its jobs are stored whatever happens on the queue now; a job
            // that does not get there is sent by the alarm.
            for lane in lanes {
                if let Err(error) = self.pump(&lane).await {
                    worker::console_error!("sending a job of {}: {error}", message.id);
                }
            }
        }
        Ok((message, created))
    }

    /// A new message is the thread's latest activity: counted for Insights, and listed in
    /// the brand's directory (for retention, the message itself is the record: see
    /// [`Thread::last_activity`]). Returns the directory's lane if the listing is to be sent
    /// now.
    fn note_activity(&self, message: &Message) -> Outcome<Option<String>> {
        let at = message.created_at.0;
        self.observe(crate::insights::Event::Message {
            author: message.author,
            channel: message.channel,
            at,
        })?;
        self.list()
    }

    /// When the thread was last active, in ms: its latest session (kept in `meta`) or its
    /// latest message, whichever came later. Asked by the alarm only, so a message does
    /// not write it. A thread with neither falls back to now: never to zero.
    fn last_activity(&self) -> Outcome<u64> {
        let session = self
            .meta("last_activity")?
            .and_then(|at| at.parse::<u64>().ok());
        let message = self.number("SELECT MAX(created_at) AS value FROM messages", None)?;
        Ok(session.max(message).unwrap_or_else(now))
    }

    /// Stores a message unless its client id is known; returns the stored copy and whether
    /// it is new. A new message goes out to every open socket.
    fn append(&self, append: Append) -> Outcome<(Message, bool)> {
        // A message with files is looked up first: a retry's files are already taken by
        // the first copy, so checking them would refuse the retry.
        if !append.attachments.is_empty() {
            if let Some(existing) = self.find_by_client_id(append.client_id.as_str())? {
                return Ok((existing, false));
            }
        }
        let attachments = self.unsent_uploads(&append.attachments)?;
        let client_id = append.client_id.clone();
        let Some(message) = self.insert(append, attachments)? else {
            let existing = self.find_by_client_id(client_id.as_str())?;
            return existing.map(|message| (message, false)).ok_or_else(|| {
                internal("a message skipped as known has no row with its client id")
            });
        };
        self.count_stored(&message)?;
        self.mark_sent(&message.attachments, message.seq)?;
        self.broadcast(&message);
        Ok((message, true))
    }

    /// Marks the team's messages up to `seq` as read, if the brand reports reads.
    fn mark_read(&self, seq: Seq) -> Outcome<()> {
        if self.policy()?.read_receipts != ReadReceipts::On {
            return Ok(());
        }
        self.mark_read_where(seq, "author != 'visitor'")?;
        Ok(())
    }

    /// Marks the visitor's messages up to `seq` as read by the team (their ticks in the
    /// widget turn to "read").
    fn mark_read_by_team(&self, seq: Seq) -> Outcome<()> {
        let read = self.mark_read_where(seq, "author = 'visitor'")?;
        self.count_read_by_team(read)
    }

    /// Marks the messages up to `seq` whose author matches `authors` (an SQL condition) as
    /// read, and tells every socket of each.
    fn mark_read_where(&self, seq: Seq, authors: &str) -> Outcome<usize> {
        let updated: Vec<Message> = self.rows(
            &format!(
                "UPDATE messages SET status = 'read' WHERE seq <= ? AND {authors} \
                 AND status IN ('sent', 'delivered') RETURNING {MESSAGE_COLUMNS}"
            ),
            vec![sql_int(seq.0)?],
        )?;
        for message in &updated {
            self.broadcast(message);
        }
        Ok(updated.len())
    }

    fn page(&self, after: u64, limit: u32) -> Outcome<MessagePage> {
        // One row more than asked tells whether another page follows.
        let mut messages: Vec<Message> = self.rows(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?"),
            vec![sql_int(after)?, sql_int(u64::from(limit) + 1)?],
        )?;
        let has_more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        let messages = messages
            .into_iter()
            .map(|message| self.with_links(message))
            .collect();
        Ok(MessagePage { messages, has_more })
    }

    fn find_by_client_id(&self, client_id: &str) -> Outcome<Option<Message>> {
        let mut rows: Vec<Message> = self.rows(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = ?"),
            vec![SqlStorageValue::from(client_id.to_string())],
        )?;
        Ok(rows.pop())
    }

    /// Inserts the message unless its client id is known (`None` then), in one statement.
    /// It is an `INSERT … SELECT … WHERE NOT EXISTS` rather than `INSERT OR IGNORE`: a
    /// skipped row never reaches SQLite's AUTOINCREMENT, where an ignored conflict would
    /// still use up a value, and `seq` must have no gaps.
    fn insert(&self, append: Append, attachments: Vec<Attachment>) -> Outcome<Option<Message>> {
        #[derive(serde::Deserialize)]
        struct Inserted {
            seq: u64,
        }
        let id = MessageId::new(super::super::random_id()?);
        let created_at = Timestamp(now());
        let status = DeliveryStatus::Sent;
        let sender = match &append.sender {
            Some(sender) => SqlStorageValue::from(serde_json::to_string(sender).map_err(internal)?),
            None => SqlStorageValue::Null,
        };
        let files = match attachments.is_empty() {
            true => SqlStorageValue::Null,
            false => SqlStorageValue::from(serde_json::to_string(&attachments).map_err(internal)?),
        };
        let replies = match append.replies.is_empty() {
            true => SqlStorageValue::Null,
            false => {
                SqlStorageValue::from(serde_json::to_string(&append.replies).map_err(internal)?)
            }
        };
        let client_id = SqlStorageValue::from(append.client_id.to_string());
        let inserted: Vec<Inserted> = self
            .sql
            .exec(
                "INSERT INTO messages (id, client_id, author, channel, text, created_at, status, \
                 sender, attachments, replies) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? \
                 WHERE NOT EXISTS (SELECT 1 FROM messages WHERE client_id = ?) RETURNING seq",
                vec![
                    SqlStorageValue::from(id.to_string()),
                    client_id.clone(),
                    SqlStorageValue::from(wire_name(&append.author)?),
                    SqlStorageValue::from(wire_name(&append.channel)?),
                    SqlStorageValue::from(append.text.clone()),
                    sql_int(created_at.0)?,
                    SqlStorageValue::from(wire_name(&status)?),
                    sender,
                    files,
                    replies,
                    client_id,
                ],
            )
            .and_then(|cursor| cursor.to_array())
            .map_err(internal)?;
        let Some(inserted) = inserted.first() else {
            return Ok(None);
        };
        Ok(Some(Message {
            id,
            client_id: append.client_id,
            seq: Seq(inserted.seq),
            author: append.author,
            channel: append.channel,
            text: append.text,
            created_at,
            status,
            failure: None,
            sender: append.sender,
            attachments,
            replies: append.replies,
        }))
    }
}

/// The largest integer SQLite values carry through JavaScript exactly (2^53 - 1).
const MAX_SQL_INT: u64 = (1 << 53) - 1;

/// An integer for a statement. Stored numbers (sequence numbers, times in ms) stay far
/// below [`MAX_SQL_INT`]; a larger bound from a request (`after`, a read `seq`, up to
/// `i64::MAX`) compares with them as [`MAX_SQL_INT`] does, so it is clamped to it rather
/// than refused as an internal error.
fn sql_int(value: u64) -> Outcome<SqlStorageValue> {
    let value = i64::try_from(value.min(MAX_SQL_INT)).map_err(internal)?;
    SqlStorageValue::try_from_i64(value).map_err(internal)
}
