//! JSON in and out of the widget: hand-written readers and writers over the browser's own
//! `JSON`, instead of serde.
//!
//! In the browser the text is parsed and printed by the browser's `JSON`, and each type's
//! reader ([`FromJson`]) or writer ([`ToJson`]) goes through the fields of the resulting
//! JavaScript object one by one, with a few small shared helpers ([`read`], [`mod@write`]).
//! serde and serde-wasm-bindgen compiled a visitor per type, a deserializer per field type
//! inside it, and their error and float formatting: the hand-written code is 18.8 KB less
//! of the widget's gzipped wasm (126.4 KB to 107.6 KB, measured with
//! `cargo xtask build --widget`).
//!
//! Natively (the unit tests) the same readers and writers run on `serde_json`'s values:
//! only the few functions of the backend (`json/browser.rs` in the browser,
//! `json/native.rs` natively) differ, and the tests pin every reader and writer to the
//! wire format serde gives the protocol's types.

mod api;
#[cfg(target_arch = "wasm32")]
pub mod browser;
mod message;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod read;
mod stored;
#[cfg(test)]
mod tests;
mod words;
pub mod write;

#[cfg(target_arch = "wasm32")]
use browser as backend;
#[cfg(not(target_arch = "wasm32"))]
use native as backend;

pub use backend::Value;

use confab_protocol::{ClientMessageId, ErrorDetail, Seq, ServerFrame};
use message::AUTHORS;
use words::required_variant;

/// A value that reads from parsed JSON.
pub trait FromJson: Sized {
    /// Reads the value, or names the field that is missing or not of its type.
    fn from_json(value: &Value) -> Result<Self, Invalid>;
}

/// A value that writes itself as JSON.
pub trait ToJson {
    /// The value as JSON.
    fn to_json(&self) -> Value;
}

/// Why a value did not read: the key of the field that is missing or not of its type (for
/// a value that is not a field, what it should have been: "a string", "a list").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid(pub &'static str);

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        backend::as_string(value).ok_or(Invalid("a string"))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Result<Self, Invalid> {
        backend::items(value)
            .ok_or(Invalid("a list"))?
            .iter()
            .map(T::from_json)
            .collect()
    }
}

/// Decodes JSON text, or says why it cannot.
pub fn decode<T: FromJson>(text: &str) -> Result<T, String> {
    T::from_json(&parse(text)?).map_err(Invalid::explain)
}

/// Parses JSON text, or says it is not JSON.
fn parse(text: &str) -> Result<Value, String> {
    backend::parse(text).ok_or_else(|| "not valid JSON".to_string())
}

impl Invalid {
    /// Says which field was wrong.
    fn explain(self) -> String {
        ["missing or invalid: ", self.0].concat()
    }
}

/// Encodes a value as JSON text.
pub fn encode<T: ToJson + ?Sized>(value: &T) -> String {
    backend::stringify(&value.to_json())
}

/// Decodes a frame of the relay's socket: its `type` first, then that frame's fields.
/// Frames of an unknown type (or none) are `Unknown`, as the protocol says; a missing
/// `complete` or `active` is false (the relay always sends both).
pub fn decode_frame(text: &str) -> Result<ServerFrame, String> {
    frame(&parse(text)?).map_err(|Invalid(key)| ["a frame without ", key].concat())
}

/// The frame `value` is.
fn frame(value: &Value) -> Result<ServerFrame, Invalid> {
    let string = |key| read::string(value, key);
    Ok(match read::optional_string(value, "type")?.as_deref() {
        Some("message") => ServerFrame::Message {
            message: read::nested(value, "message")?,
        },
        Some("ready") => ServerFrame::Ready {
            last_seq: Seq(read::number(value, "lastSeq", read::MAX_WHOLE)?),
            complete: read::flag(value, "complete", false)?,
            protocol: read::optional_number(value, "protocol", u32::MAX.into())?.unwrap_or(0)
                as u32,
        },
        Some("rejected") => ServerFrame::Rejected {
            client_id: ClientMessageId::new(string("clientId")?),
            code: string("code")?,
            message: string("message")?,
        },
        Some("typing") => ServerFrame::Typing {
            author: required_variant(value, "author", AUTHORS, confab_protocol::Author::Unknown)?,
            active: read::flag(value, "active", false)?,
            // Only the team's own sockets get a name; the widget shows "typing" alone.
            name: None,
        },
        Some("erased") => ServerFrame::Erased,
        Some("pong") => ServerFrame::Pong,
        _ => ServerFrame::Unknown,
    })
}

/// The `{"error":{"code":…,"message":…}}` body of the relay's refusals, if that is what
/// `text` is.
pub fn decode_error(text: &str) -> Option<ErrorDetail> {
    read::nested(&backend::parse(text)?, "error").ok()
}
