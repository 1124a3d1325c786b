//! Generative answers, for a brand that has a language model: an OpenAI-compatible
//! chat-completions endpoint (`POST {baseUrl}/chat/completions`; Workers AI's compatible
//! endpoint works in production, a local fake in the tests), given only the entries the
//! search retrieved and told to answer from them or say it does not know.
//!
//! This module is pure: the settings, which entries ground an answer, the request's body,
//! and what the model's answer comes to. The queue's consumer (`edge/assistant.rs`) makes
//! the call, within the brand's timeout; an error or a timeout falls back to the retrieval
//! answer (or to "not sure", which leads to a handoff), never to silence.

use crate::knowledge::index::Search;
use crate::knowledge::Entry;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The most entries one answer is grounded on: the best of the search.
pub const MAX_GROUNDING_ENTRIES: usize = 3;

/// What the model answers when the entries do not hold the answer.
pub const NO_ANSWER: &str = "NO_ANSWER";

/// The longest answer the bot passes on from the model, in characters (the model is also
/// asked for a short one); longer ones are cut at a sentence or word.
pub const MAX_ANSWER_CHARS: usize = 1200;

/// The timeout unless the brand sets one, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 8_000;

/// The shortest and longest timeout a brand may set, in milliseconds.
pub const TIMEOUT_RANGE_MS: std::ops::RangeInclusive<u32> = 500..=30_000;

/// A brand's language model (`assistant.generative` in its settings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerativeSettings {
    /// The endpoint's base, e.g. `https://api.openai.com/v1` or Workers AI's
    /// `https://api.cloudflare.com/client/v4/accounts/<id>/ai/v1`.
    pub base_url: String,
    /// The model's name at that endpoint.
    pub model: String,
    /// The NAME of the Worker secret holding the endpoint's key (never the key).
    pub key_secret: String,
    /// How long the model may take, in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_MS
}

impl GenerativeSettings {
    /// Checks the settings; `allow_local`: a development relay may call a model on this
    /// machine. The message says what to fix.
    pub fn validate(&self, allow_local: bool) -> Result<(), String> {
        crate::connector::webhook::check_url(&self.base_url, allow_local)
            .map_err(|why| format!("assistant.generative.baseUrl: {why}"))?;
        let model_chars = self.model.chars().count();
        if !(1..=100).contains(&model_chars) || self.model.chars().any(char::is_control) {
            return Err("assistant.generative.model is a name of 1 to 100 characters".into());
        }
        if !crate::brand::valid_secret_name(&self.key_secret) {
            return Err(format!(
                "assistant.generative.keySecret names a Worker secret (A-Z, 0-9, _), not {:?}",
                self.key_secret
            ));
        }
        if !TIMEOUT_RANGE_MS.contains(&self.timeout_ms) {
            return Err(format!(
                "assistant.generative.timeoutMs must be from {} to {}",
                TIMEOUT_RANGE_MS.start(),
                TIMEOUT_RANGE_MS.end()
            ));
        }
        Ok(())
    }

    /// The endpoint's URL.
    pub fn url(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }
}

/// The entries an answer may be grounded on: the best hits that share something with the
/// question, at most [`MAX_GROUNDING_ENTRIES`]. None: the model is not asked at all.
pub fn grounding<'a>(search: &Search<'a>) -> Vec<&'a Entry> {
    search
        .hits
        .iter()
        .filter(|hit| hit.coverage > 0.0)
        .take(MAX_GROUNDING_ENTRIES)
        .map(|hit| hit.entry)
        .collect()
}

/// The quick replies a generative answer grounded on `entries` offers: the best entry's
/// (the one the answer most likely came from; the others' would offer what the answer may
/// not be about). Only for an answer: a model that does not know leaves retrieval's reply.
pub fn replies_of(entries: &[&Entry]) -> Vec<String> {
    entries
        .first()
        .map(|entry| entry.replies.clone())
        .unwrap_or_default()
}

/// The chat-completions request: the rules and the entries as the system message, the
/// visitor's question as the user's.
pub fn request_body(
    settings: &GenerativeSettings,
    brand_name: &str,
    question: &str,
    language: Option<&str>,
    entries: &[&Entry],
) -> Value {
    let mut knowledge = String::new();
    for (number, entry) in entries.iter().enumerate() {
        knowledge.push_str(&format!(
            "[{}] Questions: {}\nAnswer: {}\n",
            number + 1,
            entry.questions.join(" | "),
            entry.answer
        ));
        if let Some(link) = &entry.link {
            knowledge.push_str(&format!("Link: {link}\n"));
        }
    }
    let language = language.unwrap_or("the language of the question");
    let system = format!(
        "You answer website visitors for {brand_name}. Use ONLY the knowledge entries below; \
         do not add facts they do not state. If they do not answer the question, reply with \
         exactly {NO_ANSWER}. Otherwise answer in {language}, in at most three short \
         sentences, and include an entry's link if it has one.\n\nKnowledge:\n{knowledge}"
    );
    json!({
        "model": settings.model,
        "temperature": 0.2,
        "max_tokens": 300,
        "messages": [
            { "role": "system", "content": system },
            { "role": "user", "content": question },
        ],
    })
}

/// What a model's answer comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Generated {
    /// An answer for the visitor.
    Answer(String),
    /// The model says the entries do not hold the answer.
    NoAnswer,
}

/// Reads a chat-completions answer: the first choice's text, [`Generated::NoAnswer`] if it
/// says so (or is empty), an error if the body is not such an answer.
pub fn read_answer(body: &str) -> Result<Generated, String> {
    let value: Value = serde_json::from_str(body).map_err(|error| format!("not JSON: {error}"))?;
    let text = value
        .pointer("/choices/0/message/content")
        .and_then(Value::as_str)
        .ok_or("no choices[0].message.content")?
        .trim();
    if text.is_empty() || text.contains(NO_ANSWER) {
        return Ok(Generated::NoAnswer);
    }
    Ok(Generated::Answer(shorten(text)))
}

/// `text` cut to at most [`MAX_ANSWER_CHARS`], at the last sentence end, else word, within.
fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_ANSWER_CHARS {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX_ANSWER_CHARS).collect();
    let cut = head
        .rfind(['.', '!', '?', '。', '！', '？'])
        .map(|at| at + head[at..].chars().next().map_or(1, char::len_utf8))
        .or_else(|| head.rfind(char::is_whitespace))
        .unwrap_or(head.len());
    head[..cut].trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::index::Index;

    fn settings() -> GenerativeSettings {
        GenerativeSettings {
            base_url: "https://api.example/v1".into(),
            model: "small-model".into(),
            key_secret: "DEMO_LLM_KEY".into(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }

    /// A change to good settings, whether the relay is a development one, and whether the
    /// result is valid.
    type Case = (fn(&mut GenerativeSettings), bool, bool);

    #[test]
    fn settings_are_checked() {
        let cases: [Case; 8] = [
            (|_| {}, false, true),
            (
                |s| s.base_url = "http://127.0.0.1:9/v1".into(),
                false,
                false,
            ),
            (|s| s.base_url = "http://127.0.0.1:9/v1".into(), true, true),
            (|s| s.base_url = "ftp://api.example".into(), true, false),
            (|s| s.model = String::new(), false, false),
            (|s| s.key_secret = "sk-live-123".into(), false, false),
            (|s| s.timeout_ms = 100, false, false),
            (|s| s.timeout_ms = 30_000, false, true),
        ];
        for (change, allow_local, valid) in cases {
            let mut candidate = settings();
            change(&mut candidate);
            assert_eq!(
                candidate.validate(allow_local).is_ok(),
                valid,
                "{candidate:?} (local {allow_local})"
            );
        }
        assert_eq!(
            GenerativeSettings {
                base_url: "https://api.example/v1/".into(),
                ..settings()
            }
            .url(),
            "https://api.example/v1/chat/completions"
        );
    }

    #[test]
    fn answers_read_as_an_answer_no_answer_or_an_error() {
        let long = "Word ".repeat(400);
        for (body, expected) in [
            (
                r#"{"choices":[{"message":{"role":"assistant","content":" Free over €50. "}}]}"#,
                Ok(Generated::Answer("Free over €50.".into())),
            ),
            (
                r#"{"choices":[{"message":{"content":"NO_ANSWER"}}]}"#,
                Ok(Generated::NoAnswer),
            ),
            (
                r#"{"choices":[{"message":{"content":"NO_ANSWER."}}]}"#,
                Ok(Generated::NoAnswer),
            ),
            (
                r#"{"choices":[{"message":{"content":""}}]}"#,
                Ok(Generated::NoAnswer),
            ),
            (r#"{"choices":[]}"#, Err(())),
            (r#"{"error":{"message":"rate limited"}}"#, Err(())),
            ("<html>Bad gateway</html>", Err(())),
        ] {
            assert_eq!(read_answer(body).map_err(|_| ()), expected, "{body}");
        }
        let body = json!({ "choices": [{ "message": { "content": long } }] }).to_string();
        let Ok(Generated::Answer(cut)) = read_answer(&body) else {
            panic!("a long answer is still an answer");
        };
        assert!(
            cut.chars().count() <= MAX_ANSWER_CHARS && cut.ends_with("Word"),
            "{cut}"
        );
        let chinese = format!("{}。{}", "运费".repeat(500), "很".repeat(400));
        assert_eq!(shorten(&chinese), format!("{}。", "运费".repeat(500)));
    }

    #[test]
    fn the_model_is_given_only_the_retrieved_entries() {
        let entries: Vec<Entry> =
            serde_json::from_str(include_str!("../knowledge/testdata/outdoor-shop.json"))
                .expect("the shop's entries");
        let index = Index::new(&entries);
        let search = index.search("How much does shipping cost?", Some("en"));
        let grounded = grounding(&search);
        assert!(!grounded.is_empty() && grounded.len() <= MAX_GROUNDING_ENTRIES);
        assert_eq!(grounded[0].id, "shipping-cost");
        let body = request_body(&settings(), "Acme", "How much?", Some("en"), &grounded);
        let system = body["messages"][0]["content"].as_str().unwrap();
        assert!(system.contains(&grounded[0].answer) && system.contains(NO_ANSWER));
        let others = entries
            .iter()
            .filter(|entry| !grounded.iter().any(|given| given.id == entry.id));
        for entry in others {
            assert!(
                !system.contains(&entry.answer),
                "{} was not retrieved",
                entry.id
            );
        }
        assert_eq!(body["messages"][1]["content"], "How much?");
        assert_eq!(body["model"], "small-model");
        // Nothing in common with any entry: nothing to ground on, so no call.
        let search = index.search("zzqx vlorp", Some("en"));
        assert!(grounding(&search).is_empty());
        assert!(replies_of(&grounding(&search)).is_empty());
    }

    #[test]
    fn a_grounded_answer_offers_the_best_entrys_quick_replies() {
        let mut entries: Vec<Entry> =
            serde_json::from_str(include_str!("../knowledge/testdata/outdoor-shop.json"))
                .expect("the shop's entries");
        for entry in &mut entries {
            entry.replies = vec![format!("More on {}", entry.id)];
        }
        let index = Index::new(&entries);
        for (question, best) in [
            ("How much does shipping cost?", "shipping-cost"),
            ("Do you ship internationally?", "international"),
        ] {
            let search = index.search(question, Some("en"));
            let grounded = grounding(&search);
            assert!(grounded.len() > 1, "{question}: several entries given");
            assert_eq!(grounded[0].id, best);
            assert_eq!(replies_of(&grounded), [format!("More on {best}")]);
        }
    }
}
