//! Any message, as serde writes it, reads back equal, and the widget writes it as serde does.

use super::*;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z0-9 ]{1,12}",
        any::<String>(),
        Just(
            "Message not delivered after 2 attempts. The messaging service did not answer in time."
                .to_string()
        ),
    ]
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn whole() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0), Just(MAX_WHOLE_SEQ), 0..MAX_WHOLE_SEQ]
}

prop_compose! {
    fn any_attachment()(
        id in text(), name in text(), content_type in text(), declared_type in text(),
        size in whole(), width in proptest::option::of(any::<u32>()),
        height in proptest::option::of(any::<u32>()), url in optional_text(),
    ) -> Attachment {
        Attachment {
            id: AttachmentId::new(id), name, content_type, declared_type, size, width, height,
            url,
        }
    }
}

prop_compose! {
    fn any_message()(
        id in text(), client_id in text(), seq in whole(), created_at in whole(),
        author in 0..5usize, channel in 0..5usize, status in 0..5usize, text in text(),
        failure in optional_text(),
        sender in proptest::option::of((text(), optional_text())),
        attachments in proptest::collection::vec(any_attachment(), 0..3),
    ) -> Message {
        let authors = [Author::Visitor, Author::Agent, Author::System, Author::Bot, Author::Unknown];
        let channels = [Channel::Web, Channel::Whatsapp, Channel::Telegram, Channel::Api, Channel::Unknown];
        let statuses = [
            DeliveryStatus::Sent, DeliveryStatus::Delivered, DeliveryStatus::Read,
            DeliveryStatus::Failed, DeliveryStatus::Unknown,
        ];
        Message {
            id: MessageId::new(id),
            client_id: ClientMessageId::new(client_id),
            seq: Seq(seq),
            author: authors[author],
            channel: channels[channel],
            text,
            created_at: Timestamp(created_at),
            status: statuses[status],
            failure,
            sender: sender.map(|(name, avatar_url)| Sender { name, avatar_url }),
            attachments,
            replies: Vec::new(),
        }
    }
}

proptest! {
    #[test]
    fn any_message_reads_and_writes_as_serde_does(message in any_message()) {
        let wire = serde_json::to_value(&message).unwrap();
        prop_assert_eq!(Message::from_json(&wire), Ok(message.clone()));
        prop_assert_eq!(message.to_json(), wire);
        let text = encode(&message);
        prop_assert_eq!(decode::<Message>(&text), Ok(message));
    }
}
