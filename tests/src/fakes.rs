//! Local stand-ins for the services the relay delivers to, which these machines cannot
//! reach: each binds 127.0.0.1:0, speaks the documented API (authentication included),
//! records what it receives with the time it arrived, and can be told to fail.

pub mod images;
pub mod llm;
pub mod push;
pub mod telegram;
pub mod webhook;
pub mod wechat;
pub mod whatsapp;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::task::JoinHandle;

/// A failure to serve instead of the normal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Answer with this HTTP status (and the API's error body).
    Status(u16),
    /// Answer "slow down" (429 or the provider's own code) with this many seconds to wait.
    SlowDown(u32),
    /// WhatsApp and WeChat only: refuse a free-form message, the window being closed
    /// (WhatsApp's 131047, WeChat's 45015).
    WindowClosed,
    /// Take the request and keep silent for [`HANG`] (longer than any caller waits), then
    /// answer 504 without having done anything.
    Hang,
    /// Close the connection without an answer (nothing done either).
    HangUp,
    /// Answer 200 at once and start the body, then keep it unfinished for [`HANG`] and
    /// drop the connection (nothing done): a caller whose timeout covers only the headers
    /// waits as long.
    HangInBody,
    /// Answer 200 with a well-formed success of [`HUGE`] bytes, sent without a length,
    /// without having done anything: a caller that reads whole answers reads it all.
    HugeAnswer,
    /// Answer this redirect status pointing at this location, without having done
    /// anything.
    Redirect(u16, String),
    /// Answer this status with an error text that quotes the URL the request came to (a
    /// Telegram URL carries the bot's token).
    QuoteUrl(u16),
}

/// How long a [`Failure::Hang`] keeps a request waiting.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(40);

/// How large a [`Failure::HugeAnswer`] is.
pub const HUGE: usize = 4 * 1024 * 1024;

/// A 200 answer whose body starts with `start` and never ends: after [`HANG`] the
/// connection drops.
pub fn hang_in_body(start: &'static str) -> Response {
    let body = futures_util::stream::unfold(0, move |step| async move {
        match step {
            0 => Some((Ok(Bytes::from_static(start.as_bytes())), 1)),
            1 => {
                tokio::time::sleep(HANG).await;
                Some((Err(std::io::Error::other("the fake hangs up mid-body")), 2))
            }
            _ => None,
        }
    });
    json_stream(StatusCode::OK, body)
}

/// A 200 answer of [`HUGE`] bytes, in chunks and without a length: `start`, padding, `end`
/// (together, a well-formed JSON success).
pub fn huge_answer(start: &'static str, end: &'static str) -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunks = HUGE / CHUNK;
    let body = futures_util::stream::iter((0..=chunks + 1).map(move |index| {
        Ok::<_, std::io::Error>(match index {
            0 => Bytes::from_static(start.as_bytes()),
            index if index <= chunks => Bytes::from(vec![b'x'; CHUNK]),
            _ => Bytes::from_static(end.as_bytes()),
        })
    }));
    json_stream(StatusCode::OK, body)
}

/// A redirect to `location`.
pub fn redirect(status: u16, location: &str) -> Response {
    Response::builder()
        .status(status)
        .header("Location", location)
        .body(Body::empty())
        .expect("a redirect")
}

fn json_stream<S>(status: StatusCode, body: S) -> Response
where
    S: futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    Response::builder()
        .status(status)
        .header("Content-Type", "application/json")
        .body(Body::from_stream(body))
        .expect("a streamed answer")
}

/// Serves the failures every provider shows alike — no answer in time, or no answer at
/// all — and hands back the others, which each fake answers in its API's own words.
pub async fn misbehave(failure: Option<Failure>) -> Option<Failure> {
    match failure {
        Some(Failure::Hang) => {
            tokio::time::sleep(HANG).await;
            Some(Failure::Status(504))
        }
        // Unwinding out of the handler drops the connection unanswered (and, unlike
        // `panic!`, prints nothing).
        Some(Failure::HangUp) => std::panic::resume_unwind(Box::new("the fake hangs up")),
        other => other,
    }
}

/// Failures planned for the next calls, served in order before normal answers resume.
#[derive(Default)]
pub struct Plan(Mutex<VecDeque<Failure>>);

impl Plan {
    /// Plans `failures` for the next calls.
    pub fn fail_next(&self, failures: impl IntoIterator<Item = Failure>) {
        self.0.lock().unwrap().extend(failures);
    }

    /// The failure this call must answer with, if one is planned.
    pub fn take(&self) -> Option<Failure> {
        self.0.lock().unwrap().pop_front()
    }
}

/// A running fake server; it stops with the test.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    task: JoinHandle<()>,
}

impl Server {
    /// Serves `app` on a free loopback port.
    pub async fn start(app: Router) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for a fake server");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the fake server runs");
        });
        Server { base, task }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
