//! The owner's calls: settings (save, preview, connector tests), agent keys and members.

use super::effects::Effects;
use crate::api::{self, NO_BODY};
use crate::error::ConsoleError;
use crate::live::sleep;
use crate::state::{Action, ConnectorTest};
use confab_protocol::console::{MemberAdded, NewMember};
use confab_protocol::BrandProfile;
use serde_json::Value;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

/// How long typing pauses before the preview is asked again, in milliseconds.
const PREVIEW_PAUSE_MS: u32 = 300;

/// What a connector test answers.
#[derive(serde::Deserialize)]
struct TestAnswer {
    ok: bool,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    detail: String,
}

/// A new agent key.
#[derive(serde::Deserialize)]
struct NewKey {
    key: String,
}

impl Effects {
    pub(super) fn save_settings(self: Rc<Self>) {
        let Some(value) = self
            .state
            .borrow()
            .settings
            .as_ref()
            .map(|form| form.value.clone())
        else {
            return;
        };
        spawn_local(async move {
            let answer: Result<Value, _> =
                api::json("PUT", "/v1/console/settings", Some(&value)).await;
            match answer {
                Ok(saved) => self.dispatch.dispatch(Action::SettingsSaved(saved)),
                Err(ConsoleError::Refused { message, field, .. }) => self
                    .dispatch
                    .dispatch(Action::SettingsRefused(field, message)),
                Err(error) => self.failed(error),
            }
        });
    }

    /// Asks the relay what the widget would show with the unsaved `settings` (after a
    /// pause, so typing asks once).
    pub(super) fn preview(self: Rc<Self>, settings: Value) {
        let run = self.preview_run.get().wrapping_add(1);
        self.preview_run.set(run);
        spawn_local(async move {
            sleep(PREVIEW_PAUSE_MS).await;
            if self.preview_run.get() != run {
                return;
            }
            let answer: Result<BrandProfile, _> =
                api::json("POST", "/v1/console/preview", Some(&settings)).await;
            if self.preview_run.get() != run {
                return;
            }
            match answer {
                Ok(profile) => self.dispatch.dispatch(Action::Preview(profile)),
                // Unsaved settings the relay refuses: the preview stays as it was.
                Err(ConsoleError::Refused { .. }) => {}
                Err(error) => self.failed(error),
            }
        });
    }

    pub(super) fn test_connector(self: Rc<Self>, name: String) {
        self.dispatch
            .dispatch(Action::ConnectorTest(name.clone(), ConnectorTest::Running));
        spawn_local(async move {
            let path = format!("/v1/console/connectors/{}/test", api::encode(&name));
            let answer: Result<TestAnswer, _> = api::json("POST", &path, NO_BODY).await;
            let test = match answer {
                Ok(answer) => ConnectorTest::Done {
                    ok: answer.ok,
                    status: answer.status,
                    detail: answer.detail,
                },
                Err(error @ ConsoleError::SignedOut { .. }) => return self.failed(error),
                Err(error) => ConnectorTest::Done {
                    ok: false,
                    status: None,
                    detail: error.to_string(),
                },
            };
            self.dispatch.dispatch(Action::ConnectorTest(name, test));
        });
    }

    pub(super) fn create_key(self: Rc<Self>) {
        spawn_local(async move {
            let answer: Result<NewKey, _> = api::json("POST", "/v1/console/keys", NO_BODY).await;
            match answer {
                Ok(key) => self.dispatch.dispatch(Action::KeyCreated(key.key)),
                Err(error) => self.failed(error),
            }
        });
    }

    pub(super) fn invite(self: Rc<Self>, member: NewMember) {
        spawn_local(async move {
            let answer: Result<MemberAdded, _> =
                api::json("POST", "/v1/console/members", Some(&member)).await;
            match answer {
                Ok(added) => {
                    let email = added.member.email.clone();
                    self.dispatch.dispatch(Action::MemberAdded(added.member));
                    self.dispatch.dispatch(Action::Notice(Some(format!(
                        "Invitation emailed to {email}."
                    ))));
                }
                Err(error) => self.failed(error),
            }
        });
    }

    pub(super) fn remove(self: Rc<Self>, email: String) {
        spawn_local(async move {
            let path = format!("/v1/console/members/{}", api::encode(&email));
            match api::send("DELETE", &path, NO_BODY).await {
                Ok(()) => {
                    self.dispatch.dispatch(Action::MemberRemoved(email.clone()));
                    self.dispatch
                        .dispatch(Action::Notice(Some(format!("Removed {email}."))));
                }
                Err(error) => self.failed(error),
            }
        });
    }
}
