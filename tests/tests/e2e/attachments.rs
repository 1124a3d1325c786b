//! Attachments through the real relay on workerd, over HTTP: uploads are judged by their
//! bytes (too large, disguised and SVG files refused with their codes, nothing stored),
//! sent with a message, listed in history with signed links that serve the exact bytes
//! with safe headers (and nothing to a tampered, expired or other thread's link), carried
//! to the fake Telegram topic and the fake backend, brought back from a team member's
//! photo in the topic, and gone once the thread is erased.

use confab_e2e::api::Api;
use confab_e2e::fakes::telegram::FakeTelegram;
use confab_e2e::fakes::webhook::FakeWebhook;
use confab_e2e::relay::TEST_TOKEN_SECRET;
use confab_e2e::world::{post_telegram_update, BOT_TOKEN, CHAT, HOOK_SECRET, WEBHOOK_SECRET};
use confab_e2e::{eventually, Relay};
use confab_protocol::{Attachment, AttachmentId, Message, Session};
use confab_relay::attachment::FileLinks;
use confab_relay::token::TokenSigner;
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// A PNG of 3 × 2 pixels.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0xE8, 0x7A, 0x1B,
    0xE0, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A minimal PDF.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A JPEG's start (SOI, JFIF, a 640 × 480 frame header), as a team member's photo.
fn jpeg() -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80]);
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// Uploads `bytes` as `name` declared `content_type` to the thread of `session`: the
/// status and the JSON answer.
async fn upload(
    api: &Api,
    session: &Session,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/uploads", session.thread_id)))
        .query(&[("name", name)])
        .bearer_auth(session.token.as_str())
        .header("Content-Type", content_type)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends a message naming `attachments`: the status and the JSON answer.
async fn send(
    api: &Api,
    session: &Session,
    client_id: &str,
    text: &str,
    attachments: &[&AttachmentId],
) -> (u16, Value) {
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/messages", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "clientId": client_id, "text": text, "attachments": attachments }))
        .send()
        .await
        .expect("the relay answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// GETs a file link (relative to the relay, or absolute): status, headers and bytes.
async fn fetch(api: &Api, link: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let url = match link.starts_with('/') {
        true => api.url(link),
        false => link.to_string(),
    };
    let response = api.http.get(url).send().await.expect("the relay answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// Uploads a PNG without a `Content-Length` (chunked, over a raw connection): the status.
async fn chunked_upload(relay: &Relay, session: &Session) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = relay.origin().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /v1/threads/{}/uploads?name=a.png HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Bearer {}\r\nContent-Type: image/png\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
        session.thread_id,
        session.token.as_str(),
        PNG.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(PNG).await.unwrap();
    stream.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn uploads_are_judged_stored_served_by_signed_link_and_erased() {
    let relay = Relay::start_with(&[("CONFAB_FAULTS", "on")]).await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
            json!({
                "name": "Acme Outdoor",
                "allowedOrigins": ["http://127.0.0.1:*"],
                "attachments": { "maxBytes": 262144 },
            }),
        )
        .await;
    assert_eq!(status, 200);
    let session = api.session().await;

    // A PNG is stored with what its bytes say, and a link.
    let (status, body) = upload(&api, &session, "../photo.png", "image/png", PNG).await;
    assert_eq!(status, 201, "{body}");
    let uploaded: Attachment = serde_json::from_value(body).unwrap();
    assert_eq!(uploaded.name, "photo.png");
    assert_eq!(uploaded.content_type, "image/png");
    assert_eq!(uploaded.declared_type, "image/png");
    assert_eq!(uploaded.size, PNG.len() as u64);
    assert_eq!((uploaded.width, uploaded.height), (Some(3), Some(2)));
    assert!(uploaded.url.as_deref().unwrap().starts_with(&format!(
        "/v1/files/{}/{}?exp=",
        session.thread_id, uploaded.id
    )));

    // Refusals store nothing.
    let files = relay.stored_files();
    assert!(files >= 1, "the PNG's bytes are in the bucket");
    let big = vec![b'a'; 262_145];
    let (status, body) = upload(&api, &session, "big.txt", "text/plain", &big).await;
    assert_eq!((status, code(&body)), (413, "file_too_large"), "{body}");
    let page = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";
    let (status, body) = upload(&api, &session, "x.png", "image/png", page).await;
    assert_eq!((status, code(&body)), (415, "file_type_mismatch"), "{body}");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let (status, body) = upload(&api, &session, "x.svg", "image/svg+xml", svg).await;
    assert_eq!((status, code(&body)), (415, "file_type_refused"), "{body}");
    assert_eq!(chunked_upload(&relay, &session).await, 411);
    assert_eq!(
        relay.stored_files(),
        files,
        "a refused file left bytes behind"
    );

    // A file larger than the bytes the relay judges it by streams through whole.
    let mut large = PNG.to_vec();
    large.resize(200 * 1024, 7);
    let (status, body) = upload(&api, &session, "large.png", "image/png", &large).await;
    assert_eq!(status, 201, "{body}");
    let (status, _, bytes) = fetch(&api, body["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(
        bytes == large,
        "{} bytes served of {}",
        bytes.len(),
        large.len()
    );

    // Sent with a message (no text needed), it is listed with a fresh link.
    let (status, body) = send(&api, &session, "c1", "", &[&uploaded.id]).await;
    assert_eq!(status, 201, "{body}");
    let (status, again) = send(&api, &session, "c1", "", &[&uploaded.id]).await;
    assert_eq!((status, &again["id"]), (200, &body["id"]), "{again}");
    let (status, body) = send(&api, &session, "c2", "again", &[&uploaded.id]).await;
    assert_eq!((status, code(&body)), (400, "attachment_unknown"), "{body}");
    let (status, body) = send(&api, &session, "c3", "", &[]).await;
    assert_eq!((status, code(&body)), (422, "text_empty"), "{body}");
    let history: Vec<Message> = api.history(&session).await;
    assert_eq!(history.len(), 1);
    let listed = &history[0].attachments[0];
    assert_eq!(listed.id, uploaded.id);
    let link = listed.url.clone().expect("a link in history");
    let mut socket = api.socket(&session, 0).await;
    let (backlog, _) = socket.until_ready().await;
    let on_socket = &backlog[0].attachments[0];
    assert_eq!(on_socket.id, uploaded.id);
    assert!(on_socket.url.as_deref().unwrap().starts_with("/v1/files/"));
    socket.close().await;

    // The link serves the exact bytes, inline, never sniffed or run, cached privately.
    let (status, headers, bytes) = fetch(&api, &link).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, PNG);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    assert_eq!(header("Content-Type"), "image/png");
    assert_eq!(header("Content-Disposition"), "inline");
    assert_eq!(header("X-Content-Type-Options"), "nosniff");
    assert_eq!(header("Content-Security-Policy"), "sandbox");
    let max_age: u64 = header("Cache-Control")
        .strip_prefix("private, max-age=")
        .and_then(|age| age.parse().ok())
        .expect("private caching until the link expires");
    assert!((3500..=3600).contains(&max_age), "{max_age}");

    // A text file downloads under its name.
    let (status, body) = upload(
        &api,
        &session,
        "订单.txt",
        "text/plain",
        "好的\n".as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let text_link = body["url"].as_str().unwrap().to_string();
    let (status, headers, bytes) = fetch(&api, &text_link).await;
    assert_eq!((status, bytes.as_slice()), (200, "好的\n".as_bytes()));
    assert_eq!(
        headers["Content-Disposition"],
        "attachment; filename*=UTF-8''%E8%AE%A2%E5%8D%95.txt"
    );

    // Tampered, expired and other threads' links are refused.
    let last = if link.ends_with('0') { "1" } else { "0" };
    let tampered = format!("{}{last}", &link[..link.len() - 1]);
    assert_eq!(fetch(&api, &tampered).await.0, 403);
    let signer = FileLinks::new(TokenSigner::new(TEST_TOKEN_SECRET.as_bytes()), 0);
    let expired = signer.path(&session.thread_id, &uploaded.id, now_seconds() - 5);
    let (status, _, body) = fetch(&api, &expired).await;
    assert_eq!(status, 403);
    assert_eq!(
        code(&serde_json::from_slice(&body).unwrap()),
        "file_link_invalid"
    );
    let other = api.session().await;
    let elsewhere = link.replace(session.thread_id.as_str(), other.thread_id.as_str());
    assert_eq!(fetch(&api, &elsewhere).await.0, 403);
    // Nor may another thread send this thread's upload.
    let (status, body) = upload(&api, &session, "b.png", "image/png", PNG).await;
    assert_eq!(status, 201);
    let id: AttachmentId = serde_json::from_value(body["id"].clone()).unwrap();
    let (status, body) = send(&api, &other, "c1", "mine?", &[&id]).await;
    assert_eq!((status, code(&body)), (400, "attachment_unknown"), "{body}");

    // The team uploads and sends through the agent API.
    let key = api.agent_key("demo").await;
    let response = api
        .http
        .post(api.url(&format!(
            "/v1/agent/threads/{}/uploads?name=reply.pdf",
            session.thread_id
        )))
        .bearer_auth(&key)
        .header("Content-Type", "application/pdf")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body: Value = response.json().await.unwrap();
    let response = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
        .bearer_auth(&key)
        .json(&json!({ "clientId": "a1", "text": "The invoice", "attachments": [body["id"]] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let (status, view) = api
        .agent_get(&key, &format!("/v1/agent/threads/{}", session.thread_id))
        .await;
    assert_eq!(status, 200);
    let sent = &view["messages"][1]["attachments"][0];
    assert_eq!(sent["contentType"], "application/pdf");
    let (status, headers, bytes) = fetch(&api, sent["url"].as_str().unwrap()).await;
    assert_eq!((status, bytes.as_slice()), (200, PDF));
    assert_eq!(
        headers["Content-Disposition"],
        "attachment; filename*=UTF-8''reply.pdf"
    );
    let transcript = api
        .http
        .get(api.url(&format!(
            "/v1/threads/{}/transcript?format=text",
            session.thread_id
        )))
        .bearer_auth(session.token.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        transcript.contains(&format!("[file: photo.png, image/png, {} B]", PNG.len()))
            && transcript.contains("The invoice\n[file: reply.pdf, application/pdf, "),
        "{transcript}"
    );

    // Erasure deletes the files: their links answer 404. The bucket fails the first two
    // deletions; the erasure's job is tried again until it goes through.
    let prefix = format!("threads/{}/", session.thread_id);
    api.arm_fault("files", &prefix, 2).await;
    assert_eq!(api.erase(&session).await, 204);
    eventually(30, || async {
        match api.armed_faults().await.as_slice() {
            [] => Ok(()),
            left => Err(format!("the deletion has not met its faults yet: {left:?}")),
        }
    })
    .await;
    eventually(30, || async {
        match fetch(&api, &link).await.0 {
            404 | 410 => Ok(()),
            status => Err(format!("the file still answers {status}")),
        }
    })
    .await;
    assert_eq!(fetch(&api, &text_link).await.0, 404);
}

#[tokio::test]
async fn files_reach_telegram_and_the_backend_and_the_teams_photos_come_back() {
    let telegram = FakeTelegram::start(BOT_TOKEN, CHAT).await;
    let backend = FakeWebhook::start(WEBHOOK_SECRET).await;
    let relay = Relay::start_with(&[
        ("TELEGRAM_API_BASE", &telegram.base),
        ("DEMO_TELEGRAM_TOKEN", BOT_TOKEN),
        ("DEMO_TELEGRAM_HOOK_SECRET", HOOK_SECRET),
        ("DEMO_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ])
    .await;
    let api = Api::new(relay.origin());
    let status = api
        .put_brand(
            "demo",
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
                },
            }),
        )
        .await;
    assert_eq!(status, 200);
    let session = api.session().await;
    let (status, body) = upload(&api, &session, "broken-tent.png", "image/png", PNG).await;
    assert_eq!(status, 201, "{body}");
    let id: AttachmentId = serde_json::from_value(body["id"].clone()).unwrap();
    let (status, body) = send(&api, &session, "c1", "The pole snapped", &[&id]).await;
    assert_eq!(status, 201, "{body}");

    // The team's topic gets the photo, its bytes exactly, the text as its caption.
    let sent = eventually(30, || async {
        match telegram.files().as_slice() {
            [file] => Ok(file.clone()),
            other => Err(format!("Telegram has {} files", other.len())),
        }
    })
    .await;
    assert_eq!(sent.method, "sendPhoto");
    assert_eq!(sent.bytes, PNG);
    assert_eq!(sent.caption.as_deref(), Some("The pole snapped"));
    assert_eq!(sent.file_name, "broken-tent.png");
    assert_eq!(sent.content_type, "image/png");
    let topic = sent.topic_id;

    // The backend gets the metadata with an absolute link that works for a day.
    let event = eventually(30, || async {
        backend
            .received()
            .into_iter()
            .map(|received| received.event)
            .find(|event| event["type"] == "message.created")
            .ok_or_else(|| "no message.created yet".to_string())
    })
    .await;
    let file = &event["message"]["attachments"][0];
    assert_eq!(file["id"], json!(id));
    assert_eq!(file["contentType"], "image/png");
    assert_eq!(file["size"], PNG.len());
    let link = file["url"].as_str().expect("an absolute link");
    assert!(link.starts_with(&relay.origin()), "{link}");
    let expires: u64 = link
        .split("exp=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .and_then(|exp| exp.parse().ok())
        .unwrap();
    assert!(expires > now_seconds() + 86_000, "{link}");
    let (status, _, bytes) = fetch(&api, link).await;
    assert_eq!((status, bytes.as_slice()), (200, PNG));

    // A text too long for a caption goes first; a PDF goes as a document. A file the topic
    // refuses once is sent again, without what went before it.
    let mut pdf = PDF.to_vec();
    pdf.resize(150 * 1024, b' ');
    let (status, body) = upload(&api, &session, "order.pdf", "application/pdf", &pdf).await;
    assert_eq!(status, 201, "{body}");
    let pdf_id: AttachmentId = serde_json::from_value(body["id"].clone()).unwrap();
    let (status, body) = upload(&api, &session, "second.png", "image/png", PNG).await;
    assert_eq!(status, 201, "{body}");
    let png_id: AttachmentId = serde_json::from_value(body["id"].clone()).unwrap();
    telegram.fail_next_files([500]);
    let long = "long ".repeat(300);
    let (status, body) = send(&api, &session, "c2", &long, &[&pdf_id, &png_id]).await;
    assert_eq!(status, 201, "{body}");
    let files = eventually(30, || async {
        match telegram.files() {
            files if files.len() == 3 => Ok(files),
            files => Err(format!("Telegram has {} files", files.len())),
        }
    })
    .await;
    let (document, second) = (&files[1], &files[2]);
    assert_eq!(document.method, "sendDocument");
    assert!(
        document.bytes == pdf,
        "{} bytes of {}",
        document.bytes.len(),
        pdf.len()
    );
    assert_eq!(document.caption, None);
    assert_eq!(
        (second.method.as_str(), second.bytes.as_slice()),
        ("sendPhoto", PNG)
    );
    let texts = telegram.texts();
    assert_eq!(
        texts.iter().filter(|text| **text == long.trim()).count(),
        1,
        "{texts:?}"
    );

    // A team member's photo in the topic comes back as a file of the thread.
    let photo = jpeg();
    telegram.add_file("ph-large", "photos/file_7.jpg", &photo);
    let update = json!({
        "update_id": 734_009_001,
        "message": {
            "message_id": 77,
            "from": { "id": 5550001, "is_bot": false, "first_name": "Ana" },
            "chat": { "id": CHAT, "type": "supergroup", "is_forum": true },
            "date": now_seconds(),
            "message_thread_id": topic,
            "is_topic_message": true,
            "caption": "Here is the replacement",
            "photo": [
                { "file_id": "ph-small", "file_unique_id": "s", "width": 90, "height": 68 },
                { "file_id": "ph-large", "file_unique_id": "l", "width": 640, "height": 480,
                  "file_size": photo.len() },
            ],
        }
    });
    assert_eq!(
        post_telegram_update(&api, Some(HOOK_SECRET), &update).await,
        200
    );
    let history = api.history(&session).await;
    let reply = history.last().unwrap();
    assert_eq!(reply.text, "Here is the replacement");
    assert_eq!(reply.sender.as_ref().unwrap().name, "Ana");
    let file = &reply.attachments[0];
    assert_eq!(file.content_type, "image/jpeg");
    assert_eq!((file.width, file.height), (Some(640), Some(480)));
    let (status, headers, bytes) = fetch(&api, file.url.as_deref().unwrap()).await;
    assert_eq!((status, bytes), (200, photo));
    assert_eq!(headers["Content-Type"], "image/jpeg");
    assert_eq!(
        telegram.seen(|seen| seen.downloads.clone()),
        ["photos/file_7.jpg"]
    );
}

#[tokio::test]
async fn uploads_no_message_names_are_deleted() {
    let relay = Relay::start_with(&[("UPLOAD_UNUSED_SECONDS", "1")]).await;
    let api = Api::new(relay.origin());
    let session = api.session().await;
    let (status, body) = upload(&api, &session, "a.png", "image/png", PNG).await;
    assert_eq!(status, 201, "{body}");
    let link = body["url"].as_str().unwrap().to_string();
    let id: AttachmentId = serde_json::from_value(body["id"].clone()).unwrap();
    eventually(20, || async {
        match fetch(&api, &link).await.0 {
            404 => Ok(()),
            status => Err(format!("the unsent upload still answers {status}")),
        }
    })
    .await;
    let (status, body) = send(&api, &session, "c1", "late", &[&id]).await;
    assert_eq!((status, code(&body)), (400, "attachment_unknown"), "{body}");
}
