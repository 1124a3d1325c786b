//! The widget's components. Each takes data and callbacks; none holds state of its own
//! beyond what the DOM needs (a scroll position).

mod composer;
mod launcher;
mod message_list;
mod panel;

pub use composer::Composer;
pub use launcher::Launcher;
pub use message_list::MessageList;
pub use panel::Panel;
