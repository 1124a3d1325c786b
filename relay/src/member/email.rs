//! The console's emails, as MIME (`mail-builder`, like the replies emails of
//! [`crate::email::compose`]): a sign-in link a member asked for, and an owner's
//! invitation. English, plain text and HTML, no conversation content.

use crate::email::compose::{escape_html, Envelope};
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;

/// Why the email goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The member asked for a link ("email me a sign-in link").
    SignIn,
    /// An owner added them to the team.
    Invitation,
}

/// The email that carries a sign-in link for `brand`'s console, valid `minutes`.
pub fn sign_in(
    envelope: &Envelope,
    brand: &str,
    url: &str,
    minutes: u64,
    purpose: Purpose,
) -> String {
    let (subject, intro) = match purpose {
        Purpose::SignIn => (
            format!("Sign in to {brand}'s Confab console"),
            format!("Use this link to sign in to {brand}'s console:"),
        ),
        Purpose::Invitation => (
            format!("You are invited to {brand}'s Confab console"),
            format!("You were added to {brand}'s team. Use this link to sign in to its console:"),
        ),
    };
    let note = format!(
        "The link works once, for {minutes} minutes. If you did not expect this email, \
         ignore it: nobody can sign in without the link."
    );
    let text = format!("{intro}\n\n{url}\n\n{note}\n");
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:sans-serif;line-height:1.5;color:#222\">\
         <p>{}</p><p><a href=\"{}\">Sign in</a></p><p style=\"color:#666\">{}</p></body></html>",
        escape_html(&intro),
        escape_html(url),
        escape_html(&note)
    );
    MessageBuilder::new()
        .from((envelope.from_name.clone(), envelope.from.clone()))
        .to(envelope.to.clone())
        .message_id(envelope.message_id.clone())
        .date(envelope.date_ms / 1000)
        .subject(subject)
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .text_body(text)
        .html_body(html)
        .write_to_string()
        // Writing into memory cannot fail.
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_link_in_both_parts() {
        let envelope = Envelope {
            from: "console@shop.example".into(),
            from_name: "Acme & Co".into(),
            to: "ann@shop.example".into(),
            message_id: "m1@shop.example".into(),
            date_ms: 1_700_000_000_000,
        };
        let url = "https://relay.example/console/#token=abc";
        for purpose in [Purpose::SignIn, Purpose::Invitation] {
            let raw = sign_in(&envelope, "Acme & Co", url, 15, purpose);
            let parsed = mail_parser::MessageParser::default()
                .parse(raw.as_bytes())
                .unwrap();
            let text = parsed.body_text(0).unwrap();
            assert!(text.contains(url), "{text}");
            assert!(text.contains("15 minutes"), "{text}");
            let html = parsed.body_html(0).unwrap();
            assert!(html.contains("href=\"https://relay.example/console/#token=abc\""));
            assert!(html.contains("Acme &amp; Co"), "{html}");
            assert!(parsed.subject().unwrap().contains("Acme & Co"));
        }
    }
}
