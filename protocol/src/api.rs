//! Bodies of the relay's HTTP API (`/v1/...`).

use crate::ids::{AttachmentId, BrandId, ClientMessageId, ThreadId, Timestamp, VisitorToken};
use crate::message::{Message, Sender};
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
    /// The thread's WeChat link, if the visitor carried it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<WechatWindow>,
    /// The thread's email address for replies, if the visitor left one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailStatus>,
    /// Whether the team marked the thread resolved (a visitor message reopens it).
    #[serde(default, skip_serializing_if = "is_false")]
    pub resolved: bool,
    /// Whether the widget should ask the visitor to rate the conversation now (`wanted`,
    /// once), or the rating was given; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<RatingStatus>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Where a thread's satisfaction rating stands, as the session tells the widget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RatingStatus {
    /// The thread was resolved (or the team's reply has been quiet for the brand's time):
    /// ask the visitor how it went, once.
    Wanted,
    /// The visitor rated this resolution already.
    Given,
    /// A state this version does not know.
    #[serde(other)]
    Unknown,
}

/// The public face of a brand, shown in the widget's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrandProfile {
    /// The brand's display name.
    pub name: String,
    /// The brand's logo: a path on the relay (`/v1/images?src=…&sig=…`, to resolve against
    /// the relay's origin) that serves a checked copy of the brand's image, never the
    /// brand's own URL. Absent when the brand has no logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
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
    /// Whether the brand answers on WeChat ("Continue on WeChat" is offered).
    #[serde(default)]
    pub wechat: bool,
    /// Whether the brand emails replies the visitor has not seen ("Get replies by email"
    /// is offered).
    #[serde(default)]
    pub email: bool,
    /// Where the brand pushes replies the visitor has not seen to browsers that subscribe
    /// (and this relay can sign pushes): the relay's VAPID public key to subscribe with
    /// (see [`PushKey`]). Offered where the page also hosts the service worker (the script
    /// tag's `data-push`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_key: Option<String>,
    /// How long a visitor's message waits unanswered before the widget offers replies by
    /// email or notification, in seconds (offered at once while the team is away).
    #[serde(default = "default_reach_offer")]
    pub reach_offer_seconds: u32,
    /// Questions an empty thread offers as buttons (at most four); a tap sends one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggested_questions: Vec<String>,
    /// Whether team members' names are shown on their messages (else the brand's name).
    #[serde(default = "shown")]
    pub show_agent_names: bool,
    /// Light, dark, or after the visitor's system.
    #[serde(default, skip_serializing_if = "Theme::is_auto")]
    pub theme: Theme,
    /// "Usually replies within" this many minutes: the brand's recent first replies in
    /// business hours, when the brand shows it (`showExpectedReply`) and has enough of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_reply_minutes: Option<u32>,
}

/// The widget's colours: the brand's choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Theme {
    /// After the visitor's system (`prefers-color-scheme`).
    #[default]
    Auto,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
    /// A theme this version does not know; shown as `Auto`.
    #[serde(other)]
    Unknown,
}

impl Theme {
    /// Whether the visitor's system decides (`Auto`, or a theme this version does not know).
    pub fn is_auto(&self) -> bool {
        matches!(self, Theme::Auto | Theme::Unknown)
    }
}

fn shown() -> bool {
    true
}

/// How long a visitor's message waits unanswered before the widget offers to reach them
/// later, unless the brand says: a minute.
pub const DEFAULT_REACH_OFFER_SECONDS: u32 = 60;

fn default_reach_offer() -> u32 {
    DEFAULT_REACH_OFFER_SECONDS
}

impl Default for BrandProfile {
    fn default() -> Self {
        BrandProfile {
            name: String::new(),
            logo_url: None,
            greeting: None,
            theme_color: None,
            business_hours: None,
            away_message: None,
            read_receipts: ReadReceipts::default(),
            consent: None,
            whatsapp: false,
            wechat: false,
            email: false,
            push_key: None,
            reach_offer_seconds: DEFAULT_REACH_OFFER_SECONDS,
            suggested_questions: Vec::new(),
            show_agent_names: true,
            theme: Theme::Auto,
            expected_reply_minutes: None,
        }
    }
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

/// Minutes in a week.
pub const WEEK_MINUTES: u32 = 7 * 24 * 60;

impl BusinessHours {
    /// How many minutes from now until the team is next open, `now` being the ISO weekday
    /// (1 = Monday … 7 = Sunday) and the minute of the day (0 to 1439) in the brand's
    /// [`BusinessHours::time_zone`]: `Some(0)` when open now, `None` when no span is ever
    /// open. Spans that do not parse are skipped; the week wraps (Sunday evening to
    /// Monday morning).
    pub fn minutes_until_open(&self, weekday: u8, minute: u32) -> Option<u32> {
        if !(1..=7).contains(&weekday) {
            return None;
        }
        let now = u32::from(weekday - 1) * 24 * 60 + minute.min(24 * 60 - 1);
        self.weekly
            .iter()
            .filter_map(|span| {
                let (open, close) = (clock_minutes(&span.open)?, clock_minutes(&span.close)?);
                if !(1..=7).contains(&span.day) || open >= close {
                    return None;
                }
                let day = u32::from(span.day - 1) * 24 * 60;
                let (start, end) = (day + open, day + close);
                Some(if (start..end).contains(&now) {
                    0
                } else {
                    (start + WEEK_MINUTES - now) % WEEK_MINUTES
                })
            })
            .min()
    }
}

/// Minutes since midnight of a `HH:MM` clock (24-hour, `24:00` the day's end).
pub fn clock_minutes(clock: &str) -> Option<u32> {
    // Byte by byte: the widget evaluates hours too, and number parsing costs it bytes.
    let digit = |at: usize| {
        let byte = *clock.as_bytes().get(at)?;
        byte.is_ascii_digit().then(|| u32::from(byte - b'0'))
    };
    let hours = digit(0)? * 10 + digit(1)?;
    let minutes = digit(3)? * 10 + digit(4)?;
    (clock.len() == 5
        && clock.as_bytes()[2] == b':'
        && minutes < 60
        && hours * 60 + minutes <= 24 * 60)
        .then_some(hours * 60 + minutes)
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
    /// The text (see [`crate::validate_text`]); may be empty when `attachments` is not.
    pub text: String,
    /// Files uploaded to this thread and not yet sent, at most
    /// [`crate::MAX_ATTACHMENTS_PER_MESSAGE`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentId>,
}

/// `POST /v1/agent/threads/{id}/messages`: a team member's answer through the agent API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentMessage {
    /// Chosen by the brand's backend; retries reuse it.
    pub client_id: ClientMessageId,
    /// The text (see [`crate::validate_text`]).
    pub text: String,
    /// Who of the team writes (see [`Sender::validated`]); without it the widget shows the
    /// brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Sender>,
    /// Files uploaded through the agent API to this thread and not yet sent, at most
    /// [`crate::MAX_ATTACHMENTS_PER_MESSAGE`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentId>,
    /// Quick replies offered to the visitor (see [`crate::Message::replies`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<String>,
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
    /// The field the error is about, where the rule knows it: a settings key path such as
    /// `businessHours` or `allowedOrigins` (the console marks that field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
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
    /// Continue the thread on WeChat (a QR code of the brand's Official Account).
    Wechat,
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

/// `POST /v1/threads/{id}/email`: the visitor asks for replies by email at this address; a
/// verification email goes there first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailRequest {
    /// The address.
    pub address: String,
    /// The language of the emails (a BCP 47 tag such as `zh-CN`; English if absent or not
    /// one the relay writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `POST /v1/threads/{id}/rating`: the visitor's rating of the conversation, once while
/// the session says one is wanted ([`RatingStatus::Wanted`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RatingRequest {
    /// 1 (bad) to 5 (very good).
    pub score: u8,
    /// What the visitor adds (at most 1,000 characters), if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A thread's email address for replies, as the widget may show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailStatus {
    /// Whether the address is confirmed yet.
    pub state: EmailVerification,
    /// The address, masked (`a***@example.com`).
    pub address: String,
}

/// Where an email address stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailVerification {
    /// The verification email went; its link was not followed yet.
    Pending,
    /// Confirmed: replies the visitor has not seen are emailed.
    Verified,
    /// A state this version does not know.
    #[serde(other)]
    Unknown,
}

/// A thread's link to the visitor's WeChat, and its customer-service window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WechatWindow {
    /// Until when the team can write freely on WeChat (48 hours after the visitor's last
    /// WeChat message or scan); after it, only the brand's template goes.
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
    /// Whether the team marked it resolved (and nobody wrote since).
    #[serde(default)]
    pub resolved: bool,
    /// Whether its latest message is the visitor's, not yet answered by the team or bot.
    #[serde(default)]
    pub awaiting_reply: bool,
    /// Whether the brand's bot is still answering it (nobody took over).
    #[serde(default)]
    pub assistant: bool,
    /// The channels the visitor has written from, first use first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<crate::message::Channel>,
    /// The visitor's messages the team has not read.
    #[serde(default)]
    pub unread: u32,
    /// The visitor's language, as their browser gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The page the conversation started on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
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
    /// Its WeChat link and window, if the visitor carried it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<WechatWindow>,
    /// Messages after `after`, in order.
    pub messages: Vec<Message>,
    /// Whether more follow (ask again with `after` = the last `seq`).
    pub has_more: bool,
    /// The thread as the list shows it now (status, bot, channels, unread, language,
    /// page), so that a thread opened by its address needs no list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ThreadSummary>,
}

/// `POST /v1/threads/{id}/push`: the browser's `PushSubscription`, as its `toJSON()` gives
/// it (`expirationTime`, and anything else, is ignored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSubscription {
    /// The push service's URL for this browser (https).
    pub endpoint: String,
    /// The browser's keys for the payload's encryption.
    pub keys: PushKeys,
}

/// A subscription's keys, base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushKeys {
    /// The browser's P-256 public key, uncompressed (65 bytes).
    pub p256dh: String,
    /// The browser's authentication secret (16 bytes).
    pub auth: String,
}

/// `DELETE /v1/threads/{id}/push`: which subscription to forget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushUnsubscribe {
    /// The subscription's endpoint.
    pub endpoint: String,
}

/// `GET /v1/threads/{id}/push`: the thread's push subscriptions, and how each one's last
/// push went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSubscriptions {
    /// The subscriptions, oldest first.
    pub subscriptions: Vec<PushSubscriptionStatus>,
}

/// One kept subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSubscriptionStatus {
    /// Its endpoint.
    pub endpoint: String,
    /// What its last push came to, if one went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_push: Option<PushDelivery>,
}

/// What a push came to: `delivered` (the push service took it) or `failed`, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushDelivery {
    /// `delivered` or `failed`.
    pub status: crate::message::DeliveryStatus,
    /// When.
    pub at: Timestamp,
    /// Why it failed, for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<crate::message::FailureReason>,
}

/// `GET /v1/push/key`: the relay's VAPID public key, the widget's `applicationServerKey`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushKey {
    /// Uncompressed P-256 public key (65 bytes), base64url without padding.
    pub public_key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wechat_links_and_windows_have_wire_names() {
        let request: LinkRequest = serde_json::from_str(r#"{"purpose":"wechat"}"#).unwrap();
        assert_eq!(request.purpose, LinkPurpose::Wechat);
        let future: LinkRequest = serde_json::from_str(r#"{"purpose":"line"}"#).unwrap();
        assert_eq!(future.purpose, LinkPurpose::Unknown);
        let thread: AgentThread = serde_json::from_str(
            r#"{"threadId":"t1","wechat":{"windowEndsAt":5},"messages":[],"hasMore":false}"#,
        )
        .unwrap();
        assert_eq!(
            thread.wechat,
            Some(WechatWindow {
                window_ends_at: Timestamp(5)
            })
        );
        assert_eq!(
            serde_json::to_value(crate::Channel::Wechat).unwrap(),
            serde_json::json!("wechat")
        );
    }

    #[test]
    fn sessions_and_brands_say_wechat_by_its_wire_names() {
        let session: Session = serde_json::from_str(
            r#"{"threadId":"t1","token":"v1.x","expiresAt":9,"brand":{"name":"Acme","wechat":true},
                "wechat":{"windowEndsAt":5},"later":1}"#,
        )
        .unwrap();
        assert!(session.brand.wechat && !session.brand.whatsapp);
        assert_eq!(
            session.wechat,
            Some(WechatWindow {
                window_ends_at: Timestamp(5)
            })
        );
        let written = serde_json::to_value(&session).unwrap();
        assert_eq!(written["wechat"], serde_json::json!({ "windowEndsAt": 5 }));
        assert_eq!(written["brand"]["wechat"], serde_json::json!(true));
        // Unlinked: no `wechat` key at all; an older relay's brand (no key) reads as false.
        let unlinked = Session {
            wechat: None,
            ..session
        };
        assert!(serde_json::to_value(&unlinked)
            .unwrap()
            .get("wechat")
            .is_none());
        let older: BrandProfile = serde_json::from_str(r#"{"name":"Acme"}"#).unwrap();
        assert!(!older.wechat);
    }

    fn hours(spans: &[(u8, &str, &str)]) -> BusinessHours {
        BusinessHours {
            time_zone: "Asia/Shanghai".into(),
            weekly: spans
                .iter()
                .map(|&(day, open, close)| OpeningSpan {
                    day,
                    open: open.into(),
                    close: close.into(),
                })
                .collect(),
        }
    }

    const H: u32 = 60;
    const D: u32 = 24 * H;

    #[test]
    fn finds_the_next_opening_across_days_and_the_weeks_wrap() {
        let weekdays = [
            (1, "09:00", "18:00"),
            (2, "09:00", "18:00"),
            (3, "09:00", "18:00"),
            (4, "09:00", "18:00"),
            (5, "09:00", "17:00"),
        ];
        let split = [(2, "09:00", "12:00"), (2, "14:00", "18:00")];
        let all_day = [(7, "00:00", "24:00")];
        let mut wrong = Vec::new();
        for (name, spans, weekday, minute, expected) in [
            // Within the hours: open now, the opening and closing minutes included/excluded.
            ("open", &weekdays[..], 1, 10 * H, Some(0)),
            ("at opening", &weekdays[..], 3, 9 * H, Some(0)),
            ("at closing", &weekdays[..], 3, 18 * H, Some(15 * H)),
            // Before opening on a working day: later that day.
            ("early", &weekdays[..], 2, 7 * H + 30, Some(90)),
            // After closing: the next morning.
            ("evening", &weekdays[..], 1, 20 * H, Some(13 * H)),
            // Friday evening: Monday morning, over the weekend and the week's wrap.
            ("friday", &weekdays[..], 5, 17 * H, Some(2 * D + 16 * H)),
            ("saturday", &weekdays[..], 6, 12 * H, Some(D + 21 * H)),
            (
                "sunday night",
                &weekdays[..],
                7,
                23 * H + 59,
                Some(9 * H + 1),
            ),
            // A lunch break: back after it.
            ("lunch", &split[..], 2, 13 * H, Some(H)),
            ("after lunch", &split[..], 2, 15 * H, Some(0)),
            // Tuesday only, asked on Wednesday: six days minus the gap.
            ("a week round", &split[..], 3, 9 * H, Some(6 * D)),
            // A day open until 24:00, and the minute before Sunday ends.
            ("all sunday", &all_day[..], 7, 23 * H + 59, Some(0)),
            ("saturday to sunday", &all_day[..], 6, 23 * H, Some(H)),
            ("monday to sunday", &all_day[..], 1, 0, Some(6 * D)),
            // Never open, and nonsense.
            ("never", &[][..], 1, 0, None),
            ("bad day", &[(8, "09:00", "10:00")][..], 1, 0, None),
            ("bad clock", &[(1, "9:00", "10:00")][..], 1, 0, None),
            ("bad weekday", &weekdays[..], 0, 0, None),
        ] {
            let actual = hours(spans).minutes_until_open(weekday, minute);
            if actual != expected {
                wrong.push(format!("{name}: {actual:?}, expected {expected:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn reads_clocks() {
        assert_eq!(clock_minutes("09:30"), Some(570));
        assert_eq!(clock_minutes("24:00"), Some(1440));
        assert_eq!(clock_minutes("24:01"), None);
        assert_eq!(clock_minutes("9:30"), None);
        assert_eq!(clock_minutes("09:60"), None);
    }

    #[test]
    fn brand_profiles_show_names_unless_told_not_to() {
        let profile: BrandProfile = serde_json::from_str(r#"{"name":"Acme"}"#).unwrap();
        assert!(profile.show_agent_names && profile.suggested_questions.is_empty());
        assert_eq!(
            profile,
            BrandProfile {
                name: "Acme".into(),
                ..BrandProfile::default()
            }
        );
        let profile: BrandProfile = serde_json::from_str(
            r#"{"name":"Acme","showAgentNames":false,"suggestedQuestions":["Where is my order?"]}"#,
        )
        .unwrap();
        assert!(!profile.show_agent_names);
        assert_eq!(profile.suggested_questions, ["Where is my order?"]);
    }

    #[test]
    fn brand_profiles_carry_a_logo_path_only_when_there_is_one() {
        let profile: BrandProfile = serde_json::from_str(
            r#"{"name":"Acme","logoUrl":"/v1/images?src=https%3A%2F%2Fcdn.example%2Fl.png&sig=x"}"#,
        )
        .unwrap();
        assert_eq!(
            profile.logo_url.as_deref(),
            Some("/v1/images?src=https%3A%2F%2Fcdn.example%2Fl.png&sig=x")
        );
        let wire = serde_json::to_value(&profile).unwrap();
        assert_eq!(wire["logoUrl"], profile.logo_url.unwrap());
        let without = serde_json::to_value(BrandProfile::default()).unwrap();
        assert!(without.get("logoUrl").is_none(), "{without}");
    }
}
