//! The root component: owns the [`State`], renders it, and hands every change to the
//! [`Effects`] that talk to the browser and the relay.
//!
//! The component has just two effect hooks (start once, then "the state changed"): each Yew
//! hook is compiled anew for its types, and the widget's bytes are paid by every visitor.

mod connection;
mod effects;
mod outbox;

use crate::config::Config;
use crate::host::{Events, SharedSlot};
use crate::i18n::{Lang, Texts};
use crate::state::{Action, State};
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
}

/// The widget.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| State::new(props.open));
    let texts: &'static Texts = Lang::from_tag(&props.config.lang).texts();
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

    let on_toggle = {
        let (effects, open) = (effects.clone(), state.open);
        Callback::from(move |_| effects.set_open_by_visitor(!open))
    };
    let on_close = {
        let effects = effects.clone();
        Callback::from(move |_| effects.set_open_by_visitor(false))
    };
    let on_draft = {
        let effects = effects.clone();
        Callback::from(move |draft: String| effects.draft_changed(draft))
    };
    let on_retry = {
        let effects = effects.clone();
        Callback::from(move |_| effects.retry_now())
    };
    let on_send = {
        let (effects, draft) = (effects.clone(), state.draft.clone());
        Callback::from(move |_| effects.queue(&draft))
    };
    let on_consent = {
        let effects = effects.clone();
        Callback::from(move |_| effects.consent())
    };
    let on_download = {
        let effects = effects.clone();
        Callback::from(move |_| effects.download_transcript())
    };
    let on_delete = {
        let effects = effects.clone();
        Callback::from(move |_| effects.delete_conversation())
    };
    let on_sound = {
        let (effects, sound) = (effects.clone(), state.sound);
        Callback::from(move |_| effects.set_sound(!sound))
    };
    let on_notify = Callback::from(|_| crate::notify::request_permission());
    let on_continue = {
        let effects = effects.clone();
        Callback::from(move |purpose| effects.continue_elsewhere(purpose))
    };
    let on_link_done = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Action::ShowLink(None)))
    };
    let (whatsapp, whatsapp_window) = state.session.as_ref().map_or((false, None), |session| {
        let window = session.whatsapp.as_ref();
        (session.brand.whatsapp, window.map(|w| w.window_ends_at.0))
    });
    let on_scroll = {
        let effects = effects.clone();
        Callback::from(move |offset: Option<i32>| effects.scrolled(offset))
    };
    // The privacy notice shows until the visitor accepts it (only in an empty thread).
    let consent = state
        .needs_consent()
        .then(|| state.session.as_ref()?.brand.consent.clone())
        .flatten();
    let brand_name = state
        .session
        .as_ref()
        .map(|session| session.brand.name.clone())
        .unwrap_or_default();
    html! {
        <>
            if state.open {
                <Panel
                    {texts}
                    brand_name={brand_name}
                    messages={state.messages.clone()}
                    outbox={state.outbox.clone()}
                    draft={state.draft.clone()}
                    connection={state.connection.clone()}
                    team_typing={state.team_typing}
                    first_unread={state.first_unread}
                    consent={consent}
                    {on_consent}
                    {on_download}
                    {on_delete}
                    sound={state.sound}
                    initial_scroll={effects.initial_scroll()}
                    {on_scroll}
                    {on_sound}
                    {on_notify}
                    {whatsapp}
                    {whatsapp_window}
                    link={state.link.clone()}
                    {on_continue}
                    {on_link_done}
                    {on_draft}
                    {on_send}
                    {on_retry}
                    {on_close}
                    take_focus={effects.moved_by_visitor()}
                />
            }
            { launcher(LauncherProps {
                open: state.open,
                on_toggle: &on_toggle,
                node: &launcher_node,
                unread: state.unread,
            }, texts) }
        </>
    }
}
