//! The root component: owns the [`State`], renders it, and hands every change and every
//! intent of the member to the [`Effects`] that talk to the browser and the relay.

mod effects;
mod insights;
mod intents;
mod owner;
mod sockets;

pub use intents::Intent;

use crate::state::State;
use crate::view::Page;
use effects::Effects;
use std::rc::Rc;
use yew::prelude::*;

/// The console.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let effects = use_memo((), |_| Rc::new(Effects::new(state.dispatcher())));
    {
        let effects = (*effects).clone();
        use_effect_with((), move |_| {
            effects.start();
        });
    }
    {
        let (effects, state) = ((*effects).clone(), state.clone());
        use_effect(move || effects.after_render(&state));
    }
    let on_intent = {
        let effects = (*effects).clone();
        Callback::from(move |intent| effects.clone().intent(intent))
    };
    html! { <Page state={state.clone()} {on_intent} /> }
}
