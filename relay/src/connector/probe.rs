//! The console's connector tests (`POST /v1/console/connectors/{kind}/test`): the request
//! each test sends, and the report of what the provider answered. Telegram gets a real
//! `sendMessage` to the brand's group; the webhook a signed `test` event. WhatsApp and
//! WeChat get no message (neither may write to anyone who did not write first): their test
//! is a call that proves the credentials, a Graph API lookup of the brand's number
//! (`GET /{version}/{phone_number_id}?fields=display_phone_number,verified_name`) and a
//! stable-token fetch. No report quotes a token or secret.

use super::whatsapp::API_VERSION;
use confab_protocol::BrandId;
use serde::{Deserialize, Serialize};
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

/// Reads the Bot API's answer (`{"ok":true,…}` or `{"ok":false,"description":"…"}`),
/// quoting nothing of the bot's `token` (it is in the request's URL, which an error page
/// may echo). Redacted before it is clipped, so that no part of it survives a cut.
pub fn telegram_report(status: u16, body: &str, token: &str) -> Report {
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
        detail: clip(&redact(&detail, token)),
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

/// The Graph API lookup a WhatsApp test makes: the number's own node, asking for the
/// fields a report quotes.
pub fn whatsapp_url(base: &str, phone_number_id: &str) -> String {
    format!(
        "{}/{API_VERSION}/{phone_number_id}?fields=display_phone_number,verified_name",
        base.trim_end_matches('/')
    )
}

/// The Graph API's answer to the lookup: the number's fields, or an error.
#[derive(Deserialize)]
struct GraphAnswer {
    #[serde(default)]
    display_phone_number: Option<String>,
    #[serde(default)]
    verified_name: Option<String>,
    #[serde(default)]
    error: Option<GraphError>,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<i64>,
}

/// Reads the Graph API's answer to [`whatsapp_url`]: the number as WhatsApp knows it
/// (`{"display_phone_number":…,"verified_name":…}`), or the error's message. Graph's
/// words may quote the `token` the lookup carried: they never do here.
pub fn whatsapp_report(status: u16, body: &str, token: &str) -> Report {
    let answer: Option<GraphAnswer> = serde_json::from_str(body).ok();
    let (ok, detail) = match answer {
        Some(GraphAnswer {
            error: Some(error), ..
        }) => {
            let detail = match (error.message.is_empty(), error.code) {
                (false, _) => error.message,
                (true, Some(code)) => format!("HTTP {status}: Graph API error {code}"),
                (true, None) => format!("HTTP {status}: {body}"),
            };
            (false, detail)
        }
        Some(GraphAnswer {
            display_phone_number: Some(number),
            verified_name,
            error: None,
        }) if (200..300).contains(&status) => {
            let named = verified_name.map(|name| format!(" ({name})"));
            let known = format!("WhatsApp knows this number: {number}");
            (true, known + &named.unwrap_or_default())
        }
        _ => (false, format!("HTTP {status}: {body}")),
    };
    Report {
        ok,
        status: Some(status),
        detail: clip(&redact(&detail, token)),
    }
}

/// The stable-token API's answer: a token, or `errcode` and `errmsg`.
#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: Option<String>,
}

/// Reads the stable-token API's answer to a test's fetch: whether WeChat issued a token
/// (never quoted, nor is the `app_secret` the fetch carried), or its `errcode` and
/// `errmsg`.
pub fn wechat_report(status: u16, body: &str, app_secret: &str) -> Report {
    let answer: Option<TokenAnswer> = serde_json::from_str(body).ok();
    let token = answer
        .as_ref()
        .and_then(|answer| answer.access_token.clone())
        .filter(|token| !token.is_empty());
    let (ok, detail) = match answer {
        Some(answer) if answer.errcode != 0 => (
            false,
            format!("WeChat {}: {}", answer.errcode, answer.errmsg),
        ),
        Some(_) if token.is_some() && (200..300).contains(&status) => {
            (true, "WeChat issued an access token".to_string())
        }
        _ => (false, format!("HTTP {status}: {body}")),
    };
    Report {
        ok,
        status: Some(status),
        detail: clip(&redact(
            &redact(&detail, token.as_deref().unwrap_or_default()),
            app_secret,
        )),
    }
}

/// `text` without `secret` (a token, say), unless that is too short to tell apart.
pub fn redact(text: &str, secret: &str) -> String {
    match secret.len() >= 4 {
        true => text.replace(secret, "[redacted]"),
        false => text.to_string(),
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
            let report = telegram_report(status, body, "123:bot-token");
            assert_eq!((report.ok, report.status), (ok, Some(status)), "{body}");
            assert!(report.detail.starts_with(detail), "{report:?}");
        }
        let long = telegram_report(500, &"x".repeat(5000), "123:bot-token");
        assert_eq!(long.detail.chars().count(), MAX_DETAIL_CHARS);
        // A token echoed just where the detail is cut leaves no part of itself behind.
        let token = "123456:AAH-the-bots-secret-token";
        let cut = MAX_DETAIL_CHARS - "HTTP 404: ".len() - 5;
        let echoed = format!("{}{token} tail", "y".repeat(cut));
        let report = telegram_report(404, &echoed, token);
        assert!(!report.detail.contains("123456:AAH"), "{report:?}");
        assert!(!report.detail.contains(&token[..5]), "{report:?}");
    }

    #[test]
    fn reads_graphs_answers() {
        let token = "EAAG-the-brands-token";
        for (status, body, ok, detail) in [
            (
                200,
                r#"{"display_phone_number":"+1 555-078-3881","verified_name":"Acme Outdoor","id":"1065"}"#,
                true,
                "WhatsApp knows this number: +1 555-078-3881 (Acme Outdoor)",
            ),
            (
                200,
                r#"{"display_phone_number":"+1 555-078-3881","id":"1065"}"#,
                true,
                "WhatsApp knows this number: +1 555-078-3881",
            ),
            (
                401,
                r#"{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"fbtrace_id":"AbC"}}"#,
                false,
                "Invalid OAuth access token - Cannot parse access token",
            ),
            (
                400,
                r#"{"error":{"message":"Unsupported get request. Object with ID '1065' does not exist","type":"GraphMethodException","code":100}}"#,
                false,
                "Unsupported get request. Object with ID '1065' does not exist",
            ),
            (
                400,
                r#"{"error":{"message":"","type":"OAuthException","code":190}}"#,
                false,
                "HTTP 400: Graph API error 190",
            ),
            // Graph may quote the token it was sent.
            (
                401,
                r#"{"error":{"message":"Invalid OAuth access token EAAG-the-brands-token.","code":190}}"#,
                false,
                "Invalid OAuth access token [redacted].",
            ),
            // A success that names no number is no proof.
            (200, r#"{"id":"1065"}"#, false, r#"HTTP 200: {"id":"1065"}"#),
            (
                502,
                "<html>bad gateway</html>",
                false,
                "HTTP 502: <html>bad gateway</html>",
            ),
            (302, "", false, "HTTP 302: "),
        ] {
            let report = whatsapp_report(status, body, token);
            assert_eq!((report.ok, report.status), (ok, Some(status)), "{body}");
            assert_eq!(report.detail, detail, "{body}");
        }
        let long = whatsapp_report(500, &"x".repeat(5000), token);
        assert_eq!(long.detail.chars().count(), MAX_DETAIL_CHARS);
    }

    #[test]
    fn reads_wechats_answers() {
        let secret = "the-brands-app-secret";
        for (status, body, ok, detail) in [
            (
                200,
                r#"{"access_token":"ACCESS_TOKEN_81","expires_in":7200}"#,
                true,
                "WeChat issued an access token",
            ),
            (
                200,
                r#"{"errcode":40125,"errmsg":"invalid appsecret, rid: 6650a2a1-1f0c"}"#,
                false,
                "WeChat 40125: invalid appsecret, rid: 6650a2a1-1f0c",
            ),
            (
                200,
                r#"{"errcode":40001,"errmsg":"invalid credential, access_token is invalid or not latest"}"#,
                false,
                "WeChat 40001: invalid credential, access_token is invalid or not latest",
            ),
            (
                200,
                r#"{"errcode":40164,"errmsg":"invalid ip 203.0.113.7, not in whitelist"}"#,
                false,
                "WeChat 40164: invalid ip 203.0.113.7, not in whitelist",
            ),
            // Neither the token nor the secret is ever quoted.
            (
                500,
                r#"{"access_token":"ACCESS_TOKEN_81","expires_in":7200}"#,
                false,
                r#"HTTP 500: {"access_token":"[redacted]","expires_in":7200}"#,
            ),
            (
                200,
                r#"{"errcode":40125,"errmsg":"invalid appsecret the-brands-app-secret"}"#,
                false,
                "WeChat 40125: invalid appsecret [redacted]",
            ),
            (
                200,
                r#"{"access_token":""}"#,
                false,
                r#"HTTP 200: {"access_token":""}"#,
            ),
            (
                502,
                "<html>bad gateway</html>",
                false,
                "HTTP 502: <html>bad gateway</html>",
            ),
        ] {
            let report = wechat_report(status, body, secret);
            assert_eq!((report.ok, report.status), (ok, Some(status)), "{body}");
            assert_eq!(report.detail, detail, "{body}");
        }
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
        assert_eq!(
            whatsapp_url("http://127.0.0.1:9/", "1065"),
            format!(
                "http://127.0.0.1:9/{API_VERSION}/1065?fields=display_phone_number,verified_name"
            )
        );
        let report = serde_json::to_value(Report::unanswered("no connector")).unwrap();
        assert_eq!(
            report,
            json!({ "ok": false, "status": null, "detail": "no connector" })
        );
    }
}
