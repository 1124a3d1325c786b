//! The round button that opens and closes the panel.

use super::Intent;
use crate::i18n::Texts;
use yew::prelude::*;

/// The launcher's data.
pub struct LauncherProps<'a> {
    /// Whether the panel is open.
    pub open: bool,
    /// Where a click goes ([`Intent::Toggle`]).
    pub on_intent: &'a Callback<Intent>,
    /// Lets the app give the launcher focus back when the panel closes.
    pub node: &'a NodeRef,
    /// Messages from the team not yet seen.
    pub unread: u32,
}

/// The launcher button, bottom right (or left) of the page.
pub fn launcher(props: LauncherProps, texts: &Texts) -> Html {
    let onclick = props.on_intent.reform(|_: MouseEvent| Intent::Toggle);
    let label = if props.open {
        texts.close_chat
    } else {
        texts.open_chat
    };
    html! {
        <button
            type="button"
            class="confab-launcher"
            ref={props.node}
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
