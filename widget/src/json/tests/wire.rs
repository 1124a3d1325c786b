//! Every type the widget reads, as serde writes it, reads back equal; every type it writes
//! is written as serde writes it.

use super::*;

#[test]
fn messages_read_and_write_as_serde_does() {
    for message in messages() {
        reads_as_serde_writes(&message);
        writes_as_serde_does(&message);
        reads_as_serde_writes(&MessagePage {
            messages: vec![message.clone(), message],
            has_more: true,
        });
    }
    for avatar in [false, true] {
        reads_as_serde_writes(&sender(avatar));
        writes_as_serde_does(&sender(avatar));
    }
    for image in [false, true] {
        reads_as_serde_writes(&attachment(image));
        writes_as_serde_does(&attachment(image));
    }
    let failed = &messages()[1];
    assert_eq!(failed.to_json()["failureCode"], "window_closed");
    reads_as_serde_writes(&MessagePage {
        messages: Vec::new(),
        has_more: false,
    });
}

#[test]
fn answers_read_as_serde_writes_them() {
    for theme in [Theme::Auto, Theme::Light, Theme::Dark] {
        for receipts in [ReadReceipts::On, ReadReceipts::Off, ReadReceipts::Unknown] {
            reads_as_serde_writes(&BrandProfile {
                theme,
                read_receipts: receipts,
                ..brand(true)
            });
        }
    }
    for (full, whatsapp) in [(false, false), (true, true), (true, false)] {
        reads_as_serde_writes(&session(brand(full), whatsapp));
    }
    reads_as_serde_writes(&Link {
        code: "LINK-ABC123".into(),
        url: "https://wa.me/1?text=LINK-ABC123".into(),
        qr_svg: "<svg/>".into(),
        expires_at: Timestamp(5),
    });
    for state in [EmailVerification::Pending, EmailVerification::Verified] {
        reads_as_serde_writes(&EmailStatus {
            state,
            address: "a***@example.com".into(),
        });
    }
    reads_as_serde_writes(&SocketTicket {
        ticket: "tk".into(),
        expires_at: Timestamp(0),
    });
    reads_as_serde_writes(&ErrorDetail {
        code: "link_used".into(),
        message: "This link was used.".into(),
        field: None,
    });
}

#[test]
fn requests_are_written_as_serde_writes_them() {
    let none = SessionRequest {
        brand: BrandId::new("demo"),
        token: None,
        user_id: None,
        user_hash: None,
        page: None,
        language: None,
        link: None,
    };
    writes_as_serde_does(&none);
    writes_as_serde_does(&SessionRequest {
        token: Some(VisitorToken::new("v1.x")),
        user_id: Some("u9".into()),
        user_hash: Some("abc".into()),
        page: Some("https://shop.example/a?b=c".into()),
        language: Some("zh-CN".into()),
        link: Some("LINK-XYZ".into()),
        ..none
    });
    for attachments in [
        vec![],
        vec![AttachmentId::new("a1"), AttachmentId::new("a2")],
    ] {
        writes_as_serde_does(&SendMessage {
            client_id: ClientMessageId::new("c1"),
            text: "hi".into(),
            attachments,
        });
    }
    for purpose in [
        LinkPurpose::Whatsapp,
        LinkPurpose::Wechat,
        LinkPurpose::Device,
        LinkPurpose::Unknown,
    ] {
        for page in [None, Some("https://shop.example/".to_string())] {
            writes_as_serde_does(&LinkRequest { purpose, page });
        }
    }
    for language in [None, Some("zh-CN".to_string())] {
        writes_as_serde_does(&EmailRequest {
            address: "ana@example.com".into(),
            language,
        });
    }
    writes_as_serde_does(&ReadUpTo { seq: Seq(42) });
}

#[test]
fn frames_read_as_serde_writes_them() {
    let mut frames = vec![
        ServerFrame::Ready {
            last_seq: Seq(4),
            complete: true,
            protocol: 1,
        },
        ServerFrame::Ready {
            last_seq: Seq(0),
            complete: false,
            protocol: 0,
        },
        ServerFrame::Rejected {
            client_id: ClientMessageId::new("c1"),
            code: "text_too_long".into(),
            message: "Too long.".into(),
        },
        ServerFrame::Typing {
            author: Author::Agent,
            active: true,
            name: None,
        },
        ServerFrame::Typing {
            author: Author::Unknown,
            active: false,
            name: None,
        },
        ServerFrame::Erased,
        ServerFrame::Pong,
    ];
    frames.extend(
        messages()
            .into_iter()
            .map(|message| ServerFrame::Message { message }),
    );
    for frame in frames {
        let text = serde_json::to_string(&frame).unwrap();
        assert_eq!(decode_frame(&text), Ok(frame), "{text}");
    }
    for (text, expected) in [
        (
            r#"{"type":"presence","online":true}"#,
            Ok(ServerFrame::Unknown),
        ),
        (r#"{"online":true}"#, Ok(ServerFrame::Unknown)),
        (
            r#"{"type":"ready","lastSeq":7}"#,
            Ok(ServerFrame::Ready {
                last_seq: Seq(7),
                complete: false,
                protocol: 0,
            }),
        ),
        (
            r#"{"type":"ready"}"#,
            Err("a frame without lastSeq".to_string()),
        ),
        (
            r#"{"type":"message","message":{"id":"m1"}}"#,
            Err("a frame without clientId".to_string()),
        ),
        ("[1,", Err("not valid JSON".to_string())),
    ] {
        assert_eq!(decode_frame(text), expected, "{text}");
    }
}
