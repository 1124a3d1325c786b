//! Connectors: how the relay talks to the places a brand's team works — Telegram and the
//! brand's own backend (signed webhooks) — and to WhatsApp, where visitors may continue.
//!
//! Each connector builds its provider's requests and reads its answers and webhooks in pure
//! code, tested natively from recorded payloads; the edge only moves the bytes. Provider
//! payloads never leave their connector: what comes out is the relay's own types
//! ([`Delivery`], [`telegram::Update`], …).

pub mod telegram;
pub mod webhook;
pub mod whatsapp;

use serde::{Deserialize, Serialize};

/// A brand's connectors, as its settings hold them. Settings name Worker secrets; they never
/// hold one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connectors {
    /// The team's Telegram group, one forum topic per thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telegram: Option<telegram::TelegramSettings>,
    /// The brand's own backend, which receives signed events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<webhook::WebhookSettings>,
    /// The brand's WhatsApp number, onto which visitors can carry their thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<whatsapp::WhatsAppSettings>,
}

impl Connectors {
    /// Whether no connector is set.
    pub fn is_empty(&self) -> bool {
        self.telegram.is_none() && self.webhook.is_none() && self.whatsapp.is_none()
    }

    /// Which connectors a thread's messages go to.
    pub fn forwarding(&self) -> Forwarding {
        Forwarding {
            telegram: self.telegram.is_some(),
            webhook: self.webhook.is_some(),
        }
    }

    /// Checks the settings; the message says what to fix. `allow_local` permits webhook
    /// URLs on this machine (development and tests only).
    pub fn validate(&self, allow_local: bool) -> Result<(), String> {
        if let Some(telegram) = &self.telegram {
            telegram.validate()?;
        }
        if let Some(webhook) = &self.webhook {
            webhook.validate(allow_local)?;
        }
        if let Some(whatsapp) = &self.whatsapp {
            whatsapp.validate()?;
        }
        Ok(())
    }
}

/// Which connectors a thread forwards to (what the thread's object needs to know to enqueue
/// jobs; the consumer reads the full settings).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Forwarding {
    /// Visitor messages go to the brand's Telegram group.
    #[serde(default)]
    pub telegram: bool,
    /// Events go to the brand's webhook.
    #[serde(default)]
    pub webhook: bool,
}

/// What an attempt to deliver came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The provider took it.
    Delivered,
    /// It failed in a way that may pass (5xx, timeouts, refused connections).
    Retry {
        /// What went wrong, for the log and, if it never passes, for the visitor.
        reason: String,
        /// How long the provider asked to wait, if it did.
        after_seconds: Option<u32>,
    },
    /// The provider asks to slow down (429): try again after the delay, without counting
    /// it as a failed attempt.
    RateLimited {
        /// What the provider said.
        reason: String,
        /// How long to wait.
        after_seconds: u32,
    },
    /// The provider refused it for good (4xx, bad settings): retrying cannot help.
    Refused {
        /// Why.
        reason: String,
    },
}

/// How an HTTP status of a provider's answer reads, when the body says no more.
pub fn by_status(status: u16, retry_after: Option<u32>, detail: &str) -> Delivery {
    let reason = format!(
        "HTTP {status}{}{detail}",
        if detail.is_empty() { "" } else { ": " }
    );
    match status {
        200..=299 => Delivery::Delivered,
        429 => Delivery::RateLimited {
            reason,
            after_seconds: retry_after.unwrap_or(1),
        },
        408 | 500..=599 => Delivery::Retry {
            reason,
            after_seconds: retry_after,
        },
        _ => Delivery::Refused { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, retry_after: Option<u32>, expected: Delivery) {
        assert_eq!(by_status(status, retry_after, "x"), expected, "{status}");
    }

    #[test]
    fn reads_statuses() {
        check(200, None, Delivery::Delivered);
        check(204, None, Delivery::Delivered);
        let retry = |after_seconds| Delivery::Retry {
            reason: "HTTP 503: x".into(),
            after_seconds,
        };
        check(503, None, retry(None));
        check(503, Some(7), retry(Some(7)));
        check(
            429,
            Some(3),
            Delivery::RateLimited {
                reason: "HTTP 429: x".into(),
                after_seconds: 3,
            },
        );
        check(
            404,
            None,
            Delivery::Refused {
                reason: "HTTP 404: x".into(),
            },
        );
    }

    #[test]
    fn settings_are_optional_and_tolerant() {
        let connectors: Connectors = serde_json::from_str(r#"{"slack": {"x": 1}}"#).unwrap();
        assert!(connectors.is_empty());
        assert_eq!(connectors.forwarding(), Forwarding::default());
    }
}
