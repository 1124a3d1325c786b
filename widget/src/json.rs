//! JSON in and out of the widget.
//!
//! In the browser the text is parsed and printed by the browser's own `JSON`, and serde only
//! walks the resulting JavaScript values (serde-wasm-bindgen): a JSON parser compiled into
//! the wasm would cost every visitor tens of kilobytes. Natively (the unit tests) serde_json
//! does the same job.

use confab_protocol::{ErrorDetail, ServerFrame};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Decodes a frame of the relay's socket.
///
/// In the browser the frame's `type` is read first and only its payload goes through serde:
/// serde's own decoder of an internally tagged enum buffers every frame into a generic
/// value and so compiles a second decoder of every type inside it, some 16 KB of wasm. The
/// end-to-end tests drive every kind of frame through this path.
#[cfg(target_arch = "wasm32")]
pub fn decode_frame(text: &str) -> Result<ServerFrame, String> {
    use confab_protocol::{ClientMessageId, Seq};
    use wasm_bindgen::JsValue;
    let value = js_sys::JSON::parse(text).map_err(|_| "not valid JSON".to_string())?;
    let field = |name: &str| {
        js_sys::Reflect::get(&value, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    };
    let string = |name: &str| field(name).as_string().unwrap_or_default();
    let flag = |name: &str| field(name).as_bool().unwrap_or(false);
    fn payload<T: DeserializeOwned>(field: JsValue) -> Result<T, String> {
        serde_wasm_bindgen::from_value(field).map_err(|error| error.to_string())
    }
    Ok(match string("type").as_str() {
        "message" => ServerFrame::Message {
            message: payload(field("message"))?,
        },
        "ready" => ServerFrame::Ready {
            last_seq: Seq(field("lastSeq")
                .as_f64()
                .ok_or("a ready frame without lastSeq")? as u64),
            complete: flag("complete"),
            protocol: field("protocol").as_f64().unwrap_or(0.0) as u32,
        },
        "rejected" => ServerFrame::Rejected {
            client_id: ClientMessageId::new(string("clientId")),
            code: string("code"),
            message: string("message"),
        },
        "typing" => ServerFrame::Typing {
            author: payload(field("author"))?,
            active: flag("active"),
        },
        "erased" => ServerFrame::Erased,
        "pong" => ServerFrame::Pong,
        _ => ServerFrame::Unknown,
    })
}

/// The `{"error":{"code":…,"message":…}}` body of the relay's refusals, if that is what
/// `text` is.
///
/// In the browser the two strings are read from the browser's parse, as with frames: the
/// widget acts on the status alone, and serde's decoder for the body cost more than the
/// rest of the error handling together.
#[cfg(target_arch = "wasm32")]
pub fn decode_error(text: &str) -> Option<ErrorDetail> {
    use js_sys::Reflect;
    let value = js_sys::JSON::parse(text).ok()?;
    let error = Reflect::get(&value, &"error".into()).ok()?;
    let field = |name: &str| Reflect::get(&error, &name.into()).ok()?.as_string();
    Some(ErrorDetail {
        code: field("code")?,
        message: field("message")?,
    })
}

/// The `{"error":{"code":…,"message":…}}` body of the relay's refusals, if that is what
/// `text` is.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_error(text: &str) -> Option<ErrorDetail> {
    decode::<confab_protocol::ErrorBody>(text)
        .ok()
        .map(|body| body.error)
}

/// Decodes a frame of the relay's socket.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_frame(text: &str) -> Result<ServerFrame, String> {
    decode(text)
}

/// Decodes JSON text, or says why it cannot.
#[cfg(target_arch = "wasm32")]
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "not valid JSON".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|error| error.to_string())
}

/// Encodes a value as JSON text (maps become objects, as JSON needs).
#[cfg(target_arch = "wasm32")]
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = value
        .serialize(&serializer)
        .map_err(|error| error.to_string())?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| "not representable as JSON".to_string())
}

/// Decodes JSON text, or says why it cannot.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|error| error.to_string())
}

/// Encodes a value as JSON text.
#[cfg(not(target_arch = "wasm32"))]
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<(&str, &str)>) {
        let detail = decode_error(text);
        let actual = detail
            .as_ref()
            .map(|detail| (detail.code.as_str(), detail.message.as_str()));
        assert_eq!(actual, expected, "{text}");
    }

    #[test]
    fn reads_the_relays_error_bodies() {
        check(
            r#"{"error":{"code":"link_used","message":"This link was used."}}"#,
            Some(("link_used", "This link was used.")),
        );
        check(r#"{"error":{"code":"x"}}"#, None);
        check(r#"{"code":"x","message":"y"}"#, None);
        check("<html>Bad gateway</html>", None);
        check("", None);
    }
}
