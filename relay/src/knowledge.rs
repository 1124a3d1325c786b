//! A brand's knowledge: entries of question variants and an answer, in one language, that
//! the assistant answers from, and the rules an entry must keep.
//!
//! Knowledge is brand data (D1's `knowledge` table, managed through the admin API), not
//! thread data. Finding the entry for a visitor's question is pure code: [`tokens`] reduces
//! texts to terms, [`index`] ranks entries with BM25 and says how sure it is, and [`import`]
//! reads bulk imports (JSON or CSV) into checked entries, naming the row of any bad one.
//! An entry may offer quick replies, which the bot's answers from it carry.

pub mod api;
pub mod import;
pub mod index;
pub mod tokens;

#[cfg(test)]
mod tests;

use crate::error::RelayError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The most entries a brand keeps: enough for a shop's whole help centre, and few enough
/// that building the index for a question (every entry, in memory) stays well under a
/// millisecond per entry's worth of text in a Worker.
pub const MAX_ENTRIES: usize = 1000;
/// The most question variants an entry has: more phrasings help, but past a handful they
/// are better written as another entry.
pub const MAX_QUESTIONS: usize = 20;
/// The longest question variant, in characters.
pub const MAX_QUESTION_CHARS: usize = 300;
/// The longest answer, in characters: about what a chat message shows without scrolling
/// twice; the link carries the rest.
pub const MAX_ANSWER_CHARS: usize = 2000;
/// The longest link, in bytes.
pub const MAX_LINK_BYTES: usize = 2048;
/// The longest entry id, in characters.
pub const MAX_ID_CHARS: usize = 64;
/// The largest import body: 1,000 entries of a long answer and a few questions each.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
/// Ids that would name the knowledge routes' own words (`.../knowledge/search`).
const RESERVED_IDS: [&str; 2] = ["import", "search"];

/// One entry, as stored and served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The brand's id for it (letters, digits, `-`, `_`); the assistant's answers name it.
    pub id: String,
    /// Ways a visitor may ask the question; at least one.
    pub questions: Vec<String>,
    /// The answer, as plain text.
    pub answer: String,
    /// The entry's language, a BCP 47 tag in its canonical case (`en`, `zh-CN`).
    pub language: String,
    /// Where to read more (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Quick replies the bot's answer from this entry offers the visitor (checked as a
    /// message's are, [`crate::resolution::replies::validate`]); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<String>,
}

/// An entry as the admin API takes it: the id may be left out (then it is derived from the
/// language and first question, so importing the same file twice changes nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryInput {
    /// The id, if the brand gives one.
    #[serde(default)]
    pub id: Option<String>,
    /// The question variants.
    pub questions: Vec<String>,
    /// The answer.
    pub answer: String,
    /// The language tag.
    pub language: String,
    /// The link, if any.
    #[serde(default)]
    pub link: Option<String>,
    /// The quick replies, if any (blank ones are dropped).
    #[serde(default)]
    pub replies: Vec<String>,
}

/// Where an entry came from, for error messages: `row 4` of a CSV file (as a spreadsheet
/// numbers lines, the header being row 1), `entry 3` of a JSON array, or the entry itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A line of a CSV import.
    Row(u64),
    /// A position (from 1) in a JSON import.
    Item(usize),
    /// A single entry (`PUT .../knowledge/{entry}`).
    Single,
}

impl Place {
    /// `"row 4: "`, `"entry 3: "` or nothing, to start a message with.
    pub fn prefix(self) -> String {
        match self {
            Place::Row(row) => format!("row {row}: "),
            Place::Item(item) => format!("entry {item}: "),
            Place::Single => String::new(),
        }
    }

    /// A rule broken at this place.
    pub fn invalid(self, reason: impl std::fmt::Display) -> RelayError {
        RelayError::InvalidKnowledge(format!("{}{reason}", self.prefix()))
    }

    /// A limit passed at this place.
    pub fn over_limit(self, reason: impl std::fmt::Display) -> RelayError {
        RelayError::KnowledgeLimit(format!("{}{reason}", self.prefix()))
    }
}

/// Checks an entry and puts it in its stored form: text trimmed, empty variants dropped,
/// the language tag canonical, the id given or derived.
pub fn check_entry(input: EntryInput, place: Place) -> Result<Entry, RelayError> {
    let questions: Vec<String> = input
        .questions
        .iter()
        .map(|question| question.trim().to_string())
        .filter(|question| !question.is_empty())
        .collect();
    if questions.is_empty() {
        return Err(place.invalid("an entry needs at least one question"));
    }
    if questions.len() > MAX_QUESTIONS {
        return Err(place.over_limit(format!(
            "{} questions; an entry has at most {MAX_QUESTIONS}",
            questions.len()
        )));
    }
    if let Some(long) = questions
        .iter()
        .find(|question| question.chars().count() > MAX_QUESTION_CHARS)
    {
        return Err(place.over_limit(format!(
            "the question {:?}… is longer than {MAX_QUESTION_CHARS} characters",
            long.chars().take(40).collect::<String>()
        )));
    }
    if let Some(question) = questions.iter().find(|q| q.chars().any(char::is_control)) {
        return Err(place.invalid(format!("the question {question:?} has a control character")));
    }
    let answer = input.answer.trim().to_string();
    if answer.is_empty() {
        return Err(place.invalid("the answer is empty"));
    }
    let chars = answer.chars().count();
    if chars > MAX_ANSWER_CHARS {
        return Err(place.over_limit(format!(
            "the answer has {chars} characters; at most {MAX_ANSWER_CHARS}"
        )));
    }
    let language = canonical_language(input.language.trim())
        .ok_or_else(|| place.invalid(format!("{:?} is not a language tag", input.language)))?;
    let link = input
        .link
        .map(|link| link.trim().to_string())
        .filter(|link| !link.is_empty())
        .map(|link| check_link(&link).map(|()| link))
        .transpose()
        .map_err(|reason| place.invalid(reason))?;
    // Blank replies are dropped, as blank question variants are (an empty cell of a CSV
    // import, a trailing separator); the rest are checked as a message's quick replies.
    let replies = input
        .replies
        .into_iter()
        .filter(|reply| !reply.trim().is_empty())
        .collect();
    let replies =
        crate::resolution::replies::validate(replies).map_err(|why| place.invalid(why))?;
    let id = match input.id.map(|id| id.trim().to_string()) {
        Some(id) if !id.is_empty() => {
            check_id(&id).map_err(|reason| place.invalid(reason))?;
            id
        }
        _ => derived_id(&language, &questions[0]),
    };
    Ok(Entry {
        id,
        questions,
        answer,
        language,
        link,
        replies,
    })
}

/// Checks an entry id: 1 to [`MAX_ID_CHARS`] letters, digits, `-` and `_`, and not one of
/// the routes' own words.
pub fn check_id(id: &str) -> Result<(), String> {
    let well_formed = (1..=MAX_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(format!(
            "the id {id:?} is not 1 to {MAX_ID_CHARS} letters, digits, - and _"
        ));
    }
    if RESERVED_IDS.contains(&id) {
        return Err(format!("the id {id:?} is reserved"));
    }
    Ok(())
}

/// The id of an entry given without one: `q-` and 16 hex digits of a hash of its language
/// and (normalised) first question.
pub fn derived_id(language: &str, first_question: &str) -> String {
    let normalized = tokens::normalize(first_question);
    let words: Vec<&str> = normalized.split_whitespace().collect();
    let digest = Sha256::digest(format!("{language}\n{}", words.join(" ")).as_bytes());
    format!("q-{}", hex::encode(&digest[..8]))
}

/// A BCP 47 tag in its canonical case (`zh-cn` → `zh-CN`), or `None` if it is not one.
pub fn canonical_language(tag: &str) -> Option<String> {
    if tag.is_empty() || tag.len() > 35 {
        return None;
    }
    // A primary language of two or three letters (ISO 639): BCP 47 also allows five to
    // eight, for languages never registered, which in practice are typos ("english").
    icu_locale_core::LanguageIdentifier::try_from_str(tag)
        .ok()
        .filter(|language| {
            !language.language.is_unknown() && (2..=3).contains(&language.language.as_str().len())
        })
        .map(|language| language.to_string())
}

/// Links are https URLs without a user name or password, as visitors will open them.
fn check_link(link: &str) -> Result<(), String> {
    if link.len() > MAX_LINK_BYTES {
        return Err(format!("the link is longer than {MAX_LINK_BYTES} bytes"));
    }
    let url = url::Url::parse(link).map_err(|e| format!("the link {link:?} is not a URL: {e}"))?;
    if url.scheme() != "https" || !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "the link {link:?} must be https, without a user name or password"
        ));
    }
    Ok(())
}
