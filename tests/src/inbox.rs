//! The console's inbox as a test speaks to it with an agent key: the brand's inbox socket
//! (`InboxFrame`s), team tickets for a thread's socket, and the thread list's filters.

use crate::api::{Api, Socket};
use confab_protocol::console::InboxFrame;
use confab_protocol::{SocketTicket, ThreadId, ThreadList, ThreadSummary};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open inbox socket of one brand.
pub struct InboxSocket {
    stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

/// `POST /v1/agent/inbox/tickets` with `key`: the status and the ticket, if one was given.
pub async fn inbox_ticket(api: &Api, key: &str) -> (u16, Option<SocketTicket>) {
    let response = api
        .http
        .post(api.url("/v1/agent/inbox/tickets"))
        .bearer_auth(key)
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

/// Opens the inbox socket of `key`'s brand.
pub async fn inbox_socket(api: &Api, key: &str) -> InboxSocket {
    let (status, ticket) = inbox_ticket(api, key).await;
    assert_eq!(status, 201, "an inbox ticket");
    let ticket = ticket.expect("a ticket body").ticket;
    let origin = api.origin.replacen("http://", "ws://", 1);
    let url = format!("{origin}/v1/agent/inbox/ws?ticket={ticket}");
    let (stream, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the inbox socket opens");
    InboxSocket { stream }
}

impl InboxSocket {
    /// The next frame, or `None` if none comes within `limit`.
    pub async fn next_within(&mut self, limit: Duration) -> Option<InboxFrame> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            let next = next
                .expect("the inbox socket is open")
                .expect("a readable frame");
            if let WsMessage::Text(text) = next {
                return Some(serde_json::from_str(&text).expect("an inbox frame"));
            }
        }
    }

    /// Reads thread frames until one about `thread` satisfies `wanted` (failing after 20 s),
    /// and returns it; `seen` collects every thread summary read on the way.
    pub async fn until(
        &mut self,
        thread: &ThreadId,
        seen: &mut Vec<ThreadSummary>,
        wanted: impl Fn(&ThreadSummary) -> bool,
    ) -> ThreadSummary {
        loop {
            let frame = self
                .next_within(Duration::from_secs(20))
                .await
                .unwrap_or_else(|| panic!("no frame about {thread} within 20 s; saw {seen:?}"));
            if let InboxFrame::Thread { thread: summary } = frame {
                seen.push(summary.clone());
                if &summary.thread_id == thread && wanted(&summary) {
                    return summary;
                }
            }
        }
    }
}

/// `POST /v1/agent/threads/{id}/tickets` with `key`, naming the member `name`: the status
/// and the ticket, if one was given.
pub async fn team_ticket(
    api: &Api,
    key: &str,
    thread: &ThreadId,
    name: &str,
) -> (u16, Option<SocketTicket>) {
    let response = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{thread}/tickets")))
        .bearer_auth(key)
        .json(&json!({ "name": name }))
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

/// A team socket of `thread` for the member `name`, read up to `ready`.
pub async fn team_socket(api: &Api, key: &str, thread: &ThreadId, name: &str) -> Socket {
    let (status, ticket) = team_ticket(api, key, thread, name).await;
    assert_eq!(status, 201, "a team ticket");
    let ticket = ticket.expect("a ticket body").ticket;
    let mut socket = api
        .socket_stream(thread, &ticket)
        .await
        .expect("the team socket opens");
    socket.until_ready().await;
    socket
}

/// The thread ids `GET /v1/agent/threads?{query}` answers with, latest activity first (or
/// the status and body of a refusal).
pub async fn listed(api: &Api, key: &str, query: &str) -> Result<Vec<ThreadId>, (u16, Value)> {
    let (status, body) = api
        .agent_get(key, &format!("/v1/agent/threads?{query}"))
        .await;
    if status != 200 {
        return Err((status, body));
    }
    let list: ThreadList = serde_json::from_value(body.clone()).map_err(|_| (status, body))?;
    Ok(list
        .threads
        .into_iter()
        .map(|thread| thread.thread_id)
        .collect())
}
