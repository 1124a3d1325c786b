//! The emails the relay sends, as MIME (built by `mail-builder`): the verification email,
//! and the team's replies the visitor has not seen (their quick replies as lines under
//! them). Plain text and simple HTML, in the thread's language (English or Simplified
//! Chinese), with one-click unsubscribe (`List-Unsubscribe` with an https URL and
//! `List-Unsubscribe-Post`, RFC 8058).

use super::Language;
use crate::resolution::replies::with_lines;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::MessageBuilder;

/// Who sends, and the mail's fixed parts.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// The sender's address (the brand's `email.from`).
    pub from: String,
    /// The sender's display name.
    pub from_name: String,
    /// The visitor's address.
    pub to: String,
    /// The `Message-ID`, without angle brackets (`<random>@<from's domain>`).
    pub message_id: String,
    /// When (ms since the epoch), for `Date`.
    pub date_ms: u64,
}

/// A team member's reply in an email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Who wrote it (a team member's name, or the brand's).
    pub who: String,
    /// What they wrote (files as their names).
    pub text: String,
    /// The quick replies the message offers: an email shows no buttons, so they go as
    /// lines under the text, for the visitor to answer with.
    pub quick_replies: Vec<String>,
}

/// The replies email's content.
#[derive(Clone, Debug)]
pub struct Replies {
    /// The brand's name.
    pub brand: String,
    /// The replies, oldest first.
    pub replies: Vec<Reply>,
    /// The "Continue the conversation" link (absolute).
    pub continue_url: String,
    /// The one-click unsubscribe link (absolute, https in production).
    pub unsubscribe_url: String,
    /// `reply+<ref>@<reply domain>`.
    pub reply_to: String,
    /// The language.
    pub language: Language,
}

struct Texts {
    verify_subject: &'static str,
    verify_intro: &'static str,
    verify_button: &'static str,
    verify_note: &'static str,
    replies_subject: &'static str,
    replies_intro: &'static str,
    continue_label: &'static str,
    reply_hint: &'static str,
    unsubscribe: &'static str,
}

fn texts(language: Language) -> &'static Texts {
    match language {
        Language::En => &Texts {
            verify_subject: "Confirm your email for {brand}",
            verify_intro: "Confirm that {brand} may email its replies to {address}:",
            verify_button: "Confirm my email",
            verify_note: "The link works for 24 hours. If you did not ask for this, ignore this email: nothing will be sent.",
            replies_subject: "New reply from {brand}",
            replies_intro: "{brand} answered you:",
            continue_label: "Continue the conversation",
            reply_hint: "You can also answer by replying to this email.",
            unsubscribe: "Stop these emails",
        },
        Language::ZhCn => &Texts {
            verify_subject: "确认您的邮箱 - {brand}",
            verify_intro: "请确认 {brand} 可以将回复发送到 {address}：",
            verify_button: "确认邮箱",
            verify_note: "链接 24 小时内有效。如果这不是您本人的操作，请忽略此邮件，我们不会再发送任何内容。",
            replies_subject: "{brand} 回复了您",
            replies_intro: "{brand} 回复了您：",
            continue_label: "继续对话",
            reply_hint: "您也可以直接回复此邮件。",
            unsubscribe: "不再接收这些邮件",
        },
    }
}

fn fill(template: &str, brand: &str, address: &str) -> String {
    template
        .replace("{brand}", brand)
        .replace("{address}", address)
}

/// Text for HTML: `&`, `<`, `>`, quotes escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_page(language: Language, body: &str) -> String {
    let lang = match language {
        Language::En => "en",
        Language::ZhCn => "zh-CN",
    };
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:sans-serif;line-height:1.5;color:#222\">{body}</body></html>"
    )
}

fn base(envelope: &Envelope) -> MessageBuilder<'static> {
    MessageBuilder::new()
        .from((envelope.from_name.clone(), envelope.from.clone()))
        .to(envelope.to.clone())
        .message_id(envelope.message_id.clone())
        .date(envelope.date_ms / 1000)
}

fn write(builder: MessageBuilder<'_>) -> String {
    // Writing into memory cannot fail.
    builder.write_to_string().unwrap_or_default()
}

/// The verification email: the link the visitor follows to confirm the address. It
/// carries no conversation content (the address is not known to be theirs yet).
pub fn verification(
    envelope: &Envelope,
    brand: &str,
    verify_url: &str,
    language: Language,
) -> String {
    let t = texts(language);
    let intro = fill(t.verify_intro, brand, &envelope.to);
    let text = format!("{intro}\n\n{verify_url}\n\n{}\n", t.verify_note);
    let html = html_page(
        language,
        &format!(
            "<p>{}</p><p><a href=\"{}\">{}</a></p><p style=\"color:#666\">{}</p>",
            escape_html(&intro),
            escape_html(verify_url),
            escape_html(t.verify_button),
            escape_html(t.verify_note)
        ),
    );
    write(
        base(envelope)
            .subject(fill(t.verify_subject, brand, &envelope.to))
            .header("Auto-Submitted", Raw::new("auto-generated"))
            .text_body(text)
            .html_body(html),
    )
}

/// The replies email: the team's replies the visitor has not seen, a link to continue the
/// conversation, the reply address, and one-click unsubscribe.
pub fn replies(envelope: &Envelope, content: &Replies) -> String {
    let t = texts(content.language);
    let brand = &content.brand;
    let intro = fill(t.replies_intro, brand, &envelope.to);
    let mut text = format!("{intro}\n\n");
    let mut html = format!("<p>{}</p>", escape_html(&intro));
    for reply in &content.replies {
        text.push_str(&format!(
            "{}:\n{}\n\n",
            reply.who,
            with_lines(&reply.text, &reply.quick_replies)
        ));
        html.push_str(&format!(
            "<p><strong>{}</strong><br>{}</p>",
            escape_html(&reply.who),
            escape_html(&reply.text).replace('\n', "<br>")
        ));
        if !reply.quick_replies.is_empty() {
            let items: String = reply
                .quick_replies
                .iter()
                .map(|quick| format!("<li>{}</li>", escape_html(quick)))
                .collect();
            html.push_str(&format!("<ul>{items}</ul>"));
        }
    }
    text.push_str(&format!(
        "{}: {}\n\n{}\n\n{}: {}\n",
        t.continue_label,
        content.continue_url,
        t.reply_hint,
        t.unsubscribe,
        content.unsubscribe_url
    ));
    html.push_str(&format!(
        "<p><a href=\"{}\">{}</a></p><p style=\"color:#666\">{}</p>\
         <p style=\"color:#666;font-size:small\"><a href=\"{}\">{}</a></p>",
        escape_html(&content.continue_url),
        escape_html(t.continue_label),
        escape_html(t.reply_hint),
        escape_html(&content.unsubscribe_url),
        escape_html(t.unsubscribe)
    ));
    write(
        base(envelope)
            .reply_to(content.reply_to.clone())
            .subject(fill(t.replies_subject, brand, &envelope.to))
            .header(
                "List-Unsubscribe",
                URL::new(content.unsubscribe_url.clone()),
            )
            .header(
                "List-Unsubscribe-Post",
                Raw::new("List-Unsubscribe=One-Click"),
            )
            .header("Auto-Submitted", Raw::new("auto-generated"))
            .text_body(text)
            .html_body(html_page(content.language, &html)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{HeaderValue, MessageParser};

    fn envelope() -> Envelope {
        Envelope {
            from: "support@acme.example".into(),
            from_name: "Acme <Support>".into(),
            to: "anna@example.com".into(),
            message_id: "abc123@acme.example".into(),
            date_ms: 1_764_759_600_000,
        }
    }

    fn content(language: Language) -> Replies {
        Replies {
            brand: "Acme".into(),
            replies: vec![
                Reply {
                    who: "Bo".into(),
                    text: "First <b>line</b>".into(),
                    quick_replies: Vec::new(),
                },
                Reply {
                    who: "Bo".into(),
                    text: "Second\nline".into(),
                    quick_replies: vec!["Track <my> order".into(), "No, thanks".into()],
                },
            ],
            continue_url: "https://relay.example/v1/email/continue?t=x&n=y&s=z".into(),
            unsubscribe_url: "https://relay.example/v1/email/unsubscribe?t=x&n=y&s=z".into(),
            reply_to: "reply+00ff-aa@reply.acme.example".into(),
            language,
        }
    }

    fn header<'a>(message: &'a mail_parser::Message<'a>, name: &str) -> Option<String> {
        message.header_raw(name).map(|raw| raw.trim().to_string())
    }

    #[test]
    fn replies_carry_the_headers_and_both_bodies() {
        let raw = replies(&envelope(), &content(Language::En));
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(message.message_id(), Some("abc123@acme.example"));
        assert_eq!(message.subject(), Some("New reply from Acme"));
        let from = message.from().and_then(|from| from.first()).unwrap();
        assert_eq!(from.address(), Some("support@acme.example"));
        assert_eq!(from.name(), Some("Acme <Support>"));
        let reply_to = message.reply_to().and_then(|to| to.first()).unwrap();
        assert_eq!(reply_to.address(), Some("reply+00ff-aa@reply.acme.example"));
        assert_eq!(
            header(&message, "List-Unsubscribe").as_deref(),
            Some("<https://relay.example/v1/email/unsubscribe?t=x&n=y&s=z>")
        );
        assert_eq!(
            header(&message, "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(matches!(
            message.header("Date"),
            Some(HeaderValue::DateTime(_))
        ));
        let text = message.body_text(0).unwrap().replace("\r\n", "\n");
        assert!(text.contains("Bo:\nFirst <b>line</b>"), "{text}");
        assert!(text.contains("Continue the conversation: https://relay.example/v1/email/continue"));
        let html = message.body_html(0).unwrap();
        assert!(html.contains("First &lt;b&gt;line&lt;/b&gt;"), "{html}");
        assert!(html.contains("Second<br>line"));
        // The quick replies, as lines under their message's text, escaped in HTML; none
        // under a message that offers none.
        assert!(
            text.contains(
                "Bo:\nFirst <b>line</b>\n\nBo:\nSecond\nline\n\n• Track <my> order\n• No, thanks\n"
            ),
            "{text}"
        );
        assert!(
            html.contains(
                "Second<br>line</p><ul><li>Track &lt;my&gt; order</li><li>No, thanks</li></ul>"
            ),
            "{html}"
        );
        assert_eq!(html.matches("<ul>").count(), 1, "{html}");
        assert!(
            html.contains("href=\"https://relay.example/v1/email/continue?t=x&amp;n=y&amp;s=z\"")
        );
    }

    #[test]
    fn chinese_threads_get_chinese_emails() {
        let raw = replies(&envelope(), &content(Language::ZhCn));
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(message.subject(), Some("Acme 回复了您"));
        assert!(message.body_text(0).unwrap().contains("继续对话"));
        let raw = verification(
            &envelope(),
            "Acme",
            "https://relay.example/v1/email/verify?x",
            Language::ZhCn,
        );
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(message.subject(), Some("确认您的邮箱 - Acme"));
    }

    #[test]
    fn the_verification_email_carries_the_link_and_no_reply_address() {
        let url = "https://relay.example/v1/email/verify?t=x&n=y&e=1&s=z";
        let raw = verification(&envelope(), "Acme", url, Language::En);
        let message = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(message.subject(), Some("Confirm your email for Acme"));
        assert!(message.body_text(0).unwrap().contains(url));
        assert!(message.reply_to().is_none());
        assert!(message.header_raw("List-Unsubscribe").is_none());
        // No header a sending service refuses (miniflare's check, and Cloudflare's).
        assert!(message.header_raw("Received").is_none());
    }
}
