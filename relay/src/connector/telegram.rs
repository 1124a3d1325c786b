//! Telegram: the team's inbox. Each thread is a forum topic in the brand's Telegram group
//! (a supergroup with Topics on); visitor messages are posted into it by the brand's bot,
//! and what the team writes in the topic comes back through the bot's webhook.
//!
//! Bot API: `POST {base}/bot{token}/{method}` with a JSON body; answers are
//! `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…,
//! "parameters":{"retry_after":…}}`. Texts go without `parse_mode`, so Telegram shows them
//! literally: nothing a visitor writes is read as markup.

mod media;

pub use media::{
    file_form, file_path, file_url, get_file, takes_as_photo, FileForm, FilePart, IncomingFile,
    MAX_CAPTION_CHARS, MAX_PHOTO_BYTES,
};

use super::{by_status, Delivery, FailureReason};
use crate::brand::valid_secret_name;
use crate::error::RelayError;
use confab_protocol::Sender;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The longest text Telegram takes in one message.
pub const MAX_TEXT_CHARS: usize = 4096;

/// A brand's Telegram settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TelegramSettings {
    /// The group's chat id (supergroups are negative, `-100…`).
    pub chat_id: i64,
    /// The Worker secret holding the bot's token.
    pub bot_token_secret: String,
    /// The Worker secret holding the webhook's secret token (`setWebhook(secret_token=…)`).
    pub webhook_secret: String,
}

impl TelegramSettings {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.chat_id >= 0 {
            return Err("telegram.chatId must be a group's (negative) chat id".into());
        }
        for name in [&self.bot_token_secret, &self.webhook_secret] {
            if !valid_secret_name(name) {
                return Err(format!(
                    "telegram secrets name Worker secrets (A-Z, 0-9, _), not {name:?}"
                ));
            }
        }
        Ok(())
    }
}

/// The URL of a Bot API method.
pub fn method_url(base: &str, token: &str, method: &str) -> String {
    format!("{}/bot{token}/{method}", base.trim_end_matches('/'))
}

/// The body of `createForumTopic` for a thread's topic.
pub fn create_topic(chat_id: i64, name: &str) -> String {
    json!({ "chat_id": chat_id, "name": name }).to_string()
}

/// The body of `sendMessage` into a topic.
pub fn send_message(chat_id: i64, topic_id: i64, text: &str) -> String {
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    json!({ "chat_id": chat_id, "message_thread_id": topic_id, "text": text }).to_string()
}

/// A topic's name: "Visitor" and a short, stable tag of the thread (topic names are at most
/// 128 characters; the tag lets the team tell threads apart).
pub fn topic_name(thread: &str) -> String {
    let tag: String = thread
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(6)
        .collect::<String>()
        .to_uppercase();
    format!("Visitor {tag}")
}

/// What the team sees first in a new topic.
pub fn opener(brand_name: &str, page: Option<&str>, language: Option<&str>) -> String {
    let mut lines = vec![format!("New conversation on {brand_name}")];
    if let Some(page) = page {
        lines.push(format!("Page: {page}"));
    }
    if let Some(language) = language {
        lines.push(format!("Language: {language}"));
    }
    lines.push("Reply in this topic to answer the visitor.".into());
    lines.join("\n")
}

/// A Bot API answer.
#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    result: serde_json::Value,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u32>,
}

/// Reads a Bot API answer: its `result` on success, else what the failure means. A
/// redirect is refused whatever its body says: the Bot API does not redirect, so whatever
/// does is not the Bot API, and the call is not sent on to it.
pub fn read_answer(status: u16, body: &str) -> Result<serde_json::Value, Delivery> {
    if (300..400).contains(&status) {
        return Err(by_status(
            status,
            None,
            "Telegram's address redirected the call",
        ));
    }
    let answer: Answer = match serde_json::from_str(body) {
        Ok(answer) => answer,
        // Not the Bot API speaking (a proxy's error page): the status says what it is.
        Err(_) => {
            return Err(match by_status(status, None, "not a Bot API answer") {
                Delivery::Delivered => Delivery::retry(
                    FailureReason::ProviderUnavailable,
                    "Telegram answered without JSON",
                ),
                other => other,
            })
        }
    };
    if answer.ok && (200..300).contains(&status) {
        return Ok(answer.result);
    }
    let code = answer.error_code.unwrap_or(status);
    let retry_after = answer.parameters.and_then(|p| p.retry_after);
    let detail = format!(
        "Telegram: {}",
        answer
            .description
            .unwrap_or_else(|| "no description".into())
    );
    Err(match by_status(code, retry_after, &detail) {
        Delivery::Delivered => Delivery::Retry {
            failure: super::Failure::new(FailureReason::ProviderUnavailable, detail),
            after_seconds: retry_after,
        },
        other => other,
    })
}

/// The topic id in `createForumTopic`'s result.
pub fn topic_id(result: &serde_json::Value) -> Option<i64> {
    result.get("message_thread_id")?.as_i64()
}

/// What a webhook update means for the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// A team member wrote in a topic.
    Reply {
        /// The group.
        chat_id: i64,
        /// The topic.
        topic_id: i64,
        /// Telegram's id of the message (unique in the chat: redeliveries repeat it).
        message_id: i64,
        /// The text (a file's caption; empty for a file without one).
        text: String,
        /// The member who wrote it (their Telegram first and last name).
        sender: Option<Sender>,
        /// The photo (its largest size) or document sent, if any.
        file: Option<IncomingFile>,
    },
    /// Nothing for the relay: bots, service messages, messages outside topics, other kinds
    /// of messages.
    Ignored(&'static str),
}

#[derive(Deserialize)]
struct RawUpdate {
    #[serde(default)]
    message: Option<RawMessage>,
}

#[derive(Deserialize)]
struct RawMessage {
    message_id: i64,
    chat: RawChat,
    #[serde(default)]
    from: Option<RawUser>,
    #[serde(default)]
    message_thread_id: Option<i64>,
    #[serde(default)]
    is_topic_message: bool,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    photo: Vec<media::RawPhotoSize>,
    #[serde(default)]
    document: Option<media::RawDocument>,
}

#[derive(Deserialize)]
struct RawChat {
    id: i64,
}

#[derive(Deserialize)]
struct RawUser {
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: Option<String>,
}

/// Whether a topic message is `/bot on` or `/bot off` (Telegram may add the bot's name:
/// `/bot@acme_bot off`): the team turning the thread's bot on (`Some(true)`) or off.
pub fn bot_command(text: &str) -> Option<bool> {
    let mut words = text.split_whitespace();
    let command = words.next()?;
    let (name, _bot) = command.split_once('@').unwrap_or((command, ""));
    if !name.eq_ignore_ascii_case("/bot") {
        return None;
    }
    let on = match words.next()?.to_ascii_lowercase().as_str() {
        "on" => true,
        "off" => false,
        _ => return None,
    };
    words.next().is_none().then_some(on)
}

/// Reads a webhook update.
pub fn read_update(body: &[u8]) -> Result<Update, RelayError> {
    let update: RawUpdate = serde_json::from_slice(body)
        .map_err(|e| RelayError::MalformedJson(format!("Telegram update: {e}")))?;
    let Some(message) = update.message else {
        return Ok(Update::Ignored("not a new message"));
    };
    let Some(from) = message.from.filter(|from| !from.is_bot) else {
        return Ok(Update::Ignored("written by a bot"));
    };
    let (Some(topic_id), true) = (message.message_thread_id, message.is_topic_message) else {
        return Ok(Update::Ignored("not in a topic"));
    };
    let file = media::incoming_file(&message.photo, message.document, message.message_id);
    let text = message
        .text
        .or(message.caption)
        .filter(|text| !text.trim().is_empty());
    let text = match (text, &file) {
        (Some(text), _) => text,
        (None, Some(_)) => String::new(),
        (None, None) => return Ok(Update::Ignored("no text")),
    };
    Ok(Update::Reply {
        chat_id: message.chat.id,
        topic_id,
        message_id: message.message_id,
        text,
        sender: Sender::from_names([
            from.first_name.as_str(),
            from.last_name.as_deref().unwrap_or(""),
        ]),
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Failure;

    const FIXTURE: &str = include_str!("../../tests/fixtures/telegram/update-topic-reply.json");

    fn check_update(body: &str, expected: Update) {
        assert_eq!(read_update(body.as_bytes()).unwrap(), expected, "{body}");
    }

    #[test]
    fn bot_commands_turn_the_threads_bot_on_and_off() {
        for (text, expected) in [
            ("/bot on", Some(true)),
            ("/bot off", Some(false)),
            ("  /BOT   Off ", Some(false)),
            ("/bot@acme_support_bot on", Some(true)),
            ("/bot", None),
            ("/bot maybe", None),
            ("/bot on now", None),
            ("/botany on", None),
            ("bot on", None),
            ("The bot is on", None),
        ] {
            assert_eq!(bot_command(text), expected, "{text:?}");
        }
    }

    #[test]
    fn reads_a_team_reply_in_a_topic() {
        check_update(
            FIXTURE,
            Update::Reply {
                chat_id: -1001234567890,
                topic_id: 41,
                message_id: 58,
                text: "Hi! Yes, the blue one ships tomorrow.".into(),
                sender: Sender::from_names(["Ana"]),
                file: None,
            },
        );
        // A last name joins the first; a member without a usable name has no sender.
        let full = FIXTURE.replace(
            "\"first_name\": \"Ana\"",
            "\"first_name\": \"Ana\", \"last_name\": \"Lima\"",
        );
        let Update::Reply { sender, .. } = read_update(full.as_bytes()).unwrap() else {
            panic!("a reply");
        };
        assert_eq!(sender.unwrap().name, "Ana Lima");
        let nameless = FIXTURE.replace("\"first_name\": \"Ana\"", "\"first_name\": \" \"");
        let Update::Reply { sender, .. } = read_update(nameless.as_bytes()).unwrap() else {
            panic!("a reply");
        };
        assert_eq!(sender, None);
    }

    #[test]
    fn ignores_what_is_not_a_reply() {
        let bot = FIXTURE.replace("\"is_bot\": false", "\"is_bot\": true");
        check_update(&bot, Update::Ignored("written by a bot"));
        check_update(r#"{"update_id": 1}"#, Update::Ignored("not a new message"));
        check_update(
            r#"{"message": {"message_id": 1, "chat": {"id": -5}, "from": {"is_bot": false}, "text": "hi"}}"#,
            Update::Ignored("not in a topic"),
        );
        check_update(
            r#"{"message": {"message_id": 1, "chat": {"id": -5}, "from": {"is_bot": false},
                "message_thread_id": 4, "is_topic_message": true,
                "forum_topic_created": {"name": "x"}}}"#,
            Update::Ignored("no text"),
        );
        assert!(matches!(
            read_update(b"not json"),
            Err(RelayError::MalformedJson(_))
        ));
    }

    fn check_answer(status: u16, body: &str, expected: Result<serde_json::Value, Delivery>) {
        assert_eq!(read_answer(status, body), expected, "{status} {body}");
    }

    #[test]
    fn reads_answers() {
        check_answer(
            200,
            r#"{"ok":true,"result":{"message_thread_id":41,"name":"Visitor X"}}"#,
            Ok(json!({"message_thread_id": 41, "name": "Visitor X"})),
        );
        check_answer(
            429,
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#,
            Err(Delivery::RateLimited {
                failure: Failure::new(
                    FailureReason::ProviderUnavailable,
                    "HTTP 429: Telegram: Too Many Requests: retry after 3",
                )
                .with_status(429),
                after_seconds: 3,
            }),
        );
        check_answer(
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
            Err(Delivery::refused(
                FailureReason::ProviderRejected,
                "HTTP 400: Telegram: Bad Request: chat not found",
            )
            .with_status(400)),
        );
        check_answer(
            502,
            "<html>Bad gateway</html>",
            Err(Delivery::retry(
                FailureReason::ProviderUnavailable,
                "HTTP 502: not a Bot API answer",
            )
            .with_status(502)),
        );
        check_answer(
            200,
            "",
            Err(Delivery::retry(
                FailureReason::ProviderUnavailable,
                "Telegram answered without JSON",
            )),
        );
    }

    #[test]
    fn redirects_are_refused_whatever_the_body() {
        for body in ["", r#"{"ok":true,"result":{"message_thread_id":41}}"#] {
            check_answer(
                302,
                body,
                Err(Delivery::refused(
                    FailureReason::Redirected,
                    "HTTP 302: Telegram's address redirected the call",
                )
                .with_status(302)),
            );
        }
    }

    #[test]
    fn a_description_quoting_the_token_keeps_it_out_of_the_failure() {
        let Err(Delivery::Refused { failure }) = read_answer(
            404,
            r#"{"ok":false,"error_code":404,"description":"Not Found: https://api.telegram.org/bot4242:fake-bot-token/sendMessage"}"#,
        ) else {
            panic!("a 404 is a refusal");
        };
        assert_eq!(failure.reason, FailureReason::ProviderRejected);
        assert_eq!(
            failure.detail(),
            "HTTP 404: Telegram: Not Found: https://api.telegram.org/…"
        );
        assert!(!failure.visitor_text().contains("Telegram"));
    }

    #[test]
    fn builds_requests() {
        assert_eq!(
            method_url("http://127.0.0.1:9/", "123:abc", "sendMessage"),
            "http://127.0.0.1:9/bot123:abc/sendMessage"
        );
        let body: serde_json::Value =
            serde_json::from_str(&send_message(-100, 41, "<b>hi</b> & bye")).unwrap();
        assert_eq!(
            body,
            json!({"chat_id": -100, "message_thread_id": 41, "text": "<b>hi</b> & bye"}),
            "text goes as is, without parse_mode: Telegram shows it literally"
        );
        assert_eq!(topic_name("k2Q9-x7abcdef"), "Visitor K2Q9X7");
        assert_eq!(
            opener("Acme", Some("https://acme.test/tents"), Some("zh-CN")),
            "New conversation on Acme\nPage: https://acme.test/tents\nLanguage: zh-CN\n\
             Reply in this topic to answer the visitor."
        );
    }
}
