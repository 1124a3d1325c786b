//! What the relay says about resolutions and ratings: the visitor's notice in their
//! language (English, or Chinese for a browser that speaks any Chinese), and the team's
//! lines in its Telegram topic (in English, as the rest of what the relay tells the team).

use super::{By, Rating};

/// Whether the visitor's language (a BCP 47 tag, if known) is Chinese.
fn chinese(language: Option<&str>) -> bool {
    language.is_some_and(|tag| {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        primary.eq_ignore_ascii_case("zh")
    })
}

/// The system line the visitor sees when the team marks the thread resolved.
pub fn resolved(language: Option<&str>) -> &'static str {
    match chinese(language) {
        true => "此对话已被标记为已解决",
        false => "This conversation was marked as resolved",
    }
}

/// The team's note in its topic when the thread is resolved or reopened.
pub fn team_resolution(resolved: bool, by: By) -> String {
    let what = match resolved {
        true => "✅ Marked as resolved",
        false => "↩️ Reopened",
    };
    let how = match by {
        By::Telegram => "",
        By::Api => " (through the API)",
        By::Visitor => " (the visitor wrote again)",
    };
    format!("{what}{how}")
}

/// The team's line for a rating: a star per point, the score, and the comment if any
/// ("⭐️⭐️⭐️⭐️ 4/5 — Quick and kind").
pub fn team_rating(rating: &Rating) -> String {
    let stars = "⭐️".repeat(usize::from(rating.score));
    let line = format!("{stars} {}/5", rating.score);
    match &rating.comment {
        Some(comment) => format!("{line} — {comment}"),
        None => line,
    }
}
