//! The brand console's members, sign-in and sessions, over HTTP against the real relay:
//! single-use links, the session cookie and its revocation, the `Origin` rule, owners'
//! routes, brand isolation through the agent API, the sign-in limit, and the emailed links.

use confab_e2e::api::Api;
use confab_e2e::console::{link_token, Origin, SessionCookie};
use confab_e2e::mailbox::{unique_address, wait_for};
use confab_e2e::{eventually, Relay};
use confab_protocol::console::{ConsoleMe, MemberAdded, MemberList, Role};
use confab_protocol::{Channel, Message, ThreadList};
use cookie::SameSite;
use serde_json::json;

/// The console's emails come from the operator's address in these tests.
const CONSOLE_FROM: &str = "console@confab.example";

async fn console_relay() -> (Relay, Api) {
    let relay = Relay::start_with(&[("CONSOLE_EMAIL_FROM", CONSOLE_FROM)]).await;
    let api = Api::new(relay.origin());
    (relay, api)
}

/// Every status of `(method, path)` called with `cookie`, with what was expected.
async fn statuses(api: &Api, cookie: &SessionCookie, calls: &[(&str, &str, u16)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for &(method, path, expected) in calls {
        let body = (method != "GET").then(|| json!({ "name": "Acme Outdoor" }));
        let (status, answer) = api.console(method, path, cookie, body).await;
        if status != expected {
            wrong.push(format!(
                "{method} {path}: {status} {answer}, not {expected}"
            ));
        }
    }
    wrong
}

#[tokio::test]
async fn an_owner_signs_in_once_and_manages_the_brand_agents_do_not() {
    let (_relay, api) = console_relay().await;
    let owner_email = unique_address("owner");

    // The operator's link signs the owner in once, and never again.
    let (status, added) = api
        .admin_add_member("demo", &owner_email.to_uppercase(), Some("Olga"), "owner")
        .await;
    assert_eq!(status, 201, "{added}");
    let added: MemberAdded = serde_json::from_value(added).unwrap();
    assert_eq!(
        added.member.email, owner_email,
        "addresses are kept in lower case"
    );
    let url = added.sign_in_url.expect("the operator gets the link");
    assert!(
        url.starts_with(&format!("{}/console/#token=", api.origin)),
        "{url}"
    );
    let token = link_token(&url);
    let (status, me, cookie) = api.console_sign_in(&token, "192.0.2.10").await;
    assert_eq!(status, 200, "{me}");
    let owner = cookie.expect("a session cookie");
    let (status, again, second) = api.console_sign_in(&token, "192.0.2.10").await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (401, Some("sign_in_link_invalid"))
    );
    assert!(second.is_none(), "no cookie for a spent link");

    // The cookie: HttpOnly, Secure, SameSite=Strict, the whole origin, the session's age.
    let parsed = owner.parsed();
    assert_eq!(parsed.name(), "confab_console");
    assert!(parsed.value().len() >= 40, "a long random id");
    assert_eq!(parsed.http_only(), Some(true));
    assert_eq!(parsed.secure(), Some(true));
    assert_eq!(parsed.same_site(), Some(SameSite::Strict));
    assert_eq!(parsed.path(), Some("/"));
    assert_eq!(
        parsed.max_age(),
        Some(cookie::time::Duration::seconds(604_800))
    );

    // `me`.
    let (status, me) = api.console("GET", "/v1/console/me", &owner, None).await;
    assert_eq!(status, 200, "{me}");
    let me: ConsoleMe = serde_json::from_value(me).unwrap();
    assert_eq!(
        (me.member.email.as_str(), me.member.role, me.brand.as_str()),
        (owner_email.as_str(), Role::Owner, "demo")
    );
    assert_eq!(me.brand_name, "Acme Outdoor");
    let (status, _, body) = api
        .console_call("GET", "/v1/console/me", None, Origin::Own, None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("not_signed_in"))
    );

    // Settings: read, and a bad field named.
    let (status, settings) = api
        .console("GET", "/v1/console/settings", &owner, None)
        .await;
    assert_eq!(
        (status, settings["name"].as_str()),
        (200, Some("Acme Outdoor"))
    );
    for (patch, field) in [
        (json!({ "themeColor": "green" }), "themeColor"),
        (
            json!({ "allowedOrigins": ["ftp://shop.example"] }),
            "allowedOrigins",
        ),
        (json!({ "name": "" }), "name"),
    ] {
        let mut candidate = settings.clone();
        for (key, value) in patch.as_object().unwrap() {
            candidate[key] = value.clone();
        }
        let (status, error) = api
            .console("PUT", "/v1/console/settings", &owner, Some(candidate))
            .await;
        assert_eq!(status, 422, "{patch}: {error}");
        assert_eq!(error["error"]["code"], "invalid_brand", "{error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    let mut greeting = settings.clone();
    greeting["greeting"] = json!("Hello from the console");
    let (status, preview) = api
        .console("POST", "/v1/console/preview", &owner, Some(greeting))
        .await;
    assert_eq!(
        (status, preview["greeting"].as_str()),
        (200, Some("Hello from the console"))
    );
    let (_, unchanged) = api
        .console("GET", "/v1/console/settings", &owner, None)
        .await;
    assert_eq!(unchanged, settings, "a preview stores nothing");

    // A key, shown once.
    let (status, key) = api.console("POST", "/v1/console/keys", &owner, None).await;
    assert_eq!(status, 201, "{key}");
    assert!(key["key"].as_str().unwrap().starts_with("ck_"));

    // An agent: the inbox, not the owner's routes.
    let agent_email = unique_address("agent");
    let agent = api
        .console_member("demo", &agent_email, "Ann Agent", "agent")
        .await;
    let wrong = statuses(
        &api,
        &agent,
        &[
            ("GET", "/v1/console/settings", 403),
            ("PUT", "/v1/console/settings", 403),
            ("POST", "/v1/console/preview", 403),
            ("GET", "/v1/console/members", 403),
            ("POST", "/v1/console/members", 403),
            ("POST", "/v1/console/keys", 403),
            ("POST", "/v1/console/connectors/telegram/test", 403),
            ("GET", "/v1/console/me", 200),
            ("GET", "/v1/agent/threads", 200),
        ],
    )
    .await;
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let (_, error) = api
        .console("GET", "/v1/console/members", &agent, None)
        .await;
    assert_eq!(error["error"]["code"], "owner_only");

    // Members: the owner sees both; the last owner cannot go.
    let (status, list) = api
        .console("GET", "/v1/console/members", &owner, None)
        .await;
    assert_eq!(status, 200, "{list}");
    let list: MemberList = serde_json::from_value(list).unwrap();
    let mut emails: Vec<_> = list.members.iter().map(|m| m.email.clone()).collect();
    emails.sort();
    let mut expected = vec![owner_email.clone(), agent_email.clone()];
    expected.sort();
    assert_eq!(emails, expected);
    let (status, error) = api
        .console(
            "DELETE",
            &format!("/v1/console/members/{owner_email}"),
            &owner,
            None,
        )
        .await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (409, Some("last_owner"))
    );
    let (status, error) = api
        .admin_add_member("demo", &owner_email, Some("Olga"), "agent")
        .await;
    assert_eq!(status, 409, "demoting the last owner: {error}");
}

#[tokio::test]
async fn console_replies_brand_isolation_origins_and_revocation() {
    let (_relay, api) = console_relay().await;
    let owner_email = unique_address("owner");
    let owner = api
        .console_member("demo", &owner_email, "Olga Owner", "owner")
        .await;
    let visitor = api.session_of("demo").await;
    api.send(&visitor, "v1", "Is the tent waterproof?").await;
    let foreign = api.session_of("consent").await;
    api.send(&foreign, "f1", "another brand's question").await;

    // The console answers in the console channel, under the member's name.
    let path = format!("/v1/agent/threads/{}/messages", visitor.thread_id);
    let (status, stored) = api
        .console(
            "POST",
            &path,
            &owner,
            Some(json!({ "clientId": "c1", "text": "Yes, 3000 mm." })),
        )
        .await;
    assert_eq!(status, 201, "{stored}");
    let stored: Message = serde_json::from_value(stored).unwrap();
    assert_eq!(stored.channel, Channel::Console);
    assert_eq!(
        stored.sender.as_ref().map(|s| s.name.as_str()),
        Some("Olga Owner")
    );
    let history = api.history(&visitor).await;
    let reply = history
        .iter()
        .find(|m| m.text == "Yes, 3000 mm.")
        .expect("stored");
    assert_eq!(reply.channel, Channel::Console);

    // Another brand's thread, by id: 404; and never in the list.
    let (status, _) = api
        .console(
            "GET",
            &format!("/v1/agent/threads/{}", foreign.thread_id),
            &owner,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = api
        .console(
            "POST",
            &format!("/v1/agent/threads/{}/messages", foreign.thread_id),
            &owner,
            Some(json!({ "clientId": "x1", "text": "not mine" })),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let list: ThreadList = eventually(30, || async {
        let (status, body) = api.console("GET", "/v1/agent/threads", &owner, None).await;
        let list: ThreadList =
            serde_json::from_value(body.clone()).map_err(|e| format!("{status} {e}"))?;
        match list
            .threads
            .iter()
            .any(|t| t.thread_id == visitor.thread_id)
        {
            true => Ok(list),
            false => Err(format!("{status}: {body}")),
        }
    })
    .await;
    assert!(
        list.threads
            .iter()
            .all(|t| t.thread_id != foreign.thread_id),
        "another brand's thread is listed"
    );

    // A state change by cookie needs the relay's own Origin.
    let send = |id: &str| Some(json!({ "clientId": id, "text": "from elsewhere" }));
    for (origin, client_id) in [
        (Origin::Absent, "o1"),
        (Origin::Other("https://evil.example"), "o2"),
        (Origin::Other("http://localhost:1"), "o3"),
    ] {
        let (status, _, body) = api
            .console_call("POST", &path, Some(&owner), origin, send(client_id))
            .await;
        assert_eq!(status, 403, "{origin:?}: {body}");
        assert_eq!(body["error"]["code"], "origin_not_allowed", "{origin:?}");
        let (status, _, _) = api
            .console_call("DELETE", "/v1/console/session", Some(&owner), origin, None)
            .await;
        assert_eq!(status, 403, "sign out from {origin:?}");
    }
    assert!(
        api.history(&visitor)
            .await
            .iter()
            .all(|m| m.text != "from elsewhere"),
        "nothing was stored"
    );

    // Sign out: this session only.
    let second = api
        .console_member("demo", &owner_email, "Olga Owner", "owner")
        .await;
    let (status, cleared, _) = api
        .console_call(
            "DELETE",
            "/v1/console/session",
            Some(&owner),
            Origin::Own,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let cleared = cookie::Cookie::parse(cleared.expect("the cookie is cleared")).unwrap();
    assert_eq!(
        (cleared.value(), cleared.max_age()),
        ("", Some(cookie::time::Duration::ZERO))
    );
    let me = |cookie: SessionCookie| {
        let api = &api;
        async move { api.console("GET", "/v1/console/me", &cookie, None).await.0 }
    };
    assert_eq!(me(owner.clone()).await, 401, "signed out");
    assert_eq!(me(second.clone()).await, 200, "the other session lives");

    // Sign out everywhere: every session of the member.
    let third = api
        .console_member("demo", &owner_email, "Olga Owner", "owner")
        .await;
    let (status, _) = api
        .console("DELETE", "/v1/console/sessions", &second, None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(me(second).await, 401);
    assert_eq!(me(third).await, 401);

    // Removing a member ends their sessions.
    let fourth = api
        .console_member("demo", &owner_email, "Olga Owner", "owner")
        .await;
    let agent_email = unique_address("agent");
    let agent = api
        .console_member("demo", &agent_email, "Ann", "agent")
        .await;
    assert_eq!(me(agent.clone()).await, 200);
    let (status, body) = api
        .console(
            "DELETE",
            &format!("/v1/console/members/{}", agent_email.to_uppercase()),
            &fourth,
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(me(agent).await, 401);
}

#[tokio::test]
async fn links_are_emailed_and_sign_ins_are_limited() {
    let (_relay, api) = console_relay().await;
    let owner_email = unique_address("owner");
    let owner = api
        .console_member("demo", &owner_email, "Olga", "owner")
        .await;

    // "Email me a link": 202 for a member and for an unknown address alike.
    let stranger = unique_address("stranger");
    for (email, address) in [(&owner_email, "192.0.2.20"), (&stranger, "192.0.2.21")] {
        let response = api
            .http
            .post(api.url("/v1/console/links"))
            .header("CF-Connecting-IP", address)
            .json(&json!({ "email": email.to_uppercase() }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202, "{email}");
    }
    let sent = wait_for(&owner_email, 1).await;
    let email = &sent[0];
    assert_eq!(email.from, CONSOLE_FROM);
    let prefix = format!("{}/console/#token=", api.origin);
    let link = email.link(&prefix).expect("the link in the text part");
    assert!(
        email
            .html
            .as_deref()
            .is_some_and(|html| html.contains(&link)),
        "the link in the HTML part"
    );
    let (status, me, _) = api.console_sign_in(&link_token(&link), "192.0.2.20").await;
    assert_eq!(status, 200, "{me}");
    assert!(
        confab_e2e::mailbox::sent_to(&stranger).is_empty(),
        "nothing goes to a stranger"
    );

    // An owner's invitation is emailed.
    let invited = unique_address("invited");
    let (status, added) = api
        .console(
            "POST",
            "/v1/console/members",
            &owner,
            Some(json!({ "email": invited, "name": "Ivan", "role": "agent" })),
        )
        .await;
    assert_eq!(status, 201, "{added}");
    let added: MemberAdded = serde_json::from_value(added).unwrap();
    assert!(added.emailed && added.sign_in_url.is_none(), "{added:?}");
    let invitation = &wait_for(&invited, 1).await[0];
    let link = invitation.link(&prefix).expect("the invitation's link");
    let (status, me, _) = api.console_sign_in(&link_token(&link), "192.0.2.22").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["member"]["role"], "agent");

    // Failed sign-ins from one address: 401 until the limit, then 429.
    let mut seen = Vec::new();
    for attempt in 0..15 {
        let (status, _, _) = api
            .console_sign_in(&format!("guess-{attempt}"), "198.51.100.7")
            .await;
        seen.push(status);
        if status == 429 {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&429), "{seen:?}");
    assert!(seen[..seen.len() - 1].iter().all(|s| *s == 401), "{seen:?}");
    assert!(seen.len() > 5, "the limit is not hit at once: {seen:?}");
}

#[tokio::test]
async fn an_expired_link_signs_nobody_in() {
    // Links born expired: CONSOLE_LINK_SECONDS is 0.
    let relay = Relay::start_with(&[("CONSOLE_LINK_SECONDS", "0")]).await;
    let api = Api::new(relay.origin());
    let url = api
        .member_link("demo", &unique_address("late"), "Lee", "owner")
        .await;
    let (status, body, cookie) = api.console_sign_in(&link_token(&url), "192.0.2.30").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("sign_in_link_invalid"))
    );
    assert!(cookie.is_none());
}

/// The console page calls the API from the relay's own origin, which `wrangler dev` serves
/// over plain http on 127.0.0.1: Chromium must keep the `Secure` cookie there (a loopback
/// origin is a secure context) and send it back with the page's own requests.
#[tokio::test]
async fn chromium_keeps_the_secure_cookie_on_the_loopback_origin() {
    let (relay, api) = console_relay().await;
    let url = api
        .member_link("demo", &unique_address("browser"), "Bea", "agent")
        .await;
    let browser = confab_e2e::Browser::start().await;
    browser
        .client
        .goto(&relay.url("/index.html"))
        .await
        .unwrap();
    let script = r#"
        const [token, done] = arguments;
        (async () => {
            const signIn = await fetch('/v1/console/sign-in', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ token }),
            });
            const me = await fetch('/v1/console/me');
            const body = await me.json();
            done([signIn.status, me.status, body.member && body.member.email, document.cookie]);
        })().catch((error) => done(String(error)));
    "#;
    let answer = browser
        .client
        .execute_async(script, vec![json!(link_token(&url))])
        .await
        .unwrap();
    assert_eq!(answer[0], 200, "{answer}");
    assert_eq!(answer[1], 200, "the cookie came back: {answer}");
    assert!(
        answer[2]
            .as_str()
            .is_some_and(|e| e.starts_with("browser-")),
        "{answer}"
    );
    assert_eq!(answer[3], "", "HttpOnly: no script reads it");
}

/// An owner's "Test" beside a connector: a real request to the fake Telegram and the fake
/// backend, reported as each answered.
#[tokio::test]
async fn an_owner_tests_the_brands_connectors() {
    use confab_e2e::fakes::telegram::FakeTelegram;
    use confab_e2e::fakes::webhook::FakeWebhook;
    use confab_e2e::fakes::wechat::FakeWechat;
    use confab_e2e::fakes::whatsapp::{self, FakeWhatsapp};
    use confab_e2e::fakes::Failure;
    use confab_e2e::world::{ACCESS_TOKEN, BOT_TOKEN, CHAT, HOOK_SECRET, NUMBER_ID};
    use confab_e2e::world::{APP_SECRET as WHATSAPP_APP_SECRET, WEBHOOK_SECRET};
    const APP_ID: &str = "wx5823bf96d3bd56c7";
    const WECHAT_SECRET: &str = "fake-wechat-app-secret";
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let cloud_api = FakeWhatsapp::start(ACCESS_TOKEN, NUMBER_ID).await;
    let official_account = FakeWechat::start(APP_ID, WECHAT_SECRET).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("WHATSAPP_API_BASE", &cloud_api.base),
        ("WHATSAPP_APP_SECRET", WHATSAPP_APP_SECRET),
        ("DEMO_WHATSAPP_TOKEN", ACCESS_TOKEN),
        ("DEMO_WHATSAPP_OLD_TOKEN", "EAAGm0PX4ZCpsBAkZBZAtheOldToken"),
        ("WECHAT_API_BASE", &official_account.base),
        ("DEMO_WECHAT_SECRET", WECHAT_SECRET),
        ("DEMO_WECHAT_OLD_SECRET", "a-secret-since-reset-000000"),
        ("DEMO_WECHAT_TOKEN", "fake-wechat-hook-token"),
    ])
    .await;
    let api = Api::new(relay.origin());
    let owner = api
        .console_member("demo", &unique_address("owner"), "Olga", "owner")
        .await;
    let test = |kind: &'static str| {
        let (api, owner) = (&api, &owner);
        async move {
            let path = format!("/v1/console/connectors/{kind}/test");
            api.console("POST", &path, owner, None).await
        }
    };

    // Nothing set up yet: nothing to ask.
    for kind in ["telegram", "whatsapp", "wechat"] {
        let (status, report) = test(kind).await;
        assert_eq!(
            (status, report["ok"].as_bool()),
            (200, Some(false)),
            "{report}"
        );
        assert_eq!(report["status"], serde_json::Value::Null, "{kind}");
    }
    assert!(cloud_api.lookups().is_empty());
    assert_eq!(official_account.token_fetches(), 0);
    // The brand's WhatsApp and WeChat, with `token` and `secret` as their credentials.
    let settings = |token: &str, secret: &str| {
        json!({
            "name": "Acme Outdoor",
            "allowedOrigins": ["http://127.0.0.1:*"],
            "connectors": {
                "telegram": {
                    "chatId": CHAT,
                    "botTokenSecret": "DEMO_TELEGRAM_TOKEN",
                    "webhookSecret": "DEMO_TELEGRAM_HOOK_SECRET",
                },
                "webhook": { "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" },
                "whatsapp": {
                    "phoneNumberId": NUMBER_ID,
                    "displayNumber": "15550783881",
                    "accessTokenSecret": token,
                },
                "wechat": {
                    "appId": APP_ID,
                    "appSecret": secret,
                    "token": "DEMO_WECHAT_TOKEN",
                    "originalId": "gh_7f083739789a",
                },
            },
        })
    };

    let status = api
        .put_brand(
            "demo",
            settings("DEMO_WHATSAPP_TOKEN", "DEMO_WECHAT_SECRET"),
        )
        .await;
    assert_eq!(status, 200);

    // The webhook gets a signed `test` event (the fake checks the signature and answers
    // 204).
    let (status, report) = test("webhook").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(true), Some(204)),
        "{report}"
    );
    let event = backend.wait_for_event("test", |_| true).await;
    assert_eq!(event["brand"], "demo");
    backend.fail_next([Failure::Status(503)]);
    let (_, report) = test("webhook").await;
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(false), Some(503)),
        "{report}"
    );

    // Telegram: a real sendMessage to the group, reported in Telegram's words. (The fake
    // models forum topics only, so a post to the group's General topic is its 400.)
    let (status, report) = test("telegram").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(false), Some(400)),
        "{report}"
    );
    assert_eq!(report["detail"], "Bad Request: message thread not found");
    assert!(
        !report.to_string().contains(BOT_TOKEN),
        "the token is never quoted"
    );

    // WhatsApp: Graph's lookup of the number, with the brand's token, answered with the
    // number as WhatsApp knows it.
    let (status, report) = test("whatsapp").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(true), Some(200)),
        "{report}"
    );
    assert_eq!(
        report["detail"],
        format!(
            "WhatsApp knows this number: {} ({})",
            whatsapp::DISPLAY_PHONE_NUMBER,
            whatsapp::VERIFIED_NAME
        )
    );
    let lookups = cloud_api.lookups();
    assert_eq!(lookups.len(), 1, "{lookups:?}");
    assert_eq!(
        lookups[0].fields.as_deref(),
        Some("display_phone_number,verified_name")
    );
    assert_eq!(
        lookups[0].authorization,
        Some(format!("Bearer {ACCESS_TOKEN}"))
    );
    assert!(cloud_api.sent().is_empty(), "a test sends no message");

    // WeChat: a stable-token fetch with the AppID and AppSecret; the token is not quoted,
    // and the fetch does not force a new one (the relay's holder keeps its token).
    let (status, report) = test("wechat").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(true), Some(200)),
        "{report}"
    );
    assert_eq!(report["detail"], "WeChat issued an access token");
    assert!(
        !report.to_string().contains("FAKE-WECHAT-TOKEN"),
        "{report}"
    );
    assert_eq!(
        official_account.token_requests(),
        [json!({
            "grant_type": "client_credential",
            "appid": APP_ID,
            "secretRight": true,
            "force_refresh": false,
        })]
    );

    // Credentials the providers do not take: their own words come back.
    let status = api
        .put_brand(
            "demo",
            settings("DEMO_WHATSAPP_OLD_TOKEN", "DEMO_WECHAT_OLD_SECRET"),
        )
        .await;
    assert_eq!(status, 200);
    let (status, report) = test("whatsapp").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(false), Some(401)),
        "{report}"
    );
    assert_eq!(
        report["detail"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    let lookups = cloud_api.lookups();
    assert_eq!(lookups.len(), 2, "{lookups:?}");
    assert_eq!(
        lookups[1].authorization.as_deref(),
        Some("Bearer EAAGm0PX4ZCpsBAkZBZAtheOldToken")
    );
    assert!(!report
        .to_string()
        .contains("EAAGm0PX4ZCpsBAkZBZAtheOldToken"));

    let (status, report) = test("wechat").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["ok"].as_bool(), report["status"].as_u64()),
        (Some(false), Some(200)),
        "{report}"
    );
    assert_eq!(report["detail"], "WeChat 40125: invalid appsecret");
    let requests = official_account.token_requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[1]["secretRight"], false);
    assert!(!report.to_string().contains("a-secret-since-reset"));
}
