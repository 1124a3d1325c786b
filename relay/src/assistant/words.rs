//! When a visitor asks for a person in words: phrases in English, words in Chinese, and the
//! brand's own keywords. Texts are compared normalised (NFKC, lower case), English as whole
//! words in order ("talk to a person" is in "can I talk to a person please?", "person" is
//! not in "personal"), Chinese as it is written, without spaces.

use crate::knowledge::tokens::{is_cjk, normalize};

/// English phrases that ask for a person, word for word.
pub const ENGLISH: &[&str] = &[
    "talk to a person",
    "talk to a human",
    "talk to someone",
    "talk to an agent",
    "talk to a real",
    "talk with a person",
    "talk with a human",
    "speak to a person",
    "speak to a human",
    "speak to someone",
    "speak to an agent",
    "speak with a person",
    "speak with a human",
    "speak with someone",
    "real person",
    "real human",
    "human agent",
    "live agent",
    "live person",
    "customer service",
    "customer support",
    "representative",
    "human please",
    "agent please",
    "a human",
];

/// Chinese words that ask for a person (simplified and traditional), found anywhere in
/// the text.
pub const CHINESE: &[&str] = &[
    "人工",
    "真人",
    "客服",
    "转人工",
    "人工服务",
    "工作人员",
    "找人工",
    "服務人員",
    "真人客服",
];

/// Whether `text` asks for a person in English or Chinese.
pub fn asks_for_person(text: &str) -> bool {
    let text = normalize(text);
    let words = words_of(&text);
    ENGLISH
        .iter()
        .any(|phrase| contains_phrase(&words, &words_of(phrase)))
        || CHINESE.iter().any(|word| text.contains(word))
}

/// Whether `text` holds one of the brand's `keywords`: a keyword with Chinese (or other
/// unspaced) characters anywhere, any other as whole words in order.
pub fn matches_keyword(text: &str, keywords: &[String]) -> bool {
    let text = normalize(text);
    let words = words_of(&text);
    keywords.iter().any(|keyword| {
        let keyword = normalize(keyword.trim());
        if keyword.is_empty() {
            return false;
        }
        match keyword.chars().any(is_cjk) {
            true => text.contains(&keyword),
            false => contains_phrase(&words, &words_of(&keyword)),
        }
    })
}

/// The words of a normalised text: runs of letters and digits (an apostrophe joins a word:
/// "don't").
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|word| word.replace(['\'', '’'], ""))
        .filter(|word| !word.is_empty())
        .collect()
}

/// Whether `phrase` occurs in `words`, word for word and in order.
fn contains_phrase(words: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && words.windows(phrase.len()).any(|window| window == phrase)
}
