//! The thread list's query and statement, case by case.

use super::*;

fn parsed(query: &str) -> Result<ListQuery, String> {
    parse_list_query(query).map_err(|error| error.code().to_string())
}

#[test]
fn parses_every_filter_and_refuses_values_it_does_not_know() {
    let bad = || Err("invalid_parameter".to_string());
    let with = |change: fn(&mut ListQuery)| {
        let mut query = ListQuery::default();
        change(&mut query);
        Ok(query)
    };
    let cases: Vec<(&str, Result<ListQuery, String>)> = vec![
        ("", Ok(ListQuery::default())),
        ("utm=x", Ok(ListQuery::default())),
        (
            "before=10&limit=2",
            with(|q| (q.before, q.limit) = (Some(10), 2)),
        ),
        ("limit=0", bad()),
        ("limit=201", bad()),
        ("before=-1", bad()),
        ("status=open", with(|q| q.status = Status::Open)),
        ("status=resolved", with(|q| q.status = Status::Resolved)),
        ("status=all", with(|q| q.status = Status::All)),
        ("status=closed", bad()),
        ("status=", bad()),
        ("unanswered=1", with(|q| q.unanswered = true)),
        ("unanswered=0", Ok(ListQuery::default())),
        ("unanswered=yes", bad()),
        ("bot=1", with(|q| q.bot = true)),
        ("bot=2", bad()),
        ("channel=web", with(|q| q.channel = Some(Channel::Web))),
        (
            "channel=whatsapp",
            with(|q| q.channel = Some(Channel::Whatsapp)),
        ),
        ("channel=fax", bad()),
        ("channel=unknown", bad()),
        ("q=refund", with(|q| q.q = Some("refund".into()))),
        (
            "q=%20%E9%80%80%E6%AC%BE%E5%8D%95%20",
            with(|q| q.q = Some("退款单".into())),
        ),
        ("q=ab", bad()),
        ("q=", bad()),
        (
            "status=open&unanswered=1&bot=1&channel=web&q=where+is",
            with(|q| {
                q.status = Status::Open;
                q.unanswered = true;
                q.bot = true;
                q.channel = Some(Channel::Web);
                q.q = Some("where is".into());
            }),
        ),
    ];
    let mut wrong = Vec::new();
    for (query, expected) in cases {
        let actual = parsed(query);
        if actual != expected {
            wrong.push(format!("{query:?}: {actual:?}, not {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    assert!(parsed(&format!("q={}", "a".repeat(201))).is_err());
}

#[test]
fn the_statement_has_a_condition_and_a_parameter_per_filter() {
    let brand = BrandId::new("acme");
    let plain = ListQuery::default().statement(&brand);
    assert_eq!(
        plain.sql,
        format!(
            "SELECT {COLUMNS} FROM threads WHERE brand_id = ?1 AND last_message_at < ?2 \
             ORDER BY last_message_at DESC LIMIT ?3"
        )
    );
    assert_eq!(
        plain.params,
        [
            Param::Text("acme".into()),
            Param::Number(1 << 53),
            Param::Number(u64::from(DEFAULT_LIMIT)),
        ]
    );
    let every = ListQuery {
        before: Some(99),
        limit: 7,
        status: Status::Resolved,
        unanswered: true,
        bot: true,
        channel: Some(Channel::Whatsapp),
        q: Some("say \"hi\" OR x".into()),
    }
    .statement(&brand);
    for condition in [
        "resolved = 1",
        "awaiting_reply = 1",
        "assistant = 1",
        "WHERE value = ?3",
        "WHERE thread_text MATCH ?4",
        "LIMIT ?5",
    ] {
        assert!(
            every.sql.contains(condition),
            "{condition} in {}",
            every.sql
        );
    }
    assert_eq!(
        every.params[1..],
        [
            Param::Number(99),
            Param::Text("whatsapp".into()),
            // One phrase: the text's quotes and words are not query syntax.
            Param::Text("\"say \"\"hi\"\" OR x\"".into()),
            Param::Number(7),
        ]
    );
    let open = ListQuery {
        status: Status::Open,
        ..ListQuery::default()
    };
    assert!(open.statement(&brand).sql.contains("resolved = 0"));
    // Nothing the client sent is part of the SQL's text.
    assert!(!every.sql.contains("hi") && !every.sql.contains("whatsapp"));
}

#[test]
fn a_sockets_tags_say_whether_it_is_the_teams_and_whose() {
    let tags = |list: &[&str]| list.iter().map(|tag| tag.to_string()).collect::<Vec<_>>();
    assert_eq!(team_name(&tags(&[])), None);
    assert_eq!(team_name(&tags(&["name:Ann"])), None);
    assert_eq!(
        team_name(&tags(&[TEAM_TAG, "name:Ann"])),
        Some("Ann".into())
    );
    assert_eq!(team_name(&tags(&[TEAM_TAG])), Some(String::new()));
    // A long name is cut on a character boundary, within the runtime's tag size.
    let long = "é".repeat(150);
    let tag = name_tag(&long);
    assert!(tag.len() <= 256);
    let kept = tag.strip_prefix("name:").unwrap();
    assert!(!kept.is_empty() && long.starts_with(kept));
    assert_eq!(
        team_name(&[TEAM_TAG.to_string(), tag.clone()]),
        Some(kept.to_string())
    );
}
