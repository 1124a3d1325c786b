//! Local stand-ins for the services the relay delivers to, which these machines cannot
//! reach: each binds 127.0.0.1:0, speaks the documented API (authentication included),
//! records what it receives with the time it arrived, and can be told to fail.

pub mod telegram;
pub mod webhook;
pub mod whatsapp;

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
    /// WhatsApp only: refuse a free-form message, the 24-hour window being closed (131047).
    WindowClosed,
    /// Take the request and keep silent for [`HANG`] (longer than any caller waits), then
    /// answer 504 without having done anything.
    Hang,
    /// Close the connection without an answer (nothing done either).
    HangUp,
}

/// How long a [`Failure::Hang`] keeps a request waiting.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(40);

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
