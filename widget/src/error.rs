//! The widget's one error type.

/// What can go wrong in the widget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WidgetError {
    /// The loader's settings are not valid.
    #[error("invalid widget settings: {0}")]
    Config(String),
    /// The relay could not be reached (offline, DNS, CORS).
    #[error("the relay could not be reached: {0}")]
    Network(String),
    /// The relay answered with an error.
    #[error("the relay answered {status} {code}: {message}")]
    Relay {
        /// HTTP status.
        status: u16,
        /// The stable error code.
        code: String,
        /// The relay's sentence.
        message: String,
    },
    /// The relay's answer could not be decoded.
    #[error("unexpected answer from the relay: {0}")]
    Decode(String),
}

impl WidgetError {
    /// A network failure, described by the browser's own words for it (its message when it
    /// threw an `Error`).
    pub fn network(error: wasm_bindgen::JsValue) -> WidgetError {
        let message = js_sys::Reflect::get(&error, &"message".into())
            .ok()
            .and_then(|message| message.as_string())
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "network error".to_string());
        WidgetError::Network(message)
    }

    /// Whether trying again later may succeed (as opposed to a request the relay refused).
    pub fn is_transient(&self) -> bool {
        match self {
            WidgetError::Network(_) => true,
            WidgetError::Relay { status, .. } => *status == 429 || *status >= 500,
            WidgetError::Config(_) | WidgetError::Decode(_) => false,
        }
    }
}
