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
    /// A signed, expiring credential that lets one visitor use one thread of one brand.
    VisitorToken
);

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
