//! The root component: owns the [`State`], renders it, and hands every change to the
//! [`Effects`] that talk to the browser and the relay.
//!
//! The component has just two effect hooks (start once, then "the state changed"): each Yew
//! hook is compiled anew for its types, and the widget's bytes are paid by every visitor.

mod connection;
mod effects;
mod files;
mod intents;
mod kept;
mod outbox;
mod reach;

use crate::config::Config;
use crate::host::{Events, SharedSlot};
use crate::i18n::Texts;
use crate::state::State;
use crate::view::{launcher, LauncherProps, Panel};
use effects::Effects;
use std::rc::Rc;
use yew::prelude::*;

/// The root component's settings.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The element the widget is mounted in (inside the shadow root).
    pub root: web_sys::Element,
    /// The loader's settings.
    pub config: Rc<Config>,
    /// Whether to open the panel at once.
    pub open: bool,
    /// Whether the visitor just asked for it (a click), so focus may move into it.
    pub focus: bool,
    /// Where `window.Confab` commands arrive.
    pub commands: SharedSlot,
    /// The page's `Confab.on` listeners.
    pub events: Events,
    /// The strings, in the visitor's language.
    pub texts: &'static Texts,
}

/// The widget.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| State::new(props.open));
    let texts = props.texts;
    let launcher_node = use_node_ref();
    let effects = use_memo((), |_| {
        Effects::new(props, texts, state.dispatcher(), launcher_node.clone())
    });
    {
        let effects = effects.clone();
        use_effect_with((), move |_| {
            effects.start();
            move || effects.stop()
        });
    }
    {
        let (effects, state) = (effects.clone(), state.clone());
        use_effect(move || effects.after_render(&state));
    }

    let on_intent = {
        let effects = effects.clone();
        Callback::from(move |intent| effects.visitor(intent))
    };
    html! {
        <>
            if state.open {
                <Panel
                    {texts}
                    relay={AttrValue::from(props.config.relay.clone())}
                    state={state.clone()}
                    initial_scroll={effects.initial_scroll()}
                    take_focus={effects.moved_by_visitor()}
                    on_intent={on_intent.clone()}
                />
            }
            { launcher(LauncherProps {
                open: state.open,
                on_intent: &on_intent,
                node: &launcher_node,
                unread: state.unread,
            }, texts) }
        </>
    }
}
