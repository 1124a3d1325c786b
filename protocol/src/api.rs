//! Bodies of the relay's HTTP API (`/v1/...`).

use crate::ids::{BrandId, ClientMessageId, ThreadId, Timestamp, VisitorToken};
use crate::message::Message;
use serde::{Deserialize, Serialize};

/// `POST /v1/sessions`: start a thread, or resume the one a stored token names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRequest {
    /// The brand whose widget is asking.
    pub brand: BrandId,
    /// A token from an earlier session; when still valid for this brand, its thread resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<VisitorToken>,
    /// The brand's id for a signed-in user: with a valid `user_hash`, the user gets the same
    /// thread on every device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Hex HMAC-SHA256 of `user_id` under the brand's identity secret, computed by the
    /// brand's server (as Intercom and Chatwoot do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_hash: Option<String>,
    /// The page the widget is on (its URL), shown to the team when a thread starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The visitor's language (`navigator.language`), shown to the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// A resume link's code (`LINK-…`, from another browser's "Continue on another
    /// device"): the session continues that thread. Single-use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The answer to [`SessionRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The visitor's thread.
    pub thread_id: ThreadId,
    /// The credential for that thread, sent as `Authorization: Bearer <token>`.
    pub token: VisitorToken,
    /// When the token stops working (a new session refreshes it).
    pub expires_at: Timestamp,
    /// What the widget shows of the brand.
    pub brand: BrandProfile,
    /// The thread's WhatsApp link, if the visitor carried it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<WhatsappWindow>,
}

/// The public face of a brand, shown in the widget's header.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrandProfile {
    /// The brand's display name.
    pub name: String,
    /// The first line the widget shows in an empty thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    /// The accent colour, `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme_color: Option<String>,
    /// When the team answers; absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
    /// Shown outside business hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_message: Option<String>,
    /// Whether the visitor's reading of agent messages is reported to the team.
    #[serde(default)]
    pub read_receipts: ReadReceipts,
    /// If set, the visitor must accept this privacy notice before the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentNotice>,
    /// Whether the brand answers on WhatsApp ("Continue on WhatsApp" is offered).
    #[serde(default)]
    pub whatsapp: bool,
}

/// A privacy notice the visitor accepts before writing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentNotice {
    /// A short sentence ("We keep this conversation for 180 days…").
    pub text: String,
    /// The brand's privacy policy.
    pub privacy_url: String,
}

/// Weekly opening hours in one IANA time zone. The widget evaluates them with the
/// browser's own time-zone data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHours {
    /// An IANA zone such as `Asia/Shanghai`.
    pub time_zone: String,
    /// Opening spans; a day with none is closed.
    pub weekly: Vec<OpeningSpan>,
}

/// One opening span of one weekday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpeningSpan {
    /// 1 = Monday … 7 = Sunday (ISO 8601).
    pub day: u8,
    /// `HH:MM`, 24-hour.
    pub open: String,
    /// `HH:MM`, 24-hour, after `open`.
    pub close: String,
}

/// A brand's read-receipt policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadReceipts {
    /// Reported (the visitor may still turn them off in the widget).
    #[default]
    On,
    /// Never reported.
    Off,
    /// A policy this version does not know; treated as off.
    #[serde(other)]
    Unknown,
}

/// `POST /v1/threads/{id}/read`: the visitor has seen every message up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadUpTo {
    /// The highest `seq` seen.
    pub seq: crate::Seq,
}

/// `GET /v1/threads/{id}/transcript`: the whole thread, for the visitor to keep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    /// The thread.
    pub thread_id: ThreadId,
    /// The brand's display name.
    pub brand: String,
    /// Every message, in order.
    pub messages: Vec<Message>,
}

/// `POST /v1/threads/{id}/messages`: a visitor's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessage {
    /// Chosen by the widget before the first attempt; retries reuse it.
    pub client_id: ClientMessageId,
    /// The text (see [`crate::validate_text`]).
    pub text: String,
}

/// `GET /v1/threads/{id}/messages`: messages in order of `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    /// Messages after the requested sequence number, oldest first.
    pub messages: Vec<Message>,
    /// Whether more messages follow the last one returned.
    #[serde(default)]
    pub has_more: bool,
}

/// Every error answer: `{"error":{"code":"…","message":"…"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The inside of an [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable, machine-readable code such as `text_too_long`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
}

/// `POST /v1/threads/{id}/tickets`: a single-use ticket to open the thread's WebSocket, so
/// that no long-lived secret ever appears in a socket URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SocketTicket {
    /// Goes in the socket URL: `/v1/threads/{id}/ws?ticket=…&after=SEQ`.
    pub ticket: String,
    /// The ticket works once, until then.
    pub expires_at: Timestamp,
}

/// What a link code is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LinkPurpose {
    /// Continue the thread on WhatsApp.
    Whatsapp,
    /// Continue the thread in another browser.
    Device,
    /// A purpose this version does not know.
    #[serde(other)]
    Unknown,
}

/// `POST /v1/threads/{id}/links`: a single-use code to take the thread elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkRequest {
    /// Where to.
    pub purpose: LinkPurpose,
    /// For [`LinkPurpose::Device`]: the page the resume link opens (on an allowed origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

/// The answer to [`LinkRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    /// The code, `LINK-` and six characters.
    pub code: String,
    /// What it opens: a `wa.me` link with the code in its text, or the page's resume link.
    pub url: String,
    /// The same URL as a QR code, SVG.
    pub qr_svg: String,
    /// When the code stops working (it also stops once used).
    pub expires_at: Timestamp,
}

/// A thread's link to the visitor's WhatsApp, and its customer-service window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatsappWindow {
    /// Until when the team can write freely on WhatsApp (24 hours after the visitor's last
    /// WhatsApp message); after it, only the brand's template goes.
    pub window_ends_at: Timestamp,
}

/// One thread in the agent API's list (`GET /v1/agent/threads`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSummary {
    /// The thread.
    pub thread_id: ThreadId,
    /// When it started.
    pub created_at: Timestamp,
    /// When its last message was written (kept up to date within seconds).
    pub last_message_at: Timestamp,
    /// That message's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_text: Option<String>,
}

/// `GET /v1/agent/threads`: the brand's threads, latest activity first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadList {
    /// The threads.
    pub threads: Vec<ThreadSummary>,
}

/// `GET /v1/agent/threads/{id}`: a thread as the team sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentThread {
    /// The thread.
    pub thread_id: ThreadId,
    /// Its WhatsApp link and window, if the visitor carried it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<WhatsappWindow>,
    /// Messages after `after`, in order.
    pub messages: Vec<Message>,
    /// Whether more follow (ask again with `after` = the last `seq`).
    pub has_more: bool,
}
