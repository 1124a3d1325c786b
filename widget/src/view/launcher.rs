//! The round button that opens and closes the panel.

use super::use_texts;
use yew::prelude::*;

/// The launcher's data.
#[derive(Properties, PartialEq)]
pub struct LauncherProps {
    /// Whether the panel is open.
    pub open: bool,
    /// Called on a click.
    pub on_toggle: Callback<()>,
    /// Lets the app give the launcher focus back when the panel closes.
    pub node: NodeRef,
    /// Messages from the team not yet seen.
    pub unread: u32,
}

/// The launcher button, bottom right (or left) of the page.
#[function_component(Launcher)]
pub fn launcher(props: &LauncherProps) -> Html {
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    let texts = use_texts();
    let label = if props.open {
        texts.close_chat
    } else {
        texts.open_chat
    };
    html! {
        <button
            type="button"
            class={classes!("confab-launcher", props.open.then_some("confab-launcher-open"))}
            ref={props.node.clone()}
            aria-label={if props.unread > 0 { format!("{label} ({})", props.unread) } else { label.to_string() }}
            aria-expanded={props.open.to_string()}
            {onclick}
        >
            if props.unread > 0 {
                <span class="confab-badge" aria-hidden="true">{ props.unread }</span>
            }
        </button>
    }
}
