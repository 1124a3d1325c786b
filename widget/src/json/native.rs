//! The same functions as `json/browser.rs` on `serde_json`'s values, so that natively (the
//! unit tests) the widget reads and writes JSON through exactly the code it runs in the
//! browser, apart from these few functions.

/// A parsed JSON value.
pub type Value = serde_json::Value;

/// Parses JSON text.
pub fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// Prints a value as JSON text.
pub fn stringify(value: &Value) -> String {
    value.to_string()
}

/// The field `key` of `object`: `null` when it has none or is not an object.
pub fn get(object: &Value, key: &str) -> Value {
    object.get(key).cloned().unwrap_or(Value::Null)
}

/// Whether a value is absent (`null`; a missing field reads as `null` here).
pub fn is_absent(value: &Value) -> bool {
    value.is_null()
}

/// The text of a string.
pub fn as_string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
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
    value.as_array().cloned()
}

/// A new, empty object.
pub fn object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// Sets the field `key` of `object` (made by [`object`]).
pub fn set(object: &mut Value, key: &str, value: &Value) {
    if let Value::Object(map) = object {
        map.insert(key.to_string(), value.clone());
    }
}

/// A string.
pub fn string(text: &str) -> Value {
    Value::from(text)
}

/// A whole number (every number of the protocol is one).
pub fn number(number: u64) -> Value {
    Value::from(number)
}

/// A boolean.
pub fn boolean(value: bool) -> Value {
    Value::from(value)
}

/// `null`.
pub fn null() -> Value {
    Value::Null
}

/// An array of `items`.
pub fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}
