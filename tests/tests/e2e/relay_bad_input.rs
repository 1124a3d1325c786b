//! Bad input and abuse against the running relay: each request gets its status and stable
//! error code, and the thread is left exactly as it was.

use confab_e2e::api::Api;
use confab_e2e::relay::TEST_TOKEN_SECRET;
use confab_e2e::Relay;
use confab_protocol::{BrandId, ErrorBody, Timestamp};
use confab_relay::token::{TokenClaims, TokenSigner};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};

async fn check(name: &str, request: RequestBuilder, status: u16, code: &str) {
    let response = request.send().await.expect("the relay answers");
    let actual_status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    let actual_code = serde_json::from_str::<ErrorBody>(&body)
        .map(|body| body.error.code)
        .unwrap_or_else(|_| format!("<not an error body: {body}>"));
    assert_eq!(
        (actual_status, actual_code.as_str()),
        (status, code),
        "case: {name}"
    );
}

#[tokio::test]
async fn bad_requests_get_their_status_and_code_and_change_nothing() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let other = api.session().await;
    api.send(&session, "kept", "the only message").await;
    let thread = session.thread_id.to_string();
    let messages = api.url(&format!("/v1/threads/{thread}/messages"));
    let token = session.token.to_string();
    let http = &api.http;
    let post = |body: String| {
        http.post(&messages)
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(body)
    };
    let send = |text: String| post(json!({ "clientId": "new", "text": text }).to_string());

    check(
        "malformed JSON",
        post("{\"clientId\":".into()),
        400,
        "malformed_json",
    )
    .await;
    check("wrong shape", post("[1, 2]".into()), 400, "malformed_json").await;
    let invalid_utf8 = http
        .post(&messages)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(b"{\"clientId\":\"x\",\"text\":\"\xff\xfe\"}".to_vec());
    check("invalid UTF-8", invalid_utf8, 400, "malformed_json").await;
    check("empty text", send("   ".into()), 422, "text_empty").await;
    check(
        "text too long",
        send("字".repeat(4097)),
        422,
        "text_too_long",
    )
    .await;
    check(
        "oversize body",
        send("a".repeat(40_000)),
        413,
        "body_too_large",
    )
    .await;
    check(
        "deeply nested body",
        post(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
        413,
        "body_too_large",
    )
    .await;
    check("no token", http.get(&messages), 401, "token_missing").await;
    check(
        "not a bearer",
        http.get(&messages).header("Authorization", "Basic eDp5"),
        401,
        "token_missing",
    )
    .await;
    let forged = format!("{}x", &token[..token.len() - 1]);
    check(
        "forged token",
        http.get(&messages).bearer_auth(forged),
        401,
        "token_invalid",
    )
    .await;
    let expired = TokenSigner::new(TEST_TOKEN_SECRET.as_bytes()).sign(&TokenClaims {
        brand: BrandId::new("demo"),
        thread: session.thread_id.clone(),
        expires_at: Timestamp(1),
    });
    check(
        "expired token",
        http.get(&messages).bearer_auth(expired.as_str()),
        401,
        "token_expired",
    )
    .await;
    check(
        "another thread's token",
        http.get(&messages).bearer_auth(other.token.as_str()),
        403,
        "token_wrong_thread",
    )
    .await;
    check(
        "disallowed origin",
        http.get(&messages)
            .bearer_auth(&token)
            .header("Origin", "https://evil.example"),
        403,
        "origin_not_allowed",
    )
    .await;
    check(
        "session from a disallowed origin",
        http.post(api.url("/v1/sessions"))
            .header("Origin", "https://evil.example")
            .json(&json!({ "brand": "demo" })),
        403,
        "origin_not_allowed",
    )
    .await;
    check(
        "unknown brand",
        http.post(api.url("/v1/sessions"))
            .json(&json!({ "brand": "nobody" })),
        404,
        "unknown_brand",
    )
    .await;
    check(
        "unknown route",
        http.get(api.url("/v1/nothing")),
        404,
        "not_found",
    )
    .await;
    check(
        "malformed thread id",
        http.get(api.url("/v1/threads/x/messages")),
        404,
        "not_found",
    )
    .await;
    check(
        "wrong method",
        http.request(Method::PUT, &messages).bearer_auth(&token),
        405,
        "method_not_allowed",
    )
    .await;
    check(
        "bad page query",
        http.get(format!("{messages}?limit=100000"))
            .bearer_auth(&token),
        400,
        "invalid_parameter",
    )
    .await;
    check(
        "socket without upgrade",
        http.get(api.url(&format!("/v1/threads/{thread}/ws?ticket=x"))),
        426,
        "upgrade_required",
    )
    .await;

    let history = api.history(&session).await;
    let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        vec!["the only message"],
        "nothing was stored or lost"
    );
    assert!(api.history(&other).await.is_empty());
}

#[tokio::test]
async fn cors_headers_go_to_allowed_origins_only() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let messages = api.url(&format!("/v1/threads/{}/messages", session.thread_id));
    let allowed = "http://localhost:3000";
    let cases = [
        // (origin, preflight?, expected Access-Control-Allow-Origin)
        (allowed, true, Some(allowed)),
        (allowed, false, Some(allowed)),
        ("https://evil.example", true, None),
        ("https://evil.example", false, None),
    ];
    for (origin, preflight, expected) in cases {
        let request = if preflight {
            api.http
                .request(Method::OPTIONS, &messages)
                .header("Access-Control-Request-Method", "POST")
                .header(
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                )
        } else {
            api.http.get(&messages).bearer_auth(session.token.as_str())
        };
        let response = request.header("Origin", origin).send().await.unwrap();
        let granted = response
            .headers()
            .get("access-control-allow-origin")
            .map(|value| value.to_str().unwrap().to_string());
        assert_eq!(
            granted.as_deref(),
            expected,
            "{origin}, preflight: {preflight}"
        );
        if preflight && expected.is_some() {
            assert_eq!(response.status(), 204);
            let headers = response.headers()["access-control-allow-headers"]
                .to_str()
                .unwrap();
            assert!(
                headers.to_ascii_lowercase().contains("authorization"),
                "{headers}"
            );
        }
    }
}

/// The upgrade request a browser sends for a thread's socket with `ticket`.
fn socket_request(api: &Api, thread: &str, ticket: &str) -> RequestBuilder {
    api.http
        .get(api.url(&format!("/v1/threads/{thread}/ws?ticket={ticket}&after=0")))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
}

#[tokio::test]
async fn replayed_and_cross_brand_credentials_get_their_error_and_change_nothing() {
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    let other_brand = json!({ "name": "Other", "allowedOrigins": ["https://other.example"] });
    assert_eq!(api.put_brand("other", other_brand).await, 201, "created");
    let session = api.session().await;
    api.send(&session, "kept", "the only message").await;
    let thread = session.thread_id.to_string();
    let http = &api.http;

    // A socket ticket opens one socket, once.
    let ticket = api.ticket(&session).await;
    let mut first = api
        .socket_stream(&session.thread_id, &ticket.ticket)
        .await
        .expect("the first use of a ticket opens the socket");
    first.until_ready().await;
    check(
        "replayed socket ticket",
        socket_request(&api, &thread, &ticket.ticket),
        401,
        "ticket_invalid",
    )
    .await;
    check(
        "another thread's ticket",
        socket_request(
            &api,
            &api.session().await.thread_id.to_string(),
            &api.ticket(&session).await.ticket,
        ),
        401,
        "ticket_invalid",
    )
    .await;

    // A link code carries the thread elsewhere once.
    let link = http
        .post(api.url(&format!("/v1/threads/{thread}/links")))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "purpose": "device", "page": "http://localhost:3000/pricing" }))
        .send()
        .await
        .unwrap();
    assert_eq!(link.status(), 201);
    let code = link.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, resumed) = api
        .post_session(json!({ "brand": "demo", "link": code }))
        .await;
    assert_eq!(
        (status, resumed["threadId"].as_str()),
        (200, Some(thread.as_str())),
        "the code resumes the thread"
    );
    let sessions = api.url("/v1/sessions");
    let redeem = |brand: &str| {
        http.post(&sessions)
            .json(&json!({ "brand": brand, "link": code }))
    };
    check(
        "replayed link code",
        redeem("demo"),
        410,
        "link_code_invalid",
    )
    .await;
    check(
        "made-up link code",
        http.post(&sessions)
            .json(&json!({ "brand": "demo", "link": "LINK-ZZZZZZZZZZZZZ" })),
        410,
        "link_code_invalid",
    )
    .await;

    // Another brand's keys and tokens open nothing of this brand's.
    let other_key = api.agent_key("other").await;
    let agent_thread = api.url(&format!("/v1/agent/threads/{thread}"));
    check(
        "another brand's agent key reads",
        http.get(&agent_thread).bearer_auth(&other_key),
        404,
        "not_found",
    )
    .await;
    check(
        "another brand's agent key writes",
        http.post(format!("{agent_thread}/messages"))
            .bearer_auth(&other_key)
            .json(&json!({ "clientId": "x", "text": "from the wrong brand" })),
        404,
        "not_found",
    )
    .await;
    check(
        "a made-up agent key",
        http.get(&agent_thread).bearer_auth("ck_not_a_key"),
        401,
        "agent_key_invalid",
    )
    .await;
    check(
        "a visitor token as an agent key",
        http.get(&agent_thread).bearer_auth(session.token.as_str()),
        401,
        "agent_key_invalid",
    )
    .await;
    let (status, elsewhere) = api
        .post_session(json!({ "brand": "other", "token": session.token.as_str() }))
        .await;
    assert_eq!(status, 201, "{elsewhere}");
    assert_ne!(
        elsewhere["threadId"].as_str(),
        Some(thread.as_str()),
        "a token of one brand never resumes its thread under another"
    );
    check(
        "the admin API without the admin secret",
        http.get(api.url("/v1/admin/brands/demo"))
            .bearer_auth(&other_key),
        401,
        "admin_only",
    )
    .await;

    // A hook of a provider the brand does not use is no door in (forged secrets and
    // signatures of configured hooks: forwarding.rs, whatsapp.rs).
    check(
        "a Telegram update to a brand without Telegram",
        http.post(api.url("/v1/hooks/telegram/demo"))
            .header("X-Telegram-Bot-Api-Secret-Token", "guess")
            .json(&json!({ "update_id": 1, "message": { "message_id": 1, "text": "forged" } })),
        404,
        "not_found",
    )
    .await;

    let history = api.history(&session).await;
    let texts: Vec<&str> = history.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["the only message"], "nothing was stored");
}

#[tokio::test]
async fn webhook_urls_pointing_inside_are_refused_in_production() {
    let relay = Relay::start_with(&[("CONFAB_ENV", "production")]).await;
    let api = Api::new(relay.origin());
    let settings = |url: &str| {
        json!({
            "name": "Acme",
            "allowedOrigins": ["https://acme.example"],
            "connectors": { "webhook": { "url": url, "secret": "ACME_WEBHOOK_SECRET" } },
        })
    };
    assert_eq!(
        api.put_brand("acme", settings("https://hooks.acme.example/confab"))
            .await,
        201,
        "created"
    );
    for url in [
        "http://hooks.acme.example/confab",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
    ] {
        check(
            url,
            api.http
                .put(api.url("/v1/admin/brands/acme"))
                .bearer_auth(confab_e2e::relay::TEST_ADMIN_SECRET)
                .json(&settings(url)),
            422,
            "invalid_brand",
        )
        .await;
    }
    let stored = api.admin_get("/v1/admin/brands/acme").await;
    assert_eq!(
        stored["connectors"]["webhook"]["url"], "https://hooks.acme.example/confab",
        "the brand kept its settings: {stored}"
    );
}
