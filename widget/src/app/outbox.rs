//! The outbox on its way out: written messages queue with a fresh client id, go to the relay
//! one at a time and in order (from any tab: the relay keeps the first copy of a client id),
//! and those that failed but may succeed later are retried with backoff.

use super::effects::Effects;
use crate::backoff::delay_ms;
use crate::live::{random, sleep};
use crate::state::{Action, Outgoing, State};
use confab_protocol::{validate_text, ClientMessageId, SendMessage};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

impl Effects {
    /// The visitor sent the draft (`asked`: a suggested question they tapped, which leaves
    /// the composer as it is): it joins the outbox, if it is a valid message.
    pub fn queue(&self, text: &str, asked: bool) {
        if let Ok(text) = validate_text(text) {
            let outgoing = Outgoing {
                client_id: new_client_id(),
                text: text.to_string(),
                error: None,
                retryable: false,
            };
            self.dispatcher.dispatch(match asked {
                true => Action::Asked(outgoing),
                false => Action::Queued(outgoing),
            });
        }
    }

    /// The visitor asked to retry what could not be sent.
    pub fn retry_now(&self) {
        self.dispatcher.dispatch(Action::RetrySends);
    }

    /// Sends the next outbox message, if one may go now.
    pub(super) fn send_next(self: &Rc<Self>, state: &State) {
        let (Some(session), Some(next)) = (state.session.clone(), state.next_to_send().cloned())
        else {
            return;
        };
        self.dispatcher
            .dispatch(Action::SendStarted(next.client_id.clone()));
        let effects = self.clone();
        spawn_local(async move {
            let message = SendMessage {
                client_id: next.client_id.clone(),
                text: next.text,
            };
            match effects.relay.send(&session, &message).await {
                Ok(stored) => {
                    effects.runtime.borrow_mut().send_attempt = 0;
                    effects.dispatcher.dispatch(Action::Received(vec![stored]));
                }
                Err(error) => effects.dispatcher.dispatch(Action::SendFailed {
                    client_id: next.client_id,
                    reason: error.to_string(),
                    retryable: error.is_transient(),
                }),
            }
        });
    }

    /// Schedules a retry of failed sends that may succeed later, with backoff.
    pub(super) fn schedule_retry(self: &Rc<Self>, state: &State) {
        let waiting = state
            .outbox
            .iter()
            .any(|outgoing| outgoing.error.is_some() && outgoing.retryable);
        let delay = {
            let mut runtime = self.runtime.borrow_mut();
            if !waiting || runtime.retry_scheduled {
                return;
            }
            runtime.retry_scheduled = true;
            runtime.send_attempt += 1;
            delay_ms(runtime.send_attempt - 1, random())
        };
        let effects = self.clone();
        spawn_local(async move {
            sleep(delay).await;
            effects.runtime.borrow_mut().retry_scheduled = false;
            effects.dispatcher.dispatch(Action::RetrySends);
        });
    }
}

/// A fresh client id for a message: a random UUID from the browser's CSPRNG.
fn new_client_id() -> ClientMessageId {
    let uuid = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                js_sys::Date::now() as u64,
                (js_sys::Math::random() * 1e15) as u64
            )
        });
    ClientMessageId::new(uuid)
}
