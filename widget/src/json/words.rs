//! Enums on the wire: each variant's word (the protocol's `rename_all`), and `"unknown"`
//! for the `Unknown` variant that any other word reads as (serde's `#[serde(other)]`). One
//! table per enum serves both reading and writing.

use super::backend::Value;
use super::read;
use super::Invalid;

/// The wire words of an enum's variants; anything else is its `Unknown` variant, written
/// `"unknown"`.
pub type Words<T> = [(&'static str, T)];

/// The variant a wire word names, or `unknown` (what serde's `#[serde(other)]` does).
pub fn variant<T: Copy>(words: &Words<T>, word: &str, unknown: T) -> T {
    words
        .iter()
        .find(|(name, _)| *name == word)
        .map_or(unknown, |&(_, value)| value)
}

/// The wire word of a variant (`"unknown"` for the `Unknown` variant).
pub fn word<T: PartialEq>(words: &Words<T>, value: &T) -> &'static str {
    words
        .iter()
        .find(|(_, known)| known == value)
        .map_or("unknown", |&(name, _)| name)
}

/// The enum field `key`: required, any string (an unknown one is `unknown`).
pub fn required_variant<T: Copy>(
    object: &Value,
    key: &'static str,
    words: &Words<T>,
    unknown: T,
) -> Result<T, Invalid> {
    Ok(variant(words, &read::string(object, key)?, unknown))
}
