//! Every string the widget shows, and the choice of language.
//!
//! English is compiled in; every other language is a pack of data (`widget/i18n/<lang>.json`,
//! each English string of [`Texts`] with its translation, and the language's `code`) that
//! the loader fetches alongside the app only for the visitors who need it, so a language
//! costs the others nothing. A pack may miss a string: that one stays English. Strings with
//! `{}` are templates ([`fill`]). Changing an English string changes its key in every pack:
//! the unit tests below say which packs must follow.
//!
//! A page in a right-to-left language gets the mirrored layout (the stylesheet uses logical
//! properties) even where no pack exists and the strings are English.

/// Declares [`Texts`] once: each field's doc, name and English text. The macro writes the
/// struct, the English table and the reading of a pack, so a string cannot be added to
/// one and forgotten in another.
macro_rules! texts {
    ($($(#[$doc:meta])* $field:ident: $english:literal,)*) => {
        /// The widget's strings in one language.
        #[derive(Debug)]
        pub struct Texts {
            /// The `lang` attribute value (a BCP 47 tag).
            pub code: &'static str,
            $($(#[$doc])* pub $field: &'static str,)*
        }

        /// The compiled-in language, and every string a pack misses.
        pub const EN: Texts = Texts { code: "en", $($field: $english,)* };

        impl Texts {
            /// Every string in English, in field order: a pack's keys (besides `code`),
            /// so that a translator reads what to translate, and the wasm keeps no second
            /// set of names.
            pub const ENGLISH: [&'static str; Texts::COUNT] = [$($english,)*];

            /// How many strings there are.
            const COUNT: usize = [$(stringify!($field),)*].len();

            /// The table a pack makes: `lookup` gives the translation of an English string
            /// (or of `code`), or `None` where the pack has none (then English). One loop
            /// over the strings, not one inlined lookup per field: this is the smallest code
            /// for the widget.
            pub fn from_pack(lookup: impl Fn(&str) -> Option<&'static str>) -> Texts {
                let mut all = Texts::ENGLISH;
                for text in all.iter_mut() {
                    if let Some(found) = lookup(text) {
                        *text = found;
                    }
                }
                let [$($field,)*] = all;
                Texts { code: lookup("code").unwrap_or(EN.code), $($field,)* }
            }
        }
    };
}

texts! {
    /// The launcher, panel closed.
    open_chat: "Open chat",
    /// The launcher and close button, panel open.
    close_chat: "Close chat",
    /// The panel's title before the brand's name is known.
    chat: "Chat",
    /// The panel's accessible name: this, then the brand's name.
    chat_with: "Chat with",
    /// While the session starts.
    connecting: "Connecting…",
    /// When the relay cannot be reached.
    unreachable: "Can't reach the chat right now. Your messages will be sent when it's back.",
    /// The team is typing.
    typing: "Typing…",
    /// The composer's label.
    message: "Message",
    /// The composer's placeholder.
    placeholder: "Write a message…",
    /// The send button.
    send: "Send",
    /// A message on its way.
    sending: "Sending…",
    /// A message that could not be sent, with the retry action.
    not_sent_retry: "Not sent · Retry",
    /// A message that will go when the network is back (retried by itself).
    waiting: "Waiting for network…",
    /// Stored by the relay.
    sent: "Sent",
    /// Delivered to the team's app.
    delivered: "Delivered",
    /// Seen by the team.
    read: "Read",
    /// Could not be delivered.
    failed: "Not delivered",
    /// Written on WhatsApp.
    via_whatsapp: "via WhatsApp",
    /// Written on Telegram.
    via_telegram: "via Telegram",
    /// Written on WeChat.
    via_wechat: "via WeChat",
    /// The divider before messages that arrived while the panel was closed.
    new_messages: "New messages",
    /// The button that scrolls to the newest message.
    jump_to_latest: "New messages below",
    /// The day separator for today.
    today: "Today",
    /// The day separator for yesterday.
    yesterday: "Yesterday",
    /// Accepting the brand's privacy notice.
    consent_accept: "OK, continue",
    /// The link to the brand's privacy policy.
    privacy_policy: "Privacy policy",
    /// The menu button.
    more_options: "More options",
    /// Menu: download the thread as text.
    download_transcript: "Download transcript",
    /// Menu: erase the thread.
    delete_conversation: "Delete conversation",
    /// Asked before erasing.
    confirm_delete: "Delete this conversation for good? This cannot be undone.",
    /// The tab title while hidden: "(2) New message".
    new_message_title: "New message",
    /// Menu: turn the sound on.
    sound_on: "Turn sound on",
    /// Menu: turn the sound off.
    sound_off: "Turn sound off",
    /// Menu: ask for browser notifications.
    notify_me: "Notify me of answers",
    /// Menu: carry the thread onto WhatsApp.
    continue_whatsapp: "Continue on WhatsApp",
    /// Menu: carry the thread onto WeChat (the brand's Official Account).
    continue_wechat: "Continue on WeChat",
    /// Under WeChat's QR code.
    wechat_hint: "Scan with WeChat to follow us there and keep chatting. The code works once, for 30 minutes.",
    /// Under WeChat's QR code, when the page is open inside WeChat.
    wechat_in_app: "You're in WeChat: take a screenshot of this code, then open it with Scan → Album.",
    /// Menu: open the thread in another browser.
    continue_device: "Continue on another device",
    /// Under a link's QR code.
    link_hint: "Scan with your phone, or open the link. It works once, for 30 minutes.",
    /// The link to WhatsApp.
    open_whatsapp: "Open WhatsApp",
    /// The resume link.
    open_link: "Open this link on the other device",
    /// Closes the link.
    done: "Done",
    /// Shown while the thread is linked to WhatsApp.
    linked_whatsapp: "This conversation continues on WhatsApp too.",
    /// Menu: ask for the team's replies by email.
    email_menu: "Get replies by email",
    /// The email form's label.
    email_prompt: "We'll email you the team's replies you haven't seen. Your email address:",
    /// The email form's button.
    email_submit: "Send me a link",
    /// After the form: a template of the (masked) address.
    email_pending: "Check your inbox: open the link we sent to {} to get replies there.",
    /// While replies go by email: a template of the (masked) address.
    email_verified: "Replies you haven't seen also go to {}.",
    /// Stops replies by email.
    email_stop: "Stop",
    /// The relay refused the address.
    email_invalid: "That email address doesn't look right.",
    /// The address (or the subscription) could not be sent for another reason.
    email_failed: "That didn't work. Please try again later.",
    /// While the brand's assistant answers: a person instead.
    talk_to_person: "Talk to a person",
    /// Marks the assistant's messages.
    bot: "Bot",
    /// While this browser gets notifications of replies.
    push_done: "You'll get a notification here when the team replies.",
    /// Asks the visitor to rate a resolved (or quiet) conversation.
    rate_prompt: "How was this conversation?",
    /// Each point of the rating scale, for screen readers: a template of the score.
    rate_score: "{} out of 5",
    /// The rating's optional comment field.
    rate_comment: "Anything to add? (optional)",
    /// Once the visitor rated.
    rate_thanks: "Thanks for your feedback!",
    /// Names the quick replies a team or bot message offers, for screen readers.
    quick_replies: "Quick replies",
    /// Shown while the thread is linked to WeChat.
    linked_wechat: "This conversation continues on WeChat too.",
    /// Before the end of the messaging app's window (WhatsApp 24 hours, WeChat 48).
    window_until: "Answers can reach you there until",
    /// The question a resume link asks when this browser has a conversation already.
    resume_title: "This link opens another conversation",
    /// This browser's conversation, in that question.
    resume_here: "Your conversation here",
    /// A conversation of one message.
    one_message: "1 message",
    /// After the number of messages of a longer one.
    messages: "messages",
    /// Between the number of messages and the start of the last one.
    last_was: ", last: ",
    /// The resume link's conversation, in that question.
    resume_linked: "The conversation from the link",
    /// Who can read the resume link's conversation.
    resume_warning: "Whoever made the link can read what you write there. Switch only if it was you.",
    /// Stays with this browser's conversation; the link is not used.
    resume_keep: "Keep my conversation",
    /// Follows the resume link.
    resume_switch: "Switch to the linked conversation",
    /// The team's state within business hours.
    online: "Online",
    /// After [`Texts::online`].
    replies_soon: "Usually replies in a few minutes",
    /// After [`Texts::online`], from the brand's recent replies: a template of minutes.
    replies_minutes: "Usually replies within {} minutes",
    /// The same in hours.
    replies_hours: "Usually replies within {} hours",
    /// The same past a day.
    replies_day: "Usually replies within a day",
    /// The team's state outside business hours.
    away: "Away",
    /// When the team is back later today: a template of the time.
    back_today: "back at {}",
    /// When the team is back tomorrow: a template of the time.
    back_tomorrow: "back tomorrow at {}",
    /// When the team is back on a later day: a template of the weekday and time.
    back_on: "back {}",
    /// The suggested questions' group.
    suggested: "Suggested questions",
    /// The composer's button that picks files.
    attach: "Attach files",
    /// Removes a staged file: this, then the file's name.
    remove_file: "Remove",
    /// Cancels a message with files on its way (or removes one that was refused).
    cancel_send: "Cancel",
    /// A file over the brand's size limit.
    file_too_large: "This file is too large to send.",
    /// A file of a type the brand does not take (or not what its name says).
    file_refused: "This type of file can't be sent.",
    /// More files were picked than one message takes.
    too_many_files: "Up to 10 files go in one message: the others were left out.",
    /// A file that could not be sent for another reason.
    file_not_sent: "This file could not be sent.",
    /// Closes the image viewer.
    close: "Close",
}

/// `template` with its `{}` replaced by `value` (a template without one is kept as is).
pub fn fill(template: &str, value: &str) -> String {
    // A char split (not a substring search), which costs the wasm least.
    match template.split_once('{') {
        Some((before, after)) => [before, value, after.strip_prefix('}').unwrap_or(after)].concat(),
        None => template.to_string(),
    }
}

/// The strings of the pack the loader fetched (a JSON object), or English without one.
/// Called once per page: the table lives as long as the page.
pub fn load(pack: &wasm_bindgen::JsValue) -> &'static Texts {
    if !pack.is_object() {
        return &EN;
    }
    let texts = Texts::from_pack(|key| {
        let value = js_sys::Reflect::get(pack, &key.into()).ok()?.as_string()?;
        (!value.trim().is_empty()).then(|| &*Box::leak(value.into_boxed_str()))
    });
    Box::leak(Box::new(texts))
}

/// Tables are equal when they are the same table: there is one per page, and the
/// components' props compare them on every render (57 string comparisons otherwise).
impl PartialEq for Texts {
    fn eq(&self, other: &Texts) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Texts {}

/// Whether a BCP 47 tag names a right-to-left script's language.
pub fn is_rtl(tag: &str) -> bool {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "he" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};
    use std::collections::BTreeSet;

    /// Every pack in `widget/i18n/`, by file name.
    fn packs() -> Vec<(String, Map<String, Value>)> {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/i18n");
        let mut packs: Vec<_> = std::fs::read_dir(folder)
            .expect("widget/i18n")
            .map(|entry| entry.expect("a pack").path())
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("readable");
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let pack = serde_json::from_str(&text)
                    .unwrap_or_else(|error| panic!("{name}.json is not a JSON object: {error}"));
                (name, pack)
            })
            .collect();
        packs.sort_by(|a, b| a.0.cmp(&b.0));
        packs
    }

    #[test]
    fn every_pack_has_every_string_and_no_other() {
        let packs = packs();
        assert!(packs.len() >= 6, "zh, es, fr, de, ja and ar at least");
        for (name, pack) in packs {
            let keys: BTreeSet<&str> = pack.keys().map(String::as_str).collect();
            let expected: BTreeSet<&str> = Texts::ENGLISH.into_iter().chain(["code"]).collect();
            let missing: Vec<_> = expected.difference(&keys).collect();
            let unknown: Vec<_> = keys.difference(&expected).collect();
            assert!(
                missing.is_empty() && unknown.is_empty(),
                "{name}.json misses {missing:?} and has strings no field has: {unknown:?}"
            );
            for (english, value) in &pack {
                let text = value.as_str().unwrap_or_default();
                assert!(!text.trim().is_empty(), "{name}.json: {english:?} is empty");
                assert_eq!(
                    text.contains("{}"),
                    english.contains("{}"),
                    "{name}.json: {english:?} keeps English's placeholder"
                );
            }
            let code = pack["code"].as_str().unwrap_or_default();
            assert!(code.starts_with(&name), "{name}.json: code {code}");
        }
    }

    #[test]
    fn a_pack_replaces_what_it_has_and_english_fills_the_rest() {
        let texts = Texts::from_pack(|key| match key {
            "code" => Some("fr"),
            "Send" => Some("Envoyer"),
            _ => None,
        });
        assert_eq!(
            (texts.code, texts.send, texts.close_chat),
            ("fr", "Envoyer", "Close chat")
        );
    }

    #[test]
    fn every_english_string_is_there_once() {
        // Each is a key of the packs: two fields with one English string would share
        // one translation.
        let unique: BTreeSet<&str> = Texts::ENGLISH.into_iter().collect();
        assert_eq!(unique.len(), Texts::ENGLISH.len());
        assert!(Texts::ENGLISH.iter().all(|text| !text.trim().is_empty()));
    }

    #[test]
    fn fills_templates() {
        for (template, value, expected) in [
            ("back at {}", "9:00", "back at 9:00"),
            ("明天 {} 回来", "09:00", "明天 09:00 回来"),
            ("no placeholder", "x", "no placeholder"),
        ] {
            assert_eq!(fill(template, value), expected);
        }
    }

    #[test]
    fn knows_right_to_left_languages() {
        for (tag, rtl) in [
            ("ar-EG", true),
            ("he", true),
            ("FA", true),
            ("en", false),
            ("zh_Hans", false),
            ("", false),
        ] {
            assert_eq!(is_rtl(tag), rtl, "{tag:?}");
        }
    }

    #[test]
    fn a_table_equals_only_itself() {
        let other = Texts::from_pack(|_| None);
        assert_eq!(&EN, &EN);
        assert_ne!(&EN, &other);
    }

    #[test]
    fn the_loader_and_the_packs_agree() {
        // The loader fetches a pack for the primary subtags it lists, by file name.
        let loader = include_str!("../loader/widget.js");
        let listed = loader
            .lines()
            .find_map(|line| line.trim().strip_prefix("const packs = \""))
            .and_then(|rest| rest.split('"').next())
            .expect("the loader's list of packs");
        let listed: BTreeSet<&str> = listed.split(' ').collect();
        let names = packs();
        let files: BTreeSet<&str> = names.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(listed, files);
    }
}
