//! Brand logos and team members' avatars reach visitors only through the relay: the
//! profile and the messages carry signed relay paths, never the brand's URLs, and the relay
//! serves exactly the image behind a path it signed — checked by type and by its first
//! bytes, bounded in size and time — and nothing else.

use confab_e2e::api::Api;
use confab_e2e::fakes::images::FakeImages;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::relay::TEST_ADMIN_SECRET;
use confab_e2e::world::WEBHOOK_SECRET;
use confab_e2e::{eventually, Relay};
use serde_json::{json, Value};

/// The brand these tests configure.
const BRAND: &str = "pics";

fn settings(logo: Option<&str>) -> Value {
    let mut settings = json!({
        "name": "Pics & Co",
        "allowedOrigins": ["http://127.0.0.1:*"],
    });
    if let Some(logo) = logo {
        settings["logoUrl"] = json!(logo);
    }
    settings
}

/// `PUT` of the brand's settings with `logo`: the status and the JSON answer.
async fn put_logo(api: &Api, logo: &str) -> (u16, Value) {
    let response = api
        .http
        .put(api.url(&format!("/v1/admin/brands/{BRAND}")))
        .bearer_auth(TEST_ADMIN_SECRET)
        .json(&settings(Some(logo)))
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The relay path a new session's profile gives for the brand's logo at `source`.
async fn logo_path(api: &Api, source: &str) -> String {
    let (status, body) = put_logo(api, source).await;
    assert!(status < 300, "{source}: {status} {body}");
    let session = api.session_of(BRAND).await;
    let path = session.brand.logo_url.expect("the profile has a logo");
    assert!(
        path.starts_with("/v1/images?src="),
        "a relay path, not {path}"
    );
    assert!(
        !path.contains("://"),
        "the source only appears encoded: {path}"
    );
    path
}

/// `GET` of a path on the relay: the status, the headers and the body.
async fn get(api: &Api, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = api
        .http
        .get(api.url(path))
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body").to_vec();
    (status, headers, body)
}

/// The status and stable error code of a `GET` that should fail.
async fn refusal(api: &Api, path: &str) -> (u16, String) {
    let (status, _, body) = get(api, path).await;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let code = body["error"]["code"].as_str().unwrap_or("?").to_string();
    (status, code)
}

#[tokio::test]
async fn a_brands_logo_is_served_by_the_relay_checked_and_only_from_signed_paths() {
    let images = FakeImages::start().await;
    let relay = Relay::start().await;
    let api = Api::new(relay.origin());
    assert_eq!(api.put_brand(BRAND, settings(None)).await, 201);
    let session = api.session_of(BRAND).await;
    assert_eq!(session.brand.logo_url, None, "no logo, no field");

    // The profile's logo is a relay path; behind it, the exact PNG with the safe headers.
    let logo = logo_path(&api, &images.url("/logo.png")).await;
    let (status, headers, body) = get(&api, &logo).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, images.png(), "the exact bytes");
    for (name, value) in [
        ("content-type", "image/png"),
        ("x-content-type-options", "nosniff"),
        ("content-security-policy", "default-src 'none'"),
        ("cross-origin-resource-policy", "cross-origin"),
        ("cache-control", "public, max-age=86400"),
    ] {
        assert_eq!(
            headers.get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{name}"
        );
    }
    // Served again, from the Workers cache: the source is not asked twice.
    let (status, _, again) = get(&api, &logo).await;
    assert_eq!((status, again), (200, images.png()));
    assert_eq!(
        images.requests("/logo.png"),
        1,
        "the second came from the cache"
    );
    // Parameters added, or put in another order, are the same image, from the cache.
    let (src, sig) = logo.split_once('&').expect("two parameters");
    let (_, src) = src.split_once('?').expect("a query");
    for variant in [format!("{logo}&bust=1"), format!("/v1/images?{sig}&{src}")] {
        let (status, _, body) = get(&api, &variant).await;
        assert_eq!((status, body), (200, images.png()), "{variant}");
    }
    assert_eq!(images.requests("/logo.png"), 1, "no cache busting");

    // Only paths the relay signed are fetched.
    let requests_before = images.requests("/logo.png") + images.requests("/avatar.png");
    let (without_sig, sig) = logo.split_once("&sig=").expect("a signature");
    let flipped = match sig.chars().next() {
        Some('A') => format!("B{}", &sig[1..]),
        _ => format!("A{}", &sig[1..]),
    };
    let forbidden = (403, "image_signature_invalid".to_string());
    for tampered in [
        format!("{without_sig}&sig={flipped}"),
        format!(
            "{}&sig={sig}",
            without_sig.replace("logo.png", "avatar.png")
        ),
        without_sig.to_string(),
        format!("/v1/images?sig={sig}"),
        "/v1/images".to_string(),
        format!(
            "/v1/images?src={}&sig={sig}",
            url::form_urlencoded::byte_serialize(b"https://example.com/x.png").collect::<String>()
        ),
    ] {
        assert_eq!(refusal(&api, &tampered).await, forbidden, "{tampered}");
    }
    assert_eq!(
        images.requests("/logo.png") + images.requests("/avatar.png"),
        requests_before,
        "no refused path reached the source"
    );

    // Whatever the source sends must be a served image by type and by its first bytes, of
    // at most 512 KiB, within the time limit.
    let unsupported = (415, "image_type_unsupported".to_string());
    let too_large = (413, "image_too_large".to_string());
    let upstream = (502, "image_upstream_failed".to_string());
    let unreachable = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("http://127.0.0.1:{port}/gone.png")
    };
    for (source, expected) in [
        (images.url("/svg-as-png.png"), &unsupported),
        (images.url("/logo.svg"), &unsupported),
        (images.url("/page.html"), &unsupported),
        (images.url("/huge.png"), &too_large),
        (images.url("/huge-stream.png"), &too_large),
        (images.url("/redirect.png"), &upstream),
        (images.url("/missing.png"), &upstream),
        (unreachable, &upstream),
        (images.url("/hang.png"), &upstream),
    ] {
        let path = logo_path(&api, &source).await;
        assert_eq!(&refusal(&api, &path).await, expected, "{source}");
    }
    assert_eq!(
        images.requests("/redirect.png"),
        1,
        "the redirect is not followed"
    );

    // A logo must be https (loopback http is for development relays only).
    for bad in [
        "http://example.com/x.png",
        "javascript:alert(1)",
        "https://user:password@cdn.example/x.png",
        "/v1/images?src=x",
    ] {
        let (status, body) = put_logo(&api, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "image_url_invalid", "{bad}");
    }
    let too_long = format!("https://cdn.example/{}.png", "a".repeat(2048));
    assert_eq!(put_logo(&api, &too_long).await.0, 400);
}

#[tokio::test]
async fn a_team_members_avatar_reaches_the_visitor_as_a_relay_path_that_serves_it() {
    let images = FakeImages::start().await;
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let relay = Relay::start_with(&[("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET)]).await;
    let api = Api::new(relay.origin());
    let webhook = json!({ "url": backend.url, "secret": "DEMO_WEBHOOK_SECRET" });
    let mut demo = settings(None);
    demo["connectors"] = json!({ "webhook": webhook });
    assert_eq!(api.put_brand("demo", demo).await, 200);
    let session = api.session().await;
    let key = api.agent_key("demo").await;
    let path = format!("/v1/agent/threads/{}/messages", session.thread_id);
    let source = images.url("/avatar.png");
    let answer = json!({ "clientId": "ana-1", "text": "Hello from Ana",
        "sender": { "name": "Ana", "avatarUrl": source } });
    assert_eq!(api.agent_post(&key, &path, answer).await, 201);

    let history = api.history(&session).await;
    let sender = history[0].sender.as_ref().expect("a sender");
    assert_eq!(sender.name, "Ana");
    let avatar = sender.avatar_url.clone().expect("an avatar");
    assert!(avatar.starts_with("/v1/images?src="), "{avatar}");
    assert_ne!(avatar, source);
    let (status, headers, body) = get(&api, &avatar).await;
    assert_eq!(status, 200);
    assert_eq!(body, images.png());
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");

    // The socket carries the same path.
    let mut socket = api.socket(&session, 0).await;
    let (messages, _) = socket.until_ready().await;
    assert_eq!(
        messages[0]
            .sender
            .as_ref()
            .and_then(|s| s.avatar_url.as_deref()),
        Some(avatar.as_str())
    );

    // And so does the brand's webhook.
    let told = eventually(30, || async {
        backend
            .received()
            .iter()
            .find(|received| received.event["type"] == "message.created")
            .map(|received| received.event["message"]["sender"]["avatarUrl"].clone())
            .ok_or_else(|| "the backend has not heard of the answer".to_string())
    })
    .await;
    assert_eq!(told, json!(avatar));

    // An avatar must be an https URL of at most 2048 bytes.
    for bad in [
        json!("http://cdn.example/eve.png"),
        json!("javascript:alert(1)"),
        json!(format!("https://cdn.example/{}.png", "a".repeat(2048))),
    ] {
        let body = json!({ "clientId": "bad", "text": "x",
            "sender": { "name": "Eve", "avatarUrl": bad } });
        let response = api
            .http
            .post(api.url(&path))
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "image_url_invalid", "{bad}");
    }
    assert_eq!(api.history(&session).await.len(), 1, "nothing else stored");
}
