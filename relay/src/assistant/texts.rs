//! What the bot says, in the visitor's language: English, or Chinese (simplified) for a
//! visitor whose browser speaks any Chinese. The team's notes in Telegram are in English,
//! as the rest of what the relay tells the team.

use super::{HandoffReason, Opening};

/// Whether the visitor's language (a BCP 47 tag, if known) is Chinese.
fn chinese(language: Option<&str>) -> bool {
    language.is_some_and(|tag| {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        primary.eq_ignore_ascii_case("zh")
    })
}

/// The bot's line when it is not sure (the first time in a row; the second hands over).
pub fn unsure(language: Option<&str>) -> &'static str {
    match chinese(language) {
        true => "抱歉，我不太确定您的意思。能换个说法吗？您也可以说“转人工”联系我们的工作人员。",
        false => {
            "Sorry, I'm not sure I understood. Could you put it another way? You can also \
             ask to talk to a person."
        }
    }
}

/// The word before an entry's link ("More: https://…").
pub fn more(language: Option<&str>) -> &'static str {
    match chinese(language) {
        true => "详情：",
        false => "More:",
    }
}

/// How long until the team is back, in words: minutes under an hour, hours under two
/// days, else days (rounded up: "back in about 3 hours" is never early).
fn wait(minutes: u32, chinese: bool) -> String {
    let (count, unit_en, unit_zh) = match minutes {
        0..=59 => (minutes.max(1), "minute", "分钟"),
        60..=2879 => (minutes.div_ceil(60), "hour", "小时"),
        _ => (minutes.div_ceil(24 * 60), "day", "天"),
    };
    match chinese {
        true => format!("{count} {unit_zh}"),
        false => format!("{count} {unit_en}{}", if count == 1 { "" } else { "s" }),
    }
}

/// The bot's line to the visitor when the thread goes to a person: what happens next.
pub fn handoff(language: Option<&str>, opening: Opening) -> String {
    let zh = chinese(language);
    match (opening, zh) {
        (Opening::ClosedFor(minutes), true) => format!(
            "已为您转接人工客服。团队目前不在线，约 {}后回来，届时会在这里回复您。",
            wait(minutes, true)
        ),
        (Opening::ClosedFor(minutes), false) => format!(
            "I've asked the team to take over. They're away now and back in about {}; a \
             person will answer here then.",
            wait(minutes, false)
        ),
        (_, true) => "已为您转接人工客服，工作人员会在这里回复您。".to_string(),
        (_, false) => "I've asked the team to take over. A person will answer here.".to_string(),
    }
}

/// The team's note in the thread's Telegram topic when the thread is handed over.
pub fn team_handoff(reason: HandoffReason) -> String {
    let why = match reason {
        HandoffReason::Asked => "the visitor asked for a person",
        HandoffReason::Keyword => "the visitor's words matched a handoff keyword",
        HandoffReason::Unsure => "the bot was not sure twice in a row",
        HandoffReason::Requested => "the visitor tapped \"Talk to a person\"",
    };
    format!("🙋 Handoff: {why}. The bot is silent in this thread now; /bot on turns it back on.")
}

/// The team's note when the bot is turned on or off in a thread.
pub fn team_switched(on: bool) -> &'static str {
    match on {
        true => "🤖 The bot is on in this thread; /bot off silences it.",
        false => "🤖 The bot is off in this thread; /bot on turns it back on.",
    }
}

/// How a bot message shows in the team's Telegram topic: marked, with its sources.
pub fn for_team(text: &str, sources: &[String]) -> String {
    match sources.is_empty() {
        true => format!("🤖 Bot: {text}"),
        false => format!("🤖 Bot: {text}\n(from: {})", sources.join(", ")),
    }
}
