//! JSON in and out of the widget.
//!
//! In the browser the text is parsed and printed by the browser's own `JSON`, and serde only
//! walks the resulting JavaScript values (serde-wasm-bindgen): a JSON parser compiled into
//! the wasm would cost every visitor tens of kilobytes. Natively (the unit tests) serde_json
//! does the same job.

use serde::de::DeserializeOwned;
use serde::Serialize;

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
