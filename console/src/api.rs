//! The relay's API as the console calls it: same origin, the session cookie sent by the
//! browser, JSON in and out through serde, over the browser's `fetch`.

use crate::error::ConsoleError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// One call: `method` on `path` (same origin) with an optional JSON body; the answer's
/// status and text, or the error a non-2xx status means.
pub async fn call(method: &str, path: &str, body: Option<String>) -> Result<String, ConsoleError> {
    let network = |error: wasm_bindgen::JsValue| {
        ConsoleError::Network(error.as_string().unwrap_or_else(|| "fetch failed".into()))
    };
    let window = web_sys::window().ok_or_else(|| ConsoleError::Network("no window".into()))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(network)?;
    headers.set("Accept", "application/json").map_err(network)?;
    if let Some(body) = &body {
        headers
            .set("Content-Type", "application/json")
            .map_err(network)?;
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let answer = JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(network)?;
    let answer: web_sys::Response = answer.dyn_into().map_err(network)?;
    let text = match answer.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|text| text.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if answer.ok() {
        Ok(text)
    } else {
        Err(ConsoleError::from_answer(answer.status(), &text))
    }
}

/// A call answered with JSON of type `T`.
pub async fn json<T: DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<T, ConsoleError> {
    let body = body.map(serde_json::to_string).transpose();
    let body = body.map_err(|error| ConsoleError::Network(error.to_string()))?;
    let text = call(method, path, body).await?;
    decode(&text).map_err(|error| ConsoleError::Network(error.to_string()))
}

/// Reads JSON text as a `T`, through a `serde_json::Value`: every type is then read by one
/// deserializer (the `Value`'s) instead of one per source, which keeps the wasm smaller.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str::<serde_json::Value>(text).and_then(serde_json::from_value)
}

/// A call whose answer's body does not matter.
pub async fn send(
    method: &str,
    path: &str,
    body: Option<&impl Serialize>,
) -> Result<(), ConsoleError> {
    let body = body.map(serde_json::to_string).transpose();
    let body = body.map_err(|error| ConsoleError::Network(error.to_string()))?;
    call(method, path, body).await.map(drop)
}

/// No body (for [`json`] and [`send`]).
pub const NO_BODY: Option<&()> = None;

/// Percent-encodes a path segment or query value (`encodeURIComponent`).
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
