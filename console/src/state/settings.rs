//! The settings form's model: the brand's settings JSON as the relay sent it, edited field
//! by field at key paths (`consent.text`), so fields this console does not know survive a
//! save unchanged.

use serde_json::{Map, Value};

/// The settings page's data.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SettingsForm {
    /// The settings as edited (unsaved changes included).
    pub value: Value,
    /// The settings as last saved (or loaded).
    pub saved: Value,
    /// The relay's refusal of the last save: the field it names (a key path), if any, and
    /// its message.
    pub error: Option<(Option<String>, String)>,
    /// Whether the last save went through (until the next edit).
    pub just_saved: bool,
}

impl SettingsForm {
    /// The form over freshly loaded (or saved) settings.
    pub fn loaded(value: Value) -> SettingsForm {
        SettingsForm {
            saved: value.clone(),
            value,
            error: None,
            just_saved: false,
        }
    }

    /// Whether there are unsaved changes.
    pub fn dirty(&self) -> bool {
        self.value != self.saved
    }

    /// The error message for `path`, if the last refusal named it.
    pub fn error_at(&self, path: &str) -> Option<&str> {
        match &self.error {
            Some((Some(field), message)) if field == path => Some(message),
            _ => None,
        }
    }

    /// The refusal's message when it names no field this form shows.
    pub fn error_on_top(&self, shown: &[&str]) -> Option<&str> {
        match &self.error {
            Some((Some(field), _)) if shown.contains(&field.as_str()) => None,
            Some((_, message)) => Some(message),
            None => None,
        }
    }
}

/// The value at a dotted key path (`consent.text`), if there is one.
pub fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |value, key| value.as_object()?.get(key))
}

/// The string at `path`, or empty.
pub fn text(value: &Value, path: &str) -> String {
    match get(value, path) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

/// Sets the value at a dotted key path, making the objects on the way; `Value::Null`
/// removes the key instead (the relay's optional fields are absent, not null), and an
/// object left empty by a removal goes too.
pub fn set(value: &mut Value, path: &str, new: Value) {
    let keys: Vec<&str> = path.split('.').collect();
    set_keys(value, &keys, new);
}

fn set_keys(value: &mut Value, keys: &[&str], new: Value) {
    let Some((first, rest)) = keys.split_first() else {
        return;
    };
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    let Value::Object(map) = value else {
        return;
    };
    if rest.is_empty() {
        match new {
            Value::Null => {
                map.remove(*first);
            }
            new => {
                map.insert((*first).to_string(), new);
            }
        }
        return;
    }
    if new.is_null() && !map.contains_key(*first) {
        return;
    }
    let child = map
        .entry((*first).to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    set_keys(child, rest, new);
    if child.as_object().is_some_and(Map::is_empty) {
        map.remove(*first);
    }
}

/// A text field's value for the JSON: the text as typed (trimming each keystroke would eat
/// the space before the next word), or `Null` (removed) when blank.
pub fn optional_text(text: &str) -> Value {
    match text.trim() {
        "" => Value::Null,
        _ => Value::String(text.to_string()),
    }
}
