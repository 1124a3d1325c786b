//! The Worker's IO edge: the fetch handler, the Thread Durable Object, the D1 brand
//! registry, the outbound queue's consumer and the messaging apps' webhooks. Only this module talks to the runtime; it decodes what comes in, calls the pure
//! modules of the crate, and encodes what goes out. It exists only on wasm.

mod api;
mod assistant;
mod awaiting;
mod brands;
mod console;
mod d1;
mod email;
mod faults;
pub mod files;
mod hooks;
mod http;
mod images;
mod inbox;
mod insights;
mod knowledge;
mod links;
mod metering;
pub mod outbound;
mod push;
mod remote_file;
mod resolution;
mod sql;
mod thread;
mod transcripts;

use crate::error::RelayError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use worker::{event, Context, Env, Request, Response, Result};

/// The Worker's entry point for HTTP. Static assets (the widget, the demo site) are served by
/// the assets binding before this runs; everything else is the API.
#[event(fetch)]
pub async fn fetch(request: Request, env: Env, _ctx: Context) -> Result<Response> {
    Ok(api::handle(request, &env).await)
}

/// The wire name of a unit variant (`"delivered"`, `"message.created"`), as serde writes it.
pub fn wire_name<T: serde::Serialize>(value: &T) -> std::result::Result<String, RelayError> {
    match serde_json::to_value(value).map_err(http::internal)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(http::internal(format!("{other} is not a unit variant"))),
    }
}

/// `N` random bytes from the platform's CSPRNG.
pub fn random_bytes<const N: usize>() -> std::result::Result<[u8; N], RelayError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(http::internal)?;
    Ok(bytes)
}

/// A new random id of 128 bits, as 22 characters of base64url: unguessable, URL-safe.
pub fn random_id() -> std::result::Result<String, RelayError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(http::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
