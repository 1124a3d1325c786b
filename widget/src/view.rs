//! The widget's components. Each takes data and callbacks; none holds state of its own
//! beyond what the DOM needs (a scroll position).

mod composer;
mod launcher;
mod link_sheet;
mod message_list;
mod panel;

pub use composer::Composer;
pub use launcher::Launcher;
pub use link_sheet::LinkSheet;
pub use message_list::MessageList;
pub use panel::Panel;

use crate::i18n::{Lang, Texts};
use yew::{hook, use_context};

/// The strings of the widget's language (English if no provider is above).
#[hook]
pub fn use_texts() -> &'static Texts {
    use_context::<&'static Texts>().unwrap_or_else(|| Lang::En.texts())
}
