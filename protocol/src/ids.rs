//! Identifiers and scalar values, as newtypes so that a thread id is never passed where a
//! message id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a string; no validation happens here (see the relay for that).
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A brand (tenant) that embeds the widget, e.g. `demo`.
    BrandId
);
string_id!(
    /// A conversation thread: at least 128 random bits, so it cannot be guessed.
    ThreadId
);
string_id!(
    /// A message, assigned by the relay.
    MessageId
);
string_id!(
    /// A message id chosen by the sender before the first attempt, so that retries of the
    /// same send are recognised and stored once.
    ClientMessageId
);
string_id!(
    /// A file uploaded to a thread, assigned by the relay: 128 random bits as base64url.
    AttachmentId
);
string_id!(
    /// A signed, expiring credential that lets one visitor use one thread of one brand.
    VisitorToken
);

/// The longest client id, in characters.
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Why a client id was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientIdError {
    /// Empty, or longer than [`MAX_CLIENT_ID_CHARS`].
    Length {
        /// How many characters it has.
        chars: usize,
    },
    /// A character other than `A-Z`, `a-z`, `0-9`, `-`, `_` and space (`:` in particular,
    /// which the relay's own ids use: `telegram:…`, `whatsapp:…`).
    Character {
        /// The first such character.
        character: char,
    },
    /// Starts or ends with a space.
    Padded,
}

impl fmt::Display for ClientIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientIdError::Length { chars } => write!(
                f,
                "the clientId has {chars} characters; it needs 1 to {MAX_CLIENT_ID_CHARS}"
            ),
            ClientIdError::Character { character } => write!(
                f,
                "the clientId may only have A-Z, a-z, 0-9, -, _ and spaces, not {character:?}"
            ),
            ClientIdError::Padded => f.write_str("the clientId may not start or end with a space"),
        }
    }
}

impl std::error::Error for ClientIdError {}

/// Checks a client id a sender chose ([`ClientMessageId`]): 1 to [`MAX_CLIENT_ID_CHARS`] of
/// `A-Z`, `a-z`, `0-9`, `-`, `_` and inner spaces. The widget's (a UUID) qualify; the
/// relay's own (`telegram:<chat>:<message>`, `whatsapp:<wamid>`) cannot be chosen.
pub fn validate_client_id(raw: &str) -> Result<(), ClientIdError> {
    let chars = raw.chars().count();
    if !(1..=MAX_CLIENT_ID_CHARS).contains(&chars) {
        return Err(ClientIdError::Length { chars });
    }
    if let Some(character) = raw
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ')))
    {
        return Err(ClientIdError::Character { character });
    }
    if raw.starts_with(' ') || raw.ends_with(' ') {
        return Err(ClientIdError::Padded);
    }
    Ok(())
}

/// A message's position in its thread: assigned by the relay, starting at 1, without gaps.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

/// Milliseconds since the Unix epoch (UTC).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_have_a_shape() {
        let long = "x".repeat(MAX_CLIENT_ID_CHARS);
        let too_long = "x".repeat(MAX_CLIENT_ID_CHARS + 1);
        let character = |character| Err(ClientIdError::Character { character });
        for (raw, expected) in [
            // What the widget sends: a UUID, or without crypto.randomUUID, time-random.
            ("3f2b8c1e-9d4a-4f6b-8e2a-1c5d7b9e0f13", Ok(())),
            ("1795000000000-123456789012345", Ok(())),
            // What the tests and the agent API's callers send.
            ("c1", Ok(())),
            ("load-3", Ok(())),
            ("spread-2-140", Ok(())),
            ("agent-1", Ok(())),
            ("laptop-1", Ok(())),
            ("f17", Ok(())),
            ("h07", Ok(())),
            ("message 3", Ok(())),
            ("visitor 4", Ok(())),
            ("thread 249 message 39", Ok(())),
            ("crm_Ticket_42", Ok(())),
            ("A", Ok(())),
            (long.as_str(), Ok(())),
            // Too short or too long.
            ("", Err(ClientIdError::Length { chars: 0 })),
            (
                too_long.as_str(),
                Err(ClientIdError::Length {
                    chars: MAX_CLIENT_ID_CHARS + 1,
                }),
            ),
            // The relay's own prefixes, and anything but the characters above.
            ("telegram:-1001:42", character(':')),
            ("whatsapp:wamid.HBgN", character(':')),
            (":", character(':')),
            ("a.b", character('.')),
            ("a/b", character('/')),
            ("<script>", character('<')),
            ("a\nb", character('\n')),
            ("a\tb", character('\t')),
            ("a\u{0}b", character('\u{0}')),
            ("a\u{200B}b", character('\u{200B}')),
            ("蓝色", character('蓝')),
            ("é", character('é')),
            // No space at either end (it would look like another id).
            (" c1", Err(ClientIdError::Padded)),
            ("c1 ", Err(ClientIdError::Padded)),
            (" ", Err(ClientIdError::Padded)),
        ] {
            assert_eq!(validate_client_id(raw), expected, "{raw:?}");
        }
    }
}
