//! A link to continue elsewhere: its QR code (drawn by the relay), the link itself, and a
//! way back to the conversation.

use super::Intent;
use crate::i18n::Texts;
use confab_protocol::Link;
use yew::prelude::*;

/// The link sheet's data.
pub struct LinkSheetProps<'a> {
    /// The link, as the relay made it.
    pub link: &'a Link,
    /// Where the QR code goes ([`show_qr`] puts it there once the sheet is rendered).
    pub qr: &'a NodeRef,
    /// Where "Done" goes ([`Intent::LinkDone`]).
    pub on_intent: &'a Callback<Intent>,
}

/// A QR code and a link that carry the thread to WhatsApp or another device.
pub fn link_sheet(props: LinkSheetProps, texts: &Texts) -> Html {
    let to_whatsapp = props.link.url.starts_with("https://wa.me/");
    html! {
        <div class="confab-link" role="group" aria-label={if to_whatsapp { texts.continue_whatsapp } else { texts.continue_device }}>
            <div class="confab-qr" ref={props.qr} aria-hidden="true" />
            <p>{ texts.link_hint }</p>
            <a class="confab-link-open" href={props.link.url.clone()} target="_blank" rel="noopener noreferrer">
                { if to_whatsapp { texts.open_whatsapp } else { texts.open_link } }
            </a>
            <code class="confab-link-code">{ &props.link.code }</code>
            <button type="button" class="confab-link-done" onclick={props.on_intent.reform(|_: MouseEvent| Intent::LinkDone)}>
                { texts.done }
            </button>
        </div>
    }
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
