//! A client of the relay's API for tests: sessions, sends, history and sockets, speaking
//! the `protocol` types.

use crate::relay::TEST_ADMIN_SECRET;
use confab_protocol::{
    ClientFrame, Message, MessagePage, ServerFrame, Session, SocketTicket, ThreadId,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The relay's API, as one visitor of the `demo` brand sees it.
pub struct Api {
    /// The relay's origin.
    pub origin: String,
    /// The HTTP client.
    pub http: reqwest::Client,
}

impl Api {
    /// A client of the relay at `origin`.
    pub fn new(origin: String) -> Api {
        Api {
            origin,
            // `wrangler dev` serves through Node, which closes a keep-alive connection after
            // 5 s idle; a pooled connection reused at that instant fails with
            // IncompleteMessage. Dropping idle connections sooner avoids the race.
            http: reqwest::Client::builder()
                .pool_idle_timeout(Duration::from_secs(2))
                .build()
                .unwrap_or_default(),
        }
    }

    /// A URL on the relay.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// A new thread of the `demo` brand.
    pub async fn session(&self) -> Session {
        self.session_of("demo").await
    }

    /// A new thread of `brand`, asked for as if from `address` (the relay limits new
    /// sessions per address; load tests stand for many visitors).
    pub async fn session_from(&self, brand: &str, address: &str) -> Session {
        self.new_session(brand, Some(address)).await
    }

    /// A new thread of `brand` (`bench` has no practical send limit).
    pub async fn session_of(&self, brand: &str) -> Session {
        self.new_session(brand, None).await
    }

    /// A new session, asked for as a widget does. A busy machine (the bench shares its
    /// cores with the relays it drives) can make the local runtime answer 503 now and
    /// then, which a widget tries again: so is such an answer, a few times, before the
    /// caller is failed.
    async fn new_session(&self, brand: &str, address: Option<&str>) -> Session {
        let mut last = String::new();
        for attempt in 0..4u64 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
            }
            let mut request = self
                .http
                .post(self.url("/v1/sessions"))
                .json(&json!({ "brand": brand }));
            if let Some(address) = address {
                request = request.header("CF-Connecting-IP", address);
            }
            let response = request.send().await.expect("the relay answers");
            match response.status().as_u16() {
                201 => return response.json().await.expect("a session body"),
                503 => last = response.text().await.unwrap_or_default(),
                status => panic!(
                    "a new session of {brand} from {address:?}: {status} {}",
                    response.text().await.unwrap_or_default()
                ),
            }
        }
        panic!("no new session of {brand} from {address:?} after 4 tries: 503 {last}");
    }

    /// Sends over HTTP; returns the status and the stored message.
    pub async fn send(&self, session: &Session, client_id: &str, text: &str) -> (u16, Message) {
        let response = self
            .http
            .post(self.url(&format!("/v1/threads/{}/messages", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .json(&json!({ "clientId": client_id, "text": text }))
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a message body"))
    }

    /// `POST /v1/sessions` with any body: the status and the JSON answer.
    pub async fn post_session(&self, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url("/v1/sessions"))
            .json(&body)
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// The session a stored visitor token resumes (as the widget's next page would).
    pub async fn resume(&self, brand: &str, token: &str) -> Session {
        let (status, body) = self
            .post_session(json!({ "brand": brand, "token": token }))
            .await;
        assert!(status < 300, "resuming answered {status}: {body}");
        serde_json::from_value(body).expect("a session body")
    }

    /// Creates or replaces a brand through the admin API; returns the status.
    pub async fn put_brand(&self, brand: &str, settings: Value) -> u16 {
        self.http
            .put(self.url(&format!("/v1/admin/brands/{brand}")))
            .bearer_auth(TEST_ADMIN_SECRET)
            .json(&settings)
            .send()
            .await
            .expect("the relay answers")
            .status()
            .as_u16()
    }

    /// Imports `body` (of `content_type`, JSON or CSV) into `brand`'s knowledge through the
    /// admin API, `mode` `merge` or `replace`: the status and the JSON answer.
    pub async fn import_knowledge(
        &self,
        brand: &str,
        mode: &str,
        content_type: &str,
        body: &str,
    ) -> (u16, Value) {
        let path = format!("/v1/admin/brands/{brand}/knowledge/import?mode={mode}");
        let response = self
            .http
            .post(self.url(&path))
            .bearer_auth(TEST_ADMIN_SECRET)
            .header("Content-Type", content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// An agent API `GET`: the status and the JSON answer.
    pub async fn agent_get(&self, key: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// An agent API `POST` of `body`: the status.
    pub async fn agent_post(&self, key: &str, path: &str, body: Value) -> u16 {
        self.http
            .post(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("the relay answers")
            .status()
            .as_u16()
    }

    /// An admin API call's JSON answer (`GET path` with the admin secret).
    pub async fn admin_get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .bearer_auth(TEST_ADMIN_SECRET)
            .send()
            .await
            .expect("the relay answers")
            .json()
            .await
            .expect("a JSON answer")
    }

    /// The status a thread's history answers with (200, or 410 once erased).
    pub async fn thread_status(&self, session: &Session) -> u16 {
        self.http
            .get(self.url(&format!("/v1/threads/{}/messages", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .send()
            .await
            .expect("the relay answers")
            .status()
            .as_u16()
    }

    /// A new agent API key of `brand`, made through the admin API.
    pub async fn agent_key(&self, brand: &str) -> String {
        let key: Value = self
            .http
            .post(self.url(&format!("/v1/admin/brands/{brand}/keys")))
            .bearer_auth(TEST_ADMIN_SECRET)
            .send()
            .await
            .expect("the relay answers")
            .json()
            .await
            .expect("a key body");
        key["key"].as_str().expect("a key").to_string()
    }

    /// A team member's answer through the agent API: the status and the JSON answer.
    pub async fn agent_send(
        &self,
        key: &str,
        thread: &ThreadId,
        client_id: &str,
        text: &str,
    ) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/v1/agent/threads/{thread}/messages")))
            .bearer_auth(key)
            .json(&json!({ "clientId": client_id, "text": text }))
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON body"))
    }

    /// The texts of a thread's history, in order.
    pub async fn history_texts(&self, session: &Session) -> Vec<String> {
        self.history(session)
            .await
            .into_iter()
            .map(|message| message.text)
            .collect()
    }

    /// The whole history of a thread, page by page.
    pub async fn history(&self, session: &Session) -> Vec<Message> {
        let mut all = Vec::new();
        loop {
            let after = all.last().map_or(0, |message: &Message| message.seq.0);
            let page: MessagePage = self
                .http
                .get(self.url(&format!(
                    "/v1/threads/{}/messages?after={after}",
                    session.thread_id
                )))
                .bearer_auth(session.token.as_str())
                .send()
                .await
                .expect("the relay answers")
                .json()
                .await
                .expect("a page body");
            all.extend(page.messages);
            if !page.has_more {
                return all;
            }
        }
    }

    /// Arms the relay's fault switch (a relay started with `CONFAB_FAULTS:on`): the next
    /// `times` calls of `site` (`d1`, `thread` or `files`) whose text contains `matching`
    /// fail.
    pub async fn arm_fault(&self, site: &str, matching: &str, times: u32) {
        let status = self
            .http
            .post(self.url("/v1/dev/faults"))
            .bearer_auth(TEST_ADMIN_SECRET)
            .json(&json!({ "site": site, "matching": matching, "times": times }))
            .send()
            .await
            .expect("the relay answers")
            .status();
        assert_eq!(status, 204, "arming a fault");
    }

    /// The faults of the relay's fault switch still armed (each with its `times` left).
    pub async fn armed_faults(&self) -> Vec<Value> {
        self.http
            .get(self.url("/v1/dev/faults"))
            .bearer_auth(TEST_ADMIN_SECRET)
            .send()
            .await
            .expect("the relay answers")
            .json()
            .await
            .expect("a list of faults")
    }

    /// Disarms every fault of the relay's fault switch.
    pub async fn clear_faults(&self) {
        let status = self
            .http
            .delete(self.url("/v1/dev/faults"))
            .bearer_auth(TEST_ADMIN_SECRET)
            .send()
            .await
            .expect("the relay answers")
            .status();
        assert_eq!(status, 204, "clearing faults");
    }

    /// Erases the session's thread; returns the status.
    pub async fn erase(&self, session: &Session) -> u16 {
        self.http
            .delete(self.url(&format!("/v1/threads/{}", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .send()
            .await
            .expect("the relay answers")
            .status()
            .as_u16()
    }

    /// A link of `purpose` (`whatsapp`, or `device` for `page`) for the session's thread:
    /// the status and the JSON answer.
    pub async fn create_link(&self, session: &Session, purpose: &str) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/v1/threads/{}/links", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .json(&json!({ "purpose": purpose, "page": "http://127.0.0.1:8787/" }))
            .send()
            .await
            .expect("the relay answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A single-use socket ticket.
    pub async fn ticket(&self, session: &Session) -> SocketTicket {
        self.http
            .post(self.url(&format!("/v1/threads/{}/tickets", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .send()
            .await
            .expect("the relay answers")
            .json()
            .await
            .expect("a ticket body")
    }

    /// A ticket and an open socket, or `None` if the relay could not give them (load tools
    /// count such failures instead of stopping).
    pub async fn try_socket(&self, session: &Session) -> Option<Socket> {
        let ticket: SocketTicket = self
            .http
            .post(self.url(&format!("/v1/threads/{}/tickets", session.thread_id)))
            .bearer_auth(session.token.as_str())
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let url = self.socket_url(&session.thread_id, &ticket.ticket, 0);
        let (stream, _) = tokio_tungstenite::connect_async(url).await.ok()?;
        Some(Socket { stream })
    }

    /// Opens the socket of `thread` with `ticket`, if the relay lets it.
    pub async fn socket_stream(&self, thread: &ThreadId, ticket: &str) -> Option<Socket> {
        let url = self.socket_url(thread, ticket, 0);
        let (stream, _) = tokio_tungstenite::connect_async(url).await.ok()?;
        Some(Socket { stream })
    }

    /// The socket URL for `thread` with `ticket`, resuming after `after`.
    pub fn socket_url(&self, thread: &ThreadId, ticket: &str, after: u64) -> String {
        let origin = self.origin.replacen("http://", "ws://", 1);
        format!("{origin}/v1/threads/{thread}/ws?ticket={ticket}&after={after}")
    }

    /// Opens the thread's socket, resuming after `after`.
    pub async fn socket(&self, session: &Session, after: u64) -> Socket {
        let ticket = self.ticket(session).await;
        let url = self.socket_url(&session.thread_id, &ticket.ticket, after);
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("the socket opens");
        Socket { stream }
    }
}

/// The sending half of a [`Socket`].
pub type SocketSink = futures_util::stream::SplitSink<
    WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    WsMessage,
>;

/// The reading half of a [`Socket`].
pub type SocketStream =
    futures_util::stream::SplitStream<WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>>;

/// An open thread socket.
pub struct Socket {
    stream: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Socket {
    /// Sends a frame.
    pub async fn send(&mut self, frame: &ClientFrame) {
        let json = serde_json::to_string(frame).expect("frames serialise");
        self.stream
            .send(WsMessage::text(json))
            .await
            .expect("the socket takes the frame");
    }

    /// The next server frame (failing after 20 s).
    pub async fn next(&mut self) -> ServerFrame {
        loop {
            let next = tokio::time::timeout(std::time::Duration::from_secs(20), self.stream.next())
                .await
                .expect("a frame within 20 s")
                .expect("the socket is open")
                .expect("a readable frame");
            if let WsMessage::Text(text) = next {
                return serde_json::from_str(&text).expect("a server frame");
            }
        }
    }

    /// Reads frames until `ready`, returning the messages before it and the ready frame.
    pub async fn until_ready(&mut self) -> (Vec<Message>, ServerFrame) {
        let mut messages = Vec::new();
        loop {
            match self.next().await {
                ServerFrame::Message { message } => messages.push(message),
                ready @ ServerFrame::Ready { .. } => return (messages, ready),
                other => panic!("unexpected frame before ready: {other:?}"),
            }
        }
    }

    /// Reads message frames until `count` distinct messages arrived; returns them in
    /// arrival order.
    pub async fn messages(&mut self, count: usize) -> Vec<Message> {
        let mut seen: Vec<Message> = Vec::new();
        while seen.len() < count {
            if let ServerFrame::Message { message } = self.next().await {
                if !seen.iter().any(|known| known.seq == message.seq) {
                    seen.push(message);
                }
            }
        }
        seen
    }

    /// Whether the socket says `ready` within `limit` (false on any error or close: load
    /// tools count such sockets instead of stopping).
    pub async fn try_ready(&mut self, limit: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(WsMessage::Text(text)))) => {
                    if let Ok(ServerFrame::Ready { .. }) = serde_json::from_str(&text) {
                        return true;
                    }
                }
                Ok(Some(Ok(_))) => {}
                _ => return false,
            }
        }
    }

    /// The socket's two halves, for sending from one task and reading in another.
    pub fn split(self) -> (SocketSink, SocketStream) {
        futures_util::StreamExt::split(self.stream)
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
