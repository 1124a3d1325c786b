//! The reducer's rules, case by case: each case is a state built from actions, and what
//! must then hold.

use super::inbox::{Filter, Status};
use super::settings::{get, set};
use super::thread::Typist;
use super::*;
use confab_protocol::console::Role;
use confab_protocol::{
    BrandId, Channel, DeliveryStatus, MessageId, ThreadId, Timestamp, WhatsappWindow,
};
use serde_json::json;

fn summary(id: &str, at: u64) -> ThreadSummary {
    ThreadSummary {
        thread_id: ThreadId::new(id),
        created_at: Timestamp(1),
        last_message_at: Timestamp(at),
        last_text: Some(format!("text of {id}")),
        resolved: false,
        awaiting_reply: false,
        assistant: false,
        channels: vec![Channel::Web],
        unread: 0,
        language: None,
        page: None,
    }
}

fn message(seq: u64, author: Author, client: &str) -> Message {
    Message {
        id: MessageId::new(format!("m{seq}")),
        client_id: ClientMessageId::new(client),
        seq: Seq(seq),
        author,
        channel: Channel::Web,
        text: format!("message {seq}"),
        created_at: Timestamp(seq),
        status: DeliveryStatus::Sent,
        failure: None,
        sender: None,
        attachments: Vec::new(),
        replies: Vec::new(),
    }
}

fn me(role: Role) -> ConsoleMe {
    ConsoleMe {
        member: confab_protocol::console::Member {
            email: "ana@example.com".into(),
            name: Some("Ana".into()),
            role,
            added_at: Timestamp(1),
        },
        brand: BrandId::new("acme"),
        brand_name: "Acme".into(),
        expires_at: Timestamp(9),
    }
}

fn run(actions: Vec<Action>) -> State {
    actions
        .into_iter()
        .fold(State::default(), |mut state, action| {
            state.apply(action);
            state
        })
}

fn ids(state: &State) -> Vec<&str> {
    state
        .threads
        .iter()
        .map(|thread| thread.thread_id.as_str())
        .collect()
}

fn open(id: &str) -> Action {
    Action::Route(Route::Thread(ThreadId::new(id)))
}

fn page(id: &str, messages: Vec<Message>, has_more: bool) -> Action {
    Action::History(AgentThread {
        thread_id: ThreadId::new(id),
        whatsapp: None,
        wechat: None,
        messages,
        has_more,
        summary: None,
    })
}

#[test]
fn the_inbox_is_latest_first_and_live_changes_move_filter_and_announce() {
    let resolved = ThreadSummary {
        resolved: true,
        ..summary("a", 50)
    };
    let awaiting = ThreadSummary {
        awaiting_reply: true,
        last_text: Some("where is my order?".into()),
        ..summary("c", 40)
    };
    let bot_only = Filter {
        bot: true,
        ..Filter::default()
    };
    let whatsapp = Filter {
        channel: Some(Channel::Whatsapp),
        ..Filter::default()
    };
    let searching = Filter {
        q: "ORDER".into(),
        ..Filter::default()
    };
    // (name, actions, the list's ids after, the live region after)
    let cases: Vec<(&str, Vec<Action>, Vec<&str>, &str)> = vec![
        (
            "a fetched list is sorted latest first",
            vec![Action::Threads(vec![
                summary("a", 10),
                summary("b", 30),
                summary("c", 20),
            ])],
            vec!["b", "c", "a"],
            "",
        ),
        (
            "a changed thread moves to the top, once",
            vec![
                Action::Threads(vec![summary("a", 10), summary("b", 30)]),
                Action::ThreadChanged(summary("a", 40)),
            ],
            vec!["a", "b"],
            "",
        ),
        (
            "a new thread joins the open list",
            vec![
                Action::Threads(vec![summary("a", 10)]),
                Action::ThreadChanged(summary("z", 5)),
            ],
            vec!["a", "z"],
            "",
        ),
        (
            "a resolved thread leaves the open list",
            vec![
                Action::Threads(vec![summary("a", 10), summary("b", 30)]),
                Action::ThreadChanged(resolved.clone()),
            ],
            vec!["b"],
            "",
        ),
        (
            "a resolved thread joins the resolved list",
            vec![
                Action::Filter(Filter {
                    status: Status::Resolved,
                    ..Filter::default()
                }),
                Action::Threads(vec![]),
                Action::ThreadChanged(resolved),
            ],
            vec!["a"],
            "",
        ),
        (
            "the bot filter keeps out a thread without the bot",
            vec![
                Action::Filter(bot_only),
                Action::ThreadChanged(summary("a", 1)),
            ],
            vec![],
            "",
        ),
        (
            "the channel filter keeps out a web thread",
            vec![
                Action::Filter(whatsapp),
                Action::ThreadChanged(summary("a", 1)),
            ],
            vec![],
            "",
        ),
        (
            "a search admits a new thread whose last text matches",
            vec![
                Action::Filter(searching.clone()),
                Action::ThreadChanged(awaiting.clone()),
                Action::ThreadChanged(summary("x", 60)),
            ],
            vec!["c"],
            "New message: where is my order?",
        ),
        (
            "a search keeps a listed thread whatever its last text",
            vec![
                Action::Filter(searching),
                Action::Threads(vec![summary("x", 1)]),
                Action::ThreadChanged(summary("x", 60)),
            ],
            vec!["x"],
            "",
        ),
        (
            "a visitor's new message is announced",
            vec![
                Action::Threads(vec![summary("c", 10)]),
                Action::ThreadChanged(awaiting),
            ],
            vec!["c"],
            "New message: where is my order?",
        ),
    ];
    for (name, actions, expected, announced) in cases {
        let state = run(actions);
        assert_eq!(ids(&state), expected, "{name}");
        assert_eq!(state.announcement, announced, "{name}");
    }
}

#[test]
fn filters_make_the_list_query() {
    let cases = [
        (Filter::default(), "status=open"),
        (
            Filter {
                status: Status::All,
                unanswered: true,
                bot: true,
                channel: Some(Channel::Whatsapp),
                q: " où est ma commande? ".into(),
            },
            "status=all&unanswered=1&bot=1&channel=whatsapp&q=o%C3%B9%20est%20ma%20commande%3F",
        ),
        (
            Filter {
                status: Status::Resolved,
                q: "  ".into(),
                ..Filter::default()
            },
            "status=resolved",
        ),
    ];
    for (filter, query) in cases {
        assert_eq!(filter.query(), query);
    }
}

#[test]
fn a_thread_merges_by_seq_and_pending_replies_give_way_to_stored_ones() {
    let reply = |client: &str| Action::Queued {
        client_id: ClientMessageId::new(client),
        text: "On its way".into(),
        replies: vec![],
    };
    let stored_reply = message(3, Author::Agent, "console:1");
    // (name, actions, seqs held, pending client ids, unread seq)
    type Case = (
        &'static str,
        Vec<Action>,
        Vec<u64>,
        Vec<&'static str>,
        Option<u64>,
    );
    let cases: Vec<Case> = vec![
        (
            "pages merge in order, each message once",
            vec![
                open("t"),
                page(
                    "t",
                    vec![
                        message(1, Author::Visitor, "v1"),
                        message(2, Author::Visitor, "v2"),
                    ],
                    true,
                ),
                page(
                    "t",
                    vec![
                        message(2, Author::Visitor, "v2"),
                        message(3, Author::Bot, "b3"),
                    ],
                    false,
                ),
            ],
            vec![1, 2, 3],
            vec![],
            Some(3),
        ),
        (
            "another thread's page is ignored",
            vec![
                open("t"),
                page("u", vec![message(1, Author::Visitor, "v1")], false),
            ],
            vec![],
            vec![],
            None,
        ),
        (
            "a socket frame out of order is placed by seq",
            vec![
                open("t"),
                Action::Stored(message(5, Author::Visitor, "v5")),
                Action::Stored(message(4, Author::Visitor, "v4")),
            ],
            vec![4, 5],
            vec![],
            Some(5),
        ),
        (
            "a reply is pending until stored",
            vec![open("t"), reply("console:1")],
            vec![],
            vec!["console:1"],
            None,
        ),
        (
            "the stored reply replaces its pending copy",
            vec![
                open("t"),
                reply("console:1"),
                Action::Stored(stored_reply.clone()),
            ],
            vec![3],
            vec![],
            Some(3),
        ),
        (
            "the socket's copy and the answer's copy make one message",
            vec![
                open("t"),
                reply("console:1"),
                Action::Stored(stored_reply.clone()),
                Action::Stored(stored_reply),
            ],
            vec![3],
            vec![],
            Some(3),
        ),
        (
            "read up to the last seq leaves nothing unread",
            vec![
                open("t"),
                Action::Stored(message(2, Author::Visitor, "v2")),
                Action::Read(Seq(2)),
            ],
            vec![2],
            vec![],
            None,
        ),
        (
            "opening another thread starts it empty",
            vec![
                open("t"),
                Action::Stored(message(2, Author::Visitor, "v2")),
                open("u"),
            ],
            vec![],
            vec![],
            None,
        ),
    ];
    for (name, actions, seqs, pending, unread) in cases {
        let state = run(actions);
        let thread = state.thread.as_ref().expect(name);
        let held: Vec<u64> = thread
            .messages
            .iter()
            .map(|message| message.seq.0)
            .collect();
        assert_eq!(held, seqs, "{name}");
        let waiting: Vec<&str> = thread
            .pending
            .iter()
            .map(|pending| pending.client_id.as_str())
            .collect();
        assert_eq!(waiting, pending, "{name}");
        assert_eq!(thread.unread_seq().map(|seq| seq.0), unread, "{name}");
    }
}

#[test]
fn reply_client_ids_are_ones_the_relay_accepts() {
    for unique in [
        "6f1c2a9e-3b7d-4e21-9a0c-5d8e7f6a4b3c",
        "1764800000000-123456789",
    ] {
        let id = super::thread::reply_client_id(unique);
        assert_eq!(
            confab_protocol::validate_client_id(id.as_str()),
            Ok(()),
            "{id:?}"
        );
    }
}

#[test]
fn queueing_clears_the_composer_and_a_failure_stays_on_the_reply() {
    let state = run(vec![
        open("t"),
        Action::Draft("Hello".into()),
        Action::Replies(vec![
            "Yes".into(),
            "No".into(),
            "a".into(),
            "b".into(),
            "c".into(),
        ]),
        Action::Queued {
            client_id: ClientMessageId::new("console:1"),
            text: "Hello".into(),
            replies: vec!["Yes".into()],
        },
        Action::SendFailed(ClientMessageId::new("console:1"), "offline".into()),
    ]);
    let thread = state.thread.expect("open");
    assert_eq!(thread.draft, "");
    assert!(thread.replies.is_empty());
    assert_eq!(thread.pending[0].error.as_deref(), Some("offline"));
    let capped = run(vec![
        open("t"),
        Action::Replies(vec![
            "1".into(),
            "2".into(),
            "3".into(),
            "4".into(),
            "5".into(),
        ]),
    ]);
    assert_eq!(capped.thread.expect("open").replies.len(), 4);
}

#[test]
fn typing_history_windows_and_the_bot() {
    let ana = Typist {
        author: Author::Agent,
        name: Some("Ana".into()),
    };
    let visitor = Typist {
        author: Author::Visitor,
        name: None,
    };
    let state = run(vec![
        open("t"),
        Action::Typing(ana.clone(), true),
        Action::Typing(visitor.clone(), true),
        Action::Typing(ana.clone(), true),
    ]);
    assert_eq!(
        state.thread.as_ref().expect("open").typing,
        vec![visitor.clone(), ana.clone()]
    );
    // The visitor's message ends their typing; Ana stops by saying so.
    let state = run(vec![
        open("t"),
        Action::Typing(ana.clone(), true),
        Action::Typing(visitor, true),
        Action::Stored(message(1, Author::Visitor, "v1")),
        Action::Typing(ana, false),
    ]);
    assert!(state.thread.as_ref().expect("open").typing.is_empty());

    let window = WhatsappWindow {
        window_ends_at: Timestamp(99),
    };
    let state = run(vec![
        open("t"),
        Action::History(AgentThread {
            thread_id: ThreadId::new("t"),
            whatsapp: Some(window.clone()),
            wechat: None,
            messages: vec![
                message(1, Author::Visitor, "v1"),
                message(2, Author::Bot, "b2"),
            ],
            has_more: true,
            summary: Some(ThreadSummary {
                assistant: true,
                ..summary("t", 2)
            }),
        }),
        page("t", vec![], false),
    ]);
    let thread = state.thread.as_ref().expect("open");
    assert_eq!(
        thread.whatsapp,
        Some(window),
        "a later page keeps the window"
    );
    assert!(thread.loaded);
    assert!(thread.bot_answering());
    assert!(
        state
            .open_summary()
            .is_some_and(|summary| summary.assistant),
        "the page's summary is kept"
    );
    assert!(
        state
            .open_summary()
            .is_some_and(|summary| summary.assistant),
        "the page's summary is kept"
    );
    let handed_over = run(vec![
        open("t"),
        page(
            "t",
            vec![
                message(1, Author::Bot, "b1"),
                message(2, Author::Agent, "a2"),
            ],
            false,
        ),
    ]);
    assert!(!handed_over.thread.expect("open").bot_answering());
    let handoff = run(vec![
        open("t"),
        page("t", vec![message(1, Author::Bot, "bot:handoff:1")], false),
    ]);
    assert!(!handoff.thread.expect("open").bot_answering());
}

#[test]
fn sessions_roles_and_signing_out() {
    let owner = run(vec![Action::SignedIn(me(Role::Owner))]);
    assert!(owner.is_owner());
    let agent = run(vec![Action::SignedIn(me(Role::Agent))]);
    assert!(!agent.is_owner() && agent.me().is_some());
    let unknown = run(vec![Action::SignedIn(me(Role::Unknown))]);
    assert!(!unknown.is_owner(), "an unknown role is an agent's");
    // A 401 anywhere forgets everything but the page asked for.
    let out = run(vec![
        Action::SignedIn(me(Role::Owner)),
        Action::Route(Route::Settings),
        Action::Threads(vec![summary("a", 1)]),
        Action::Settings(json!({"name": "Acme"})),
        Action::KeyCreated("ck_1".into()),
        Action::SignedOut(SignInStage::Form),
    ]);
    assert_eq!(out.auth, Auth::SignedOut(SignInStage::Form));
    assert_eq!(out.route, Route::Settings);
    assert!(out.threads.is_empty() && out.settings.is_none() && out.new_key.is_none());
    // Another member's link, opened in the same tab, starts afresh; the same member's keeps
    // what is shown.
    let other = ConsoleMe {
        brand: BrandId::new("globex"),
        ..me(Role::Owner)
    };
    let switched = run(vec![
        Action::SignedIn(me(Role::Owner)),
        Action::Threads(vec![summary("a", 1)]),
        Action::SignedIn(other.clone()),
    ]);
    assert!(switched.threads.is_empty());
    assert_eq!(switched.me(), Some(&other));
    let again = run(vec![
        Action::SignedIn(me(Role::Owner)),
        Action::Threads(vec![summary("a", 1)]),
        Action::SignedIn(me(Role::Owner)),
    ]);
    assert_eq!(ids(&again), ["a"]);
}

#[test]
fn settings_edits_keep_unknown_fields_and_errors_find_their_field() {
    let loaded = json!({
        "name": "Acme",
        "futureField": {"kept": [1, 2]},
        "consent": {"text": "We keep chats", "privacyUrl": "https://acme.example/privacy"},
        "visitorRateLimit": {"burst": 30, "perMinute": 60}
    });
    // (name, edits, a path, its value after, dirty after)
    type Case = (
        &'static str,
        Vec<(&'static str, Value)>,
        &'static str,
        Option<Value>,
        bool,
    );
    let cases: Vec<Case> = vec![
        (
            "a top-level edit",
            vec![("name", json!("Acme Ltd"))],
            "name",
            Some(json!("Acme Ltd")),
            true,
        ),
        (
            "unknown fields stay",
            vec![("name", json!("Acme Ltd"))],
            "futureField.kept",
            Some(json!([1, 2])),
            true,
        ),
        (
            "a nested edit",
            vec![("visitorRateLimit.burst", json!(5))],
            "visitorRateLimit.perMinute",
            Some(json!(60)),
            true,
        ),
        (
            "a new nested field makes its object",
            vec![("businessHours.timeZone", json!("Asia/Shanghai"))],
            "businessHours.timeZone",
            Some(json!("Asia/Shanghai")),
            true,
        ),
        (
            "null removes a key",
            vec![("consent.text", Value::Null)],
            "consent.text",
            None,
            true,
        ),
        (
            "an object left empty goes",
            vec![
                ("consent.text", Value::Null),
                ("consent.privacyUrl", Value::Null),
            ],
            "consent",
            None,
            true,
        ),
        (
            "removing what is absent adds nothing",
            vec![("greeting.x", Value::Null)],
            "greeting",
            None,
            false,
        ),
        (
            "an edit undone is not dirty",
            vec![("name", json!("X")), ("name", json!("Acme"))],
            "name",
            Some(json!("Acme")),
            false,
        ),
    ];
    for (name, edits, path, expected, dirty) in cases {
        let mut actions = vec![Action::Settings(loaded.clone())];
        actions.extend(
            edits
                .into_iter()
                .map(|(path, value)| Action::EditSetting(path.into(), value)),
        );
        let state = run(actions);
        let form = state.settings.expect(name);
        assert_eq!(get(&form.value, path).cloned(), expected, "{name}");
        assert_eq!(form.dirty(), dirty, "{name}");
    }

    let refused = run(vec![
        Action::Settings(loaded.clone()),
        Action::SettingsRefused(Some("name".into()), "The name is empty.".into()),
    ]);
    let form = refused.settings.as_ref().expect("loaded");
    assert_eq!(form.error_at("name"), Some("The name is empty."));
    assert_eq!(form.error_at("greeting"), None);
    assert_eq!(form.error_on_top(&["name"]), None);
    assert_eq!(form.error_on_top(&["greeting"]), Some("The name is empty."));
    // Editing the field clears its error; saving marks the form saved and clean.
    let edited = run(vec![
        Action::Settings(loaded.clone()),
        Action::SettingsRefused(Some("name".into()), "The name is empty.".into()),
        Action::EditSetting("name".into(), json!("Acme")),
    ]);
    assert_eq!(edited.settings.expect("loaded").error, None);
    let saved = run(vec![
        Action::Settings(loaded.clone()),
        Action::EditSetting("name".into(), json!("New")),
        Action::SettingsSaved(json!({"name": "New"})),
    ]);
    let form = saved.settings.expect("saved");
    assert!(form.just_saved && !form.dirty());

    let mut value = json!("not an object");
    set(&mut value, "a.b", json!(1));
    assert_eq!(value, json!({"a": {"b": 1}}));
}

#[test]
fn members_owners_pages_and_notices() {
    let member = |email: &str| confab_protocol::console::Member {
        email: email.into(),
        name: None,
        role: Role::Agent,
        added_at: Timestamp(1),
    };
    let state = run(vec![
        Action::Members(vec![member("zoe@x"), member("ana@x")]),
        Action::MemberAdded(member("bo@x")),
        Action::MemberAdded(member("zoe@x")),
        Action::MemberRemoved("ana@x".into()),
    ]);
    let emails: Vec<String> = state
        .members
        .expect("loaded")
        .into_iter()
        .map(|member| member.email)
        .collect();
    assert_eq!(emails, ["bo@x", "zoe@x"]);

    let state = run(vec![
        Action::ConnectorTest("telegram".into(), ConnectorTest::Running),
        Action::ConnectorTest(
            "telegram".into(),
            ConnectorTest::Done {
                ok: false,
                status: Some(401),
                detail: "Unauthorized".into(),
            },
        ),
    ]);
    assert_eq!(state.connector_tests.len(), 1);
    // A notice lasts until the page changes.
    let state = run(vec![
        Action::Notice(Some("Copied.".into())),
        Action::Route(Route::Inbox),
    ]);
    assert_eq!(state.notice.as_deref(), Some("Copied."));
    let state = run(vec![
        Action::Notice(Some("Copied.".into())),
        Action::Route(Route::Members),
    ]);
    assert_eq!(state.notice, None);
    // Reading the open thread clears its unread badge in the list.
    let state = run(vec![
        Action::Threads(vec![ThreadSummary {
            unread: 3,
            ..summary("t", 1)
        }]),
        open("t"),
        Action::Read(Seq(4)),
    ]);
    assert_eq!(state.threads[0].unread, 0);
    // The open thread keeps its summary when the filter takes it out of the list.
    let state = run(vec![
        Action::Threads(vec![summary("t", 1)]),
        open("t"),
        Action::ThreadChanged(ThreadSummary {
            resolved: true,
            ..summary("t", 2)
        }),
    ]);
    assert!(state.threads.is_empty());
    assert!(state.open_summary().is_some_and(|summary| summary.resolved));
}

#[test]
fn a_visitor_message_in_the_open_thread_is_announced_once() {
    let awaiting = |at: u64| ThreadSummary {
        awaiting_reply: true,
        last_text: Some(format!("message {at}")),
        ..summary("t", at)
    };
    let visitor = |seq: u64| message(seq, Author::Visitor, &format!("v{seq}"));
    let open = Action::Route(Route::Thread(ThreadId::new("t")));
    // Both sockets bring the same message, in either order; a later one is said again.
    let cases = [
        (
            "list first",
            vec![
                Action::ThreadChanged(awaiting(5)),
                Action::Stored(visitor(5)),
            ],
        ),
        (
            "thread first",
            vec![
                Action::Stored(visitor(5)),
                Action::ThreadChanged(awaiting(5)),
            ],
        ),
    ];
    for (name, actions) in cases {
        let mut state = State::default();
        state.apply(open.clone());
        let mut said = Vec::new();
        for action in actions {
            let before = state.announcement.clone();
            state.apply(action);
            if state.announcement != before {
                said.push(state.announcement.clone());
            }
        }
        assert_eq!(said, ["New message: message 5"], "{name}");
        state.apply(Action::Stored(visitor(6)));
        assert_eq!(state.announcement, "New message: message 6", "{name}");
    }
}

#[test]
fn an_insights_answer_for_a_range_no_longer_chosen_is_dropped() {
    use confab_protocol::insights::Insights;
    let (week, month) = ((Timestamp(0), Timestamp(7)), (Timestamp(0), Timestamp(30)));
    let report = |started| {
        Box::new(Insights {
            current: confab_protocol::insights::Figures {
                started,
                ..Default::default()
            },
            ..Insights::default()
        })
    };
    let mut state = State::default();
    state.apply(Action::InsightsPeriod(insights::Period::Last7, Some(week)));
    state.apply(Action::InsightsPeriod(
        insights::Period::Last30,
        Some(month),
    ));
    state.apply(Action::Insights(week, report(1)));
    assert_eq!(state.insights.report, None);
    state.apply(Action::Insights(month, report(2)));
    assert_eq!(
        state.insights.report.as_ref().map(|r| r.current.started),
        Some(2)
    );
    // The same range chosen again keeps its report; another range clears it.
    state.apply(Action::InsightsPeriod(
        insights::Period::Last30,
        Some(month),
    ));
    assert!(state.insights.report.is_some());
    state.apply(Action::InsightsPeriod(insights::Period::Last7, Some(week)));
    assert_eq!(state.insights.report, None);
}
