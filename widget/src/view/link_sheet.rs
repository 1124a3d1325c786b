//! A link to continue elsewhere: its QR code (drawn by the relay), the link itself, and a
//! way back to the conversation.

use super::Intent;
use crate::i18n::Texts;
use confab_protocol::{Link, LinkPurpose};
use yew::prelude::*;

/// The link sheet's data.
pub struct LinkSheetProps<'a> {
    /// What the link is for, and the link, as the relay made it.
    pub link: &'a (LinkPurpose, Link),
    /// Where the QR code goes ([`show_qr`] puts it there once the sheet is rendered).
    pub qr: &'a NodeRef,
    /// Where "Done" goes ([`Intent::LinkDone`]).
    pub on_intent: &'a Callback<Intent>,
}

/// A QR code and a link that carry the thread to WhatsApp, WeChat or another device.
///
/// WeChat's code is only for WeChat's scanner (its URL means nothing in a browser), so it
/// comes without the link and code; inside WeChat's own browser, where the phone's camera
/// cannot scan its own screen, the hint says how to scan it from a screenshot instead.
pub fn link_sheet(props: LinkSheetProps, texts: &Texts) -> Html {
    let (purpose, link) = props.link;
    let (label, hint, open) = match purpose {
        LinkPurpose::Whatsapp => (
            texts.continue_whatsapp,
            texts.link_hint,
            texts.open_whatsapp,
        ),
        LinkPurpose::Wechat if in_wechat() => (texts.continue_wechat, texts.wechat_in_app, ""),
        LinkPurpose::Wechat => (texts.continue_wechat, texts.wechat_hint, ""),
        _ => (texts.continue_device, texts.link_hint, texts.open_link),
    };
    html! {
        <div class="confab-link" role="group" aria-label={label}>
            <div class="confab-qr" ref={props.qr} aria-hidden="true" />
            <p>{ hint }</p>
            if !open.is_empty() {
                <a class="confab-link-open" href={link.url.clone()} target="_blank" rel="noopener noreferrer">
                    { open }
                </a>
                <code class="confab-link-code">{ &link.code }</code>
            }
            <button type="button" class="confab-link-done" onclick={props.on_intent.reform(|_: MouseEvent| Intent::LinkDone)}>
                { texts.done }
            </button>
        </div>
    }
}

/// Whether the page is open in WeChat's own browser (its user agent says `MicroMessenger`).
fn in_wechat() -> bool {
    web_sys::window()
        .and_then(|window| window.navigator().user_agent().ok())
        // A byte comparison at each place rather than `str::contains`, whose searcher
        // would cost the wasm half a kilobyte.
        .is_some_and(|agent| {
            agent
                .as_bytes()
                .windows(14)
                .any(|part| part == b"MicroMessenger")
        })
}

/// Draws the relay's QR code into `holder`: the SVG is parsed as an SVG document (never as
/// HTML) and moved in.
pub fn show_qr(holder: &NodeRef, svg: &str) {
    let (Some(holder), Ok(parser)) = (holder.cast::<web_sys::Element>(), web_sys::DomParser::new())
    else {
        return;
    };
    if let Ok(document) = parser.parse_from_string(svg, web_sys::SupportedType::ImageSvgXml) {
        if let Some(drawing) = document.document_element() {
            holder.set_inner_html("");
            let _ = holder.append_child(&drawing);
        }
    }
}
