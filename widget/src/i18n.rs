//! Every string the widget shows, in one table per language, and the choice of language.
//!
//! English and Simplified Chinese for now; a page in a right-to-left language gets the
//! mirrored layout (the stylesheet uses logical properties) even where its strings are
//! English.

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    ZhHans,
}

/// The widget's strings in one language.
#[derive(Debug)]
pub struct Texts {
    /// The `lang` attribute value.
    pub code: &'static str,
    /// The launcher, panel closed.
    pub open_chat: &'static str,
    /// The launcher and close button, panel open.
    pub close_chat: &'static str,
    /// The panel's title before the brand's name is known.
    pub chat: &'static str,
    /// The panel's accessible name: this, then the brand's name.
    pub chat_with: &'static str,
    /// While the session starts.
    pub connecting: &'static str,
    /// When the relay cannot be reached.
    pub unreachable: &'static str,
    /// The team is typing.
    pub typing: &'static str,
    /// The composer's label.
    pub message: &'static str,
    /// The composer's placeholder.
    pub placeholder: &'static str,
    /// The send button.
    pub send: &'static str,
    /// A message on its way.
    pub sending: &'static str,
    /// A message that could not be sent, with the retry action.
    pub not_sent_retry: &'static str,
    /// Stored by the relay.
    pub sent: &'static str,
    /// Delivered to the team's app.
    pub delivered: &'static str,
    /// Seen by the team.
    pub read: &'static str,
    /// Could not be delivered.
    pub failed: &'static str,
    /// Written on WhatsApp.
    pub via_whatsapp: &'static str,
    /// Written on Telegram.
    pub via_telegram: &'static str,
    /// The divider before messages that arrived while the panel was closed.
    pub new_messages: &'static str,
    /// The button that scrolls to the newest message.
    pub jump_to_latest: &'static str,
    /// The day separator for today.
    pub today: &'static str,
    /// The day separator for yesterday.
    pub yesterday: &'static str,
    /// Accepting the brand's privacy notice.
    pub consent_accept: &'static str,
    /// The link to the brand's privacy policy.
    pub privacy_policy: &'static str,
    /// The menu button.
    pub more_options: &'static str,
    /// Menu: download the thread as text.
    pub download_transcript: &'static str,
    /// Menu: erase the thread.
    pub delete_conversation: &'static str,
    /// Asked before erasing.
    pub confirm_delete: &'static str,
    /// The tab title while hidden: "(2) New message".
    pub new_message_title: &'static str,
    /// Menu: turn the sound on.
    pub sound_on: &'static str,
    /// Menu: turn the sound off.
    pub sound_off: &'static str,
    /// Menu: ask for browser notifications.
    pub notify_me: &'static str,
    /// Menu: carry the thread onto WhatsApp.
    pub continue_whatsapp: &'static str,
    /// Menu: open the thread in another browser.
    pub continue_device: &'static str,
    /// Under a link's QR code.
    pub link_hint: &'static str,
    /// The link to WhatsApp.
    pub open_whatsapp: &'static str,
    /// The resume link.
    pub open_link: &'static str,
    /// Closes the link.
    pub done: &'static str,
    /// Shown while the thread is linked to WhatsApp.
    pub linked_whatsapp: &'static str,
    /// Before the end of WhatsApp's 24-hour window.
    pub window_until: &'static str,
    /// The question a resume link asks when this browser has a conversation already.
    pub resume_title: &'static str,
    /// This browser's conversation, in that question.
    pub resume_here: &'static str,
    /// A conversation of one message.
    pub one_message: &'static str,
    /// After the number of messages of a longer one.
    pub messages: &'static str,
    /// Between the number of messages and the start of the last one.
    pub last_was: &'static str,
    /// The resume link's conversation, in that question.
    pub resume_linked: &'static str,
    /// Who can read the resume link's conversation.
    pub resume_warning: &'static str,
    /// Stays with this browser's conversation; the link is not used.
    pub resume_keep: &'static str,
    /// Follows the resume link.
    pub resume_switch: &'static str,
    /// The team's state within business hours.
    pub online: &'static str,
    /// After [`Texts::online`].
    pub replies_soon: &'static str,
    /// The team's state outside business hours.
    pub away: &'static str,
    /// When the team is back later today: before and after the time.
    pub back_today: [&'static str; 2],
    /// When the team is back tomorrow: before and after the time.
    pub back_tomorrow: [&'static str; 2],
    /// When the team is back on a later day: before and after the weekday and time.
    pub back_on: [&'static str; 2],
    /// The suggested questions' group.
    pub suggested: &'static str,
}

const EN: Texts = Texts {
    code: "en",
    open_chat: "Open chat",
    close_chat: "Close chat",
    chat: "Chat",
    chat_with: "Chat with",
    connecting: "Connecting…",
    unreachable: "Can't reach the chat right now. Your messages will be sent when it's back.",
    typing: "Typing…",
    message: "Message",
    placeholder: "Write a message…",
    send: "Send",
    sending: "Sending…",
    not_sent_retry: "Not sent · Retry",
    sent: "Sent",
    delivered: "Delivered",
    read: "Read",
    failed: "Not delivered",
    via_whatsapp: "via WhatsApp",
    via_telegram: "via Telegram",
    new_messages: "New messages",
    jump_to_latest: "New messages below",
    today: "Today",
    yesterday: "Yesterday",
    consent_accept: "OK, continue",
    privacy_policy: "Privacy policy",
    more_options: "More options",
    download_transcript: "Download transcript",
    delete_conversation: "Delete conversation",
    confirm_delete: "Delete this conversation for good? This cannot be undone.",
    new_message_title: "New message",
    sound_on: "Turn sound on",
    sound_off: "Turn sound off",
    notify_me: "Notify me of answers",
    continue_whatsapp: "Continue on WhatsApp",
    continue_device: "Continue on another device",
    link_hint: "Scan with your phone, or open the link. It works once, for 30 minutes.",
    open_whatsapp: "Open WhatsApp",
    open_link: "Open this link on the other device",
    done: "Done",
    linked_whatsapp: "This conversation continues on WhatsApp too.",
    window_until: "Answers can reach you there until",
    resume_title: "This link opens another conversation",
    resume_here: "Your conversation here",
    one_message: "1 message",
    messages: "messages",
    last_was: ", last: ",
    resume_linked: "The conversation from the link",
    resume_warning:
        "Whoever made the link can read what you write there. Switch only if it was you.",
    resume_keep: "Keep my conversation",
    resume_switch: "Switch to the linked conversation",
    online: "Online",
    replies_soon: "Usually replies in a few minutes",
    away: "Away",
    back_today: ["back at ", ""],
    back_tomorrow: ["back tomorrow at ", ""],
    back_on: ["back ", ""],
    suggested: "Suggested questions",
};

const ZH_HANS: Texts = Texts {
    code: "zh-Hans",
    open_chat: "打开聊天",
    close_chat: "关闭聊天",
    chat: "聊天",
    chat_with: "聊天:",
    connecting: "正在连接…",
    unreachable: "暂时无法连接。恢复后会自动发送你的消息。",
    typing: "对方正在输入…",
    message: "消息",
    placeholder: "输入消息…",
    send: "发送",
    sending: "发送中…",
    not_sent_retry: "未发送 · 重试",
    sent: "已发送",
    delivered: "已送达",
    read: "已读",
    failed: "发送失败",
    via_whatsapp: "来自 WhatsApp",
    via_telegram: "来自 Telegram",
    new_messages: "新消息",
    jump_to_latest: "查看新消息",
    today: "今天",
    yesterday: "昨天",
    consent_accept: "同意并继续",
    privacy_policy: "隐私政策",
    more_options: "更多选项",
    download_transcript: "下载聊天记录",
    delete_conversation: "删除对话",
    confirm_delete: "确定永久删除这段对话吗?此操作无法撤销。",
    new_message_title: "新消息",
    sound_on: "开启提示音",
    sound_off: "关闭提示音",
    notify_me: "有回复时通知我",
    continue_whatsapp: "在 WhatsApp 上继续",
    continue_device: "在其他设备上继续",
    link_hint: "用手机扫描二维码,或打开链接。链接只能使用一次,30 分钟内有效。",
    open_whatsapp: "打开 WhatsApp",
    open_link: "在其他设备上打开此链接",
    done: "完成",
    linked_whatsapp: "此对话也在 WhatsApp 上继续。",
    window_until: "WhatsApp 上的回复窗口开放至",
    resume_title: "此链接会打开另一段对话",
    resume_here: "你在这里的对话",
    one_message: "1 条消息",
    messages: "条消息",
    last_was: "，最后一条：",
    resume_linked: "链接中的对话",
    resume_warning: "创建链接的人能看到你在那里写的内容。只有链接是你自己创建的才切换。",
    resume_keep: "保留我的对话",
    resume_switch: "切换到链接中的对话",
    online: "在线",
    replies_soon: "通常几分钟内回复",
    away: "暂时离开",
    back_today: ["今天 ", " 回来"],
    back_tomorrow: ["明天 ", " 回来"],
    back_on: ["", " 回来"],
    suggested: "常见问题",
};

impl Lang {
    /// Picks the language for a BCP 47 tag (`data-lang`, else the browser's language).
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Lang::ZhHans,
            _ => Lang::En,
        }
    }

    /// The strings of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::ZhHans => &ZH_HANS,
        }
    }
}

/// Tables are equal when they are the same table: there is one per language, and the
/// components' props compare them on every render (40 string comparisons otherwise).
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

    #[test]
    fn picks_languages() {
        for (tag, lang, rtl) in [
            ("en", Lang::En, false),
            ("en-GB", Lang::En, false),
            ("zh", Lang::ZhHans, false),
            ("zh-CN", Lang::ZhHans, false),
            ("zh_Hans_SG", Lang::ZhHans, false),
            ("ZH-cn", Lang::ZhHans, false),
            ("ar-EG", Lang::En, true),
            ("he", Lang::En, true),
            ("", Lang::En, false),
            ("fr", Lang::En, false),
        ] {
            assert_eq!((Lang::from_tag(tag), is_rtl(tag)), (lang, rtl), "{tag:?}");
        }
    }

    #[test]
    fn a_table_equals_only_itself() {
        assert_eq!(Lang::En.texts(), Lang::En.texts());
        assert_ne!(Lang::En.texts(), Lang::ZhHans.texts());
    }

    #[test]
    fn every_language_fills_every_string() {
        for lang in [Lang::En, Lang::ZhHans] {
            let texts = lang.texts();
            let all = [
                texts.open_chat,
                texts.close_chat,
                texts.chat,
                texts.chat_with,
                texts.connecting,
                texts.unreachable,
                texts.typing,
                texts.message,
                texts.placeholder,
                texts.send,
                texts.sending,
                texts.not_sent_retry,
                texts.sent,
                texts.delivered,
                texts.read,
                texts.failed,
                texts.via_whatsapp,
                texts.via_telegram,
                texts.new_messages,
                texts.jump_to_latest,
                texts.today,
                texts.yesterday,
                texts.consent_accept,
                texts.privacy_policy,
                texts.more_options,
                texts.download_transcript,
                texts.delete_conversation,
                texts.confirm_delete,
                texts.new_message_title,
                texts.sound_on,
                texts.sound_off,
                texts.notify_me,
                texts.continue_whatsapp,
                texts.continue_device,
                texts.link_hint,
                texts.open_whatsapp,
                texts.open_link,
                texts.done,
                texts.linked_whatsapp,
                texts.window_until,
                texts.resume_title,
                texts.resume_here,
                texts.one_message,
                texts.messages,
                texts.last_was,
                texts.resume_linked,
                texts.resume_warning,
                texts.resume_keep,
                texts.resume_switch,
                texts.online,
                texts.replies_soon,
                texts.away,
                texts.suggested,
            ];
            for [before, after] in [texts.back_today, texts.back_tomorrow, texts.back_on] {
                assert!(
                    !(before.trim().is_empty() && after.trim().is_empty()),
                    "{lang:?}"
                );
            }
            assert!(all.iter().all(|text| !text.trim().is_empty()), "{lang:?}");
        }
    }
}
