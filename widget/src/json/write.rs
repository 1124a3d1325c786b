//! Building JSON objects field by field, one call per field (the writers' side of
//! [`super::read`]): optional fields are left out when absent, as the protocol's
//! `skip_serializing_if` does.

use super::backend::{self, Value};
use super::ToJson;

/// A JSON object being built.
pub struct Object(Value);

impl Default for Object {
    fn default() -> Self {
        Object::new()
    }
}

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Object(backend::object())
    }

    /// Sets `key` to `value`.
    pub fn value(&mut self, key: &str, value: &Value) {
        backend::set(&mut self.0, key, value);
    }

    /// Sets `key` to a string.
    pub fn string(&mut self, key: &str, text: &str) {
        self.value(key, &backend::string(text));
    }

    /// Sets `key` to a string, or leaves it out.
    pub fn optional_string(&mut self, key: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.string(key, text);
        }
    }

    /// Sets `key` to a whole number.
    pub fn number(&mut self, key: &str, number: u64) {
        self.value(key, &backend::number(number));
    }

    /// Sets `key` to a whole number, or leaves it out.
    pub fn optional_number(&mut self, key: &str, number: Option<u64>) {
        if let Some(number) = number {
            self.number(key, number);
        }
    }

    /// Sets `key` to a boolean.
    pub fn flag(&mut self, key: &str, value: bool) {
        self.value(key, &backend::boolean(value));
    }

    /// Sets `key` to an array of `items`, or leaves it out if there are none.
    pub fn list<T: ToJson>(&mut self, key: &str, items: &[T]) {
        if !items.is_empty() {
            self.value(key, &items.to_json());
        }
    }

    /// The object built.
    pub fn finish(self) -> Value {
        self.0
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        backend::string(self)
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        backend::array(self.iter().map(T::to_json).collect())
    }
}
