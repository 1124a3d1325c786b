//! Wire types shared by the Confab widget and relay.
//!
//! Everything that crosses between the widget (in a visitor's browser) and the relay (on
//! Cloudflare Workers) is a type from this crate, serialised as JSON. The crate depends on
//! serde alone so both sides, and native tests, can use it.
//!
//! Compatibility rules, so that an older cached widget keeps talking to a newer relay:
//! - unknown fields are ignored (no `deny_unknown_fields` anywhere);
//! - enums that may grow carry an `Unknown` variant that unknown tags decode into;
//! - new fields are optional (`#[serde(default)]`).

/// The version of this protocol. The HTTP API carries it in its paths (`/v1/…`) and the
/// socket in its `ready` frame; it changes only when an old widget could no longer work.
pub const PROTOCOL_VERSION: u32 = 1;

pub mod api;
pub mod console;
pub mod frame;
pub mod ids;
pub mod insights;
pub mod message;
pub mod text;

pub use api::{
    clock_minutes, AgentMessage, AgentThread, BrandProfile, BusinessHours, ConsentNotice,
    EmailRequest, EmailStatus, EmailVerification, ErrorBody, ErrorDetail, Link, LinkPurpose,
    LinkRequest, MessagePage, OpeningSpan, RatingRequest, RatingStatus, ReadReceipts, ReadUpTo,
    SendMessage, Session, SessionRequest, SocketTicket, Theme, ThreadList, ThreadSummary,
    Transcript, WechatWindow, WhatsappWindow, WEEK_MINUTES,
};
pub use frame::{ClientFrame, ServerFrame};
pub use ids::{
    validate_client_id, AttachmentId, BrandId, ClientIdError, ClientMessageId, MessageId, Seq,
    ThreadId, Timestamp, VisitorToken, MAX_CLIENT_ID_CHARS,
};
pub use message::{
    Attachment, Author, Channel, DeliveryStatus, FailureReason, Message, Sender,
    HANDOFF_CLIENT_ID_PREFIX, MAX_ATTACHMENTS_PER_MESSAGE, MAX_REPLIES, MAX_REPLY_CHARS,
    RESOLVED_CLIENT_ID_PREFIX,
};
pub use text::{normalize_text, validate_text, TextError, MAX_TEXT_CHARS};
