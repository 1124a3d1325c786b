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
}

/// The public face of a brand, shown in the widget's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrandProfile {
    /// The brand's display name.
    pub name: String,
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
