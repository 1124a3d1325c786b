//! What the member asks for through the views, one [`Intent`] each, and how each is done.

use super::effects::Effects;
use crate::api::{self, NO_BODY};
use crate::state::inbox::Filter;
use crate::state::{Action, SignInStage};
use confab_protocol::console::{NewMember, SignInLinkRequest};
use confab_protocol::{AgentMessage, ClientMessageId, Message};
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

/// Something the member asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// "Email me a sign-in link" to this address.
    RequestLink(String),
    /// Back to the sign-in form (from "Check your email").
    SignInForm,
    /// The list's filters changed.
    Filter(Filter),
    /// The composer's text changed.
    Draft(String),
    /// The quick replies to offer with the next reply.
    Replies(Vec<String>),
    /// Send the composer's text.
    Send,
    /// Send a pending reply again.
    Retry(ClientMessageId),
    /// Mark the open thread resolved.
    Resolve,
    /// Reopen it.
    Reopen,
    /// Take the open thread over from the bot.
    TakeOver,
    /// A settings field changed (a key path; `Null` removes it).
    Edit(String, Value),
    /// Save the settings.
    Save,
    /// Send a connector a test.
    TestConnector(String),
    /// Create an agent key.
    CreateKey,
    /// Copy a text to the clipboard.
    Copy(String),
    /// Invite a member (or change one).
    Invite(NewMember),
    /// Remove a member.
    Remove(String),
    /// Show Insights for this range.
    Period(crate::state::insights::Period),
    /// End this session.
    SignOut,
    /// End every session of this member.
    SignOutEverywhere,
}

impl Effects {
    /// Does what the member asked.
    pub fn intent(self: Rc<Self>, intent: Intent) {
        match intent {
            Intent::RequestLink(email) => {
                let body = SignInLinkRequest {
                    email: email.trim().to_string(),
                };
                spawn_local(async move {
                    match api::send("POST", "/v1/console/links", Some(&body)).await {
                        Ok(()) => self
                            .dispatch
                            .dispatch(Action::SignedOut(SignInStage::Sent(body.email))),
                        Err(error) => self.failed(error),
                    }
                });
            }
            Intent::SignInForm => self.dispatch.dispatch(Action::SignedOut(SignInStage::Form)),
            Intent::Filter(filter) => self.dispatch.dispatch(Action::Filter(filter)),
            Intent::Draft(draft) => {
                self.send_typing(!draft.trim().is_empty());
                self.dispatch.dispatch(Action::Draft(draft));
            }
            Intent::Replies(replies) => self.dispatch.dispatch(Action::Replies(replies)),
            Intent::Send => self.send_reply(),
            Intent::Retry(client_id) => {
                let pending = self.state.borrow().thread.as_ref().and_then(|thread| {
                    thread
                        .pending
                        .iter()
                        .find(|pending| pending.client_id == client_id)
                        .cloned()
                });
                if let Some(pending) = pending {
                    self.post_reply(AgentMessage {
                        client_id: pending.client_id,
                        text: pending.text,
                        sender: None,
                        attachments: Vec::new(),
                        replies: pending.replies,
                    });
                }
            }
            Intent::Resolve => self.thread_call("/resolve", "Marked resolved."),
            Intent::Reopen => self.thread_call("/reopen", "Reopened."),
            Intent::TakeOver => {
                let Some(id) = self.open_thread_id() else {
                    return;
                };
                spawn_local(async move {
                    let path = format!("/v1/threads/{}/assistant", api::encode(id.as_str()));
                    let body = serde_json::json!({ "active": false });
                    match api::send("POST", &path, Some(&body)).await {
                        Ok(()) => self.dispatch.dispatch(Action::Notice(Some(
                            "You took over: the bot no longer answers this thread.".into(),
                        ))),
                        Err(error) => self.failed(error),
                    }
                });
            }
            Intent::Edit(path, value) => self.dispatch.dispatch(Action::EditSetting(path, value)),
            Intent::Save => self.save_settings(),
            Intent::TestConnector(name) => self.test_connector(name),
            Intent::CreateKey => self.create_key(),
            Intent::Copy(text) => {
                if let Some(window) = web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&text);
                    self.dispatch
                        .dispatch(Action::Notice(Some("Copied to the clipboard.".into())));
                }
            }
            Intent::Invite(member) => self.invite(member),
            Intent::Remove(email) => self.remove(email),
            Intent::Period(period) => self.choose_period(period),
            Intent::SignOut => self.sign_out("/v1/console/session"),
            Intent::SignOutEverywhere => self.sign_out("/v1/console/sessions"),
        }
    }

    fn open_thread_id(&self) -> Option<confab_protocol::ThreadId> {
        Some(self.state.borrow().thread.as_ref()?.id.clone())
    }

    fn send_reply(self: Rc<Self>) {
        let Some((draft, replies)) = self
            .state
            .borrow()
            .thread
            .as_ref()
            .map(|thread| (thread.draft.clone(), thread.replies.clone()))
        else {
            return;
        };
        let Ok(text) = confab_protocol::validate_text(&draft) else {
            return;
        };
        let replies: Vec<String> = replies
            .into_iter()
            .map(|reply| reply.trim().to_string())
            .filter(|reply| !reply.is_empty())
            .collect();
        let client_id = crate::state::thread::reply_client_id(&random_id());
        self.dispatch.dispatch(Action::Queued {
            client_id: client_id.clone(),
            text: text.to_string(),
            replies: replies.clone(),
        });
        self.send_typing(false);
        self.post_reply(AgentMessage {
            client_id,
            text: text.to_string(),
            sender: None,
            attachments: Vec::new(),
            replies,
        });
    }

    fn post_reply(self: Rc<Self>, message: AgentMessage) {
        let Some(id) = self.open_thread_id() else {
            return;
        };
        spawn_local(async move {
            let path = Self::thread_path(&id, "/messages");
            let answer: Result<Message, _> = api::json("POST", &path, Some(&message)).await;
            match answer {
                Ok(stored) => self.dispatch.dispatch(Action::Stored(stored)),
                Err(error @ crate::error::ConsoleError::SignedOut { .. }) => self.failed(error),
                Err(error) => self
                    .dispatch
                    .dispatch(Action::SendFailed(message.client_id, error.to_string())),
            }
        });
    }

    fn thread_call(self: Rc<Self>, rest: &'static str, done: &'static str) {
        let Some(id) = self.open_thread_id() else {
            return;
        };
        spawn_local(async move {
            match api::send("POST", &Self::thread_path(&id, rest), NO_BODY).await {
                Ok(()) => self.dispatch.dispatch(Action::Notice(Some(done.into()))),
                Err(error) => self.failed(error),
            }
        });
    }

    fn sign_out(self: Rc<Self>, path: &'static str) {
        spawn_local(async move {
            match api::send("DELETE", path, NO_BODY).await {
                Ok(()) => self
                    .dispatch
                    .dispatch(Action::SignedOut(SignInStage::SignedOut)),
                Err(error) => self.failed(error),
            }
        });
    }
}

/// A random id for a reply (`crypto.randomUUID`, or the time and `Math.random` where the
/// page is not a secure context).
fn random_id() -> String {
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .map(|crypto| crypto.random_uuid())
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                js_sys::Date::now() as u64,
                (js_sys::Math::random() * 1e12) as u64
            )
        })
}
