//! `GET /v1/threads/{id}/transcript?format=json|text`: the whole thread, streamed page by
//! page from its object, so that a long thread is never held whole in the Worker's memory.

use super::http::internal;
use super::thread::{self, PageRequest};
use crate::error::RelayError;
use confab_protocol::{Message, MessagePage, ThreadId};
use futures_util::stream;
use worker::{Env, Response};

/// Messages per page fetched from the object.
const PAGE: u32 = 500;

/// How the transcript is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Text,
}

/// Where the stream stands.
struct Cursor {
    env: Env,
    thread: ThreadId,
    brand: String,
    format: Format,
    /// The `seq` after which the next page starts; `None` once the last page went out.
    after: Option<u64>,
}

/// The transcript response: its first page is read before answering (so that an erased
/// or unknown thread gets its error status), the rest as the client reads.
pub async fn download(env: &Env, thread: &ThreadId, query: &str) -> Result<Response, RelayError> {
    let format = form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "format")
        .map(|(_, value)| value.into_owned());
    let format = match format.as_deref() {
        None | Some("json") => Format::Json,
        Some("text") => Format::Text,
        Some(other) => {
            return Err(RelayError::InvalidParameter {
                name: "format",
                reason: format!("{other:?} is neither json nor text"),
            })
        }
    };
    let first = PageRequest {
        after: 0,
        limit: PAGE,
    };
    let (brand, page) = thread::transcript_page(env, thread, first).await?;
    let mut head = match format {
        Format::Json => format!(
            "{{\"threadId\":{},\"brand\":{},\"messages\":[",
            serde_json::to_string(thread).map_err(internal)?,
            serde_json::to_string(&brand).map_err(internal)?
        ),
        Format::Text => crate::transcript::header(&brand),
    };
    let cursor = Cursor {
        env: env.clone(),
        thread: thread.clone(),
        brand,
        format,
        after: Some(0),
    };
    let (chunk, after) = encode(&cursor, &page, true)?;
    head.push_str(&chunk);
    let cursor = Cursor { after, ..cursor };
    let rest = stream::unfold(cursor, |mut cursor| async move {
        let after = cursor.after?;
        let request = PageRequest { after, limit: PAGE };
        let chunk = match thread::transcript_page(&cursor.env, &cursor.thread, request).await {
            Ok((_, page)) => encode(&cursor, &page, false).map(|(chunk, after)| {
                cursor.after = after;
                chunk
            }),
            Err(error) => Err(error),
        };
        let chunk = chunk.map_err(|error| {
            // The status is sent already: the body ends short, and the log says why.
            worker::console_error!("transcript of {}: {error}", cursor.thread);
            cursor.after = None;
            worker::Error::RustError("the transcript could not be read to its end".into())
        });
        Some((chunk.map(String::into_bytes), cursor))
    });
    let body = stream::once(async move { Ok::<Vec<u8>, worker::Error>(head.into_bytes()) });
    let mut response =
        Response::from_stream(futures_util::StreamExt::chain(body, rest)).map_err(internal)?;
    let headers = response.headers_mut();
    match format {
        Format::Json => headers
            .set("Content-Type", "application/json")
            .map_err(internal)?,
        Format::Text => {
            headers
                .set("Content-Type", "text/plain; charset=utf-8")
                .map_err(internal)?;
            headers
                .set(
                    "Content-Disposition",
                    "attachment; filename=\"conversation.txt\"",
                )
                .map_err(internal)?;
        }
    }
    Ok(response)
}

/// A page as the format writes it (the JSON closed after the last page), and where the
/// next page starts (`None` after the last).
fn encode(
    cursor: &Cursor,
    page: &MessagePage,
    first: bool,
) -> Result<(String, Option<u64>), RelayError> {
    let mut chunk = String::new();
    for (index, message) in page.messages.iter().enumerate() {
        match cursor.format {
            Format::Json => {
                if !(first && index == 0) {
                    chunk.push(',');
                }
                chunk.push_str(&serde_json::to_string(message).map_err(internal)?);
            }
            Format::Text => chunk.push_str(&crate::transcript::paragraph(&cursor.brand, message)),
        }
    }
    let next = page
        .messages
        .last()
        .map(|message: &Message| message.seq.0)
        .filter(|_| page.has_more);
    if next.is_none() && cursor.format == Format::Json {
        chunk.push_str("]}");
    }
    Ok((chunk, next))
}
