//! Readers of the relay's answers ([`Session`] and the [`BrandProfile`] inside it,
//! [`MessagePage`], [`Link`], [`SocketTicket`], [`ErrorDetail`]) and writers of the widget's
//! requests ([`SessionRequest`], [`SendMessage`], [`LinkRequest`], [`ReadUpTo`]), in the
//! protocol's wire format. Defaults are the protocol's `#[serde(default…)]` ones.

use super::backend::Value;
use super::read::{self, MAX_WHOLE};
use super::words::{variant, word, Words};
use super::write::Object;
use super::{FromJson, Invalid, ToJson};
use confab_protocol::{
    BrandProfile, BusinessHours, ConsentNotice, EmailRequest, EmailStatus, EmailVerification,
    ErrorDetail, Link, LinkPurpose, LinkRequest, MessagePage, OpeningSpan, RatingRequest,
    RatingStatus, ReadReceipts, ReadUpTo, SendMessage, Session, SessionRequest, SocketTicket,
    Theme, ThreadId, Timestamp, VisitorToken, WechatWindow, WhatsappWindow,
};

/// Read-receipt policies by their wire words.
const READ_RECEIPTS: &Words<ReadReceipts> = &[("on", ReadReceipts::On), ("off", ReadReceipts::Off)];

/// Themes by their wire words.
const THEMES: &Words<Theme> = &[
    ("auto", Theme::Auto),
    ("light", Theme::Light),
    ("dark", Theme::Dark),
];

/// Where an email address stands, by its wire words.
const VERIFICATIONS: &Words<EmailVerification> = &[
    ("pending", EmailVerification::Pending),
    ("verified", EmailVerification::Verified),
];

/// Where a rating stands, by its wire words.
const RATINGS: &Words<RatingStatus> = &[
    ("wanted", RatingStatus::Wanted),
    ("given", RatingStatus::Given),
];

/// Link purposes by their wire words.
const PURPOSES: &Words<LinkPurpose> = &[
    ("whatsapp", LinkPurpose::Whatsapp),
    ("wechat", LinkPurpose::Wechat),
    ("device", LinkPurpose::Device),
];

/// The time field `key`.
fn time(object: &Value, key: &'static str) -> Result<Timestamp, Invalid> {
    read::number(object, key, MAX_WHOLE).map(Timestamp)
}

impl FromJson for Session {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(Session {
            thread_id: ThreadId::new(read::string(value, "threadId")?),
            token: VisitorToken::new(read::string(value, "token")?),
            expires_at: time(value, "expiresAt")?,
            brand: read::nested(value, "brand")?,
            whatsapp: read::optional(value, "whatsapp")?,
            wechat: read::optional(value, "wechat")?,
            email: read::optional(value, "email")?,
            resolved: read::flag(value, "resolved", false)?,
            rating: read::optional_string(value, "rating")?
                .map(|rating| variant(RATINGS, &rating, RatingStatus::Unknown)),
        })
    }
}

impl FromJson for BrandProfile {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        let text = |key| read::optional_string(value, key);
        let defaults = BrandProfile::default();
        Ok(BrandProfile {
            name: read::string(value, "name")?,
            logo_url: text("logoUrl")?,
            greeting: text("greeting")?,
            theme_color: text("themeColor")?,
            business_hours: read::optional(value, "businessHours")?,
            away_message: text("awayMessage")?,
            read_receipts: text("readReceipts")?.map_or(defaults.read_receipts, |policy| {
                variant(READ_RECEIPTS, &policy, ReadReceipts::Unknown)
            }),
            consent: read::optional(value, "consent")?,
            whatsapp: read::flag(value, "whatsapp", defaults.whatsapp)?,
            wechat: read::flag(value, "wechat", defaults.wechat)?,
            email: read::flag(value, "email", defaults.email)?,
            push_key: text("pushKey")?,
            reach_offer_seconds: read::optional_number(value, "reachOfferSeconds", 86_400)?
                .map_or(defaults.reach_offer_seconds, |seconds| seconds as u32),
            suggested_questions: read::list(value, "suggestedQuestions", false)?,
            show_agent_names: read::flag(value, "showAgentNames", defaults.show_agent_names)?,
            theme: text("theme")?.map_or(defaults.theme, |theme| {
                variant(THEMES, &theme, Theme::Unknown)
            }),
            expected_reply_minutes: read::optional_number(value, "expectedReplyMinutes", 100_000)?
                .map(|minutes| minutes as u32),
        })
    }
}

impl FromJson for BusinessHours {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(BusinessHours {
            time_zone: read::string(value, "timeZone")?,
            weekly: read::list(value, "weekly", true)?,
        })
    }
}

impl FromJson for OpeningSpan {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(OpeningSpan {
            day: read::number(value, "day", u8::MAX.into())? as u8,
            open: read::string(value, "open")?,
            close: read::string(value, "close")?,
        })
    }
}

impl FromJson for ConsentNotice {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(ConsentNotice {
            text: read::string(value, "text")?,
            privacy_url: read::string(value, "privacyUrl")?,
        })
    }
}

impl FromJson for WhatsappWindow {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(WhatsappWindow {
            window_ends_at: time(value, "windowEndsAt")?,
        })
    }
}

impl FromJson for WechatWindow {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(WechatWindow {
            window_ends_at: time(value, "windowEndsAt")?,
        })
    }
}

impl FromJson for EmailStatus {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(EmailStatus {
            state: variant(
                VERIFICATIONS,
                &read::string(value, "state")?,
                EmailVerification::Unknown,
            ),
            address: read::string(value, "address")?,
        })
    }
}

impl FromJson for MessagePage {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(MessagePage {
            messages: read::list(value, "messages", true)?,
            has_more: read::flag(value, "hasMore", false)?,
        })
    }
}

impl FromJson for Link {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(Link {
            code: read::string(value, "code")?,
            url: read::string(value, "url")?,
            qr_svg: read::string(value, "qrSvg")?,
            expires_at: time(value, "expiresAt")?,
        })
    }
}

impl FromJson for SocketTicket {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(SocketTicket {
            ticket: read::string(value, "ticket")?,
            expires_at: time(value, "expiresAt")?,
        })
    }
}

impl FromJson for ErrorDetail {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        Ok(ErrorDetail {
            code: read::string(value, "code")?,
            message: read::string(value, "message")?,
            field: None,
        })
    }
}

impl ToJson for SessionRequest {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("brand", self.brand.as_str());
        object.optional_string("token", self.token.as_ref().map(VisitorToken::as_str));
        object.optional_string("userId", self.user_id.as_deref());
        object.optional_string("userHash", self.user_hash.as_deref());
        object.optional_string("page", self.page.as_deref());
        object.optional_string("language", self.language.as_deref());
        object.optional_string("link", self.link.as_deref());
        object.finish()
    }
}

impl ToJson for SendMessage {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("clientId", self.client_id.as_str());
        object.string("text", &self.text);
        object.list("attachments", &self.attachments);
        object.finish()
    }
}

impl ToJson for LinkRequest {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("purpose", word(PURPOSES, &self.purpose));
        object.optional_string("page", self.page.as_deref());
        object.finish()
    }
}

impl ToJson for EmailRequest {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.string("address", &self.address);
        object.optional_string("language", self.language.as_deref());
        object.finish()
    }
}

impl ToJson for RatingRequest {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.number("score", u64::from(self.score));
        object.optional_string("comment", self.comment.as_deref());
        object.finish()
    }
}

impl ToJson for ReadUpTo {
    fn to_json(&self) -> Value {
        let mut object = Object::new();
        object.number("seq", self.seq.0);
        object.finish()
    }
}
