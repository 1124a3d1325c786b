//! A reply email as the Worker's `email` handler receives it: the raw MIME read by
//! `mail-parser` into who sent it, its `Message-ID` and the visitor's own words.

use super::quote::strip_reply;
use sha2::{Digest, Sha256};

/// What the relay takes from a reply email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundEmail {
    /// The `From` header's address.
    pub from: String,
    /// The `Message-ID` (redeliveries repeat it); a digest of the message if it has none.
    pub message_id: String,
    /// The visitor's words: the text part (or the HTML part as text), without the quoted
    /// history and signature. May be empty.
    pub text: String,
}

impl InboundEmail {
    /// The client id the message is stored under: `email:` and 32 hex digits of the
    /// `Message-ID`'s SHA-256, so that the same email delivered twice is stored once.
    pub fn client_id(&self) -> String {
        let digest = Sha256::digest(self.message_id.as_bytes());
        format!("email:{}", &hex::encode(digest)[..32])
    }
}

/// Reads a raw email; `None` if it is not one (no `From` address).
pub fn parse(raw: &[u8]) -> Option<InboundEmail> {
    let message = mail_parser::MessageParser::default().parse(raw)?;
    let from = message
        .from()
        .and_then(|from| from.first())
        .and_then(|address| address.address())?
        .trim()
        .to_string();
    let message_id = match message.message_id() {
        Some(id) => id.to_string(),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    };
    let body = message.body_text(0).unwrap_or_default();
    Some(InboundEmail {
        from,
        message_id,
        text: strip_reply(&body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GMAIL: &str = "Return-Path: <anna@example.com>\r\n\
From: Anna Lee <anna@example.com>\r\n\
To: reply+00ff-aa@reply.acme.example\r\n\
Subject: Re: New reply from Acme\r\n\
Message-ID: <CAF1x2y3z@mail.gmail.com>\r\n\
In-Reply-To: <abc123@acme.example>\r\n\
Date: Thu, 3 Dec 2026 11:05:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=\"UTF-8\"\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Yes, the blue one =E2=80=93 thanks.\r\n\
\r\n\
On Thu, Dec 3, 2026 at 11:02 AM Acme <support@acme.example> wrote:\r\n\
\r\n\
> Which colour?\r\n\
--b1\r\n\
Content-Type: text/html; charset=\"UTF-8\"\r\n\
\r\n\
<div>Yes, the blue one &ndash; thanks.</div><blockquote>Which colour?</blockquote>\r\n\
--b1--\r\n";

    #[test]
    fn reads_sender_id_and_own_words() {
        let email = parse(GMAIL.as_bytes()).unwrap();
        assert_eq!(email.from, "anna@example.com");
        assert_eq!(email.message_id, "CAF1x2y3z@mail.gmail.com");
        assert_eq!(email.text, "Yes, the blue one – thanks.");
        assert_eq!(email.client_id().len(), "email:".len() + 32);
        assert_eq!(
            email.client_id(),
            parse(GMAIL.as_bytes()).unwrap().client_id()
        );
    }

    #[test]
    fn a_chinese_reply_in_base64_is_read() {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD
            .encode("明天下午可以。\n\n在 2026-12-03 11:02，\"Acme\" <support@acme.example> 写道：\n> 您方便什么时候？\n");
        let raw = format!(
            "From: =?UTF-8?B?546L?= <wang@example.cn>\r\nTo: reply+00-11@r.example\r\n\
             Message-ID: <1@163.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
        );
        let email = parse(raw.as_bytes()).unwrap();
        assert_eq!(email.from, "wang@example.cn");
        assert_eq!(email.text, "明天下午可以。");
    }

    #[test]
    fn mail_without_a_sender_is_nothing() {
        assert_eq!(parse(b"Subject: hi\r\n\r\nbody"), None);
        assert_eq!(parse(b""), None);
    }
}
