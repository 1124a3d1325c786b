//! The assistant's rules, on data: which mode answers when, the words that hand a thread
//! over (English and Chinese, and the brand's own), what two unconfident answers in a row
//! come to, and answers from the outdoor shop's knowledge with their sources.

use super::*;
use crate::knowledge::{check_entry, Entry, EntryInput, Place};

fn plan(mode: Mode) -> Plan {
    Plan {
        settings: AssistantSettings {
            mode,
            after_seconds: 30,
            handoff_keywords: vec!["refund now".into(), "投诉".into()],
            ..AssistantSettings::default()
        },
        business_hours: None,
    }
}

#[test]
fn each_mode_answers_when_it_should() {
    let now = 1_000_000;
    let on = ThreadState::default();
    let silenced = |why| ThreadState {
        silence: Some(why),
        ..ThreadState::default()
    };
    let at = |due_at| Decision::Answer { due_at };
    let question = "How much is shipping?";
    let cases: Vec<(Option<Mode>, ThreadState, &str, Opening, Decision)> = vec![
        (
            None,
            on.clone(),
            question,
            Opening::Unknown,
            Decision::Quiet,
        ),
        (
            Some(Mode::Off),
            on.clone(),
            question,
            Opening::ClosedFor(5),
            Decision::Quiet,
        ),
        (
            Some(Mode::Always),
            on.clone(),
            question,
            Opening::Open,
            at(now),
        ),
        (
            Some(Mode::Always),
            on.clone(),
            question,
            Opening::ClosedFor(9),
            at(now),
        ),
        (
            Some(Mode::OutsideHours),
            on.clone(),
            question,
            Opening::Open,
            Decision::Quiet,
        ),
        (
            Some(Mode::OutsideHours),
            on.clone(),
            question,
            Opening::ClosedFor(60),
            at(now),
        ),
        (
            Some(Mode::OutsideHours),
            on.clone(),
            question,
            Opening::Unknown,
            at(now),
        ),
        (
            Some(Mode::AfterSeconds),
            on.clone(),
            question,
            Opening::Open,
            at(now + 30_000),
        ),
        // Silenced, for any reason: nothing, not even a handoff.
        (
            Some(Mode::Always),
            silenced(Silence::PersonAnswered),
            question,
            Opening::Unknown,
            Decision::Quiet,
        ),
        (
            Some(Mode::Always),
            silenced(Silence::TurnedOff),
            "talk to a person",
            Opening::Unknown,
            Decision::Quiet,
        ),
        (
            Some(Mode::AfterSeconds),
            silenced(Silence::HandedOff),
            question,
            Opening::Unknown,
            Decision::Quiet,
        ),
        // Asking for a person hands over in every mode that has the bot on, open or not.
        (
            Some(Mode::OutsideHours),
            on.clone(),
            "Can I talk to a person?",
            Opening::Open,
            Decision::Handoff(HandoffReason::Asked),
        ),
        (
            Some(Mode::AfterSeconds),
            on.clone(),
            "转人工",
            Opening::Unknown,
            Decision::Handoff(HandoffReason::Asked),
        ),
        (
            Some(Mode::Always),
            on.clone(),
            "I want a REFUND NOW!",
            Opening::Unknown,
            Decision::Handoff(HandoffReason::Keyword),
        ),
        (
            Some(Mode::Always),
            on.clone(),
            "我要投诉这个订单",
            Opening::Unknown,
            Decision::Handoff(HandoffReason::Keyword),
        ),
        (
            Some(Mode::Off),
            on.clone(),
            "talk to a person",
            Opening::Unknown,
            Decision::Quiet,
        ),
    ];
    let mut wrong = Vec::new();
    for (mode, state, text, opening, expected) in cases {
        let plan = mode.map(plan);
        let actual = on_visitor_message(plan.as_ref(), &state, text, now, opening);
        if actual != expected {
            wrong.push(format!(
                "{mode:?} {state:?} {text:?} {opening:?}: {actual:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong decisions:\n{}", wrong.join("\n"));
}

#[test]
fn visitors_asking_for_a_person_are_heard_in_english_and_chinese() {
    let cases = [
        ("Can I talk to a person?", true),
        ("i want to TALK TO A HUMAN", true),
        ("Is there a real person there?", true),
        ("Please let me speak with someone", true),
        ("customer service please", true),
        ("Can I get a human, please", true),
        ("live agent", true),
        ("I'd like to speak to an agent.", true),
        ("转人工", true),
        ("我要人工服务", true),
        ("有真人吗？", true),
        ("请帮我联系客服", true),
        ("我想找工作人员", true),
        ("ＴＡＬＫ ＴＯ Ａ ＰＥＲＳＯＮ", true),
        // Near misses.
        ("How much is shipping?", false),
        ("Is my personal data safe?", false),
        ("Do you sell human-powered stoves?", false),
        ("Where is my order 42?", false),
        ("运费多少钱？", false),
        ("帐篷可以退货吗", false),
        ("", false),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(text, expected)| words::asks_for_person(text) != *expected)
        .map(|(text, expected)| format!("{text:?} should be {expected}"))
        .collect();
    assert!(wrong.is_empty(), "wrong:\n{}", wrong.join("\n"));
}

#[test]
fn a_brands_keywords_match_whole_words_or_chinese_anywhere() {
    let keywords = vec!["lawyer".to_string(), "chargeback".into(), "退款".into()];
    for (text, expected) in [
        ("I'll call my lawyer", true),
        ("CHARGEBACK!", true),
        ("我要退款", true),
        ("lawyers", false),
        ("退货", false),
        ("hello", false),
    ] {
        assert_eq!(
            words::matches_keyword(text, &keywords),
            expected,
            "{text:?}"
        );
    }
    assert!(!words::matches_keyword("anything", &[" ".into()]));
}

#[test]
fn unconfident_twice_in_a_row_hands_over() {
    let zh = Some("zh-CN");
    let start = ThreadState::default();
    let (first, state) = after_reply(&start, 3, Reply::Unsure, zh);
    assert_eq!(
        first,
        Outcome::Say {
            text: texts::unsure(zh).into(),
            sources: vec![],
            replies: vec![],
        }
    );
    assert!(texts::unsure(zh).contains("转人工"));
    assert_eq!(state.unsure_in_row, 1);
    // The same message again (a redelivered job) adds nothing and counts nothing.
    let (again, same) = after_reply(&state, 3, Reply::Unsure, zh);
    assert_eq!((again, &same), (Outcome::Nothing, &state));
    let (second, state) = after_reply(&state, 5, Reply::Unsure, zh);
    assert_eq!(second, Outcome::Handoff(HandoffReason::Unsure));
    assert_eq!(handed_off(&state).silence, Some(Silence::HandedOff));

    // A confident answer in between starts the count again.
    let answer = || Reply::Answer {
        text: "Free over €50.".into(),
        sources: vec!["shipping-cost".into()],
        replies: vec!["Track my order".into()],
    };
    let (_, state) = after_reply(&start, 1, Reply::Unsure, None);
    let (said, state) = after_reply(&state, 2, answer(), None);
    assert!(matches!(said, Outcome::Say { ref sources, .. } if sources == &["shipping-cost"]));
    // The answer's quick replies are said with it; the "not sure" line offers none.
    assert!(matches!(said, Outcome::Say { ref replies, .. } if replies == &["Track my order"]));
    let (third, state) = after_reply(&state, 3, Reply::Unsure, None);
    assert!(matches!(third, Outcome::Say { ref text, .. } if text.starts_with("Sorry")));
    assert!(matches!(third, Outcome::Say { ref replies, .. } if replies.is_empty()));
    assert_eq!(state.unsure_in_row, 1);

    // A person answered meanwhile: the bot's reply is dropped.
    let (late, _) = after_reply(&person_answered(&state), 9, answer(), None);
    assert_eq!(late, Outcome::Nothing);
}

#[test]
fn the_team_turns_the_bot_back_on_and_a_person_silences_it() {
    let state = person_answered(&ThreadState::default());
    assert_eq!(state.silence, Some(Silence::PersonAnswered));
    let on = switched(&state, true);
    assert_eq!(on.silence, None);
    let decision = on_visitor_message(Some(&plan(Mode::Always)), &on, "hi", 7, Opening::Unknown);
    assert_eq!(decision, Decision::Answer { due_at: 7 });
    assert_eq!(switched(&on, false).silence, Some(Silence::TurnedOff));
    // A handoff stays a handoff when a person then answers.
    let handed = handed_off(&on);
    assert_eq!(person_answered(&handed).silence, Some(Silence::HandedOff));
}

#[test]
fn handoff_lines_say_what_happens_next() {
    for (language, opening, expected) in [
        (None, Opening::Open, "A person will answer here."),
        (
            Some("en-GB"),
            Opening::Unknown,
            "A person will answer here.",
        ),
        (Some("en"), Opening::ClosedFor(150), "back in about 3 hours"),
        (Some("en"), Opening::ClosedFor(1), "back in about 1 minute;"),
        (
            Some("en"),
            Opening::ClosedFor(3 * 24 * 60),
            "back in about 3 days",
        ),
        (Some("zh-CN"), Opening::ClosedFor(45), "约 45 分钟后回来"),
        (Some("zh-TW"), Opening::Open, "工作人员会在这里回复您"),
    ] {
        let line = texts::handoff(language, opening);
        assert!(line.contains(expected), "{language:?} {opening:?}: {line}");
    }
    assert_eq!(
        texts::for_team("Free.", &["shipping-cost".into()]),
        "🤖 Bot: Free.\n(from: shipping-cost)"
    );
    assert!(texts::team_handoff(HandoffReason::Asked).contains("asked for a person"));
}

#[test]
fn validates_settings() {
    let check = |json: &str, has_hours: bool, valid: bool| {
        let settings: AssistantSettings = serde_json::from_str(json).expect(json);
        assert_eq!(
            settings.validate(has_hours, false).is_ok(),
            valid,
            "{json}: {:?}",
            settings.validate(has_hours, false)
        );
    };
    check(r#"{"mode": "always"}"#, false, true);
    check(r#"{"mode": "outsideHours"}"#, false, false);
    check(r#"{"mode": "outsideHours"}"#, true, true);
    check(
        r#"{"mode": "afterSeconds", "afterSeconds": 0}"#,
        false,
        false,
    );
    check(
        r#"{"mode": "afterSeconds", "afterSeconds": 86400}"#,
        false,
        true,
    );
    check(r#"{"mode": "always", "minConfidence": 1.5}"#, false, false);
    check(r#"{"mode": "always", "minConfidence": 0}"#, false, true);
    check(r#"{"handoffKeywords": ["two\nlines"]}"#, false, false);
    check(r#"{"handoffKeywords": [" "]}"#, false, false);
    check(
        r#"{"handoffKeywords": ["人工客服", "refund"]}"#,
        false,
        true,
    );
    let many = format!(
        r#"{{"handoffKeywords": {:?}}}"#,
        vec!["k"; MAX_KEYWORDS + 1]
    );
    check(&many, false, false);
    assert!(serde_json::from_str::<AssistantSettings>(r#"{"mode": "sometimes"}"#).is_err());
    let defaults: AssistantSettings = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, AssistantSettings::default());
}

fn shop() -> Vec<Entry> {
    let inputs: Vec<EntryInput> =
        serde_json::from_str(include_str!("../knowledge/testdata/outdoor-shop.json"))
            .expect("fixture");
    inputs
        .into_iter()
        .enumerate()
        .map(|(at, input)| check_entry(input, Place::Item(at + 1)).expect("a valid entry"))
        .collect()
}

#[test]
fn answers_from_knowledge_name_their_entry_or_say_unsure() {
    let entries = shop();
    let index = Index::new(&entries);
    let Reply::Answer {
        text,
        sources,
        replies,
    } = reply_from(&index, "How much does shipping cost?", Some("en"), 0.7)
    else {
        panic!("a confident answer");
    };
    assert_eq!(sources, ["shipping-cost"]);
    assert!(replies.is_empty(), "the entry offers no quick replies");
    let entry = entries.iter().find(|e| e.id == "shipping-cost").unwrap();
    assert!(text.starts_with(&entry.answer), "{text}");
    assert!(
        text.ends_with("More: https://acme-outdoor.example/help/shipping"),
        "{text}"
    );
    assert_eq!(
        reply_from(
            &index,
            "Can you repair my bicycle's gearbox?",
            Some("en"),
            0.7
        ),
        Reply::Unsure
    );
    // A brand that asks for more than full coverage is never answered.
    assert_eq!(
        reply_from(&index, "How much does shipping cost?", Some("en"), 1.01),
        Reply::Unsure
    );
}

#[test]
fn answers_offer_the_quick_replies_of_their_entry() {
    let mut entries = shop();
    let offered = vec!["Track my order".to_string(), "Talk to a person".to_string()];
    for entry in &mut entries {
        if entry.id == "shipping-cost" {
            entry.replies = offered.clone();
        }
    }
    let index = Index::new(&entries);
    let replies_for = |question: &str| match reply_from(&index, question, Some("en"), 0.7) {
        Reply::Answer {
            sources, replies, ..
        } => Some((sources, replies)),
        Reply::Unsure => None,
    };
    assert_eq!(
        replies_for("How much does shipping cost?"),
        Some((vec!["shipping-cost".to_string()], offered.clone()))
    );
    // Another entry's answer offers that entry's (none), not the last ones given.
    let (sources, replies) = replies_for("Do you ship internationally?").expect("an answer");
    assert_eq!(
        (sources, replies),
        (vec!["international".to_string()], vec![])
    );
    // The reply travels to the thread's object as JSON, replies and all; one without any
    // has no `replies` key, as the object took before entries had them.
    let reply = reply_from(&index, "How much does shipping cost?", Some("en"), 0.7);
    let json = serde_json::to_value(&reply).expect("JSON");
    assert_eq!(json["replies"], serde_json::json!(offered));
    assert_eq!(serde_json::from_value::<Reply>(json).ok(), Some(reply));
    let plain = serde_json::json!({"kind": "answer", "text": "Hi", "sources": []});
    assert!(matches!(
        serde_json::from_value::<Reply>(plain),
        Ok(Reply::Answer { replies, .. }) if replies.is_empty()
    ));
}

#[test]
fn the_end_to_end_questions_are_answered_from_their_entries() {
    let entries = shop();
    let index = Index::new(&entries);
    for (question, language, expected) in [
        ("How much does shipping cost?", "en", "shipping-cost"),
        ("How much is shipping?", "en", "shipping-cost"),
        ("Do you ship internationally?", "en", "international"),
        ("运费是多少？", "zh-CN", "zh-shipping-cost"),
        ("支持哪些付款方式？", "zh-CN", "zh-payment"),
        ("保修多久？", "zh-CN", "zh-warranty"),
    ] {
        let reply = reply_from(&index, question, Some(language), ANSWER_MIN_COVERAGE);
        let Reply::Answer { sources, .. } = &reply else {
            panic!("{question:?}: {reply:?}");
        };
        assert_eq!(sources, &[expected], "{question:?}");
    }
}

#[test]
fn entries_imported_with_quick_replies_offer_them_in_answers() {
    // The shop's knowledge and, merged in, the entries of a CSV import with quick replies
    // (also what the end-to-end test imports).
    let imported = crate::knowledge::import::parse(
        crate::knowledge::import::Format::Csv,
        include_bytes!("../knowledge/testdata/gift-cards.csv"),
    )
    .expect("a valid import");
    let entries = [shop(), imported].concat();
    let index = Index::new(&entries);
    for (question, language, expected, replies) in [
        (
            "Can I buy a gift card?",
            "en",
            "gift-cards",
            &["Buy a gift card", "Check my balance", "Talk to a person"][..],
        ),
        (
            "能买礼品卡吗？",
            "zh-CN",
            "zh-gift-cards",
            &["购买礼品卡", "查询余额"][..],
        ),
        // The shop's own entries still offer none.
        ("How much is shipping?", "en", "shipping-cost", &[][..]),
    ] {
        let reply = reply_from(&index, question, Some(language), ANSWER_MIN_COVERAGE);
        let Reply::Answer {
            sources,
            replies: offered,
            ..
        } = &reply
        else {
            panic!("{question:?}: {reply:?}");
        };
        assert_eq!(sources, &[expected], "{question:?}");
        assert_eq!(offered, replies, "{question:?}");
    }
}
