//! The widget's view. Each part takes data, the strings of the widget's language, and
//! callbacks; none holds state of its own beyond what the DOM needs (a scroll position).
//!
//! Only the panel and the message list, which have hooks of their own, are components; the
//! launcher, the composer and the link sheet are plain functions returning `Html`, since
//! every component costs the visitor a copy of Yew's component machinery compiled for it.

mod composer;
mod launcher;
mod link_sheet;
mod message_list;
mod panel;

pub use composer::{composer, ComposerProps};
pub use launcher::{launcher, LauncherProps};
pub use link_sheet::{link_sheet, show_qr, LinkSheetProps};
pub use message_list::MessageList;
pub use panel::Panel;
