//! Threads: the Worker's side of the calls to a thread's Durable Object ([`object::Thread`]).
//!
//! Every call is a [`ThreadCall`] (one enum, JSON in the body of one request) answered by a
//! [`ThreadAnswer`], or by the error the object refused it with, which keeps its status and
//! code on the way back ([`RelayError::Refused`]). The Worker has already authorised the
//! caller; the object trusts these internal calls, and only [`ThreadCall::Init`] may create
//! an object, so no request reaches storage before it is authorised. Calls that can change
//! the brand's policy for the thread carry it, so the object always applies the brand's
//! current rules.

mod object;

use super::faults;
use super::http::internal;
use crate::brand::{Brand, RateLimit};
use crate::connector::Forwarding;
use crate::delivery::{Job, VisitorContext};
use crate::error::RelayError;
use crate::fault::Site;
use confab_protocol::{
    AgentThread, Attachment, AttachmentId, Author, BrandId, Channel, ClientMessageId,
    DeliveryStatus, ErrorBody, Message, MessagePage, ReadReceipts, Sender, Seq, ThreadId,
    WechatWindow, WhatsappWindow,
};
use serde::{Deserialize, Serialize};
use worker::{wasm_bindgen::JsValue, Env, Method, Request, RequestInit, Response};

/// The header that carries a socket's [`OpenSocket`] call (an upgrade has no body).
const CALL_HEADER: &str = "X-Confab-Call";

/// The brand's rules for one thread, as the object stores them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The thread's own id (the object does not otherwise know its name).
    pub thread: ThreadId,
    /// The brand.
    pub brand: BrandId,
    /// The brand's display name, for transcripts.
    pub brand_name: String,
    /// Erase the thread after this long without activity.
    pub retention_ms: u64,
    /// How fast the visitor may send.
    pub rate: RateLimit,
    /// Whether reads are reported.
    pub read_receipts: ReadReceipts,
    /// Which of the brand's connectors the thread's messages go to.
    #[serde(default)]
    pub forward: Forwarding,
    /// The relay's public origin, as the request that carries the policy names it: webhook
    /// events carry absolute file links under it. A call without one keeps the last known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_origin: Option<String>,
    /// The brand's assistant and business hours, if it has a bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant: Option<crate::assistant::Plan>,
    /// The brand's rating settings, if it set any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratings: Option<crate::resolution::RatingSettings>,
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
            relay_origin: None,
            assistant: brand
                .settings
                .assistant
                .clone()
                .map(|settings| crate::assistant::Plan {
                    settings,
                    business_hours: brand.settings.business_hours.clone(),
                }),
            ratings: brand.settings.ratings.clone(),
        }
    }

    /// The same policy, naming the relay's origin as `request` reached it.
    pub fn reached_by(mut self, request: &Request) -> Self {
        self.relay_origin = request
            .url()
            .ok()
            .map(|url| url.origin().ascii_serialization())
            .filter(|origin| origin != "null");
        self
    }
}

/// Every call the Worker makes to a thread's object.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "camelCase")]
pub enum ThreadCall {
    /// Creates the thread, or refreshes its policy: a session started. The only call that
    /// creates an object. Answers [`ThreadAnswer::Started`].
    Init(Init),
    /// Adds a message, or finds the one with the same client id. Answers
    /// [`ThreadAnswer::Stored`].
    Append(Append),
    /// A page of history. Answers [`ThreadAnswer::Page`].
    History(PageRequest),
    /// The thread as the team of `brand` sees it (not found for another brand). Answers
    /// [`ThreadAnswer::AgentView`].
    AgentView {
        /// The team's brand.
        brand: BrandId,
        /// Which messages.
        page: PageRequest,
    },
    /// The visitor has read the team's messages up to `seq`.
    ReadByVisitor {
        /// The last message read.
        seq: Seq,
    },
    /// The team of `brand` has read the visitor's messages up to `seq` (not found for
    /// another brand's thread).
    ReadByTeam {
        /// The team's brand.
        brand: BrandId,
        /// The last message read.
        seq: Seq,
    },
    /// A text from the visitor's WhatsApp. Answers [`ThreadAnswer::Whatsapp`].
    Whatsapp(WhatsappInbound),
    /// A scan or a text from the visitor's WeChat. Answers [`ThreadAnswer::Wechat`].
    Wechat(WechatInbound),
    /// A message's new delivery status.
    Status(StatusChange),
    /// A consumer is about to attempt a job. Answers [`ThreadAnswer::Claimed`].
    Claim(LaneClaim),
    /// What an attempt at a job came to.
    Settle(LaneSettled),
    /// A job was given up (dead-lettered): it leaves the outbox, its message is marked
    /// failed, and the operator's record joins the thread's derived facts.
    Bury(Buried),
    /// A page of the transcript. Answers [`ThreadAnswer::Transcript`].
    Transcript(PageRequest),
    /// Erases the thread.
    Erase,
    /// Keeps a new link code of the thread (refused when it has too many live ones).
    CreateLink(NewLink),
    /// Redeems a device link code of the thread, once.
    RedeemLink {
        /// The code.
        code: String,
    },
    /// Records a file stored in the bucket for the thread (not found for another brand's
    /// thread), to be named by a message.
    Upload(UploadRecord),
    /// Web push: a subscription kept or forgotten, a reply falling due, what a push service
    /// answered (`object/push.rs`). Answers [`ThreadAnswer::Push`].
    Push(super::push::PushCall),
    /// Replies by email: the address asked for, verified, removed; an email job composed
    /// and sent; a reply email (`object/email.rs`). Answers [`ThreadAnswer::Email`].
    Email(super::email::EmailCall),
    /// The assistant: a queued answer falling due, its reply, a handoff the visitor asked
    /// for, the team turning the bot on or off (`object/assistant.rs`). Answers
    /// [`ThreadAnswer::Assistant`].
    Assistant(super::assistant::AssistantCall),
    /// Resolution and ratings: the team resolves or reopens the thread, the visitor rates
    /// it (`object/resolution.rs`). Answers [`ThreadAnswer::Resolution`].
    Resolution(super::resolution::ResolutionCall),
}

impl ThreadCall {
    /// The call's name, as the fault switch matches it.
    pub fn name(&self) -> &'static str {
        match self {
            ThreadCall::Init(_) => "init",
            ThreadCall::Append(_) => "append",
            ThreadCall::History(_) => "history",
            ThreadCall::AgentView { .. } => "agentView",
            ThreadCall::ReadByVisitor { .. } => "readByVisitor",
            ThreadCall::ReadByTeam { .. } => "readByTeam",
            ThreadCall::Whatsapp(_) => "whatsapp",
            ThreadCall::Wechat(_) => "wechat",
            ThreadCall::Status(_) => "status",
            ThreadCall::Claim(_) => "claim",
            ThreadCall::Settle(_) => "settle",
            ThreadCall::Bury(_) => "bury",
            ThreadCall::Transcript(_) => "transcript",
            ThreadCall::Erase => "erase",
            ThreadCall::CreateLink(_) => "createLink",
            ThreadCall::RedeemLink { .. } => "redeemLink",
            ThreadCall::Upload(_) => "upload",
            ThreadCall::Push(_) => "push",
            ThreadCall::Email(_) => "email",
            ThreadCall::Assistant(_) => "assistant",
            ThreadCall::Resolution(_) => "resolution",
        }
    }
}

/// What the object answers a call with (errors aside).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "camelCase")]
pub enum ThreadAnswer {
    /// Done; nothing to say.
    Done,
    /// A session started ([`ThreadCall::Init`]).
    Started(Started),
    /// The stored message, and whether it is new.
    Stored {
        /// The message as stored (the first copy, for a repeated client id).
        message: Message,
        /// Whether this call stored it.
        created: bool,
    },
    /// A page of history.
    Page(MessagePage),
    /// The thread as the team sees it.
    AgentView(AgentThread),
    /// Whether the claimed copy of a job is the one to attempt.
    Claimed {
        /// False: the job is settled, a newer copy is out, or the thread was erased.
        current: bool,
    },
    /// What became of a WhatsApp text.
    Whatsapp {
        /// Linked, added, or nothing to add it to.
        outcome: WhatsappOutcome,
    },
    /// What became of a WeChat scan or text.
    Wechat {
        /// Linked, added, or nothing to add it to.
        outcome: WhatsappOutcome,
    },
    /// What a [`ThreadCall::Push`] came to.
    Push(super::push::PushAnswer),
    /// What a [`ThreadCall::Email`] came to.
    Email(super::email::EmailAnswer),
    /// What a [`ThreadCall::Assistant`] came to.
    Assistant(super::assistant::AssistantAnswer),
    /// What a [`ThreadCall::Resolution`] came to.
    Resolution(super::resolution::ResolutionAnswer),
    /// A page of the transcript.
    Transcript {
        /// The brand's display name.
        brand_name: String,
        /// The messages.
        page: MessagePage,
    },
}

/// Which messages a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// After this `seq`.
    pub after: u64,
    /// At most this many.
    pub limit: u32,
}

/// A message to add to a thread.
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
    /// Who of the team wrote it, if known.
    #[serde(default)]
    pub sender: Option<Sender>,
    /// Files uploaded to the thread and not yet sent, to go with the message.
    #[serde(default)]
    pub attachments: Vec<AttachmentId>,
    /// Quick replies the message offers the visitor, already checked.
    #[serde(default)]
    pub replies: Vec<String>,
    /// The brand's current rules.
    pub policy: Policy,
}

/// A file stored for a thread.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UploadRecord {
    /// The brand of whoever uploaded it.
    pub brand: BrandId,
    /// The file, as checked (without a link).
    pub attachment: Attachment,
    /// Whether the visitor uploaded it: their uploads spend their send budget, so that
    /// storage cannot be flooded.
    #[serde(default)]
    pub by_visitor: bool,
}

/// A session for a thread.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Init {
    /// The brand's current rules.
    pub policy: Policy,
    /// What the visitor's page says about itself (kept from the thread's first session).
    #[serde(default)]
    pub context: VisitorContext,
}

/// A message's new delivery status.
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

/// A consumer about to attempt a job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LaneClaim {
    /// The job.
    pub job_id: String,
    /// Its copy.
    pub generation: u32,
}

/// What an attempt at a job came to.
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

/// A job given up.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Buried {
    /// The job, as it was given up.
    pub job: Job,
    /// Why (safe text).
    pub reason: String,
    /// Where it was going, for the operator's record.
    pub target: String,
}

/// A new link code of the thread.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewLink {
    /// The code.
    pub code: String,
    /// `whatsapp` or `device`.
    pub purpose: String,
    /// When it stops working (ms).
    pub expires_at: u64,
}

/// A text the visitor wrote on WhatsApp.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WhatsappInbound {
    /// The visitor's WhatsApp id.
    pub wa_id: String,
    /// WhatsApp's id of the message (redeliveries repeat it).
    pub wamid: String,
    /// The text (a file's caption, perhaps empty).
    pub text: String,
    /// The file it carried, stored and recorded in the thread already.
    #[serde(default)]
    pub attachments: Vec<AttachmentId>,
    /// When it was sent (ms).
    pub sent_at: u64,
    /// The link code it carries, if any: the object links the thread to `wa_id` if the
    /// code is one of its live codes.
    #[serde(default)]
    pub code: Option<String>,
    /// The brand's current rules.
    pub policy: Policy,
}

/// What came from the visitor's WeChat.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum WechatKind {
    /// A scan of the thread's QR code: the scene is this link code. Retries repeat the
    /// sender and the time, which name the event.
    Scanned {
        /// The link code.
        code: String,
    },
    /// A text.
    Text {
        /// WeChat's id of the message (`MsgId`; retries repeat it).
        msg_id: String,
        /// The text.
        text: String,
    },
    /// A photo, downloaded into the bucket and recorded as an upload of the thread.
    Image {
        /// WeChat's id of the message (`MsgId`; retries repeat it).
        msg_id: String,
        /// The stored file.
        attachment: AttachmentId,
    },
}

/// A scan or a text from the visitor's WeChat.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WechatInbound {
    /// The visitor's OpenID.
    pub open_id: String,
    /// What it was.
    pub kind: WechatKind,
    /// When (ms).
    pub sent_at: u64,
    /// The brand's current rules.
    pub policy: Policy,
}

/// What became of a WhatsApp text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WhatsappOutcome {
    /// Its code linked the thread (or it was a redelivery of that text).
    Linked,
    /// It joined the thread (or was a redelivery).
    Added,
    /// The thread is not linked to this user: nothing was added.
    NotLinked,
}

/// What a thread says of itself when a session starts.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Started {
    /// Its WhatsApp link and window, if any.
    #[serde(default)]
    pub whatsapp: Option<WhatsappWindow>,
    /// Its WeChat link and window, if any.
    #[serde(default)]
    pub wechat: Option<WechatWindow>,
    /// Its email address for replies, masked, if any.
    #[serde(default)]
    pub email: Option<confab_protocol::api::EmailStatus>,
    /// Whether the thread is resolved.
    #[serde(default)]
    pub resolved: bool,
    /// Whether a rating is wanted now, or was given.
    #[serde(default)]
    pub rating: Option<confab_protocol::RatingStatus>,
}

/// The one way to a socket: the ticket's single-use nonce (its signature and expiry were
/// checked by the Worker) and the last `seq` the client has.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenSocket {
    /// The ticket's nonce.
    pub nonce: String,
    /// When the ticket expires (ms): the object remembers the nonce until then.
    pub expires_at: u64,
    /// The client's last `seq`.
    pub after: u64,
    /// For a team socket, the member's name (the object tags the socket with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// Calls the thread's object.
pub async fn call(
    env: &Env,
    thread: &ThreadId,
    call: &ThreadCall,
) -> Result<ThreadAnswer, RelayError> {
    faults::check(env, Site::Thread, call.name())?;
    let body = serde_json::to_string(call).map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&body)));
    let request = Request::new_with_init("https://thread/", &init).map_err(internal)?;
    let mut answer = stub(env, thread)?
        .fetch_with_request(request)
        .await
        .map_err(internal)?;
    if answer.status_code() != 200 {
        return Err(refusal(answer).await);
    }
    answer.json().await.map_err(internal)
}

/// The object's answer for a refused call, as the error it stands for.
async fn refusal(mut answer: Response) -> RelayError {
    let status = answer.status_code();
    let retry_after = answer
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|value| value.parse().ok());
    let body: Option<ErrorBody> = answer.json().await.ok();
    match (status, body) {
        (429, _) => RelayError::RateLimited {
            retry_after: retry_after.unwrap_or(1),
        },
        (410, Some(body)) if body.error.code == "thread_erased" => RelayError::ThreadErased,
        (400..=499, Some(body)) => RelayError::Refused {
            status,
            code: body.error.code,
            message: body.error.message,
        },
        // The object logged the detail.
        (status, _) => internal(format!("the thread answered {status}")),
    }
}

fn unexpected(answer: &ThreadAnswer) -> RelayError {
    internal(format!("the thread answered {answer:?}"))
}

/// [`ThreadCall::Init`]: creates a thread, or refreshes an existing thread's policy. Fails
/// with [`RelayError::ThreadErased`] if the thread was erased.
pub async fn init(env: &Env, init: &Init) -> Result<Started, RelayError> {
    match call(env, &init.policy.thread, &ThreadCall::Init(init.clone())).await? {
        ThreadAnswer::Started(started) => Ok(started),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::Append`]: the stored message and whether it is new.
pub async fn append(env: &Env, append: &Append) -> Result<(Message, bool), RelayError> {
    let thread = append.policy.thread.clone();
    match call(env, &thread, &ThreadCall::Append(append.clone())).await? {
        ThreadAnswer::Stored { message, created } => Ok((message, created)),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::History`].
pub async fn history(
    env: &Env,
    thread: &ThreadId,
    page: PageRequest,
) -> Result<MessagePage, RelayError> {
    match call(env, thread, &ThreadCall::History(page)).await? {
        ThreadAnswer::Page(page) => Ok(page),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::AgentView`]: not found for another brand's thread.
pub async fn agent_view(
    env: &Env,
    brand: &BrandId,
    thread: &ThreadId,
    page: PageRequest,
) -> Result<AgentThread, RelayError> {
    let request = ThreadCall::AgentView {
        brand: brand.clone(),
        page,
    };
    match call(env, thread, &request).await? {
        ThreadAnswer::AgentView(view) => Ok(view),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::Transcript`]: one page of it, with the brand's name.
pub async fn transcript_page(
    env: &Env,
    thread: &ThreadId,
    page: PageRequest,
) -> Result<(String, MessagePage), RelayError> {
    match call(env, thread, &ThreadCall::Transcript(page)).await? {
        ThreadAnswer::Transcript { brand_name, page } => Ok((brand_name, page)),
        other => Err(unexpected(&other)),
    }
}

/// A call answered with [`ThreadAnswer::Done`].
pub async fn act(env: &Env, thread: &ThreadId, request: &ThreadCall) -> Result<(), RelayError> {
    match call(env, thread, request).await? {
        ThreadAnswer::Done => Ok(()),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::Whatsapp`].
pub async fn whatsapp_inbound(
    env: &Env,
    inbound: &WhatsappInbound,
) -> Result<WhatsappOutcome, RelayError> {
    let thread = inbound.policy.thread.clone();
    match call(env, &thread, &ThreadCall::Whatsapp(inbound.clone())).await? {
        ThreadAnswer::Whatsapp { outcome } => Ok(outcome),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::Wechat`].
pub async fn wechat_inbound(
    env: &Env,
    inbound: &WechatInbound,
) -> Result<WhatsappOutcome, RelayError> {
    let thread = inbound.policy.thread.clone();
    match call(env, &thread, &ThreadCall::Wechat(inbound.clone())).await? {
        ThreadAnswer::Wechat { outcome } => Ok(outcome),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::Claim`]: whether this copy of a job is the one to attempt.
pub async fn claim(env: &Env, job: &Job) -> Result<bool, RelayError> {
    let claim = LaneClaim {
        job_id: job.id.clone(),
        generation: job.generation,
    };
    match call(env, &job.thread, &ThreadCall::Claim(claim)).await? {
        ThreadAnswer::Claimed { current } => Ok(current),
        other => Err(unexpected(&other)),
    }
}

/// [`ThreadCall::Settle`].
pub async fn settle(env: &Env, thread: &ThreadId, settled: &LaneSettled) -> Result<(), RelayError> {
    act(env, thread, &ThreadCall::Settle(settled.clone())).await
}

/// [`ThreadCall::Status`]: an erased thread has no ticks left to move.
pub async fn set_status(
    env: &Env,
    thread: &ThreadId,
    change: &StatusChange,
) -> Result<(), RelayError> {
    match act(env, thread, &ThreadCall::Status(change.clone())).await {
        Err(RelayError::ThreadErased) => Ok(()),
        other => other,
    }
}

/// Hands the upgrade request to the object with its [`OpenSocket`] call; the object's
/// answer (101 with the socket, or an error) goes back untouched.
pub async fn open_socket(
    env: &Env,
    thread: &ThreadId,
    open: &OpenSocket,
    request: &Request,
) -> Result<Response, RelayError> {
    faults::check(env, Site::Thread, "openSocket")?;
    let headers = request.headers().clone();
    headers
        .set(CALL_HEADER, &serde_json::to_string(open).map_err(internal)?)
        .map_err(internal)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let upgrade = Request::new_with_init("https://thread/", &init).map_err(internal)?;
    let answer = stub(env, thread)?
        .fetch_with_request(upgrade)
        .await
        .map_err(internal)?;
    match answer.status_code() {
        101 => Ok(answer),
        _ => Err(refusal(answer).await),
    }
}

fn stub(env: &Env, thread: &ThreadId) -> Result<worker::Stub, RelayError> {
    env.durable_object("THREAD")
        .and_then(|namespace| namespace.get_by_name(thread.as_str()))
        .map_err(internal)
}
