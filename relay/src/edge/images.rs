//! `GET /v1/images?src=…&sig=…`: a logo or an avatar, fetched from its source and served
//! from the relay, so that visitors' browsers never contact the brand's hosts.
//!
//! Only paths the relay signed are fetched ([`ImageSigner::verify`]). The source gets one
//! `GET` (redirects are not followed: their target was never judged), which must answer
//! 2xx with a served type and at most [`MAX_IMAGE_BYTES`] (its `Content-Length`, then the
//! bytes as they stream), within [`FETCH_TIMEOUT_SECONDS`] for the whole body; the bytes
//! must begin as that type's do ([`sniff`]). Served images are kept in the Workers cache.

use super::http::internal;
use crate::error::RelayError;
use crate::image::{
    served_type, sniff, ImageSigner, ACCEPT, FETCH_TIMEOUT_SECONDS, MAX_IMAGE_BYTES,
    RESPONSE_HEADERS,
};
use futures_util::future::{select, Either};
use std::pin::pin;
use std::time::Duration;
use url::Url;
use worker::{Cache, Env, Request, Response};

/// Answers `GET /v1/images`: from the cache if it is there, else from the source.
pub async fn serve(request: &Request, env: &Env) -> Result<Response, RelayError> {
    let url = request.url().map_err(internal)?;
    let images = signer(env)?;
    let source = images.verify(url.query().unwrap_or(""))?;
    // Keyed by the path as the relay makes it, so that added parameters or another order
    // cannot bust the cache and make the relay ask the source again and again.
    let path = images
        .signed_path(source.as_str())
        .map_err(|_| RelayError::InvalidImageSignature)?;
    let key = format!("{}{path}", url.origin().ascii_serialization());
    let cache = Cache::default();
    // The cache is an optimisation: when it fails, the source is asked.
    if let Ok(Some(cached)) = cache.get(key.as_str(), false).await {
        return Ok(cached);
    }
    let (mime, bytes) = fetch(&source).await?;
    let mut response = Response::from_bytes(bytes).map_err(internal)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", mime).map_err(internal)?;
    for (name, value) in RESPONSE_HEADERS {
        headers.set(name, value).map_err(internal)?;
    }
    if let Ok(copy) = response.cloned() {
        if let Err(error) = cache.put(key.as_str(), copy).await {
            worker::console_warn!("image not cached: {error}");
        }
    }
    Ok(response)
}

/// The signer of image paths: the relay's `TOKEN_SECRET`, and whether this is a
/// development relay (`CONFAB_ENV`).
pub fn signer(env: &Env) -> Result<ImageSigner, RelayError> {
    let secret = env
        .secret("TOKEN_SECRET")
        .map(|secret| secret.to_string())
        .map_err(|_| internal("the TOKEN_SECRET secret is not set"))?;
    let development = env
        .var("CONFAB_ENV")
        .is_ok_and(|value| value.to_string() == "development");
    Ok(ImageSigner::new(
        crate::token::TokenSigner::new(secret.as_bytes()),
        development,
    ))
}

/// Fetches a checked source: the served type and the image's bytes.
async fn fetch(source: &Url) -> Result<(&'static str, Vec<u8>), RelayError> {
    let upstream = |reason: &str| RelayError::ImageUpstream(reason.to_string());
    let headers = worker::Headers::new();
    headers.set("Accept", ACCEPT).map_err(internal)?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Get)
        .with_headers(headers)
        .with_redirect(worker::RequestRedirect::Manual);
    let request = worker::Request::new_with_init(source.as_str(), &init)
        .map_err(|_| upstream("the source URL cannot be fetched"))?;
    let abort = worker::AbortController::default();
    let signal = abort.signal();
    let exchange = async move {
        crate::meter::one(crate::meter::Use::Subrequests);
        let mut response = worker::Fetch::Request(request)
            .send_with_signal(&signal)
            .await
            .map_err(|error| {
                worker::console_warn!("image source unreachable: {error}");
                upstream("unreachable")
            })?;
        let status = response.status_code();
        if !(200..300).contains(&status) {
            return Err(RelayError::ImageUpstream(format!("it answered {status}")));
        }
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let content_type = header("Content-Type").unwrap_or_default();
        let mime = served_type(&content_type).ok_or_else(|| {
            RelayError::UnsupportedImage(format!("the source says {content_type:?}"))
        })?;
        let declared = header("Content-Length").and_then(|length| length.trim().parse().ok());
        if declared.is_some_and(|length: usize| length > MAX_IMAGE_BYTES) {
            return Err(RelayError::ImageTooLarge {
                limit: MAX_IMAGE_BYTES,
            });
        }
        let bytes = read_image(&mut response, declared.unwrap_or(0)).await?;
        if !sniff(mime, &bytes) {
            return Err(RelayError::UnsupportedImage(format!(
                "the bytes are not {mime}"
            )));
        }
        Ok((mime, bytes))
    };
    let timeout = Duration::from_secs(FETCH_TIMEOUT_SECONDS);
    match select(pin!(exchange), worker::Delay::from(timeout)).await {
        Either::Left((image, _)) => image,
        Either::Right(((), _)) => {
            abort.abort();
            Err(RelayError::ImageUpstream(format!(
                "no whole image within {FETCH_TIMEOUT_SECONDS} s"
            )))
        }
    }
}

/// An image's body, read chunk by chunk and refused the moment it passes
/// [`MAX_IMAGE_BYTES`] (the rest is never read: dropping the stream cancels it).
async fn read_image(response: &mut Response, declared: usize) -> Result<Vec<u8>, RelayError> {
    use futures_util::StreamExt;
    let mut chunks = match response.stream() {
        Ok(chunks) => chunks,
        // Not a stream: no body, or one already in memory.
        Err(_) => {
            let bytes = response.bytes().await.map_err(internal)?;
            return match bytes.len() > MAX_IMAGE_BYTES {
                true => Err(RelayError::ImageTooLarge {
                    limit: MAX_IMAGE_BYTES,
                }),
                false => Ok(bytes),
            };
        }
    };
    let mut bytes = Vec::with_capacity(declared.min(MAX_IMAGE_BYTES));
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| RelayError::ImageUpstream("the body broke off".into()))?;
        if chunk.len() > MAX_IMAGE_BYTES.saturating_sub(bytes.len()) {
            return Err(RelayError::ImageTooLarge {
                limit: MAX_IMAGE_BYTES,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
