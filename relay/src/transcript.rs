//! A thread as plain text, for the visitor's "Download transcript".

use confab_protocol::{Author, Channel, Message};
use std::fmt::Write;

/// The transcript: a header, then one paragraph per message with its UTC time.
pub fn plain_text(brand: &str, messages: &[Message]) -> String {
    let mut text = header(brand);
    for message in messages {
        text.push_str(&paragraph(brand, message));
    }
    text
}

/// The transcript's first lines (it is sent page by page: header, then paragraphs).
pub fn header(brand: &str) -> String {
    format!("Conversation with {brand}\n\n")
}

/// One message of the transcript, with its UTC time.
pub fn paragraph(brand: &str, message: &Message) -> String {
    // A team member who signed their message is named, with the brand they answer for
    // (the JSON transcript carries the same `sender`).
    let signed;
    let who = match (message.author, &message.sender) {
        (Author::Visitor, _) => "You",
        (Author::Agent | Author::Bot, Some(sender)) => {
            signed = format!("{} ({brand})", sender.name);
            signed.as_str()
        }
        (Author::Agent, None) => brand,
        (Author::System, _) => "Confab",
        (Author::Bot, None) => "Bot",
        (Author::Unknown, _) => "?",
    };
    let via = match message.channel {
        Channel::Whatsapp => " (via WhatsApp)",
        Channel::Wechat => " (via WeChat)",
        Channel::Email => " (by email)",
        Channel::Telegram | Channel::Web | Channel::Api | Channel::Console | Channel::Unknown => "",
    };
    let body = crate::attachment::text_with_files(message);
    let mut text = String::new();
    let _ = writeln!(
        text,
        "[{}] {who}{via}:\n{body}\n",
        utc_minute(message.created_at.0),
    );
    text
}

/// `YYYY-MM-DD HH:MM UTC` for milliseconds since the epoch.
pub fn utc_minute(millis: u64) -> String {
    let minutes = millis / 60_000;
    let (days, minute_of_day) = (minutes / 1440, minutes % 1440);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day number.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_protocol::{ClientMessageId, DeliveryStatus, MessageId, Sender, Seq, Timestamp};

    #[test]
    fn formats_utc_minutes() {
        for (millis, expected) in [
            (0, "1970-01-01 00:00 UTC"),
            (951_782_400_000, "2000-02-29 00:00 UTC"),
            (1_795_000_200_000, "2026-11-18 11:10 UTC"),
            (4_102_444_799_000, "2099-12-31 23:59 UTC"),
        ] {
            assert_eq!(utc_minute(millis), expected, "{millis}");
        }
    }

    #[test]
    fn writes_one_paragraph_per_message() {
        let message = |author, channel, text: &str| Message {
            id: MessageId::new("m"),
            client_id: ClientMessageId::new("c"),
            seq: Seq(1),
            author,
            channel,
            text: text.into(),
            created_at: Timestamp(1_795_000_200_000),
            status: DeliveryStatus::Sent,
            failure: None,
            sender: None,
            attachments: Vec::new(),
            replies: Vec::new(),
        };
        let mut signed = message(Author::Agent, Channel::Api, "Ana here.");
        signed.sender = Sender::from_names(["Ana", "Silva"]);
        let text = plain_text(
            "Acme",
            &[
                message(Author::Visitor, Channel::Web, "Hi <b>there</b>"),
                message(Author::Agent, Channel::Telegram, "Hello!"),
                message(Author::Visitor, Channel::Whatsapp, "蓝色的还有货吗?"),
                signed,
            ],
        );
        assert_eq!(
            text,
            "Conversation with Acme\n\n\
             [2026-11-18 11:10 UTC] You:\nHi <b>there</b>\n\n\
             [2026-11-18 11:10 UTC] Acme:\nHello!\n\n\
             [2026-11-18 11:10 UTC] You (via WhatsApp):\n蓝色的还有货吗?\n\n\
             [2026-11-18 11:10 UTC] Ana Silva (Acme):\nAna here.\n\n"
        );
    }
}
