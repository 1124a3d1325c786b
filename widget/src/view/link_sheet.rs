//! A link to continue elsewhere: its QR code (drawn by the relay), the link itself, and a
//! way back to the conversation.

use crate::i18n::Texts;
use confab_protocol::Link;
use yew::prelude::*;

/// The link sheet's settings.
#[derive(Properties, PartialEq)]
pub struct LinkSheetProps {
    /// The strings of the widget's language.
    pub texts: &'static Texts,
    /// The link, as the relay made it.
    pub link: Link,
    /// The visitor is done with it.
    pub on_done: Callback<()>,
}

/// A QR code and a link that carry the thread to WhatsApp or another device.
#[function_component(LinkSheet)]
pub fn link_sheet(props: &LinkSheetProps) -> Html {
    let texts = props.texts;
    let qr = use_node_ref();
    {
        // The relay's SVG is parsed as an SVG document (never as HTML) and moved in.
        let (qr, svg) = (qr.clone(), props.link.qr_svg.clone());
        use_effect_with(svg, move |svg| {
            let (Some(holder), Ok(parser)) =
                (qr.cast::<web_sys::Element>(), web_sys::DomParser::new())
            else {
                return;
            };
            if let Ok(document) = parser.parse_from_string(svg, web_sys::SupportedType::ImageSvgXml)
            {
                if let Some(drawing) = document.document_element() {
                    holder.set_inner_html("");
                    let _ = holder.append_child(&drawing);
                }
            }
        });
    }
    let to_whatsapp = props.link.url.starts_with("https://wa.me/");
    html! {
        <div class="confab-link" role="group" aria-label={if to_whatsapp { texts.continue_whatsapp } else { texts.continue_device }}>
            <div class="confab-qr" ref={qr} aria-hidden="true" />
            <p>{ texts.link_hint }</p>
            <a class="confab-link-open" href={props.link.url.clone()} target="_blank" rel="noopener noreferrer">
                { if to_whatsapp { texts.open_whatsapp } else { texts.open_link } }
            </a>
            <code class="confab-link-code">{ &props.link.code }</code>
            <button type="button" class="confab-link-done" onclick={props.on_done.reform(|_: MouseEvent| ())}>
                { texts.done }
            </button>
        </div>
    }
}
