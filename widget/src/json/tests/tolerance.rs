//! What serde's configuration of the protocol tolerates, the readers tolerate: defaults,
//! `null`, unknown fields and words; what it refuses, they refuse. And what earlier widgets
//! stored still reads.

use super::*;

#[test]
fn brand_profiles_take_the_protocols_defaults() {
    reads(json!({"name": "Acme"}), Ok(brand(false)));
    let defaults = BrandProfile::from_json(&json!({"name": "Acme"})).unwrap();
    assert!(defaults.show_agent_names && !defaults.whatsapp);
    assert_eq!(defaults.read_receipts, ReadReceipts::On);
    assert_eq!(defaults.theme, Theme::Auto);
    // Absent and null are alike; unknown fields are ignored; unknown words are `Unknown`.
    reads(
        json!({
            "name": "Acme", "logoUrl": null, "greeting": null, "businessHours": null,
            "consent": null, "readReceipts": "sometimes", "theme": "neon", "extra": [1, 2],
        }),
        Ok(BrandProfile {
            read_receipts: ReadReceipts::Unknown,
            theme: Theme::Unknown,
            ..brand(false)
        }),
    );
    reads::<BrandProfile>(json!({"greeting": "Hi"}), Err(Invalid("name")));
    reads::<BrandProfile>(
        json!({"name": "Acme", "showAgentNames": "no"}),
        Err(Invalid("showAgentNames")),
    );
    reads::<BrandProfile>(
        json!({"name": "Acme", "businessHours": {"timeZone": "UTC"}}),
        Err(Invalid("weekly")),
    );
    reads::<BrandProfile>(
        json!({"name": "Acme", "businessHours": {"timeZone": "UTC", "weekly": [{"day": 256, "open": "09:00", "close": "10:00"}]}}),
        Err(Invalid("day")),
    );
}

#[test]
fn messages_take_defaults_and_refuse_what_is_wrong() {
    let wire = json!({
        "id": "m1", "clientId": "c1", "seq": 3, "author": "robot", "channel": "fax",
        "text": "hi", "createdAt": 1, "status": "lost", "failure": null, "sender": null,
        "failureCode": "not_a_code", "reactions": ["👍"],
    });
    let message = Message::from_json(&wire).unwrap();
    assert_eq!(
        (message.author, message.channel, message.status),
        (Author::Unknown, Channel::Unknown, DeliveryStatus::Unknown)
    );
    assert_eq!((message.failure, message.sender), (None, None));
    assert!(message.attachments.is_empty());
    for (key, wrong) in [
        ("seq", json!(-1)),
        ("seq", json!(1.5)),
        ("seq", json!("3")),
        ("createdAt", json!(null)),
        ("text", json!(1)),
        ("author", json!(null)),
        ("failure", json!(false)),
        ("attachments", json!({})),
    ] {
        let mut wire = wire.clone();
        wire[key] = wrong;
        reads::<Message>(wire, Err(Invalid(key)));
    }
    reads::<Message>(json!("text"), Err(Invalid("id")));
    reads::<Attachment>(
        json!({"id": "a", "name": "n", "contentType": "t", "declaredType": "t", "size": 1, "width": 4294967296u64}),
        Err(Invalid("width")),
    );
}

#[test]
fn what_earlier_widgets_stored_still_reads() {
    // The shapes serde's derives wrote: `Outgoing` snake_case with `error: null`.
    let outbox = r#"[{"client_id":"c1","text":"hi","error":null,"retryable":false},{"client_id":"c2","text":"yo","error":"offline","retryable":true}]"#;
    let entries: Vec<Outgoing> = decode(outbox).unwrap();
    let expected = vec![
        Outgoing {
            client_id: ClientMessageId::new("c1"),
            text: "hi".into(),
            error: None,
            retryable: false,
            files: Vec::new(),
        },
        Outgoing {
            client_id: ClientMessageId::new("c2"),
            text: "yo".into(),
            error: Some("offline".into()),
            retryable: true,
            files: Vec::new(),
        },
    ];
    assert_eq!(entries, expected);
    assert_eq!(parse(&encode(expected.as_slice())), parse(outbox));
    let entries: Vec<Outgoing> = decode(r#"[{"client_id":"c1","text":"hi"}]"#).unwrap();
    assert_eq!((&entries[0].error, entries[0].retryable), (&None, false));

    let identity = r#"{"userId":"u9","userHash":"abc","name":"Ana"}"#;
    let read: Identity = decode(identity).unwrap();
    assert_eq!(
        read,
        Identity {
            user_id: "u9".into(),
            user_hash: "abc".into(),
            name: Some("Ana".into()),
            email: None,
        }
    );
    assert_eq!(parse(&encode(&read)), parse(identity));
    assert!(decode::<Identity>(r#"{"userId":"u9"}"#).is_err());
    assert!(decode::<Identity>("not json").is_err());

    // Stored messages are the wire's, `failureCode` and all.
    let stored = encode(messages().as_slice());
    assert_eq!(
        parse(&stored),
        Some(serde_json::to_value(messages()).unwrap())
    );
    assert_eq!(decode::<Vec<Message>>(&stored), Ok(messages()));
    assert!(decode::<Vec<Message>>(r#"[{"id":"m1"}]"#).is_err());
}

#[test]
fn reads_the_relays_error_bodies() {
    let check = |text: &str, expected: Option<(&str, &str)>| {
        let detail = decode_error(text);
        let actual = detail
            .as_ref()
            .map(|detail| (detail.code.as_str(), detail.message.as_str()));
        assert_eq!(actual, expected, "{text}");
    };
    check(
        r#"{"error":{"code":"link_used","message":"This link was used."}}"#,
        Some(("link_used", "This link was used.")),
    );
    check(r#"{"error":{"code":"x"}}"#, None);
    check(r#"{"code":"x","message":"y"}"#, None);
    check("<html>Bad gateway</html>", None);
    check("", None);
}

#[test]
fn outbox_files_are_stored_without_their_page_only_parts() {
    use crate::state::OutFile;
    use confab_protocol::AttachmentId;
    let file = |uploaded: Option<&str>| OutFile {
        preview: "blob:https://shop.example/1".into(),
        name: "tent.jpg".into(),
        content_type: "image/jpeg".into(),
        size: 123_456,
        uploaded: uploaded.map(AttachmentId::new),
        progress: 40,
    };
    let entry = Outgoing {
        client_id: ClientMessageId::new("c1"),
        text: String::new(),
        error: None,
        retryable: false,
        files: vec![file(Some("f1")), file(None)],
    };
    let stored = encode(std::slice::from_ref(&entry));
    assert_eq!(
        parse(&stored),
        parse(
            r#"[{"client_id":"c1","text":"","error":null,"retryable":false,"files":[
                {"name":"tent.jpg","content_type":"image/jpeg","size":123456,"uploaded":"f1"},
                {"name":"tent.jpg","content_type":"image/jpeg","size":123456}]}]"#
        )
    );
    // Read back on the next page: no preview yet, no progress.
    let read: Vec<Outgoing> = decode(&stored).unwrap();
    let page_only = |mut file: OutFile| {
        file.preview.clear();
        file.progress = 0;
        file
    };
    assert_eq!(
        read[0].files,
        vec![page_only(file(Some("f1"))), page_only(file(None))]
    );
    // A file without its name or size does not read.
    assert!(
        decode::<Vec<Outgoing>>(r#"[{"client_id":"c","text":"","files":[{"size":1}]}]"#).is_err()
    );
}
