//! The HTTP client of the relay's API, on the browser's `fetch`.

use crate::error::WidgetError;
use crate::host::Identity;
use confab_protocol::{
    BrandId, Link, LinkRequest, Message, MessagePage, ReadUpTo, SendMessage, Seq, Session,
    SessionRequest, SocketTicket, VisitorToken,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A client of one relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayClient {
    base: String,
}

impl RelayClient {
    /// A client of the relay at `base` (an origin, no trailing slash).
    pub fn new(base: impl Into<String>) -> Self {
        Self { base: base.into() }
    }

    /// `POST /v1/sessions`: resumes the thread of `token`, or starts one.
    pub async fn start_session(
        &self,
        brand: &BrandId,
        token: Option<VisitorToken>,
        identity: Option<Identity>,
        link: Option<String>,
    ) -> Result<Session, WidgetError> {
        let (user_id, user_hash) = match identity {
            Some(identity) => (Some(identity.user_id), Some(identity.user_hash)),
            None => (None, None),
        };
        let body = SessionRequest {
            brand: brand.clone(),
            token,
            user_id,
            user_hash,
            page: web_sys::window().and_then(|window| window.location().href().ok()),
            language: web_sys::window().and_then(|window| window.navigator().language()),
            link,
        };
        self.call("POST", "/v1/sessions", None, Some(&body)).await
    }

    /// `GET /v1/threads/{id}/messages?after=…`: one page of history.
    pub async fn messages(
        &self,
        session: &Session,
        after: Seq,
    ) -> Result<MessagePage, WidgetError> {
        let path = format!(
            "/v1/threads/{}/messages?after={}",
            session.thread_id, after.0
        );
        self.call::<MessagePage, ()>("GET", &path, Some(&session.token), None)
            .await
    }

    /// `POST /v1/threads/{id}/messages`: sends, or finds the earlier copy of, a message.
    pub async fn send(
        &self,
        session: &Session,
        message: &SendMessage,
    ) -> Result<Message, WidgetError> {
        let path = format!("/v1/threads/{}/messages", session.thread_id);
        self.call("POST", &path, Some(&session.token), Some(message))
            .await
    }

    /// `POST /v1/threads/{id}/read`: the visitor has read the team's messages up to `seq`.
    pub async fn mark_read(&self, session: &Session, seq: Seq) -> Result<(), WidgetError> {
        let path = format!("/v1/threads/{}/read", session.thread_id);
        let body = ReadUpTo { seq };
        self.call_empty("POST", &path, Some(&session.token), Some(&body))
            .await
    }

    /// `GET /v1/threads/{id}/transcript?format=text`: the thread as plain text.
    pub async fn transcript_text(&self, session: &Session) -> Result<String, WidgetError> {
        let url = format!(
            "{}/v1/threads/{}/transcript?format=text",
            self.base, session.thread_id
        );
        let (status, text) = self
            .fetch_text("GET", &url, Some(&session.token), None)
            .await?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(relay_error(status, &text))
        }
    }

    /// `POST /v1/threads/{id}/links`: a single-use link to continue elsewhere.
    pub async fn create_link(
        &self,
        session: &Session,
        request: &LinkRequest,
    ) -> Result<Link, WidgetError> {
        let path = format!("/v1/threads/{}/links", session.thread_id);
        self.call("POST", &path, Some(&session.token), Some(request))
            .await
    }

    /// `DELETE /v1/threads/{id}`: erases the thread.
    pub async fn erase(&self, session: &Session) -> Result<(), WidgetError> {
        let path = format!("/v1/threads/{}", session.thread_id);
        self.call_empty::<()>("DELETE", &path, Some(&session.token), None)
            .await
    }

    /// `POST /v1/threads/{id}/tickets`: a single-use ticket for the socket.
    pub async fn ticket(&self, session: &Session) -> Result<SocketTicket, WidgetError> {
        let path = format!("/v1/threads/{}/tickets", session.thread_id);
        self.call::<SocketTicket, ()>("POST", &path, Some(&session.token), None)
            .await
    }

    /// The socket URL: the relay's origin with `ws`/`wss`, the ticket, and the last `seq`.
    pub fn socket_url(&self, session: &Session, ticket: &str, after: Seq) -> String {
        let origin = match self.base.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => self.base.replacen("http://", "ws://", 1),
        };
        format!(
            "{origin}/v1/threads/{}/ws?ticket={ticket}&after={}",
            session.thread_id, after.0
        )
    }

    /// A call whose success answer has no body (`204`).
    async fn call_empty<B: Serialize>(
        &self,
        method: &str,
        path: &str,
        token: Option<&VisitorToken>,
        body: Option<&B>,
    ) -> Result<(), WidgetError> {
        self.call::<serde::de::IgnoredAny, B>(method, path, token, body)
            .await
            .map(|_| ())
    }

    async fn call<T: DeserializeOwned, B: Serialize>(
        &self,
        method: &str,
        path: &str,
        token: Option<&VisitorToken>,
        body: Option<&B>,
    ) -> Result<T, WidgetError> {
        let json = body
            .map(crate::json::encode)
            .transpose()
            .map_err(WidgetError::Decode)?;
        let url = format!("{}{path}", self.base);
        let (status, text) = self.fetch_text(method, &url, token, json).await?;
        if !(200..300).contains(&status) {
            return Err(relay_error(status, &text));
        }
        // An empty answer (204) decodes as JSON null, which `IgnoredAny` accepts.
        let text = if text.is_empty() {
            "null"
        } else {
            text.as_str()
        };
        crate::json::decode(text).map_err(WidgetError::Decode)
    }

    /// One request with the browser's `fetch`: the status and the body as text.
    async fn fetch_text(
        &self,
        method: &str,
        url: &str,
        token: Option<&VisitorToken>,
        json: Option<String>,
    ) -> Result<(u16, String), WidgetError> {
        let network = WidgetError::network;
        let headers = web_sys::Headers::new().map_err(network)?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(json) = json {
            headers
                .set("Content-Type", "application/json")
                .map_err(network)?;
            init.set_body(&JsValue::from_str(&json));
        }
        if let Some(token) = token {
            headers
                .set("Authorization", &format!("Bearer {token}"))
                .map_err(network)?;
        }
        init.set_headers(&headers);
        let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(network)?;
        let window = web_sys::window().ok_or_else(|| WidgetError::Network("no window".into()))?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(network)?
            .dyn_into()
            .map_err(network)?;
        let text = JsFuture::from(response.text().map_err(network)?)
            .await
            .map_err(network)?
            .as_string()
            .unwrap_or_default();
        Ok((response.status(), text))
    }
}

/// The error an unsuccessful answer stands for, from its `{"error":{…}}` body if it has one.
fn relay_error(status: u16, text: &str) -> WidgetError {
    match crate::json::decode_error(text) {
        Some(error) => WidgetError::Relay {
            status,
            code: error.code,
            message: error.message,
        },
        None => WidgetError::Relay {
            status,
            code: "unknown".into(),
            message: text.to_string(),
        },
    }
}
