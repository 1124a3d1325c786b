//! The readers and writers pinned to the wire format serde gives the protocol's types
//! ([`wire`], [`properties`]): what `serde_json::to_value` makes of a value reads back
//! equal, and what the widget writes is exactly what serde writes. Also the defaults,
//! unknown values, refusals, and the shapes earlier widgets stored ([`tolerance`]). This
//! file holds the shared fixtures.

mod properties;
mod tolerance;
mod wire;

use super::*;
use crate::host::Identity;
use crate::state::Outgoing;
use confab_protocol::*;
use serde::Serialize;
use serde_json::json;

/// `value` as serde writes it reads back equal.
fn reads_as_serde_writes<T>(value: &T)
where
    T: FromJson + Serialize + PartialEq + std::fmt::Debug,
{
    let wire = serde_json::to_value(value).unwrap();
    assert_eq!(T::from_json(&wire).as_ref(), Ok(value), "{wire}");
}

/// `value` is written as serde writes it, and reads back equal.
fn writes_as_serde_does<T>(value: &T)
where
    T: ToJson + Serialize + PartialEq + std::fmt::Debug,
{
    assert_eq!(value.to_json(), serde_json::to_value(value).unwrap());
}

/// `json` reads as `expected`.
fn reads<T: FromJson + PartialEq + std::fmt::Debug>(json: Value, expected: Result<T, Invalid>) {
    assert_eq!(T::from_json(&json), expected, "{json}");
}

fn sender(avatar: bool) -> Sender {
    Sender {
        name: "Ana Lima".into(),
        avatar_url: avatar.then(|| "/v1/images?src=a&sig=b".into()),
    }
}

fn attachment(image: bool) -> Attachment {
    Attachment {
        id: AttachmentId::new("att1"),
        name: "photo 1.png".into(),
        content_type: "image/png".into(),
        declared_type: "image/png".into(),
        size: 123_456,
        width: image.then_some(640),
        height: image.then_some(480),
        url: image.then(|| "/v1/files/t/att1?exp=1&sig=x".into()),
    }
}

/// Messages with every field, none of the optional ones, every status and a failure of
/// each kind (one of the relay's reasons, which writes `failureCode`, and another text).
fn messages() -> Vec<Message> {
    let plain = Message {
        id: MessageId::new("m1"),
        client_id: ClientMessageId::new("c1"),
        seq: Seq(1),
        author: Author::Visitor,
        channel: Channel::Web,
        text: "Hello, \"world\" 👋\n蓝".into(),
        created_at: Timestamp(1_795_000_000_000),
        status: DeliveryStatus::Sent,
        failure: None,
        sender: None,
        attachments: Vec::new(),
        replies: Vec::new(),
    };
    let full = Message {
        seq: Seq(MAX_WHOLE_SEQ),
        author: Author::Agent,
        channel: Channel::Telegram,
        status: DeliveryStatus::Failed,
        failure: Some(FailureReason::WindowClosed.after_attempts(3, Some(400))),
        sender: Some(sender(true)),
        attachments: vec![attachment(true), attachment(false)],
        replies: vec!["Yes, please".into(), "No".into()],
        ..plain.clone()
    };
    let mut all = vec![plain.clone(), full];
    for (author, channel, status) in [
        (Author::System, Channel::Whatsapp, DeliveryStatus::Delivered),
        (Author::Bot, Channel::Api, DeliveryStatus::Read),
        (Author::Unknown, Channel::Unknown, DeliveryStatus::Unknown),
    ] {
        all.push(Message {
            author,
            channel,
            status,
            failure: Some("Something else happened.".into()),
            sender: Some(sender(false)),
            ..plain.clone()
        });
    }
    all
}

/// The largest `seq` the browser holds exactly.
const MAX_WHOLE_SEQ: u64 = (1 << 53) - 1;

fn brand(full: bool) -> BrandProfile {
    if !full {
        return BrandProfile {
            name: "Acme".into(),
            ..BrandProfile::default()
        };
    }
    BrandProfile {
        name: "Acme".into(),
        logo_url: Some("/v1/images?src=l&sig=s".into()),
        greeting: Some("Hi!".into()),
        theme_color: Some("#123abc".into()),
        business_hours: Some(BusinessHours {
            time_zone: "Asia/Shanghai".into(),
            weekly: vec![
                OpeningSpan {
                    day: 1,
                    open: "09:00".into(),
                    close: "18:00".into(),
                },
                OpeningSpan {
                    day: 7,
                    open: "00:00".into(),
                    close: "24:00".into(),
                },
            ],
        }),
        away_message: Some("Back soon".into()),
        read_receipts: ReadReceipts::Off,
        consent: Some(ConsentNotice {
            text: "We keep this.".into(),
            privacy_url: "https://acme.example/privacy".into(),
        }),
        whatsapp: true,
        wechat: true,
        email: true,
        push_key: Some("BPk".into()),
        reach_offer_seconds: 5,
        suggested_questions: vec!["Where is my order?".into(), "Refunds?".into()],
        show_agent_names: false,
        theme: Theme::Dark,
        expected_reply_minutes: Some(15),
    }
}

fn session(brand: BrandProfile, whatsapp: bool) -> Session {
    Session {
        thread_id: ThreadId::new("t1"),
        token: VisitorToken::new("v1.token"),
        expires_at: Timestamp(1_800_000_000_000),
        brand,
        whatsapp: whatsapp.then_some(WhatsappWindow {
            window_ends_at: Timestamp(1_800_000_100_000),
        }),
        wechat: whatsapp.then_some(WechatWindow {
            window_ends_at: Timestamp(1_800_000_200_000),
        }),
        email: whatsapp.then_some(EmailStatus {
            state: EmailVerification::Verified,
            address: "a***@example.com".into(),
        }),
        resolved: whatsapp,
        rating: whatsapp.then_some(RatingStatus::Wanted),
    }
}

/// Parses JSON text (natively: with serde_json).
fn parse(text: &str) -> Option<Value> {
    backend::parse(text)
}
