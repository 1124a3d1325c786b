//! Quick replies (issue 17): the buttons a bot or team message may offer the visitor. A tap
//! sends the button's text as the visitor's own message, so nothing but the text travels
//! back. Where no button can be shown (WhatsApp, WeChat, email, the team's Telegram topic)
//! they go as text lines under the message.

use confab_protocol::{normalize_text, MAX_REPLIES, MAX_REPLY_CHARS};

/// The replies as given, checked: at most [`MAX_REPLIES`], each 1–[`MAX_REPLY_CHARS`]
/// characters once normalised and trimmed, on one line, and no two alike.
pub fn validate(replies: Vec<String>) -> Result<Vec<String>, String> {
    if replies.len() > MAX_REPLIES {
        return Err(format!(
            "{} quick replies; at most {MAX_REPLIES}",
            replies.len()
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(replies.len());
    for (index, reply) in replies.into_iter().enumerate() {
        // Trimmed as a visitor's text is, so that a tap's text equals the button's.
        let reply = normalize_text(&reply).unwrap_or_default();
        let chars = reply.chars().count();
        if chars == 0 || chars > MAX_REPLY_CHARS {
            return Err(format!(
                "quick reply {} has {chars} characters; 1 to {MAX_REPLY_CHARS}",
                index + 1
            ));
        }
        if reply.chars().any(char::is_control) {
            return Err(format!("quick reply {} is not one line", index + 1));
        }
        if checked.contains(&reply) {
            return Err(format!("quick reply {} repeats another", index + 1));
        }
        checked.push(reply);
    }
    Ok(checked)
}

/// A message's text with its replies as lines ("• option") under it, for channels that
/// cannot show buttons; the text alone when it offers none.
pub fn with_lines(text: &str, replies: &[String]) -> String {
    if replies.is_empty() {
        return text.to_string();
    }
    let lines: Vec<String> = replies.iter().map(|reply| format!("• {reply}")).collect();
    match text.is_empty() {
        true => lines.join("\n"),
        false => format!("{text}\n\n{}", lines.join("\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replies given, and the replies kept or a part of why they are refused.
    type Case<'a> = (&'a [&'a str], Result<&'a [&'a str], &'a str>);

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    #[test]
    fn replies_are_a_few_short_distinct_lines() {
        let forty = "x".repeat(MAX_REPLY_CHARS);
        let forty_one = "x".repeat(MAX_REPLY_CHARS + 1);
        let cases: [Case; 9] = [
            (&[], Ok(&[])),
            (&["Yes", "No"], Ok(&["Yes", "No"])),
            (&["  Track my order "], Ok(&["Track my order"])),
            (&["查询订单", "退货"], Ok(&["查询订单", "退货"])),
            (&[&forty], Ok(&[&forty])),
            (&[&forty_one], Err("40")),
            (&["a", "b", "c", "d", "e"], Err("at most 4")),
            (&["Yes", "   "], Err("quick reply 2")),
            (&["Yes", "Yes"], Err("repeats")),
        ];
        for (given, expected) in cases {
            let got = validate(strings(given));
            match (&got, expected) {
                (Ok(replies), Ok(wanted)) => assert_eq!(replies, &strings(wanted), "{given:?}"),
                (Err(why), Err(part)) => assert!(why.contains(part), "{given:?}: {why}"),
                _ => panic!("{given:?}: got {got:?}"),
            }
        }
        assert!(validate(strings(&["one\ntwo"])).is_err());
    }

    #[test]
    fn replies_go_as_lines_where_no_button_shows() {
        for (text, replies, expected) in [
            (
                "Anything else?",
                &["Yes", "No"][..],
                "Anything else?\n\n• Yes\n• No",
            ),
            ("Anything else?", &[][..], "Anything else?"),
            ("", &["Yes"][..], "• Yes"),
        ] {
            assert_eq!(with_lines(text, &strings(replies)), expected);
        }
    }
}
