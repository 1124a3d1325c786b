//! What the visitor asks for through the view ([`Intent`]), carried out.

use super::effects::Effects;
use crate::state::Action;
use crate::view::Intent;
use confab_protocol::{LinkPurpose, LinkRequest};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

impl Effects {
    /// Does what the visitor asked for. What the asking depends on (the draft, whether the
    /// panel is open or the sound on) is read from the state the visitor saw, the last
    /// rendered one.
    pub fn visitor(self: &Rc<Self>, intent: Intent) {
        match intent {
            Intent::Toggle => self.toggle(),
            Intent::Close => self.set_open_by_visitor(false),
            Intent::Draft(draft) => self.dispatcher.dispatch(Action::DraftChanged(draft)),
            Intent::Send => {
                let (draft, files) = self
                    .rendered(|state| (state.draft.clone(), state.staged.clone()))
                    .unwrap_or_default();
                self.queue(&draft, false, files);
            }
            Intent::Ask(question) => self.queue(&question, true, Vec::new()),
            Intent::Files(files) => self.stage(files),
            Intent::Unstage(preview) => self.unstage(preview),
            Intent::Cancel(client_id) => self.cancel(client_id),
            Intent::Retry => self.retry_now(),
            Intent::Consent => {
                self.storage.set_consented();
                self.dispatcher.dispatch(Action::Consented);
            }
            Intent::ToggleSound => {
                let on = !self.rendered(|state| state.sound).unwrap_or(false);
                self.storage.set_sound(on);
                self.dispatcher.dispatch(Action::SetSound(on));
            }
            Intent::Notify => self.notify(),
            Intent::Continue(purpose) => self.continue_elsewhere(purpose),
            Intent::LinkDone => self.dispatcher.dispatch(Action::ShowLink(None)),
            Intent::ReachForm(open) => self.dispatcher.dispatch(Action::ReachForm(open)),
            Intent::Email(address) => self.email(address),
            Intent::Handoff => self.hand_off(),
            Intent::Score(score) => self.dispatcher.dispatch(Action::Score(score)),
            Intent::Rate(comment) => self.rate(comment),
            Intent::Download => self.download_transcript(),
            Intent::Delete => self.delete_conversation(),
            Intent::Scrolled(offset) => self.scrolled(offset),
            Intent::Resume(switch) => {
                // Declined, the code is dropped unused; either way the session starts now
                // (the state no longer asks), and focus goes to the composer.
                if !switch {
                    self.runtime.borrow_mut().link = None;
                }
                self.by_visitor.set(true);
                self.dispatcher.dispatch(Action::ResumePrompt(false));
            }
        }
    }

    /// The visitor scrolled the list (`None`: to the latest message).
    fn scrolled(&self, offset: Option<i32>) {
        let moved = match (self.saved_scroll.get(), offset) {
            (Some(before), Some(now)) => (before - now).abs() > 20,
            (before, now) => before.is_some() != now.is_some(),
        };
        if moved {
            self.saved_scroll.set(offset);
            self.storage.set_scroll(offset);
        }
    }

    /// Asks the relay for a link to continue on WhatsApp or in another browser (this page),
    /// and shows it.
    fn continue_elsewhere(&self, purpose: LinkPurpose) {
        let Some(session) = self.runtime.borrow().session.clone() else {
            return;
        };
        let page = web_sys::window().and_then(|window| window.location().href().ok());
        let request = LinkRequest { purpose, page };
        let (relay, dispatcher) = (self.relay.clone(), self.dispatcher.clone());
        spawn_local(async move {
            if let Ok(link) = relay.create_link(&session, &request).await {
                dispatcher.dispatch(Action::ShowLink(Some((purpose, link))));
            }
        });
    }

    /// Downloads the conversation as a text file.
    fn download_transcript(&self) {
        let Some(session) = self.runtime.borrow().session.clone() else {
            return;
        };
        let (relay, root) = (self.relay.clone(), self.root.clone());
        spawn_local(async move {
            if let Ok(text) = relay.transcript_text(&session).await {
                crate::live::save_text(&root, "conversation.txt", &text);
            }
        });
    }

    /// Deletes the conversation, once the visitor confirms.
    fn delete_conversation(&self) {
        let confirmed = web_sys::window()
            .and_then(|window| window.confirm_with_message(self.texts.confirm_delete).ok())
            .unwrap_or(false);
        let session = self.runtime.borrow().session.clone();
        let Some(session) = session.filter(|_| confirmed) else {
            return;
        };
        let (relay, storage, dispatcher) = (
            self.relay.clone(),
            self.storage.clone(),
            self.dispatcher.clone(),
        );
        spawn_local(async move {
            if relay.erase(&session).await.is_ok() {
                storage.forget();
                dispatcher.dispatch(Action::Reset);
            }
        });
    }
}
