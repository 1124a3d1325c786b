//! Bulk imports of knowledge: a JSON array of entries, or CSV with a header row naming the
//! columns `question` (variants separated by `|`), `answer`, `language` and, optionally,
//! `link`, `id` and `replies` (quick replies separated by ` | ` or a line break within the
//! cell; blank ones are ignored). Everything is checked before anything is stored; the first bad row is
//! refused with its place (`row 4` of the CSV, counting the header as row 1 as spreadsheets
//! do; `entry 3` of the JSON array), so an import is all or nothing.

use super::{check_entry, Entry, EntryInput, Place, MAX_ENTRIES};
use crate::error::RelayError;
use std::collections::{HashMap, HashSet};

/// The formats an import comes in, by its `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/json`: an array of entries.
    Json,
    /// `text/csv`.
    Csv,
}

/// What an import does to the knowledge already stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ImportMode {
    /// Adds the entries, replacing those with the same id; the others stay (the default:
    /// an import never loses what it does not mention).
    Merge,
    /// The entries become the brand's whole knowledge.
    Replace,
}

/// The columns a CSV import may have.
const COLUMNS: [&str; 6] = ["id", "question", "answer", "language", "link", "replies"];

/// The format named by a `Content-Type` header, or `content_type_unsupported`.
pub fn format_of(content_type: Option<&str>) -> Result<Format, RelayError> {
    let refused = || {
        RelayError::UnsupportedContentType(format!(
            "{:?}; an import is application/json or text/csv",
            content_type.unwrap_or("")
        ))
    };
    let mime: mime::Mime = content_type.unwrap_or("").parse().map_err(|_| refused())?;
    match mime.essence_str() {
        "application/json" => Ok(Format::Json),
        "text/csv" => Ok(Format::Csv),
        _ => Err(refused()),
    }
}

/// The mode named by an import's query (`mode=merge` or `mode=replace`; merge if none).
pub fn mode_of(query: &str) -> Result<ImportMode, RelayError> {
    let mut mode = ImportMode::Merge;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key == "mode" {
            mode = match &*value {
                "merge" => ImportMode::Merge,
                "replace" => ImportMode::Replace,
                _ => {
                    return Err(RelayError::InvalidParameter {
                        name: "mode",
                        reason: format!("{value:?} is not merge or replace"),
                    })
                }
            }
        }
    }
    Ok(mode)
}

/// Reads and checks an import's entries.
pub fn parse(format: Format, body: &[u8]) -> Result<Vec<Entry>, RelayError> {
    let entries = match format {
        Format::Json => parse_json(body)?,
        Format::Csv => parse_csv(body)?,
    };
    if entries.len() > MAX_ENTRIES {
        return Err(RelayError::KnowledgeLimit(format!(
            "{} entries; a brand keeps at most {MAX_ENTRIES}",
            entries.len()
        )));
    }
    Ok(entries)
}

fn parse_json(body: &[u8]) -> Result<Vec<Entry>, RelayError> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| RelayError::MalformedJson(format!("an import is an array of entries: {e}")))?;
    let mut entries = Vec::with_capacity(items.len());
    let mut places = HashMap::new();
    for (at, item) in items.into_iter().enumerate() {
        let place = Place::Item(at + 1);
        let input: EntryInput =
            serde_json::from_value(item).map_err(|e| place.invalid(e.to_string()))?;
        push_unique(&mut entries, &mut places, check_entry(input, place)?, place)?;
    }
    Ok(entries)
}

fn parse_csv(body: &[u8]) -> Result<Vec<Entry>, RelayError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        // Rows may leave out empty trailing fields (a link); more fields than the header
        // names are refused below.
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body);
    let header = reader
        .headers()
        .map_err(|e| csv_error(&e, Place::Row(1)))?
        .clone();
    let mut columns: HashMap<&str, usize> = HashMap::new();
    for (at, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').to_ascii_lowercase();
        let known = COLUMNS
            .iter()
            .find(|column| **column == name)
            .ok_or_else(|| {
                Place::Row(1).invalid(format!(
                    "unknown column {name:?} (the columns are {})",
                    COLUMNS.join(", ")
                ))
            })?;
        if columns.insert(known, at).is_some() {
            return Err(Place::Row(1).invalid(format!("the column {name:?} is there twice")));
        }
    }
    for required in ["question", "answer", "language"] {
        if !columns.contains_key(required) {
            return Err(Place::Row(1).invalid(format!("the column {required:?} is missing")));
        }
    }
    let mut entries = Vec::new();
    let mut places = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map_or(0, |position| position.line());
            csv_error(&e, Place::Row(row))
        })?;
        let place = Place::Row(record.position().map_or(0, |position| position.line()));
        if record.len() > header.len() {
            return Err(place.invalid(format!(
                "{} fields, where the header has {}",
                record.len(),
                header.len()
            )));
        }
        let field = |name: &str| {
            columns
                .get(name)
                .and_then(|at| record.get(*at))
                .unwrap_or("")
                .to_string()
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let input = EntryInput {
            id: Some(field("id")),
            questions: field("question").split('|').map(str::to_string).collect(),
            answer: field("answer"),
            language: field("language"),
            link: Some(field("link")),
            replies: replies_in(&field("replies")),
        };
        push_unique(&mut entries, &mut places, check_entry(input, place)?, place)?;
    }
    Ok(entries)
}

/// The quick replies of a CSV cell (already unquoted by the CSV reader): separated by a
/// line break (a spreadsheet's Alt+Enter) or a `|` with space (or the cell's edge) on both
/// sides, so that a reply may hold a bare `|` ("S|M"). Blank parts stay in; [`check_entry`]
/// drops them.
fn replies_in(cell: &str) -> Vec<String> {
    cell.lines().flat_map(replies_in_line).collect()
}

/// [`replies_in`] for one line of a cell.
fn replies_in_line(line: &str) -> Vec<String> {
    let mut pieces = line.split('|');
    let mut parts = vec![pieces.next().unwrap_or_default().to_string()];
    for piece in pieces {
        let current = parts.last_mut();
        let spaced_before = current
            .as_ref()
            .is_none_or(|part| part.is_empty() || part.ends_with(char::is_whitespace));
        let spaced_after = piece.is_empty() || piece.starts_with(char::is_whitespace);
        match (current, spaced_before && spaced_after) {
            (Some(part), false) => {
                part.push('|');
                part.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    parts
}

/// A CSV error (bad UTF-8, a quote left open) at its row.
fn csv_error(error: &csv::Error, place: Place) -> RelayError {
    let reason = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "the text is not UTF-8".to_string(),
        _ => format!("not CSV: {error}"),
    };
    place.invalid(reason)
}

/// Adds an entry unless one of this import already has its id.
fn push_unique(
    entries: &mut Vec<Entry>,
    places: &mut HashMap<String, Place>,
    entry: Entry,
    place: Place,
) -> Result<(), RelayError> {
    if let Some(first) = places.get(&entry.id) {
        let first = first.prefix();
        return Err(place.invalid(format!(
            "the id {:?} is already used by {} (an entry without an id is named by its \
             language and first question)",
            entry.id,
            first.trim_end_matches(": ")
        )));
    }
    places.insert(entry.id.clone(), place);
    entries.push(entry);
    Ok(())
}

/// How many entries the brand keeps after an import, or the limit it would pass.
pub fn total_after(
    existing: &HashSet<String>,
    imported: &[Entry],
    mode: ImportMode,
) -> Result<usize, RelayError> {
    let total = match mode {
        ImportMode::Replace => imported.len(),
        ImportMode::Merge => {
            existing.len()
                + imported
                    .iter()
                    .filter(|entry| !existing.contains(&entry.id))
                    .count()
        }
    };
    if total > MAX_ENTRIES {
        return Err(RelayError::KnowledgeLimit(format!(
            "the brand would keep {total} entries; at most {MAX_ENTRIES}"
        )));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{MAX_ANSWER_CHARS, MAX_QUESTIONS};
    use confab_protocol::MAX_REPLY_CHARS;

    /// The code and message of an import's refusal, or the ids it would store.
    fn import(format: Format, body: &str) -> Result<Vec<String>, (String, String)> {
        parse(format, body.as_bytes())
            .map(|entries| entries.into_iter().map(|entry| entry.id).collect())
            .map_err(|error| (error.code().to_string(), error.to_string()))
    }

    #[test]
    fn reads_csv_with_quoted_fields_and_variants() {
        let csv = "\u{feff}Question,answer,language,link,id\n\
                   \"Do you ship abroad?|Shipping, outside the EU\",\"We ship to the UK,\nthe US.\",en,,abroad\n\
                   运费是多少？,满50欧元包邮。,zh-cn,https://acme.example/zh,\n\
                   \n";
        let entries = parse(Format::Csv, csv.as_bytes()).expect("valid");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].id, "abroad");
        assert_eq!(
            entries[0].questions,
            ["Do you ship abroad?", "Shipping, outside the EU"]
        );
        assert_eq!(entries[0].answer, "We ship to the UK,\nthe US.");
        assert_eq!(entries[0].link, None);
        assert_eq!(entries[1].language, "zh-CN");
        assert_eq!(entries[1].link.as_deref(), Some("https://acme.example/zh"));
        assert!(entries[1].id.starts_with("q-"));
        // The derived id depends on the language and first question only.
        let again = parse(
            Format::Csv,
            "question,answer,language\n 运费是多少？ ,另一个答案,zh-CN\n".as_bytes(),
        )
        .expect("valid");
        assert_eq!(again[0].id, entries[1].id);
    }

    #[test]
    fn refuses_bad_rows_by_their_number() {
        let header = "question,answer,language,link\n";
        let long_answer = "a".repeat(MAX_ANSWER_CHARS + 1);
        let many_questions = vec!["q"; MAX_QUESTIONS + 1].join("|");
        let cases: Vec<(String, &str, &str)> = vec![
            (
                format!("{header}a,b,en\nc,,en\n"),
                "knowledge_invalid",
                "row 3: the answer is empty",
            ),
            (
                format!("{header}a,b,en\nc,d,en,,e\n"),
                "knowledge_invalid",
                "row 3: 5 fields, where the header has 4",
            ),
            (
                format!("{header}a,b,english\n"),
                "knowledge_invalid",
                "row 2: \"english\" is not a language tag",
            ),
            (
                format!("{header}a,b,en,http://x.example\n"),
                "knowledge_invalid",
                "row 2: the link \"http://x.example\" must be https",
            ),
            (
                format!("{header}|,b,en\n"),
                "knowledge_invalid",
                "row 2: an entry needs at least one question",
            ),
            (
                format!("{header}a,b,en\nA ,c,en\n"),
                "knowledge_invalid",
                "row 3: the id",
            ),
            (
                format!("{header}a,\"b\nb\",en\nc,d,en,ftp://x\n"),
                "knowledge_invalid",
                "row 4: ",
            ),
            (
                format!("{header}a,{long_answer},en\n"),
                "knowledge_limit",
                "row 2: the answer has 2001 characters",
            ),
            (
                format!("{header}{many_questions},b,en\n"),
                "knowledge_limit",
                "row 2: 21 questions",
            ),
            (
                "question,answer,lang\na,b,en\n".into(),
                "knowledge_invalid",
                "row 1: unknown column \"lang\"",
            ),
            (
                "question,answer\na,b\n".into(),
                "knowledge_invalid",
                "row 1: the column \"language\" is missing",
            ),
            (
                format!("{header}a,b,en\n\u{ff}\n"),
                "knowledge_invalid",
                "row 3: the text is not UTF-8",
            ),
        ];
        for (csv, code, message) in cases {
            let bytes: Vec<u8> = csv
                .replace('\u{ff}', "\u{0}")
                .bytes()
                .map(|b| if b == 0 { 0xff } else { b })
                .collect();
            let refused = parse(Format::Csv, &bytes)
                .map_err(|error| (error.code().to_string(), error.to_string()));
            match refused {
                Err((actual_code, actual)) => assert!(
                    actual_code == code && actual.contains(message),
                    "{csv:?}: {actual_code} {actual:?}, not {code} {message:?}"
                ),
                Ok(_) => panic!("{csv:?} was taken"),
            }
        }
    }

    #[test]
    fn reads_json_and_names_the_bad_entry() {
        let ok = r#"[{"id":"a","questions":["Q?"],"answer":"A.","language":"en","extra":1},
                     {"questions":["问？"],"answer":"答。","language":"zh-CN"}]"#;
        assert_eq!(import(Format::Json, ok).map(|ids| ids.len()), Ok(2));
        let refused = |body: &str| import(Format::Json, body).unwrap_err();
        let (code, message) = refused(
            r#"[{"questions":["Q"],"answer":"A","language":"en"},{"questions":["Q2"],"language":"en"}]"#,
        );
        assert_eq!(code, "knowledge_invalid");
        assert!(
            message.contains("entry 2: missing field `answer`"),
            "{message}"
        );
        assert_eq!(refused(r#"{"questions":[]}"#).0, "malformed_json");
        let (code, message) =
            refused(r#"[{"id":"search","questions":["Q"],"answer":"A","language":"en"}]"#);
        assert_eq!(code, "knowledge_invalid");
        assert!(
            message.contains("entry 1: the id \"search\" is reserved"),
            "{message}"
        );
    }

    #[test]
    fn refuses_more_entries_than_a_brand_keeps() {
        let entries: Vec<serde_json::Value> = (0..=MAX_ENTRIES)
            .map(|at| serde_json::json!({"questions": [format!("q{at}")], "answer": "a", "language": "en"}))
            .collect();
        let body = serde_json::to_string(&entries).expect("json");
        assert_eq!(
            import(Format::Json, &body).unwrap_err().0,
            "knowledge_limit"
        );
        let existing: HashSet<String> = (0..MAX_ENTRIES - 1).map(|at| format!("e{at}")).collect();
        let two = parse(
            Format::Json,
            br#"[{"id":"e0","questions":["q"],"answer":"a","language":"en"},
                 {"id":"new","questions":["q"],"answer":"a","language":"en"}]"#,
        )
        .expect("valid");
        assert_eq!(
            total_after(&existing, &two, ImportMode::Merge),
            Ok(MAX_ENTRIES)
        );
        assert_eq!(total_after(&existing, &two, ImportMode::Replace), Ok(2));
        let three = [
            two.clone(),
            vec![Entry {
                id: "newer".into(),
                ..two[1].clone()
            }],
        ]
        .concat();
        assert_eq!(
            total_after(&existing, &three, ImportMode::Merge).map_err(|e| e.code().to_string()),
            Err("knowledge_limit".to_string())
        );
    }

    /// An import, and the quick replies of its one entry or a part of the refusal.
    type RepliesCase<'a> = (Format, String, Result<&'a [&'a str], &'a str>);

    #[test]
    fn reads_quick_replies_from_json_and_csv() {
        let csv = |cell: &str| format!("question,answer,language,replies\na,b,en,{cell}\n");
        let json = |replies: serde_json::Value| {
            serde_json::json!([{"questions": ["a"], "answer": "b", "language": "en", "replies": replies}])
                .to_string()
        };
        let forty_one = "x".repeat(MAX_REPLY_CHARS + 1);
        let forty = "x".repeat(MAX_REPLY_CHARS);
        let just_forty = [forty.as_str()];
        let cases: Vec<RepliesCase> = vec![
            // CSV: ` | ` or a line break between replies; a bare `|` is part of one.
            (
                Format::Csv,
                csv("Track my order | Talk to a person"),
                Ok(&["Track my order", "Talk to a person"]),
            ),
            (Format::Csv, csv("\"Yes\nNo\""), Ok(&["Yes", "No"])),
            (
                Format::Csv,
                csv("\"Yes\r\nNo | Maybe\""),
                Ok(&["Yes", "No", "Maybe"]),
            ),
            (
                Format::Csv,
                csv("Size S|M | 尺码"),
                Ok(&["Size S|M", "尺码"]),
            ),
            (Format::Csv, csv(&forty), Ok(&just_forty)),
            // Empty cells and blank parts are ignored.
            (Format::Csv, csv(""), Ok(&[])),
            (Format::Csv, csv("| Yes | | No |"), Ok(&["Yes", "No"])),
            (Format::Csv, csv("\"Yes\n\n  \nNo\""), Ok(&["Yes", "No"])),
            (
                Format::Csv,
                "question,answer,language\na,b,en\n".into(),
                Ok(&[]),
            ),
            (
                Format::Csv,
                "question,answer,language,replies\na,b,en\n".into(),
                Ok(&[]),
            ),
            // JSON: an array; absent is none; blank ones dropped as blank questions are.
            (
                Format::Json,
                json(serde_json::json!([" Yes ", "No"])),
                Ok(&["Yes", "No"]),
            ),
            (
                Format::Json,
                json(serde_json::json!(["", "Yes"])),
                Ok(&["Yes"]),
            ),
            (
                Format::Json,
                r#"[{"questions":["a"],"answer":"b","language":"en"}]"#.into(),
                Ok(&[]),
            ),
            // Refused, naming the row or entry.
            (
                Format::Csv,
                csv("a | b | c | d | e"),
                Err("row 2: 5 quick replies; at most 4"),
            ),
            (
                Format::Json,
                json(serde_json::json!(["a", "b", "c", "d", "e"])),
                Err("entry 1: 5 quick replies; at most 4"),
            ),
            (
                Format::Csv,
                csv(&format!("Yes | {forty_one}")),
                Err("row 2: quick reply 2 has 41 characters"),
            ),
            (
                Format::Json,
                json(serde_json::json!([forty_one])),
                Err("entry 1: quick reply 1 has 41 characters"),
            ),
            (
                Format::Csv,
                csv("Yes | No | Yes"),
                Err("row 2: quick reply 3 repeats another"),
            ),
            (
                Format::Json,
                json(serde_json::json!(["Yes\tNo"])),
                Err("entry 1: quick reply 1 is not one line"),
            ),
            (
                Format::Json,
                json(serde_json::json!("Yes")),
                Err("entry 1: invalid type"),
            ),
        ];
        for (format, body, expected) in cases {
            let parsed = parse(format, body.as_bytes());
            match (parsed, expected) {
                (Ok(entries), Ok(wanted)) => {
                    assert_eq!(entries.len(), 1, "{body:?}");
                    assert_eq!(entries[0].replies, wanted, "{body:?}");
                }
                (Err(error), Err(part)) => {
                    let message = error.to_string();
                    assert!(
                        error.code() == "knowledge_invalid" && message.contains(part),
                        "{body:?}: {} {message:?}, not {part:?}",
                        error.code()
                    );
                }
                (got, _) => panic!("{body:?}: got {got:?}, not {expected:?}"),
            }
        }
    }

    #[test]
    fn an_entrys_replies_are_stored_and_served_as_json() {
        let entries = parse(
            Format::Csv,
            "id,question,answer,language,replies\nship,Shipping?,Free over €50.,en,Track my order | 人工客服\nplain,Hours?,9 to 5.,en,\n"
                .as_bytes(),
        )
        .expect("valid");
        // What the D1 code binds (one JSON array of entries) and what a list serves.
        let json = serde_json::to_value(&entries).expect("JSON");
        assert_eq!(
            json[0]["replies"],
            serde_json::json!(["Track my order", "人工客服"])
        );
        assert!(json[1].get("replies").is_none(), "{json}");
        let back: Vec<Entry> = serde_json::from_value(json).expect("entries");
        assert_eq!(back, entries);
    }

    #[test]
    fn reads_the_content_type_and_mode() {
        assert_eq!(format_of(Some("text/csv; charset=utf-8")), Ok(Format::Csv));
        assert_eq!(format_of(Some("Application/JSON")), Ok(Format::Json));
        for refused in [None, Some(""), Some("text/plain"), Some("json")] {
            assert_eq!(
                format_of(refused).map_err(|e| e.code().to_string()),
                Err("content_type_unsupported".to_string())
            );
        }
        assert_eq!(mode_of(""), Ok(ImportMode::Merge));
        assert_eq!(mode_of("mode=replace"), Ok(ImportMode::Replace));
        assert_eq!(mode_of("x=1&mode=merge"), Ok(ImportMode::Merge));
        assert!(mode_of("mode=wipe").is_err());
    }
}
