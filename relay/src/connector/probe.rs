//! The console's connector tests (`POST /v1/console/connectors/{kind}/test`): the request
//! each test sends, and the report of what the provider answered. Telegram gets a real
//! `sendMessage` to the brand's group; the webhook a signed `test` event.

use confab_protocol::BrandId;
use serde::Serialize;
use serde_json::{json, Value};

/// What a test posts to the brand's Telegram group.
pub const TEST_TEXT: &str = "Test from the Confab console";

/// The most of a provider's own words a report quotes.
const MAX_DETAIL_CHARS: usize = 300;

/// What a test found: whether the provider took it, its status, and what it said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Whether the provider took it.
    pub ok: bool,
    /// The provider's HTTP status, if it answered at all.
    pub status: Option<u16>,
    /// What the provider answered, in its words where it gave some.
    pub detail: String,
}

impl Report {
    /// No answer: the connector is not set up, or the provider could not be reached.
    pub fn unanswered(detail: impl Into<String>) -> Report {
        Report {
            ok: false,
            status: None,
            detail: clip(&detail.into()),
        }
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_DETAIL_CHARS).collect()
}

/// The `sendMessage` body of a test: the group itself (its General topic), not a thread's.
pub fn telegram_body(chat_id: i64) -> String {
    json!({ "chat_id": chat_id, "text": TEST_TEXT }).to_string()
}

/// Reads the Bot API's answer (`{"ok":true,…}` or `{"ok":false,"description":"…"}`).
pub fn telegram_report(status: u16, body: &str) -> Report {
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let ok = (200..300).contains(&status) && answer["ok"] == true;
    let detail = match answer["description"].as_str() {
        Some(description) => description.to_string(),
        None if ok => "Telegram posted the test message to the group".to_string(),
        None => format!("HTTP {status}: {body}"),
    };
    Report {
        ok,
        status: Some(status),
        detail: clip(&detail),
    }
}

/// The body of a webhook test event: its own type, `test`, which no stored thread sends.
pub fn webhook_body(id: &str, brand: &BrandId, now_ms: u64) -> String {
    json!({ "id": id, "type": "test", "createdAt": now_ms, "brand": brand }).to_string()
}

/// Reads the webhook's answer: a 2xx took it; a redirect is not followed and says where.
pub fn webhook_report(status: u16, location: Option<&str>) -> Report {
    let detail = match location {
        Some(location) => format!("the webhook answered HTTP {status}, redirecting to {location}"),
        None => format!("the webhook answered HTTP {status}"),
    };
    Report {
        ok: (200..300).contains(&status),
        status: Some(status),
        detail: clip(&detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_telegrams_answers() {
        for (status, body, ok, detail) in [
            (
                200,
                r#"{"ok":true,"result":{"message_id":1}}"#,
                true,
                "Telegram posted",
            ),
            (
                400,
                r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
                false,
                "Bad Request: chat not found",
            ),
            (200, r#"{"ok":false}"#, false, "HTTP 200"),
            (502, "<html>bad gateway</html>", false, "HTTP 502: <html>"),
        ] {
            let report = telegram_report(status, body);
            assert_eq!((report.ok, report.status), (ok, Some(status)), "{body}");
            assert!(report.detail.starts_with(detail), "{report:?}");
        }
        let long = telegram_report(500, &"x".repeat(5000));
        assert_eq!(long.detail.chars().count(), MAX_DETAIL_CHARS);
    }

    #[test]
    fn reads_webhook_answers() {
        assert!(webhook_report(204, None).ok);
        let redirect = webhook_report(302, Some("https://elsewhere.example"));
        assert!(!redirect.ok);
        assert!(redirect.detail.contains("elsewhere.example"));
        assert!(!webhook_report(500, None).ok);
    }

    #[test]
    fn writes_the_test_requests() {
        let body: Value = serde_json::from_str(&telegram_body(-1001)).unwrap();
        assert_eq!(body, json!({ "chat_id": -1001, "text": TEST_TEXT }));
        let event: Value =
            serde_json::from_str(&webhook_body("e1", &BrandId::new("acme"), 7)).unwrap();
        assert_eq!(
            event,
            json!({ "id": "e1", "type": "test", "createdAt": 7, "brand": "acme" })
        );
        let report = serde_json::to_value(Report::unanswered("no connector")).unwrap();
        assert_eq!(
            report,
            json!({ "ok": false, "status": null, "detail": "no connector" })
        );
    }
}
