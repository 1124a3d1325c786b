//! The console's one error type: what a call to the relay came to when it did not work.

use thiserror::Error;

/// Why a call to the relay failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ConsoleError {
    /// 401: no session (or it expired, or was revoked); `code` says which refusal it was
    /// (`not_signed_in`, `sign_in_link_invalid`).
    #[error("signed out ({code})")]
    SignedOut {
        /// The relay's code.
        code: String,
    },
    /// Any other refusal, with the relay's code, message and, for settings, the field.
    #[error("{message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The relay's stable code.
        code: String,
        /// Its sentence.
        message: String,
        /// The settings key path the refusal is about, if it says.
        field: Option<String>,
    },
    /// The relay could not be reached, or answered something unreadable.
    #[error("The relay could not be reached ({0}).")]
    Network(String),
}

impl ConsoleError {
    /// The error of an answer with `status` and body `text` (the relay's error JSON, or
    /// anything else).
    pub fn from_answer(status: u16, text: &str) -> ConsoleError {
        #[derive(serde::Deserialize)]
        struct Body {
            error: Detail,
        }
        #[derive(serde::Deserialize)]
        struct Detail {
            code: String,
            message: String,
            #[serde(default)]
            field: Option<String>,
        }
        let detail = crate::api::decode::<Body>(text).ok().map(|body| body.error);
        match (status, detail) {
            (401, detail) => ConsoleError::SignedOut {
                code: detail.map_or_else(|| "not_signed_in".into(), |detail| detail.code),
            },
            (status, Some(detail)) => ConsoleError::Refused {
                status,
                code: detail.code,
                message: detail.message,
                field: detail.field,
            },
            (status, None) => ConsoleError::Refused {
                status,
                code: "unexpected".into(),
                message: format!("The relay answered {status}."),
                field: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_relays_error_bodies() {
        let cases = [
            (
                401,
                r#"{"error":{"code":"sign_in_link_invalid","message":"x"}}"#,
                ConsoleError::SignedOut {
                    code: "sign_in_link_invalid".into(),
                },
            ),
            (
                401,
                "",
                ConsoleError::SignedOut {
                    code: "not_signed_in".into(),
                },
            ),
            (
                422,
                r#"{"error":{"code":"brand_invalid","message":"bad name","field":"name"}}"#,
                ConsoleError::Refused {
                    status: 422,
                    code: "brand_invalid".into(),
                    message: "bad name".into(),
                    field: Some("name".into()),
                },
            ),
            (
                502,
                "<html>",
                ConsoleError::Refused {
                    status: 502,
                    code: "unexpected".into(),
                    message: "The relay answered 502.".into(),
                    field: None,
                },
            ),
        ];
        for (status, body, expected) in cases {
            assert_eq!(ConsoleError::from_answer(status, body), expected, "{body}");
        }
    }
}
