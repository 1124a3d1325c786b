//! HTTP helpers of the edge: JSON bodies in and out, bearer tokens, CORS headers, and the
//! one function that turns a [`RelayError`] into a response.

use crate::error::RelayError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Headers, Request, Response};

/// No valid request body is larger: a message of 4,096 four-byte characters, escaped, fits.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// Maps any runtime error to an internal error, keeping the detail for the log.
pub fn internal(error: impl std::fmt::Display) -> RelayError {
    RelayError::Internal(error.to_string())
}

/// Reads and decodes a JSON body, refusing bodies over [`MAX_BODY_BYTES`].
pub async fn read_json<T: DeserializeOwned>(request: &mut Request) -> Result<T, RelayError> {
    let bytes = read_bytes(request, MAX_BODY_BYTES).await?;
    serde_json::from_slice(&bytes).map_err(|e| RelayError::MalformedJson(e.to_string()))
}

/// Reads a body of at most `limit` bytes. A declared length over the limit is refused
/// before anything is read; otherwise the body is read chunk by chunk and refused the
/// moment it passes the limit, the rest left unread (the stream is cancelled), so a body
/// without a length (`Transfer-Encoding: chunked`) costs no more than one that declares it.
pub async fn read_bytes(request: &mut Request, limit: usize) -> Result<Vec<u8>, RelayError> {
    use futures_util::StreamExt;
    let declared = request
        .headers()
        .get("Content-Length")
        .map_err(internal)?
        .and_then(|length| length.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(RelayError::BodyTooLarge { limit });
    }
    let mut body = match request.stream() {
        Ok(body) => body,
        Err(worker::Error::BodyUsed) => {
            return Err(RelayError::MalformedJson(
                "the body was read already".into(),
            ))
        }
        // A request without a body.
        Err(_) => return Ok(Vec::new()),
    };
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| RelayError::MalformedJson(e.to_string()))?;
        if chunk.len() > limit.saturating_sub(bytes.len()) {
            // Dropping the stream cancels it: what is left is never read.
            return Err(RelayError::BodyTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A JSON response with `status`.
pub fn json<T: Serialize>(value: &T, status: u16) -> Result<Response, RelayError> {
    Response::from_json(value)
        .map(|response| response.with_status(status))
        .map_err(internal)
}

/// The response for an error, logging internal ones.
pub fn error_response(error: &RelayError) -> Response {
    if let RelayError::Internal(detail) = error {
        worker::console_error!("internal error: {detail}");
    }
    let mut response = match Response::from_json(&error.body()) {
        Ok(response) => response.with_status(error.status()),
        // Only reachable if the runtime cannot build a JSON response at all.
        Err(_) => return Response::builder().with_status(500).fixed(Vec::new()),
    };
    match error {
        RelayError::MethodNotAllowed { allowed, .. } => {
            let _ = response.headers_mut().set("Allow", &allowed.join(", "));
        }
        RelayError::RateLimited { retry_after } => {
            let _ = response
                .headers_mut()
                .set("Retry-After", &retry_after.to_string());
        }
        _ => {}
    }
    response
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(request: &Request) -> Result<String, RelayError> {
    let header = request
        .headers()
        .get("Authorization")
        .map_err(internal)?
        .ok_or(RelayError::MissingToken)?;
    header
        .strip_prefix("Bearer ")
        .map(|token| token.trim().to_string())
        .filter(|token| !token.is_empty())
        .ok_or(RelayError::MissingToken)
}

/// The request's `Origin` header, if any.
pub fn origin(request: &Request) -> Option<String> {
    request.headers().get("Origin").ok().flatten()
}

/// Adds CORS headers granting `origin` (already checked to be allowed) to `response`.
pub fn allow_origin(response: &mut Response, origin: &str, preflight: bool) {
    let headers: &mut Headers = response.headers_mut();
    let _ = headers.set("Access-Control-Allow-Origin", origin);
    let _ = headers.append("Vary", "Origin");
    if preflight {
        let _ = headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
        let _ = headers.set(
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type",
        );
        let _ = headers.set("Access-Control-Max-Age", "86400");
    }
}

/// The code that completes a socket's closing handshake: the peer's own, where it may be
/// sent back (1005, 1006 and 1015 only describe a close and are never sent), else 1000.
pub fn close_echo(code: usize) -> u16 {
    u16::try_from(code)
        .ok()
        .filter(|code| (1000..=4999).contains(code) && ![1005, 1006, 1015].contains(code))
        .unwrap_or(1000)
}
