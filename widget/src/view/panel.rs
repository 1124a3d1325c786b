//! The chat panel: header, messages and composer.

use super::{composer, link_sheet, show_qr, ComposerProps, LinkSheetProps, MessageList};
use crate::i18n::Texts;
use crate::state::{Connection, Outgoing};
use confab_protocol::{Link, LinkPurpose, Message};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The panel's data.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The strings of the widget's language.
    pub texts: &'static Texts,
    /// The brand's display name (empty until the session starts).
    pub brand_name: String,
    /// Acknowledged messages, in order.
    pub messages: Vec<Message>,
    /// Messages still being sent.
    pub outbox: Vec<Outgoing>,
    /// The composer's text.
    pub draft: String,
    /// Where the widget stands with the relay.
    pub connection: Connection,
    /// Someone of the team is typing.
    pub team_typing: bool,
    /// Where the "new messages" divider goes.
    pub first_unread: Option<confab_protocol::Seq>,
    /// The brand's privacy notice, while the visitor has not accepted it.
    pub consent: Option<confab_protocol::ConsentNotice>,
    /// The visitor accepted the privacy notice.
    pub on_consent: Callback<()>,
    /// The visitor asked for the transcript.
    pub on_download: Callback<()>,
    /// The visitor asked to delete the conversation.
    pub on_delete: Callback<()>,
    /// Whether the new-message sound is on.
    pub sound: bool,
    /// The visitor turned the sound on or off.
    pub on_sound: Callback<()>,
    /// The visitor asked for browser notifications.
    pub on_notify: Callback<()>,
    /// Where the visitor left the message list on the last page.
    pub initial_scroll: Option<i32>,
    /// The visitor scrolled the message list.
    pub on_scroll: Callback<Option<i32>>,
    /// The composer changed.
    pub on_draft: Callback<String>,
    /// The visitor sent the draft.
    pub on_send: Callback<()>,
    /// The visitor asked to retry the messages that could not be sent.
    pub on_retry: Callback<()>,
    /// The visitor closed the panel.
    pub on_close: Callback<()>,
    /// Whether the brand answers on WhatsApp.
    pub whatsapp: bool,
    /// When the thread's WhatsApp window closes (ms), if it continues on WhatsApp.
    pub whatsapp_window: Option<u64>,
    /// A link to continue elsewhere, while shown.
    pub link: Option<Link>,
    /// The visitor asked to continue on WhatsApp or another device.
    pub on_continue: Callback<LinkPurpose>,
    /// The visitor is done with the link.
    pub on_link_done: Callback<()>,
    /// Whether the visitor just opened the panel (then the composer takes focus; a panel
    /// reopened by page navigation leaves focus where the page put it).
    pub take_focus: bool,
}

/// The open chat.
#[function_component(Panel)]
pub fn panel(props: &PanelProps) -> Html {
    let texts = props.texts;
    let title = if props.brand_name.is_empty() {
        texts.chat.to_string()
    } else {
        props.brand_name.clone()
    };
    let notice = match &props.connection {
        Connection::Connecting => Some(texts.connecting),
        Connection::Ready | Connection::Live => None,
        Connection::Failed(_) => Some(texts.unreachable),
    };
    let menu_open = use_state(|| false);
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_: MouseEvent| menu_open.set(!*menu_open))
    };
    let menu_item = |callback: &Callback<()>| {
        let (callback, menu_open) = (callback.clone(), menu_open.clone());
        Callback::from(move |_: MouseEvent| {
            menu_open.set(false);
            callback.emit(());
        })
    };
    let panel = use_node_ref();
    {
        // On phones the panel fills the visual viewport (see widget.css).
        let panel = panel.clone();
        use_effect_with((), move |_| {
            let tracker = panel
                .cast::<web_sys::HtmlElement>()
                .and_then(crate::live::ViewportTracker::new);
            move || drop(tracker)
        });
    }
    {
        let panel = panel.clone();
        use_effect_with(props.take_focus, move |&take_focus| {
            if take_focus {
                focus_first(&panel, "textarea");
            }
        });
    }
    let qr = use_node_ref();
    {
        let qr = qr.clone();
        let svg = props.link.as_ref().map(|link| link.qr_svg.clone());
        use_effect_with(svg, move |svg| {
            if let Some(svg) = svg {
                show_qr(&qr, svg);
            }
        });
    }
    let onkeydown = {
        let (panel, on_close) = (panel.clone(), props.on_close.clone());
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "Escape" => {
                event.prevent_default();
                on_close.emit(());
            }
            "Tab" => keep_focus_inside(&panel, &event),
            _ => {}
        })
    };
    html! {
        <section
            class="confab-panel"
            role="dialog"
            aria-label={format!("{} {title}", texts.chat_with)}
            ref={panel}
            {onkeydown}
        >
            <div class="confab-header">
                <h2 class="confab-title">{ title }</h2>
                <button
                    type="button"
                    class="confab-menu-button"
                    aria-label={texts.more_options}
                    aria-haspopup="true"
                    aria-expanded={menu_open.to_string()}
                    onclick={toggle_menu}
                />
                <button
                    type="button"
                    class="confab-close"
                    aria-label={texts.close_chat}
                    onclick={props.on_close.reform(|_: MouseEvent| ())}
                />
            </div>
            if *menu_open {
                <div class="confab-menu">
                    <button type="button" class="confab-download" onclick={menu_item(&props.on_download)}>
                        { texts.download_transcript }
                    </button>
                    <button type="button" class="confab-sound" onclick={menu_item(&props.on_sound)}>
                        { if props.sound { texts.sound_off } else { texts.sound_on } }
                    </button>
                    if crate::notify::can_ask() {
                        <button type="button" class="confab-notify" onclick={menu_item(&props.on_notify)}>
                            { texts.notify_me }
                        </button>
                    }
                    if props.whatsapp {
                        <button type="button" class="confab-continue-whatsapp"
                            onclick={menu_item(&props.on_continue.reform(|_| LinkPurpose::Whatsapp))}>
                            { texts.continue_whatsapp }
                        </button>
                    }
                    <button type="button" class="confab-continue-device"
                        onclick={menu_item(&props.on_continue.reform(|_| LinkPurpose::Device))}>
                        { texts.continue_device }
                    </button>
                    <button type="button" class="confab-delete" onclick={menu_item(&props.on_delete)}>
                        { texts.delete_conversation }
                    </button>
                </div>
            }
            if let Some(link) = &props.link {
                { link_sheet(LinkSheetProps { link, qr: &qr, on_done: &props.on_link_done }, texts) }
            }
            if let Some(until) = props.whatsapp_window {
                <p class="confab-linked">
                    { texts.linked_whatsapp }{ " " }{ texts.window_until }{ " " }
                    { super::message_list::day_label(until, texts) }{ " " }
                    { super::message_list::clock(until) }
                </p>
            }
            if let Some(notice) = notice {
                <p class="confab-notice" role="status">{ notice }</p>
            }
            <MessageList
                {texts}
                messages={props.messages.clone()}
                outbox={props.outbox.clone()}
                first_unread={props.first_unread}
                on_retry={props.on_retry.clone()}
                initial_scroll={props.initial_scroll}
                on_scroll={props.on_scroll.clone()}
            />
            if props.team_typing {
                <p class="confab-typing" role="status">{ texts.typing }</p>
            }
            if let Some(consent) = &props.consent {
                <div class="confab-consent">
                    <p>
                        { &consent.text }{ " " }
                        <a href={consent.privacy_url.clone()} target="_blank" rel="noopener noreferrer">
                            { texts.privacy_policy }
                        </a>
                    </p>
                    <button
                        type="button"
                        class="confab-consent-accept"
                        onclick={props.on_consent.reform(|_: MouseEvent| ())}
                    >
                        { texts.consent_accept }
                    </button>
                </div>
            } else {
                { composer(ComposerProps {
                    draft: &props.draft,
                    on_draft: &props.on_draft,
                    on_send: &props.on_send,
                }, texts) }
            }
        </section>
    }
}

/// What can take focus inside the panel, in document order.
const FOCUSABLE: &str = "button:not([disabled]), textarea, [tabindex=\"0\"]";

fn focusable(panel: &NodeRef, selector: &str) -> Vec<web_sys::HtmlElement> {
    let Some(panel) = panel.cast::<web_sys::Element>() else {
        return Vec::new();
    };
    let Ok(nodes) = panel.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|index| nodes.get(index))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

fn focus_first(panel: &NodeRef, selector: &str) {
    if let Some(element) = focusable(panel, selector).first() {
        let _ = element.focus();
    }
}

/// Tab from the last control goes to the first, Shift+Tab from the first to the last:
/// focus stays in the open panel until Esc or the close button.
fn keep_focus_inside(panel: &NodeRef, event: &KeyboardEvent) {
    let controls = focusable(panel, FOCUSABLE);
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return;
    };
    let target = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok());
    let wrap_to = match target {
        Some(target) if event.shift_key() && &target == first => last,
        Some(target) if !event.shift_key() && &target == last => first,
        _ => return,
    };
    event.prevent_default();
    let _ = wrap_to.focus();
}
