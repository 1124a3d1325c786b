//! The widget's view. Each part takes data, the strings of the widget's language, and
//! callbacks; none holds state of its own beyond what the DOM needs (a scroll position).
//!
//! Only the panel and the message list, which have hooks of their own, are components; the
//! launcher, the composer, the link sheet, the reach sheet and the resume prompt are plain
//! functions returning `Html`, since every component costs the visitor a copy of Yew's component
//! machinery compiled for it.

mod attachments;
mod composer;
mod launcher;
mod link_sheet;
mod message_list;
mod panel;
mod rating;
mod reach;
mod resume_prompt;
mod viewer;

pub(crate) use attachments::after;
pub use composer::{composer, ComposerProps};
pub use launcher::{launcher, LauncherProps};
pub use link_sheet::{link_sheet, show_qr, LinkSheetProps};
pub use message_list::MessageList;
pub use panel::Panel;
pub use rating::{quick_replies, rating};
pub use reach::{email_state, reach_form};
pub use resume_prompt::resume_prompt;

use confab_protocol::{ClientMessageId, LinkPurpose};

/// What the visitor asks for through the view: the one callback the view reports through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Open the panel if closed, close it if open (the launcher).
    Toggle,
    /// Close the panel (its close button, or Esc).
    Close,
    /// The composer's text changed.
    Draft(String),
    /// Send the composer's text and staged files.
    Send,
    /// Stage these files (picked, pasted or dropped) for the next message.
    Files(Vec<web_sys::File>),
    /// Remove the staged file with this preview.
    Unstage(String),
    /// Cancel sending this message (or remove it, once refused).
    Cancel(ClientMessageId),
    /// Send this text (a suggested question or a quick reply), leaving the composer as it
    /// is.
    Ask(String),
    /// Retry the messages that could not be sent, now.
    Retry,
    /// Accept the brand's privacy notice.
    Consent,
    /// Turn the new-message sound on or off.
    ToggleSound,
    /// Ask for the browser's notifications: pushed replies where the page hosts the
    /// service worker, else shown while the page is open in another tab.
    Notify,
    /// Get a link to continue on WhatsApp or another device.
    Continue(LinkPurpose),
    /// Done with the link.
    LinkDone,
    /// Open (`true`) or close the sheet that offers replies by email or notification.
    ReachForm(bool),
    /// Replies by email at this address (`None`: no more).
    Email(Option<String>),
    /// A person instead of the brand's assistant.
    Handoff,
    /// The visitor picked this score (1–5) for the conversation.
    Score(u8),
    /// Send the rating: the picked score, with this comment (empty: none).
    Rate(String),
    /// Download the conversation as text.
    Download,
    /// Delete the conversation (after confirming).
    Delete,
    /// The message list was scrolled to here (`None`: to the latest message).
    Scrolled(Option<i32>),
    /// The answer to a resume link: switch to its conversation (`true`), or keep this
    /// browser's and never use the link (`false`).
    Resume(bool),
}
