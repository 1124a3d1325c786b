//! The HTTP client of the relay's API, on the browser's `fetch`.

use crate::error::WidgetError;
use crate::host::Identity;
use crate::json::{FromJson, ToJson};
use confab_protocol::{
    Attachment, BrandId, EmailRequest, EmailStatus, Link, LinkRequest, Message, MessagePage,
    RatingRequest, ReadUpTo, SendMessage, Seq, Session, SessionRequest, SocketTicket, VisitorToken,
};
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::Callback;

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
        self.call("GET", &path, Some(&session.token), None).await
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

    /// `POST /v1/threads/{id}/uploads?name=…`: uploads a file's bytes. `progress` hears the
    /// percent sent; `request` holds the request while it runs, so it can be aborted (then
    /// this answers a network error).
    pub async fn upload(
        &self,
        session: &Session,
        blob: &web_sys::Blob,
        name: &str,
        progress: &Callback<u8>,
        request: &RefCell<Option<web_sys::XmlHttpRequest>>,
    ) -> Result<Attachment, WidgetError> {
        let name = String::from(js_sys::encode_uri_component(name));
        let url = format!(
            "{}/v1/threads/{}/uploads?name={name}",
            self.base, session.thread_id
        );
        let body = Body {
            content_type: &blob.type_(),
            bytes: blob,
            progress: Some(progress),
            request: Some(request),
        };
        let text = self
            .send_request("POST", &url, Some(&session.token), Some(body))
            .await?;
        crate::json::decode(&text).map_err(WidgetError::Decode)
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
        let path = format!("/v1/threads/{}/transcript?format=text", session.thread_id);
        self.call_text("GET", &path, Some(&session.token), None)
            .await
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

    /// `POST /v1/threads/{id}/email`: replies by email at an address (the relay sends it a
    /// link to confirm first); with no request, `DELETE`: no more.
    pub async fn email(
        &self,
        session: &Session,
        request: Option<&EmailRequest>,
    ) -> Result<Option<EmailStatus>, WidgetError> {
        let path = format!("/v1/threads/{}/email", session.thread_id);
        let token = Some(&session.token);
        match request {
            Some(request) => self
                .call("POST", &path, token, Some(request))
                .await
                .map(Some),
            None => self
                .call_empty("DELETE", &path, token, None)
                .await
                .map(|()| None),
        }
    }

    /// `POST /v1/threads/{id}/handoff`: a person instead of the brand's assistant.
    pub async fn hand_off(&self, session: &Session) -> Result<(), WidgetError> {
        let path = format!("/v1/threads/{}/handoff", session.thread_id);
        self.call_empty("POST", &path, Some(&session.token), None)
            .await
    }

    /// `POST /v1/threads/{id}/rating`: the visitor's rating of the conversation.
    pub async fn rate(&self, session: &Session, rating: &RatingRequest) -> Result<(), WidgetError> {
        let path = format!("/v1/threads/{}/rating", session.thread_id);
        self.call_empty("POST", &path, Some(&session.token), Some(rating))
            .await
    }

    /// `POST /v1/threads/{id}/push`: the browser's subscription, as the browser wrote it.
    pub async fn subscribe_push(&self, session: &Session, json: &str) -> Result<(), WidgetError> {
        let url = format!("{}/v1/threads/{}/push", self.base, session.thread_id);
        let body = Body {
            content_type: "application/json",
            bytes: &JsValue::from_str(json),
            progress: None,
            request: None,
        };
        self.send_request("POST", &url, Some(&session.token), Some(body))
            .await
            .map(drop)
    }

    /// `DELETE /v1/threads/{id}`: erases the thread.
    pub async fn erase(&self, session: &Session) -> Result<(), WidgetError> {
        let path = format!("/v1/threads/{}", session.thread_id);
        self.call_empty("DELETE", &path, Some(&session.token), None)
            .await
    }

    /// `POST /v1/threads/{id}/tickets`: a single-use ticket for the socket.
    pub async fn ticket(&self, session: &Session) -> Result<SocketTicket, WidgetError> {
        let path = format!("/v1/threads/{}/tickets", session.thread_id);
        self.call("POST", &path, Some(&session.token), None).await
    }

    /// The socket URL: the relay's origin with `ws`/`wss`, the ticket, and the last `seq`.
    pub fn socket_url(&self, session: &Session, ticket: &str, after: Seq) -> String {
        // By prefix, not `replacen`: its substring search cost 1 KB of gzipped wasm (measured).
        let origin = match (
            self.base.strip_prefix("https://"),
            self.base.strip_prefix("http://"),
        ) {
            (Some(rest), _) => format!("wss://{rest}"),
            (None, Some(rest)) => format!("ws://{rest}"),
            (None, None) => self.base.clone(),
        };
        format!(
            "{origin}/v1/threads/{}/ws?ticket={ticket}&after={}",
            session.thread_id, after.0
        )
    }

    /// A call whose success answer has no body (`204`).
    async fn call_empty(
        &self,
        method: &str,
        path: &str,
        token: Option<&VisitorToken>,
        body: Option<&dyn ToJson>,
    ) -> Result<(), WidgetError> {
        self.call_text(method, path, token, body).await.map(drop)
    }

    /// A call whose success answer is a `T`.
    async fn call<T: FromJson>(
        &self,
        method: &str,
        path: &str,
        token: Option<&VisitorToken>,
        body: Option<&dyn ToJson>,
    ) -> Result<T, WidgetError> {
        let text = self.call_text(method, path, token, body).await?;
        crate::json::decode(&text).map_err(WidgetError::Decode)
    }

    /// A call with a JSON `body`: the success answer's text, or the error it stands for.
    async fn call_text(
        &self,
        method: &str,
        path: &str,
        token: Option<&VisitorToken>,
        body: Option<&dyn ToJson>,
    ) -> Result<String, WidgetError> {
        let json = body.map(|body| JsValue::from_str(&crate::json::encode(body)));
        let body = json.as_ref().map(|json| Body {
            content_type: "application/json",
            bytes: json,
            progress: None,
            request: None,
        });
        let url = format!("{}{path}", self.base);
        self.send_request(method, &url, token, body).await
    }

    /// One request with the browser's `XMLHttpRequest` (not `fetch`: uploads need its
    /// progress events, and one way of calling costs the widget half the bytes of two): the
    /// success answer's text, or the error it stands for.
    async fn send_request(
        &self,
        method: &str,
        url: &str,
        token: Option<&VisitorToken>,
        body: Option<Body<'_>>,
    ) -> Result<String, WidgetError> {
        let network = WidgetError::network;
        let xhr = web_sys::XmlHttpRequest::new().map_err(network)?;
        xhr.open(method, url).map_err(network)?;
        if let Some(token) = token {
            xhr.set_request_header("Authorization", &format!("Bearer {token}"))
                .map_err(network)?;
        }
        let mut on_progress = None;
        if let Some(body) = &body {
            if !body.content_type.is_empty() {
                xhr.set_request_header("Content-Type", body.content_type)
                    .map_err(network)?;
            }
            if let Some(progress) = body.progress.cloned() {
                let closure = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(
                    move |event: web_sys::ProgressEvent| {
                        if event.total() > 0.0 {
                            progress.emit((event.loaded() * 100.0 / event.total()) as u8);
                        }
                    },
                );
                xhr.upload()
                    .map_err(network)?
                    .set_onprogress(Some(closure.as_ref().unchecked_ref()));
                on_progress = Some(closure);
            }
        }
        let target: &web_sys::EventTarget = xhr.as_ref();
        // `loadend` follows success, failure and abort alike: the status tells which.
        let done = crate::live::next_event(target, &["loadend"]);
        xhr.unchecked_ref::<AnyBody>()
            .send(body.as_ref().map(|body| body.bytes))
            .map_err(network)?;
        let slot = body.as_ref().and_then(|body| body.request);
        if let Some(slot) = slot {
            slot.replace(Some(xhr.clone()));
        }
        done.await;
        if let Some(slot) = slot {
            slot.replace(None);
        }
        drop(on_progress);
        let status = xhr.status().map_err(network)?;
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        match status {
            0 => Err(WidgetError::Network("the request did not complete".into())),
            200..300 => Ok(text),
            _ => Err(relay_error(status, &text)),
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// An `XMLHttpRequest` seen as what its `send` takes: any body (a string or a `Blob`),
    /// one binding for both.
    type AnyBody;
    #[wasm_bindgen(method, js_name = send, catch)]
    fn send(this: &AnyBody, body: Option<&JsValue>) -> Result<(), JsValue>;
}

/// What a request sends.
struct Body<'a> {
    /// Its `Content-Type`.
    content_type: &'a str,
    /// The bytes: a string or a `Blob`.
    bytes: &'a JsValue,
    /// Who hears the upload's progress.
    progress: Option<&'a Callback<u8>>,
    /// Where the request is held while it runs, so it can be aborted.
    request: Option<&'a RefCell<Option<web_sys::XmlHttpRequest>>>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::{BrandProfile, ThreadId, Timestamp};

    #[test]
    fn sockets_go_to_the_relays_origin() {
        let session = Session {
            thread_id: ThreadId::new("t1"),
            token: VisitorToken::new("v"),
            expires_at: Timestamp(0),
            brand: BrandProfile::default(),
            whatsapp: None,
            wechat: None,
            email: None,
            resolved: false,
            rating: None,
        };
        for (base, expected) in [
            (
                "https://r.example",
                "wss://r.example/v1/threads/t1/ws?ticket=tk&after=7",
            ),
            (
                "http://127.0.0.1:8787",
                "ws://127.0.0.1:8787/v1/threads/t1/ws?ticket=tk&after=7",
            ),
        ] {
            let url = RelayClient::new(base).socket_url(&session, "tk", Seq(7));
            assert_eq!(url, expected);
        }
    }
}
