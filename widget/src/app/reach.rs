//! Reaching the visitor after they leave: replies by email at an address they confirm, and
//! web push in this browser (offered where the page hosts the brand's service worker);
//! reaching a person when the brand's assistant answers; and the visitor's rating.

use super::effects::Effects;
use crate::error::WidgetError;
use crate::push;
use crate::state::Action;
use confab_protocol::{EmailRequest, RatingRequest, Session};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::spawn_local;

impl Effects {
    /// Replies by email at `address`, in the widget's language (the relay first sends it a
    /// link to confirm), or no more (`None`).
    pub(super) fn email(&self, address: Option<String>) {
        let Some(session) = self.runtime.borrow().session.clone() else {
            return;
        };
        let texts = self.texts;
        let request = address.map(|address| EmailRequest {
            address,
            language: Some(texts.code.to_string()),
        });
        let (relay, dispatcher) = (self.relay.clone(), self.dispatcher.clone());
        spawn_local(async move {
            dispatcher.dispatch(match relay.email(&session, request.as_ref()).await {
                Ok(status) => Action::Email(status),
                Err(WidgetError::Relay {
                    status: 400 | 422, ..
                }) => Action::ReachProblem(texts.email_invalid),
                Err(_) => Action::ReachProblem(texts.email_failed),
            });
        });
    }

    /// The visitor asked for a person: the relay hands the thread over (its notice, saying
    /// what happens next, arrives like any message). A failed request leaves the button, to
    /// be tapped again.
    pub(super) fn hand_off(&self) {
        let Some(session) = self.runtime.borrow().session.clone() else {
            return;
        };
        let relay = self.relay.clone();
        spawn_local(async move {
            let _ = relay.hand_off(&session).await;
        });
    }

    /// Sends the visitor's rating: the score they picked, and `comment` if not empty. Taken
    /// or refused as given already or not wanted (409), it is not asked for again; another
    /// failure leaves the form, to be sent again.
    pub(super) fn rate(&self, comment: String) {
        let session = self.runtime.borrow().session.clone();
        let score = self.rendered(|state| state.score).flatten();
        let (Some(session), Some(score)) = (session, score) else {
            return;
        };
        let comment = Some(comment).filter(|comment| !comment.is_empty());
        let (relay, dispatcher) = (self.relay.clone(), self.dispatcher.clone());
        spawn_local(async move {
            match relay
                .rate(&session, &RatingRequest { score, comment })
                .await
            {
                Ok(()) => dispatcher.dispatch(Action::Rated(true)),
                Err(WidgetError::Relay { status: 409, .. }) => {
                    dispatcher.dispatch(Action::Rated(false))
                }
                Err(_) => {}
            }
        });
    }

    /// The visitor asked for notifications: replies pushed where push is offered, else the
    /// browser's notifications while a page of the site is open.
    pub(super) fn notify(self: &Rc<Self>) {
        match self.rendered(|state| state.push).flatten() {
            Some(false) => self.push(true),
            _ => crate::notify::request_permission(),
        }
    }

    /// Web push for this thread. Asked (`ask`), it subscribes after the visitor's
    /// permission; else it finds whether this browser already is subscribed (a visitor who
    /// allowed it on an earlier page, or before the thread was deleted) and tells the relay
    /// again, or offers it.
    pub(super) fn push(self: &Rc<Self>, ask: bool) {
        let Some(session) = self.runtime.borrow().session.clone() else {
            return;
        };
        let effects = self.clone();
        spawn_local(async move {
            let answer = effects.subscribe(&session, ask).await;
            effects.dispatcher.dispatch(match answer {
                Ok(on) => Action::Push(Some(on)),
                Err(_) if ask && push::supported() => {
                    Action::ReachProblem(effects.texts.email_failed)
                }
                // Refused, or the browser cannot: not offered again.
                Err(_) => Action::Push(None),
            });
        });
    }

    /// Whether this browser pushes for `session`'s thread now (see [`Effects::push`]).
    async fn subscribe(&self, session: &Session, ask: bool) -> Result<bool, JsValue> {
        let key = session.brand.push_key.as_deref().filter(|_| ask);
        let Some(json) = push::subscription(self.config.push.as_ref(), key).await? else {
            return Ok(false);
        };
        self.relay
            .subscribe_push(session, &json)
            .await
            .map_err(failed)?;
        Ok(true)
    }
}

fn failed(_: WidgetError) -> JsValue {
    JsValue::NULL
}
