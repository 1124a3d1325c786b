//! Files between the web thread and the visitor's WhatsApp, through the real relay, its
//! queue and R2, and a fake Cloud API that speaks the documented media calls: the team's
//! photo (from Telegram) and PDF (from the agent API) are uploaded and sent as an image and
//! a document; the visitor's WhatsApp photo and document come into the thread as files
//! whose signed links serve the same bytes, once however often Meta delivers them; a file
//! the brand does not take leaves a note; and a text that overtakes its sender's link
//! (the `whatsapp_users` row in D1, held back here by the fault switch) waits for it.

use confab_e2e::api::Api;
use confab_e2e::eventually;
use confab_e2e::world::{post_telegram_update, post_whatsapp_hook, World, APP_SECRET, CHAT};
use confab_e2e::world::{HOOK_SECRET, NUMBER_ID, VISITOR};
use confab_protocol::{Author, Channel, DeliveryStatus, Link, Message, Session};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// A minimal PDF.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

/// A JPEG's start (SOI, JFIF, a 640 × 480 frame header) and end.
fn jpeg(marker: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80]);
    bytes.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    // A comment segment makes each test's photo its own bytes.
    bytes.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x03, marker]);
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The fakes and a relay whose fault switch is on, linked messages waiting up to 90 s.
async fn world() -> World {
    World::start(&[("CONFAB_FAULTS", "on"), ("LINK_SETTLE_SECONDS", "90")]).await
}

/// POSTs Meta's hook around one visitor message, signed: the status.
async fn visitor_sends(api: &Api, message: Value) -> u16 {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": NUMBER_ID },
            "contacts": [{ "profile": { "name": "Mei Lin" }, "wa_id": VISITOR }],
            "messages": [message],
        } }] }],
    })
    .to_string();
    post_whatsapp_hook(api, &body, APP_SECRET).await
}

/// A visitor's WhatsApp message of `kind` (`image`, `document`) carrying `media`.
fn media_message(wamid: &str, kind: &str, media: Value) -> Value {
    let mut message = json!({
        "from": VISITOR, "id": wamid, "timestamp": now_seconds().to_string(), "type": kind,
    });
    message[kind] = media;
    message
}

fn text_message(wamid: &str, text: &str) -> Value {
    json!({
        "from": VISITOR, "id": wamid, "timestamp": now_seconds().to_string(),
        "type": "text", "text": { "body": text },
    })
}

/// Waits until the thread's history satisfies `check`.
async fn wait_for_history(
    api: &Api,
    session: &Session,
    check: impl Fn(&[Message]) -> bool,
) -> Vec<Message> {
    eventually(60, || async {
        let history = api.history(session).await;
        if check(&history) {
            Ok(history)
        } else {
            let seen: Vec<_> = history
                .iter()
                .map(|m| (m.text.clone(), m.attachments.len(), m.status))
                .collect();
            Err(format!("the thread has {seen:?}"))
        }
    })
    .await
}

/// A signed link's status and bytes.
async fn fetch(api: &Api, link: &str) -> (u16, Vec<u8>) {
    let response = api.http.get(api.url(link)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_teams_photo_and_pdf_reach_whatsapp_as_image_and_document() {
    let world = world().await;
    let api = &world.api;
    let session = api.session().await;
    api.send(&session, "c1", "My tent arrived torn").await;
    let topic = world.first_topic().await;
    world.link_whatsapp(&session).await;

    // A team member's photo in the Telegram topic, with a caption.
    let photo = jpeg(1);
    world
        .telegram
        .add_file("ph-large", "photos/file_7.jpg", &photo);
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
            "photo": [{ "file_id": "ph-large", "file_unique_id": "l", "width": 640,
                        "height": 480, "file_size": photo.len() }],
        }
    });
    assert_eq!(
        post_telegram_update(api, Some(HOOK_SECRET), &update).await,
        200
    );

    // The PDF from the team's backend (agent API), with a text.
    let key = api.agent_key("demo").await;
    let response = api
        .http
        .post(api.url(&format!(
            "/v1/agent/threads/{}/uploads?name=invoice-7.pdf",
            session.thread_id
        )))
        .bearer_auth(&key)
        .header("Content-Type", "application/pdf")
        .body(PDF.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let uploaded: Value = response.json().await.unwrap();
    let response = api
        .http
        .post(api.url(&format!("/v1/agent/threads/{}/messages", session.thread_id)))
        .bearer_auth(&key)
        .json(&json!({ "clientId": "a1", "text": "Your invoice", "attachments": [uploaded["id"]] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);

    // WhatsApp got both files uploaded with their bytes, and one message each.
    let sent = eventually(60, || async {
        let sent = world.whatsapp.sent();
        let media: Vec<_> = sent
            .iter()
            .filter(|sent| sent.body["type"] != "text")
            .cloned()
            .collect();
        match media.len() {
            2.. => Ok(media),
            _ => Err(format!("WhatsApp has {sent:?}")),
        }
    })
    .await;
    let uploads = world.whatsapp.uploads();
    assert_eq!(uploads.len(), 2, "each file uploaded once");
    let (image, document) = (&sent[0], &sent[1]);
    assert_eq!(
        (image.to.as_str(), image.body["type"].as_str()),
        (VISITOR, Some("image"))
    );
    let photo_upload = uploads
        .iter()
        .find(|upload| image.body["image"]["id"] == upload.id.as_str())
        .expect("the image names its upload");
    assert_eq!(photo_upload.bytes, photo);
    assert_eq!(photo_upload.declared_type, "image/jpeg");
    assert_eq!(photo_upload.content_type, "image/jpeg");
    let caption = image.body["image"]["caption"].as_str().unwrap_or_default();
    assert!(caption.ends_with("Here is the replacement"), "{caption}");
    assert_eq!(document.body["type"], "document");
    let pdf_upload = uploads
        .iter()
        .find(|upload| document.body["document"]["id"] == upload.id.as_str())
        .expect("the document names its upload");
    assert_eq!(pdf_upload.bytes, PDF);
    assert_eq!(
        (
            pdf_upload.declared_type.as_str(),
            pdf_upload.file_name.as_str()
        ),
        ("application/pdf", "invoice-7.pdf")
    );
    assert_eq!(document.body["document"]["filename"], "invoice-7.pdf");
    assert_eq!(document.body["document"]["caption"], "Your invoice");
    // Files are not also sent as lines of text.
    let texts: Vec<_> = world
        .whatsapp
        .sent()
        .iter()
        .filter_map(|sent| sent.body["text"]["body"].as_str().map(str::to_string))
        .collect();
    assert!(
        texts.iter().all(|text| !text.contains("invoice-7.pdf")),
        "{texts:?}"
    );

    // WhatsApp's statuses move the ticks of the message each media message was.
    assert_eq!(world.whatsapp_status(&document.wamid, "read").await, 200);
    wait_for_history(api, &session, |history| {
        history
            .iter()
            .any(|m| m.text == "Your invoice" && m.status == DeliveryStatus::Read)
    })
    .await;
}

#[tokio::test]
async fn the_visitors_whatsapp_photo_and_document_join_the_thread_once() {
    let world = world().await;
    let api = &world.api;
    let session = api.session().await;
    world.link_whatsapp(&session).await;
    // Once a text has joined, D1 knows the link: what follows is handled on the hook's path,
    // in the order it comes.
    assert_eq!(
        visitor_sends(api, text_message("wamid.T1", "hello")).await,
        200
    );
    wait_for_history(api, &session, |history| {
        history.iter().any(|m| m.text == "hello")
    })
    .await;
    let photo = jpeg(2);
    let photo_id = world.whatsapp.add_media("image/jpeg", &photo);
    let pdf_id = world.whatsapp.add_media("application/pdf", PDF);
    let image = media_message(
        "wamid.IMG1",
        "image",
        json!({ "caption": "the tear", "mime_type": "image/jpeg", "sha256": "x", "id": photo_id }),
    );
    let document = media_message(
        "wamid.DOC1",
        "document",
        json!({ "filename": "order 7.pdf", "mime_type": "application/pdf", "sha256": "y",
                "id": pdf_id }),
    );
    assert_eq!(visitor_sends(api, image.clone()).await, 200);
    assert_eq!(visitor_sends(api, document.clone()).await, 200);
    let history = wait_for_history(api, &session, |history| {
        history.iter().filter(|m| !m.attachments.is_empty()).count() == 2
    })
    .await;
    let files: Vec<&Message> = history
        .iter()
        .filter(|m| !m.attachments.is_empty())
        .collect();
    assert_eq!(
        (files[0].author, files[0].channel, files[0].text.as_str()),
        (Author::Visitor, Channel::Whatsapp, "the tear")
    );
    let shown = &files[0].attachments[0];
    assert_eq!(shown.content_type, "image/jpeg");
    assert_eq!((shown.width, shown.height), (Some(640), Some(480)));
    assert_eq!(
        fetch(api, shown.url.as_deref().unwrap()).await,
        (200, photo.clone())
    );
    let shown = &files[1].attachments[0];
    assert_eq!(files[1].text, "");
    assert_eq!(
        (shown.name.as_str(), shown.content_type.as_str()),
        ("order 7.pdf", "application/pdf")
    );
    assert_eq!(
        fetch(api, shown.url.as_deref().unwrap()).await,
        (200, PDF.to_vec())
    );

    // Meta delivers both again: the hook answers 200 once it has handled them, and the
    // thread has nothing more.
    let count = history.len();
    assert_eq!(visitor_sends(api, image).await, 200);
    assert_eq!(visitor_sends(api, document).await, 200);
    assert_eq!(api.history(&session).await.len(), count);

    // A page disguised as a PDF is not kept: the thread says so instead.
    let page_id = world.whatsapp.add_media(
        "application/pdf",
        b"<!DOCTYPE html><html><script>alert(1)</script>",
    );
    let disguised = media_message(
        "wamid.DOC2",
        "document",
        json!({ "filename": "receipt.pdf", "mime_type": "application/pdf", "id": page_id }),
    );
    assert_eq!(visitor_sends(api, disguised).await, 200);
    let history = api.history(&session).await;
    let last = history.last().unwrap();
    assert!(last.attachments.is_empty(), "{last:?}");
    assert!(last.text.contains("not kept"), "{}", last.text);
    assert_eq!(last.author, Author::Visitor);
}

#[tokio::test]
async fn a_message_that_overtakes_its_link_waits_for_it_and_joins_once() {
    let world = world().await;
    let api = &world.api;
    let session = api.session().await;
    // D1 refuses the WhatsApp user's row for now: the thread is linked, D1 does not know.
    api.arm_fault("d1", "INSERT INTO whatsapp_users", 1_000_000)
        .await;
    let response = api
        .http
        .post(api.url(&format!("/v1/threads/{}/links", session.thread_id)))
        .bearer_auth(session.token.as_str())
        .json(&json!({ "purpose": "whatsapp" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let link: Link = response.json().await.unwrap();
    let code_text = format!("Continue my chat: {}", link.code);
    assert_eq!(
        visitor_sends(api, text_message("wamid.LINK", &code_text)).await,
        200
    );
    wait_for_history(api, &session, |history| {
        history.iter().any(|m| m.text == "Continued on WhatsApp")
    })
    .await;

    // The visitor's next text and photo arrive before D1 knows of the link.
    let photo = jpeg(3);
    let photo_id = world.whatsapp.add_media("image/jpeg", &photo);
    let image = media_message(
        "wamid.RACE2",
        "image",
        json!({ "mime_type": "image/jpeg", "id": photo_id }),
    );
    let text = text_message("wamid.RACE1", "Are you still there?");
    assert_eq!(visitor_sends(api, text.clone()).await, 200);
    assert_eq!(visitor_sends(api, image).await, 200);
    // While D1 cannot know, nothing can have joined (the hook found no thread).
    let texts = api.history_texts(&session).await;
    assert!(
        !texts.contains(&"Are you still there?".to_string()),
        "{texts:?}"
    );

    // The row reaches D1; the waiting messages find their thread, once each.
    api.clear_faults().await;
    let history = wait_for_history(api, &session, |history| {
        history.iter().any(|m| m.text == "Are you still there?")
            && history.iter().any(|m| !m.attachments.is_empty())
    })
    .await;
    let file = history.iter().find(|m| !m.attachments.is_empty()).unwrap();
    assert_eq!(
        fetch(api, file.attachments[0].url.as_deref().unwrap()).await,
        (200, photo)
    );
    // Meta delivers the text again: still once.
    assert_eq!(visitor_sends(api, text).await, 200);
    let history = api.history(&session).await;
    assert_eq!(
        history
            .iter()
            .filter(|m| m.text == "Are you still there?")
            .count(),
        1,
        "{history:?}"
    );
    assert_eq!(
        history.iter().filter(|m| !m.attachments.is_empty()).count(),
        1
    );
}
