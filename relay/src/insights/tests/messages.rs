//! The exports' messages: what a stored message becomes, the `what=messages` CSV read back
//! with the `csv` crate (commas, quotes, newlines and formula-like cells in a table), and
//! the formula guard on the conversations' free text.

use super::*;
use crate::insights::export::messages::{author_code, MESSAGE_COLUMNS};
use crate::insights::export::{
    cell, conversations_csv, messages_csv, Conversation, ExportedMessage,
};
use confab_protocol::Message;
use serde_json::{json, Value};

fn records(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// A stored message as the thread's object serves it to the agent API: a signed file
/// link and an avatar path included.
fn stored(seq: u64, author: &str, name: Option<&str>, text: &str, files: Value) -> Message {
    let mut message = json!({
        "id": format!("m{seq}"),
        "clientId": format!("c{seq}"),
        "seq": seq,
        "author": author,
        "channel": if author == "visitor" { "web" } else { "telegram" },
        "text": text,
        "createdAt": 1_000 + seq,
        "status": "delivered",
        "attachments": files,
    });
    if let Some(name) = name {
        message["sender"] = json!({ "name": name, "avatarUrl": "/v1/images?src=x&sig=secret" });
    }
    serde_json::from_value(message).unwrap()
}

fn file(name: &str, content_type: &str, size: u64) -> Value {
    json!({
        "id": format!("f-{name}"),
        "name": name,
        "contentType": content_type,
        "declaredType": "application/octet-stream",
        "size": size,
        "url": "/v1/files/t/f?exp=1&sig=secret",
    })
}

fn conversation(thread: &str, start: u64, messages: &[Message]) -> Conversation {
    Conversation {
        figures: ThreadFigures::new(ThreadId::new(thread), start, None, None),
        messages: messages.iter().map(ExportedMessage::of).collect(),
    }
}

#[test]
fn a_message_keeps_who_where_when_and_what_but_no_link() {
    let message = stored(
        3,
        "agent",
        Some("Ana"),
        "See attached",
        json!([file("plan.pdf", "application/pdf", 2_048)]),
    );
    let exported = ExportedMessage::of(&message);
    let text = serde_json::to_string(&conversation("t", 5, &[message])).unwrap();
    assert!(
        !text.contains("sig=") && !text.contains("clientId"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["thread"], "t");
    assert_eq!(json["startedAt"], 5);
    assert_eq!(
        json["messages"],
        json!([{
            "seq": 3,
            "sentAt": 1_003,
            "author": "agent",
            "authorName": "Ana",
            "channel": "telegram",
            "text": "See attached",
            "attachments": [{ "name": "plan.pdf", "contentType": "application/pdf", "size": 2048 }],
        }])
    );
    // The JSON reads back as what was exported.
    let back: Conversation = serde_json::from_str(&text).unwrap();
    assert_eq!(back.messages, [exported]);
}

#[test]
fn messages_csv_reads_back_cell_for_cell() {
    // (text as sent, the cell a spreadsheet gets): quoting is the csv crate's, and only a
    // cell that would start a formula changes.
    let table: &[(&str, &str)] = &[
        ("plain", "plain"),
        ("a, b, and c", "a, b, and c"),
        ("she said \"hi\"", "she said \"hi\""),
        ("two\nlines", "two\nlines"),
        ("crlf\r\nlines", "crlf\r\nlines"),
        (
            "=HYPERLINK(\"http://x\",\"y\")",
            "'=HYPERLINK(\"http://x\",\"y\")",
        ),
        ("+33 1 23", "'+33 1 23"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b-c", "a=b-c"),
        ("'quoted already", "'quoted already"),
        ("日本語, ok", "日本語, ok"),
    ];
    let messages: Vec<Message> = table
        .iter()
        .enumerate()
        .map(|(i, (text, _))| stored(i as u64 + 1, "visitor", None, text, json!([])))
        .collect();
    let text = messages_csv(&[conversation("t1", 5, &messages)]).unwrap();
    let header = csv::Reader::from_reader(text.as_bytes())
        .headers()
        .unwrap()
        .clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), MESSAGE_COLUMNS);
    let rows = records(&text);
    assert_eq!(rows.len(), table.len());
    for (i, (row, (sent, expected))) in rows.iter().zip(table).enumerate() {
        let seq = i as u64 + 1;
        let want = [
            "t1".to_owned(),
            seq.to_string(),
            (1_000 + seq).to_string(),
            "visitor".into(),
            String::new(),
            "web".into(),
            (*expected).to_owned(),
            String::new(),
        ];
        assert_eq!(row, &want, "{sent:?}");
    }
}

#[test]
fn messages_csv_gives_each_conversation_in_page_order_then_seq_order() {
    let first = [
        stored(
            2,
            "agent",
            Some("-Ana, \"lead\""),
            "Hi, how can I help?",
            json!([]),
        ),
        stored(
            1,
            "visitor",
            None,
            "",
            json!([
                file("a, b.png", "image/png", 10),
                file("=c.txt", "text/plain", 0)
            ]),
        ),
    ];
    let second = [stored(1, "bot", Some("Confab bot"), "Hello", json!([]))];
    let text = messages_csv(&[
        conversation("later-id-first", 9, &first),
        conversation("b", 1, &second),
        conversation("empty", 12, &[]),
    ])
    .unwrap();
    let rows = records(&text);
    let pick = |row: &Vec<String>| {
        [0, 1, 3, 4, 5, 6, 7]
            .iter()
            .map(|&i| row[i].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rows.iter().map(pick).collect::<Vec<_>>(),
        [
            [
                "later-id-first",
                "1",
                "visitor",
                "",
                "web",
                "",
                "a, b.png (image/png, 10 bytes); =c.txt (text/plain, 0 bytes)"
            ],
            [
                "later-id-first",
                "2",
                "agent",
                "'-Ana, \"lead\"",
                "telegram",
                "Hi, how can I help?",
                ""
            ],
            ["b", "1", "bot", "Confab bot", "telegram", "Hello", ""],
        ]
    );
    assert_eq!(
        [
            Author::Visitor,
            Author::Agent,
            Author::Bot,
            Author::System,
            Author::Unknown
        ]
        .map(author_code),
        ["visitor", "agent", "bot", "system", "unknown"]
    );
}

#[test]
fn free_text_of_the_conversations_is_guarded_too() {
    assert_eq!(cell("=1+1"), "'=1+1");
    assert_eq!(cell("1+1"), "1+1");
    assert_eq!(cell(""), "");
    let mut figures = ThreadFigures::new(ThreadId::new("t"), 5, None, None);
    figures.observe(Event::Rated {
        at: 6,
        score: 1,
        comment: Some("=IMPORTXML(\"http://evil\")"),
    });
    let text = conversations_csv([figures].iter()).unwrap();
    let rows = records(&text);
    assert_eq!(rows[0][14], "'=IMPORTXML(\"http://evil\")");
}
