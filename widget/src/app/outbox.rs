//! The outbox on its way out: written messages queue with a fresh client id, go to the relay
//! one at a time and in order (from any tab: the relay keeps the first copy of a client id),
//! and those that failed but may succeed later are retried with backoff.

use super::effects::Effects;
use crate::backoff::delay_ms;
use crate::error::WidgetError;
use crate::live::{random, sleep};
use crate::state::{Action, OutFile, Outgoing, State};
use confab_protocol::{validate_text, ClientMessageId, SendMessage};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

impl Effects {
    /// The visitor sent the draft (`asked`: a suggested question they tapped, which leaves
    /// the composer as it is): it joins the outbox, if it is a valid message.
    /// Staged files go with it (then the text may be empty).
    pub fn queue(&self, text: &str, asked: bool, files: Vec<OutFile>) {
        let text = match validate_text(text) {
            Ok(text) => text,
            Err(_) if !files.is_empty() && text.trim().is_empty() => "",
            Err(_) => return,
        };
        {
            let outgoing = Outgoing {
                client_id: new_client_id(),
                text: text.to_string(),
                error: None,
                retryable: false,
                files,
            };
            self.keep_files(&outgoing);

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
        if !next.files.is_empty() && !self.files_ready.get() {
            return;
        }
        self.dispatcher
            .dispatch(Action::SendStarted(next.client_id.clone()));
        let effects = self.clone();
        spawn_local(async move {
            let attachments = match effects.upload_all(&session, &next).await {
                Ok(ids) => ids,
                Err(error) => return effects.failed(next.client_id, &error, true),
            };
            let message = SendMessage {
                client_id: next.client_id.clone(),
                text: next.text,
                attachments,
            };
            match effects.relay.send(&session, &message).await {
                Ok(stored) => {
                    effects.runtime.borrow_mut().send_attempt = 0;
                    effects.dispatcher.dispatch(Action::Received(vec![stored]));
                }
                Err(error) => effects.failed(next.client_id, &error, !next.files.is_empty()),
            }
        });
    }

    /// An attempt failed: a refusal of a message with files is told in the visitor's
    /// words (`files`), since they must act on it.
    fn failed(&self, client_id: ClientMessageId, error: &WidgetError, files: bool) {
        let texts = self.texts;
        let code = match error {
            WidgetError::Relay { code, .. } => code.as_str(),
            _ => "",
        };
        let reason = match code {
            "file_too_large" if files => texts.file_too_large,
            "file_type_refused" | "file_type_mismatch" if files => texts.file_refused,
            _ if files && !error.is_transient() => texts.file_not_sent,
            _ => "",
        };
        let reason = match reason {
            "" => error.to_string(),
            reason => reason.to_string(),
        };
        self.dispatcher.dispatch(Action::SendFailed {
            client_id,
            reason,
            retryable: error.is_transient(),
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
