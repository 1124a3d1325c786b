//! The image viewer: a modal `<dialog>` in the shadow root showing one image large.
//!
//! The browser does the rest of the work: a modal dialog takes focus when it opens, closes
//! on Escape (and on its close button, in a `method="dialog"` form), and gives focus back to
//! the thumbnail that opened it. So the viewer has no state: a thumbnail's click puts its
//! image in the dialog and opens it (a component or a hook of its own cost the widget 1 to
//! 2 KB gzipped, measured).

use crate::i18n::Texts;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Opens the viewer on the image of the thumbnail that was clicked (or activated with
/// Enter or Space, which click a button).
pub fn open(event: MouseEvent) {
    // Yew's listeners sit on the root, so the thumbnail is found from the event's target.
    let thumbnail = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|target| target.closest(".confab-thumb").ok().flatten());
    let Some(thumbnail) = thumbnail else {
        return;
    };
    let find =
        |element: &web_sys::Element, selector| element.query_selector(selector).ok().flatten();
    let dialog = thumbnail
        .closest(".confab-thread")
        .ok()
        .flatten()
        .and_then(|thread| find(&thread, ".confab-viewer"));
    let (Some(small), Some(dialog)) = (find(&thumbnail, "img"), dialog) else {
        return;
    };
    let Some(large) = find(&dialog, "img") else {
        return;
    };
    for name in ["src", "alt"] {
        let _ = large.set_attribute(name, &small.get_attribute(name).unwrap_or_default());
    }
    let _ = dialog.set_attribute(
        "aria-label",
        &small.get_attribute("alt").unwrap_or_default(),
    );
    let _ = dialog
        .unchecked_into::<web_sys::HtmlDialogElement>()
        .show_modal();
}

/// The viewer's dialog, closed until a thumbnail opens it.
pub fn viewer(texts: &Texts) -> Html {
    // Escape closes the dialog (the browser does), not the panel around it.
    let onkeydown = Callback::from(|event: KeyboardEvent| event.stop_propagation());
    html! {
        <dialog class="confab-viewer" {onkeydown}>
            <form method="dialog">
                <button class="confab-remove confab-viewer-close" aria-label={texts.close} />
            </form>
            <img alt="" />
        </dialog>
    }
}
