//! Reading the fields of a parsed JSON object, one call per field.
//!
//! The field helpers are small non-generic functions shared by every type's reader (and
//! `list`, `nested`, `optional` thin generic wrappers), which is what makes hand-written
//! readers so much smaller than serde's visitor per type. The rules are serde's, as the
//! protocol crate configures it: unknown fields are ignored; a required field that is
//! missing, or a field of the wrong type, fails the whole value; a missing optional field
//! takes its default, and so does a `null` one (as serde's `Option` does; serde would
//! refuse a `null` boolean or list, these readers take it as absent).

use super::backend::{self, Value};
use super::{FromJson, Invalid};

/// The largest whole number JavaScript holds exactly: `seq`s and times are below it.
pub const MAX_WHOLE: u64 = (1 << 53) - 1;

/// The string field `key`.
pub fn string(object: &Value, key: &'static str) -> Result<String, Invalid> {
    backend::as_string(&backend::get(object, key)).ok_or(Invalid(key))
}

/// The field `key` if present (neither missing nor `null`).
pub fn present(object: &Value, key: &'static str) -> Option<Value> {
    let value = backend::get(object, key);
    (!backend::is_absent(&value)).then_some(value)
}

/// The string field `key`, or `None` if it is absent.
pub fn optional_string(object: &Value, key: &'static str) -> Result<Option<String>, Invalid> {
    present(object, key)
        .map(|value| backend::as_string(&value).ok_or(Invalid(key)))
        .transpose()
}

/// A whole number from 0 to `max`.
fn whole(value: &Value, key: &'static str, max: u64) -> Result<u64, Invalid> {
    match backend::as_f64(value) {
        Some(number) if number >= 0.0 && number.fract() == 0.0 && number <= max as f64 => {
            Ok(number as u64)
        }
        _ => Err(Invalid(key)),
    }
}

/// The number field `key`: a whole number from 0 to `max`.
pub fn number(object: &Value, key: &'static str, max: u64) -> Result<u64, Invalid> {
    whole(&backend::get(object, key), key, max)
}

/// The number field `key` (a whole number from 0 to `max`), or `None` if it is absent.
pub fn optional_number(
    object: &Value,
    key: &'static str,
    max: u64,
) -> Result<Option<u64>, Invalid> {
    present(object, key)
        .map(|value| whole(&value, key, max))
        .transpose()
}

/// The boolean field `key`, or `default` if it is absent.
pub fn flag(object: &Value, key: &'static str, default: bool) -> Result<bool, Invalid> {
    match present(object, key) {
        None => Ok(default),
        Some(value) => backend::as_bool(&value).ok_or(Invalid(key)),
    }
}

/// The items of the array field `key`; an absent field is an empty list unless `required`.
pub fn items(object: &Value, key: &'static str, required: bool) -> Result<Vec<Value>, Invalid> {
    match present(object, key) {
        None if !required => Ok(Vec::new()),
        value => value.as_ref().and_then(backend::items).ok_or(Invalid(key)),
    }
}

/// The array field `key` read item by item (see [`items`]).
pub fn list<T: FromJson>(
    object: &Value,
    key: &'static str,
    required: bool,
) -> Result<Vec<T>, Invalid> {
    items(object, key, required)?
        .iter()
        .map(T::from_json)
        .collect()
}

/// The object field `key` read as a `T`.
pub fn nested<T: FromJson>(object: &Value, key: &'static str) -> Result<T, Invalid> {
    T::from_json(&present(object, key).ok_or(Invalid(key))?)
}

/// The object field `key` read as a `T`, or `None` if it is absent.
pub fn optional<T: FromJson>(object: &Value, key: &'static str) -> Result<Option<T>, Invalid> {
    present(object, key)
        .map(|value| T::from_json(&value))
        .transpose()
}
