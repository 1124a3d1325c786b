//! The JSON values of the browser: what its own `JSON.parse` makes, read and built through
//! `Reflect`. The widget's wasm build reads and writes every JSON body through these few
//! functions (`json/native.rs` has the same functions for the unit tests).

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

/// A parsed JSON value: a JavaScript value of the browser.
pub type Value = JsValue;

/// Parses JSON text with the browser's `JSON.parse`.
pub fn parse(text: &str) -> Option<Value> {
    JSON::parse(text).ok()
}

/// Prints a value as JSON text with the browser's `JSON.stringify`.
pub fn stringify(value: &Value) -> String {
    // Only cycles and BigInts make `stringify` throw; the writers make neither.
    JSON::stringify(value).map(String::from).unwrap_or_default()
}

/// The field `key` of `object`: `undefined` when it has none or is not an object.
pub fn get(object: &Value, key: &str) -> Value {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether a value is absent: `null`, or the `undefined` of a missing field.
pub fn is_absent(value: &Value) -> bool {
    value.is_null_or_undefined()
}

/// The text of a string.
pub fn as_string(value: &Value) -> Option<String> {
    value.as_string()
}

/// The value of a number.
pub fn as_f64(value: &Value) -> Option<f64> {
    value.as_f64()
}

/// The value of a boolean.
pub fn as_bool(value: &Value) -> Option<bool> {
    value.as_bool()
}

/// The items of an array.
pub fn items(value: &Value) -> Option<Vec<Value>> {
    Array::is_array(value).then(|| value.unchecked_ref::<Array>().to_vec())
}

/// A new, empty object.
pub fn object() -> Value {
    js_sys::Object::new().into()
}

/// Sets the field `key` of `object` (made by [`object`]).
pub fn set(object: &mut Value, key: &str, value: &Value) {
    // Setting a field of a plain object cannot throw.
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// A string.
pub fn string(text: &str) -> Value {
    JsValue::from_str(text)
}

/// A whole number (every number of the protocol is one).
pub fn number(number: u64) -> Value {
    JsValue::from_f64(number as f64)
}

/// A boolean.
pub fn boolean(value: bool) -> Value {
    JsValue::from_bool(value)
}

/// `null`.
pub fn null() -> Value {
    JsValue::NULL
}

/// An array of `items`.
pub fn array(items: Vec<Value>) -> Value {
    items.into_iter().collect::<Array>().into()
}
