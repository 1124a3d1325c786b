//! The knowledge admin API's pure parts: which call a path names, the search query, and
//! the search's answer, so that the edge only moves bytes.

use super::index::{Confidence, Search};
use super::{canonical_language, check_id, MAX_QUESTION_CHARS};
use crate::error::RelayError;
use serde::Serialize;

/// One call of `/v1/admin/brands/{brand}/knowledge[/…]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KnowledgeCall {
    /// `GET .../knowledge`: every entry.
    List,
    /// `DELETE .../knowledge`: forget every entry.
    Clear,
    /// `POST .../knowledge/import?mode=merge|replace`: a JSON or CSV import.
    Import,
    /// `GET .../knowledge/search?q=…&lang=…&limit=N`: the ranked entries for a question.
    Search,
    /// `GET .../knowledge/{entry}`.
    Get(String),
    /// `PUT .../knowledge/{entry}`: create or replace one entry.
    Put(String),
    /// `DELETE .../knowledge/{entry}`.
    Delete(String),
}

/// Checks an entry id from a path; a malformed one names no entry (404).
pub fn parse_entry_id(raw: &str) -> Result<String, RelayError> {
    check_id(raw)
        .map(|()| raw.to_string())
        .map_err(|_| RelayError::NotFound(format!("knowledge entry {raw:?}")))
}

/// The entry id of a `.../knowledge/{entry}` path called with `method`. The routes' own
/// words are no entry's: another method on them is 405 with the one they take.
pub fn entry_in_path(method: &str, raw: &str) -> Result<String, RelayError> {
    let allowed = match raw {
        "search" => vec!["GET"],
        "import" => vec!["POST"],
        _ => return parse_entry_id(raw),
    };
    Err(RelayError::MethodNotAllowed {
        method: method.to_string(),
        allowed,
    })
}

/// The most ranked entries a search answers with, and the default.
pub const MAX_SEARCH_RESULTS: usize = 20;
/// See [`MAX_SEARCH_RESULTS`].
pub const DEFAULT_SEARCH_RESULTS: usize = 5;

/// What `GET .../knowledge/search` asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// The visitor's question.
    pub question: String,
    /// The visitor's language, canonical, if given.
    pub language: Option<String>,
    /// At most this many ranked entries.
    pub limit: usize,
}

/// Parses `q=…&lang=…&limit=N` (`q` required).
pub fn parse_search_query(query: &str) -> Result<SearchQuery, RelayError> {
    let mut search = SearchQuery {
        question: String::new(),
        language: None,
        limit: DEFAULT_SEARCH_RESULTS,
    };
    let mut asked = false;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let bad =
            |name: &'static str, reason: String| RelayError::InvalidParameter { name, reason };
        match &*key {
            "q" => {
                if value.chars().count() > MAX_QUESTION_CHARS * 4 {
                    return Err(bad(
                        "q",
                        format!("at most {} characters", MAX_QUESTION_CHARS * 4),
                    ));
                }
                search.question = value.into_owned();
                asked = true;
            }
            "lang" => {
                search.language = Some(
                    canonical_language(&value)
                        .ok_or_else(|| bad("lang", format!("{value:?} is not a language tag")))?,
                )
            }
            "limit" => {
                search.limit = value
                    .parse()
                    .ok()
                    .filter(|limit| (1..=MAX_SEARCH_RESULTS).contains(limit))
                    .ok_or_else(|| {
                        bad(
                            "limit",
                            format!("{value:?} is not 1 to {MAX_SEARCH_RESULTS}"),
                        )
                    })?
            }
            _ => {}
        }
    }
    if !asked {
        return Err(RelayError::InvalidParameter {
            name: "q",
            reason: "a search needs ?q=<the question>".into(),
        });
    }
    Ok(search)
}

/// The answer of a search: the confidence, and the best entries with their scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchAnswer<'a> {
    /// How sure the ranking is of its first entry.
    pub confidence: Confidence,
    /// The best entries, best first.
    pub matches: Vec<SearchMatch<'a>>,
}

/// One ranked entry of a [`SearchAnswer`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchMatch<'a> {
    /// The entry's id.
    pub id: &'a str,
    /// Its language.
    pub language: &'a str,
    /// Its BM25 score (only comparable within one search).
    pub score: f32,
    /// Its coverage of the question, 0 to 1.
    pub coverage: f32,
    /// Its first question, to show as a choice.
    pub question: &'a str,
    /// Its answer.
    pub answer: &'a str,
    /// Its link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<&'a str>,
}

impl<'a> SearchAnswer<'a> {
    /// The first `limit` entries of a search.
    pub fn new(search: &Search<'a>, limit: usize) -> SearchAnswer<'a> {
        SearchAnswer {
            confidence: search.confidence,
            matches: search
                .hits
                .iter()
                .take(limit)
                .map(|hit| SearchMatch {
                    id: &hit.entry.id,
                    language: &hit.entry.language,
                    score: hit.score,
                    coverage: hit.coverage,
                    question: hit.entry.questions.first().map_or("", String::as_str),
                    answer: &hit.entry.answer,
                    link: hit.entry.link.as_deref(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_search_queries() {
        let parsed = parse_search_query("q=%E9%80%80%E8%B4%A7&lang=zh-cn&limit=3").expect("valid");
        assert_eq!(
            parsed,
            SearchQuery {
                question: "退货".into(),
                language: Some("zh-CN".into()),
                limit: 3
            }
        );
        assert_eq!(
            parse_search_query("q=").map(|q| q.limit),
            Ok(DEFAULT_SEARCH_RESULTS)
        );
        for bad in [
            "",
            "lang=en",
            "q=x&lang=english",
            "q=x&limit=0",
            "q=x&limit=21",
        ] {
            assert_eq!(
                parse_search_query(bad).map_err(|e| e.code().to_string()),
                Err("invalid_parameter".to_string()),
                "{bad}"
            );
        }
    }

    #[test]
    fn routes_knowledge_calls() {
        use crate::route::{route, Route};
        use confab_protocol::BrandId;
        let base = "/v1/admin/brands/acme/knowledge";
        let call = |method: &str, path: &str| match route(method, path) {
            Ok(Route::Knowledge(brand, call)) if brand == BrandId::new("acme") => Ok(call),
            Ok(other) => panic!("{method} {path}: {other:?}"),
            Err(error) => Err(error.code().to_string()),
        };
        let entry = format!("{base}/shipping-cost");
        assert_eq!(call("GET", base), Ok(KnowledgeCall::List));
        assert_eq!(call("DELETE", base), Ok(KnowledgeCall::Clear));
        assert_eq!(
            call("POST", &format!("{base}/import")),
            Ok(KnowledgeCall::Import)
        );
        assert_eq!(
            call("GET", &format!("{base}/search")),
            Ok(KnowledgeCall::Search)
        );
        assert_eq!(
            call("GET", &entry),
            Ok(KnowledgeCall::Get("shipping-cost".into()))
        );
        assert_eq!(
            call("PUT", &entry),
            Ok(KnowledgeCall::Put("shipping-cost".into()))
        );
        assert_eq!(
            call("DELETE", &entry),
            Ok(KnowledgeCall::Delete("shipping-cost".into()))
        );
        assert_eq!(call("POST", base), Err("method_not_allowed".into()));
        assert_eq!(call("POST", &entry), Err("method_not_allowed".into()));
        assert_eq!(
            call("PUT", &format!("{base}/search")),
            Err("method_not_allowed".into())
        );
        assert_eq!(
            call("GET", &format!("{base}/import")),
            Err("method_not_allowed".into())
        );
        assert_eq!(
            call("GET", &format!("{base}/a%20b")),
            Err("not_found".into())
        );
        assert_eq!(
            call("GET", "/v1/admin/brands/Bad/knowledge"),
            Err("invalid_brand".into())
        );
    }

    #[test]
    fn entry_ids_in_paths() {
        assert_eq!(parse_entry_id("shipping-cost"), Ok("shipping-cost".into()));
        for bad in ["", "search", "import", "a b", &"x".repeat(65)] {
            assert_eq!(
                parse_entry_id(bad).map_err(|e| e.code().to_string()),
                Err("not_found".to_string())
            );
        }
    }
}
