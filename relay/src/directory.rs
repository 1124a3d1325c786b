//! What D1 keeps about a thread: facts derived from the thread's own object, never owned by
//! D1.
//!
//! The thread's Durable Object is the one owner of everything about its thread. D1 holds
//! indexes over many threads that the object cannot answer alone: the brand's thread list,
//! which thread a WhatsApp user writes into, which link codes are live, and the record of
//! deliveries given up. Each change the object makes to one of those facts becomes a
//! [`Fact`] in its outbox, written in the same commit as the change, and the queue's
//! consumer applies it to D1 with [`Fact::statements`] — idempotently, in the thread's
//! order, and again until D1 has taken it. A failed D1 call therefore delays an index; it
//! never leaves D1 saying something the object does not.

use confab_protocol::{BrandId, Channel, ThreadId, ThreadSummary, Timestamp};
use serde::{Deserialize, Serialize};

/// A change to what D1 says about one thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "camelCase")]
pub enum Fact {
    /// The thread is listed under its brand as the inbox shows it (a newer listing wins;
    /// an older one arriving late changes nothing), and its new texts join the search.
    Listed(Listing),
    /// A WhatsApp user writes into this thread now; `previous`, if another user did, no
    /// longer does.
    #[serde(rename_all = "camelCase")]
    WhatsappUser {
        /// The visitor's WhatsApp id.
        wa_id: String,
        /// The user the thread was linked to before, if another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<String>,
    },
    /// A WeChat user (an OpenID of the brand's account) writes into this thread now;
    /// `previous`, if another user did, no longer does.
    #[serde(rename_all = "camelCase")]
    WechatUser {
        /// The visitor's OpenID.
        open_id: String,
        /// The user the thread was linked to before, if another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<String>,
    },
    /// A link code of the thread was redeemed (or has expired): its index entry goes.
    #[serde(rename_all = "camelCase")]
    CodeSpent {
        /// The code.
        code: String,
    },
    /// A delivery was given up: the operator's record of it.
    #[serde(rename_all = "camelCase")]
    DeadJob {
        /// The job's id (the record is written once per job).
        job_id: String,
        /// Where it was going.
        target: String,
        /// Why it was given up (safe text: no tokens, no URLs).
        reason: String,
        /// The job as it was given up.
        job: String,
        /// When (ms).
        failed_at: u64,
    },
    /// The thread was erased: every row about it goes, in one batch.
    Forgotten,
}

/// A thread's entry in its brand's list, as its object last worked it out. Every field but
/// the first two is optional on the wire, so listings queued by an older relay still decode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// When the thread started (ms).
    pub created_at: u64,
    /// Its latest message, or its start (ms).
    pub last_message_at: u64,
    /// The latest message's text, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_text: Option<String>,
    /// The object's count of listings made: D1 keeps the highest, so that a late copy of
    /// an older listing (0: from before it was counted) changes nothing.
    #[serde(default)]
    pub version: u64,
    /// Whether the team marked it resolved (and nobody wrote since).
    #[serde(default)]
    pub resolved: bool,
    /// Whether its latest message is the visitor's.
    #[serde(default)]
    pub awaiting_reply: bool,
    /// Whether the brand's bot still answers it.
    #[serde(default)]
    pub assistant: bool,
    /// The channels the visitor wrote from, first use first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// The visitor's messages the team has not read.
    #[serde(default)]
    pub unread: u32,
    /// The visitor's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The page the conversation started on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Texts of messages stored since the previous listing, for the search (`thread_texts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<SearchText>,
    /// The thread's Insights figures, for the brand's `Inbox` object's roll-up (never
    /// written to D1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<Box<crate::insights::ThreadFigures>>,
}

/// One message's text for the search, by its `seq` (a text is written once per `seq`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchText {
    /// The message's `seq`.
    pub seq: u64,
    /// Its text.
    pub text: String,
}

impl Listing {
    /// The thread as the inbox shows it.
    pub fn summary(&self, thread: &ThreadId) -> ThreadSummary {
        ThreadSummary {
            thread_id: thread.clone(),
            created_at: Timestamp(self.created_at),
            last_message_at: Timestamp(self.last_message_at),
            last_text: self.last_text.clone(),
            resolved: self.resolved,
            awaiting_reply: self.awaiting_reply,
            assistant: self.assistant,
            channels: self.channels.clone(),
            unread: self.unread,
            language: self.language.clone(),
            page: self.page.clone(),
        }
    }
}

/// A value bound to a statement's parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    /// Text.
    Text(String),
    /// A whole number (D1 takes numbers as doubles: exact up to 2^53).
    Number(u64),
    /// SQL `NULL`.
    Null,
}

/// One SQL statement with its parameters (`?1`, `?2`, … in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The SQL.
    pub sql: &'static str,
    /// Its parameters.
    pub params: Vec<Param>,
}

/// Every table that holds rows about a thread, with the statement that forgets them.
pub const FORGET: [&str; 9] = [
    "DELETE FROM identities WHERE thread_id = ?1",
    "DELETE FROM telegram_topics WHERE thread_id = ?1",
    "DELETE FROM link_codes WHERE thread_id = ?1",
    "DELETE FROM whatsapp_users WHERE thread_id = ?1",
    "DELETE FROM whatsapp_messages WHERE thread_id = ?1",
    "DELETE FROM wechat_users WHERE thread_id = ?1",
    "DELETE FROM dead_jobs WHERE thread_id = ?1",
    // Its trigger takes the texts out of the search index too.
    "DELETE FROM thread_texts WHERE thread_id = ?1",
    "DELETE FROM threads WHERE thread_id = ?1",
];

/// A listing: the row is written only if it is at least as new as the one D1 has (by the
/// object's listing count, then by activity; `DO UPDATE … WHERE`), so that an older
/// listing arriving late changes nothing.
const LIST: &str = "INSERT INTO threads (thread_id, brand_id, created_at, last_message_at, \
     last_text, version, resolved, awaiting_reply, assistant, channels, unread, language, page) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
     ON CONFLICT (thread_id) DO UPDATE SET \
     last_text = COALESCE(excluded.last_text, threads.last_text), \
     last_message_at = MAX(threads.last_message_at, excluded.last_message_at), \
     version = excluded.version, resolved = excluded.resolved, \
     awaiting_reply = excluded.awaiting_reply, assistant = excluded.assistant, \
     channels = excluded.channels, unread = excluded.unread, \
     language = COALESCE(excluded.language, threads.language), \
     page = COALESCE(excluded.page, threads.page) \
     WHERE (excluded.version, excluded.last_message_at) >= \
     (threads.version, threads.last_message_at)";

/// A message's text for the search: written once per `seq`, however often it is sent.
const SEARCH_TEXT: &str = "INSERT INTO thread_texts (thread_id, seq, body) VALUES (?1, ?2, ?3) \
     ON CONFLICT (thread_id, seq) DO NOTHING";

impl Fact {
    /// The statements that make D1 say this of `thread` (of `brand`). Running them twice
    /// leaves what running them once does; they are sent as one batch (one transaction).
    pub fn statements(&self, brand: &BrandId, thread: &ThreadId) -> Vec<Statement> {
        let thread_id = Param::Text(thread.as_str().to_string());
        let brand_id = Param::Text(brand.as_str().to_string());
        match self {
            Fact::Listed(listing) => {
                let text = |value: &Option<String>| value.clone().map_or(Param::Null, Param::Text);
                let flag = |value: bool| Param::Number(u64::from(value));
                let channels = serde_json::to_string(&listing.channels).unwrap_or_default();
                let mut statements = vec![Statement {
                    sql: LIST,
                    params: vec![
                        thread_id.clone(),
                        brand_id,
                        Param::Number(listing.created_at),
                        Param::Number(listing.last_message_at),
                        text(&listing.last_text),
                        Param::Number(listing.version),
                        flag(listing.resolved),
                        flag(listing.awaiting_reply),
                        flag(listing.assistant),
                        Param::Text(channels),
                        Param::Number(u64::from(listing.unread)),
                        text(&listing.language),
                        text(&listing.page),
                    ],
                }];
                statements.extend(listing.texts.iter().map(|search| Statement {
                    sql: SEARCH_TEXT,
                    params: vec![
                        thread_id.clone(),
                        Param::Number(search.seq),
                        Param::Text(search.text.clone()),
                    ],
                }));
                statements
            }
            Fact::WhatsappUser { wa_id, previous } => linked_user(
                "DELETE FROM whatsapp_users WHERE brand_id = ?1 AND wa_id = ?2 AND thread_id = ?3",
                "INSERT INTO whatsapp_users (brand_id, wa_id, thread_id) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (brand_id, wa_id) \
                 DO UPDATE SET thread_id = excluded.thread_id",
                wa_id,
                previous.as_ref(),
                brand_id,
                thread_id,
            ),
            Fact::WechatUser { open_id, previous } => linked_user(
                "DELETE FROM wechat_users WHERE brand_id = ?1 AND open_id = ?2 AND thread_id = ?3",
                "INSERT INTO wechat_users (brand_id, open_id, thread_id) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (brand_id, open_id) \
                 DO UPDATE SET thread_id = excluded.thread_id",
                open_id,
                previous.as_ref(),
                brand_id,
                thread_id,
            ),
            Fact::CodeSpent { code } => vec![Statement {
                sql: "DELETE FROM link_codes WHERE code = ?1 AND thread_id = ?2",
                params: vec![Param::Text(code.clone()), thread_id],
            }],
            Fact::DeadJob {
                job_id,
                target,
                reason,
                job,
                failed_at,
            } => vec![Statement {
                sql: "INSERT INTO dead_jobs (brand_id, thread_id, target, reason, job, \
                      failed_at, job_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                      ON CONFLICT (job_id) DO NOTHING",
                params: vec![
                    brand_id,
                    thread_id,
                    Param::Text(target.clone()),
                    Param::Text(reason.clone()),
                    Param::Text(job.clone()),
                    Param::Number(*failed_at),
                    Param::Text(job_id.clone()),
                ],
            }],
            Fact::Forgotten => FORGET
                .iter()
                .map(|sql| Statement {
                    sql,
                    params: vec![thread_id.clone()],
                })
                .collect(),
        }
    }
}

/// The statements that make `user` of a messaging app (WhatsApp, WeChat) write into the
/// thread: the thread's previous user, if another, is let go (`delete`), then `user` is
/// pointed at it (`upsert`). One shape for every app's table.
fn linked_user(
    delete: &'static str,
    upsert: &'static str,
    user: &str,
    previous: Option<&String>,
    brand_id: Param,
    thread_id: Param,
) -> Vec<Statement> {
    let mut statements = Vec::new();
    if let Some(previous) = previous.filter(|previous| previous.as_str() != user) {
        statements.push(Statement {
            sql: delete,
            params: vec![
                brand_id.clone(),
                Param::Text(previous.clone()),
                thread_id.clone(),
            ],
        });
    }
    statements.push(Statement {
        sql: upsert,
        params: vec![brand_id, Param::Text(user.to_string()), thread_id],
    });
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (BrandId, ThreadId) {
        (BrandId::new("acme"), ThreadId::new("t1"))
    }

    #[test]
    fn facts_keep_their_wire_form() {
        let cases = [
            (
                Fact::Listed(Listing {
                    created_at: 1,
                    last_message_at: 2,
                    version: 3,
                    awaiting_reply: true,
                    unread: 1,
                    channels: vec![Channel::Web],
                    texts: vec![SearchText {
                        seq: 4,
                        text: "hi".into(),
                    }],
                    ..Listing::default()
                }),
                r#"{"fact":"listed","createdAt":1,"lastMessageAt":2,"version":3,"resolved":false,"awaitingReply":true,"assistant":false,"channels":["web"],"unread":1,"texts":[{"seq":4,"text":"hi"}]}"#,
            ),
            (
                Fact::WhatsappUser {
                    wa_id: "49".into(),
                    previous: Some("48".into()),
                },
                r#"{"fact":"whatsappUser","waId":"49","previous":"48"}"#,
            ),
            (
                Fact::CodeSpent { code: "C".into() },
                r#"{"fact":"codeSpent","code":"C"}"#,
            ),
            (Fact::Forgotten, r#"{"fact":"forgotten"}"#),
        ];
        for (fact, json) in cases {
            assert_eq!(serde_json::to_string(&fact).unwrap(), json);
            assert_eq!(serde_json::from_str::<Fact>(json).unwrap(), fact);
        }
    }

    #[test]
    fn forgetting_covers_every_table_that_names_a_thread() {
        let (brand, thread) = ids();
        let statements = Fact::Forgotten.statements(&brand, &thread);
        let tables: Vec<&str> = statements
            .iter()
            .map(|statement| statement.sql.split_whitespace().nth(2).unwrap_or(""))
            .collect();
        assert_eq!(
            tables,
            [
                "identities",
                "telegram_topics",
                "link_codes",
                "whatsapp_users",
                "whatsapp_messages",
                "wechat_users",
                "dead_jobs",
                "thread_texts",
                "threads"
            ]
        );
        assert!(statements
            .iter()
            .all(|statement| statement.params == [Param::Text("t1".into())]));
    }

    #[test]
    fn relinking_on_wechat_removes_the_previous_users_row_only() {
        let (brand, thread) = ids();
        for (previous, count) in [(None, 1), (Some("o1"), 1), (Some("o0"), 2)] {
            let fact = Fact::WechatUser {
                open_id: "o1".into(),
                previous: previous.map(str::to_string),
            };
            let statements = fact.statements(&brand, &thread);
            assert_eq!(statements.len(), count, "{previous:?}");
            assert!(statements
                .last()
                .unwrap()
                .sql
                .contains("INSERT INTO wechat_users"));
            if count == 2 {
                assert!(statements[0].sql.contains("thread_id = ?3"));
            }
        }
        let json = serde_json::to_value(Fact::WechatUser {
            open_id: "o1".into(),
            previous: None,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"fact": "wechatUser", "openId": "o1"})
        );
    }

    #[test]
    fn relinking_removes_the_previous_users_row_only() {
        let (brand, thread) = ids();
        let cases = [
            (None, 1),
            (Some("49"), 1), // the same user again: nothing to remove
            (Some("48"), 2),
        ];
        for (previous, count) in cases {
            let fact = Fact::WhatsappUser {
                wa_id: "49".into(),
                previous: previous.map(str::to_string),
            };
            let statements = fact.statements(&brand, &thread);
            assert_eq!(statements.len(), count, "{previous:?}");
            if count == 2 {
                assert!(statements[0].sql.starts_with("DELETE"));
                // Only the row that still points at this thread: the old user may have
                // moved to another thread meanwhile.
                assert!(statements[0].sql.contains("thread_id = ?3"));
                assert_eq!(statements[0].params[1], Param::Text("48".into()));
            }
        }
    }

    #[test]
    fn a_dead_job_is_recorded_once() {
        let (brand, thread) = ids();
        let fact = Fact::DeadJob {
            job_id: "j".into(),
            target: "telegram".into(),
            reason: "r".into(),
            job: "{}".into(),
            failed_at: 5,
        };
        let statements = fact.statements(&brand, &thread);
        assert!(statements[0]
            .sql
            .contains("ON CONFLICT (job_id) DO NOTHING"));
        assert_eq!(statements[0].params.last(), Some(&Param::Text("j".into())));
    }

    #[test]
    fn a_listing_queued_by_an_older_relay_still_decodes() {
        let old = r#"{"fact":"listed","createdAt":1,"lastMessageAt":2,"lastText":"hi"}"#;
        let expected = Fact::Listed(Listing {
            created_at: 1,
            last_message_at: 2,
            last_text: Some("hi".into()),
            ..Listing::default()
        });
        assert_eq!(serde_json::from_str::<Fact>(old).unwrap(), expected);
    }

    #[test]
    fn a_listing_writes_the_row_when_newer_and_each_text_once() {
        let (brand, thread) = ids();
        let text = |seq: u64| SearchText {
            seq,
            text: format!("text {seq}"),
        };
        let listing = Listing {
            version: 7,
            unread: 2,
            channels: vec![Channel::Web, Channel::Whatsapp],
            texts: vec![text(3), text(4)],
            ..Listing::default()
        };
        let statements = Fact::Listed(listing).statements(&brand, &thread);
        assert_eq!(statements.len(), 3);
        let row = &statements[0];
        // The guard that keeps an older listing from undoing a newer one.
        assert!(row.sql.contains(
            "WHERE (excluded.version, excluded.last_message_at) >= \
             (threads.version, threads.last_message_at)"
        ));
        assert_eq!(row.params.len(), 13);
        assert_eq!(row.params[5], Param::Number(7));
        assert_eq!(row.params[9], Param::Text(r#"["web","whatsapp"]"#.into()));
        assert_eq!(row.params[10], Param::Number(2));
        for (statement, seq) in statements[1..].iter().zip([3, 4]) {
            assert!(statement
                .sql
                .contains("ON CONFLICT (thread_id, seq) DO NOTHING"));
            assert_eq!(statement.params[1], Param::Number(seq));
        }
    }

    #[test]
    fn a_listing_is_the_inboxs_summary() {
        let listing = Listing {
            created_at: 1,
            last_message_at: 2,
            resolved: true,
            assistant: true,
            language: Some("de".into()),
            ..Listing::default()
        };
        let summary = listing.summary(&ThreadId::new("t1"));
        assert_eq!(summary.thread_id, ThreadId::new("t1"));
        assert!(summary.resolved && summary.assistant && !summary.awaiting_reply);
        assert_eq!(summary.language.as_deref(), Some("de"));
    }
}
